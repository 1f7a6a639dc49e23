"""Django resources: the migration writer, the names Django refuses, and generated projects'
own checks on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from generator import django_migrations, fields
from generator.errors import StackgenError


def record(spec: str, resources: dict | None = None) -> dict:
    """A resource as its answers file records it: ``Workout name:string ... [--owned]``."""
    model, *specs = spec.split()
    made = fields.names(model)
    parsed = fields.parse_fields([s for s in specs if s != "--owned"], resources or {})
    return fields.resource(made, parsed, "--owned" in specs, resources or {})


def known(*records: dict) -> dict:
    return {r["model"]: {**r, "names": fields.names(r["model"])} for r in records}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".copier-answers.yml").write_text(yaml.safe_dump({"project_slug": "gym"}))
    return tmp_path


def put(project: Path, relative: str, text: str) -> None:
    path = project / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


WORKOUT = record("Workout name:string:120:unique minutes:integer:min=1:max=600 --owned")


def test_create_is_the_initial_migration_with_its_dependencies(project):
    put(project, "gym/resources/workouts/migrations/0001_initial.py", "")
    put(project, "gym/resources/workouts/migrations/0002_workout_notes.py", "")
    child = record("ExerciseSet workout:references:protect kind:choice:a/b", known(WORKOUT))

    path, text = django_migrations.write(project, "exercise_sets", None, child)

    assert path == "gym/resources/exercise_sets/migrations/0001_initial.py"
    compile(text, path, "exec")
    assert "initial = True" in text
    assert '("workouts", "0002_workout_notes")' in text
    assert "on_delete=django.db.models.deletion.PROTECT" in text
    assert 'related_name="exercise_sets"' in text
    assert 'choices=[("a", "A"), ("b", "B")]' in text
    assert "swappable_dependency" not in text


def test_an_owned_model_depends_on_the_user_model(project):
    path, text = django_migrations.write(project, "workouts", None, WORKOUT)

    assert path.endswith("/0001_initial.py")
    assert "migrations.swappable_dependency(settings.AUTH_USER_MODEL)" in text
    assert "to=settings.AUTH_USER_MODEL" in text
    assert "django.core.validators.MaxValueValidator(600)" in text


def test_alter_adds_removes_and_alters_numbered_after_the_last(project):
    put(project, "gym/resources/workouts/migrations/0001_initial.py", "")
    after = record("Workout name:string:200:unique notes:text:optional level:integer --owned")

    path, text = django_migrations.write(project, "workouts", WORKOUT, after)

    assert path.startswith("gym/resources/workouts/migrations/0002_")
    compile(text, path, "exec")
    assert '("workouts", "0001_initial")' in text
    assert "initial = True" not in text
    assert [op for op, _ in django_migrations.decide(WORKOUT, after)] == [
        "remove",
        "alter",
        "add",
        "add",
    ]
    assert 'name="minutes"' in text and "migrations.RemoveField(" in text
    assert "models.CharField(max_length=200, unique=True)" in text
    # A required field added to a table with rows: a one-off default, not kept.
    assert "models.IntegerField(default=0)" in text and "preserve_default=False" in text


def test_min_max_and_choices_are_check_constraints_as_the_model_declares_them(project):
    path, created = django_migrations.write(project, "workouts", None, WORKOUT)
    assert "migrations.AddConstraint(" in created
    assert "models.Q(minutes__gte=1, minutes__lte=600)" in created
    assert 'name="workouts_minutes_range"' in created
    put(project, path, created)
    after = record("Workout name:string:120:unique minutes:integer:min=5:max=600 --owned")

    _, text = django_migrations.write(project, "workouts", WORKOUT, after)

    compile(text, "0002.py", "exec")
    # Dropped before the field changes, added after: a changed rule is both.
    assert (
        text.index("RemoveConstraint(") < text.index("AlterField(") < text.index("AddConstraint(")
    )
    assert "models.Q(minutes__gte=5, minutes__lte=600)" in text


def test_a_rename_is_renamefield_its_rule_following_it(project):
    put(project, "gym/resources/workouts/migrations/0001_initial.py", "")
    wanted = record(
        "Workout title:string:120:unique:renamed_from=name "
        "duration:integer:min=1:max=600:renamed_from=minutes --owned"
    )
    after = {**wanted, "fields": fields.resolve_renames(WORKOUT["fields"], wanted["fields"])}

    path, text = django_migrations.write(project, "workouts", WORKOUT, after)

    assert path == "gym/resources/workouts/migrations/0002_change_workout.py"
    compile(text, path, "exec")
    assert [op for op, _ in django_migrations.decide(WORKOUT, after)] == ["rename", "rename"]
    rename = 'old_name="minutes",\n            new_name="duration",'
    # The CHECK constraint names the field: the old one goes first, the new one comes after.
    assert (
        text.index('name="workouts_minutes_range"')
        < text.index(rename)
        < text.index('name="workouts_duration_range"')
    )
    assert "RemoveField" not in text and "AddField" not in text


def test_a_renamed_resource_s_new_app_takes_the_old_one_s_history_and_table(project):
    put(
        project,
        "gym/resources/workouts/migrations/0001_initial.py",
        'dependencies = [\n        ("coaches", "0001_initial"),\n    ]\n',
    )
    put(
        project,
        "gym/resources/workouts/migrations/0002_workout_notes.py",
        'dependencies = [\n        ("workouts", "0001_initial"),\n    ]\n',
    )
    put(project, "gym/resources/sets/migrations/0001_initial.py", 'to="workouts.workout",\n')
    after = record("Routine name:string:120:unique minutes:integer:min=1:max=600 --owned")

    first, second = django_migrations.write_renamed(project, WORKOUT, after).items()

    assert first[0] == "gym/resources/routines/migrations/0001_initial.py"
    assert second[0] == "gym/resources/routines/migrations/0002_alter_routine_table.py"
    compile(first[1], first[0], "exec")
    compile(second[1], second[0], "exec")
    replaces = '("workouts", "0001_initial"),\n        ("workouts", "0002_workout_notes"),'
    assert replaces in first[1] and '("coaches", "0001_initial"),' in first[1]
    assert '"db_table": "workouts_workout"' in first[1] and 'name="Routine"' in first[1]
    assert 'name="workouts_minutes_range"' in first[1]  # the constraint as the old app named it
    assert "migrations.AlterModelTable(" in second[1] and "table=None" in second[1]
    # The content type and its permissions move to the new app, and back on the way down.
    assert 'OLD = ("workouts", "workout", "workout")' in second[1]
    assert 'NEW = ("routines", "routine", "routine")' in second[1]
    assert "migrations.RunPython(move_content_type, move_content_type_back)" in second[1]
    assert second[1].index('name="workouts_minutes_range"') < second[1].index(
        'name="routines_minutes_range"'
    )
    assert django_migrations.retargeted(project, WORKOUT, after) == {
        "gym/resources/sets/migrations/0001_initial.py": 'to="routines.routine",\n'
    }


def test_a_check_constraint_name_fits_the_databases():
    long = record(
        "PersonalTrainingSession a_very_long_descriptive_field_name_for_counts:integer:min=1"
    )
    choice = record("Level kind:choice:a/b:optional")

    [name] = django_migrations.checks(long)
    assert len(name) <= 63 and name.endswith("_a_very_long_descriptive_field_name_for_counts_range")
    # An optional choice may be blank.
    assert 'kind__in=["a", "b", ""]' in django_migrations.checks(choice)["levels_kind_choice"]


def test_references_by_role_to_user_and_one_table_twice(project):
    put(project, "gym/resources/coaches/migrations/0001_initial.py", "")
    coach = record("Coach email:email:unique")
    pairing = record(
        "Pairing from_coach:references:to=Coach to_coach:references:to=Coach:protect "
        "booked_by:references:to=User:optional profile:references:to=Coach:optional:unique",
        known(coach),
    )

    _, text = django_migrations.write(project, "pairings", None, pairing)

    compile(text, "0001.py", "exec")
    assert text.index("swappable_dependency(settings.AUTH_USER_MODEL)") < text.index('("coaches"')
    assert '"users"' not in text  # the user model is settings', not a resource's app
    for name in ("from_coach_pairings", "to_coach_pairings", "booked_by_pairings"):
        assert f'related_name="{name}"' in text
    assert "to=settings.AUTH_USER_MODEL" in text
    # One-to-one: a OneToOneField, named for the one row it is.
    assert 'models.OneToOneField(\n                        to="coaches.coach"' in text
    assert 'related_name="profile_pairing"' in text


def test_fields_unique_together_are_a_constraint_added_and_dropped(project):
    coach = record("Coach email:email:unique")
    before = record("Pairing from_coach:references:to=Coach day:date", known(coach))
    after = {**before, "unique": [["from_coach", "day"]]}
    put(project, "gym/resources/coaches/migrations/0001_initial.py", "")
    put(project, "gym/resources/pairings/migrations/0001_initial.py", "")

    _, added = django_migrations.write(project, "pairings", before, after)
    _, dropped = django_migrations.write(project, "pairings", after, before)

    compile(added, "0002.py", "exec")
    assert "migrations.AddConstraint(" in added
    assert 'fields=["from_coach", "day"], name="pairings_from_coach_day_unique"' in added
    assert 'migrations.RemoveConstraint(\n            model_name="pairing",\n' in dropped
    assert 'name="pairings_from_coach_day_unique"' in dropped


def test_a_reference_turned_into_another_column_is_removed_and_added():
    before = record("Coach level:integer")
    other = record("Level rank:integer")
    after = record("Coach level:references", known(other))

    assert [op for op, _ in django_migrations.decide(before, after)] == ["remove", "add"]


def test_ownership_switched_off_and_on(project):
    put(project, "gym/resources/workouts/migrations/0001_initial.py", "")
    public = {**WORKOUT, "owned": False}

    assert django_migrations.decide(WORKOUT, public) == [("remove", django_migrations.OWNER)]
    _, text = django_migrations.write(project, "workouts", WORKOUT, public)
    # The index on (owner, id) goes first: the column it names goes next.
    assert text.index('migrations.RemoveIndex(\n            model_name="workout",') < text.index(
        'migrations.RemoveField(\n            model_name="workout",\n            name="owner",'
    )
    # Existing rows would have no owner.
    with pytest.raises(StackgenError, match="cannot become owned once it has rows"):
        django_migrations.write(project, "workouts", public, WORKOUT)


def test_drop_deletes_the_model(project):
    put(project, "gym/resources/workouts/migrations/0001_initial.py", "")

    path, text = django_migrations.write(project, "workouts", WORKOUT, None)

    assert path == "gym/resources/workouts/migrations/0002_delete_workout.py"
    compile(text, path, "exec")
    assert 'migrations.DeleteModel(\n            name="Workout",' in text
    assert "from django.db import migrations\n" in text  # no models, nothing unused


def test_nothing_changed_writes_nothing(project):
    with pytest.raises(StackgenError, match="nothing changed"):
        django_migrations.write(project, "workouts", WORKOUT, WORKOUT)


def test_a_required_reference_cannot_be_added_to_rows(project):
    put(project, "gym/resources/workouts/migrations/0001_initial.py", "")
    put(project, "gym/resources/coaches/migrations/0001_initial.py", "")
    coach = record("Coach email:email")
    after = record(
        "Workout name:string:120:unique minutes:integer:min=1:max=600 coach:references --owned",
        known(coach),
    )

    with pytest.raises(StackgenError, match=r"coach:references:optional"):
        django_migrations.write(project, "workouts", WORKOUT, after)


# Every field type and modifier, each relation kind, owned and public, over four resources.
DJANGO_RESOURCES = [
    # A reference to its own resource ("self"): on an owned one, one of the user's rows.
    "Workout name:string:120:unique duration_minutes:integer:min=1:max=600 performed_on:date "
    "notes:text:optional price:decimal:8.2:min=0:default=9.50 "
    "parent:references:to=Workout:optional:setnull --owned",
    "Coach email:email:unique site:url:optional ref:uuid:optional profile:json:optional "
    "level:integer:default=3:index nickname:string:40:optional:unique "
    "mentor:references:to=Coach:optional",
    # One-to-one (a OneToOneField).
    "ExerciseSet title:string:index workout:references weight:float:min=0:optional "
    "done:boolean:default=false kind:choice:warmup/main/cooldown:default=main "
    "started_at:datetime:optional starts_on:date:default=2026-01-01 "
    "lead:references:to=Coach:optional:unique --owned",
    # Owned: a shared resource may not refer to owned rows by an optional reference. Two
    # references to one table (related names by role), one to User, two fields unique together.
    "Booking coach:references:protect workout:references:setnull:optional label:string:40:optional "
    "paid:boolean:optional trainer:references:to=User:optional "
    "assistant:references:to=Coach:optional --unique coach,workout --owned",
    # Long names: the generated code is laid out as ruff format lays it out.
    "PersonalTrainingSession very_long_descriptive_field_name_here:integer:min=1:max=100:index "
    "exercise_set:references:protect coach:references:setnull:optional "
    "another_quite_long_field_name_for_amounts:decimal:12.4:min=0.0001:max=99999999.9999:default=1 "
    "highly_specific_category_value:choice:first-choice-value/second_choice_value/third --owned",
    # Many-to-many: to shared rows, and to the user's own rows only (their through tables).
    "Routine name:string:60 coaches:many exercise_sets:many --owned",
]


@pytest.fixture(scope="module")
def django_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed Django project with one resource (tests leave it as they found it)."""
    from generator.cli import run
    from tests.helpers import commit_all, new_project

    base = tmp_path_factory.mktemp("django")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STACKGEN_HOME", str(base / "home"))
        project = base / "gym"
        assert new_project(project, "django") == 0
        line = ["generate", "resource", "Workout", "name:string", "laps:integer"]
        assert run([*line, "-C", str(project)], False) == 0
        commit_all(project, "Workout")
    return project


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("Session label:string", "its app would be named sessions"),
        ("Question label:string", "the starter has a Question model"),
        ("Poll label:string", "its app would be named polls"),
        ("Level level:choice:a/b", "choices class would be named Level"),
        ("Level kind:choice:a-b/a_b", "differ only in - and _"),
        ("Race coach:references", "no resource coach"),
        ("Lap workout:references", "Workout.laps would list these laps"),
    ],
)
def test_django_names_refused(django_project, monkeypatch, capsys, line, words):
    from generator.cli import run
    from tests.helpers import git, one_line_error, untouched

    monkeypatch.setenv("STACKGEN_HOME", str(django_project.parent / "home"))
    head = git(django_project, "rev-parse", "HEAD").strip()

    assert run(["generate", "resource", *line.split(), "-C", str(django_project)], False) != 0

    assert words in one_line_error(capsys.readouterr().err)
    assert untouched(django_project, head)


