"""The initializr's page in headless Chromium: choose, explore, share the link, download,
then install the downloaded project and run its own tests. On the way, the page as people
judge it: a first view that agrees with itself, a coloured diff, an error beside its field
with the downloads off, no horizontal scroll at a phone's width, and no serious or critical
axe-core finding. desktop.png and phone.png (and their -invalid twins) stay in the test's
tmp dir, to look at."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.projects import ProjectEnv
from harness.runtime import free_port, playwright_requirement, require_chromium, run_in_browser

pytestmark = pytest.mark.slow
STACKGEN = [sys.executable, "-c", "from generator.cli import main; main()"]
AXE = "axe-playwright-python==0.1.8"  # bundles axe-core: nothing is fetched at run time

SCRIPT = r"""
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

out = Path(screenshot).parent
# Each answer changed is a render on the server: seconds on a busy machine (2 cores,
# other suites running), not the 5 s Playwright waits by default.
expect.set_options(timeout=30_000)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 420, "height": 860}


def choose(page, **answers):
    for key, value in answers.items():
        page.check(f'input[name="{key}"][value="{value}"]')


def same_state(page):
    expect(page.locator('input[name="building"][value="data"]')).to_be_checked()
    expect(page.locator("#framework")).to_have_value("flask")
    expect(page.locator('input[name="project_name"]')).to_have_value("Movie API")
    expect(page.locator('input[name="analytics"]')).to_be_checked()
    expect(page.locator('select[name="database"]')).to_have_value("sqlite")
    expect(page.locator("#file-name")).to_have_text("pyproject.toml")
    expect(page.locator("#file-content")).to_contain_text("pandas==")
    expect(page.locator("#flip")).to_have_value("database=postgresql")
    expect(page.locator("#diff")).to_contain_text("psycopg")
    expect(page.locator("#recommendation")).to_contain_text("We recommend Flask")
    expect(page.locator("#framework-note")).to_have_text(
        "Flask is what we recommend for your answers."
    )


def serious(page, when):
    violations = Axe().run(page).response["violations"]
    found = [v for v in violations if v["impact"] in ("serious", "critical")]
    for v in violations:
        print("axe", when, v["impact"], v["id"], [n["target"] for n in v["nodes"]])
    print("axe", when, "serious or critical:", len(found), "in all:", len(violations))
    assert not found, f"axe-core, {when}: {[v['id'] for v in found]}"


def fits(page, when):
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    print("width", when, width)
    assert width[0] <= width[1], f"{when}: the page is {width[0]} px wide in a {width[1]} px window"


def box(locator):
    found = locator.bounding_box()
    assert found, locator
    return found


DIFF_COLOURS = '''() => {
  const style = (el) => getComputedStyle(el);
  const pre = document.querySelector("#diff");
  const line = (cls) => style(pre.querySelector(cls));
  return {
    plain: [style(pre).color, style(pre).backgroundColor],
    added: [line(".added").color, line(".added").backgroundColor],
    removed: [line(".removed").color, line(".removed").backgroundColor],
  };
}'''


