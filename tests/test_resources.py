"""stackgen generate resource: the field grammar, its refusals, and a generated project's checks."""

from __future__ import annotations

import pytest

from generator import fields
from generator.fields import FieldError


@pytest.mark.parametrize(
    ("model", "table", "url"),
    [
        ("Workout", "workouts", "workouts"),
        ("ExerciseSet", "exercise_sets", "exercise-sets"),
        ("Category", "categories", "categories"),
        ("Box", "boxes", "boxes"),
        ("Status", "statuses", "statuses"),
        ("Address", "addresses", "addresses"),
    ],
)
def test_names(model, table, url):
    made = fields.check_resource_name(model)
    assert (made.plural, made.url) == (table, url)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "title:string:120:unique",
            {"name": "title", "type": "string", "length": 120, "unique": True},
        ),
        (
            "price:decimal:10.2:min=0",
            {"name": "price", "type": "decimal", "precision": 10, "scale": 2, "min": "0"},
        ),
        (
            "status:choice:draft/published:default=draft",
            {
                "name": "status",
                "type": "choice",
                "choices": ["draft", "published"],
                "default": "draft",
            },
        ),
        ("notes:text:optional", {"name": "notes", "type": "text", "optional": True}),
    ],
)
def test_field_grammar_round_trips(spec, expected):
    parsed = fields.parse_field(spec)
    assert parsed == expected
    assert fields.parse_field(fields.spec_of(parsed)) == parsed


@pytest.mark.parametrize(
    ("specs", "words"),
    [
        (["class:string"], "keyword"),
        (["id:integer"], "reserved"),
        (["name:strng"], "valid types: string"),
        (["name:string:shiny"], "takes a length"),
        (["name:integer:shiny"], "unknown modifier"),
        (["a:string", "a:text"], "named twice"),
        (["workout:references"], "no resource workout"),
        (["code:string:unique:index"], "a unique field is indexed already; drop index"),
        (["n:integer:min=5:max=1"], "greater"),
        (["flag:boolean:default=yes"], "boolean"),
        (["x:decimal:10"], "precision"),
        (["parent:references:setnull"], "no resource parent"),
        (["reps:integer", "reps_min:integer"], 'field "reps_min": reps_min is the range filter'),
        (["on_max:string", "on:date"], 'field "on_max": on_max is the range filter of field on'),
    ],
)
def test_refusals_name_the_field(specs, words):
    with pytest.raises(FieldError) as raised:
        fields.parse_fields(specs)
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "model",
    ["Actor", "Question", "User", "workouts", "Class", "Workouts", "ExerciseSets", "People"],
)
def test_resource_names_refused(model):
    with pytest.raises(FieldError):
        fields.check_resource_name(model)


