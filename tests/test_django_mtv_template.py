"""The Django template (templates/django-mtv): what each combination renders, and production.

- every Django combination of the generation matrix renders what its answers
  ask for: pinned dependencies, only the chosen drivers, Playwright and the
  browser test only when asked, clean file endings (no install needed);
- with each database and cache, the production settings refuse to start
  without a key, pass ``check --deploy`` and collect hashed, compressed static
  files;
- the official tutorial's tests pass when dropped into polls/tests.py; the
  browser test skips, saying why, without a browser.

That each combination passes ruff, its migrations and its own test suite on
the real servers is tests/test_matrix.py's job.
"""

from __future__ import annotations

import re
import secrets
import tomllib
from pathlib import Path

import pytest

from generator.dotenv import write_env
from harness.projects import (
    ProjectEnv,
    combination_id,
    generate,
    leftover_template_syntax,
    option_defaults,
    option_matrix,
    servers_for,
)

PINNED = r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*"
DRIVERS = {"postgresql": "psycopg[binary]", "mysql": "PyMySQL", "redis": "redis"}

COMBINATIONS = [
    pytest.param(answers, id=combination_id(framework, answers))
    for framework, answers in option_matrix()
    if framework == "django"
]
# The settings depend on the database and the cache; the other options keep
# their defaults here (browser_tests only adds a dev dependency and a test).
SETTINGS_DEFAULTS = {
    key: value
    for key, value in option_defaults("django").items()
    if key not in {"database", "cache"}
}
SETTINGS_VARIANTS = [
    param
    for param in COMBINATIONS
    if all(param.values[0].get(key) == value for key, value in SETTINGS_DEFAULTS.items())
]


@pytest.fixture(scope="session")
def project_env() -> ProjectEnv:
    return ProjectEnv()


def production_env() -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "polls.example.com",
    }


def requirement_names(requirements: list[str]) -> set[str]:
    return {requirement.split("==")[0] for requirement in requirements}


def check_rendering(project: Path, answers: dict[str, object]) -> None:
    assert leftover_template_syntax(project) == []
    assert not list(project.rglob("*.jinja"))
    for path in project.rglob("*"):
        if not path.is_file() or path.suffix == ".png":
            continue
        text = path.read_text()
        name = path.relative_to(project)
        # Jinja tags leave no stray blank lines or trailing spaces behind
        # (ruff format checks the Python files, where two are the rule).
        if path.suffix != ".py":
            assert "\n\n\n" not in text, f"{name}: two blank lines in a row"
        assert not re.search(r"[ \t]+$", text, re.M), f"{name}: trailing whitespace"
        assert not text.startswith("\n"), f"{name}: starts with a blank line"
        assert text.endswith("\n") or not text, f"{name}: no final newline"

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    dependencies = pyproject["project"]["dependencies"]
    dev = pyproject["project"]["optional-dependencies"]["dev"]
    unpinned = [r for r in dependencies + dev if not re.fullmatch(PINNED, r)]
    assert unpinned == []
    # uv's default group is the dev extra itself: one list to keep current.
    assert pyproject["dependency-groups"]["dev"] == [f"{pyproject['project']['name']}[dev]"]
    names = requirement_names(dependencies)
    assert "Django" in names
    # The Redis client always: REDIS_URL puts the cache in Redis, whatever the cache answer.
    chosen = {str(answers.get("database", "sqlite")), "redis"}
    for service, driver in DRIVERS.items():
        assert (driver in names) == (service in chosen), f"{driver} in {sorted(names)}"
    browser = answers.get("browser_tests", True)
    for package in ("playwright", "selenium"):
        chosen_driver = browser and answers.get("browser_driver", "playwright") == package
        assert (package in requirement_names(dev)) == chosen_driver, package
    assert (project / "polls" / "test_browser.py").exists() == browser
    analytics = answers.get("analytics", False)
    assert {"pandas", "numpy", "matplotlib"} <= names if analytics else "pandas" not in names
    assert ("nbclient" in requirement_names(dev)) == analytics
    for path in ("notebooks/explore.ipynb", "polls/stats.py", "polls/migrations/0002_vote.py"):
        assert (project / path).exists() == analytics, path


@pytest.mark.parametrize("answers", COMBINATIONS)
def test_renders_cleanly(tmp_path: Path, answers: dict[str, object]) -> None:
    check_rendering(generate(tmp_path / "pollsite", "django", **answers), answers)


@pytest.mark.slow
@pytest.mark.parametrize("answers", SETTINGS_VARIANTS)
def test_production_settings(
    tmp_path: Path, project_env: ProjectEnv, answers: dict[str, object]
) -> None:
    project = generate(tmp_path / "pollsite", "django", **answers)
    project_env.install(project)
    run = project_env.run

    # Outside the tests, no key means a clear refusal, not a default.
    result = run(project, "python", "manage.py", "check", check=False)
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr

    with servers_for(answers) as urls:
        prod = {**production_env(), **urls}
        result = run(
            project, "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=prod
        )
        assert "no issues" in result.stdout
        run(project, "python", "manage.py", "collectstatic", "--noinput", env=prod)
    manifest = (project / "staticfiles" / "staticfiles.json").read_text()
    assert "polls/images/background.png" in manifest
    assert list((project / "staticfiles" / "polls").glob("style.*.css.gz"))


