"""Every file of every option combination is well-formed, run or not.

The matrix runs the code; files nothing here can run (compose files, the
GitHub Actions workflows, pre-commit configuration) must at least parse.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from tests.projects import combination_id, generate, option_matrix, parse_every_file

COMBINATIONS = option_matrix()


@pytest.mark.parametrize(
    ("framework", "answers"),
    COMBINATIONS,
    ids=[combination_id(framework, answers) for framework, answers in COMBINATIONS],
)
def test_every_file_parses(tmp_path, framework, answers):
    project = generate(tmp_path / "parsed", framework, **answers)
    checked = parse_every_file(project)
    # The lock matches this combination's pyproject.toml exactly (no network needed).
    locked = subprocess.run(
        [sys.executable, "-m", "uv", "lock", "--check", "--offline"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert locked.returncode == 0, locked.stderr
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
