"""The data model as one file: model.yml read and checked, the plan against the recorded
resources, `stackgen model apply|export|diagram`, `stackgen new --model`, and
docs/model.md kept current (a generated file whose hand edits are kept and reported)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from generator import diagram, fields, model, resources
from generator.cli import run
from generator.errors import StackgenError
from tests.helpers import (
    commit_all,
    git,
    new_flask,
    new_project,
    one_line_error,
    resource_tests,
    untouched,
    work_tree,
)

# The fitness model, in the file's order: ExerciseSet first, so the plan must order
# the references itself.
FITNESS = """\
# The gym's data model.
resources:
  ExerciseSet:
    fields:
      workout: references
      exercise: references:protect
      reps: integer:min=1
      weight_kg: decimal:6.2:optional
  Workout:
    owned: true
    fields:
      name: string:120
      duration_minutes: integer:min=1
      performed_on: date
      performed_at: datetime:optional
      notes: text:optional
      coach: references:to=User:optional
  Exercise:
    writers: staff
    fields:
      title: string:unique
      category: choice:strength/cardio/mobility
      parent: references:to=Exercise:optional
"""
# The same model as `generate` takes it, one resource a command.
FITNESS_LINES = [
    "Workout name:string:120 duration_minutes:integer:min=1 performed_on:date "
    "performed_at:datetime:optional notes:text:optional coach:references:to=User:optional --owned",
    "Exercise title:string:unique category:choice:strength/cardio/mobility "
    "parent:references:to=Exercise:optional",
    "ExerciseSet workout:references exercise:references:protect reps:integer:min=1 "
    "weight_kg:decimal:6.2:optional",
]
MINE = '    """Create a workout: my own words."""\n'


def edited(text: str, *, add: str = "", drop: str = "") -> str:
    """The model file with a field line added after Workout's notes and a resource removed."""
    if add:
        text = text.replace("      notes: text:optional\n", f"      notes: text:optional\n{add}")
    if drop:
        lines = text.splitlines(keepends=True)
        start = lines.index(f"  {drop}:\n")
        end = start + 1
        while end < len(lines) and lines[end].startswith("    "):  # the resource's own lines
            end += 1
        text = "".join(lines[:start] + lines[end:])
    return text


def recorded_from(text: str, template: str = "flask-api") -> dict:
    """Resources as a project records them after applying ``text`` (what plan reads)."""
    return model.desired(model.parse(text), template)


# Reading and checking: pure.


