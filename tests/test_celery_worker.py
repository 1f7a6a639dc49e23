"""A generated project's Celery task runs on a real worker, through RabbitMQ and through Redis.

The project's own tests run tasks eagerly; this starts ``celery -A <package>
worker`` against the local broker, waits until it answers ``inspect ping``,
queues the example task from the project (on a queue of this test's own, so
that other workers on the same broker never take it) and reads its result.
Skipped with the reason when the broker is not reachable.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness import services
from harness.projects import ProjectEnv, generate
from harness.runtime import running

pytestmark = pytest.mark.slow

RESULTS = {"rabbitmq": "rpc://", "redis": "redis://127.0.0.1:6379/0"}


@contextmanager
def worker(
    env: ProjectEnv, project: Path, app: str, settings: dict[str, str], queue: str, log: Path
) -> Iterator[None]:
    """A Celery worker for ``app`` consuming ``queue``, up and answering pings."""
    command = [str(env.bin / "celery"), "-A", app, "worker", "--pool", "solo", "-Q", queue]
    command += ["--hostname", f"{queue}@%h", "--loglevel", "INFO", "--without-mingle"]

    def answers_pings(process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
        while process.poll() is None:
            ping = env.run(
                project,
                *("celery", "-A", app, "inspect", "ping", "-d", f"{queue}@{_hostname()}"),
                *("--timeout", "2"),
                env=settings,
                check=False,
            )
            if ping.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker never answered a ping:\n{log.read_text()}")
        raise AssertionError(f"the worker exited:\n{log.read_text()}")

    environ = env.environ(project, settings)
    with running(command, project, environ, log, answers_pings, stop_timeout=30):
        yield


def assert_logged_as_json(log: Path, task: str) -> None:
    """With LOG_FORMAT=json the worker's log lines are the app's JSON objects (its
    startup banner aside): it did not take over the root logger."""
    entries = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    received = [e for e in entries if task in e["message"] and e["logger"].startswith("celery")]
    assert received, log.read_text()
    assert not any(line.startswith("[20") for line in log.read_text().splitlines()), log.read_text()


def _hostname() -> str:
    import socket

    return socket.gethostname()


@pytest.fixture(scope="module")
def django_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProjectEnv, Path]:
    project = generate(
        tmp_path_factory.mktemp("celery") / "tasks_site", "django", celery=True, browser_tests=False
    )
    env = ProjectEnv()
    env.install(project)
    return env, project


@pytest.fixture(scope="module")
def flask_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProjectEnv, Path]:
    project = generate(tmp_path_factory.mktemp("celery") / "tasks_api", "flask", celery=True)
    env = ProjectEnv()
    env.install(project)
    return env, project


@pytest.mark.parametrize("broker", ["rabbitmq", "redis"])
def test_flask_task_runs_on_a_real_worker_in_the_app_context(flask_project, tmp_path, broker):
    env, project = flask_project
    queue = f"stackgen-{uuid.uuid4().hex[:12]}"
    settings = {
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'api.sqlite3'}",
        "CELERY_BROKER_URL": services.broker_url(broker),
        "CELERY_RESULT_BACKEND": RESULTS[broker],
        "LOG_FORMAT": "json",
    }
    env.run(project, "flask", "db", "upgrade", env=settings)
    env.run(project, "flask", "seed", env=settings)
    script = (
        "import json\n"
        "from make_celery import flask_app\n"
        "from tasks_api.tasks import tally_actors\n"
        f"result = tally_actors.apply_async(queue={queue!r}).get(timeout=60)\n"
        "ready = flask_app.test_client().get('/readyz').get_json()\n"
        "print(json.dumps({'tally': result, 'ready': ready}))\n"
    )
    with worker(env, project, "make_celery", settings, queue, tmp_path / "worker.log"):
        out = env.run(project, "python", "-c", script, env=settings)
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer["tally"]["actors"] == 7  # flask seed's sample actors, read by the worker
    # Readiness is the web app's: it never waits for a worker.
    assert answer["ready"] == {"status": "ok", "checks": {"database": "ok"}}
    assert "tasks_api.tasks.tally_actors" in (tmp_path / "worker.log").read_text()
    assert_logged_as_json(tmp_path / "worker.log", "tasks_api.tasks.tally_actors")


@pytest.mark.parametrize("broker", ["rabbitmq", "redis"])
def test_django_task_runs_on_a_real_worker(django_project, tmp_path, broker):
    env, project = django_project
    queue = f"stackgen-{uuid.uuid4().hex[:12]}"
    settings = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": services.broker_url(broker),
        "CELERY_RESULT_BACKEND": RESULTS[broker],
        "LOG_FORMAT": "json",
    }
    env.run(project, "python", "manage.py", "migrate", "--noinput", env=settings)
    env.run(project, "python", "manage.py", "loadsamplepolls", env=settings)
    script = (
        "import json\n"
        "from polls.tasks import tally_polls\n"
        "from tasks_site.health import run_checks\n"
        f"result = tally_polls.apply_async(queue={queue!r}).get(timeout=60)\n"
        "print(json.dumps({'tallies': result, 'ready': run_checks()}))\n"
    )
    with worker(env, project, "tasks_site", settings, queue, tmp_path / "worker.log"):
        out = env.run(project, "python", "manage.py", "shell", "-c", script, env=settings)
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer["tallies"] and all(
        set(t) == {"id", "votes", "leading"} for t in answer["tallies"]
    )
    assert answer["ready"] == {"database": "ok", "cache": "ok"}  # no worker asked
    assert "polls.tasks.tally_polls" in (tmp_path / "worker.log").read_text()
    assert_logged_as_json(tmp_path / "worker.log", "polls.tasks.tally_polls")
