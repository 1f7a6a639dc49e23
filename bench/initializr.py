"""5. The web initializr: a download against `stackgen new` of the same answers, and the
preview's latency.

`stackgen serve` runs on loopback with its own ``$STACKGEN_HOME``. Every
timed download and every "changed option" preview asks for answers the server
has not rendered yet (a new project name each repetition), so the in-memory
cache never helps them; a "repeated" preview asks again for the previous URL
and is answered from the cache. `stackgen new` is timed as a whole command (a
fresh interpreter, `.env` and the git commit included), as in generation.py;
the download is timed from the request to its last byte, the server already
running, because that is what a user of the page waits for.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlencode

from bench.common import STACKGEN, Section, get, log, median, ms, paired_ratio, scratch, timed
from generator.catalogue import TEMPLATES
from harness.runtime import free_port

AUTHOR = {"author_name": "Bench Mark", "author_email": "bench@example.com"}


@contextmanager
def serving(env: dict[str, str]):
    port = free_port()
    server = subprocess.Popen(
        [STACKGEN, "serve", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline()
        if not line.startswith("Serving"):
            raise RuntimeError(f"stackgen serve did not start: {line!r}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=15)


def fetch(url: str) -> float:
    start = time.perf_counter()
    status, body = get(url, timeout=120)
    elapsed = time.perf_counter() - start
    if status != 200 or not body:
        raise RuntimeError(f"{url} answered {status}")
    return elapsed


def measure(quick: bool) -> Section:
    section = Section("Web initializr")
    reps = 3 if quick else 9
    with scratch("initializr") as tmp:
        env = {"STACKGEN_HOME": str(tmp / "home")}
        with serving(env) as base:
            # Warm-up: the store and its tag, the OS caches, both sides once.
            for flag in TEMPLATES:
                fetch(f"{base}/starter.zip?{urlencode({'framework': flag})}")
                timed([STACKGEN, "new", tmp / f"warm-{flag}", "--framework", flag, "--defaults"])
            times: dict[str, list[float]] = {}

            def add(key: str, seconds: float) -> None:
                times.setdefault(key, []).append(seconds)

            log(f"  {reps} repetitions each, interleaved")
            for rep in range(reps):
                for flag in TEMPLATES:
                    name = f"shop-{flag}-{rep}"
                    data = {"project_name": name, **AUTHOR}
                    url = f"{base}/starter.zip?{urlencode({'framework': flag, **data})}"
                    command = [STACKGEN, "new", tmp / name, "--framework", flag, "--defaults"]
                    command += [arg for k, v in AUTHOR.items() for arg in ("--data", f"{k}={v}")]
                    sides = [
                        (f"download {flag}", lambda url=url: fetch(url)),
                        (f"stackgen new {flag}", lambda c=command: timed(c, env=env)),
                    ]
                    for key, measure_once in sides if rep % 2 else reversed(sides):
                        add(key, measure_once())
                database = ("sqlite", "postgresql", "mysql")[rep % 3]
                preview = f"{base}/api/preview?" + urlencode(
                    {"framework": "flask", "project_name": f"preview-{rep}", "database": database}
                )
                add("preview, changed option", fetch(preview))
                add("preview, repeated", fetch(preview))

            count = 20
            urls = [
                f"{base}/starter.zip?"
                + urlencode({"framework": ("flask", "django")[i % 2], "project_name": f"par-{i}"})
                for i in range(count)
            ]
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=count) as pool:
                list(pool.map(fetch, urls))
            parallel = time.perf_counter() - start

        med = {key: median(values) for key, values in times.items()}
        rows = [
            [key, ms(med[key]), ms(min(values)), ms(max(values)), str(len(values))]
            for key, values in times.items()
        ]
        rows.append(
            [f"{count} parallel downloads, distinct answers (wall)", ms(parallel), "", "", "1"]
        )
        section.tables.append((["request", "median", "min", "max", "runs"], rows))
        for flag in TEMPLATES:
            section.add(
                f"download {flag} / stackgen new {flag}",
                paired_ratio(times[f"download {flag}"], times[f"stackgen new {flag}"]),
                "<= 1.0x",
                detail=f"{ms(med[f'download {flag}'])} vs {ms(med[f'stackgen new {flag}'])}",
            )
        section.add(
            "preview, changed option",
            med["preview, changed option"] * 1000,
            unit="ms",
            detail="renders: informational",
        )
        section.add("preview, repeated", med["preview, repeated"] * 1000, "< 50 ms", unit="ms")
        section.notes.append(
            f"{count} downloads with distinct answers at once took {ms(parallel)} in all: "
            "renders in one server process take turns (Copier changes the working directory "
            "while it renders), so a team server scales with gunicorn workers."
        )
    return section


if __name__ == "__main__":  # python -m bench.initializr: this measurement alone, no report
    measure("--quick" in sys.argv)
