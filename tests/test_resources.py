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
        (["n:integer:min=5:max=1"], "greater"),
        (["flag:boolean:default=yes"], "boolean"),
        (["x:decimal:10"], "precision"),
        (["parent:references:setnull"], "no resource parent"),
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


# Every field type and modifier, each relation kind, each kind of access (owned, scoped through
# a reference, shared written by staff or by every user), spread over six resources.
FLASK_RESOURCES = [
    "Workout name:string:120:unique duration_minutes:integer:min=1:max=600 performed_on:date "
    "notes:text:optional price:decimal:8.2:min=0:default=9.50 --owned",
    "Coach email:email:unique site:url:optional ref:uuid:optional profile:json:optional "
    "level:integer:default=3:index",
    "ExerciseSet title:string:index workout:references weight:float:min=0:optional "
    "done:boolean:default=false kind:choice:warmup/main/cooldown:default=main "
    "started_at:datetime:optional",
    "Session coach:references:protect workout:references:setnull:optional label:string:40:optional "
    "--owned",
    # A grandchild: its tests make the exercise set's workout first.
    "Rep exercise_set:references count:integer:min=1",
    "Tag label:string:40 --writers=users",
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