# Issue #27: a spec stackgen accepts gives a project whose CI is green; the rest is refused.
@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "price:decimal:4.2:default=12345.67",
            'field "price": default=12345.67 does not fit decimal:4.2 (from -99.99 to 99.99)',
        ),
        ("d:decimal:2.2:min=5", 'field "d": min=5 does not fit decimal:2.2 (from -0.99 to 0.99)'),
        ("d:decimal:2.2:max=-1", 'field "d": max=-1 does not fit decimal:2.2 (from -0.99 to 0.99)'),
        (
            "p:decimal:10.2:min=0.125",
            'field "p": min=0.125 has more decimals than decimal:10.2 keeps (2)',
        ),
        (
            "p:decimal:10.2:max=9.999",
            'field "p": max=9.999 has more decimals than decimal:10.2 keeps (2)',
        ),
        (
            "n:integer:default=99999999999",
            'field "n": default=99999999999 does not fit an INTEGER column '
            "(from -2147483648 to 2147483647)",
        ),
        (
            "n:integer:max=2147483648",
            'field "n": max=2147483648 does not fit an INTEGER column '
            "(from -2147483648 to 2147483647)",
        ),
        (
            "n:integer:min=-99999999999",
            'field "n": min=-99999999999 does not fit an INTEGER column '
            "(from -2147483648 to 2147483647)",
        ),
        (
            "mail:email:default=nope",
            'field "mail": default="nope" is not an email address (name@example.com)',
        ),
        ("site:url:default=nope", 'field "site": default="nope" is not an http(s) URL'),
        ("t:string:3:default=abcd", 'field "t": the default is longer than the field'),
        ("c:choice:a/b:default=x", 'field "c": default="x" is not one of its choices'),
        ("n:integer:min=1:default=0", 'field "n": the default is outside min=/max='),
        ("n:integer:default=9:max=5", 'field "n": the default is outside min=/max='),
    ],
)
def test_a_value_the_column_or_its_rule_cannot_take_is_refused(spec, message):
    with pytest.raises(FieldError) as raised:
        fields.parse_field(spec)
    assert message in str(raised.value), raised.value
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "spec",
    [
        "price:decimal:4.2:default=99.99:min=-99.99",
        "x:decimal:2.0:default=99",
        "n:integer:min=-2147483648:max=2147483647",
        "mail:email:default=coach@example.com",
        "mail:email:optional:default=",
    ],
)
def test_values_at_the_limits_are_taken(spec):
    assert fields.parse_field(fields.spec_of(fields.parse_field(spec))) == fields.parse_field(spec)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("db:string", 'field "db": db is a name the Flask resource\'s code uses'),
        ("saved:boolean", 'field "saved": saved is a name the Flask resource\'s code uses'),
        ("mapped_column:string", "mapped_column is a name the Flask resource's code uses"),
        ("utcnow:datetime", "utcnow is a name the Flask resource's code uses"),
        ("check:boolean", 'field "check": check is a method of the Django model'),
        ("get_absolute_url:url", "get_absolute_url is a method of the Django model"),
        ("date:date", 'field "date": date would shadow an import of the generated models'),
        ("time:string", "time would shadow an import of the generated models"),
        ("uuid:uuid", "uuid would shadow an import"),
        (
            "page:integer",
            'field "page": page is a list query parameter (page, per_page, page_size, after, '
            "before, last, q)",
        ),
        ("page_size:integer", 'field "page_size": page_size is a list query parameter'),
        ("q:string", 'field "q": q is a list query parameter'),
        ("type:string", 'field "type": type is a Python keyword'),
    ],
)
def test_a_field_name_the_generated_code_needs_is_refused(spec, message):
    with pytest.raises(FieldError) as raised:
        fields.parse_field(spec)
    assert message in str(raised.value), raised.value


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("A", 'resource name "A": its plural "as" is a Python keyword'),
        ("I", 'resource name "I": its plural "is" is a Python keyword'),
        ("Match", 'resource name "Match": its singular "match" is a Python keyword'),
        ("Type", 'resource name "Type": its singular "type" is a Python keyword'),
        ("Db", 'resource name "Db": its singular db would shadow a name the generated views use'),
        ("Saved", 'resource name "Saved": its singular saved would shadow a name'),
        ("Abort", "its singular abort would shadow"),
        ("Bp", "its singular bp would shadow"),
        ("Decimal", 'resource name "Decimal": the generated code imports a class of that name'),
    ],
)
def test_a_resource_name_the_generated_code_cannot_hold_is_refused(model, message):
    with pytest.raises(FieldError) as raised:
        fields.check_resource_name(model)
    assert message in str(raised.value), raised.value


def test_a_reference_to_its_own_resource_must_be_optional():
    with pytest.raises(FieldError) as raised:
        fields.parse_fields(["name:string", "parent:references:to=Node"], {}, fields.names("Node"))
    assert str(raised.value) == (
        'field "parent": a reference to Node itself must be optional, else no first node could '
        "be made (parent:references:to=Node:optional)"
    )


# Issue #28: references named for their role, to any resource, to itself or to User; one-to-one.
KNOWN = {
    "Exercise": {"names": fields.names("Exercise"), "owned": False},
    "Account": {"names": fields.names("Account"), "owned": True},
}


