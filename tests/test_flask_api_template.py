"""The Flask API template: every variant renders cleanly and passes its own checks.

Rendering checks run on every variant without installing anything; the slow
tests install the generated project's pinned dependencies (one shared venv),
then run what its README and CI promise: ruff, the shipped migrations against
the real database (``flask db upgrade`` then ``flask db check``), ``flask seed``
and the project's own test suite on that database.
"""

from __future__ import annotations

import tomllib
from contextlib import nullcontext
from pathlib import Path

import pytest

from tests import services
from tests.projects import ProjectEnv, generate, leftover_template_syntax

VARIANTS = {
    "defaults": {},
    "postgresql": {"database": "postgresql"},
    "mysql": {"database": "mysql"},
    "analytics": {"database": "postgresql", "analytics": True},
}
DRIVERS = {"postgresql": "psycopg[binary]", "mysql": "pymysql"}


def render(tmp_path: Path, variant: str) -> Path:
    return generate(tmp_path / f"api_{variant}", "flask", **VARIANTS[variant])


def dependency_names(project: Path) -> set[str]:
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    return {requirement.split("==")[0] for requirement in meta["dependencies"]}


@pytest.mark.parametrize("variant", VARIANTS)
def test_renders_cleanly(tmp_path, variant):
    project = render(tmp_path, variant)
    answers = VARIANTS[variant]
    database = answers.get("database", "sqlite")
    analytics = answers.get("analytics", False)
    slug = project.name

    assert leftover_template_syntax(project) == []
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text()
            name = path.relative_to(project)
            assert text.endswith("\n") and not text.endswith("\n\n"), f"{name}: file end"
            assert not any(line != line.rstrip() for line in text.splitlines()), f"{name}: spaces"
            if path.suffix not in {".py", ".mako"}:  # Python spacing is ruff's job
                assert "\n\n\n" not in text, f"{name}: stray blank lines"

    requirements = (project / "pyproject.toml").read_text()
    for requirement in tomllib.loads(requirements)["project"]["dependencies"]:
        assert "==" in requirement, f"{requirement} is not pinned"
    names = dependency_names(project)
    assert {driver for db, driver in DRIVERS.items() if db != database}.isdisjoint(names)
    if database in DRIVERS:
        assert DRIVERS[database] in names
    assert ("pandas" in names) is analytics
    assert (project / slug / "api" / "stats.py").exists() is analytics
    assert (project / "tests" / "test_stats.py").exists() is analytics

    env_example = (project / ".env.example").read_text()
    assert "SECRET_KEY=change-me\n" in env_example
    expected_url = {"sqlite": "sqlite:///", "postgresql": "postgresql://", "mysql": "mysql://"}
    assert f"DATABASE_URL={expected_url[database]}" in env_example
    assert not (project / ".env").exists()
    assert {".env", "instance/", ".venv/"} <= set((project / ".gitignore").read_text().split())
    assert list((project / "migrations" / "versions").glob("*.py"))


def check_project(tmp_path: Path, variant: str) -> None:
    project = render(tmp_path, variant)
    database = VARIANTS[variant].get("database", "sqlite")
    env = ProjectEnv()
    env.install(project)

    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")

    server = services.database(database) if database != "sqlite" else nullcontext(None)
    with server as url:
        environ = {"DATABASE_URL": url} if url else {}
        env.run(project, "flask", "db", "upgrade", env=environ)
        check = env.run(project, "flask", "db", "check", env=environ)
        assert "No new upgrade operations detected" in check.stdout + check.stderr
        seed = env.run(project, "flask", "seed", env=environ)
        assert "Added 7 sample actors" in seed.stdout
        result = env.run(project, "python", "-m", "pytest", "-p", "no:cacheprovider", env=environ)
    assert " passed" in result.stdout and "Required test coverage of 90% reached" in result.stdout
    if database == "sqlite":
        assert (project / "instance" / "app.sqlite3").exists()


@pytest.mark.slow
@pytest.mark.quick
def test_defaults_pass_their_own_checks(tmp_path):
    check_project(tmp_path, "defaults")


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["postgresql", "mysql", "analytics"])
def test_variant_passes_its_own_checks(tmp_path, variant):
    check_project(tmp_path, variant)
