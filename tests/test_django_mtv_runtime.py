"""The generated Django site at run time: gunicorn, WhiteNoise, a browser, concurrent votes.

One PostgreSQL project is generated for the module and served by gunicorn on
a free loopback port with the production settings (DEBUG off, manifest
static files through WhiteNoise), over plain HTTP. The server is stopped and
the database dropped afterwards.
"""

from __future__ import annotations

import http.cookiejar
import re
import secrets
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import services
from tests.projects import ProjectEnv, generate
from tests.runtime import gunicorn, run_in_browser

pytestmark = pytest.mark.slow

VOTES = 200


@dataclass
class Site:
    project: Path
    url: str
    database_url: str
    env: ProjectEnv


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    project_env = ProjectEnv()
    workdir = tmp_path_factory.mktemp("runtime")
    project = generate(workdir / "pollsite", "django", database="postgresql")
    project_env.install(project)
    with services.database("postgresql") as database_url:
        env = {
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            # Production settings over plain HTTP on the loopback interface.
            "DJANGO_HTTPS": "false",
        }
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            project_env.run(project, "python", "manage.py", *command, env=env)
        project_env.run(project, "python", "manage.py", "loadsamplepolls", env=env)

        log = workdir / "gunicorn.log"
        with gunicorn(project_env, project, "pollsite.wsgi", env, log, "/polls/") as url:
            yield Site(project, url, database_url, project_env)


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
