"""The Flask API template: every combination renders what its answers ask for.

These checks read the rendered files, without installing anything, for every
Flask combination of the generation matrix: pinned dependencies, only the
chosen database driver, pandas and the stats endpoint only with analytics, the
.env.example and .gitignore, clean file endings. That each combination then
passes ruff, its migrations (``flask db upgrade``, ``flask db check``),
``flask seed`` and its own test suite on the real database is
tests/test_matrix.py's job.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from harness.projects import combination_id, generate, leftover_template_syntax, option_matrix

COMBINATIONS = {
    combination_id(framework, answers): answers
    for framework, answers in option_matrix()
    if framework == "flask"
}
DRIVERS = {"postgresql": "psycopg[binary]", "mysql": "pymysql"}


def render(tmp_path: Path, combination: str) -> Path:
    return generate(tmp_path / "actors_api", "flask", **COMBINATIONS[combination])


def dependency_names(project: Path) -> set[str]:
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    return {requirement.split("==")[0] for requirement in meta["dependencies"]}


@pytest.mark.parametrize("combination", COMBINATIONS)
def test_renders_cleanly(tmp_path, combination):
    project = render(tmp_path, combination)
    answers = COMBINATIONS[combination]
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

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    meta = pyproject["project"]
    for requirement in meta["dependencies"] + meta["optional-dependencies"]["dev"]:
        assert "==" in requirement, f"{requirement} is not pinned"
    # uv's default group is the dev extra itself: one list to keep current.
    assert pyproject["dependency-groups"]["dev"] == [f"{meta['name']}[dev]"]
    names = dependency_names(project)
    assert {driver for db, driver in DRIVERS.items() if db != database}.isdisjoint(names)
    if database in DRIVERS:
        assert DRIVERS[database] in names
    assert ("pandas" in names) is analytics
    assert (project / slug / "api" / "stats.py").exists() is analytics
    assert (project / "tests" / "test_stats.py").exists() is analytics
    assert (project / "notebooks" / "explore.ipynb").exists() is analytics
    assert ("nbclient" in str(meta["optional-dependencies"]["dev"])) is analytics

    env_example = (project / ".env.example").read_text()
    assert "SECRET_KEY=change-me\n" in env_example
    expected_url = {"sqlite": "sqlite:///", "postgresql": "postgresql://", "mysql": "mysql://"}
    assert f"DATABASE_URL={expected_url[database]}" in env_example
    # Every setting the app and gunicorn read is in the example, set or commented.
    sources = (project / slug / "config.py").read_text()
    sources += (project / "gunicorn.conf.py").read_text()
    settings = set(re.findall(r"os\.environ\.get\(\s*[\"']([A-Z_]+)[\"']", sources))
    assert {"SECRET_KEY", "DATABASE_URL", "API_WRITE_RATE_LIMIT", "WEB_CONCURRENCY"} <= settings
    for setting in settings:
        assert re.search(rf"^(# )?{setting}=", env_example, re.M), f"{setting} not in .env.example"
        assert f"`{setting}`" in (project / "README.md").read_text(), f"{setting} not in README"
    assert "TEST_DATABASE_URL" in env_example
    assert not (project / ".env").exists()
    assert {".env", "instance/", ".venv/"} <= set((project / ".gitignore").read_text().split())
    assert list((project / "migrations" / "versions").glob("*.py"))


def test_gunicorn_settings_and_image(tmp_path):
    """gunicorn.conf.py holds the serving settings the Django starter shares."""
    project = generate(tmp_path / "actors_api", "flask", database="postgresql")
    namespace: dict[str, object] = {}
    exec((project / "gunicorn.conf.py").read_text(), namespace)

    assert namespace["bind"] == "0.0.0.0:8000"
    assert namespace["workers"] == 2
    assert (namespace["accesslog"], namespace["errorlog"]) == ("-", "-")
    assert (namespace["timeout"], namespace["graceful_timeout"]) == (30, 30)
    assert namespace["keepalive"] == 5
    assert namespace["forwarded_allow_ips"] == ""  # TRUSTED_PROXIES=0: no proxy is believed
    assert callable(namespace["on_starting"])  # refuses per-process rate limits (config.py)
    assert str(namespace["access_log_format"]).endswith("%({x-request-id}o)s")

    dockerfile = (project / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "wsgi:app"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "/healthz" in dockerfile
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    api = compose["services"]["api"]
    assert "/healthz" in " ".join(api["healthcheck"]["test"])
    assert api["depends_on"]["db"] == {"condition": "service_healthy"}
    ci = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    assert "TEST_DATABASE_URL" in ci["jobs"]["test"]["env"]
