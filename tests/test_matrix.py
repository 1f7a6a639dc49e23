"""The generation matrix: every combination of the templates' options works on its first run.

The combinations come from copier.yml itself (tests.projects.option_matrix):
for each framework, every question whose ``when`` applies to it, with each of
its ``choices`` or both booleans. A new option joins the matrix by being
added to copier.yml. For each combination the test generates the project and
runs what its README and CI promise, against the real database (PostgreSQL,
MariaDB, SQLite) and Redis of that combination:

- no template syntax left behind;
- ``ruff check`` and ``ruff format --check`` clean;
- migrations complete: Flask ``flask db upgrade`` then ``flask db check``;
  Django ``makemigrations --check --dry-run`` then ``migrate``;
- the sample data loads (``flask seed``, ``manage.py loadsamplepolls``);
- the project's own test suite passes (Flask: with its 90% coverage floor,
  on TEST_DATABASE_URL, leaving the development database's rows, tokens and
  schema as they were; Django: browser tests run, not skipped, where
  Chromium is installed).

``-m quick`` keeps one combination per framework: SQLite and every default.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.projects import (
    ProjectEnv,
    combination_id,
    generate,
    leftover_template_syntax,
    option_defaults,
    option_matrix,
    servers_for,
)

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
PROJECT_NAMES = {"flask": "matrix_api", "django": "matrix_site"}


def matrix_params() -> list[pytest.ParameterSet]:
    params = []
    for framework, answers in option_matrix():
        marks = [pytest.mark.quick] if answers == option_defaults(framework) else []
        params.append(
            pytest.param(framework, answers, id=combination_id(framework, answers), marks=marks)
        )
    return params


def check_flask(env: ProjectEnv, project: Path, urls: dict[str, str]) -> None:
    # A production-like run: no .env, no debug mode, so a real key.
    dev = {"SECRET_KEY": secrets.token_urlsafe(32), **urls}
    env.run(project, "flask", "db", "upgrade", env=dev)
    check = env.run(project, "flask", "db", "check", env=dev)
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    if "DATABASE_URL" not in urls:
        assert (project / "instance" / "app.sqlite3").exists()
    seed = env.run(project, "flask", "seed", env=dev)
    assert "Added 7 sample actors" in seed.stdout
    env.run(project, "flask", "tokens", "create", "matrix", env=dev)

    # The project's own suite: DATABASE_URL (the development database) is
    # set, TEST_DATABASE_URL names the server's test database (SQLite: unset,
    # each test makes its own file). The development data must survive it.
    result = env.run(project, "python", "-m", "pytest", "-p", "no:cacheprovider", env=urls)
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary
    assert "Required test coverage of 90% reached" in result.stdout, result.stdout
    reseed = env.run(project, "flask", "seed", env=dev)
    assert "Added 0 sample actors (7 were already there)" in reseed.stdout
    tokens = env.run(project, "flask", "tokens", "list", env=dev)
    assert tokens.stdout.startswith("matrix\t"), tokens.stdout
    check = env.run(project, "flask", "db", "check", env=dev)
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def check_django(
    env: ProjectEnv, project: Path, urls: dict[str, str], answers: dict[str, object]
) -> None:
    dev = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **urls}
    env.run(project, "python", "manage.py", "check", "--fail-level", "WARNING", env=dev)
    env.run(project, "python", "manage.py", "makemigrations", "--check", "--dry-run", env=dev)
    env.run(project, "python", "manage.py", "migrate", "--noinput", env=dev)
    output = env.run(project, "python", "manage.py", "showmigrations", "polls", env=dev).stdout
    assert "[X] 0001_initial" in output
    env.run(project, "python", "manage.py", "loadsamplepolls", env=dev)

    # The project's own suite, with no .env and no key: the test settings
    # provide one.
    result = env.run(project, "pytest", "-p", "no:cacheprovider", "-rs", env=urls)
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary, result.stdout
    assert "failed" not in summary and "error" not in summary, result.stdout
    if answers.get("browser_tests") and CHROMIUM.exists():
        assert "skipped" not in summary, result.stdout


@pytest.mark.parametrize(("framework", "answers"), matrix_params())
def test_combination_works_on_its_first_run(
    tmp_path: Path, framework: str, answers: dict[str, object]
) -> None:
    project = generate(
        tmp_path / PROJECT_NAMES.get(framework, "matrix_project"), framework, **answers
    )
    assert leftover_template_syntax(project) == []

    env = ProjectEnv()
    env.install(project)
    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")

    with servers_for(answers, test_database=framework == "flask") as urls:
        if framework == "flask":
            check_flask(env, project, urls)
        elif framework == "django":
            check_django(env, project, urls, answers)
        else:
            pytest.fail(f"no checks for framework {framework!r}: teach tests/test_matrix.py")
