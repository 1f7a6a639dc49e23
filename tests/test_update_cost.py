"""What an update costs per resource (issue 28, point 5), and that the shortcut changes nothing.

A resource whose rendering an update leaves as it was (its answers file aside)
gets only its new answers file, without Copier's merge (``update.check_writable``
says so). The result must be the very one Copier's merge gives: the same tree,
the same git status, the same answers files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import copier
import pytest

from generator import update
from generator.cli import run
from tests.helpers import commit_all, git, new_flask, untouched, work_tree

COACH = ["Coach", "name:string:80", "level:integer:default=3:index"]
WORKOUT = ["Workout", "title:string", "coach:references", "notes:text:optional"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with two resources, one of their files and the README edited, committed."""
    project = tmp_path_factory.mktemp("cost") / "gym"
    assert new_flask(project) == 0
    for spec in COACH, WORKOUT:
        assert run(["generate", "resource", *spec, "-C", str(project)], interactive=False) == 0
        commit_all(project, spec[0])
    views = project / "gym" / "resources" / "workouts" / "views.py"
    views.write_text(views.read_text() + "\n# my own line\n")
    readme = project / "README.md"
    readme.write_text("My words first.\n\n" + readme.read_text())
    commit_all(project, "my edits")
    return project


def copies(base: Path, tmp_path: Path) -> tuple[Path, Path]:
    fast, slow = tmp_path / "fast" / "gym", tmp_path / "slow" / "gym"
    for dest in fast, slow:
        shutil.copytree(base, dest, symlinks=True)
    return fast, slow


def counted_updates(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The answers files Copier's own update runs on."""
    seen: list[str] = []
    original = copier.run_update

    def run_update(*args, **kwargs):
        seen.append(kwargs.get("answers_file") or ".copier-answers.yml")
        return original(*args, **kwargs)

    monkeypatch.setattr(copier, "run_update", run_update)
    return seen


@pytest.mark.parametrize("feature", ["analytics", "sentry"])
def test_add_is_what_copiers_merge_of_every_answers_file_gives(
    base, tmp_path, monkeypatch, feature
):
    fast, slow = copies(base, tmp_path)
    seen = counted_updates(monkeypatch)
    assert run(["add", feature, "-C", str(fast)], interactive=False) == 0
    assert seen == [".copier-answers.yml"]  # the resources took the shortcut

    checked = update.check_writable

    def never_alone(*args):
        checked(*args)  # its refusals still apply

    monkeypatch.setattr(update, "check_writable", never_alone)
    seen.clear()
    assert run(["add", feature, "-C", str(slow)], interactive=False) == 0
    assert len(seen) == 3  # each resource, then the starter, through Copier's merge

    assert work_tree(fast) == work_tree(slow)
    assert git(fast, "status", "--porcelain") == git(slow, "status", "--porcelain")
    answers = (fast / ".copier-answers.resource-workout.yml").read_text()
    assert f"{feature}: true" in answers
    views = fast / "gym" / "resources" / "workouts" / "views.py"
    assert views.read_text().endswith("# my own line\n")


def test_a_resource_whose_rendering_changes_goes_through_copiers_merge(base, tmp_path, monkeypatch):
    """Regenerating a resource with other fields changes its files: Copier merges them."""
    fast, _ = copies(base, tmp_path)
    seen = counted_updates(monkeypatch)
    spec = [*WORKOUT, "rating:integer:optional"]
    assert run(["generate", "resource", *spec, "-C", str(fast)], interactive=False) == 0
    assert seen == [".copier-answers.resource-workout.yml"]
    views = fast / "gym" / "resources" / "workouts" / "views.py"
    assert views.read_text().endswith("# my own line\n")


@pytest.mark.parametrize("shortcut", [True, False])
@pytest.mark.parametrize("stop_at", [1, 2, 3])
def test_add_stopped_after_a_step_leaves_the_last_commit(
    base, tmp_path, monkeypatch, capsys, stop_at, shortcut
):
    """Ctrl-C once a resource's step is done (with the shortcut or Copier's merge), or in the
    starter's: the project is back at its last commit, and says so."""
    from generator import resources

    fast, _ = copies(base, tmp_path)
    if not shortcut:
        checked = update.check_writable
        monkeypatch.setattr(update, "check_writable", lambda *args: checked(*args) and None)
    head = git(fast, "rev-parse", "HEAD").strip()
    steps: list[str] = []
    original = resources._step_commit

    def step_commit(path, message):
        steps.append(message)
        if len(steps) == stop_at:
            raise KeyboardInterrupt
        original(path, message)

    monkeypatch.setattr(resources, "_step_commit", step_commit)
    if stop_at == 3:  # both resources done: stop in the starter's Copier update
        monkeypatch.setattr(
            update, "summarise", lambda path: (_ for _ in ()).throw(KeyboardInterrupt)
        )
    assert run(["add", "analytics", "-C", str(fast)], interactive=False) == 130
    assert "nothing was changed" in capsys.readouterr().err
    assert untouched(fast, head)
