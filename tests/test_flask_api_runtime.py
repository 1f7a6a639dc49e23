"""The generated Flask API at run time, from the outside.

- schemathesis 4 fuzzes every operation of the app's own OpenAPI document, in
  process, with a bearer token: no 5xx, and every response (status, headers,
  body) conforms; writes without a token too, whose 401s must be documented;
- gunicorn serves the app on PostgreSQL (loopback only) and takes 100
  concurrent creates; it refuses to start without a real SECRET_KEY;
- headless Chromium opens the interactive docs page that gunicorn serves, with
  every request off loopback refused, and finds every operation listed;
- the rate limit holds across processes with its counters in the real Redis.

All run inside the shared project environment, like the project's own tests.
"""

from __future__ import annotations

import http.client
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import services
from harness.projects import ProjectEnv, generate
from harness.runtime import gunicorn, playwright_requirement, run_in_browser
from tests.helpers import FITNESS, new_flask

SCHEMATHESIS = "schemathesis==4.32.5"

FUZZ_MODULE = """
import os
import tempfile
from datetime import date

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from {slug} import create_app
from {slug}.auth import issue_token
from {slug}.extensions import db
from {slug}.models import Actor, User

url = os.environ.get("DATABASE_URL") or f"sqlite:///{{tempfile.mkdtemp()}}/fuzz.sqlite3"
app = create_app(
    {{
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "fuzzing-only-key",
        "API_WRITE_RATE_LIMIT": "1000000/minute",  # fuzz the API, not the limiter
        "MAIL_BACKEND": "locmem",
    }}
)
with app.app_context():
    db.create_all()
    actors = [Actor(name=f"Actor {{n}}", birth_date=date(1950 + n, 1, 1)) for n in range(5)]
    db.session.add_all(actors)
    db.session.commit()
    token = issue_token("fuzz")
    # Staff: it writes every resource, shared ones (staff-written) included.
    db.session.scalars(db.select(User)).one().is_staff = True
    db.session.commit()


def prepare(case):
    pass  # the fitness resources' seed points references at rows that exist

{seed}
# schemathesis's own list, and 413: a body over the 64 KiB limit is refused whole, invalid
# or not (a documented answer).
REFUSED = "400 401 403 404 405 406 409 413 415 422 428 429 5xx".split()
CHECKS = {{"negative_data_rejection": {{"expected-statuses": REFUSED}}}}
config = SchemathesisConfig.from_dict({{"checks": CHECKS}})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)


# The fuzzer's token, but for a case whose headers were drawn wrong on purpose (the token
# left out or spoiled): a token added over them made it a valid request, and its 200 a finding.
# Revoking a token (sign out, or by id) is fuzzed with a fresh token of another user, so that
# the fuzzer stays signed in and its own tokens are out of reach.
def signed_in(case):
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if headers is not None and headers.mode.is_negative:
        return None
    if case.method.upper() == "DELETE" and case.path.startswith("/api/auth/tokens/"):
        with app.app_context():
            return {{"Authorization": f"Bearer {{issue_token('spent', 'spender')}}"}}
    return {{"Authorization": f"Bearer {{token}}"}}


# One exception to "valid data is accepted": a password reset or sign-up token is a string
# the schema cannot tie to a mail, and a wrong one is the contract's 422 naming it.
MAILED_TOKENS = ["/api/auth/password-reset/confirm", "/api/auth/signup/confirm"]


def unmatched(case):
    if case.method.upper() == "POST" and case.path in MAILED_TOKENS:
        return [positive_data_acceptance]
    return []


WRITES = ["POST", "PUT", "PATCH", "DELETE"]
# Writes for those who are not signed in: asking for a password reset mail, and signing up
# (202 whatever the address).
SIGNED_OUT_WRITES = ["/api/auth/password-reset", "/api/auth/signup"]
FUZZ = settings(max_examples={examples}, deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_api(case):
    prepare(case)
    response = case.call_and_validate(headers=signed_in(case), excluded_checks=unmatched(case))
    signing_in = (case.method.upper(), case.path) == ("POST", "/api/auth/tokens")
    if case.meta is not None and case.meta.generation.mode.is_positive and not signing_in:
        assert response.status_code != 401, "a case the schema allows went without the token"


@schema.include(method=WRITES).parametrize()
@settings(FUZZ, max_examples=5)
def test_writes_without_a_token(case):
    response = case.call()
    # a 401 must be documented like any answer
    case.validate_response(response, excluded_checks=unmatched(case))
    # schemathesis tries other methods too (OPTIONS...)
    if case.method.upper() in WRITES and case.path not in SIGNED_OUT_WRITES:
        assert response.status_code >= 400, f"{{case.method}} {{case.path}} wrote without a token"
"""

