"""The generated Flask API at run time, from the outside.

- schemathesis 4 fuzzes every operation of the app's own OpenAPI document, in
  process: no 5xx, and every response (status, headers, body) conforms;
- gunicorn serves the app on PostgreSQL and takes 100 concurrent creates.

Both run inside the shared project environment, like the project's own tests.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

import pytest

from tests import services
from tests.projects import ProjectEnv, _locked, generate

SCHEMATHESIS = "schemathesis==4.32.5"

FUZZ_MODULE = """
import os
import tempfile
from datetime import date

import schemathesis
from hypothesis import HealthCheck, settings

from {slug} import create_app
from {slug}.extensions import db
from {slug}.models import Actor

url = os.environ.get("DATABASE_URL") or f"sqlite:///{{tempfile.mkdtemp()}}/fuzz.sqlite3"
app = create_app({{"SQLALCHEMY_DATABASE_URI": url}})
with app.app_context():
    db.create_all()
    actors = [Actor(name=f"Actor {{n}}", birth_date=date(1950 + n, 1, 1)) for n in range(5)]
    db.session.add_all(actors)
    db.session.commit()

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@schema.parametrize()
@settings(max_examples={examples}, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case):
    case.call_and_validate()
"""


def install_tool(env: ProjectEnv, requirement: str) -> None:
    """Add a test tool to the shared environment (same lock as ProjectEnv.install)."""
    with _locked(env.root.parent / f"{env.root.name}.lock"):
        subprocess.run(
            [str(env.python), "-m", "pip", "install", "-q", requirement],
            check=True,
            capture_output=True,
            text=True,
        )


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_schemathesis_finds_no_failure(tmp_path, database):
    project = generate(tmp_path / "fuzzed_api", "flask", database=database, analytics=True)
    env = ProjectEnv()
    env.install(project)
    install_tool(env, SCHEMATHESIS)
    fuzz_dir = tmp_path / "fuzz"
    fuzz_dir.mkdir()
    fuzz = fuzz_dir / "test_fuzz_api.py"
    fuzz.write_text(FUZZ_MODULE.format(slug=project.name, examples=30))

    server = services.database(database) if database != "sqlite" else nullcontext(None)
    with server as url:
        result = env.run(
            project,
            *("python", "-m", "pytest", str(fuzz), "--rootdir", str(fuzz_dir)),
            *("-p", "no:cacheprovider", "-o", "addopts=", "-q"),
            env={"DATABASE_URL": url} if url else {},
        )
    # One test per operation: list, create (twice), read, replace, update, delete, stats.
    assert "8 passed" in result.stdout, result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=20) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.slow
def test_gunicorn_on_postgresql_stores_100_concurrent_creates(tmp_path):
    project = generate(tmp_path / "served_api", "flask", database="postgresql")
    env = ProjectEnv()
    env.install(project)

    with services.database("postgresql") as url:
        settings = {"DATABASE_URL": url, "SECRET_KEY": "test-only"}
        env.run(project, "flask", "db", "upgrade", env=settings)
        port = free_port()
        base = f"http://127.0.0.1:{port}/api/actors"
        log = (tmp_path / "gunicorn.log").open("w")
        command = ["gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "4", "--threads", "4"]
        server = subprocess.Popen(
            [str(env.bin / command[0]), *command[1:], "wsgi:app"],
            cwd=project,
            env=env.environ(project, settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if request(base)[0] == 200:
                        break
                except OSError:
                    pass
                assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)

            with ThreadPoolExecutor(max_workers=100) as pool:
                results = list(
                    pool.map(lambda n: request(base, {"name": f"Concurrent {n}"}), range(100))
                )
            status, page = request(f"{base}?per_page=100")
            _, after = request(f"{base}?per_page=100&page=2")
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()

    assert [code for code, _ in results] == [201] * 100
    assert len({body["id"] for _, body in results}) == 100
    assert status == 200
    assert sorted(actor["name"] for actor in page["items"]) == sorted(
        f"Concurrent {n}" for n in range(100)
    )
    assert page["pagination"]["next"] is None
    assert after["items"] == []
    assert "Traceback" not in (tmp_path / "gunicorn.log").read_text()