def test_destroy_names_the_table_django_made(django_project, monkeypatch, capsys):
    from generator.cli import run
    from tests.helpers import git, untouched

    monkeypatch.setenv("STACKGEN_HOME", str(django_project.parent / "home"))
    head = git(django_project, "rev-parse", "HEAD").strip()
    argv = ["destroy", "resource", "Workout", "--pretend", "-C", str(django_project)]

    assert run(argv, False) == 0

    out = capsys.readouterr().out
    assert "drops the table workouts_workout: every row in it is deleted" in out
    assert untouched(django_project, head)


def test_pretend_names_the_app_and_its_migration(django_project, monkeypatch, capsys):
    from generator.cli import run
    from tests.helpers import git, untouched

    monkeypatch.setenv("STACKGEN_HOME", str(django_project.parent / "home"))
    head = git(django_project, "rev-parse", "HEAD").strip()
    argv = ["generate", "resource", "ExerciseSet", "title:string", "--pretend"]

    assert run([*argv, "-C", str(django_project)], False) == 0

    out = capsys.readouterr().out
    assert "create gym/resources/exercise_sets/models.py" in out
    assert "create gym/resources/exercise_sets/migrations/0001_initial.py" in out
    assert "api.py" not in out  # the api feature is off
    assert untouched(django_project, head)