# The methods of every operation in the app's OpenAPI document, as a JSON list.
COUNT_OPERATIONS = """
import json

from {slug} import create_app

app = create_app({{"SECRET_KEY": "counting-only-key", "SQLALCHEMY_DATABASE_URI": "sqlite://"}})
with app.app_context():
    paths = app.spec["paths"].values()
print(json.dumps([method for path in paths for method in path if method != "parameters"]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_schemathesis_finds_no_failure(tmp_path, database):
    project = generate(
        tmp_path / "fuzzed_api", "flask", database=database, analytics=True, signup=True
    )
    fuzz(tmp_path, project, database)


@pytest.mark.slow
def test_schemathesis_finds_nothing_on_generated_resources(tmp_path):
    """Every check of schemathesis on the fitness resources, as `stackgen new` makes them."""
    project = tmp_path / "fuzzed_gym"
    resources = [option for line in FITNESS for option in ("--resource", line)]
    assert new_flask(project, *resources) == 0
    fuzz(tmp_path, project, "sqlite", FITNESS_SEED)


# The fitness resources' rows that references (and a many field's ids) may name. A
# reference to a row that does not exist is a 422 (the contract), which schemathesis would
# take for a valid request refused: a schema-valid id is pointed at a row that exists.
FITNESS_SEED = """
from {slug}.resources.exercises.models import Exercise
from {slug}.resources.tags.models import Tag
from {slug}.resources.workouts.models import Workout

with app.app_context():
    fuzzer = db.session.scalars(db.select(User)).one()
    workout = Workout(
        owner_id=fuzzer.id, name="Intervals", duration_minutes=40, performed_on=date(2026, 12, 1)
    )
    exercise = Exercise(title="Squat", category="strength")
    tag = Tag(owner_id=fuzzer.id, name="Legs")
    db.session.add_all([workout, exercise, tag])
    db.session.commit()
    EXISTING = {{
        "workout_id": workout.id,
        "exercise_id": exercise.id,
        "coach_id": fuzzer.id,
        "parent_id": exercise.id,
    }}
    MANY = {{"tag_ids": tag.id}}


def prepare(case):
    if isinstance(case.body, dict):
        for key, row_id in EXISTING.items():
            value = case.body.get(key)
            if type(value) in (int, float) and 1 <= value <= 2**63 - 1:
                case.body[key] = row_id
        for key, row_id in MANY.items():
            value = case.body.get(key)
            # 1484.0 is an integer to JSON Schema (and the API) too.
            if isinstance(value, list) and all(type(v) in (int, float) and v >= 1 for v in value):
                case.body[key] = [row_id for _ in value]
"""


def fuzz(tmp_path: Path, project: Path, database: str, seed: str = "") -> None:
    """Fuzz every operation of ``project``'s OpenAPI document: none may fail or be skipped."""
    env = ProjectEnv()
    env.install(project)
    env.install_requirements(SCHEMATHESIS)
    fuzz_dir = tmp_path / "fuzz"
    fuzz_dir.mkdir()
    fuzz = fuzz_dir / "test_fuzz_api.py"
    module = FUZZ_MODULE.replace("{seed}", seed)
    fuzz.write_text(module.format(slug=project.name, examples=30))

    server = services.database(database) if database != "sqlite" else nullcontext(None)
    with server as url:
        result = env.run(
            project,
            *("python", "-m", "pytest", str(fuzz), "--rootdir", str(fuzz_dir)),
            *("-p", "no:cacheprovider", "-o", "addopts=", "-q"),
            env={"DATABASE_URL": url} if url else {},
        )
    # One test per operation of the app's own document, then each write again without
    # a token: none may be skipped or missing.
    operations = json.loads(
        env.run(project, "python", "-c", COUNT_OPERATIONS.format(slug=project.name)).stdout
    )
    expected = len(operations) + sum(
        method in {"post", "put", "patch", "delete"} for method in operations
    )
    assert f"{expected} passed" in result.stdout, (operations, result.stdout)
    assert "skipped" not in result.stdout, result.stdout