@pytest.mark.parametrize(
    ("spec", "target", "written"),
    [
        ("coach:references:to=User:optional", "User", "coach:references:to=User:optional"),
        ("parent:references:to=Exercise:optional", "Exercise", None),
        ("exercise:references:to=Exercise:optional", "Exercise", "exercise:references:optional"),
        ("profile:references:to=Account:unique", "Account", None),
        ("account:references:unique", "Account", None),
        # The on-delete may come after to=; it is written back first.
        (
            "from_account:references:to=Account:protect",
            "Account",
            "from_account:references:protect:to=Account",
        ),
    ],
)
def test_a_reference_names_its_target_with_to(spec, target, written):
    parsed = fields.parse_field(spec, KNOWN, fields.names("Exercise"))
    assert (parsed["target"], "to" in parsed) == (target, False)
    assert parsed["target_table"] == fields.names(target).plural
    assert fields.spec_of(parsed) == (written or spec)
    assert fields.parse_field(fields.spec_of(parsed), KNOWN) == parsed


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("coach:references:to=Trainer", "to=Trainer names no resource of the project"),
        ("coach:references:to=user", 'to="user" must name a resource in CamelCase'),
        ("coach:references:to=User:to=User", "to= is given twice"),
        ("coach:string:to=User", 'unknown modifier "to="'),
        ("account:references:index", "a reference is always indexed; drop index"),
        ("user:references:to=User", "user is reserved"),
        ("coach:references:setnull:to=User", "setnull needs the field to be optional"),
    ],
)
def test_a_bad_reference_is_refused_in_one_line(spec, message):
    with pytest.raises(FieldError) as raised:
        fields.parse_field(spec, KNOWN, fields.names("Workout"))
    assert message in str(raised.value), raised.value
    assert "\n" not in str(raised.value)


def test_two_references_to_one_table_list_their_rows_by_role():
    transfer = fields.names("Transfer")
    parsed = fields.parse_fields(
        ["from_account:references:to=Account", "to_account:references:to=Account"], KNOWN
    )
    assert [fields.reverse_name(f, transfer) for f in parsed] == [
        "from_account_transfers",
        "to_account_transfers",
    ]
    one = fields.parse_field("account:references:unique", KNOWN)
    assert fields.reverse_name(one, transfer) == "transfer"
    # A field of the target's named as a reverse relation is refused.
    taken = {"Account": {**KNOWN["Account"], "fields": [{"name": "to_account_transfers"}]}}
    with pytest.raises(FieldError, match=r"Account\.to_account_transfers would list these"):
        fields.check_reverse_names(transfer, parsed, taken, [])


def test_a_reference_cannot_change_its_target_in_a_regenerate():
    from generator.resources import check_targets_kept

    before = fields.parse_fields(["coach:references:to=User"], KNOWN)
    check_targets_kept(before, fields.parse_fields(["coach:references:to=User:optional"], KNOWN))
    with pytest.raises(FieldError) as raised:
        check_targets_kept(before, fields.parse_fields(["coach:references:to=Account"], KNOWN))
    assert str(raised.value).startswith(
        'field "coach" references User; a reference cannot change its target'
    )


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["workout"], "give two or more different fields"),
        (["workout,workout"], "give two or more different fields"),
        (["workout,tagg"], "tagg is not a field of WorkoutTag (fields: workout, tag, note)"),
        (["workout,tag", "tag,workout"], '--unique "tag,workout" is given twice'),
    ],
)
def test_fields_unique_together_are_checked(texts, message):
    parsed = fields.parse_fields(
        ["workout:references:to=Exercise", "tag:string", "note:text:optional"], KNOWN
    )
    assert fields.parse_unique(["workout,tag", "tag,note"], parsed, "WorkoutTag") == [
        ["workout", "tag"],
        ["tag", "note"],
    ]
    with pytest.raises(FieldError) as raised:
        fields.parse_unique(texts, parsed, "WorkoutTag")
    assert message in str(raised.value), raised.value


@pytest.mark.parametrize(
    ("fills_rows", "expected"),
    [
        (
            False,
            [
                "code is required and unique",
                "level is required and has no default: the migration fails",
                "notes is dropped",
            ],
        ),
        (
            True,
            [
                "code is required and unique",
                "level is required and has no default: the rows a table has take a one-off value",
                "notes is dropped",
            ],
        ),
    ],
    ids=["alembic", "django"],
)
def test_a_change_says_what_it_does_to_the_rows_a_table_has(fills_rows, expected):
    from generator.resources import row_warnings

    before = {"fields": fields.parse_fields(["name:string", "notes:text:optional"])}
    after = {
        "fields": fields.parse_fields(
            # A unique value cannot be one value for every row, default or not.
            [
                "name:string",
                "code:string:unique:default=x",
                "level:integer",
                "rank:integer:default=1",
                "tag:string:optional",
            ]
        )
    }
    warnings = row_warnings(before, after, fills_rows)
    assert len(warnings) == len(expected), warnings
    for line, start in zip(warnings, expected, strict=True):
        assert line.startswith(start), line
    assert row_warnings(None, after, fills_rows) == []


