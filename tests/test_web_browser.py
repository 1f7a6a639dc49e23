"""The initializr's page in headless Chromium: choose, explore, share the link, download,
then install the downloaded project and run its own tests."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.projects import ProjectEnv
from tests.runtime import free_port, playwright_requirement, require_chromium, run_in_browser

pytestmark = pytest.mark.slow
STACKGEN = [sys.executable, "-c", "from generator.cli import main; main()"]

SCRIPT = r"""
from pathlib import Path

from playwright.sync_api import expect

out = Path(screenshot).parent


def choose(page, **answers):
    for key, value in answers.items():
        page.select_option(f'select[name="{key}"]', value)


def same_state(page):
    expect(page.locator('select[name="building"]')).to_have_value("data")
    expect(page.locator("#framework")).to_have_value("flask")
    expect(page.locator('input[name="project_name"]')).to_have_value("Movie API")
    expect(page.locator('input[name="analytics"]')).to_be_checked()
    expect(page.locator('select[name="database"]')).to_have_value("sqlite")
    expect(page.locator("#file-name")).to_have_text("pyproject.toml")
    expect(page.locator("#file-content")).to_contain_text("pandas==")
    expect(page.locator("#flip")).to_have_value("database=postgresql")
    expect(page.locator("#diff")).to_contain_text("psycopg")
    expect(page.locator("#recommendation")).to_contain_text("We recommend Flask")


with sync_playwright() as playwright:
    browser = open_browser(playwright)
    page = browser.new_page()
    try:
        page.goto(url + "/")
        expect(page.locator("#tree")).to_contain_text("pyproject.toml")

        # The recommendation follows the answers.
        choose(page, building="site", experience="new", style="batteries", deadline="days")
        expect(page.locator("#recommendation")).to_contain_text("We recommend Django")
        choose(page, building="data", experience="some", style="choose", deadline="no-rush")
        expect(page.locator("#recommendation")).to_contain_text("We recommend Flask")
        expect(page.locator("#recommendation")).to_contain_text("analytics=true")
        page.click("#apply")
        expect(page.locator("#framework")).to_have_value("flask")
        expect(page.locator('input[name="analytics"]')).to_be_checked()

        # Flipping an option changes the tree.
        expect(page.locator("#tree")).to_contain_text("stats.py")
        page.uncheck('input[name="analytics"]')
        expect(page.locator("#tree")).not_to_contain_text("stats.py")
        page.check('input[name="analytics"]')
        expect(page.locator("#tree")).to_contain_text("test_stats.py")
        page.fill('input[name="project_name"]', "Movie API")
        expect(page.locator("#tree")).to_contain_text("movie_api/")
        expect(page.locator("#command")).to_have_text(
            "stackgen new movie-api --framework flask --defaults "
            "--data 'project_name=Movie API' --data analytics=true"
        )

        # A file's content, and what another answer would change.
        page.click('#tree button[data-path="pyproject.toml"]')
        expect(page.locator("#file-content")).to_contain_text("pandas==")
        page.select_option("#flip", "database=postgresql")
        expect(page.locator("#diff")).to_contain_text("psycopg")
        expect(page.locator("#diff-summary")).to_contain_text("changed:")
        same_state(page)

        # The state lives in the URL: a reload, and the link opened elsewhere.
        shared = page.url
        print("shared", shared)
        page.reload()
        same_state(page)
        other = browser.new_page()
        other.goto(shared)
        same_state(other)

        with page.expect_download() as download:
            page.click("#download-zip")
        print("download", download.value.suggested_filename)
        download.value.save_as(out / "download.zip")
    finally:
        page.screenshot(path=screenshot, full_page=True)
        browser.close()
"""


@pytest.fixture
def initializr(tmp_path: Path) -> Iterator[str]:
    """`stackgen serve` on a free loopback port, as a user starts it."""
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [*STACKGEN, "serve", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=output,
            text=True,
            env=os.environ.copy(),
        )
        try:
            line = server.stdout.readline()
            assert line.startswith("Serving the stackgen initializr on"), log.read_text()
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=15)


def test_choose_explore_share_download_and_the_download_passes_its_tests(
    initializr: str, tmp_path: Path
):
    require_chromium()
    env = ProjectEnv()
    env.install_requirements(playwright_requirement())
    run = run_in_browser(env, tmp_path, SCRIPT, initializr, tmp_path, timeout=300)
    assert "download movie-api.zip" in run.stdout, run.explain()

    with zipfile.ZipFile(tmp_path / "download.zip") as archive:
        archive.extractall(tmp_path / "unpacked")
    project = tmp_path / "unpacked" / "movie-api"
    assert (project / "movie_api" / "api" / "stats.py").is_file()
    assert not (project / ".env").exists()
    env.install(project)
    result = env.run(project, "python", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert " passed" in result.stdout