def request(
    url: str, body: dict | None = None, token: str | None = None, method: str | None = None
) -> tuple[int, dict, dict[str, str]]:
    """Send ``body`` as JSON (with ``token`` as bearer); the status, JSON body and headers."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=20) as response:
            return response.status, json.load(response), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), dict(error.headers)


@dataclass
class Api:
    project: Path
    url: str
    env: ProjectEnv
    log: Path
    token: str


@pytest.fixture(scope="module")
def served_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The generated API (PostgreSQL, with analytics) under gunicorn on loopback."""
    workdir = tmp_path_factory.mktemp("flask-runtime")
    project = generate(workdir / "served_api", "flask", database="postgresql", analytics=True)
    env = ProjectEnv()
    env.install(project)
    with services.database("postgresql") as url:
        settings = {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            # Four workers share the counters in Redis (gunicorn refuses
            # memory:// for more than one); the load test below is not about
            # the limit (see test_rate_limit_shared_in_redis).
            "REDIS_URL": services.redis_url(),
            "API_WRITE_RATE_LIMIT": "10000/minute",
        }
        env.run(project, "flask", "db", "upgrade", env=settings)
        token = env.run(project, "flask", "tokens", "create", "runtime", env=settings).stdout
        log = workdir / "gunicorn.log"
        with gunicorn(env, project, "wsgi:app", settings, log, "/healthz", workers=4) as base:
            yield Api(project, base, env, log, token.strip())


@pytest.mark.slow
def test_gunicorn_on_postgresql_stores_100_concurrent_creates(served_api):
    base = f"{served_api.url}/api/actors"

    def create(n: int) -> tuple[int, dict, dict[str, str]]:
        return request(base, {"name": f"Concurrent {n}"}, token=served_api.token)

    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(create, range(100)))
    status, page, _ = request(f"{base}?per_page=100")
    _, after, _ = request(f"{base}?per_page=100&page=2")

    assert [code for code, _, _ in results] == [201] * 100
    assert len({body["id"] for _, body, _ in results}) == 100
    assert status == 200
    assert sorted(actor["name"] for actor in page["items"]) == sorted(
        f"Concurrent {n}" for n in range(100)
    )
    assert page["pagination"]["next"] is None
    assert after["items"] == []
    assert "Traceback" not in served_api.log.read_text()


