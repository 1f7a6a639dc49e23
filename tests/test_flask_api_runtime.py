"""The generated Flask API at run time, from the outside.

- schemathesis 4 fuzzes every operation of the app's own OpenAPI document, in
  process: no 5xx, and every response (status, headers, body) conforms;
- gunicorn serves the app on PostgreSQL (loopback only) and takes 100
  concurrent creates;
- headless Chromium opens the interactive docs page that gunicorn serves and
  finds every actors operation listed.

All run inside the shared project environment, like the project's own tests.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import services
from tests.projects import ProjectEnv, generate
from tests.runtime import gunicorn, playwright_requirement, run_in_browser

SCHEMATHESIS = "schemathesis==4.32.5"
# Swagger UI's files, as published (APIFlask's docs page loads them from a CDN,
# which the loopback-only browser test may not reach; see BROWSER_SCRIPT).
SWAGGER_UI_FILES = "flask-swagger-ui==5.34.0"

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


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_schemathesis_finds_no_failure(tmp_path, database):
    project = generate(tmp_path / "fuzzed_api", "flask", database=database, analytics=True)
    env = ProjectEnv()
    env.install(project)
    env.install_requirements(SCHEMATHESIS)
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


def request(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=20) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@dataclass
class Api:
    project: Path
    url: str
    env: ProjectEnv
    log: Path


@pytest.fixture(scope="module")
def served_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The generated API (PostgreSQL, with analytics) under gunicorn on loopback."""
    workdir = tmp_path_factory.mktemp("flask-runtime")
    project = generate(workdir / "served_api", "flask", database="postgresql", analytics=True)
    env = ProjectEnv()
    env.install(project)
    with services.database("postgresql") as url:
        settings = {"DATABASE_URL": url, "SECRET_KEY": "test-only"}
        env.run(project, "flask", "db", "upgrade", env=settings)
        log = workdir / "gunicorn.log"
        with gunicorn(env, project, "wsgi:app", settings, log, "/api/actors", workers=4) as base:
            yield Api(project, base, env, log)


@pytest.mark.slow
def test_gunicorn_on_postgresql_stores_100_concurrent_creates(served_api):
    base = f"{served_api.url}/api/actors"
    with ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(lambda n: request(base, {"name": f"Concurrent {n}"}), range(100)))
    status, page = request(f"{base}?per_page=100")
    _, after = request(f"{base}?per_page=100&page=2")

    assert [code for code, _ in results] == [201] * 100
    assert len({body["id"] for _, body in results}) == 100
    assert status == 200
    assert sorted(actor["name"] for actor in page["items"]) == sorted(
        f"Concurrent {n}" for n in range(100)
    )
    assert page["pagination"]["next"] is None
    assert after["items"] == []
    assert "Traceback" not in served_api.log.read_text()


# The browser reaches gunicorn on loopback and nothing else: Swagger UI's
# three files, which the page asks of the CDN in APIFlask's settings, are
# answered from the published swagger-ui-dist files (flask-swagger-ui ships
# them); every other request off loopback is refused and printed.
BROWSER_SCRIPT = """\
from pathlib import Path

import apiflask.settings
import flask_swagger_ui

DIST = Path(flask_swagger_ui.__file__).parent / "dist"
CDN = {
    apiflask.settings.SWAGGER_UI_CSS: DIST / "swagger-ui.css",
    apiflask.settings.SWAGGER_UI_BUNDLE_JS: DIST / "swagger-ui-bundle.js",
    apiflask.settings.SWAGGER_UI_STANDALONE_PRESET_JS: DIST / "swagger-ui-standalone-preset.js",
}


def answer(route):
    requested = route.request.url
    if requested.startswith(url + "/"):
        route.continue_()
    elif requested in CDN:
        print("CDN", requested)
        route.fulfill(path=CDN[requested])
    else:
        print("REFUSED", requested)
        route.abort()


with sync_playwright() as playwright:
    browser = open_browser(playwright)
    browser.route("**/*", answer)
    page = browser.new_page()
    try:
        page.goto(url + "/api/docs")
        page.locator(".opblock").first.wait_for(timeout=30000)
        print("TITLE", page.locator(".info .title").inner_text())
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
    served_api.env.install_requirements(playwright_requirement(), SWAGGER_UI_FILES)
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