ROW = "from gym.resources.bookings.tests import create_booking; create_booking()"
SEATS = (
    "from django.db import connection; cursor = connection.cursor(); "
    'cursor.execute("SELECT seats FROM bookings_booking"); print(*(s for s, in cursor))'
)


# Coach with two fields renamed: email (unique) to contact, level (indexed) to rank.
RENAMED_COACH = (
    "Coach contact:email:unique:renamed_from=email site:url:optional ref:uuid:optional "
    "profile:json:optional rank:integer:default=3:index:renamed_from=level "
    "nickname:string:40:optional:unique"
)
COACH = "from gym.resources.coaches.models import Coach; Coach"

# One project a database, the options spread over them (pairs with api and the cache).
PROJECTS = [
    {"database": "sqlite", "api": True, "browser_tests": False},
    {"database": "postgresql", "api": False, "cache": "redis", "browser_tests": False},
    {"database": "mysql", "api": True, "browser_tests": False},
]


@pytest.mark.slow
@pytest.mark.parametrize("answers", PROJECTS, ids=lambda answers: str(answers["database"]))
def test_django_resources_pass_the_projects_own_checks(tmp_path, monkeypatch, answers):
    from generator import resources
    from generator.cli import run
    from harness.projects import ProjectEnv, leftover_template_syntax, servers_for
    from tests.helpers import check_django, commit_all, new_project

    monkeypatch.setenv("STACKGEN_HOME", str(tmp_path / "home"))
    project = tmp_path / "gym"
    options = [f"--data={key}={str(value).lower()}" for key, value in answers.items()]
    assert new_project(project, "django", *options) == 0
    for line in DJANGO_RESOURCES:
        assert run(["generate", "resource", *line.split(), "-C", str(project)], False) == 0
        commit_all(project, line)
    assert leftover_template_syntax(project) == []
    assert (project / "gym/resources/workouts/api.py").exists() == answers["api"]

    env = ProjectEnv()
    env.install(project)
    with servers_for(answers) as urls:
        dev = {"DJANGO_SECRET_KEY": "k" * 50, **urls}

        def manage(*args: str) -> str:
            return env.run(project, "python", "manage.py", *args, env=dev).stdout

        # A coach on the database; then its unique and its indexed field renamed
        # (RenameField): the values stay.
        manage("migrate", "--noinput")
        manage(
            "shell", "-v", "0", "-c", f"{COACH}.objects.create(email='ann@example.com', level=4)"
        )
        assert run(["generate", "resource", *RENAMED_COACH.split(), "-C", str(project)], False) == 0
        commit_all(project, "coach fields renamed")
        # A resource renamed on a migrated database: its new app takes the old one's history.
        rename = ["rename", "resource", "PersonalTrainingSession", "TrainingSession"]
        assert run([*rename, "-C", str(project)], False) == 0
        commit_all(project, "sessions renamed")
        assert not (project / "gym" / "resources" / "personal_training_sessions").exists()
        env.run(project, "ruff", "check", ".")
        env.run(project, "ruff", "format", "--check", ".")
        check_django(env, project, urls, answers)  # migrates, then the project's checks and tests
        code = f"{COACH}; print(*Coach.objects.values_list('contact', 'rank'))"
        assert manage("shell", "-v", "0", "-c", code).strip() == "('ann@example.com', 4)"

        def tables() -> set[str]:
            code = (
                "from django.db import connection; print(*connection.introspection.table_names())"
            )
            return set(manage("shell", "-v", "0", "-c", code).split())

        # Every resource's migrations backwards (the others depend on these two), and forwards.
        manage("migrate", "workouts", "zero")
        manage("migrate", "coaches", "zero")
        assert not {"workouts_workout", "bookings_booking"} & tables()
        manage("migrate")
        # What regenerating and destroying write: an alter, then a drop, both ways.
        booking = resources.recorded(project)["Booking"]
        changed = record(
            "Booking coach:references:protect label:string:80 seats:integer:min=1 --owned",
            resources.recorded(project),
        )
        for before, after in ((booking, changed), (changed, None)):
            path, text = django_migrations.write(project, "bookings", before, after)
            (project / path).write_text(text)
        env.run(project, "ruff", "format", "--check", "gym/resources/bookings/migrations")
        # A row there: the required field added gets its one-off value (min=1).
        manage("shell", "-v", "0", "-c", ROW)
        manage("migrate", "bookings", "0002")
        assert manage("shell", "-v", "0", "-c", SEATS).split() == ["1"]
        manage("migrate")
        assert "bookings_booking" not in tables()
        manage("migrate", "bookings", "0001")
        assert "bookings_booking" in tables()
        altered = manage("sqlmigrate", "bookings", "0002")
        for change in ("Remove field workout", "Remove field paid", "Add field seats"):
            assert f"-- {change} from booking" in altered or f"-- {change} to booking" in altered
        assert "-- Alter field label on booking" in altered


