"""Each starter as two instances behind Apache, on the real PostgreSQL or MariaDB and Redis.

For each starter, one scenario: the generated project's release step runs
twice at once on a fresh PostgreSQL database (it migrates once, neither dies); two
gunicorns serve the project from its own gunicorn.conf.py; Debian's Apache
runs the project's own deploy/apache/httpd.conf in front of them. Through
Apache:

- Flask: the write after the limit is 429 through Apache and from each instance, a
  second client address (127.0.0.2) has its own budget, and a forged
  X-Forwarded-For buys nothing; failed sign-ins spread over both instances lock
  the account on each one, while another account from another address signs in;
  password resets asked of both instances mail one address no more than the hourly cap;
  /readyz answers without asking the broker
  (Celery on, its broker a port nobody listens on); with an instance killed,
  Apache sends every request to the other one, and under load (wrk) no
  request fails but those in flight. Its PostgreSQL is a private
  cluster on a spare port (never the shared server): stopped, writes answer
  503 and /readyz names the database; started again, writes succeed without
  restarting the app, and every write answered 201 is in the database, the
  ones made under load while it stopped and started too;
- Django, on PostgreSQL and on MariaDB (the release step's lock on each): a
  django-axes lockout hits the account guessed at, on the login page and over the
  API from each instance, and the attacker's address, not the one it claims; password
  resets asked of both instances mail one address no more than the hourly cap; a session
  made on one instance works on the other; Apache serves the
  static files itself; /readyz answers without asking the broker; with an
  instance stopped under load, no request fails but those in flight.

Skipped with the reason without Apache, wrk, the database server or Redis (failed under
STACKGEN_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from harness import services
from harness.projects import ProjectEnv, generate
from harness.runtime import Load, apache, free_port, gunicorn, require_apache, require_wrk, wrk
from tests.helpers import Mailbox, smtp_server

pytestmark = pytest.mark.slow

# A broker nobody listens on: a probe that asked it would fail.
DEAD_BROKER = f"redis://127.0.0.1:{free_port()}/0"


def call(
    base: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request from the client address ``source``: status, headers (all of them, a
    repeated one too), body."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=20, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


SECURITY_HEADERS = (
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


def assert_one_front(headers: http.client.HTTPMessage) -> None:
    """What Apache says of itself and adds: each security header once, no word of gunicorn."""
    for name in SECURITY_HEADERS:
        assert len(headers.get_all(name) or []) == 1, (name, headers.items())
    assert headers["Server"] == "Apache", headers.items()


def release_twice_at_once(
    env: ProjectEnv, project: Path, command: list[str], settings: dict[str, str]
) -> list[subprocess.CompletedProcess[str]]:
    """Start the release step twice at the same moment; both results."""
    environ = env.environ(project, settings)
    processes = [
        subprocess.Popen(
            command,
            cwd=project,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(command, process.returncode, out, err))
    return results


# Bounded load (wrk, 127.0.0.1): this many connections, so at most this many
# requests are in flight when a fault strikes.
CONNECTIONS = 8


def under_load(url: str, seconds: float, faults: list[tuple[float, object]], **options) -> Load:
    """wrk on ``url`` for ``seconds`` while each fault (after its delay) strikes."""
    timers = [threading.Timer(delay, fault) for delay, fault in faults]
    for timer in timers:
        timer.start()
    try:
        return wrk(url, seconds, connections=CONNECTIONS, **options)
    finally:
        for timer in timers:
            timer.join()


PASSWORD = "correct horse battery"
TOO_MANY_SIGN_INS = "Too many failed sign-ins: try again later."


def sign_in(
    base: str, username: str, password: str, source: str = "127.0.0.1", forged: str | None = None
) -> tuple[int, dict]:
    """POST /api/auth/tokens from ``source`` (claiming ``forged`` in X-Forwarded-For, as
    Apache would say it): the status and the JSON body."""
    headers = {"Content-Type": "application/json"}
    if forged:
        headers["X-Forwarded-For"] = forged
    body = json.dumps({"username": username, "password": password, "name": "laptop"}).encode()
    status, _, answer = call(base, "POST", "/api/auth/tokens", body, headers, source)
    return status, json.loads(answer)


def mails_stay_within_the_cap(
    instances: list[str], logs: list[Path], mailbox: Mailbox, address: str
) -> None:
    """Password resets for one address, asked of each instance in turn (each request from a
    client address of its own, so that no write budget is in the way): the instances count
    in one place (Redis), so ACCOUNT_MAILS_PER_HOUR (3) mails go out in all, not 3 each.
    Every request is accounted for, mailed or logged as over the cap, before counting."""
    body = json.dumps({"email": address}).encode()
    statuses = [
        call(
            instance,
            "POST",
            "/api/auth/password-reset",
            body,
            {"Content-Type": "application/json", "X-Forwarded-For": f"127.0.3.{n}"},
        )[0]
        for n, instance in enumerate(instances * 3, start=1)
    ]
    assert statuses == [202] * 6, statuses  # the same answer, mailed or not

    def capped() -> int:
        return sum(log.read_text().count("ACCOUNT_MAILS_PER_HOUR reached") for log in logs)

    deadline = time.monotonic() + 30
    while len(mailbox.messages) + capped() < 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [message["To"] for message in mailbox.messages] == [address] * 3
    assert capped() == 3


def json_lines(log: Path) -> list[dict]:
    """Every line of a log written with LOG_FORMAT=json, each a JSON object (or it fails)."""
    return [json.loads(line) for line in log.read_text().splitlines()]


def test_flask_api_as_two_instances_behind_apache(tmp_path: Path) -> None:
    require_apache()
    require_wrk()
    redis = services.redis_url()
    project = generate(tmp_path / "scaled_api", "flask", database="postgresql", celery=True)
    env = ProjectEnv()
    env.install(project)

    # A PostgreSQL cluster of the test's own: it is stopped and started below.
    with services.private_postgresql(free_port()) as cluster, smtp_server() as (mailbox, mail):
        home = tmp_path / "home"  # where gunicorn 27 would put its control socket
        settings = {
            **mail,
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(home),
            "DATABASE_URL": cluster.url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "REDIS_URL": redis,
            "RATELIMIT_KEY_PREFIX": f"stackgen-{secrets.token_hex(6)}",
            "API_WRITE_RATE_LIMIT": "4/minute",
            "SIGN_IN_FAILURE_LIMIT": "3",
            "TRUSTED_PROXIES": "1",
            "CELERY_BROKER_URL": DEAD_BROKER,
            "LOG_FORMAT": "json",  # gunicorn's lines too
        }

        # Two release steps at once on the fresh database: one migrates,
        # the other waits for the lock and finds nothing to do.
        releases = release_twice_at_once(env, project, ["flask", "release"], settings)
        for result in releases:
            assert result.returncode == 0, result.stderr
        ran = [result.stderr.count("Running upgrade") for result in releases]
        migrations = len(list((project / "migrations" / "versions").glob("*.py")))
        assert sorted(ran) == [0, migrations], [result.stderr for result in releases]
        assert len(cluster.psql("SELECT version_num FROM alembic_version").split()) == 1
        token = env.run(project, "flask", "tokens", "create", "scale", env=settings).stdout.strip()
        for name in ("ada", "grace"):
            command = ("flask", "users", "create", name, "--email", f"{name}@example.com")
            env.run(project, *command, "--password-stdin", env=settings, input=f"{PASSWORD}\n")

        def write(
            base: str, source: str = "127.0.0.1", forged: str | None = None
        ) -> tuple[int, dict]:
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            if forged:
                headers["X-Forwarded-For"] = forged
            status, _, body = call(
                base, "POST", "/api/actors", b'{"name": "Cher"}', headers, source
            )
            return status, json.loads(body) if body.startswith(b"{") else {}

        created: list[int] = []

        def statuses(answers: list[tuple[int, dict]]) -> list[int]:
            created.extend(body["id"] for status, body in answers if status == 201)
            return [status for status, _ in answers]

        logs = [tmp_path / "gunicorn-1.log", tmp_path / "gunicorn-2.log"]
        with ExitStack() as first, ExitStack() as second:
            one = first.enter_context(
                gunicorn(env, project, "wsgi:app", settings, logs[0], "/healthz", workers=2)
            )
            two = second.enter_context(
                gunicorn(env, project, "wsgi:app", settings, logs[1], "/healthz", workers=2)
            )
            front = apache(
                project / "deploy" / "apache" / "httpd.conf",
                {"APP_INSTANCE_1": one, "APP_INSTANCE_2": two},
                tmp_path / "apache.log",
            )
            with front as base:
                # Readiness: the database and Redis (REDIS_URL), never the broker
                # (Celery on, no worker).
                status, _, body = call(one, "GET", "/readyz")
                assert (status, json.loads(body)) == (
                    200,
                    {"status": "ok", "checks": {"database": "ok", "redis": "ok"}},
                )

                assert statuses([write(base) for _ in range(4)]) == [201] * 4
                assert statuses([write(base) for _ in range(4)]) == [429] * 4
                # Whichever instance answers, the budget is spent: each one, asked
                # directly for the same client (Apache's X-Forwarded-For), says 429.
                for instance in (one, two):
                    assert statuses([write(instance, forged="127.0.0.1")]) == [429]
                # Another client has its own budget; a forged header is not believed.
                assert statuses([write(base, forged="198.51.100.7")]) == [429]
                assert statuses([write(base, source="127.0.0.2")]) == [201]
                # Failed sign-ins, one instance or the other answering: the third locks ada
                # out on both (the counts are in Redis); grace, from elsewhere, signs in.
                # Each client address of its own (its write budget too).
                guesses = [sign_in(base, "ada", "wrong", "127.0.0.5") for _ in range(3)]
                assert [status for status, _ in guesses] == [401, 401, 429], guesses
                for instance in (one, two):
                    status, body = sign_in(instance, "ada", PASSWORD, forged="127.0.0.6")
                    assert (status, body["message"]) == (429, TOO_MANY_SIGN_INS), body
                assert sign_in(base, "grace", PASSWORD, "127.0.0.7")[0] == 201
                mails_stay_within_the_cap([one, two], logs, mailbox, "grace@example.com")

                # The headers Apache adds.
                status, headers, _ = call(base, "GET", "/api/actors")
                assert status == 200
                assert headers["X-Content-Type-Options"] == "nosniff"
                assert headers["Referrer-Policy"] == "same-origin"
                assert_one_front(headers)
                # gunicorn's control socket is off: two instances share no path.
                assert not list(home.rglob("*.ctl")), list(home.rglob("*"))

                # One instance stopped under load: Apache sends every request to the
                # other one; none fails but those in flight when it went.
                load = under_load(f"{base}/api/actors?per_page=1", 6, [(2, second.close)])
                assert load.requests > 100 and load.failed() <= CONNECTIONS, load
                reads = [call(base, "GET", "/api/actors?per_page=1")[0] for _ in range(20)]
                assert reads == [200] * 20, (tmp_path / "apache.log").read_text()

            # The database stopped: the instance answers 503 (each write from
            # an address of its own, so that the limit stays out of it), and
            # /readyz names the database.
            cluster.stop()
            down = [write(one, source=f"127.0.1.{n}") for n in range(1, 6)]
            assert statuses(down) == [503] * 5, down
            status, _, body = call(one, "GET", "/readyz")
            assert status == 503
            assert json.loads(body)["checks"]["database"] != "ok"

            # Back again, without restarting the app: a worker whose pooled
            # connection died answers 503 once, then every write succeeds.
            cluster.start()
            after = statuses([write(one, source=f"127.0.2.{n}") for n in range(1, 21)])
            recovered = after.index(201)
            assert recovered <= 2 and set(after[:recovered]) <= {503}, after
            assert after[recovered:] == [201] * (20 - recovered), after

            # Writes under load (each from an address of its own) while the
            # database stops and starts again: each answers 201 or, fast, 503.
            load = under_load(
                f"{one}/api/actors",
                10,
                [(2, cluster.stop), (5, cluster.start)],
                body='{"name": "Load"}',
                token=token,
            )
            assert set(load.statuses) == {201, 503}, load
            assert load.socket_errors == load.timeouts == 0, load
            assert len(load.ids) == load.statuses[201], load
            created.extend(load.ids)
            assert statuses([write(one, source="127.0.3.1")]) == [201]

        # Every write answered 201 is in the database; the only others are the
        # load's last writes, in flight when wrk stopped reading (never answered).
        stored = {int(row) for row in cluster.psql("SELECT id FROM actors").split()}
        assert set(created) <= stored
        assert len(stored - set(created)) <= CONNECTIONS, sorted(stored - set(created))
        for log in logs:
            assert "Traceback" not in log.read_text()
            loggers = {entry["logger"] for entry in json_lines(log)}
            assert {"gunicorn.error", "gunicorn.access"} <= loggers, loggers


class Browser:
    """A client with cookies (a session), from one address, that can send Django's CSRF token."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, base: str, username: str, password: str) -> int:
        _, page = self.get(f"{base}/accounts/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert csrf, page
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": csrf.group(1)}
        ).encode()
        request = urllib.request.Request(f"{base}/accounts/login/", data=data)
        try:
            with self.opener.open(request, timeout=20) as response:
                return 302 if response.url.rstrip("/").endswith("/polls") else response.status
        except urllib.error.HTTPError as error:
            return error.code


