"""Every feature can be added to a living project and removed again, keeping the user's edits.

For each feature of each framework (read from copier.yml, like the command):
generate the project without it; edit it as a user would, a line at the top of
every file the feature touches and lines at the ends users grow (settings,
URLs, app factory, pyproject.toml, ...), and commit; `stackgen add` it; find
exactly the project rendered with it plus the same edits, byte for byte, lint
clean; `stackgen remove` it; find exactly the project without it plus the edits.

Both renderings are combinations whose every pair of options the generation
matrix runs on the real services (tests/test_matrix.py), so the merged project
is proven by its twin instead of by running its suite once more here (typescript_client,
outside the matrix, changes no Python file; tests/test_typescript_client.py runs its client).
A feature that needs another (Django's typescript_client: api) starts with that one on.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.cli import run
from generator.features import features_of
from generator.questions import depends_on, load_questions
from harness.projects import COPIER_YML, FRAMEWORKS, ProjectEnv, generate
from tests.helpers import answers_of, commit_all, edit_like_a_user

pytestmark = pytest.mark.slow

QUESTIONS = load_questions(COPIER_YML)
CASES = [
    pytest.param(framework, feature.name, id=f"{framework}-{feature.name}")
    for framework, template in FRAMEWORKS.items()
    for feature in features_of(QUESTIONS, template)
]
# A line a user adds at the top of a file, in that file's comment syntax.
COMMENTS = {".py": "# {}", ".toml": "# {}", ".md": "<!-- {} -->", ".yaml": "# {}", ".yml": "# {}"}


def renderings(tmp_path: Path, framework: str, feature: str, name: str, **answers: object):
    """The project rendered without ``feature`` and with it, and the files whose text it changes
    (files both have, in a syntax a user's comment line can go in)."""
    off = generate(tmp_path / "off" / name, framework, **{feature: False}, **answers)
    on = generate(tmp_path / "on" / name, framework, **{feature: True}, **answers)
    touched = sorted(
        str(path.relative_to(off))
        for path in off.rglob("*")
        if path.is_file()
        and path.suffix in COMMENTS
        and (on / path.relative_to(off)).is_file()
        and path.read_bytes() != (on / path.relative_to(off)).read_bytes()
        and path.name != ".copier-answers.yml"
    )
    return off, on, touched


def edit(project: Path, files: list[str]) -> None:
    """Put a line of the user's at the top of each file."""
    for name in files:
        path = project / name
        line = COMMENTS[path.suffix].format(f"my own note in {name}")
        path.write_text(f"{line}\n{path.read_text()}")


def tracked(project: Path) -> set[str]:
    """The files of ``project`` that git would commit (a folder outside git: all of them)."""
    if not (project / ".git").exists():
        return {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {name for name in listing.split("\0") if name and (project / name).is_file()}


def assert_same_files(project: Path, expected: Path) -> None:
    assert tracked(project) == tracked(expected)
    for file in sorted(tracked(project) - {".copier-answers.yml"}):
        assert (project / file).read_bytes() == (expected / file).read_bytes(), file


@pytest.mark.parametrize(("framework", "feature"), CASES)
def test_add_then_remove_on_a_living_project(tmp_path, capsys, framework, feature):
    name = f"grown_{framework}"
    project = tmp_path / name
    argv = ["new", str(project), "--framework", framework, "--defaults"]
    # What the feature needs on (Django's typescript_client: api), on from the start.
    needs = {need: True for need in depends_on(QUESTIONS[feature], FRAMEWORKS[framework])}
    for need in needs:
        argv += ["--data", f"{need}=true"]
    assert run([*argv, "--data", f"{feature}=false"], interactive=False) == 0
    recorded = answers_of(project)
    identity = {key: recorded[key] for key in ("author_name", "author_email")}
    off, on, touched = renderings(tmp_path, framework, feature, name, **identity, **needs)
    assert touched, f"{feature} changes no existing file: nothing to prove the merge with"

    def as_the_user_has_it(rendering: Path) -> Path:
        edit(rendering, touched)
        edit_like_a_user(rendering, framework, recorded["project_slug"])
        return rendering

    as_the_user_has_it(project)
    commit_all(project, "my edits")
    capsys.readouterr()

    assert run(["add", feature, "-C", str(project)], interactive=False) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert f"Added {feature} to {project}" in out and "conflicted" not in out, out
    assert answers_of(project)[feature] is True
    assert_same_files(project, as_the_user_has_it(on))
    env = ProjectEnv()
    env.install(project)
    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")
    commit_all(project, f"add {feature}")

    assert run(["remove", feature, "-C", str(project)], interactive=False) == 0
    out = capsys.readouterr().out
    assert f"Removed {feature} from {project}" in out and "conflicted" not in out, out
    assert answers_of(project)[feature] is False
    assert_same_files(project, as_the_user_has_it(off))
