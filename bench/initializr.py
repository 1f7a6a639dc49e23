"""5. The web initializr: a download against `stackgen new` of the same answers, and the
preview's latency.

`stackgen serve` runs on loopback with its own ``$STACKGEN_HOME``. Every
timed download and every "changed option" preview asks for answers the server
has not rendered yet (a new project name each repetition), so the in-memory
cache never helps them; a "repeated" preview asks again for the previous URL
and is answered from the cache. `stackgen new` is timed as a whole command (a
fresh interpreter, `.env` and the git commit included), as in generation.py;
the download is timed from the request to its last byte, the server already
running, because that is what a user of the page waits for. A trivial preview is
also timed while the heaviest preview the bounds allow (6 resources, 40 fields)
renders: renders run in worker processes, so it does not wait for the heavy one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from bench.common import STACKGEN, Section, get, log, median, ms, paired_ratio, scratch, timed
from generator.catalogue import TEMPLATES
from harness.runtime import free_port

AUTHOR = {"author_name": "Bench Mark", "author_email": "bench@example.com"}


HEAVY_ROWS = ";".join(
    f"Heavy{n} " + " ".join(f"f{k}:string" for k in range(6 if n < 4 else 8)) for n in range(6)
)


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
        yield f"http://127.0.0.1:{port}", server.pid
    finally:
        server.terminate()
        server.wait(timeout=15)


def resident_mb(pid: int) -> float:
    """The process's resident memory (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


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
        with serving(env) as (base, pid):
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
                heavy = f"{base}/api/preview?" + urlencode(
                    {"framework": "flask", "project_name": f"heavy-{rep}", "resources": HEAVY_ROWS}
                )
                trivial = f"{base}/api/preview?" + urlencode(
                    {"framework": "flask", "project_name": f"trivial-{rep}"}
                )
                with ThreadPoolExecutor(max_workers=1) as pool:
                    running = pool.submit(fetch, heavy)
                    time.sleep(0.3)  # the heavy one is in its worker
                    add("trivial preview while a heavy one renders", fetch(trivial))
                    add("heavy preview (6 resources, 40 fields)", running.result())

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
            rss = resident_mb(pid)

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
        section.add(
            "trivial preview during a heavy one / the heavy one",
            paired_ratio(
                times["trivial preview while a heavy one renders"],
                times["heavy preview (6 resources, 40 fields)"],
            ),
            "< 1.0x",
            detail="renders in worker processes: one request never holds the others",
        )
        section.add(
            "server memory after every render above",
            rss,
            unit="MB",
            detail="resident; renders run and end in worker processes: informational",
        )
        section.notes.append(
            f"{count} downloads with distinct answers at once took {ms(parallel)} in all: "
            "each server process renders in at most 2 worker processes at once (Copier "
            "changes the working directory, so renders cannot share a process), 8 more "
            "wait, and the rest of the server's threads' requests queue in waitress."
        )
    return section


if __name__ == "__main__":  # python -m bench.initializr: this measurement alone, no report
    measure("--quick" in sys.argv)
