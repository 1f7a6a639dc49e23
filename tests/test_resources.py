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
        (
            "comments:text:optional:renamed_from=notes",
            {"name": "comments", "type": "text", "optional": True, "renamed_from": "notes"},
        ),
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
        (["notes:text:renamed_from=notes"], "renamed_from= names the field's old name"),
        (["notes:text:renamed_from=Old"], "renamed_from= names the field's old name"),
        (["notes:text:renamed_from=a:renamed_from=b"], "renamed_from= is given twice"),
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


RECORDED = fields.parse_fields(["title:string", "notes:text:optional", "level:integer:min=1"])


def test_a_rename_keeps_the_column_and_is_applied_once():
    wanted = fields.parse_fields(
        ["title:string", "comments:text:optional:renamed_from=notes", "level:integer:min=1"]
    )
    pending = fields.resolve_renames(RECORDED, wanted)
    change = fields.changes(RECORDED, pending)
    assert fields.describe_changes(change) == ["notes renamed to comments"]
    assert change["added"] == change["dropped"] == change["altered"] == []
    assert fields.describe_changes(fields.undo(change)) == ["comments renamed to notes"]
    # Recorded without it; the same list again (a model file that still says it) is done.
    after = fields.settled(pending)
    assert "renamed_from" not in after[1]
    assert fields.resolve_renames(after, wanted) == after
    assert (
        fields.describe_changes(fields.changes(after, fields.resolve_renames(after, wanted))) == []
    )
    # A new resource has nothing to rename: its field is created.
    assert fields.resolve_renames(None, wanted) == after


def test_a_rename_says_nothing_about_lost_values():
    from generator.resources import row_warnings

    wanted = fields.parse_fields(["title:string", "remarks:text:optional:renamed_from=notes"])
    after = {"fields": fields.resolve_renames(RECORDED, wanted)}
    warnings = row_warnings({"fields": RECORDED}, after, fills_rows=False)
    assert warnings == [
        "level is dropped with its values (to keep them under another name, give the new "
        "field renamed_from=level)"
    ]


@pytest.mark.parametrize(
    ("specs", "words"),
    [
        (["title:string", "comments:text:optional:renamed_from=note"], "there is no field note"),
        (
            ["title:string:renamed_from=notes", "level:integer:min=1"],
            "title is a field already",
        ),
        (
            ["title:string", "notes:text:optional", "comments:text:optional:renamed_from=notes"],
            "notes is kept too",
        ),
        (
            ["a:text:optional:renamed_from=notes", "b:text:optional:renamed_from=notes"],
            "notes is renamed twice",
        ),
        (
            ["title:string", "comments:string:optional:renamed_from=notes"],
            "rename notes first, with its type and modifiers as they are "
            "(comments:text:optional:renamed_from=notes), then change it in a second regenerate",
        ),
    ],
)
def test_a_rename_that_cannot_be_done_is_refused_in_one_line(specs, words):
    with pytest.raises(FieldError) as raised:
        fields.resolve_renames(RECORDED, fields.parse_fields(specs))
    assert words in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("name", "moved"),
    [
        ("gym/resources/exercise_sets/views.py", "gym/resources/drills/views.py"),
        ("tests/test_exercise_sets.py", "tests/test_drills.py"),
        (
            "gym/resources/exercise_sets/templates/exercise_sets/exerciseset_detail.html",
            "gym/resources/drills/templates/drills/drill_detail.html",
        ),
        (
            "gym/resources/exercise_sets/mine/exercise_sets.txt",
            "gym/resources/drills/mine/exercise_sets.txt",
        ),
    ],
)
def test_a_renamed_resource_s_files_take_its_new_names(name, moved):
    from generator.rename import moved_name

    assert moved_name(name, fields.names("ExerciseSet"), fields.names("Drill")) == moved


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


