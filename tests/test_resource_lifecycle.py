"""A resource's life after `generate`: regenerated with other fields, updated to a newer
template version, destroyed; each a three-way merge that keeps the user's edits, with the
guarantees of `stackgen update` (a clean tree, one command at a time, all or nothing)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from generator import merge, resources, update
from generator.cli import run
from generator.errors import StackgenError
from tests.helpers import (
    commit_all,
    generate_at_v1,
    git,
    make_v2,
    new_flask,
    one_line_error,
    untouched,
    work_tree,
)

COACH = ["Coach", "name:string:80", "level:integer:default=3:index"]
WORKOUT = ["Workout", "title:string", "coach:references", "notes:text:optional"]
MINE = '    """Create a workout: my own words."""\n'
NAME_LINE = "    name: Mapped[str] = mapped_column(String(80))\n"
MY_WORDS = "  # as the coach signs\n"


def stackgen(project: Path, *argv: str) -> int:
    return run([*argv, "-C", str(project)], interactive=False)


def generate(project: Path, *spec: str) -> int:
    return stackgen(project, "generate", "resource", *spec)


def recorded(project: Path, model: str) -> dict:
    return yaml.safe_load((project / resources.answers_file(model)).read_text())


def edit_views(project: Path) -> Path:
    """The user's own words in the workout views, committed."""
    views = project / "gym" / "resources" / "workouts" / "views.py"
    text = views.read_text()
    assert '    """Create a workout."""\n' in text
    views.write_text(text.replace('    """Create a workout."""\n', MINE))
    commit_all(project, "my words")
    return views


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project with a Coach and a Workout that references it, committed."""
    project = tmp_path_factory.mktemp("base") / "gym"
    assert new_flask(project) == 0
    for spec in (COACH, WORKOUT):
        assert generate(project, *spec) == 0
        commit_all(project, spec[0])
    return project


@pytest.fixture
def project(base: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "gym"
    shutil.copytree(base, copy, symlinks=True)
    return copy


def test_regenerate_merges_edits_and_migrates_just_the_change(project, capsys):
    views = edit_views(project)
    first = recorded(project, "Workout")["migrations"]
    capsys.readouterr()

    status = generate(
        project, "Workout", "title:string", "coach:references", "rating:integer:default=5"
    )

    assert status == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "add rating:integer:default=5; drop notes:text:optional" in out
    assert "notes is dropped with its values" in out
    assert MINE in views.read_text()
    assert "rating" in (project / "gym" / "resources" / "workouts" / "schemas.py").read_text()
    migrations = recorded(project, "Workout")["migrations"]
    assert migrations[:-1] == first  # the applied one is never rewritten
    change = (project / migrations[-1]).read_text()
    assert 'batch_op.drop_column("notes")' in change
    assert (
        'sa.Column("rating", sa.Integer(), nullable=False, server_default=sa.text("5"))' in change
    )
    assert 'batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))' in change
    assert git(project, "diff", "HEAD", "--stat", "--", first[0]) == ""


def test_the_same_fields_again_change_nothing(project, capsys):
    head = git(project, "rev-parse", "HEAD").strip()
    assert generate(project, *WORKOUT) == 0
    assert "nothing to change" in capsys.readouterr().out
    assert untouched(project, head)


def test_pretend_shows_the_change_and_writes_nothing(project, capsys):
    head = git(project, "rev-parse", "HEAD").strip()
    before = work_tree(project)
    capsys.readouterr()
    spec = ["Workout", "title:string:120", "coach:references:protect", "notes:text"]
    assert generate(project, *spec, "--pretend") == 0
    out = capsys.readouterr().out
    assert "change title:string to title:string:120" in out
    assert "change coach:references to coach:references:protect" in out
    assert "change notes:text:optional to notes:text" in out
    assert "update gym/resources/workouts/schemas.py" in out
    assert "_change_the_workouts_table.py" in out
    assert work_tree(project) == before and untouched(project, head)


def test_a_conflict_is_marked_listed_and_exit_1(project, capsys):
    schemas = project / "gym" / "resources" / "workouts" / "schemas.py"
    text = schemas.read_text()
    mine = text.replace(
        "notes: NullIfEmpty[Paragraphs] = None",
        "notes: NullIfEmpty[Annotated[Paragraphs, Field(max_length=10_000)]] = None",
        1,
    )
    assert mine != text
    schemas.write_text(mine)
    commit_all(project, "my notes field")
    capsys.readouterr()

    assert generate(project, "Workout", "title:string", "coach:references", "notes:text:max=3") != 0
    assert "max= is for numbers" in one_line_error(capsys.readouterr().err)
    assert (
        generate(project, "Workout", "title:string", "coach:references", "notes:string:optional")
        == 1
    )
    out = capsys.readouterr().out
    assert "could not be merged" in out and "gym/resources/workouts/schemas.py" in out
    assert "<<<<<<<" in schemas.read_text()
    assert "change notes:text:optional to notes:string:optional" in out


def test_refusals_change_nothing(project, capsys):
    head = git(project, "rev-parse", "HEAD").strip()
    cases = [
        (["generate", "resource", "Workouts", "name:string"], "reads as a plural"),
        (["generate", "resource", "Coach", "name:string", "--owned"], "not owned"),
        (["generate", "resource", "Coach", "name:string", "workout:references"], "back"),
        (["destroy", "resource", "Coach"], "Workout references Coach (its field coach)"),
        (["destroy", "resource", "Nothing"], "is not a resource of it"),
    ]
    for argv, words in cases:
        assert stackgen(project, *argv) == 1, argv
        assert words in one_line_error(capsys.readouterr().err)
        assert untouched(project, head)
    (project / "README.md").write_text("mine\n")
    assert stackgen(project, "destroy", "resource", "Workout") == 1
    assert "uncommitted changes" in one_line_error(capsys.readouterr().err)


def test_names_that_would_collide_are_refused_in_one_line(project, capsys):
    # The base project: Workout references Coach, so Coach.workouts lists its workouts.
    head = git(project, "rev-parse", "HEAD").strip()
    cases = [
        (
            ["Coach", "name:string:80", "coach:references"],
            'field "coach": a reference to Coach itself must be optional',
        ),
        (
            ["Coach", "name:string:80", "workouts:integer:optional"],
            'field "workouts": Coach.workouts lists the workouts that reference it '
            "(Workout's field coach); name the field otherwise",
        ),
        (["A", "title:string"], 'resource name "A": its plural "as" is a Python keyword'),
        (["Race", "page:integer"], 'field "page": page is a list query parameter'),
    ]
    for spec, words in cases:
        assert generate(project, *spec) == 1, spec
        assert words in one_line_error(capsys.readouterr().err)
        assert untouched(project, head)
    # Flask too: Tag's own field posts and Post's backref Tag.posts would be one name.
    assert generate(project, "Tag", "name:string", "posts:integer:optional") == 0
    commit_all(project, "Tag")
    head = git(project, "rev-parse", "HEAD").strip()
    capsys.readouterr()
    assert generate(project, "Post", "title:string", "tag:references") == 1
    assert one_line_error(capsys.readouterr().err) == (
        'stackgen: error: field "tag": Tag.posts would list these posts, but Tag has a field '
        "of that name"
    )
    assert untouched(project, head)


def test_check_reads_every_answers_file_as_update_and_destroy_do(project, capsys):
    name = resources.answers_file("Workout")
    answers = recorded(project, "Workout")
    answers["project_slug"] = "../../evil"
    (project / name).write_text(yaml.safe_dump(answers))
    commit_all(project, "a pull request")
    head = git(project, "rev-parse", "HEAD").strip()
    capsys.readouterr()

    assert stackgen(project, "check") == 2
    line = one_line_error(capsys.readouterr().err)
    assert line.startswith(f"stackgen: error: cannot tell: {name}: ") and "../../evil" in line
    for argv in (["update", "--defaults"], ["destroy", "resource", "Workout"]):
        assert stackgen(project, *argv) == 1
        line = one_line_error(capsys.readouterr().err)
        assert line.startswith(f"stackgen: error: {name}: ") and "../../evil" in line
        assert untouched(project, head)


def test_the_second_of_two_generates_names_the_first(project, capsys):
    """The first finishes while the second waits for the lock: the changes the second finds
    are the first one's, and it says so rather than blaming the user's tree."""
    import os
    import threading
    import time

    from generator.project import locked

    holding = threading.Event()

    def first() -> None:
        with locked(project):
            holding.set()
            time.sleep(0.5)
            (project / "gym" / "resources" / "left_by_the_first.py").write_text("")

    thread = threading.Thread(target=first)
    thread.start()
    holding.wait()
    try:
        assert generate(project, "Tag", "name:string") == 1
    finally:
        thread.join()
    assert one_line_error(capsys.readouterr().err) == (
        f"stackgen: error: another stackgen command (process {os.getpid()}) was working on "
        f"{project} and has left its changes uncommitted; review and commit what it did, then "
        "run again (nothing was changed)"
    )
    assert not (project / resources.answers_file("Tag")).exists()


def test_a_resource_whose_package_was_deleted_is_not_regenerated(project, capsys):
    shutil.rmtree(project / "gym" / "resources" / "workouts")
    commit_all(project, "deleted the workouts by hand")
    head = git(project, "rev-parse", "HEAD").strip()
    capsys.readouterr()

    assert generate(project, *WORKOUT, "rating:integer:optional") == 1

    assert one_line_error(capsys.readouterr().err) == (
        "stackgen: error: Workout's model file gym/resources/workouts/models.py is gone, so a "
        "regenerate would migrate a model that no longer exists: restore it from git (git "
        "checkout <commit> -- gym/resources/workouts), or `stackgen destroy resource Workout` "
        "then generate it again (nothing was changed)"
    )
    assert untouched(project, head)
    # The way back it names works: destroyed, then generated again.
    assert stackgen(project, "destroy", "resource", "Workout") == 0
    commit_all(project, "destroyed")
    assert generate(project, *WORKOUT) == 0
    assert (project / "gym" / "resources" / "workouts" / "models.py").is_file()


def test_a_new_resource_may_join_those_not_committed_yet(project, capsys, monkeypatch):
    assert generate(project, "Tag", "name:string") == 0
    capsys.readouterr()

    assert generate(project, "Badge", "title:string", "tag:references") == 0

    out = capsys.readouterr().out
    assert "Added the resource Badge" in out and "(7 files)" in out and "tags" not in out
    assert len(resources.heads(project)) == 1  # Badge's migration chains on Tag's
    # A regenerate is a three-way merge: it still needs a clean tree.
    before = work_tree(project)
    for spec in (["Tag", "name:string", "rank:integer:optional"], COACH):
        assert generate(project, *spec) == 1
        assert one_line_error(capsys.readouterr().err) == (
            f"stackgen: error: {spec[0]} is a resource of the project: regenerating it is a "
            "three-way merge that needs a clean tree; commit Badge, Tag first (nothing was "
            "changed)"
        )

    # Interrupted, the new one goes, and the uncommitted ones stay.
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(resources, "_write_migration", interrupted)
        assert generate(project, "Zone", "label:string") == 130
    assert "nothing was changed" in one_line_error(capsys.readouterr().err)
    assert work_tree(project) == before
    # Anything else uncommitted is still refused.
    (project / "notes.txt").write_text("mine\n")
    assert generate(project, "Zone", "label:string") == 1
    assert "has uncommitted changes" in one_line_error(capsys.readouterr().err)
    assert work_tree(project) == {**before, "notes.txt": b"mine\n"}


def test_destroy_keeps_what_you_changed_and_says_the_data_goes(project, capsys):
    views = edit_views(project)
    capsys.readouterr()

    assert stackgen(project, "destroy", "resource", "Workout") == 0

    out = capsys.readouterr().out
    assert "every row in it is deleted" in out
    assert "kept, as you changed them" in out and "gym/resources/workouts/views.py" in out
    assert MINE in views.read_text()
    assert not (project / "gym" / "resources" / "workouts" / "models.py").exists()
    assert not (project / "tests" / "test_workouts.py").exists()
    answers = recorded(project, "Workout")
    assert answers["resource"]["destroyed"] is True
    drop = (project / answers["migrations"][-1]).read_text()
    assert 'op.drop_table("workouts")' in drop and "op.create_table(" in drop  # downgrade
    commit_all(project, "destroyed")
    assert generate(project, "Zone", "label:string", "notes:text:optional") == 0
    commit_all(project, "Zone")
    capsys.readouterr()
    assert stackgen(project, "resources") == 0
    # A table by name, the destroyed last, its fields wrapped in their column.
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split() == ["RESOURCE", "URL", "READ", "AND", "WRITTEN", "BY", "FIELDS"]
    named = [row.split("  ")[0] for row in rows[1:] if row and not row.startswith(" ")]
    assert named[:3] == ["Coach", "Zone", "Workout (destroyed)"]
    zone = rows.index(next(row for row in rows if row.startswith("Zone ")))
    assert rows[zone].endswith("label:string") and rows[zone + 1].strip() == "notes:text:optional"
    assert "Zone: recorded in .copier-answers.resource-zone.yml; migrations:" in "\n".join(rows)
    # Coach is no longer referenced; Workout can come back, over the views it kept: both
    # sides wrote that file, so its merge is the user's to finish, and said so.
    assert generate(project, *WORKOUT) == 1
    out = capsys.readouterr().out
    assert "could not be merged" in out and "gym/resources/workouts/views.py" in out
    assert "<<<<<<<" in views.read_text() and MINE in views.read_text()
    assert (project / "gym" / "resources" / "workouts" / "models.py").exists()
    assert recorded(project, "Workout")["resource"].get("destroyed") is not True


def test_destroy_names_a_renamed_test_file_that_still_imports_the_resource(project, capsys):
    git(project, "mv", "tests/test_workouts.py", "tests/test_my_workouts.py")
    commit_all(project, "my name for the workouts' tests")
    capsys.readouterr()

    assert stackgen(project, "destroy", "resource", "Workout") == 0

    out = capsys.readouterr().out
    assert "Still importing the destroyed Workout's modules" in out
    assert "tests/test_my_workouts.py" in out
    assert (project / "tests" / "test_my_workouts.py").exists()  # the user's: never deleted
    assert "tests/test_coaches.py" not in out


def test_destroy_pretend_says_the_rows_go_and_names_the_migration_it_writes(project, capsys):
    head = git(project, "rev-parse", "HEAD").strip()
    capsys.readouterr()
    assert stackgen(project, "destroy", "resource", "Workout", "--pretend") == 0
    out = capsys.readouterr().out
    assert untouched(project, head)
    [created] = [
        line.split()[1]
        for line in out.splitlines()
        if line.startswith("  create ") and "_drop_the_workouts_table" in line
    ]
    assert (
        f"  note: applying {created} (`flask db upgrade`) drops the table workouts: every row in "
        "it is deleted" in out
    )

    assert stackgen(project, "destroy", "resource", "Workout") == 0
    assert recorded(project, "Workout")["migrations"][-1] == created
    assert f"Applying {created} (`flask db upgrade`) drops the table workouts" in (
        capsys.readouterr().out
    )


def test_an_interrupted_destroy_leaves_the_project_as_it_was(project, capsys, monkeypatch):
    edit_views(project)
    before = work_tree(project)
    head = git(project, "rev-parse", "HEAD").strip()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(update, "keep_edited_removals", interrupted)
    assert stackgen(project, "destroy", "resource", "Workout") == 130
    assert "nothing was changed" in one_line_error(capsys.readouterr().err)
    assert work_tree(project) == before and untouched(project, head)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        # Named by its target, a relation would follow it to a name the resource has.
        (
            ["coaches:many", "trainers:string"],
            "Plan has a field trainers already, which its field relating to Coach would be "
            "renamed to",
        ),
        (["coach:references", "trainer:string"], "Plan has a field trainer already"),
    ],
)
def test_a_rename_a_relation_cannot_follow_is_refused(project, capsys, fields, words):
    assert generate(project, "Plan", *fields) == 0
    commit_all(project, "Plan")
    head = git(project, "rev-parse", "HEAD").strip()
    capsys.readouterr()

    assert stackgen(project, "rename", "resource", "Coach", "Trainer") == 1

    assert words in one_line_error(capsys.readouterr().err)
    assert untouched(project, head)


@pytest.mark.parametrize("how", ["interrupted", "failed"])
def test_a_stopped_rename_leaves_the_project_as_it_was(project, capsys, monkeypatch, how):
    """Coach renamed Trainer, stopped as Workout follows it: Coach's files have moved and
    been committed by then (a step of stackgen's own); all of it is taken back."""
    views = edit_views(project)
    before = work_tree(project)
    head = git(project, "rev-parse", "HEAD").strip()
    stages = []

    def stopped(current, one):
        stages.append(
            (git(project, "status", "--porcelain"), git(project, "log", "-1", "--format=%s"))
        )
        if how == "interrupted":
            raise KeyboardInterrupt
        raise StackgenError("the disk is full")

    monkeypatch.setattr(resources, "apply", stopped)
    capsys.readouterr()

    status = stackgen(project, "rename", "resource", "Coach", "Trainer")

    line = one_line_error(capsys.readouterr().err)
    if how == "interrupted":
        assert status == 130 and "nothing was changed" in line
    else:
        assert status == 1 and "the disk is full" in line
    # When Workout began, the moves were a step commit of stackgen's own.
    [(changes, subject)] = stages
    assert changes == "" and subject.strip() == "stackgen rename: Coach to Trainer"
    assert work_tree(project) == before and untouched(project, head)
    assert MINE in views.read_text()
    assert (project / "gym" / "resources" / "coaches" / "models.py").is_file()
    assert not (project / "gym" / "resources" / "trainers").exists()


def test_a_rename_keeps_a_diagram_edited_by_hand_and_says_so(project, capsys):
    from generator import diagram

    drawn = project / diagram.PATH
    text = drawn.read_text()
    assert "Coach" in text
    drawn.write_text(text + "\nMy notes on the model.\n")
    commit_all(project, "my notes")
    capsys.readouterr()

    assert stackgen(project, "rename", "resource", "Coach", "Trainer") == 0

    out = capsys.readouterr().out
    assert diagram.NOTES["edited"] in out
    assert drawn.read_text() == text + "\nMy notes on the model.\n"


def resource_v2(template_repo: Path) -> None:
    """Template v2: the starter's usual changes, and a line in every resource's views."""
    make_v2(template_repo)
    views = next((template_repo / "templates" / "resource-flask-api").rglob("views.py.jinja"))
    views.write_text(views.read_text() + "\n\n# Template v2 was here.\n")
    commit_all(template_repo, "v2")
    git(template_repo, "tag", "v2")


@pytest.fixture
def at_v1(template_repo: Path, tmp_path: Path) -> Path:
    project = generate_at_v1(template_repo, tmp_path / "gym", "flask", project_name="gym")
    for spec in (COACH, WORKOUT):
        assert generate(project, *spec) == 0
        commit_all(project, spec[0])
    return project


def test_update_brings_every_resource_to_the_new_version(at_v1, template_repo, capsys, monkeypatch):
    project = at_v1
    views = edit_views(project)
    resource_v2(template_repo)
    before = work_tree(project)
    head = git(project, "rev-parse", "HEAD").strip()

    # Interrupted once the starter and both resources are merged, as the last step begins:
    # back at the last commit.
    calls = []

    def interrupted_at_the_end(*args, **kwargs):
        calls.append(git(project, "status", "--porcelain"))
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(merge, "record_conflicts", interrupted_at_the_end)
        assert stackgen(project, "update", "--defaults") == 130
    assert "nothing was changed" in one_line_error(capsys.readouterr().err)
    [status] = calls
    assert "README.md" in status and "gym/resources/coaches/views.py" in status
    assert work_tree(project) == before and untouched(project, head)

    assert stackgen(project, "update", "--defaults") == 0

    out = capsys.readouterr().out
    assert "Its resources too: Coach, Workout." in out
    text = views.read_text()
    assert MINE in text and "# Template v2 was here." in text
    coach = project / "gym" / "resources" / "coaches" / "views.py"
    assert "# Template v2 was here." in coach.read_text()
    assert all(recorded(project, m)["_commit"] == "v2" for m in ("Coach", "Workout"))
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2"
    assert (project / "CONTRIBUTING.md").exists()
    assert git(project, "rev-parse", "HEAD").strip() == head  # no commit of ours is left
    assert git(project, "status", "--porcelain")


def test_an_update_with_resources_leaves_git_as_a_plain_update_does(at_v1, template_repo, capsys):
    """Every change unstaged (so `git diff` shows it all), new files untracked, and the files
    that could not be merged, the starter's and the resources', unmerged in the index."""
    project = at_v1
    views = edit_views(project)
    views.write_text(views.read_text() + "\n\n# My own line at the end.\n")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nMy own line at the end.\n")
    commit_all(project, "my lines where v2 adds its own")
    resource_v2(template_repo)
    head = git(project, "rev-parse", "HEAD").strip()

    assert stackgen(project, "update", "--defaults") == 1

    assert git(project, "rev-parse", "HEAD").strip() == head
    status = dict(
        (line[3:], line[:2]) for line in git(project, "status", "--porcelain").splitlines()
    )
    assert status["README.md"] == "UU"
    assert status["gym/resources/workouts/views.py"] == "UU"
    assert status["gym/resources/coaches/views.py"] == " M"
    assert status[".copier-answers.resource-coach.yml"] == " M"
    assert status["CONTRIBUTING.md"] == "??"
    staged = [name for name, code in status.items() if code[0] not in " ?U"]
    assert staged == [], status
    stages = git(project, "ls-files", "-u", "gym/resources/workouts/views.py").splitlines()
    assert [line.split()[2] for line in stages] == ["1", "2", "3"]
    out = capsys.readouterr().out
    assert "gym/resources/workouts/views.py, README.md" in out


@pytest.mark.slow
def test_round_trip_on_an_edited_project_with_rows_on_postgresql(template_repo, tmp_path, capsys):
    """generate; edit a resource's file and a shared one; regenerate with a field added and
    one removed; update to a newer template version; destroy. The edits survive each step,
    and the migrations run forwards and backwards on the real PostgreSQL with rows in them."""
    from harness import services
    from harness.projects import ProjectEnv

    project = generate_at_v1(
        template_repo, tmp_path / "gym", "flask", project_name="gym", database="postgresql"
    )
    for spec in (COACH, WORKOUT):
        assert generate(project, *spec) == 0
        commit_all(project, spec[0])
    views = edit_views(project)
    config = project / "gym" / "config.py"
    config.write_text(config.read_text() + '\n\nMY_SETTING = "mine"\n')
    commit_all(project, "my setting")
    env = ProjectEnv()
    env.install(project)

    with services.database("postgresql") as url:
        name = url.rsplit("/", 1)[1]
        dev = {"SECRET_KEY": "k" * 40, "DATABASE_URL": url}

        def flask(*argv: str) -> str:
            result = env.run(project, "flask", *argv, env=dev)
            return result.stdout + result.stderr

        def sql(text: str) -> str:
            return services.psql(text, name).strip()

        flask("db", "upgrade")
        sql(
            "INSERT INTO coaches (name, level, created_at, updated_at) "
            "VALUES ('Ann', 4, now(), now())"
        )
        sql(
            "INSERT INTO workouts (title, coach_id, notes, created_at, updated_at) "
            "SELECT 'Run', id, 'easy', now(), now() FROM coaches"
        )

        # Regenerate: rating added (the rows take its default), notes dropped.
        spec = ["Workout", "title:string", "coach:references", "rating:integer:default=5"]
        assert generate(project, *spec) == 0
        commit_all(project, "rating, no notes")
        flask("db", "upgrade")
        assert sql("SELECT title, rating FROM workouts") == "Run|5"
        assert "No new upgrade operations detected" in flask("db", "check")

        # Rename: title to name, a column renamed with its values (not a drop and an add).
        capsys.readouterr()
        spec = ["Workout", "name:string:renamed_from=title", *spec[2:]]
        assert generate(project, *spec) == 0
        out = capsys.readouterr().out
        assert "Regenerated the resource Workout in" in out and "title renamed to name" in out
        assert "dropped" not in out and MINE in views.read_text()
        assert "renamed_from" not in (project / resources.answers_file("Workout")).read_text()
        commit_all(project, "title is name")
        flask("db", "upgrade")
        assert sql("SELECT name, rating FROM workouts") == "Run|5"
        assert "No new upgrade operations detected" in flask("db", "check")

        # Coach renamed Trainer: its table with its rows; Workout's reference follows it.
        assert stackgen(project, "rename", "resource", "Coach", "Trainer") == 0
        assert MINE in views.read_text()
        commit_all(project, "coaches are trainers")
        flask("db", "upgrade")
        joined = "SELECT w.name, t.name FROM workouts w JOIN trainers t ON t.id = w.trainer_id"
        assert sql(joined) == "Run|Ann"
        assert "No new upgrade operations detected" in flask("db", "check")

        # A newer template version reaches the resources; every edit is still there.
        resource_v2(template_repo)
        assert stackgen(project, "update", "--defaults") == 0
        commit_all(project, "v2")
        assert "# Template v2 was here." in views.read_text() and MINE in views.read_text()
        assert config.read_text().endswith('MY_SETTING = "mine"\n')

        # Destroy: the edited views stay (unwired: the package has no __init__.py left).
        assert stackgen(project, "destroy", "resource", "Workout") == 0
        commit_all(project, "no workouts")
        assert MINE in views.read_text() and not (views.parent / "__init__.py").exists()
        flask("db", "upgrade")
        assert sql("SELECT to_regclass('workouts') IS NULL") == "t"
        assert sql("SELECT name FROM trainers") == "Ann"
        assert "No new upgrade operations detected" in flask("db", "check")

        # Backwards, one migration at a time, with a row in each table it changes.
        create, change, *_, drop = (
            Path(name).name.split("_", 1)[0] for name in recorded(project, "Workout")["migrations"]
        )
        # The table comes back, empty; name is title again, trainers are coaches.
        flask("db", "downgrade", change)
        sql(
            "INSERT INTO workouts (title, coach_id, rating, created_at, updated_at) "
            "SELECT 'Swim', id, 2, now(), now() FROM coaches"
        )
        flask("db", "downgrade", create)  # rating dropped, notes back
        assert sql("SELECT title, notes IS NULL FROM workouts") == "Swim|t"
        flask("db", "downgrade", "5e0a7c9b1d24")  # before any resource
        assert sql("SELECT to_regclass('coaches') IS NULL") == "t"
        flask("db", "upgrade")
        assert drop in flask("db", "current")
        assert (
            sql("SELECT to_regclass('workouts') IS NULL, to_regclass('trainers') IS NULL") == "t|f"
        )
    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")


def test_an_update_records_who_writes_a_resource_made_before_and_locks_nobody_out(project, capsys):
    for model in ("Coach", "Workout"):  # as a stackgen before writers were recorded wrote them
        path = project / resources.answers_file(model)
        answers = yaml.safe_load(path.read_text())
        for key in ("writers", "scope", "constraints"):
            del answers["resource"][key]
        path.write_text(yaml.safe_dump(answers, sort_keys=False))
    commit_all(project, "made by an older stackgen")

    assert stackgen(project, "update", "--defaults") == 0

    out = capsys.readouterr().out
    assert "Its resources too: Coach, Workout." in out
    assert "Note: Coach keeps the write rule it had" in out
    assert "--writers staff" in out
    assert "the database does not check the fields' rules of Coach, Workout yet" in out
    for model in ("Coach", "Workout"):
        assert recorded(project, model)["resource"]["writers"] == "users"
    commit_all(project, "updated")

    assert generate(project, *COACH, "--writers", "staff") == 0

    assert "its code only, no column changes" in capsys.readouterr().out
    assert recorded(project, "Coach")["resource"]["writers"] == "staff"
    assert len(recorded(project, "Coach")["migrations"]) == 1  # no migration for who writes


def test_a_new_shared_resource_is_written_by_staff_and_says_so(project, capsys):
    assert recorded(project, "Coach")["resource"]["writers"] == "staff"

    assert stackgen(project, "resources") == 0

    out = capsys.readouterr().out
    [coach] = [row for row in out.splitlines() if row.startswith("Coach ")]
    assert "  signed-in users read, staff write  " in coach
    assert generate(project, "Plan", "title:string", "--owned", "--writers", "users") != 0
    assert "their owners write them" in one_line_error(capsys.readouterr().err)


def test_a_resource_made_before_check_constraints_gets_them_when_regenerated(project, capsys):
    rules = ["Score", "points:integer:min=0:max=10", "grade:choice:a/b", "note:string"]
    assert generate(project, *rules) == 0
    path = project / resources.answers_file("Score")
    answers = yaml.safe_load(path.read_text())
    del answers["resource"]["constraints"]  # as a stackgen before CHECK constraints wrote it
    path.write_text(yaml.safe_dump(answers, sort_keys=False))
    models = project / "gym" / "resources" / "scores" / "models.py"  # without the CHECKs
    text = models.read_text().replace("CheckConstraint, ", "")
    start = text.index("    # The database refuses")
    models.write_text(text[:start] + text[text.index("    )\n", start) + 6 :])
    commit_all(project, "made by an older stackgen")
    capsys.readouterr()

    assert generate(project, *rules) == 0

    out = capsys.readouterr().out
    assert "check points:integer:min=0:max=10 in the database" in out
    assert "check grade:choice:a/b in the database" in out
    migration = project / recorded(project, "Score")["migrations"][-1]
    text = migration.read_text()
    assert text.count("batch_op.create_check_constraint(") == 2, text
    assert "points >= 0 AND points <= 10" in text and "grade IN ('a', 'b')" in text
    assert text.count('batch_op.drop_constraint(batch_op.f("ck_scores_') == 2  # downgrade
    assert "note" not in text
    assert models.read_text().count("CheckConstraint(") == 2


def test_an_owned_resource_made_before_its_owner_index_gets_it_when_regenerated(project, capsys):
    plan = ["Plan", "title:string", "--owned"]
    assert generate(project, *plan) == 0
    path = project / resources.answers_file("Plan")
    answers = yaml.safe_load(path.read_text())
    del answers["resource"]["owner_index"]  # as a stackgen before the (owner, id) index wrote it
    path.write_text(yaml.safe_dump(answers, sort_keys=False))
    models = project / "gym" / "resources" / "plans" / "models.py"
    [created] = recorded(project, "Plan")["migrations"]
    for made in (models, project / created):  # without the index
        lines = made.read_text().splitlines(keepends=True)
        kept = [line for line in lines if "_by_owner" not in line and "one index" not in line]
        made.write_text("".join(kept).replace("ForeignKey, Index,", "ForeignKey,"))
    commit_all(project, "made by an older stackgen")
    capsys.readouterr()

    assert generate(project, *plan) == 0

    migration = project / recorded(project, "Plan")["migrations"][-1]
    text = migration.read_text()
    assert 'op.create_index(op.f("ix_plans_by_owner"), "plans", ["owner_id", "id"]' in text
    assert 'op.drop_index(op.f("ix_plans_by_owner"), table_name="plans")' in text
    assert "batch_op" not in text  # no column changed
    assert 'Index("ix_plans_by_owner", "owner_id", "id")' in models.read_text()
    assert recorded(project, "Plan")["resource"]["owner_index"] is True


@pytest.mark.slow
def test_rename_resource_keeps_rows_edits_and_references_on_sqlite(project, capsys):
    """Coach renamed Trainer on a database with rows: the table is renamed (its rows and its
    index kept), its files move with the user's words, Workout's reference follows (coach_id
    becomes trainer_id, the same row), and the project's own checks pass."""
    from harness.projects import ProjectEnv

    models = project / "gym" / "resources" / "coaches" / "models.py"
    text = models.read_text()
    assert text.count(NAME_LINE) == 1
    models.write_text(text.replace(NAME_LINE, NAME_LINE.rstrip("\n") + MY_WORDS))
    views = edit_views(project)  # Workout's, which follows
    env = ProjectEnv()
    env.install(project)
    dev = {"SECRET_KEY": "k" * 40}

    def sql(query: str) -> str:
        code = (
            "import sqlite3, sys; db = sqlite3.connect('instance/app.sqlite3'); "
            "rows = db.execute(sys.argv[1]).fetchall(); db.commit(); print(rows)"
        )
        return env.run(project, "python", "-c", code, query).stdout.strip()

    env.run(project, "flask", "db", "upgrade", env=dev)
    sql(
        "INSERT INTO coaches (name, level, created_at, updated_at) "
        "VALUES ('Ann', 4, '2026-01-01', '2026-01-01')"
    )
    sql(
        "INSERT INTO workouts (title, coach_id, created_at, updated_at) "
        "SELECT 'Run', id, '2026-01-01', '2026-01-01' FROM coaches"
    )
    head = git(project, "rev-parse", "HEAD")
    capsys.readouterr()
    assert stackgen(project, "rename", "resource", "Coach", "Trainer", "--pretend") == 0
    out = capsys.readouterr().out
    assert "  rename the table coaches to trainers, with its rows\n" in out
    assert "  move gym/resources/coaches/models.py to gym/resources/trainers/models.py\n" in out
    assert "  regenerate Workout: coach renamed to trainer\n" in out
    assert untouched(project, head.strip())
    for bad in (["Coach", "Workout"], ["Coach", "trainers"], ["Nobody", "Trainer"]):
        assert stackgen(project, "rename", "resource", *bad) != 0
        one_line_error(capsys.readouterr().err)
        assert untouched(project, head.strip())

    assert stackgen(project, "rename", "resource", "Coach", "Trainer") == 0
    out = capsys.readouterr().out
    assert "Renamed the resource Coach to Trainer in" in out
    assert "Workout: coach renamed to trainer" in out
    assert not (project / "gym" / "resources" / "coaches").exists()
    moved = (project / "gym" / "resources" / "trainers" / "models.py").read_text()
    assert "class Trainer(" in moved and NAME_LINE.rstrip("\n") + MY_WORDS in moved
    assert MINE in views.read_text() and "trainer_id" in views.read_text()
    assert not (project / resources.answers_file("Coach")).exists()
    assert recorded(project, "Trainer")["resource"]["plural"] == "trainers"
    commit_all(project, "coaches are trainers")

    env.run(project, "flask", "db", "upgrade", env=dev)
    joined = (
        "SELECT w.title, t.name, t.level FROM workouts w JOIN trainers t ON t.id = w.trainer_id"
    )
    assert sql(joined) == "[('Run', 'Ann', 4)]"
    assert sql("SELECT name FROM sqlite_master WHERE name = 'ix_trainers_level'") == (
        "[('ix_trainers_level',)]"
    )
    check = env.run(project, "flask", "db", "check", env=dev)
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")
    suite = [
        "tests/test_trainers.py",
        "tests/test_workouts.py",
        "--no-cov",
        "-p",
        "no:cacheprovider",
    ]
    result = env.run(project, "python", "-m", "pytest", "-q", *suite)
    assert " passed" in result.stdout and "failed" not in result.stdout, result.stdout


def test_a_many_field_comes_and_goes_with_its_join_table(project, capsys):
    """Added on a regenerate, its migration makes just the join table; while it relates to
    its target, the target cannot be destroyed; dropped, its migration drops the table."""
    assert generate(project, "Plan", "name:string") == 0
    commit_all(project, "Plan")
    capsys.readouterr()

    assert generate(project, "Plan", "name:string", "coaches:many") == 0
    added = recorded(project, "Plan")["migrations"][-1]
    upgrade = (project / added).read_text().partition("def downgrade")[0]
    assert 'op.create_table(\n        "plans_coaches",' in upgrade
    assert "batch_alter_table" not in upgrade  # the plans table is left as it is
    commit_all(project, "Plan coaches")
    assert stackgen(project, "resources") == 0
    assert "name:string coaches:many" in capsys.readouterr().out

    head = git(project, "rev-parse", "HEAD").strip()
    assert stackgen(project, "destroy", "resource", "Coach") == 1
    assert "Plan relates to Coach (its field coaches)" in one_line_error(capsys.readouterr().err)
    assert untouched(project, head)

    assert generate(project, "Plan", "name:string") == 0
    dropped = recorded(project, "Plan")["migrations"][-1]
    assert 'op.drop_table("plans_coaches")' in (project / dropped).read_text()
    assert "coaches is dropped with the rows it relates" in capsys.readouterr().out