@pytest.mark.slow
def test_served_api_guards_writes_and_reports_health(served_api):
    base = served_api.url

    status, body, headers = request(f"{base}/api/actors", {"name": "No token"})
    assert status == 401, body
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, body, headers = request(f"{base}/api/actors", {"name": "Bad"}, token="not-a-token")
    assert status == 401, body
    assert request(f"{base}/healthz")[:2] == (200, {"status": "ok"})
    ready = {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert request(f"{base}/readyz")[:2] == (200, ready)
    _, _, headers = request(f"{base}/healthz")
    assert len(headers["X-Request-ID"]) == 32
    with urllib.request.urlopen(f"{base}/", timeout=10) as response:
        assert response.url == f"{base}/api/docs"


def send(base: str, body: bytes, token: str, chunked: bool = False) -> tuple[int, dict]:
    """POST ``body`` to /api/actors as raw bytes, in 8 KiB chunks if ``chunked``."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=20)
    try:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        if chunked:
            chunks = (body[i : i + 8192] for i in range(0, len(body), 8192))
            connection.request("POST", "/api/actors", chunks, headers, encode_chunked=True)
        else:
            connection.request("POST", "/api/actors", body, headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.slow
def test_hostile_bodies_get_4xx_json_from_gunicorn(served_api):
    big = json.dumps({"name": "x" * 100_000}).encode()
    deep = b'{"name": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    surrogate = b'{"name": "\\ud800"}'

    cases = {
        "chunked, over the limit": (send(served_api.url, big, served_api.token, True), 413),
        "over the limit": (send(served_api.url, big, served_api.token), 413),
        "30,000 deep": (send(served_api.url, deep, served_api.token), 400),
        "lone surrogate": (send(served_api.url, surrogate, served_api.token), 422),
    }

    for name, ((status, body), expected) in cases.items():
        assert status == expected, (name, status, body)
        assert body["message"], name
    small = json.dumps({"name": "Chunked"}).encode()
    assert send(served_api.url, small, served_api.token, chunked=True)[0] == 201
    assert "Traceback" not in served_api.log.read_text()


@pytest.mark.slow
def test_gunicorn_and_flask_refuse_to_start_without_a_real_secret_key(tmp_path):
    project = generate(tmp_path / "keyless_api", "flask")
    env = ProjectEnv()
    env.install(project)
    gunicorn = ("gunicorn", "wsgi:app", "--bind", "127.0.0.1:0", "--workers", "1")
    # flask commands read .env (a real key, debug on) for what the environment lacks.
    flask = ("flask", "tokens", "list")
    runs = [(gunicorn, {}), (gunicorn, {"SECRET_KEY": "change-me"})]
    runs += [(flask, {"SECRET_KEY": "change-me", "FLASK_DEBUG": "0"})]
    for command, settings in runs:
        result = env.run(project, *command, env=settings, check=False, timeout=60)
        assert result.returncode != 0, command
        # The reason, on one line, without a traceback to bury it.
        [line] = [line for line in result.stderr.splitlines() if "SECRET_KEY" in line]
        assert "SECRET_KEY is not set, or is a placeholder" in line, result.stderr
        assert "Traceback" not in result.stderr, result.stderr


# Run in the project environment, once per process (a worker, as far as the
# limiter knows): two writes, the statuses on the last line. Processes given
# the same storage and key prefix share one budget.
REDIS_LIMIT_SCRIPT = """
import json
import sys
import tempfile

from {slug} import create_app
from {slug}.auth import issue_token
from {slug}.extensions import db

storage, prefix = sys.argv[1], sys.argv[2]
app = create_app(
    {{
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{{tempfile.mkdtemp()}}/limits.sqlite3",
        "SECRET_KEY": "rate-limit-test-only",
        "API_WRITE_RATE_LIMIT": "3/minute",
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": prefix,
    }}
)
with app.app_context():
    db.create_all()
    headers = {{"Authorization": f"Bearer {{issue_token('limits')}}"}}
client = app.test_client()
responses = [client.post("/api/actors", json={{"name": "Cher"}}, headers=headers) for _ in "12"]
print(json.dumps([[r.status_code, r.headers.get("Retry-After")] for r in responses]))
"""


@pytest.mark.slow
def test_rate_limit_shared_in_redis(tmp_path):
    redis_url = services.redis_url()
    project = generate(tmp_path / "limited_api", "flask")
    env = ProjectEnv()
    env.install(project)
    script = tmp_path / "redis_limit.py"
    script.write_text(REDIS_LIMIT_SCRIPT.format(slug=project.name))

    def two_processes(storage: str) -> list[int]:
        prefix = secrets.token_hex(8)
        statuses = []
        for _ in range(2):
            result = env.run(project, "python", str(script), storage, prefix)
            answers = json.loads(result.stdout.strip().splitlines()[-1])
            statuses += [status for status, _ in answers]
        if statuses[-1] == 429:
            assert 0 < int(answers[-1][1]) <= 60  # Retry-After, in seconds
        return statuses

    assert two_processes(redis_url) == [201, 201, 201, 429]
    assert two_processes("memory://") == [201, 201, 201, 201]  # each process counts alone


# The browser reaches gunicorn on loopback and nothing else: every other
# request is refused and printed. The page must render from the app's own
# copy of Swagger UI.
BROWSER_SCRIPT = """\
def answer(route):
    requested = route.request.url
    if requested.startswith(url + "/"):
        route.continue_()
    else:
        print("REFUSED", requested)
        route.abort()


with sync_playwright() as playwright:
    browser = open_browser(playwright)
    browser.route("**/*", answer)
    page = browser.new_page()
    try:
        page.goto(url + "/")  # redirects to the docs page
        page.locator(".opblock").first.wait_for(timeout=30000)
        print("TITLE", page.locator(".info .title").inner_text())
        print("AUTHORIZE", page.locator(".btn.authorize").count())
        for block in page.locator(".opblock").all():
            method = block.locator(".opblock-summary-method").inner_text()
            path = block.locator(".opblock-summary-path").get_attribute("data-path")
            print("OPERATION", method.upper(), path)
    finally:
        page.screenshot(path=screenshot, full_page=True)
        browser.close()
"""


@pytest.mark.slow
def test_docs_page_lists_the_actors_endpoints(served_api, tmp_path):
    served_api.env.install_requirements(playwright_requirement())
    with urllib.request.urlopen(f"{served_api.url}/api/openapi.json", timeout=10) as response:
        spec = json.load(response)
    documented = {
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "put", "post", "delete", "patch"}
    }
    actors = {
        "GET /api/actors",
        "POST /api/actors",
        "GET /api/actors/{actor_id}",
        "PUT /api/actors/{actor_id}",
        "PATCH /api/actors/{actor_id}",
        "DELETE /api/actors/{actor_id}",
        "GET /api/actors/stats",
    }
    assert actors <= documented, sorted(documented)

    run = run_in_browser(
        served_api.env, served_api.project, BROWSER_SCRIPT, served_api.url, tmp_path
    )
    listed = {
        line.removeprefix("OPERATION ").strip()
        for line in run.stdout.splitlines()
        if line.startswith("OPERATION ")
    }
    assert listed == documented, f"listed {sorted(listed)}\n{run.explain()}"
    assert "TITLE served_api" in run.stdout, run.explain()
    assert "AUTHORIZE 1" in run.stdout, run.explain()  # the bearer scheme's button
    assert "REFUSED" not in run.stdout, run.explain()