@pytest.mark.parametrize(
    ("template", "table"),
    [("flask-api", "body_measurements"), ("django-mtv", "body_measurements_bodymeasurement")],
)
def test_a_field_made_required_says_how_to_fill_the_rows_first(template, table):
    from generator.resources import row_warnings, table_name

    names = fields.names("BodyMeasurement")
    before = {"model": names.model, "plural": names.plural}
    after = dict(before)
    before["fields"] = fields.parse_fields(["weight:float:optional", "note:string:optional"])
    after["fields"] = fields.parse_fields(["weight:float", "note:string:optional:unique"])
    warnings = row_warnings(
        before, after, template == "django-mtv", table=table_name(template, after)
    )
    assert warnings == [
        "weight becomes required: the migration fails on a table with rows where it is "
        f"empty; fill them in first (UPDATE {table} SET weight = ... WHERE weight IS NULL), "
        "or keep it optional"
    ]
    # Made optional again, nothing can fail.
    assert row_warnings(after, before, template == "django-mtv") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Workout name:string --owned --owned", "--owned is given twice"),
        ("Workout name:string --writers=users --writers=staff", "give its name and fields"),
    ],
)
def test_a_resource_option_with_a_flag_given_twice_is_refused(text, message):
    from generator.resources import parse_option

    with pytest.raises(FieldError) as raised:
        parse_option(text)
    assert message in str(raised.value)


# Every field type and modifier, each relation kind, each kind of access (owned, scoped through
# a reference, shared written by staff or by every user), spread over six resources.
FLASK_RESOURCES = [
    # A reference to its own resource: on an owned one, the parent is one of the user's rows.
    "Workout name:string:120:unique duration_minutes:integer:min=1:max=600 performed_on:date "
    "notes:text:optional price:decimal:8.2:min=0:default=9.50 "
    "parent:references:to=Workout:optional:setnull --owned",
    "Coach email:email:unique site:url:optional ref:uuid:optional profile:json:optional "
    "level:integer:default=3:index mentor:references:to=Coach:optional",
    "ExerciseSet title:string:index workout:references weight:float:min=0:optional "
    "done:boolean:default=false kind:choice:warmup/main/cooldown:default=main "
    "started_at:datetime:optional",
    # Two references to one table (one named for its role), one to User on an owned resource
    # (SQLAlchemy's foreign_keys), and two fields unique together.
    "Session coach:references:protect workout:references:setnull:optional label:string:40:optional "
    "trainer:references:to=User:optional assistant:references:to=Coach:optional "
    "--unique coach,workout --owned",
    # A grandchild: its tests make the exercise set's workout first.
    "Rep exercise_set:references count:integer:min=1",
    # One-to-one.
    "Tag label:string:40 coach:references:optional:unique --writers=users",
]
# One project per database, each with other starter options (pairs, not the product).
DATABASES = {
    "sqlite": (),
    "postgresql": ("--data", "analytics=true"),
    "mysql": ("--data", "sentry=true"),
}


@pytest.mark.slow
@pytest.mark.parametrize("database", list(DATABASES))
def test_flask_resources_pass_the_projects_own_checks(tmp_path, monkeypatch, database):
    from generator.cli import run
    from harness.projects import ProjectEnv, leftover_template_syntax, servers_for
    from tests.helpers import check_flask, commit_all, new_flask

    monkeypatch.setenv("STACKGEN_HOME", str(tmp_path / "home"))
    project = tmp_path / "gym_api"
    assert new_flask(project, "--data", f"database={database}", *DATABASES[database]) == 0
    for line in FLASK_RESOURCES:
        assert run(["generate", "resource", *line.split(), "-C", str(project)], False) == 0
        commit_all(project, line)
    assert leftover_template_syntax(project) == []
    assert run(["resources", "-C", str(project)], False) == 0

    env = ProjectEnv()
    env.install(project)
    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")
    with servers_for({"database": database}, test_database=True) as urls:
        check_flask(env, project, urls)
        dev = {"SECRET_KEY": "k" * 40, **urls}
        env.run(project, "flask", "db", "downgrade", "5e0a7c9b1d24", env=dev)
        env.run(project, "flask", "db", "upgrade", env=dev)
