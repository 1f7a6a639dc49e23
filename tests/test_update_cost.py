"""What an update costs per resource (issue 28, point 5), and that the fast way changes nothing.

``stackgen update``, ``add`` and ``remove`` render every resource old and new
before anything changes, run Copier's update on the starter's answers file
only, then merge the resources' files in one pass (``generator.merge``). The
result must be the very one Copier's own update of every answers file gives
(``copier_update_each``): the same tree, the same git status, the same
conflicts in git's index, the same answers files; and a stop at any moment
leaves the project at its last commit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import copier
import pytest

from generator import merge, resources, update
from generator.cli import run
from tests.helpers import (
    answers_of,
    commit_all,
    copier_update_each,
    generate_at_v1,
    git,
    make_v2,
    new_flask,
    untouched,
    work_tree,
)

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
    assert seen == [".copier-answers.yml"]  # the resources were merged without it

    copier_update_each(slow, answers_of(slow)["_commit"], {feature: True})

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


# Every resource's files change: template v2 adds a line to each resource's views.
V2_VIEWS_LINE = "# Template v2 was here."
EXERCISE = ["Exercise", "name:string:80", "reps:integer:optional"]


def resources_v2(template_repo: Path) -> None:
    make_v2(template_repo)
    views = next((template_repo / "templates" / "resource-flask-api").rglob("views.py.jinja"))
    views.write_text(views.read_text() + f"\n\n{V2_VIEWS_LINE}\n")
    commit_all(template_repo, "v2")
    git(template_repo, "tag", "v2")


@pytest.fixture
def three(template_repo: Path, tmp_path: Path) -> Path:
    """A project at v1 with three resources; your words in two resources' views, your line
    where v2 adds its own in a third's, and in the README; then v2 is released."""
    project = generate_at_v1(template_repo, tmp_path / "gym", "flask", project_name="gym")
    for spec in (COACH, WORKOUT, EXERCISE):
        assert run(["generate", "resource", *spec, "-C", str(project)], interactive=False) == 0
        commit_all(project, spec[0])
    package = project / "gym" / "resources"
    for plural in ("coaches", "workouts"):
        views = package / plural / "views.py"
        views.write_text(f"# My words about {plural}.\n" + views.read_text())
    views = package / "exercises" / "views.py"
    views.write_text(views.read_text() + "\n\n# My own line at the end.\n")
    readme = project / "README.md"
    readme.write_text("My words first.\n\n" + readme.read_text())
    commit_all(project, "my edits")
    resources_v2(template_repo)
    return project


def test_every_resource_changing_is_copiers_merge_of_each(three, tmp_path, capsys):
    """Your edits kept in two resources, a conflict in the third listed and unmerged in git's
    index: what Copier's own update of every answers file gives, byte for byte."""
    slow = tmp_path / "slow" / "gym"
    shutil.copytree(three, slow, symlinks=True)
    head = git(three, "rev-parse", "HEAD").strip()

    assert run(["update", "--defaults", "-C", str(three)], interactive=False) == 1
    copier_update_each(slow, "v2", {})

    assert work_tree(three) == work_tree(slow)
    assert git(three, "status", "--porcelain") == git(slow, "status", "--porcelain")
    assert git(three, "ls-files", "-u") == git(slow, "ls-files", "-u")
    assert git(three, "rev-parse", "HEAD").strip() == head
    package = three / "gym" / "resources"
    for plural in ("coaches", "workouts"):
        text = (package / plural / "views.py").read_text()
        assert text.startswith(f"# My words about {plural}.\n") and V2_VIEWS_LINE in text
    conflicted = (package / "exercises" / "views.py").read_text()
    assert "<<<<<<< before updating" in conflicted and "# My own line at the end." in conflicted
    stages = git(three, "ls-files", "-u", "gym/resources/exercises/views.py").splitlines()
    assert [line.split()[2] for line in stages] == ["1", "2", "3"]
    out = capsys.readouterr().out
    assert "conflicted (1): gym/resources/exercises/views.py" in out


def nth(at: int):
    return lambda seen: len(seen) == at


def another_resource(seen: list[tuple]) -> bool:
    """A file of a second resource is about to be merged: the first one's are written."""
    folders = [args[0].parent for args in seen if "resources" in args[0].parts]
    return len(set(folders)) == 2


STOPS = {  # where, when, and a file changed by then (None: nothing is)
    # The second resource's renderings.
    "rendering": (resources, "renderings", nth(2), None),
    # Copier's update of the starter's answers file, once it has written the new files.
    "starter": (update, "summarise", nth(1), "README.md"),
    # The merge, once the first resource's files are written and before the second's.
    "merging": (merge, "_read", another_resource, "gym/resources/coaches/views.py"),
    # Marking the conflicts in git's index, everything written.
    "recording": (merge, "record_conflicts", nth(1), "gym/resources/workouts/views.py"),
}


@pytest.mark.parametrize("stop", STOPS)
def test_update_stopped_anywhere_leaves_the_last_commit(three, monkeypatch, capsys, stop):
    """Ctrl-C at any moment of an update over three resources: the project is back at its
    last commit, and says so."""
    module, name, when, changed = STOPS[stop]
    original = getattr(module, name)
    seen: list[tuple] = []
    stopped_at: list[str] = []  # git's status then

    def stopping(*args, **kwargs):
        seen.append(args)
        if when(seen) and not stopped_at:
            stopped_at.append(git(three, "status", "--porcelain"))
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, stopping)
    head = git(three, "rev-parse", "HEAD").strip()
    before = work_tree(three)
    assert run(["update", "--defaults", "-C", str(three)], interactive=False) == 130
    assert "nothing was changed" in capsys.readouterr().err
    [status] = stopped_at
    assert (changed in status) if changed else not status
    assert untouched(three, head) and work_tree(three) == before


def test_a_refusal_in_one_of_several_resources_changes_nothing(three, capsys):
    """A symlink where the third resource's template writes a file: refused in one line,
    before the starter or the other resources are touched."""
    package = three / "gym" / "resources" / "exercises"
    (package / "views.py").unlink()
    (package / "views.py").symlink_to("schemas.py")
    commit_all(three, "a symlink")
    head = git(three, "rev-parse", "HEAD").strip()
    before = work_tree(three)
    assert run(["update", "--defaults", "-C", str(three)], interactive=False) == 1
    err = capsys.readouterr().err
    assert "views.py is a symlink" in err and "nothing was changed" in err
    assert untouched(three, head) and work_tree(three) == before