def test_the_file_reads_as_the_command_line_writes_fields():
    read = model.parse(FITNESS)
    by_name = read.by_name()
    assert by_name["Workout"].owned and by_name["Exercise"].writers == "staff"
    assert by_name["ExerciseSet"].specs == (
        "workout:references",
        "exercise:references:protect",
        "reps:integer:min=1",
        "weight_kg:decimal:6.2:optional",
    )
    assert model.reference_order(read) == ["Workout", "Exercise", "ExerciseSet"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("resources: [a\n", "model.yml is not valid YAML (line 2)"),
        ("", "model.yml is empty"),
        ("- Workout\n", "must hold a mapping with `resources:`"),
        ("models: {}\n", "model.yml line 1: unknown key 'models'"),
        ("resources:\n", "`resources:` holds each resource by name"),
        (
            "resources:\n  Workout:\n    fields:\n      name: strng\n",
            'model.yml line 2, resource Workout: field "name": unknown type "strng"',
        ),
        (
            "resources:\n  Workout:\n    fields:\n      n: integer:min=5:max=1\n",
            'resource Workout: field "n": min= is greater than max=',
        ),
        (
            "resources:\n  Workout:\n    fields:\n      name: string\n      name: text\n",
            "model.yml line 5: 'name' is named twice",
        ),
        (
            "resources:\n  Workout:\n    fields: {a: string}\n  Workout:\n    fields: {b: text}\n",
            "model.yml line 4: 'Workout' is named twice",
        ),
        (
            "resources:\n  Workouts:\n    fields:\n      name: string\n",
            'resource Workouts: resource name "Workouts" reads as a plural',
        ),
        (
            "resources:\n  Workout:\n    owned: yes\n    fields: {name: string}\n",
            "resource Workout: owned is true or false, written so (not 'yes')",
        ),
        (
            "resources:\n  Workout:\n    owned: true\n    writers: users\n"
            "    fields: {a: string}\n",
            "resource Workout: Workout rows belong to users: their owners write them",
        ),
        (
            "resources:\n  Workout:\n    writers: owner\n    fields: {a: string}\n",
            "resource Workout: writers is staff or users",
        ),
        (
            "resources:\n  Workout:\n    fields:\n      name: [string, 120]\n",
            "resource Workout, field name (line 4): write its type on the same line",
        ),
        (
            "resources:\n  Workout:\n    fields: {name: string}\n    colour: blue\n",
            "resource Workout (line 4): unknown key 'colour'; a resource takes owned, writers",
        ),
        (
            "resources:\n  WorkoutTag:\n    unique: [workout, tag]\n    fields: {a: string}\n",
            'resource WorkoutTag: unique: "workout,tag": workout is not a field of WorkoutTag',
        ),
        (
            "resources:\n  WorkoutTag:\n    unique: workout\n    fields: {a: string}\n",
            "resource WorkoutTag: unique is a list of fields ([workout, tag])",
        ),
        (
            "resources:\n  ExerciseSet:\n    fields: {workout: references}\n",
            'resource ExerciseSet: field "workout": references names another resource of the '
            "project by its snake_case singular name, or by to=Model",
        ),
        (
            "resources:\n  Aa:\n    fields: {bb: references}\n"
            "  Bb:\n    fields: {aa: references}\n",
            "resource Aa: these reference each other (Aa -> Bb -> Aa)",
        ),
        (
            "resources:\n  Workout:\n    fields:\n      parent: references:to=Workout\n",
            'resource Workout: field "parent": a reference to Workout itself must be optional',
        ),
        (
            "resources:\n  Workout:\n    owned: true\n    fields: {a: string}\n  Note:\n"
            "    fields: {workout: references:setnull:optional}\n",
            'resource Note: field "workout": Workout rows belong to users',
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_the_resource_and_field(text, words):
    with pytest.raises(model.ModelError) as raised:
        model.desired(model.parse(text), "flask-api")
    message = str(raised.value)
    assert words in message, message
    assert "\n" not in message and raised.value.status == 2


def test_django_s_own_rules_apply_to_the_file_too():
    text = "resources:\n  Poll:\n    fields: {title: string}\n"
    model.desired(model.parse(text), "flask-api")
    with pytest.raises(model.ModelError) as raised:
        model.desired(model.parse(text), "django-mtv")
    assert "its app would be named polls" in str(raised.value)


# The plan: recorded resources + the file -> steps, pure.


def test_the_same_model_plans_nothing():
    steps = model.plan(recorded_from(FITNESS), model.parse(FITNESS), "flask-api")
    assert steps.steps == () and steps.unchanged == ("Workout", "Exercise", "ExerciseSet")


def test_a_new_model_creates_referenced_resources_first():
    steps = model.plan({}, model.parse(FITNESS), "django-mtv")
    assert [(s.action, s.model) for s in steps.steps] == [
        ("create", "Workout"),
        ("create", "Exercise"),
        ("create", "ExerciseSet"),
    ]
    workout = steps.steps[0]
    assert workout.owned and workout.writers is None and workout.table == "workouts_workout"
    assert steps.steps[1].writers == "staff"  # a shared resource's, for generate's --writers


@pytest.mark.parametrize(
    ("template", "required"),
    [
        ("flask-api", "level is required and has no default: the migration fails"),
        ("django-mtv", "level is required and has no default: the rows a table has take"),
    ],
)
def test_a_change_lists_its_columns_and_what_happens_to_rows(template, required):
    text = edited(FITNESS, add="      rating: integer:optional\n      level: integer\n")
    text = text.replace("      notes: text:optional\n", "").replace("string:120", "string:80")
    steps = model.plan(recorded_from(FITNESS, template), model.parse(text), template)
    [change] = steps.steps
    assert (change.action, change.model) == ("change", "Workout")
    assert change.changes == (
        "add rating:integer:optional",
        "add level:integer",
        "drop notes:text:optional",
        "change name:string:120 to name:string:80",
    )
    assert change.warnings[0].startswith(required)
    assert change.warnings[1].startswith("notes is dropped with its values")


RENAMED = FITNESS.replace(
    "      notes: text:optional\n", "      remarks: text:optional:renamed_from=notes\n"
)


@pytest.mark.parametrize("template", ["flask-api", "django-mtv"])
def test_a_renamed_field_keeps_its_values_and_is_renamed_once(template):
    steps = model.plan(recorded_from(FITNESS, template), model.parse(RENAMED), template)
    [change] = steps.steps
    assert (change.action, change.model) == ("change", "Workout")
    assert change.changes == ("notes renamed to remarks",) and change.warnings == ()
    # Applied, the project records remarks; the file that still says renamed_from is done.
    done = {
        name: {**info, "fields": fields.settled(info["fields"])}
        for name, info in recorded_from(RENAMED, template).items()
    }
    assert model.plan(done, model.parse(RENAMED), template).steps == ()
    wrong = RENAMED.replace("renamed_from=notes", "renamed_from=note")
    with pytest.raises(model.ModelError) as raised:
        model.plan(recorded_from(FITNESS, template), model.parse(wrong), template)
    assert str(raised.value).startswith(
        'model.yml line 9, resource Workout: field "remarks": renamed_from=note, but there is '
        "no field note"
    )


def test_a_renamed_resource_is_renamed_first_and_once():
    text = FITNESS.replace("  Workout:\n", "  Routine:\n    renamed_from: Workout\n").replace(
        "      workout: references\n", "      routine: references\n"
    )
    before = recorded_from(FITNESS)
    steps = model.plan(before, model.parse(text), "flask-api")
    # ExerciseSet's reference follows the rename: nothing else changes.
    assert [(s.action, s.model, s.renamed_from) for s in steps.steps] == [
        ("rename", "Routine", "Workout")
    ]
    assert steps.steps[0].table == "routines" and steps.unchanged == ("Exercise", "ExerciseSet")
    # Applied, the file that still says renamed_from changes nothing.
    after = model.as_renamed(before, {"Routine": "Workout"})
    assert model.plan(after, model.parse(text), "flask-api").steps == ()
    django = model.plan(recorded_from(FITNESS, "django-mtv"), model.parse(text), "django-mtv")
    assert [(s.action, s.table) for s in django.steps] == [("rename", "routines_routine")]
    wrong = text.replace("renamed_from: Workout", "renamed_from: Session")
    with pytest.raises(model.ModelError) as raised:
        model.plan(before, model.parse(wrong), "flask-api")
    assert "renamed_from=Session, but the project has no resource Session" in str(raised.value)


def test_children_are_destroyed_before_their_parents():
    text = "resources:\n  Exercise:\n    fields:\n      title: string:unique\n"
    steps = model.plan(recorded_from(FITNESS), model.parse(text), "flask-api")
    assert [(s.action, s.model) for s in steps.steps] == [
        ("destroy", "ExerciseSet"),
        ("destroy", "Workout"),
        ("change", "Exercise"),
    ]
    assert steps.steps[0].warnings == (
        "the table exercise_sets is dropped: every row in it is deleted",
    )


def test_a_reference_is_dropped_before_its_target_is_destroyed():
    text = edited(FITNESS, drop="Exercise").replace("      exercise: references:protect\n", "")
    steps = model.plan(recorded_from(FITNESS), model.parse(text), "flask-api")
    assert [(s.action, s.model) for s in steps.steps] == [
        ("change", "ExerciseSet"),
        ("destroy", "Exercise"),
    ]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("    owned: true\n", ""), "Workout is owned; making its rows shared is not supported"),
        (("    writers: staff\n", "    owned: true\n"), "Exercise is not owned"),
    ],
)
def test_ownership_cannot_be_switched_by_the_file(change, words):
    text = FITNESS.replace(*change)
    with pytest.raises(model.ModelError) as raised:
        model.plan(recorded_from(FITNESS), model.parse(text), "flask-api")
    assert words in str(raised.value)