TUTORIAL_TESTS = '''\
import datetime

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from .models import Question


class QuestionModelTests(TestCase):
    def test_was_published_recently_with_future_question(self):
        """
        was_published_recently() returns False for questions whose pub_date
        is in the future.
        """
        time = timezone.now() + datetime.timedelta(days=30)
        future_question = Question(pub_date=time)
        self.assertIs(future_question.was_published_recently(), False)

    def test_was_published_recently_with_old_question(self):
        """
        was_published_recently() returns False for questions whose pub_date
        is older than 1 day.
        """
        time = timezone.now() - datetime.timedelta(days=1, seconds=1)
        old_question = Question(pub_date=time)
        self.assertIs(old_question.was_published_recently(), False)

    def test_was_published_recently_with_recent_question(self):
        """
        was_published_recently() returns True for questions whose pub_date
        is within the last day.
        """
        time = timezone.now() - datetime.timedelta(hours=23, minutes=59, seconds=59)
        recent_question = Question(pub_date=time)
        self.assertIs(recent_question.was_published_recently(), True)


def create_question(question_text, days):
    """
    Create a question with the given `question_text` and published the
    given number of `days` offset to now (negative for questions published
    in the past, positive for questions that have yet to be published).
    """
    time = timezone.now() + datetime.timedelta(days=days)
    return Question.objects.create(question_text=question_text, pub_date=time)


class QuestionIndexViewTests(TestCase):
    def test_no_questions(self):
        """
        If no questions exist, an appropriate message is displayed.
        """
        response = self.client.get(reverse("polls:index"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "No polls are available.")
        self.assertQuerySetEqual(response.context["latest_question_list"], [])

    def test_past_question(self):
        """
        Questions with a pub_date in the past are displayed on the
        index page.
        """
        question = create_question(question_text="Past question.", days=-30)
        response = self.client.get(reverse("polls:index"))
        self.assertQuerySetEqual(
            response.context["latest_question_list"],
            [question],
        )

    def test_future_question(self):
        """
        Questions with a pub_date in the future aren't displayed on
        the index page.
        """
        create_question(question_text="Future question.", days=30)
        response = self.client.get(reverse("polls:index"))
        self.assertContains(response, "No polls are available.")
        self.assertQuerySetEqual(response.context["latest_question_list"], [])

    def test_future_question_and_past_question(self):
        """
        Even if both past and future questions exist, only past questions
        are displayed.
        """
        question = create_question(question_text="Past question.", days=-30)
        create_question(question_text="Future question.", days=30)
        response = self.client.get(reverse("polls:index"))
        self.assertQuerySetEqual(
            response.context["latest_question_list"],
            [question],
        )

    def test_two_past_questions(self):
        """
        The questions index page may display multiple questions.
        """
        question1 = create_question(question_text="Past question 1.", days=-30)
        question2 = create_question(question_text="Past question 2.", days=-5)
        response = self.client.get(reverse("polls:index"))
        self.assertQuerySetEqual(
            response.context["latest_question_list"],
            [question2, question1],
        )


class QuestionDetailViewTests(TestCase):
    def test_future_question(self):
        """
        The detail view of a question with a pub_date in the future
        returns a 404 not found.
        """
        future_question = create_question(question_text="Future question.", days=5)
        url = reverse("polls:detail", args=(future_question.id,))
        response = self.client.get(url)
        self.assertEqual(response.status_code, 404)

    def test_past_question(self):
        """
        The detail view of a question with a pub_date in the past
        displays the question's text.
        """
        past_question = create_question(question_text="Past Question.", days=-5)
        url = reverse("polls:detail", args=(past_question.id,))
        response = self.client.get(url)
        self.assertContains(response, past_question.question_text)
'''


@pytest.mark.slow
def test_tutorial_test_suite_passes(tmp_path: Path, project_env: ProjectEnv) -> None:
    """The official tutorial's part-5 tests, dropped in as polls/tests.py, pass."""
    project = generate(tmp_path / "mysite", "django", browser_tests=False)
    project_env.install(project)
    (project / "polls" / "tests.py").write_text(TUTORIAL_TESTS)

    # pytest, with no .env at all.
    result = project_env.run(project, "pytest", "-p", "no:cacheprovider", "polls/tests.py")
    assert "10 passed" in result.stdout

    # The tutorial's own runner uses the same test settings: no .env needed either...
    result = project_env.run(project, "python", "manage.py", "test", "polls")
    assert "Ran 10 tests" in result.stderr and "OK" in result.stderr
    # ... and with the .env stackgen writes (DJANGO_DEBUG=true, a fresh key).
    assert "DJANGO_SECRET_KEY=change-me" in (project / ".env.example").read_text()
    assert write_env(project)
    result = project_env.run(project, "python", "manage.py", "test", "polls")
    assert "Ran 10 tests" in result.stderr and "OK" in result.stderr


@pytest.mark.slow
def test_browser_test_skips_without_a_browser(tmp_path: Path, project_env: ProjectEnv) -> None:
    project = generate(tmp_path / "mysite", "django")
    project_env.install(project)
    no_browser = {
        "PATH": str(project_env.bin),  # no chromium, chromium-browser or google-chrome
        "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "no-playwright-browsers"),
    }
    result = project_env.run(
        project, "pytest", "-p", "no:cacheprovider", "-rs", "polls/test_browser.py", env=no_browser
    )
    assert "1 skipped" in result.stdout
    assert "No Chromium found" in result.stdout
