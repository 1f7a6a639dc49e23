"""Relations renamed with the resources they join keep their rows: `stackgen rename resource`
on either side of a relation, on a database with rows, then the migrations down and up.

- A many field's join table is named by both resources (Flask: `workouts_tags`, its columns
  `workout_id` and `tag_id`; Django: `workouts_workout_tags`, its columns named by the
  models), so each rename moves it, as renaming the field does. One named for its role
  (`favourites:many:to=Tag`) keeps its name; its foreign key and Django's column follow.
- A reference named for its role (`mentor:references:to=Coach`) keeps its name when its
  target is renamed; its foreign key is named by the target's table, and the target calls
  its rows by the resource's plural (`mentor_workouts`): both follow.

Each time the app reads the same rows, and the project's own checks pass."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from generator.cli import run
from tests.helpers import commit_all, new_project, resource_tests

pytestmark = pytest.mark.slow

# What the app reads: an expression of each ``row`` of a resource, sorted.
READ = {
    "flask": """\
from wsgi import app
from gym.extensions import db
from gym.resources.{plural}.models import {model}
with app.app_context():
    rows = db.session.query({model})
    print(sorted({expression} for row in rows))
""",
    "django": """\
from gym.resources.{plural}.models import {model}
rows = {model}.objects.all()
print(sorted({expression} for row in rows))
""",
}
# How many rows a query finds, through the project's own database settings.
SQL = {
    "flask": """\
from sqlalchemy import text
from wsgi import app
from gym.extensions import db
with app.app_context():
    print(len(db.session.execute(text("{query}")).all()))
""",
    "django": """\
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("{query}")
    print(len(cursor.fetchall()))
""",
}
# Rows made through the app's models (``made``: statements, with ``save(...)`` to store them).
MAKE = {
    "flask": """\