COACH_LINE = ["Coach", "name:string:80", "level:integer:default=3"]
WORKOUT_LINE = ["Workout", "title:string", "coach:references", "notes:text:optional"]
MINE = '"""The workout pages, as I describe them.\n'
LEAD = '<p class="lead">My own words.</p>\n'
ADD_A_ROW = (
    "from gym.resources.coaches.models import Coach; "
    "from gym.resources.workouts.models import Workout; "
    "Workout.objects.create(title='Run', notes='easy', coach=Coach.objects.create(name='Ann'))"
)
SQL = "from django.db import connection; cursor = connection.cursor(); "


@pytest.fixture
def postgresql() -> Iterator[dict[str, str]]:
    """DATABASE_URL of a fresh database on the real PostgreSQL, dropped afterwards."""
    from harness.projects import servers_for

    with servers_for({"database": "postgresql"}) as urls:
        yield urls


@pytest.mark.slow
def test_round_trip_on_an_edited_django_project_with_rows(
    template_repo, tmp_path, capsys, postgresql
):
    """generate two resources; edit one's views and the settings; regenerate with a field
    added and one removed; update to a newer template version; destroy. The edits survive each
    step, the row survives the change, and the drop migrates forwards and backwards, on
    PostgreSQL."""
    from generator import resources
    from generator.cli import run
    from harness.projects import ProjectEnv
    from tests.helpers import check_django, commit_all, generate_at_v1, git, make_v2

    def stackgen(*argv: str) -> int:
        return run([*argv, "-C", str(project)], interactive=False)

    project = generate_at_v1(
        template_repo,
        tmp_path / "gym",
        "django",
        project_name="gym",
        api=True,
        database="postgresql",
    )
    for spec in (COACH_LINE, WORKOUT_LINE):
        assert stackgen("generate", "resource", *spec) == 0
        commit_all(project, spec[0])
    app = project / "gym" / "resources" / "workouts"
    views, settings = app / "views.py", project / "gym" / "settings.py"
    detail = app / "templates" / "workouts" / "workout_detail.html"  # regenerating changes it
    text = views.read_text()
    assert text.startswith('"""The workout pages: list, detail, create, edit and delete.\n')
    views.write_text(MINE + text.split("\n", 1)[1])
    text = detail.read_text()
    assert text.count("<dl>\n") == 1 and "object.notes" in text
    detail.write_text(text.replace("<dl>\n", LEAD + "<dl>\n"))
    settings.write_text(settings.read_text() + '\nMY_SETTING = "mine"\n')
    commit_all(project, "my words, my setting")

    env = ProjectEnv()
    env.install(project)
    dev = {"DJANGO_SECRET_KEY": "k" * 50, **postgresql}

    def manage(*argv: str) -> str:
        return env.run(project, "python", "manage.py", *argv, env=dev).stdout

    def shell(code: str) -> str:
        return manage("shell", "-v", "0", "-c", code).strip()

    def sql(query: str) -> str:
        """The rows ``query`` reads, as Python prints them."""
        return shell(f"{SQL}cursor.execute({query!r}); print(cursor.fetchall())")

    def tables() -> list[str]:
        return shell(f"{SQL}print(*connection.introspection.table_names())").split()

    manage("migrate", "--noinput")
    assert shell("from django.db import connection; print(connection.vendor)") == "postgresql"
    shell(ADD_A_ROW)

    # Regenerate: rating added (the row takes its default), notes dropped.
    spec = ["Workout", "title:string", "coach:references", "rating:integer:default=5"]
    assert stackgen("generate", "resource", *spec) == 0, capsys.readouterr().err
    assert "notes is dropped with its values" in capsys.readouterr().out
    assert views.read_text().startswith(MINE) and settings.read_text().endswith('"mine"\n')
    text = detail.read_text()
    assert LEAD in text and "object.rating" in text and "object.notes" not in text
    models = (app / "models.py").read_text()
    assert "rating = models.IntegerField(" in models and "notes" not in models
    manage("makemigrations", "--check", "--dry-run")
    manage("migrate", "--noinput")
    assert sql("SELECT title, rating FROM workouts_workout") == "[('Run', 5)]"
    commit_all(project, "rating, no notes")

    # Rename: title to name, the row's value kept (RenameField); the edited page merged.
    spec = ["Workout", "name:string:renamed_from=title", *spec[2:]]
    assert stackgen("generate", "resource", *spec) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "title renamed to name" in out and "dropped" not in out
    text = detail.read_text()
    assert LEAD in text and "object.name" in text and "object.title" not in text
    manage("makemigrations", "--check", "--dry-run")
    manage("migrate", "--noinput")
    assert sql("SELECT name, rating FROM workouts_workout") == "[('Run', 5)]"
    commit_all(project, "title is name")

    # Coach renamed Trainer: a new app takes the old one's history and table, with its rows;
    # Workout's reference follows (coach_id becomes trainer_id), its edits kept. Staff
    # granted the coaches' permissions keep them as the trainers' (no stale content type).
    shell(
        "from django.contrib.auth.models import Group, Permission; "
        "Group.objects.create(name='desk').permissions.add("
        "Permission.objects.get(codename='change_coach', content_type__app_label='coaches'))"
    )
    assert stackgen("rename", "resource", "Coach", "Trainer") == 0, capsys.readouterr().err
    assert "Workout: coach renamed to trainer" in capsys.readouterr().out
    assert views.read_text().startswith(MINE) and LEAD in detail.read_text()
    assert not (project / "gym" / "resources" / "coaches").exists()
    manage("makemigrations", "--check", "--dry-run")
    manage("migrate", "--noinput")
    joined = (
        "SELECT w.name, t.name FROM workouts_workout w "
        "JOIN trainers_trainer t ON t.id = w.trainer_id"
    )
    assert sql(joined) == "[('Run', 'Ann')]"
    granted = shell(
        "from django.contrib.auth.models import Group; "
        "from django.contrib.contenttypes.models import ContentType; "
        "print(*Group.objects.get(name='desk').permissions.values_list("
        "'content_type__app_label', 'codename', 'name'), "
        "ContentType.objects.filter(app_label='coaches').count())"
    )
    assert granted == "('trainers', 'change_trainer', 'Can change trainer') 0"
    commit_all(project, "coaches are trainers")

    # A newer template version reaches the resources; every edit is still there.
    make_v2(template_repo)
    template = next((template_repo / "templates" / "resource-django-mtv").rglob("*views.py*"))
    template.write_text(template.read_text() + "\n\n# Template v2 was here.\n")
    commit_all(template_repo, "v2")
    git(template_repo, "tag", "v2")
    assert stackgen("update", "--defaults") == 0, capsys.readouterr().err
    assert "Its resources too: Trainer, Workout." in capsys.readouterr().out
    text = views.read_text()
    assert text.startswith(MINE) and text.endswith("# Template v2 was here.\n")
    assert settings.read_text().endswith('MY_SETTING = "mine"\n') and LEAD in detail.read_text()
    commit_all(project, "v2")

    # Destroy: the edited views stay and are listed; the rest goes; a drop migration.
    assert stackgen("destroy", "resource", "Workout") == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "`python manage.py remove_stale_contenttypes --include-stale-apps`" in out
    assert "kept, as you changed them" in out and "gym/resources/workouts/views.py" in out
    assert "gym/resources/workouts/templates/workouts/workout_detail.html" in out
    assert views.read_text().startswith(MINE) and LEAD in detail.read_text()
    assert not (app / "templates" / "workouts" / "workout_list.html").exists()
    for gone in ("models.py", "admin.py", "api.py", "urls.py", "tests.py", "test_api.py"):
        assert not (app / gone).exists(), gone
    create, change, *_, drop = (
        Path(name).stem for name in resources.recorded(project)["Workout"]["migrations"]
    )
    assert "DeleteModel" in (app / "migrations" / f"{drop}.py").read_text()
    commit_all(project, "no workouts")
    manage("makemigrations", "--check", "--dry-run")
    manage("migrate", "--noinput")
    assert "workouts_workout" not in tables()
    assert sql("SELECT name FROM trainers_trainer") == "[('Ann',)]"
    stale = "SELECT count(*) FROM django_content_type WHERE app_label = 'workouts'"
    assert sql(stale) == "[(1,)]"  # until the user removes it, as destroy said
    manage("remove_stale_contenttypes", "--include-stale-apps", "--noinput")
    assert sql(stale) == "[(0,)]"

    # Backwards, one migration at a time, with a row in the table each one changes.
    manage("migrate", "workouts", change)  # the table comes back, empty; name is title again
    shell(
        f'{SQL}cursor.execute("INSERT INTO workouts_workout (title, coach_id, rating, '
        "created_at, updated_at) SELECT 'Swim', id, 2, '2026-01-01', '2026-01-01' "
        'FROM trainers_trainer")'
    )
    manage("migrate", "workouts", create)  # rating dropped, notes back (empty)
    assert sql("SELECT title, notes FROM workouts_workout") == "[('Swim', '')]"
    manage("migrate", "workouts", "zero")
    assert "workouts_workout" not in tables()
    manage("migrate", "--noinput")
    assert "workouts_workout" not in tables()
    assert f"[X] {drop}" in manage("showmigrations", "workouts")

    check_django(env, project, postgresql, {"api": True, "database": "postgresql"})
    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")

    # Workout back, over the files it kept: both sides wrote them, the merge is the user's.
    assert stackgen("generate", "resource", "Workout", "title:string", "trainer:references") == 1
    out = capsys.readouterr().out
    assert "could not be merged" in out and "gym/resources/workouts/views.py" in out
    assert "<<<<<<<" in views.read_text() and (app / "models.py").exists()


