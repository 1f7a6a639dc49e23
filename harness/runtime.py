"""Run a generated project as a person would: gunicorn on loopback, headless Chromium.

Shared by the Flask and Django runtime tests: a free loopback port, gunicorn
serving a project from the shared project environment until its probe URL
answers, and a Playwright script that drives Debian's Chromium with a fresh
profile, keeping a screenshot for the failure message.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.projects import REPO_ROOT, ProjectEnv

CHROMIUM = Path("/usr/bin/chromium")
APACHE = Path("/usr/sbin/apache2")
WRK = Path("/usr/bin/wrk")
APACHE_MODULES = Path("/usr/lib/apache2/modules")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(
    url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 30
) -> None:
    """Return once ``url`` answers 2xx or 3xx; fail with gunicorn's log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(
                f"{server.args[0]} exited ({server.returncode}):\n{log.read_text()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:  # refused, reset, timed out, or an error status while starting
            time.sleep(0.2)
    raise AssertionError(
        f"{server.args[0]} did not answer on {url} within {timeout}s:\n{log.read_text()}"
    )


def stop(server: subprocess.Popen[bytes], timeout: float = 15) -> None:
    server.terminate()
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def running(
    command: list[str],
    cwd: Path,
    environ: Mapping[str, str],
    log: Path,
    ready: Callable[[subprocess.Popen[bytes]], None],
    stop_timeout: float = 15,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` with its output in ``log``; yield once ``ready(process)`` returns
    (it raises if the process never gets there). The process is stopped on the way out."""
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=cwd, env=environ, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            ready(process)
            yield process
        finally:
            stop(process, stop_timeout)


@contextmanager
def gunicorn(
    env: ProjectEnv,
    project: Path,
    app: str,
    settings: Mapping[str, str],
    log: Path,
    probe: str,
    workers: int = 3,
    threads: int = 4,
    port: int | None = None,
) -> Iterator[str]:
    """Serve ``app`` (a WSGI path) on ``port`` (a free loopback one by default); yield the
    base URL.

    gunicorn reads the project's own gunicorn.conf.py; the command line wins over it.
    Waits until ``probe`` (a path) answers; gunicorn's output goes to ``log``.
    The server is stopped on the way out.
    """
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(env.bin / "gunicorn"), app, "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads), "--timeout", "30"]
    environ = env.environ(project, settings)
    with running(command, project, environ, log, lambda s: wait_until_up(base + probe, s, log)):
        yield base


def require(present: bool, reason: str) -> None:
    """Skip with ``reason`` unless ``present``; under STACKGEN_REQUIRE_SERVICES=1, fail."""
    if present:
        return
    if os.environ.get("STACKGEN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and STACKGEN_REQUIRE_SERVICES=1 requires it")
    pytest.skip(reason)


def require_apache() -> None:
    """Debian's Apache httpd, or skip (fail under STACKGEN_REQUIRE_SERVICES=1)."""
    present = APACHE.exists() and APACHE_MODULES.is_dir()
    require(present, f"no Apache httpd at {APACHE} (apt-get install apache2)")


def require_wrk() -> None:
    """Debian's wrk (the load generator), or skip (fail under STACKGEN_REQUIRE_SERVICES=1)."""
    require(WRK.exists(), f"no wrk at {WRK} (apt-get install wrk)")


# wrk's script: each thread counts the statuses it got; with a body, every
# request is a POST from a client address of its own (X-Forwarded-For, for an
# app that trusts one proxy), and the ids of the 201s are kept; done() prints
# it all as one JSON line.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end
function init(args)
  path, body, token = args[1], args[2], args[3]
  sent, statuses, ids = 0, {}, {}
end
function request()
  if body == nil or body == "" then
    return wrk.format("GET", path)
  end
  sent = sent + 1
  local address = string.format("10.%d.%d.%d", number, math.floor(sent / 250) % 250, sent % 250 + 1)
  local headers = {["Content-Type"] = "application/json", ["X-Forwarded-For"] = address}
  if token ~= nil and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("POST", path, headers, body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    local id = body:match('"id":%s*(%d+)')
    if id then table.insert(ids, id) end
  end
end
function done(summary, latency, requests)
  local counts, created = {}, {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
    for _, id in ipairs(thread:get("ids")) do table.insert(created, id) end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%d": %d', status, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "seconds": %.3f, "socket_errors": %d, "timeouts": %d, '
    .. '"statuses": {%s}, "ids": [%s]}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write, e.timeout,
    table.concat(parts, ", "), table.concat(created, ", ")))
end
"""


@dataclass
class Load:
    """What one wrk run saw: requests, per-status counts, socket errors, the created ids."""

    requests: int
    seconds: float
    socket_errors: int
    timeouts: int
    statuses: dict[int, int]
    ids: list[int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def failed(self) -> int:
        """Requests that got no answer, or an answer that is not a success (2xx)."""
        bad = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return bad + self.socket_errors + self.timeouts


def wrk(
    url: str,
    seconds: float,
    connections: int = 8,
    body: str = "",
    token: str = "",
    threads: int = 2,
) -> Load:
    """Load ``url`` with wrk for ``seconds`` (at most 30) from 127.0.0.1: GETs, or POSTs
    of ``body`` (each from a client address of its own) with a bearer ``token``."""
    assert seconds <= 30, "bounded load: at most 30 s"
    base, _, path = url.partition("://")[2].partition("/")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        result = subprocess.run(
            [
                str(WRK),
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://{base}",
                "--",
                f"/{path}",
                body,
                token,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        )
    line = next((x for x in result.stdout.splitlines() if x.startswith("WRK ")), None)
    assert line, f"wrk printed no summary:\n{result.stdout}{result.stderr}"
    data = json.loads(line[4:])
    return Load(
        data["requests"],
        data["seconds"],
        data["socket_errors"],
        data["timeouts"],
        {int(k): v for k, v in data["statuses"].items()},
        [int(i) for i in data["ids"]],
    )


@contextmanager
def apache(
    config: Path, settings: Mapping[str, str], log: Path, probe: str = "/healthz"
) -> Iterator[str]:
    """Run Debian's Apache with ``config`` (a whole server configuration, a generated
    project's deploy/apache/httpd.conf) on a free loopback port; yield its base URL.

    ``settings`` are the environment variables the config reads beyond the ones
    set here (the modules folder, a private run folder, the user, the port). Nothing
    under /etc/apache2 is read or touched. Waits until ``probe`` answers through it.
    """
    require_apache()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="stackgen-apache-") as run_dir:
        os.chmod(run_dir, 0o755)  # the workers run as www-data
        environ = {
            **os.environ,
            "APACHE_MODULES": str(APACHE_MODULES),
            "APACHE_RUN_DIR": run_dir,
            "APACHE_RUN_USER": "www-data",
            "APACHE_RUN_GROUP": "www-data",
            "APACHE_LISTEN": f"127.0.0.1:{port}",
            "APACHE_SERVER_NAME": "localhost",
            **settings,
        }
        command = [str(APACHE), "-f", str(config), "-DFOREGROUND"]

        def ready(server: subprocess.Popen[bytes]) -> None:
            wait_until_up(base + probe, server, log)

        with running(command, config.parent, environ, log, ready):
            yield base


def playwright_requirement() -> str:
    """The Playwright pin the Django template gives its projects (one version in the env)."""
    pyproject = (REPO_ROOT / "templates" / "django-mtv" / "pyproject.toml.jinja").read_text()
    match = re.search(r'"(playwright==[0-9][0-9A-Za-z.]*)"', pyproject)
    assert match, "no playwright pin in templates/django-mtv/pyproject.toml.jinja"
    return match.group(1)


def require_chromium() -> None:
    """Debian's Chromium, or skip (fail under STACKGEN_REQUIRE_SERVICES=1)."""
    require(CHROMIUM.exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")


# Prepended to every browser script: open_page() launches Chromium with a
# fresh profile; the script gets the base URL and the screenshot path as
# sys.argv[1] and sys.argv[2], the profile directory as sys.argv[3].
BROWSER_PRELUDE = f"""\
import sys

from playwright.sync_api import sync_playwright

url, screenshot, profile = sys.argv[1], sys.argv[2], sys.argv[3]
CHROMIUM = {str(CHROMIUM)!r}
ARGS = {CHROMIUM_ARGS!r}


def open_browser(playwright):
    return playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, headless=True, args=ARGS
    )

"""


@dataclass
class BrowserRun:
    result: subprocess.CompletedProcess[str]
    screenshot: Path

    @property
    def shot(self) -> str:
        """Names the screenshot for an assertion message."""
        if self.screenshot.exists():
            return f"screenshot: {self.screenshot}"
        return "no screenshot was taken"

    @property
    def stdout(self) -> str:
        return self.result.stdout

    def explain(self) -> str:
        stderr = self.result.stderr[-4000:]
        return f"{self.shot}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{stderr}"


def run_in_browser(
    env: ProjectEnv, project: Path, script: str, url: str, workdir: Path, timeout: float = 120
) -> BrowserRun:
    """Run a Playwright ``script`` (after BROWSER_PRELUDE) against ``url``.

    The script should take its screenshot in a ``finally`` block; it is kept
    in ``workdir`` (the test's tmp dir) as browser.png.
    """
    require_chromium()
    path = workdir / "browser_script.py"
    path.write_text(BROWSER_PRELUDE + script)
    screenshot = workdir / "browser.png"
    profile = workdir / "chromium-profile"
    profile.mkdir()
    result = env.run(
        project,
        "python",
        str(path),
        url,
        str(screenshot),
        str(profile),
        check=False,
        timeout=timeout,
    )
    run = BrowserRun(result, screenshot)
    assert result.returncode == 0, f"the browser run failed ({run.shot})\n{run.explain()}"
    return run