from wsgi import app
from gym.extensions import db
{imports}
app.app_context().push()
{made}
db.session.commit()
""",
    "django": "{imports}\n{made}\n",
}


def stackgen(project: Path, *argv: str) -> int:
    return run([*argv, "-C", str(project)], interactive=False)


class Project:
    """A generated project with two resources, installed, with its settings for one
    database."""

    def __init__(self, path: Path, framework: str, urls: dict[str, str]) -> None:
        from harness.projects import ProjectEnv

        self.path, self.framework, self.urls = path, framework, urls
        self.env = ProjectEnv()
        self.env.install(path)
        key = "SECRET_KEY" if framework == "flask" else "DJANGO_SECRET_KEY"
        self.settings = {key: secrets.token_urlsafe(50), **urls}

    def run(self, *argv: str) -> str:
        result = self.env.run(self.path, *argv, env=self.settings)
        return result.stdout + result.stderr

    def rename(self, old: str, new: str) -> None:
        assert stackgen(self.path, "rename", "resource", old, new) == 0
        commit_all(self.path, f"{old} renamed {new}")
        self.migrate()

    def migrate(self, *target: str) -> str:
        if self.framework == "flask":
            return self.run("flask", "db", "downgrade" if target else "upgrade", *target)
        return self.run("python", "manage.py", "migrate", "--noinput", *target)

    def python(self, code: str) -> str:
        if self.framework == "flask":
            return self.run("python", "-c", code).strip()
        return self.run("python", "manage.py", "shell", "-v", "0", "-c", code).strip()

    def make(self, made: str, *models: tuple[str, str]) -> None:
        imports = "".join(f"from gym.resources.{p}.models import {m}\n" for p, m in models)
        self.python(MAKE[self.framework].format(imports=imports, made=made))

    def read(self, plural: str, model: str, expression: str) -> str:
        return self.python(READ[self.framework].format(**locals()))

    def many(self, name: str) -> str:
        """A many field's rows as the app's model holds them."""
        return f"row.{name}.all()" if self.framework == "django" else f"row.{name}"

    def count(self, query: str) -> int:
        return int(self.python(SQL[self.framework].format(query=query)))

    def rewound(self, first_rename: str, django_steps: list[tuple[str, str]]) -> None:
        """The migrations are complete; every one from ``first_rename`` (a Flask migration's
        name) on, or Django's ``django_steps``, goes down, then up again."""
        if self.framework == "flask":
            assert "No new upgrade operations" in self.run("flask", "db", "check")
            [first] = self.path.glob(f"migrations/versions/*_{first_rename}.py")
            self.migrate(first.read_text().split('down_revision = "')[1][:12])
        else:
            check = ("python", "manage.py", "makemigrations", "--check", "--dry-run")
            assert "No changes detected" in self.run(*check)
            for app, migration in django_steps:
                self.migrate(app, migration)

    def checked(self, plurals: list[str]) -> None:
        """Up again, and the project's own checks: ruff, and the resources' tests."""
        self.migrate()
        self.run("ruff", "check", ".")
        self.run("ruff", "format", "--check", ".")
        if self.framework == "flask":
            tests = [*resource_tests(plurals), "--no-cov"]
        else:
            tests = [f"gym/resources/{plural}" for plural in plurals]
        argv = ("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests)
        result = self.env.run(self.path, *argv, env=self.urls)
        summary = result.stdout.strip().splitlines()[-1]
        assert " passed" in summary and "failed" not in summary, result.stdout


def started(tmp_path: Path, framework: str, database: str, *specs: list[str]) -> Path:
    path = tmp_path / "gym"
    assert new_project(path, framework, "--data", f"database={database}") == 0
    for spec in specs:
        assert stackgen(path, "generate", "resource", *spec) == 0
        commit_all(path, spec[0])
    return path


EVERY_DATABASE = [(f, d) for f in ("flask", "django") for d in ("sqlite", "postgresql", "mysql")]


@pytest.mark.parametrize(("framework", "database"), EVERY_DATABASE)
def test_renames_on_both_sides_of_a_many_field_keep_its_pairs(
    tmp_path, monkeypatch, framework, database
):
    from harness.projects import servers_for

    monkeypatch.setenv("STACKGEN_HOME", str(tmp_path / "home"))
    tag, workout = ["Tag", "name:string:40"], ["Workout", "title:string", "tags:many"]
    plan = ["Plan", "title:string", "favourites:many:to=Tag"]
    path = started(tmp_path, framework, database, tag, workout, plan)
    pairs = "[('Run', ['hills', 'long'])]"

    with servers_for({"database": database}, test_database=framework == "flask") as urls:
        project = Project(path, framework, urls)
        project.migrate()
        tags = 'tags = [Tag(name="long"), Tag(name="hills"), Tag(name="spare")]\n'
        if framework == "flask":
            made = 'db.session.add_all([*tags, Workout(title="Run", tags=tags[:2])])\n'
            made += 'db.session.add(Plan(title="Run", favourites=tags[:2]))'
        else:
            made = "Tag.objects.bulk_create(tags)\n"
            made += 'Workout.objects.create(title="Run").tags.set(tags[:2])\n'
            made += 'Plan.objects.create(title="Run").favourites.set(tags[:2])'
        project.make(tags + made, ("tags", "Tag"), ("workouts", "Workout"), ("plans", "Plan"))

        def read(plural: str, model: str, field: str) -> str:
            titled = f"(row.title, sorted(t.name for t in {project.many(field)}))"
            return project.read(plural, model, titled)

        assert read("workouts", "Workout", "tags") == pairs
        # The resource that has the field: its join table and its column of ids follow it.
        project.rename("Workout", "Routine")
        assert read("routines", "Routine", "tags") == pairs
        # The resource it relates to: the field is named by its plural, so it follows too
        # (tags becomes labels, its ids label_ids), as a reference follows its target.
        project.rename("Tag", "Label")
        assert read("routines", "Routine", "labels") == pairs
        assert read("plans", "Plan", "favourites") == pairs
        # The field renamed by a regenerate, as any field is: its join table follows it.
        badges = ["Routine", "title:string", "badges:many:to=Label:renamed_from=labels"]
        assert stackgen(path, "generate", "resource", *badges) == 0
        commit_all(path, "labels are badges")
        project.migrate()
        assert read("routines", "Routine", "badges") == pairs

        project.rewound("rename_the_workouts_table", [("routines", "0002"), ("labels", "0001")])
        if framework == "flask":
            assert project.count("SELECT workout_id, tag_id FROM workouts_tags") == 2
        else:
            assert project.count("SELECT routine_id, label_id FROM routines_routine_tags") == 2
        project.checked(["routines", "labels", "plans"])
        assert read("routines", "Routine", "badges") == pairs
        assert read("plans", "Plan", "favourites") == pairs


# On Django a foreign key's constraint is found by its column, whatever its name: one database.
BY_ROLE = [("flask", "sqlite"), ("flask", "postgresql"), ("flask", "mysql"), ("django", "mysql")]


@pytest.mark.parametrize(("framework", "database"), BY_ROLE)
def test_renames_on_both_sides_of_a_reference_by_role_keep_its_rows(
    tmp_path, monkeypatch, framework, database
):
    from harness.projects import servers_for

    monkeypatch.setenv("STACKGEN_HOME", str(tmp_path / "home"))
    coach = ["Coach", "name:string:40"]
    workout = ["Workout", "title:string", "mentor:references:to=Coach:optional"]
    path = started(tmp_path, framework, database, coach, workout)
    mentored = "(row.title, row.mentor.name)"

    with servers_for({"database": database}, test_database=framework == "flask") as urls:
        project = Project(path, framework, urls)
        project.migrate()
        made = 'ann = Coach(name="Ann")\nrun = Workout(title="Run", mentor=ann)\n'
        made += (
            "db.session.add_all([ann, run])" if framework == "flask" else "ann.save()\nrun.save()"
        )
        project.make(made, ("coaches", "Coach"), ("workouts", "Workout"))
        assert project.read("workouts", "Workout", mentored) == "[('Run', 'Ann')]"

        # Its target renamed: the reference keeps its name, its foreign key takes the new one.
        project.rename("Coach", "Trainer")
        assert project.read("workouts", "Workout", mentored) == "[('Run', 'Ann')]"
        # Renamed itself: its foreign key is dropped and made by the names it has now.
        project.rename("Workout", "Lesson")
        assert project.read("lessons", "Lesson", mentored) == "[('Run', 'Ann')]"
        reverse = "(row.name, [one.title for one in row.mentor_lessons{}])".format(
            ".all()" if framework == "django" else ""
        )
        assert project.read("trainers", "Trainer", reverse) == "[('Ann', ['Run'])]"

        # In Django, Lesson's first migration depends on Trainer's rename (it replaces Workout's
        # migrations, the last of which follows Coach's rename): back to it, not before.
        project.rewound("rename_the_coaches_table", [("lessons", "0001")])
        project.checked(["lessons", "trainers"])
        assert project.read("lessons", "Lesson", mentored) == "[('Run', 'Ann')]"