def test_a_taken_name_is_refused_for_a_new_resource():
    text = "resources:\n  Tally:\n    fields: {n: integer}\n"
    with pytest.raises(model.ModelError) as raised:
        model.plan({}, model.parse(text), "flask-api", taken={"Tally"})
    assert 'resource name "Tally": the project has that resource already' in str(raised.value)


RELATIONS = """\
resources:
  Wallet:
    fields:
      name: string
      profile: references:to=User:unique:optional
  Transfer:
    unique: [from_wallet, to_wallet]
    fields:
      from_wallet: references:to=Wallet
      to_wallet: references:protect:to=Wallet
      amount: decimal
  Tag:
    unique: [[label, kind], [kind, rank]]
    fields:
      label: string
      kind: string
      rank: integer
"""


def test_relations_read_back_plan_in_order_and_are_drawn():
    read = model.parse(RELATIONS)
    assert read.by_name()["Transfer"].unique == ("from_wallet,to_wallet",)
    assert read.by_name()["Tag"].unique == ("label,kind", "kind,rank")
    found = recorded_from(RELATIONS)
    assert found["Transfer"]["unique"] == [["from_wallet", "to_wallet"]]
    exported = model.export(found)
    assert "    unique: [from_wallet, to_wallet]\n" in exported
    assert "    unique: [[label, kind], [kind, rank]]\n" in exported
    assert model.plan(found, model.parse(exported), "django-mtv").steps == ()
    # Named by their role, both references order Transfer after Wallet.
    steps = model.plan({}, model.parse(RELATIONS), "flask-api")
    assert [s.model for s in steps.steps] == ["Wallet", "Transfer", "Tag"]
    assert steps.steps[1].unique == ("from_wallet,to_wallet",)
    drawn = diagram.render(found).splitlines()
    assert '    Wallet ||--o{ Transfer : "from_wallet"' in drawn
    assert '    User |o--o| Wallet : "profile"' in drawn  # one-to-one
    assert '        integer from_wallet_id FK, UK "to=Wallet unique with to_wallet"' in drawn
    # A pair no longer unique is a change of its own.
    loose = RELATIONS.replace("    unique: [from_wallet, to_wallet]\n", "")
    [change] = model.plan(found, model.parse(loose), "flask-api").steps
    assert change.changes == ("drop unique from_wallet,to_wallet",)