with sync_playwright() as playwright:
    browser = open_browser(playwright)
    page = browser.new_page()
    page.set_viewport_size(DESKTOP)
    try:
        page.goto(url + "/")
        # The first render makes the template store: seconds on a busy machine.
        expect(page.locator("#tree")).to_contain_text("pyproject.toml", timeout=60_000)

        # The first view does not contradict itself: the default answers recommend
        # Django, so Django is the framework chosen, and the page says they agree.
        expect(page.locator("#recommendation")).to_contain_text("We recommend Django")
        expect(page.locator("#framework")).to_have_value("django")
        expect(page.locator("#framework-note")).to_have_text(
            "Django is what we recommend for your answers."
        )
        expect(page.locator("#tree")).to_contain_text("manage.py")
        assert "framework=django" in page.url, page.url
        serious(page, "first view")
        fits(page, "first view, desktop")

        # The recommendation follows the answers; the chosen framework stays until
        # the user applies it, and the page says they differ meanwhile.
        choose(page, building="site", experience="new", style="batteries", deadline="days")
        expect(page.locator("#recommendation")).to_contain_text("We recommend Django")
        choose(page, building="data", experience="some", style="choose", deadline="no-rush")
        expect(page.locator("#recommendation")).to_contain_text("We recommend Flask")
        expect(page.locator("#recommendation")).to_contain_text("analytics=true")
        differ = "You chose Django; we recommend Flask."
        expect(page.locator("#framework-note")).to_have_text(differ)
        expect(page.locator("#agreement")).to_have_text(differ)
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

        # A file's content, and what another answer would change, in colour.
        page.click('#tree button[data-path="pyproject.toml"]')
        expect(page.locator("#file-content")).to_contain_text("pandas==")
        page.select_option("#flip", "database=postgresql")
        expect(page.locator("#diff")).to_contain_text("psycopg")
        expect(page.locator("#diff-summary")).to_contain_text("changed:")
        same_state(page)
        expect(page.locator("#diff .added").first).to_contain_text("+database: postgresql")
        expect(page.locator("#diff .removed").first).to_contain_text("-database: sqlite")
        colours = page.evaluate(DIFF_COLOURS)
        print("diff colours", colours)
        assert colours["added"] != colours["plain"], colours
        assert colours["removed"] != colours["plain"], colours
        assert colours["added"] != colours["removed"], colours
        serious(page, "file and diff shown")
        fits(page, "file and diff shown, desktop")
        page.screenshot(path=out / "desktop.png", full_page=True)

        # At a phone's width nothing is wider than the screen.
        page.set_viewport_size(PHONE)
        fits(page, "file and diff shown, phone")
        serious(page, "phone")
        page.screenshot(path=out / "phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)

        # Keyboard: Tab from the last option reaches the resources, then the download,
        # with a visible focus.
        page.focus('input[name="typescript_client"]')  # the last option Flask asks
        page.keyboard.press("Tab")
        expect(page.locator("#add-resource")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.locator("#download-zip")).to_be_focused()
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("", "none"), outline

        # An invalid answer: its error beside its field, no download, nothing stale.
        page.fill('input[name="project_name"]', 'bad"name')
        error = page.locator('.question[data-key="project_name"] #error-project_name')
        expect(error).to_contain_text("double quotes")
        name = page.locator('input[name="project_name"]')
        expect(name).to_have_attribute("aria-invalid", "true")
        expect(name).to_have_attribute("aria-describedby", "error-project_name")
        field, message = box(name), box(error)
        assert 0 <= message["y"] - (field["y"] + field["height"]) < 24, (field, message)
        assert abs(message["x"] - field["x"]) < 4, (field, message)
        for link in ("#download-zip", "#download-tar"):
            expect(page.locator(link)).to_have_attribute("aria-disabled", "true")
            assert page.eval_on_selector(link, "a => !a.hasAttribute('href')"), link
            assert page.eval_on_selector(link, "a => getComputedStyle(a).pointerEvents") == "none"
        expect(page.locator("#error")).to_contain_text("Downloads are off")
        expect(page.locator("#file-content")).to_be_hidden()
        expect(page.locator("#diff")).to_be_hidden()
        expect(page.locator("#tree button")).to_have_count(0)
        expect(page.locator("#command")).to_have_text("")
        serious(page, "invalid answer")
        page.screenshot(path=out / "desktop-invalid.png", full_page=True)
        page.set_viewport_size(PHONE)
        fits(page, "invalid answer, phone")
        page.screenshot(path=out / "phone-invalid.png", full_page=True)
        page.set_viewport_size(DESKTOP)

        # Fixed, everything comes back.
        page.fill('input[name="project_name"]', "Movie API")
        expect(name).not_to_have_attribute("aria-invalid", "true")
        expect(error).to_be_hidden()
        same_state(page)

        # A resource of one's own: a row of the list, checked as the CLI checks it,
        # goes into the tree, the command and the download. The list comes before the
        # downloads, and a row's error is shown beside that row.
        resources = page.locator("#resource-rows > li")
        assert box(page.locator("#add-resource"))["y"] < box(page.locator("#download-zip"))["y"]
        page.click("#add-resource")
        first = resources.nth(0)
        first.locator(".name").fill("Workout")
        first.locator(".fields").fill("name:string duration_minutes:integer:min=1")
        page.click("#add-resource")
        second = resources.nth(1)
        second.locator(".name").fill("ExerciseSet")
        second.locator(".fields").fill("workout:references reps:integr")
        row_error = second.locator(".field-error")
        expect(row_error).to_contain_text('unknown type "integr"')
        expect(first.locator(".field-error")).to_be_hidden()
        expect(second.locator(".fields")).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#error")).to_have_text(
            "Downloads are off until resource 2 (ExerciseSet) is fixed."
        )
        expect(page.locator("#download-zip")).to_have_attribute("aria-disabled", "true")
        spec, message = box(second.locator(".fields")), box(row_error)
        assert 0 <= message["y"] - (spec["y"] + spec["height"]) < 24, (spec, message)
        serious(page, "a resource row refused")
        page.screenshot(path=out / "desktop-resource-invalid.png", full_page=True)
        second.locator("button").click()  # removed: the first row alone is fine
        expect(page.locator("#tree")).to_contain_text("workouts/", timeout=60_000)
        expect(page.locator("#error-resources")).to_be_hidden()
        expect(page.locator("#command")).to_contain_text(
            "--resource 'Workout name:string duration_minutes:integer:min=1'"
        )
        # The fields box uses the card's width, and a long list of fields stays in sight.
        fields = first.locator(".fields")
        assert box(fields)["width"] >= 0.9 * box(first)["width"] - 30, (box(fields), box(first))
        long_specs = " ".join(f"measurement_number_{n}:decimal:6.2:min=0" for n in range(6))
        fields.fill(long_specs)
        sizes = fields.evaluate(
            "a => [a.scrollWidth, a.clientWidth, a.scrollHeight, a.clientHeight]"
        )
        print("fields box", box(fields)["width"], sizes)
        assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3] + 2, sizes
        fields.fill("name:string duration_minutes:integer:min=1")
        expect(page.locator("#explore")).not_to_have_attribute("aria-busy", "true", timeout=60_000)
        serious(page, "a resource")
        fits(page, "a resource, desktop")

        # The state lives in the URL: a reload, and the link opened elsewhere.
        shared = page.url
        print("shared", shared)
        page.reload()
        same_state(page)
        other = browser.new_page()
        other.goto(shared)
        same_state(other)
        expect(other.locator("#resource-rows .name").first).to_have_value("Workout")

        with page.expect_download() as download:
            page.click("#download-zip")
        print("download", download.value.suggested_filename)
        download.value.save_as(out / "download.zip")

        # Django takes resources too: the same list, what they bring said for Django,
        # and a Django refusal beside its row.
        page.select_option("#framework", "django")
        expect(page.locator("#resources-framework")).to_contain_text("Django")
        expect(page.locator("#resources-framework")).to_contain_text("JSON API option")
        expect(page.locator("#tree")).to_contain_text("manage.py", timeout=60_000)
        expect(page.locator("#tree")).to_contain_text("workouts/")
        expect(page.locator("#command")).to_contain_text("--framework django")
        expect(page.locator("#command")).to_contain_text(
            "--resource 'Workout name:string duration_minutes:integer:min=1'"
        )
        page.click("#add-resource")
        session = resources.nth(1)
        session.locator(".name").fill("Session")
        session.locator(".fields").fill("label:string")
        expect(session.locator(".field-error")).to_contain_text("sessions")
        expect(page.locator("#error")).to_have_text(
            "Downloads are off until resource 2 (Session) is fixed."
        )
        serious(page, "a Django resource refused")
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
    env.install_requirements(playwright_requirement(), AXE)
    run = run_in_browser(env, tmp_path, SCRIPT, initializr, tmp_path, timeout=300)
    assert "download movie-api.zip" in run.stdout, run.explain()
    print(run.stdout)  # the widths and axe-core results, for -rP
    for shot in ("desktop.png", "phone.png", "desktop-invalid.png", "phone-invalid.png"):
        assert (tmp_path / shot).is_file(), shot

    with zipfile.ZipFile(tmp_path / "download.zip") as archive:
        archive.extractall(tmp_path / "unpacked")
    project = tmp_path / "unpacked" / "movie-api"
    assert (project / "movie_api" / "api" / "stats.py").is_file()
    assert (project / "movie_api" / "resources" / "workouts" / "views.py").is_file()
    assert (project / ".copier-answers.resource-workout.yml").is_file()
    assert not (project / ".env").exists()
    env.install(project)
    # Its coverage gate is the matrix's to check (tests/helpers.py: check_flask).
    result = env.run(project, "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov")
    assert " passed" in result.stdout
