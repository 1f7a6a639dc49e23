"""Shared pieces: timing, results, PostgreSQL databases, gunicorn servers, wrk.

Everything here runs under stackgen's own virtualenv (``.venv``); the
generated apps and the baselines run in the shared project environment
(``.cache/project-env``, the one the test suite builds), so both sides of a
comparison use the same interpreter and the same pinned libraries.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness import runtime, services
from harness.projects import REPO_ROOT as REPO
from harness.projects import ProjectEnv

BENCH_DIR = REPO / "bench"
VENV_BIN = Path(sys.executable).parent
STACKGEN = VENV_BIN / "stackgen"
COPIER = VENV_BIN / "copier"


# ----------------------------------------------------------------- results


@dataclass
class Result:
    """One reported ratio (or absolute figure) with its budget."""

    name: str
    value: float | None  # None: not measured
    budget: str = ""  # e.g. "<= 1.2x", ">= 0.8x", "< 150 ms"; empty: informational
    unit: str = "x"
    detail: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "NOT MEASURED"
        if self.unit == "bool":
            return "PASS" if self.value else "MISS"
        match = re.match(r"(<=|>=|<|>)\s*([\d.]+)", self.budget)
        if not match:
            return "info"
        op, limit = match.group(1), float(match.group(2))
        ok = {
            "<=": self.value <= limit,
            ">=": self.value >= limit,
            "<": self.value < limit,
            ">": self.value > limit,
        }[op]
        return "PASS" if ok else "MISS"

    def shown(self) -> str:
        if self.value is None:
            return "-"
        if self.unit == "bool":
            return "yes" if self.value else "no"
        if self.unit == "x":
            # At the limit, enough digits to show which side of it the value falls on.
            limit = re.search(r"[\d.]+", self.budget)
            digits = 2
            while limit and digits < 5 and round(self.value, digits) == float(limit.group()):
                digits += 1
            return f"{self.value:.{digits}f}x"
        return f"{self.value:.1f} {self.unit}"


@dataclass
class Section:
    """What one measurement module hands back: figures, ratios, notes."""

    title: str
    results: list[Result] = field(default_factory=list)
    tables: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # markdown paragraphs
    profiles: list[tuple[str, str]] = field(default_factory=list)  # (heading, text block)

    def add(self, *args: object, **kwargs: object) -> Result:
        result = Result(*args, **kwargs)  # type: ignore[arg-type]
        self.results.append(result)
        print(f"  {result.name}: {result.shown()}  budget {result.budget or '-'}  {result.verdict}")
        return result


def log(message: str) -> None:
    print(message, flush=True)


# ----------------------------------------------------------------- timing


def run(
    command: Sequence[str | Path],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"`{' '.join(map(str, command))}` failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def timed(
    command: Sequence[str | Path],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> float:
    """Wall time of one run of ``command``, in seconds (it must succeed)."""
    start = time.perf_counter()
    run(command, cwd=cwd, env=env)
    return time.perf_counter() - start


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def paired_ratio(a: Sequence[float], b: Sequence[float]) -> float:
    """Median of the per-repetition ratios a[i] / b[i].

    Both sides of a repetition ran back to back, so a slow spell on the
    machine (other jobs) raises both and cancels out of their ratio.
    """
    return median([x / y for x, y in zip(a, b, strict=True)])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# ----------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": sys.version.split()[0],
    }
    from importlib.metadata import version

    info["copier"] = version("copier")
    info["stackgen"] = version("stackgen")
    project = PROJECT.python
    if project.exists():
        code = (
            "from importlib.metadata import version as v\n"
            "import sys\n"
            "print(sys.version.split()[0])\n"
            "for p in ('flask','django','sqlalchemy','gunicorn','psycopg'):\n"
            "    print(p, v(p))\n"
        )
        out = run([project, "-c", code]).stdout.splitlines()
        info["project python"] = out[0]
        for line in out[1:]:
            name, ver = line.split()
            info[name] = ver
    wrk = shutil.which("wrk")
    info["load tool"] = "wrk" if wrk else "Python thread pool (wrk not installed)"
    try:
        info["postgresql"] = services.psql("SHOW server_version").strip()
    except Exception:
        info["postgresql"] = "not reachable"
    return info


# ----------------------------------------------------------------- project environment

# The test suite's shared environment, lock and record file (harness/projects.py), so a
# bench after a test run installs nothing; the repository on PYTHONPATH for bench.*.
PROJECT = ProjectEnv(pythonpath=(REPO,), log=log)


# ----------------------------------------------------------------- PostgreSQL


@contextmanager
def database() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database (harness/services.py), dropped afterwards: yields (name, URL)."""
    # Unreachable: an OSError here rather than the tests' pytest skip.
    socket.create_connection(services.SERVERS["postgresql"], timeout=3).close()
    with services.database("postgresql", prefix="stackgen_bench_") as url:
        yield url.rsplit("/", 1)[1], url


