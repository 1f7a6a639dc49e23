"""Every feature can be added to a living project and removed again, keeping the user's edits.

For each feature of each framework (read from copier.yml, like the command):
generate the project without it and commit; edit every file the feature
touches, as a user would, and commit; `stackgen add` it; run the project's
own checks (migrations, tests, ruff) on the real services; commit;
`stackgen remove` it, and find exactly the project without it (whose checks the
matrix runs) plus the user's lines. The user's edits survive both ways.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.cli import run
from generator.features import features_of
from generator.questions import load_questions
from harness.projects import COPIER_YML, FRAMEWORKS, ProjectEnv, generate, servers_for
from tests.helpers import answers_of, check_django, check_flask, commit_all, edit_like_a_user

pytestmark = pytest.mark.slow

QUESTIONS = load_questions(COPIER_YML)
CASES = [
    pytest.param(framework, feature.name, id=f"{framework}-{feature.name}")
    for framework, template in FRAMEWORKS.items()
    for feature in features_of(QUESTIONS, template)
]
# A line a user adds at the top of a file, in that file's comment syntax.
COMMENTS = {".py": "# {}", ".toml": "# {}", ".md": "<!-- {} -->", ".yaml": "# {}", ".yml": "# {}"}


def touched_files(tmp_path: Path, framework: str, feature: str, name: str) -> list[str]:
    """The files both renderings have whose text the feature changes."""
    off = generate(tmp_path / "off" / name, framework, **{feature: False})
    on = generate(tmp_path / "on" / name, framework, **{feature: True})
    return sorted(
        str(path.relative_to(off))
        for path in off.rglob("*")
        if path.is_file()
        and path.suffix in COMMENTS
        and (on / path.relative_to(off)).is_file()
        and path.read_bytes() != (on / path.relative_to(off)).read_bytes()
        and path.name != ".copier-answers.yml"
    )


def edit(project: Path, files: list[str]) -> dict[str, str]:
    """Put a line of the user's at the top of each file; return the lines by file."""
    lines = {}
    for name in files:
        path = project / name
        line = COMMENTS[path.suffix].format(f"my own note in {name}")
        path.write_text(f"{line}\n{path.read_text()}")
        lines[name] = line
    return lines


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


def project_checks(framework: str, project: Path, switched: dict[str, object]) -> None:
    env = ProjectEnv()
    env.install(project)
    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")
    for database in ("instance/app.sqlite3", "db.sqlite3"):  # the checks start from scratch
        (project / database).unlink(missing_ok=True)
    with servers_for(switched, test_database=framework == "flask") as urls:
        if framework == "flask":
            check_flask(env, project, urls, switched)
        else:
            check_django(env, project, urls, switched)


@pytest.mark.parametrize(("framework", "feature"), CASES)
def test_add_then_remove_on_a_living_project(tmp_path, capsys, framework, feature):
    name = f"grown_{framework}"
    project = tmp_path / name
    argv = ["new", str(project), "--framework", framework, "--defaults"]
    assert run([*argv, "--data", f"{feature}=false"], interactive=False) == 0
    files = touched_files(tmp_path, framework, feature, name)
    assert files, f"{feature} changes no existing file: nothing to prove the merge with"
    mine = edit(project, files)
    commit_all(project, "my edits")
    capsys.readouterr()

    assert run(["add", feature, "-C", str(project)], interactive=False) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert f"Added {feature} to {project}" in out and "conflicted" not in out
    assert answers_of(project)[feature] is True
    for file, line in mine.items():
        assert (project / file).read_text().startswith(line + "\n"), file
    project_checks(framework, project, {**answers_of(project), feature: True})
    commit_all(project, f"add {feature}")

    assert run(["remove", feature, "-C", str(project)], interactive=False) == 0
    out = capsys.readouterr().out
    assert f"Removed {feature} from {project}" in out and "conflicted" not in out
    assert answers_of(project)[feature] is False
    for file, line in mine.items():
        assert (project / file).read_text().startswith(line + "\n"), file
    # Removed, it is the project without the feature plus the user's lines: the same
    # files, byte for byte, as a fresh rendering with it off, which the matrix runs.
    recorded = answers_of(project)
    identity = {key: recorded[key] for key in ("author_name", "author_email")}
    fresh = generate(tmp_path / "fresh" / name, framework, **{feature: False}, **identity)
    assert tracked(project) == tracked(fresh)
    for file in tracked(project) - {".copier-answers.yml"}:
        text = (project / file).read_bytes()
        if file in mine:
            text = text.removeprefix(f"{mine[file]}\n".encode())
        assert text == (fresh / file).read_bytes(), file


@pytest.mark.parametrize(("framework", "feature"), CASES)
def test_lines_users_add_at_the_end_merge_with_add_and_remove(tmp_path, capsys, framework, feature):
    """A line appended to the settings (and URLs, app factory, .env.example, pyproject.toml,
    compose.yaml), an entry appended to the lists users grow: each merges with the feature's
    own lines, which the templates keep away from those ends."""
    name = f"extended_{framework}"
    project = tmp_path / name
    argv = ["new", str(project), "--framework", framework, "--defaults"]
    assert run([*argv, "--data", f"{feature}=false"], interactive=False) == 0
    recorded = answers_of(project)
    edited = edit_like_a_user(project, framework, recorded["project_slug"])
    commit_all(project, "my lines at the end")
    identity = {key: recorded[key] for key in ("author_name", "author_email")}
    capsys.readouterr()

    for command, on in (("add", True), ("remove", False)):
        code = run([command, feature, "-C", str(project)], interactive=False)
        out = capsys.readouterr().out
        assert code == 0 and "conflicted" not in out, out
        # Exactly the project rendered that way with the same edits made to it.
        expected = generate(tmp_path / command / name, framework, **{feature: on}, **identity)
        edit_like_a_user(expected, framework, recorded["project_slug"])
        for file in edited:
            assert (project / file).read_text() == (expected / file).read_text(), file
        commit_all(project, f"{command} {feature}")
