"""The generated Django site at run time: gunicorn, WhiteNoise, a browser, concurrent votes.

One PostgreSQL + Redis project is generated for the module and served by
gunicorn on a free loopback port with the production settings (DEBUG off,
manifest static files through WhiteNoise, SMTP mail to a real listener on
loopback), over plain HTTP. The server is stopped and the database dropped
afterwards. A few tests start a second server of the same project: with
unreachable database and cache, or without ``collectstatic``.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from harness import services
from harness.projects import ProjectEnv, generate
from harness.runtime import free_port, gunicorn, run_in_browser, stop, wait_until_up
from tests.helpers import Mailbox

pytestmark = pytest.mark.slow

VOTES = 200


@dataclass
class Site:
    project: Path
    url: str
    database_url: str
    env: ProjectEnv
    settings: dict[str, str] = field(default_factory=dict)
    mailbox: Mailbox = field(default_factory=Mailbox)
    log: Path | None = None


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    project_env = ProjectEnv()
    workdir = tmp_path_factory.mktemp("runtime")
    project = generate(workdir / "pollsite", "django", database="postgresql", cache="redis")
    project_env.install(project)
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        with services.database("postgresql") as database_url:
            env = {
                "DATABASE_URL": database_url,
                "REDIS_URL": services.redis_url(),
                # The cache's counts (account mails, one hour) kept apart from other runs'.
                "CACHE_KEY_PREFIX": f"stackgen-{secrets.token_hex(6)}",
                "DJANGO_DEBUG": "false",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                # Production settings over plain HTTP on the loopback interface.
                "DJANGO_HTTPS": "false",
                # Real SMTP, to the listener above (plain, no TLS on loopback).
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp.port),
                "EMAIL_USE_TLS": "false",
                "DEFAULT_FROM_EMAIL": "polls@example.com",
            }
            for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
                project_env.run(project, "python", "manage.py", *command, env=env)
            project_env.run(project, "python", "manage.py", "loadsamplepolls", env=env)

            log = workdir / "gunicorn.log"
            with gunicorn(project_env, project, "pollsite.wsgi", env, log, "/polls/") as url:
                yield Site(project, url, database_url, project_env, env, mailbox, log)
    finally:
        smtp.stop()


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a GET, error statuses included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@contextmanager
def second_server(
    site: Site, project: Path, log: Path, **settings: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn as the Dockerfile starts it: `gunicorn pollsite.wsgi`, gunicorn.conf.py
    read from the project, PORT and WEB_CONCURRENCY from the environment."""
    port = free_port()
    env = {**site.settings, "PORT": str(port), "WEB_CONCURRENCY": "1", **settings}
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(site.env.bin / "gunicorn"), "pollsite.wsgi"],
            cwd=project,
            env=site.env.environ(project, env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            # gunicorn.conf.py binds 0.0.0.0:$PORT; probe it on loopback by IP.
            wait_until_up(f"http://127.0.0.1:{port}/healthz", server, log)
            yield f"http://127.0.0.1:{port}", server
        finally:
            stop(server)


def question_id(site: Site, text: str) -> int:
    with urllib.request.urlopen(f"{site.url}/polls/", timeout=10) as response:
        page = response.read().decode()
    match = re.search(rf'href="/polls/(\d+)/">{re.escape(text)}</a>', page)
    assert match, f"{text!r} is not on the index page:\n{page}"
    return int(match.group(1))


def test_static_files_are_served_by_whitenoise(site: Site) -> None:
    with urllib.request.urlopen(f"{site.url}/polls/", timeout=10) as response:
        page = response.read().decode()
    stylesheet = re.search(r'href="(/static/polls/style\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, f"no hashed stylesheet in the page:\n{page}"
    request = urllib.request.Request(
        site.url + stylesheet.group(1), headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/css")
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]


BROWSER_SCRIPT = """\
with sync_playwright() as playwright:
    browser = open_browser(playwright)
    page = browser.new_page()
    try:
        page.goto(url + "/polls/")
        page.get_by_role("link", name="What's new?").click()
        page.get_by_label("The sky").check()
        page.get_by_role("button", name="Vote").click()
        page.wait_for_url("**/results/")
        background = page.evaluate("getComputedStyle(document.body).backgroundImage")
        print("RESULTS", page.locator("ul.results").inner_text().replace("\\n", " | "))
        print("BACKGROUND", background)
    finally:
        page.screenshot(path=screenshot, full_page=True)
        browser.close()
"""


def test_vote_in_a_browser(site: Site, tmp_path: Path) -> None:
    run = run_in_browser(site.env, site.project, BROWSER_SCRIPT, site.url, tmp_path)
    assert "The sky -- 1 vote" in run.stdout, run.explain()
    assert "Not much -- 0 votes" in run.stdout, run.explain()
    # The stylesheet (and so its background image) came through WhiteNoise.
    background = re.search(r"BACKGROUND url\(.*/background\.[0-9a-f]{12}\.png", run.stdout)
    assert background, run.explain()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_concurrent_votes_are_all_counted(site: Site) -> None:
    qid = question_id(site, "Tabs or spaces?")
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    with opener.open(f"{site.url}/polls/{qid}/", timeout=10) as response:
        page = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    choice = re.search(r'value="(\d+)">\s*<label for="choice\d+">Spaces</label>', page)
    assert token and choice, page
    cookie = "; ".join(f"{c.name}={c.value}" for c in cookies)
    assert "csrftoken=" in cookie
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "choice": choice.group(1)}
    ).encode()
    voter = urllib.request.build_opener(NoRedirect)

    def vote(_: int) -> int:
        request = urllib.request.Request(
            f"{site.url}/polls/{qid}/vote/", data=body, headers={"Cookie": cookie}
        )
        try:
            with voter.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(vote, range(VOTES)))
    elapsed = time.monotonic() - started
    assert statuses == [302] * VOTES, sorted(set(statuses))
    assert elapsed < 60

    with urllib.request.urlopen(f"{site.url}/polls/{qid}/results/", timeout=10) as response:
        results = response.read().decode()
    assert f"Spaces -- {VOTES} votes" in results, results
    tally = subprocess.run(
        [
            "psql",
            site.database_url,
            "-At",
            "-c",
            f"SELECT sum(votes) FROM polls_choice WHERE question_id = {qid}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert tally == str(VOTES)


def test_health_checks_answer_probes_by_ip(site: Site) -> None:
    # A load balancer or container probe: an address that is not in
    # ALLOWED_HOSTS, which every other page refuses.
    probe = {"Host": "10.1.2.3:8000", "X-Request-ID": "probe-7"}
    status, headers, body = get(f"{site.url}/healthz", probe)
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["X-Request-ID"] == "probe-7"
    status, _, body = get(f"{site.url}/readyz", probe)
    assert status == 200, body
    assert json.loads(body) == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert get(f"{site.url}/polls/", probe)[0] == 400


def test_readyz_reports_unreachable_database_and_cache(site: Site, tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there: connections are refused at once
    unreachable = {
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed}/pollsite",
        "REDIS_URL": f"redis://127.0.0.1:{closed}/0",
    }
    with second_server(site, site.project, tmp_path / "gunicorn.log", **unreachable) as (url, _):
        assert get(f"{url}/healthz")[0] == 200
        status, headers, body = get(f"{url}/readyz")
    assert status == 503, body
    assert headers["Content-Type"] == "application/json"
    answer = json.loads(body)
    assert answer["status"] == "unavailable"
    assert set(answer["checks"]) == {"database", "cache"}
    assert "ok" not in answer["checks"].values(), answer


def test_serves_from_gunicorn_conf_without_collectstatic(site: Site, tmp_path: Path) -> None:
    """DEBUG off, no `collectstatic` yet: styled pages with a warning, not a 500 everywhere.

    Also: JSON logs, one line per event with the request id.
    """
    project = tmp_path / "pollsite"
    shutil.copytree(site.project, project, ignore=shutil.ignore_patterns("staticfiles"))
    log = tmp_path / "gunicorn.log"
    with second_server(site, project, log, LOG_FORMAT="json") as (url, _):
        status, _, page = get(f"{url}/polls/")
        assert status == 200, page
        assert 'href="/static/polls/style.css"' in page, page
        status, headers, css = get(f"{url}/static/polls/style.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
        assert "background" in css
        assert get(f"{url}/no-such-page/", {"X-Request-ID": "lost-42"})[0] == 404
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    warnings = [e for e in events if e["logger"] == "pollsite.storage"]
    assert warnings and "collectstatic" in warnings[0]["message"], log.read_text()
    not_found = [e for e in events if e["message"] == "Not Found: /no-such-page/"]
    assert len(not_found) == 1, log.read_text()
    assert set(not_found[0]) == {"time", "level", "logger", "request_id", "message"}
    assert (not_found[0]["level"], not_found[0]["request_id"]) == ("WARNING", "lost-42")
    # gunicorn's access line is a JSON object too, its message ending with the same id.
    access = [e["message"] for e in events if e["logger"] == "gunicorn.access"]
    assert any(re.search(r'"GET /no-such-page/ HTTP/1.1" 404 .* lost-42$', m) for m in access)


def test_several_workers_without_redis_are_refused_before_serving(site: Site) -> None:
    """The account-mail cap counts in the cache: in each process's memory, two workers would
    each allow the whole cap. gunicorn stops at start-up and says what to set."""
    settings = {**site.settings, "PORT": str(free_port()), "WEB_CONCURRENCY": "2"}
    del settings["REDIS_URL"]
    result = subprocess.run(
        [str(site.env.bin / "gunicorn"), "pollsite.wsgi"],
        cwd=site.project,
        env=site.env.environ(site.project, settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Error: REDIS_URL is not set: with 2 workers" in result.stderr, result.stderr
    assert "Booting worker" not in result.stdout + result.stderr


def test_password_reset_by_real_smtp(site: Site) -> None:
    created = site.env.run(
        site.project,
        "python",
        "manage.py",
        "createsuperuser",
        "--noinput",
        "--username",
        "ada",
        "--email",
        "ada@example.com",
        env={**site.settings, "DJANGO_SUPERUSER_PASSWORD": "the old passphrase"},
    )
    # A management command says what it did, without django-axes' start-up banner.
    assert created.stdout.strip() == "Superuser created successfully.", created.stdout
    assert "AXES:" not in created.stdout + created.stderr, created.stdout + created.stderr
    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))

    def submit(path: str, fields: dict[str, str]) -> tuple[int, str]:
        """Open the form at ``path``, post ``fields`` with its CSRF token; status and URL."""
        with browser.open(site.url + path, timeout=10) as response:
            form_url, page = response.url, response.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields})
        with browser.open(form_url, data=data.encode(), timeout=30) as response:
            return response.status, urllib.parse.urlsplit(response.url).path

    before = len(site.mailbox.messages)
    status, landed = submit("/accounts/password_reset/", {"email": "ada@example.com"})
    assert (status, landed) == (200, "/accounts/password_reset/done/")
    message = site.mailbox.wait_for(before + 1)[-1]
    assert message["To"] == "ada@example.com" and message["From"] == "polls@example.com"
    link = re.search(r"http://127\.0\.0\.1:\d+(/accounts/reset/\S+/)", message.get_content())
    assert link, message.get_content()

    new = "a brand new passphrase"
    status, landed = submit(link.group(1), {"new_password1": new, "new_password2": new})
    assert (status, landed) == (200, "/accounts/reset/done/")
    status, landed = submit("/accounts/login/", {"username": "ada", "password": new})
    assert (status, landed) == (200, "/polls/")