def fill_actors(database: str, stop: int, birth_date: str, start: int = 1) -> None:
    """Insert actors ``start`` to ``stop`` into the Flask starter's table, then VACUUM ANALYZE.

    ``birth_date`` is an SQL expression in the row number ``g``. The rows are made by
    the server (``INSERT ... SELECT generate_series``), 250,000 to a statement.
    """
    for first in range(start, stop + 1, 250_000):
        last = min(stop, first + 250_000 - 1)
        services.psql(
            "INSERT INTO actors (name, birth_date, created_at, updated_at) "
            f"SELECT 'Actor ' || g, {birth_date}, now(), now() "
            f"FROM generate_series({first}, {last}) g",
            database,
        )
    services.psql("VACUUM ANALYZE actors", database)


# ----------------------------------------------------------------- servers

WORKERS = 2  # gunicorn sync workers, the same for every app


@contextmanager
def gunicorn(project: Path, app: str, env: Mapping[str, str], check_path: str) -> Iterator[str]:
    """Serve ``app`` with harness/runtime.py's gunicorn, WORKERS sync workers; yield the base URL.

    The server is stopped whatever happens; a traceback in its log is shown.
    """
    with tempfile.TemporaryDirectory(prefix="stackgen-bench-gunicorn-") as tmp:
        log_file = Path(tmp) / "gunicorn.log"
        try:
            with runtime.gunicorn(
                PROJECT, project, app, env, log_file, check_path, workers=WORKERS, threads=1
            ) as base:
                yield base
        finally:
            text = log_file.read_text() if log_file.exists() else ""
            if "Traceback" in text:
                print(f"  warning: gunicorn {app} logged a traceback:\n{text[-2000:]}")


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def send(
    url: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, bytes]:
    """Any request; an HTTP error status is returned, not raised."""
    request = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(url: str) -> dict:
    status, body = get(url)
    assert status == 200, (url, status)
    return json.loads(body)


def load(
    url: str,
    seconds: float,
    connections: int = 8,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    expect: int = 200,
) -> dict[str, float]:
    """Requests/s and latency under load for ``seconds``: wrk, else a thread pool.

    GETs go to wrk when it is installed (with their headers); other requests (a POST
    with a body) always use the thread pool, where any status other than
    ``expect`` counts as an error. Bounded in time (``seconds``) and, for the
    thread pool, in count too.
    """
    wrk = shutil.which("wrk")
    if wrk and method == "GET" and body is None and expect == 200:
        # One wrk thread per core would steal the servers' CPU; 1 thread, N connections.
        out = run(
            [
                wrk,
                "-t1",
                f"-c{connections}",
                f"-d{seconds:.0f}s",
                "--timeout",
                "5s",
                "--latency",
                *(f"-H{name}: {value}" for name, value in (headers or {}).items()),
                url,
            ],
            timeout=seconds + 60,
        ).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        errors = 0
        if m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
            errors += int(m.group(1))
        if m := re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
        ):
            errors += sum(int(g) for g in m.groups())
        p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
        return {
            "rps": rps,
            "errors": errors,
            "p50_ms": float(p50.group(1)) * scale[p50.group(2)] if p50 else float("nan"),
        }
    return _thread_pool_load(url, seconds, connections, method, body, headers, expect)


def _thread_pool_load(
    url: str,
    seconds: float,
    connections: int,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    expect: int = 200,
) -> dict[str, float]:
    from concurrent.futures import ThreadPoolExecutor

    deadline = time.monotonic() + seconds
    cap = 200_000  # count bound, whatever the speed

    def worker(_: int) -> tuple[int, int, list[float]]:
        done = errors = 0
        latencies: list[float] = []
        while time.monotonic() < deadline and done < cap // connections:
            start = time.perf_counter()
            try:
                status, _body = send(url, method, body, headers, timeout=5)
                errors += status != expect
            except OSError:
                errors += 1
            latencies.append(time.perf_counter() - start)
            done += 1
        return done, errors, latencies

    start = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        parts = list(pool.map(worker, range(connections)))
    elapsed = time.monotonic() - start
    latencies = [lat for _, _, lats in parts for lat in lats]
    return {
        "rps": sum(p[0] for p in parts) / elapsed,
        "errors": sum(p[1] for p in parts),
        "p50_ms": median(latencies) * 1000 if latencies else float("nan"),
    }


def latencies(urls: Sequence[str], count: int, seconds: float) -> list[list[float]]:
    """Wall times of requests to each of ``urls`` (ms), one request at a time.

    The URLs are requested in turn (interleaved), so drift hits them alike;
    ``count`` rounds at most, within ``seconds``, after 10 warm-up rounds.
    """
    samples: list[list[float]] = [[] for _ in urls]
    for _ in range(10):  # both workers, their pools and caches
        for url in urls:
            get(url)
    deadline = time.monotonic() + seconds
    rounds = 0
    while rounds < count and time.monotonic() < deadline:
        for i, url in enumerate(urls):
            start = time.perf_counter()
            status, _ = get(url)
            samples[i].append(time.perf_counter() - start)
            assert status == 200, (url, status)
        rounds += 1
    return [[t * 1000 for t in s] for s in samples]


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"stackgen-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
