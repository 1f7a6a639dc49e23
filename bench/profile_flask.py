"""Where a list request's time goes: the generated Flask API against the minimal endpoint.

Run in the project environment with the project and the repository on
PYTHONPATH (``DATABASE_URL`` set, rows in place). Serves ``requests`` pages of
25 through each app's WSGI test client under cProfile (no HTTP, no gunicorn)
and prints JSON: time per request, and self time per request grouped by the
package it is spent in.
"""

import cProfile
import importlib
import json
import pstats
import re
import sys
import time
from collections import defaultdict

slug, requests = sys.argv[1], int(sys.argv[2])
SITE = re.compile(r"site-packages/([A-Za-z0-9_]+)")
STDLIB = re.compile(r"/lib/python3\.\d+/([A-Za-z0-9_]+)")


def package_of(filename: str) -> str:
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C: I/O, socket, psycopg C)"
    if f"/{slug}/" in filename:
        return f"{slug} (the generated app)"
    if "/bench/" in filename:
        return "bench (the minimal app)"
    if match := SITE.search(filename):
        return match.group(1).removesuffix("_binary")
    if match := STDLIB.search(filename):
        return f"stdlib {match.group(1)}"
    return "other"


def measure(app, path: str) -> dict:
    client = app.test_client()
    for _ in range(20):
        assert client.get(path).status_code == 200
    start = time.perf_counter()
    for _ in range(requests):
        client.get(path)
    plain = (time.perf_counter() - start) / requests
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        by_package[package_of(filename)] += tottime
    top = sorted(by_package.items(), key=lambda kv: -kv[1])[:10]
    functions = []
    for (filename, line, name), (_cc, ncalls, _tt, cumtime, _c) in stats.stats.items():
        short = re.sub(r".*site-packages/", "", filename)
        if short != filename or f"/{slug}/" in filename or "/bench/" in filename:
            short = re.sub(r".*/(bench|" + slug + r")/", r"\1/", short)
            functions.append((cumtime, ncalls, f"{short}:{line}({name})"))
    functions.sort(reverse=True)
    return {
        "ms_per_request": plain * 1000,
        "self_ms_per_request_by_package": {k: v * 1000 / requests for k, v in top},
        "top_cumulative": [
            (round(c * 1000 / requests, 3), n // requests, f) for c, n, f in functions
        ][:30],
    }


create_app = importlib.import_module(slug).create_app
generated = create_app()
minimal = importlib.import_module("bench.minimal_flask").app
print(
    json.dumps(
        {
            "generated": measure(generated, "/api/actors?per_page=25"),
            "minimal": measure(minimal, "/actors?per_page=25"),
        }
    )
)
