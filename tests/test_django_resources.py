"""Django resources: the migration writer, the names Django refuses, and generated projects'
own checks on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

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


def test_a_reference_turned_into_another_column_is_removed_and_added():
    before = record("Coach level:integer")
    other = record("Level rank:integer")
    after = record("Coach level:references", known(other))

    assert [op for op, _ in django_migrations.decide(before, after)] == ["remove", "add"]


def test_ownership_switched_off_and_on(project):
    put(project, "gym/resources/workouts/migrations/0001_initial.py", "")
    public = {**WORKOUT, "owned": False}

    assert django_migrations.decide(WORKOUT, public) == [("remove", django_migrations.OWNER)]
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
    "Workout name:string:120:unique duration_minutes:integer:min=1:max=600 performed_on:date "
    "notes:text:optional price:decimal:8.2:min=0:default=9.50 --owned",
    "Coach email:email:unique site:url:optional ref:uuid:optional profile:json:optional "
    "level:integer:default=3:index nickname:string:40:optional:unique",
    "ExerciseSet title:string:index workout:references weight:float:min=0:optional "
    "done:boolean:default=false kind:choice:warmup/main/cooldown:default=main "
    "started_at:datetime:optional starts_on:date:default=2026-01-01 --owned",
    "Booking coach:references:protect workout:references:setnull:optional label:string:40:optional "
    "paid:boolean:optional",
    # Long names: the generated code is laid out as ruff format lays it out.
    "PersonalTrainingSession very_long_descriptive_field_name_here:integer:min=1:max=100:index "
    "exercise_set:references:protect coach:references:setnull:optional "
    "another_quite_long_field_name_for_amounts:decimal:12.4:min=0.0001:max=99999999.9999:default=1 "
    "highly_specific_category_value:choice:first-choice-value/second_choice_value/third --owned",
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


ROW = (
    "from gym.resources.bookings.models import Booking; "
    "from gym.resources.coaches.tests import create_coach; "
    "Booking.objects.create(coach=create_coach())"
)
SEATS = (
    "from django.db import connection; cursor = connection.cursor(); "
    'cursor.execute("SELECT seats FROM bookings_booking"); print(*(s for s, in cursor))'
)


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
    env.run(project, "ruff", "check", ".")
    env.run(project, "ruff", "format", "--check", ".")
    with servers_for(answers) as urls:
        check_django(env, project, urls, answers)
        dev = {"DJANGO_SECRET_KEY": "k" * 50, **urls}

        def manage(*args: str) -> str:
            return env.run(project, "python", "manage.py", *args, env=dev).stdout

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
            "Booking coach:references:protect label:string:80 seats:integer:min=1",
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