def test_export_reads_back_as_the_same_model():
    text = FITNESS.replace("writers: staff", "writers: users") + (
        "  Note:\n    fields:\n      body: 'string:default=a, b #c'\n      on: boolean\n"
    )
    found = recorded_from(text)
    exported = model.export(found)
    assert exported.startswith(model.HEADER)
    again = model.parse(exported)
    assert model.plan(found, again, "flask-api").steps == ()
    assert [r.model for r in again.resources] == ["Exercise", "Workout", "ExerciseSet", "Note"]
    assert "      body: 'string:default=a, b #c'\n" in exported
    assert model.export({}).endswith("resources: {}\n")


# The diagram: recorded resources -> Mermaid, pure; a hand edit seen by its checksum.


def test_the_diagram_shows_entities_columns_and_relations():
    text = diagram.render(recorded_from(FITNESS))
    assert text.startswith("<!-- Written by stackgen")
    for line in (
        "```mermaid",
        "erDiagram",
        '    Workout ||--o{ ExerciseSet : "workout"',
        '    Exercise ||--o{ ExerciseSet : "exercise"',
        '    User ||--o{ Workout : "owns"',
        '    User |o--o{ Workout : "coach"',
        '    Exercise |o--o{ Exercise : "parent"',
        "        integer owner_id FK",
        '        integer coach_id FK "to=User:optional"',
        '        string title UK "unique"',
        '        choice category "strength/cardio/mobility"',
        '        integer exercise_id FK "protect"',
        '        decimal weight_kg "6.2:optional"',
        "        date performed_on",
    ):
        assert line in text.splitlines(), line
    optional = recorded_from(FITNESS.replace("references:protect", "references:setnull:optional"))
    assert '    Exercise |o--o{ ExerciseSet : "exercise"' in diagram.render(optional)


def test_a_many_field_orders_its_target_first_and_is_drawn_many_to_many():
    text = edited(FITNESS, add="      tags: many\n")
    text += "  Tag:\n    writers: users\n    fields:\n      name: string:unique\n"
    steps = model.plan({}, model.parse(text), "flask-api")
    order = [s.model for s in steps.steps]
    assert order.index("Tag") < order.index("Workout")
    lines = diagram.render(recorded_from(text)).splitlines()
    assert '    Workout }o--o{ Tag : "tags"' in lines
    assert "        many tags" not in lines  # a join table's, not a column


def test_a_diagram_edited_by_hand_is_seen(tmp_path):
    found = recorded_from(FITNESS)
    assert diagram.state(tmp_path, found) == "missing"
    assert diagram.state(tmp_path, {}) == "current"  # no resources, no diagram needed
    (tmp_path / "docs").mkdir()
    target = tmp_path / diagram.PATH
    target.write_text(diagram.render({}))
    assert diagram.state(tmp_path, found) == "stale"
    target.write_text(diagram.render(found) + "My note.\n")
    assert diagram.state(tmp_path, found) == "edited"