SCHEMATHESIS = "schemathesis==4.32.5"
# schemathesis, inside the project's environment, on the site's WSGI application with the
# served site's database: every operation of its API (the resources and the polls), with
# all of schemathesis's checks, as staff (who may write each resource), on rows that exist.
# In process, not through gunicorn: gunicorn itself answers a request line over 4094 bytes
# with its own HTML 414, before the application is asked.
FUZZ_MODULE = """
import os
from pathlib import Path

import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

config = SchemathesisConfig.from_path(Path(__file__).with_name("schemathesis.toml"))
application = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=config)
FUZZ = settings(max_examples={examples}, deadline=None, suppress_health_check=list(HealthCheck))


def test_the_token_reads_the_served_sites_rows():
    from django.test import Client

    token = os.environ["FUZZ_TOKEN"]
    response = Client().get("/api/workouts", headers={{"Authorization": f"Bearer {{token}}"}})
    assert response.status_code == 200 and response.json()["count"] == 1, response.content


# The fuzzer's token, but for a case whose headers were drawn wrong on purpose (the token
# left out or spoiled): a token added over them made it a valid request, and its 200 a finding.
# Revoking a token (sign out, or by id) is fuzzed with a fresh token of another user, so that
# the fuzzer stays signed in and its own tokens are out of reach.
def signed_in(case):
    from django.contrib.auth import get_user_model

    from accounts.tokens import issue_token

    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if headers is not None and headers.mode.is_negative:
        return None
    if case.method.upper() == "DELETE" and case.path.startswith("/api/auth/tokens/"):
        spender, _ = get_user_model().objects.get_or_create(username="spender")
        return {{"Authorization": f"Bearer {{issue_token('spent', spender)}}"}}
    return {{"Authorization": f"Bearer {{os.environ['FUZZ_TOKEN']}}"}}


@schema.parametrize()
@FUZZ
def test_api(case):
    response = case.call_and_validate(headers=signed_in(case))
    signing_in = (case.method.upper(), case.path) == ("POST", "/api/auth/tokens")
    if case.meta is not None and case.meta.generation.mode.is_positive and not signing_in:
        assert response.status_code != 401, "a case the schema allows went without the token"
"""

