"""Every file of every option combination is well-formed, run or not.

The matrix runs the code; files nothing here can run (compose files, the
GitHub Actions workflows, pre-commit configuration) must at least parse.
"""

from __future__ import annotations

import tomllib

import pytest
import yaml

from tests.projects import combination_id, generate, option_matrix

COMBINATIONS = option_matrix()


@pytest.mark.parametrize(
    ("framework", "answers"),
    COMBINATIONS,
    ids=[combination_id(framework, answers) for framework, answers in COMBINATIONS],
)
def test_every_file_parses(tmp_path, framework, answers):
    project = generate(tmp_path / "parsed", framework, **answers)
    checked = {".py": 0, ".toml": 0, ".yaml": 0}
    for path in sorted(project.rglob("*")):
        if not path.is_file() or ".git" in path.parts:
            continue
        name = str(path.relative_to(project))
        if path.suffix == ".py":
            compile(path.read_text(), name, "exec")
            checked[".py"] += 1
        elif path.suffix == ".toml":
            tomllib.loads(path.read_text())
            checked[".toml"] += 1
        elif path.suffix in {".yml", ".yaml"}:
            document = yaml.safe_load(path.read_text())
            assert isinstance(document, dict) and document, f"{name} is empty"
            checked[".yaml"] += 1
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