# On a project: `stackgen model ...` through the CLI.


def stackgen(project: Path, *argv: str) -> int:
    return run([*argv, "-C", str(project)], interactive=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Flask project whose fitness model was made with `generate`, committed."""
    project = tmp_path_factory.mktemp("generated") / "gym"
    assert new_flask(project) == 0
    for line in FITNESS_LINES:
        assert stackgen(project, "generate", "resource", *line.split()) == 0
        commit_all(project, line)
    return project


@pytest.fixture
def project(generated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "gym"
    shutil.copytree(generated, copy, symlinks=True)
    return copy


def head_of(project: Path) -> str:
    return git(project, "rev-parse", "HEAD").strip()


def test_export_then_apply_changes_nothing(project, capsys):
    head = head_of(project)
    capsys.readouterr()
    assert stackgen(project, "model", "export") == 0
    exported = capsys.readouterr().out
    assert model.parse(exported).by_name().keys() == {"Workout", "Exercise", "ExerciseSet"}
    (project / "model.yml").write_text(exported)

    assert stackgen(project, "model", "apply") == 0

    assert f"{project} matches model.yml; nothing to change." in capsys.readouterr().out
    assert git(project, "status", "--porcelain").splitlines() == ["?? model.yml"]
    assert head_of(project) == head
    assert stackgen(project, "check") == 0  # the diagram generate wrote is current


def test_a_bad_file_is_refused_with_exit_2_and_nothing_written(project, capsys):
    (project / "model.yml").write_text(FITNESS.replace("integer:min=1\n", "integer:min=x\n", 1))
    commit_all(project, "a bad model")
    head = head_of(project)
    capsys.readouterr()
    for argv in (["model", "apply"], ["model", "apply", "--pretend"]):
        assert stackgen(project, *argv) == 2
        assert one_line_error(capsys.readouterr().err) == (
            'stackgen: error: model.yml line 3, resource ExerciseSet: field "reps": '
            'min="x" is not a integer'
        )
        assert untouched(project, head)
    assert stackgen(project, "model", "apply", "missing.yml") == 2
    assert "missing.yml does not exist" in one_line_error(capsys.readouterr().err)


def test_the_edited_file_is_applied_over_hand_edits(project, capsys):
    views = project / "gym" / "resources" / "workouts" / "views.py"
    views.write_text(views.read_text().replace('    """Create a workout."""\n', MINE))
    (project / "model.yml").write_text(FITNESS)
    commit_all(project, "my words, and the model file")
    head = head_of(project)
    # Uncommitted, as one edits it: a field added, a resource removed.
    text = edited(FITNESS, add="      rating: integer:optional\n", drop="ExerciseSet")
    text = text.replace(
        "      notes: text:optional\n", "      remarks: text:optional:renamed_from=notes\n"
    )
    (project / "model.yml").write_text(text)
    capsys.readouterr()

    assert stackgen(project, "model", "apply", "--pretend") == 0
    out = capsys.readouterr().out
    assert "  destroy ExerciseSet: its files unless you changed them\n" in out
    assert "    note: the table exercise_sets is dropped: every row in it is deleted\n" in out
    assert "  change Workout: notes renamed to remarks; add rating:integer:optional\n" in out
    assert "  unchanged: Exercise\n" in out
    assert out.index("destroy ExerciseSet") < out.index("change Workout")
    assert git(project, "status", "--porcelain").splitlines() == [" M model.yml"]

    assert stackgen(project, "model", "apply") == 0

    out = capsys.readouterr().out
    assert "Applied model.yml to" in out and "changed Workout; destroyed ExerciseSet." in out
    assert "drops the table exercise_sets: every row in it is deleted" in out
    assert MINE in views.read_text()
    models = (project / "gym" / "resources" / "workouts" / "models.py").read_text()
    assert "rating" in models and "remarks" in models and "notes" not in models
    assert "renamed_from" not in (project / resources.answers_file("Workout")).read_text()
    assert not (project / "gym" / "resources" / "exercise_sets").exists()
    assert (project / "model.yml").read_text() == text  # the user's file, as they left it
    assert head_of(project) == head  # no commit of ours is left
    assert len(resources.heads(project)) == 1  # each migration chained on the one before
    drawn = (project / diagram.PATH).read_text()
    assert "ExerciseSet" not in drawn and "integer rating" in drawn
    commit_all(project, "applied")
    assert stackgen(project, "model", "apply") == 0
    assert "nothing to change" in capsys.readouterr().out


def test_a_resource_renamed_in_the_file_is_renamed_with_what_references_it(project, capsys):
    (project / "model.yml").write_text(FITNESS)
    commit_all(project, "the model file")
    text = (
        FITNESS.replace("  Exercise:\n", "  Movement:\n    renamed_from: Exercise\n")
        .replace("      exercise: references:protect\n", "      movement: references:protect\n")
        .replace("to=Exercise", "to=Movement")
    )
    (project / "model.yml").write_text(text)
    capsys.readouterr()

    assert stackgen(project, "model", "apply", "--pretend") == 0
    out = capsys.readouterr().out
    assert "  rename Exercise to Movement: its table becomes movements\n" in out
    assert "  unchanged: Workout, ExerciseSet\n" in out

    assert stackgen(project, "model", "apply") == 0
    out = capsys.readouterr().out
    assert "renamed Movement" in out and "_rename_the_exercises_table.py" in out
    resources_dir = project / "gym" / "resources"
    assert not (resources_dir / "exercises").exists()
    assert "class Movement(" in (resources_dir / "movements" / "models.py").read_text()
    assert "movement_id" in (resources_dir / "exercise_sets" / "models.py").read_text()
    assert len(resources.heads(project)) == 1
    commit_all(project, "applied")
    assert stackgen(project, "model", "apply") == 0
    assert "nothing to change" in capsys.readouterr().out


@pytest.mark.parametrize("how", ["interrupted", "failed"])
def test_a_stopped_apply_leaves_the_project_as_it_was(project, capsys, monkeypatch, how):
    text = edited(FITNESS, add="      rating: integer:optional\n", drop="ExerciseSet")
    text += "  Tag:\n    fields:\n      label: string\n"
    (project / "model.yml").write_text(text)  # uncommitted
    before = work_tree(project)
    head = head_of(project)
    steps = []
    original = resources.apply

    def stopped_at_the_third(*args, **kwargs):
        steps.append(args[1].model)
        if len(steps) == 3:
            if how == "interrupted":
                raise KeyboardInterrupt
            raise StackgenError("the disk is full")
        return original(*args, **kwargs)

    monkeypatch.setattr(resources, "apply", stopped_at_the_third)
    capsys.readouterr()

    status = stackgen(project, "model", "apply")

    assert steps == ["ExerciseSet", "Workout", "Tag"]
    line = one_line_error(capsys.readouterr().err)
    if how == "interrupted":
        assert status == 130 and "nothing was changed" in line
    else:
        assert status == 1 and "the disk is full" in line
    assert work_tree(project) == before
    assert head_of(project) == head
    assert git(project, "status", "--porcelain").splitlines() == ["?? model.yml"]


def test_the_diagram_is_kept_current_and_a_hand_edit_is_never_overwritten(project, capsys):
    target = project / diagram.PATH
    assert target.read_text() == diagram.render(resources.recorded(project))
    target.write_text(target.read_text() + "\nMy own note.\n")
    commit_all(project, "my note")
    capsys.readouterr()

    assert stackgen(project, "generate", "resource", "Tag", "label:string") == 0

    assert f"{diagram.PATH} was edited by hand, so it was left as it is" in capsys.readouterr().out
    assert target.read_text().endswith("\nMy own note.\n")
    commit_all(project, "Tag")
    assert stackgen(project, "check") == 1
    assert (
        "not current: docs/model.md was edited by hand and does not show the recorded "
        "resources (delete it, then run `stackgen model diagram -C" in capsys.readouterr().out
    )
    assert stackgen(project, "model", "diagram") == 1
    assert "was edited by hand" in one_line_error(capsys.readouterr().err)
    target.unlink()
    assert stackgen(project, "model", "diagram") == 0
    assert "Tag {" in target.read_text()
    commit_all(project, "the diagram")
    assert stackgen(project, "destroy", "resource", "Tag") == 0
    assert "Tag {" not in target.read_text()
    commit_all(project, "no tags")
    assert stackgen(project, "check") == 0


def test_new_with_a_model_file_starts_with_its_resources_and_keeps_the_file(tmp_path, capsys):
    source = tmp_path / "gym.yml"
    source.write_text(FITNESS)
    project = tmp_path / "gym"

    assert new_project(project, "django", "--data", "api=true", "--model", str(source)) == 0

    assert "With its resources: Workout, Exercise, ExerciseSet." in capsys.readouterr().out
    assert (project / "model.yml").read_text() == FITNESS
    assert git(project, "status", "--porcelain") == ""  # all in the first commit
    assert (project / "gym" / "resources" / "exercise_sets" / "api.py").exists()
    assert stackgen(project, "model", "apply") == 0
    assert "nothing to change" in capsys.readouterr().out
    assert stackgen(project, "check") == 0
    bad = tmp_path / "bad.yml"
    bad.write_text("resources:\n  Workout:\n    fields: {name: strng}\n")
    capsys.readouterr()
    assert new_flask(tmp_path / "other", "--model", str(bad)) == 2
    assert 'field "name": unknown type "strng"' in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "other").exists()


# The product: both starters, the fitness model applied, then edited and applied again.


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["flask", "django"])
def test_a_model_file_gives_projects_whose_own_checks_pass(tmp_path, monkeypatch, framework):
    from harness.projects import ProjectEnv, leftover_template_syntax, servers_for
    from tests.helpers import check_django, check_flask

    monkeypatch.setenv("STACKGEN_HOME", str(tmp_path / "home"))
    project = tmp_path / "gym"
    answers = {"database": "sqlite", "browser_tests": False, "api": framework == "django"}
    extra = ["--data", "browser_tests=false"] + (["--data", "api=true"] * (framework == "django"))
    assert new_project(project, framework, *extra) == 0
    (project / "model.yml").write_text(FITNESS)
    assert stackgen(project, "model", "apply") == 0
    commit_all(project, "the fitness model")
    assert leftover_template_syntax(project) == []
    env = ProjectEnv()
    env.install(project)

    def own_checks(tests: Sequence[str] = ()) -> None:
        env.run(project, "ruff", "check", ".")
        env.run(project, "ruff", "format", "--check", ".")
        with servers_for(answers, test_database=framework == "flask") as urls:
            if framework == "flask":
                check_flask(env, project, urls, tests=tests)
            else:
                check_django(env, project, urls, answers)

    own_checks()
    # Edited: a field added, a resource removed; applied over a hand edit, which stays.
    if framework == "flask":
        edit = project / "gym" / "resources" / "workouts" / "views.py"
        mine = ('    """Create a workout."""\n', MINE)
    else:
        edit = project / "gym" / "resources" / "workouts" / "views.py"
        mine = ('"""', '"""My own words about the workout pages.\n\n', 1)
    edit.write_text(edit.read_text().replace(*mine))
    commit_all(project, "my words")
    (project / "model.yml").write_text(
        edited(FITNESS, add="      rating: integer:optional\n", drop="ExerciseSet")
    )
    assert stackgen(project, "model", "apply") == 0
    assert mine[1] in edit.read_text()
    commit_all(project, "rating, no exercise sets")
    assert leftover_template_syntax(project) == []
    for database in (project / "instance" / "app.sqlite3", project / "db.sqlite3"):
        database.unlink(missing_ok=True)  # the checks start from an empty database
    # Flask: the first run checked the whole suite and its coverage; the edit touched the
    # resources, so their tests run again (Django's whole suite is quick).
    kept = fields.live(resources.recorded(project)).values()
    own_checks(resource_tests(found["names"].plural for found in kept))


def test_update_writes_the_diagram_of_a_project_made_before_it(project, capsys):
    (project / diagram.PATH).unlink()
    commit_all(project, "as a stackgen before the diagram left it")
    capsys.readouterr()

    assert stackgen(project, "update", "--defaults") == 0

    assert f"{diagram.PATH}, the diagram of the data model, was written." in (
        capsys.readouterr().out
    )
    assert (project / diagram.PATH).read_text() == diagram.render(resources.recorded(project))


def test_a_staged_model_file_is_applied_too(project, capsys):
    (project / "model.yml").write_text(edited(FITNESS, add="      rating: integer:optional\n"))
    git(project, "add", "model.yml")
    capsys.readouterr()

    assert stackgen(project, "model", "apply") == 0

    assert "changed Workout." in capsys.readouterr().out


def test_a_change_of_writers_is_a_change_of_code_only():
    text = FITNESS.replace("writers: staff", "writers: users")
    [change] = model.plan(recorded_from(FITNESS), model.parse(text), "flask-api").steps
    assert (change.model, change.changes, change.writers) == (
        "Exercise",
        ("writers: users (was staff)",),
        "users",
    )


def test_the_diagram_is_never_written_through_a_symlink_out_of_the_project(tmp_path, monkeypatch):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / "docs").symlink_to(elsewhere)
    monkeypatch.setattr(resources, "recorded", lambda path: recorded_from(FITNESS))

    assert diagram.refresh(project) == "outside"

    assert list(elsewhere.iterdir()) == []


def test_a_conflict_in_one_step_is_left_unmerged_and_the_next_steps_run(project, capsys):
    schemas = project / "gym" / "resources" / "workouts" / "schemas.py"
    text = schemas.read_text()
    mine = text.replace("notes: NullIfEmpty[Paragraphs] = None", "notes: str | None = None", 1)
    assert mine != text
    schemas.write_text(mine)
    commit_all(project, "my notes field")
    head = head_of(project)
    changed = FITNESS.replace("notes: text:optional", "notes: string:optional")
    (project / "model.yml").write_text(changed + "  Tag:\n    fields:\n      label: string\n")
    capsys.readouterr()

    assert stackgen(project, "model", "apply") == 1

    out = capsys.readouterr().out
    assert "could not be merged" in out and "gym/resources/workouts/schemas.py" in out
    assert "<<<<<<<" in schemas.read_text()
    assert (project / "gym" / "resources" / "tags" / "models.py").exists()  # the step after
    assert head_of(project) == head
    stages = git(project, "ls-files", "-u", "gym/resources/workouts/schemas.py").splitlines()
    assert [line.split()[2] for line in stages] == ["1", "2", "3"]


def test_ctrl_c_at_any_moment_of_apply_lands_before_or_after(project, tmp_path):
    """A real SIGINT at moments spread over the whole run: the project is as it was, model
    file included, or the model is applied; the message says which."""
    import time

    from tests.helpers import stackgen_interrupted

    text = edited(FITNESS, add="      rating: integer:optional\n", drop="ExerciseSet")
    text += "  Tag:\n    fields:\n      label: string\n"
    head = head_of(project)
    argv = ["model", "apply", "-C", str(project)]

    def fresh() -> None:
        git(project, "reset", "-q", "--hard", head)
        git(project, "clean", "-qfd")
        (project / "model.yml").write_text(text)

    fresh()
    before = work_tree(project)
    start = time.perf_counter()
    assert stackgen(project, "model", "apply") == 0  # the whole run, undisturbed
    duration = time.perf_counter() - start + 1  # and a process's start
    seen = set()
    for point in range(1, 7):
        fresh()
        status, err = stackgen_interrupted(argv, duration * point / 7, tmp_path)
        assert "Traceback" not in err
        assert head_of(project) == head  # never a commit of ours left behind
        if status == 130 and "nothing was changed" in err:
            seen.add("before")
            assert work_tree(project) == before
        else:
            assert status == 0 or "the model was applied" in one_line_error(err)
            seen.add("after")
            assert (project / "gym" / "resources" / "tags" / "models.py").is_file()
            assert not (project / "gym" / "resources" / "exercise_sets").exists()
            assert (project / "model.yml").read_text() == text
    assert seen  # which moments landed where depends on the machine's load


def test_any_default_text_survives_export_and_reading_back():
    """A default is any printable text without quotes, backslashes or colons: written out
    by export, it reads back as that text, whatever YAML would make of it unquoted."""
    from hypothesis import assume, given, settings
    from hypothesis import strategies as st

    from generator import fields

    @settings(max_examples=200, derandomize=True, deadline=None)
    @given(st.text(st.characters(exclude_characters=':"\\'), max_size=30))
    def round_trip(default: str) -> None:
        spec = f"string:optional:default={default}"
        assume(fields.DEFAULT_TEXT.fullmatch(default))
        text = f"resources:\n  Note:\n    fields:\n      body: {model._yaml_text(spec)}\n"
        found = recorded_from(text)
        assert found["Note"]["fields"][0]["default"] == default
        again = model.parse(model.export(found))
        assert again.resources[0].specs == (f"body:{spec}",)

    round_trip()
