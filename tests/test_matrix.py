"""The generation matrix: every combination of the templates' options works on its first run.

The combinations come from copier.yml itself (harness.projects.option_matrix):
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

from pathlib import Path

import pytest

from harness.projects import (
    ProjectEnv,
    combination_id,
    generate,
    leftover_template_syntax,
    option_defaults,
    option_matrix,
    servers_for,
)
from tests.helpers import check_django, check_flask

pytestmark = pytest.mark.slow

PROJECT_NAMES = {"flask": "matrix_api", "django": "matrix_site"}


def matrix_params() -> list[pytest.ParameterSet]:
    params = []
    for framework, answers in option_matrix():
        marks = [pytest.mark.quick] if answers == option_defaults(framework) else []
        params.append(
            pytest.param(framework, answers, id=combination_id(framework, answers), marks=marks)
        )
    return params


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
            check_flask(env, project, urls, answers)
        elif framework == "django":
            check_django(env, project, urls, answers)
        else:
            pytest.fail(f"no checks for framework {framework!r}: teach tests/helpers.py")
