"""Where a polls index request's time goes, in process (Django's test client).

Run in the project environment with ``DJANGO_SETTINGS_MODULE`` set to the
generated project's settings or to bench.bare_django.settings; prints JSON:
time per request (unprofiled), and self time per request under cProfile
grouped by the part of Django (or other package) it is spent in.
"""

import cProfile
import json
import pstats
import re
import sys
import time
from collections import defaultdict

import django

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

requests = int(sys.argv[1])
SITE = re.compile(r"site-packages/(django/(?:contrib/)?[a-z_]+|[A-Za-z0-9_]+)")


def part_of(filename: str) -> str:
    if filename.startswith(("~", "<")):
        return "builtins (C: I/O, socket, psycopg C)"
    if match := SITE.search(filename):
        return match.group(1).removesuffix(".py").replace("/", ".")
    if "/bench/" in filename:
        return "bench"
    if "/lib/python3" in filename:
        return "stdlib"
    return "the project"


setup_test_environment()
client = Client()
for _ in range(20):
    assert client.get("/polls/").status_code == 200
start = time.perf_counter()
for _ in range(requests):
    client.get("/polls/")
plain = (time.perf_counter() - start) / requests
profiler = cProfile.Profile()
profiler.enable()
for _ in range(requests):
    client.get("/polls/")
profiler.disable()
by_part: dict[str, float] = defaultdict(float)
for (filename, _l, _n), (_cc, _nc, tottime, _ct, _c) in pstats.Stats(profiler).stats.items():
    by_part[part_of(filename)] += tottime
top = sorted(by_part.items(), key=lambda kv: -kv[1])[:12]
print(
    json.dumps(
        {
            "ms_per_request": plain * 1000,
            "self_ms_per_request_by_part": {k: v * 1000 / requests for k, v in top},
        }
    )
)
