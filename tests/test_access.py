"""Who reads and writes a resource's rows: owned, scoped through a reference, or shared."""

from __future__ import annotations

import pytest

from generator import access, fields
from generator.fields import FieldError


def resource(line: str, known: dict | None = None, writers: str | None = None) -> dict:
    """A resource as `generate resource` decides it: ``Model field... [--owned]``."""
    model, *specs = line.split()
    known = known if known is not None else {}
    info = {
        "model": model,
        "owned": "--owned" in specs,
        "fields": fields.parse_fields([s for s in specs if s != "--owned"], known),
        "names": fields.names(model),
    }
    access.decide(info, known, writers)
    return info


def model(*lines: str) -> dict[str, dict]:
    """The project's resources, each line able to reference the ones before it."""
    known: dict[str, dict] = {}
    for line in lines:
        info = resource(line, known)
        known[info["model"]] = info
    return known


FITNESS = (
    "Workout name:string:120 --owned",
    "Exercise title:string:unique",
    "ExerciseSet workout:references exercise:references:protect reps:integer:min=1",
    "Rep exercise_set:references count:integer",
)


def test_ownership_follows_references_through_every_generation():
    known = model(*FITNESS)

    assert [(m, info["scope"], info["writers"]) for m, info in known.items()] == [
        ("Workout", "", "owner"),
        ("Exercise", "", "staff"),
        ("ExerciseSet", "workout", "owner"),
        ("Rep", "exercise_set", "owner"),
    ]


def test_the_first_required_reference_to_private_rows_scopes():
    known = model(*FITNESS[:2], "Plan title:string --owned")

    line = "Entry exercise:references plan:references:optional workout:references"
    assert resource(line, known)["scope"] == "workout"


def test_only_an_optional_way_to_private_rows_is_refused_naming_the_field():
    known = model(*FITNESS[:2])

    with pytest.raises(FieldError) as raised:
        resource("Note text:string workout:references:setnull:optional", known)

    message = str(raised.value)
    assert message.startswith('field "workout": Workout rows belong to users')
    assert "--owned" in message and "\n" not in message
    owned = resource("Note text:string workout:references:setnull:optional --owned", known)
    assert (owned["scope"], owned["writers"]) == ("", "owner")


@pytest.mark.parametrize(
    ("line", "requested", "expected"),
    [
        ("Exercise title:string", None, "staff"),
        ("Exercise title:string", "users", "users"),
        ("Exercise title:string", "staff", "staff"),
    ],
)
def test_shared_resources_are_written_by_staff_unless_opened(line, requested, expected):
    assert resource(line, writers=requested)["writers"] == expected


@pytest.mark.parametrize("line", ["Workout name:string --owned", FITNESS[2]])
def test_writers_cannot_be_asked_of_private_rows(line):
    known = model(*FITNESS[:2])

    with pytest.raises(FieldError, match="their owners write them"):
        resource(line, known, writers="users")


def test_a_regenerated_shared_resource_keeps_its_recorded_writers():
    info = {"model": "Exercise", "owned": False, "fields": fields.parse_fields(["t:string"])}

    assert access.writers_of(info, None, "users") == "users"
    assert access.writers_of(info, None, "owner") == "staff"  # was scoped, is shared now
    assert access.writers_of(info, "staff", "users") == "staff"


def test_resources_recorded_before_keep_the_rule_they_had():
    known = model(*FITNESS)
    for info in known.values():
        del info["scope"], info["writers"]

    completed = access.complete_recorded(known)

    assert sorted(completed) == sorted(known)
    assert [(info["scope"], info["writers"]) for info in known.values()] == [
        ("", "owner"),
        ("", "users"),  # any token holder wrote it; an update must not lock them out
        ("workout", "owner"),
        ("exercise_set", "owner"),
    ]
    assert access.complete_recorded(known) == []


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"writers": "everyone"}, "who writes it"),
        ({"writers": "staff"}, "who writes it"),  # scoped rows are their owner's
        ({"scope": ""}, "who writes it"),  # shared, then written by its owner?
        ({"scope": "reps"}, "through"),  # not a reference
        ({"owned": True}, "through"),  # owned rows have no other owner
        ({"scope": 3}, "who writes it"),
    ],
)
def test_a_hand_edited_record_is_refused(changes, why):
    known = model(*FITNESS)

    assert access.check(known["ExerciseSet"]) is None
    assert why in str(access.check({**known["ExerciseSet"], **changes}))


def test_a_new_projects_resources_say_who_writes_them_in_their_option():
    from generator.resources import Option, check_options

    options = check_options(
        ["Workout name:string --owned", "Exercise title:string --writers=users"], "flask-api"
    )

    assert options == [
        Option("Workout", ("name:string",), owned=True),
        Option("Exercise", ("title:string",), writers="users"),
    ]
    for line, words in [
        ("Workout name:string --owned --writers=users", "their owners write them"),
        ("Exercise title:string --writers=all", "use staff or users"),
        ("Exercise title:string --writers=staff --writers=users", "give its name and fields"),
        ("Exercise title:string --privately", "give its name and fields"),
    ]:
        with pytest.raises(FieldError, match=words):
            check_options([line], "flask-api")