# Many-to-many: to shared rows, and to the user's own rows only (their join tables).
MANY = " tags:many workouts:many"
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
    # One-to-one.
    "Tag label:string:40 coach:references:optional:unique --writers=users",
    # A grandchild: its tests make the exercise set's workout first.
    "Rep exercise_set:references count:integer:min=1" + MANY,
]
# Coach with two fields renamed: email (unique) to contact, level (indexed) to rank.
RENAMED_COACH = (
    "Coach contact:email:unique:renamed_from=email site:url:optional ref:uuid:optional "
    "profile:json:optional rank:integer:default=3:index:renamed_from=level"
)
# The rows a query reads, through the project's own database settings.
FLASK_SQL = """\
import sys
from sqlalchemy import text
from wsgi import app
from gym_api.extensions import db
with app.app_context():
    result = db.session.execute(text(sys.argv[1]))
    print(*(tuple(row) for row in result) if result.returns_rows else ())
    db.session.commit()
"""
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
    from tests.helpers import check_flask, commit_all, new_flask, resource_tests

    monkeypatch.setenv("STACKGEN_HOME", str(tmp_path / "home"))
    project = tmp_path / "gym_api"
    assert new_flask(project, "--data", f"database={database}", *DATABASES[database]) == 0
    # MySQL's tests are the longest run of the three: there the many fields' tables and tests
    # are left out (tests/test_contract.py serves tags:many on MariaDB, migrations and API).
    # On the servers the suite is the resources' tests: the whole suite with these resources
    # runs on SQLite, and the matrix runs the starter's on each server.
    lines = [line.replace(MANY, "") if database == "mysql" else line for line in FLASK_RESOURCES]
    plurals = [fields.names(line.split()[0]).plural for line in lines]
    tests = resource_tests(plurals) if database != "sqlite" else []
    for line in lines:
        assert run(["generate", "resource", *line.split(), "-C", str(project)], False) == 0
        commit_all(project, line)
    assert leftover_template_syntax(project) == []
    assert run(["resources", "-C", str(project)], False) == 0

    env = ProjectEnv()
    env.install(project)
    with servers_for({"database": database}, test_database=True) as urls:
        dev = {"SECRET_KEY": "k" * 40, **urls}

        def sql(query: str) -> str:
            return env.run(project, "python", "-c", FLASK_SQL, query, env=dev).stdout.strip()

        # A coach on the database; then its unique and its indexed field renamed: the
        # migration renames the columns (their index and constraint follow), the values stay.
        env.run(project, "flask", "db", "upgrade", env=dev)
        sql(
            "INSERT INTO coaches (email, level, created_at, updated_at) "
            "VALUES ('ann@example.com', 4, '2026-01-01', '2026-01-01')"
        )
        assert run(["generate", "resource", *RENAMED_COACH.split(), "-C", str(project)], False) == 0
        commit_all(project, "coach fields renamed")
        env.run(project, "ruff", "check", ".")
        env.run(project, "ruff", "format", "--check", ".")
        check_flask(env, project, urls, tests=tests)  # upgrades, then its checks and tests
        assert sql("SELECT contact, rank FROM coaches") == "('ann@example.com', 4)"
        env.run(project, "flask", "db", "downgrade", "5e0a7c9b1d24", env=dev)
        env.run(project, "flask", "db", "upgrade", env=dev)


# Many-to-many: ``tags:many`` relates a resource to the resource whose plural the name is,
# ``labels:many:to=Tag`` to the one named; a join table holds the pairs.
TAGGED = {"Tag": {"names": fields.names("Tag")}, "Plan": {"names": fields.names("Plan")}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "tags:many",
            {"name": "tags", "type": "many", "target": "Tag", "target_table": "tags"}
            | {"singular": "tag"},
        ),
        (
            "exercise_labels:many:to=Tag",
            {"name": "exercise_labels", "type": "many", "target": "Tag", "target_table": "tags"}
            | {"singular": "exercise_label"},
        ),
    ],
)
def test_a_many_field_names_its_target_and_reads_back(spec, expected):
    parsed = fields.parse_field(spec, TAGGED, fields.names("Workout"))
    assert parsed == expected
    assert fields.spec_of(parsed) == spec
    singular = expected["singular"]
    assert fields.many_names(parsed) == (f"{singular}_ids", f"{singular}_id")


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (
            ["tags:many:optional"],
            'field "tags": a many field is optional by nature (an empty set) and takes only '
            'to=Resource (and renamed_from=OLD); "optional" is not that',
        ),
        (["tag:many"], 'field "tag": a many field is named as a plural (tags, exercise_sets)'),
        (["pegs:many"], 'field "pegs": many names another resource of the project by its plural'),
        (["labels:many:to=Nope"], 'field "labels": to="Nope" is not a resource of the project'),
        (["workouts:many"], 'field "workouts": Workout cannot relate to itself yet'),
        (["tags:many", "labels:many:to=Tag"], 'field "tags": field labels relates to Tag already'),
        (
            ["tag_id:integer", "tags:many"],
            'field "tags": its ids are written tag_ids and filtered by tag_id, as another field',
        ),
        (
            [f"{'x' * 40}_tags:many:to=Tag"],
            "its join table's constraint names would be over 63 characters",
        ),
    ],
)
def test_a_many_field_that_cannot_be_made_is_refused(specs, message):
    with pytest.raises(FieldError) as raised:
        fields.parse_fields(specs, TAGGED, fields.names("Workout"))
    assert message in str(raised.value), raised.value
    assert "\n" not in str(raised.value)