# Two exceptions to "valid data is accepted": a reference (workout_id, exercise_id, a
# workout's coach_id, an exercise's parent_id) or a many field's id (tag_ids) is an integer
# the schema cannot tie to a row, and one that names no row the user sees is the contract's
# 422; a password reset or sign-up token is a string the schema cannot tie to a mail, and a
# wrong one (or a password the validators refuse, at reset or sign-up) is its 422. Every
# other check runs as schemathesis ships it.
FUZZ_CONFIG = """
[[operations]]
include-path-regex = "^/api/(exercise-sets|workouts|exercises)"
include-method = ["POST", "PUT", "PATCH"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-path-regex = "^/api/auth/password-reset/confirm$"
include-method = ["POST"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "422", "429"]

[[operations]]
include-path-regex = "^/api/auth/signup"
include-method = ["POST"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "422", "429"]
"""


@pytest.mark.slow
def test_schemathesis_finds_nothing_on_the_generated_resources(tmp_path):
    from harness.projects import ProjectEnv
    from tests.helpers import FITNESS, call, served_with_resources

    env = ProjectEnv()
    env.install_requirements(SCHEMATHESIS)
    fuzz_dir = tmp_path / "fuzz"
    fuzz_dir.mkdir()
    fuzz = fuzz_dir / "test_fuzz_resources.py"
    # 30 cases an operation, as on Flask's (tests/test_flask_api_runtime.py), 37 operations:
    # among the suite's longest tests (112 s at 50, 5 min at 100); more with
    # STACKGEN_FUZZ_EXAMPLES=N.
    examples = int(os.environ.get("STACKGEN_FUZZ_EXAMPLES", "30"))
    fuzz.write_text(FUZZ_MODULE.format(examples=examples))
    (fuzz_dir / "schemathesis.toml").write_text(FUZZ_CONFIG)
    served = served_with_resources(
        tmp_path, "django", "sqlite", FITNESS, ["staff"], data=["signup=true"]
    )
    with served as site:
        token = site.tokens["staff"]
        workout = {"name": "Run", "duration_minutes": 30, "performed_on": "2026-12-01"}
        workout_id = call(site.api("workouts"), "POST", workout, token=token).body["id"]
        exercise = {"title": "Squat", "category": "strength"}
        exercise_id = call(site.api("exercises"), "POST", exercise, token=token).body["id"]
        a_set = {"workout_id": workout_id, "exercise_id": exercise_id, "reps": 5}
        assert call(site.api("exercise-sets"), "POST", a_set, token=token).status == 201
        result = env.run(
            site.project,
            *("python", "-m", "pytest", str(fuzz), "--rootdir", str(fuzz_dir)),
            *("-p", "no:cacheprovider", "-p", "no:django", "-o", "addopts=", "-q"),
            env={
                "FUZZ_TOKEN": token,
                "DJANGO_SETTINGS_MODULE": f"{site.project.name}.settings",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_DEBUG": "false",
                "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1,testserver",
                "DJANGO_HTTPS": "false",
                "SIGN_IN_FAILURE_LIMIT": "1000000",  # fuzz the API, not the lockout
                "SIGNUP_RATE_LIMIT": "1000000/hour",  # nor the sign-up's throttle
            },
            check=False,
        )
    assert result.returncode == 0, result.stdout[-20000:]
    # Each resource's six operations (list, create, read, replace, update, delete), the
    # polls' three, the sign-in's seven (/api/auth/: tokens, me, my tokens, sign out, revoke,
    # password reset and its confirmation), sign-up's two and the token's check: none skipped.
    assert f"{4 * 6 + 3 + 7 + 2 + 1} passed" in result.stdout, result.stdout[-4000:]
    assert "skipped" not in result.stdout, result.stdout[-4000:]
