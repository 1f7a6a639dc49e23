"""Every file of every option combination is well-formed, run or not.

The matrix runs the code; files nothing here can run (no Docker engine, no
Actions runner) are checked statically: the Dockerfile by hadolint (any finding
fails, info included), compose, the CI workflow and the Dependabot
configuration against their published schemas (check-jsonschema's vendored
copies, offline), and every project's uv.lock against its pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.projects import combination_id, generate, option_matrix, parse_every_file

COMBINATIONS = option_matrix()
BIN = Path(sys.executable).parent
SCHEMAS = {
    "vendor.compose-spec": "compose.yaml",
    "vendor.github-workflows": ".github/workflows/ci.yml",
    "vendor.dependabot": ".github/dependabot.yml",
}


def whitespace_problems(project: Path) -> list[str]:
    """What the project's own pre-commit hooks (end-of-file-fixer, trailing-whitespace)
    would change on its first commit: they cannot run here (they fetch from GitHub)."""
    found = []
    for path in sorted(project.rglob("*")):
        if not path.is_file() or ".git" in path.parts or path.suffix == ".png":
            continue
        text = path.read_text()
        name = path.relative_to(project)
        if text and (not text.endswith("\n") or text.endswith("\n\n")):
            found.append(f"{name}: not one newline at the end")
        found += [
            f"{name}:{n}: trailing whitespace"
            for n, line in enumerate(text.splitlines(), 1)
            if line != line.rstrip()
        ]
    return found


def tool(name: str, *args: str, cwd: Path) -> None:
    """Run one of the test environment's checkers in ``cwd``; fail with what it said."""
    result = subprocess.run([BIN / name, *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{name} {' '.join(args)}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize(
    ("framework", "answers"),
    COMBINATIONS,
    ids=[combination_id(framework, answers) for framework, answers in COMBINATIONS],
)
def test_every_file_parses(tmp_path, framework, answers):
    project = generate(tmp_path / "parsed", framework, **answers)
    checked = parse_every_file(project)
    assert whitespace_problems(project) == []
    tool("uv", "lock", "--check", "--offline", cwd=project)
    tool("hadolint", "Dockerfile", cwd=project)
    for schema, path in SCHEMAS.items():
        tool("check-jsonschema", "--builtin-schema", schema, path, cwd=project)
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    assert workflow["jobs"], "the CI workflow defines no job"
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    assert compose["services"], "compose.yaml defines no service"
    assert all(checked.values()), checked

    # The chosen database server runs beside the app in CI and in compose.
    images_of = {"postgresql": ("postgres",), "mysql": ("mariadb", "mysql")}
    wanted = images_of.get(str(answers["database"]))
    if wanted:
        ci_images = [
            service.get("image", "")
            for job in workflow["jobs"].values()
            for service in (job.get("services") or {}).values()
        ]
        compose_images = [service.get("image", "") for service in compose["services"].values()]
        for images in (ci_images, compose_images):
            assert any(name in found for name in wanted for found in images), images


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_the_longest_name_and_a_long_description_lint_clean(tmp_path, framework):
    """The name and the description, each at its longest, land in code and docstrings:
    wrapped there, never past the projects' 100 columns (ruff's E501)."""
    name = " ".join(["Acme"] * 16) + "s"
    assert len(name) == 80  # the longest copier.yml accepts
    description = " ".join(["A description that goes on"] * 12)[:300]
    assert len(description) == 300  # the longest copier.yml accepts
    project = generate(
        tmp_path / "long",
        framework,
        project_name=name,
        project_slug="acme",
        description=description,
    )
    tool("ruff", "check", ".", cwd=project)
    tool("ruff", "format", "--check", ".", cwd=project)