def axes_login(
    base: str, username: str, password: str, source: str, extra: dict[str, str] | None = None
) -> int:
    """A login POST from ``source`` with a fresh CSRF token; its status (302: logged in)."""
    status, headers, page = call(base, "GET", "/accounts/login/", source=source)
    assert status == 200, page
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf, page
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf.group(1)}
    ).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie,
        **(extra or {}),
    }
    return call(base, "POST", "/accounts/login/", body, headers, source)[0]


@pytest.mark.parametrize("database", ["postgresql", "mysql"])
def test_django_site_as_two_instances_behind_apache(tmp_path: Path, database: str) -> None:
    require_apache()
    require_wrk()
    redis = services.redis_url()
    project = generate(
        tmp_path / "scaled_site",
        "django",
        database=database,
        celery=True,
        api=True,
        browser_tests=False,
    )
    env = ProjectEnv()
    env.install(project)

    with services.database(database) as url, smtp_server() as (mailbox, mail):
        home = tmp_path / "home"  # where gunicorn 27 would put its control socket
        settings = {
            **mail,
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(home),
            "DATABASE_URL": url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
            "DJANGO_HTTPS": "false",
            "DJANGO_TRUSTED_PROXIES": "1",
            "REDIS_URL": redis,
            # The cache's counts (account mails) kept apart from other runs' in this Redis.
            "CACHE_KEY_PREFIX": f"stackgen-{secrets.token_hex(6)}",
            "CELERY_BROKER_URL": DEAD_BROKER,
            "SIGN_IN_FAILURE_LIMIT": "3",
        }
        releases = release_twice_at_once(env, project, ["python", "manage.py", "release"], settings)
        for result in releases:
            assert result.returncode == 0, result.stderr
        outputs = sorted(result.stdout for result in releases)
        assert sum("No migrations to apply." in out for out in outputs) == 1, outputs
        assert sum("Applying polls.0001_initial..." in out for out in outputs) == 1, outputs
        env.run(project, "python", "manage.py", "collectstatic", "--noinput", env=settings)
        create_user = (
            "from accounts.models import User; "
            f"[User.objects.create_user(name, f'{{name}}@example.com', '{PASSWORD}') "
            "for name in ('ada', 'grace')]"
        )
        env.run(project, "python", "manage.py", "shell", "-c", create_user, env=settings)
        # www-data (Apache's workers) reads the static files: a folder outside the test's own.
        static = Path(tempfile.mkdtemp(prefix="stackgen-static-"))
        shutil.copytree(project / "staticfiles", static, dirs_exist_ok=True)
        for path in [static, *static.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)

        try:
            with ExitStack() as stack, ExitStack() as second:
                instances = [
                    owner.enter_context(
                        gunicorn(
                            env,
                            project,
                            "scaled_site.wsgi",
                            settings,
                            tmp_path / f"gunicorn-{n}.log",
                            "/healthz",
                            workers=2,
                        )
                    )
                    for n, owner in ((1, stack), (2, second))
                ]
                base = stack.enter_context(
                    apache(
                        project / "deploy" / "apache" / "httpd.conf",
                        {
                            "APP_INSTANCE_1": instances[0],
                            "APP_INSTANCE_2": instances[1],
                            "STATIC_ROOT": str(static),
                        },
                        tmp_path / "apache.log",
                    )
                )
                status, _, body = call(instances[0], "GET", "/readyz")
                assert (status, json.loads(body)["checks"]) == (
                    200,
                    {"database": "ok", "cache": "ok"},
                )

                # A session made on one instance holds on the other.
                browser = Browser()
                assert browser.log_in(instances[0], "grace", PASSWORD) == 302
                status, page = browser.get(f"{instances[1]}/polls/")
                assert status == 200 and "Log out" in page, page

                # 3 wrong passwords for ada from 127.0.0.2 lock ada out, and that address...
                wrong = [axes_login(base, "ada", "wrong", "127.0.0.2") for _ in range(3)]
                assert wrong == [200, 200, 429]
                assert axes_login(base, "ada", PASSWORD, "127.0.0.2") == 429
                assert axes_login(base, "grace", PASSWORD, "127.0.0.2") == 429
                # ... over the API too, from anywhere, whichever instance answers.
                for instance in instances:
                    status, body = sign_in(instance, "ada", PASSWORD, forged="127.0.0.4")
                    assert (status, body["message"]) == (429, TOO_MANY_SIGN_INS), body
                # Claiming another address in X-Forwarded-For frames no one: grace, there,
                # logs in (a header longer than the proxies make counts as the proxy's).
                user = {"X-Forwarded-For": "127.0.0.3"}
                for _ in range(3):
                    assert axes_login(base, "ada", "wrong", "127.0.0.2", user) == 429
                assert axes_login(base, "grace", PASSWORD, "127.0.0.3") == 302
                logs = [tmp_path / f"gunicorn-{n}.log" for n in (1, 2)]
                mails_stay_within_the_cap(instances, logs, mailbox, "grace@example.com")

                # Static files come from Apache, not from an instance.
                css = "/static/polls/style.css"
                assert any(path.name.startswith("style.") for path in static.rglob("*.css"))
                status, headers, _ = call(base, "GET", css)
                assert status == 200, headers
                assert headers["Cache-Control"] == "public, max-age=86400"
                # Django sets its own security headers: each goes out once.
                status, headers, _ = call(base, "GET", "/polls/")
                assert status == 200 and headers["X-Frame-Options"] == "DENY"
                assert_one_front(headers)
                assert not list(home.rglob("*.ctl")), list(home.rglob("*"))
                for n in (1, 2):
                    assert css not in (tmp_path / f"gunicorn-{n}.log").read_text()

                # One instance stopped under load: Apache sends every request to the
                # other one; none fails but those in flight when it went.
                load = under_load(f"{base}/polls/", 6, [(2, second.close)])
                assert load.requests > 50 and load.failed() <= CONNECTIONS, load
        finally:
            shutil.rmtree(static, ignore_errors=True)
        for n in (1, 2):
            assert "Traceback" not in (tmp_path / f"gunicorn-{n}.log").read_text()