def test_a_many_field_is_its_join_table_in_a_change():
    before = fields.parse_fields(["name:string"], TAGGED)
    tagged = fields.parse_fields(["name:string", "tags:many"], TAGGED)
    elsewhere = fields.parse_fields(["name:string", "tags:many:to=Plan"], TAGGED)

    assert fields.changes(before, tagged) == {
        "added": [tagged[1]],
        "dropped": [],
        "altered": [],
        "renamed": [],
    }
    assert fields.describe_changes(fields.changes(tagged, before)) == ["drop tags:many"]
    # Another target is another join table: dropped and made again, never altered.
    moved = fields.changes(tagged, elsewhere)
    assert (moved["added"], moved["dropped"], moved["altered"]) == ([elsewhere[1]], [tagged[1]], [])


def test_a_many_relation_from_shared_rows_to_users_rows_is_refused():
    from generator import access

    others = {"Label": {"model": "Label", "owned": True, "fields": []}}
    labelled = {
        "model": "Plan",
        "owned": False,
        "fields": [{"name": "labels", "type": "many", "target": "Label"}],
    }
    with pytest.raises(FieldError) as raised:
        access.decide(labelled, others)
    assert str(raised.value).startswith(
        'field "labels": Label rows belong to users, so only rows of a user relate to them'
    )
    access.decide({**labelled, "owned": True}, others)  # the user's own labels only


def test_a_many_field_adds_no_warning_and_its_drop_says_what_goes():
    from generator.resources import row_warnings

    before = {"fields": fields.parse_fields(["name:string"], TAGGED)}
    after = {"fields": fields.parse_fields(["name:string", "tags:many"], TAGGED)}
    assert row_warnings(before, after, fills_rows=False) == []
    assert row_warnings(after, before, fills_rows=False) == [
        "tags is dropped with the rows it relates (its join table)"
    ]


def test_a_many_field_added_or_dropped_is_a_migration_of_its_join_table_only(tmp_path):
    from generator.resources import flask_migration

    made = fields.names("Plan")
    plan = {key: getattr(made, key) for key in ("model", "singular", "plural", "label_plural")}
    before = {**plan, "owned": False, "constraints": True}
    before["fields"] = fields.parse_fields(["name:string"], TAGGED, made)
    after = {**before, "fields": fields.parse_fields(["name:string", "tags:many"], TAGGED, made)}

    path, text = flask_migration(tmp_path, before, after)

    assert path.endswith("_change_the_plans_table.py")
    upgrade, _, downgrade = text.partition("def downgrade() -> None:")
    assert "batch_alter_table" not in text  # the plans table itself is left as it is
    assert 'op.create_table(\n        "plans_tags",' in upgrade
    assert 'sa.PrimaryKeyConstraint("plan_id", "tag_id", name=op.f("pk_plans_tags"))' in upgrade
    assert upgrade.count('ondelete="CASCADE"') == 2
    assert downgrade.strip() == 'op.drop_table("plans_tags")'


def test_a_django_many_field_is_added_removed_and_moved_as_a_field():
    from generator.django_migrations import decide

    made = fields.names("Plan")
    before = {"model": "Plan", "fields": fields.parse_fields(["name:string"], TAGGED, made)}
    tagged = {**before, "fields": fields.parse_fields(["name:string", "tags:many"], TAGGED, made)}
    moved = {**before, "fields": fields.parse_fields(["name:string", "tags:many:to=Tag"], TAGGED)}
    elsewhere = fields.parse_fields(["name:string", "tags:many:to=Workout"], {**TAGGED, **OTHER})

    assert decide(before, tagged) == [("add", tagged["fields"][1])]
    assert decide(tagged, before) == [("remove", tagged["fields"][1])]
    assert decide(tagged, moved) == []
    # Django cannot alter a many-to-many field's target: it is removed and added again.
    assert [op for op, _ in decide(tagged, {**before, "fields": elsewhere})] == ["remove", "add"]


OTHER = {"Workout": {"names": fields.names("Workout")}}
