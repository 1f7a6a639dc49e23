"""A many-to-many relation renamed with a resource keeps its pairs: `stackgen rename resource`
on either side of a `tags:many` field, on a database with rows, in both starters and on every
database. The join table is named by both resources (Flask: `workouts_tags`, its columns
`workout_id` and `tag_id`; Django: `workouts_workout_tags`, its columns named by the models),
so each rename moves it, as renaming the field does: the app reads the same pairs afterwards,
the migrations are complete, and they go down and up again."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from generator.cli import run
from tests.helpers import commit_all, new_project, resource_tests

pytestmark = pytest.mark.slow

TAG = ["Tag", "name:string:40"]
WORKOUT = ["Workout", "title:string", "tags:many"]
# The pairs as each app reads them: (the workout's title, the names of its tags).
READ = {
    "flask": """\
from wsgi import app
from gym.extensions import db
from gym.resources.{plural}.models import {model}
with app.app_context():
    rows = db.session.query({model})
    print(sorted((row.title, sorted(t.name for t in row.{field})) for row in rows))
""",
    "django": """\
from gym.resources.{plural}.models import {model}
rows = {model}.objects.all()
print(sorted((row.title, sorted(t.name for t in row.{field}.all())) for row in rows))
""",
}
PAIRS = "[('Run', ['hills', 'long'])]"
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


def stackgen(project: Path, *argv: str) -> int:
    return run([*argv, "-C", str(project)], interactive=False)


class Project:
    """A generated project, installed, with its settings for one database."""

    def __init__(self, path: Path, framework: str, urls: dict[str, str]) -> None:
        from harness.projects import ProjectEnv

        self.path, self.framework = path, framework
        self.env = ProjectEnv()
        self.env.install(path)
        key = "SECRET_KEY" if framework == "flask" else "DJANGO_SECRET_KEY"
        self.settings = {key: secrets.token_urlsafe(50), **urls}

    def run(self, *argv: str) -> str:
        result = self.env.run(self.path, *argv, env=self.settings)
        return result.stdout + result.stderr

    def migrate(self, *target: str) -> str:
        if self.framework == "flask":
            return self.run("flask", "db", "downgrade" if target else "upgrade", *target)
        return self.run("python", "manage.py", "migrate", "--noinput", *target)

    def python(self, code: str) -> str:
        if self.framework == "flask":
            return self.run("python", "-c", code).strip()
        return self.run("python", "manage.py", "shell", "-v", "0", "-c", code).strip()

    def pairs(self, model: str, field: str) -> str:
        plural = {"Workout": "workouts", "Routine": "routines"}[model]
        return self.python(READ[self.framework].format(plural=plural, model=model, field=field))


@pytest.mark.parametrize(
    ("framework", "database"),
    [(f, d) for f in ("flask", "django") for d in ("sqlite", "postgresql", "mysql")],
)
def test_renames_on_both_sides_of_a_many_field_keep_its_pairs(
    tmp_path, monkeypatch, framework, database
):
    from harness.projects import servers_for

    monkeypatch.setenv("STACKGEN_HOME", str(tmp_path / "home"))
    path = tmp_path / "gym"
    assert new_project(path, framework, "--data", f"database={database}") == 0
    for spec in (TAG, WORKOUT):
        assert stackgen(path, "generate", "resource", *spec) == 0
        commit_all(path, spec[0])

    with servers_for({"database": database}, test_database=framework == "flask") as urls:
        project = Project(path, framework, urls)
        project.migrate()
        made = """\
{open}
tags = [Tag(name="long"), Tag(name="hills"), Tag(name="spare")]
workout = Workout(title="Run")
{save}
"""
        imports = (
            "from gym.resources.tags.models import Tag\n"
            "from gym.resources.workouts.models import Workout\n"
        )
        if framework == "flask":
            code = made.format(
                open="from wsgi import app\nfrom gym.extensions import db\n"
                + imports
                + "app.app_context().push()",
                save="workout.tags = tags[:2]\ndb.session.add_all([*tags, workout])\n"
                "db.session.commit()",
            )
        else:
            code = made.format(
                open=imports,
                save="Tag.objects.bulk_create(tags)\nworkout.save()\nworkout.tags.set(tags[:2])",
            )
        project.python(code)
        assert project.pairs("Workout", "tags") == PAIRS

        # The resource that has the field: its join table and its column of ids follow it.
        assert stackgen(path, "rename", "resource", "Workout", "Routine") == 0
        commit_all(path, "workouts are routines")
        project.migrate()
        assert project.pairs("Routine", "tags") == PAIRS

        # The resource it relates to: the field is named by its plural, so it follows too
        # (tags becomes labels, its ids label_ids), as a reference follows its target.
        assert stackgen(path, "rename", "resource", "Tag", "Label", "--pretend") == 0
        assert stackgen(path, "rename", "resource", "Tag", "Label") == 0
        commit_all(path, "tags are labels")
        project.migrate()
        assert project.pairs("Routine", "labels") == PAIRS

        # The field renamed by a regenerate, as any field is: its join table follows it.
        badges = ["Routine", "title:string", "badges:many:to=Label:renamed_from=labels"]
        assert stackgen(path, "generate", "resource", *badges) == 0
        commit_all(path, "labels are badges")
        project.migrate()
        assert project.pairs("Routine", "badges") == PAIRS

        # The migrations are complete, and both renames go down and up with the pairs.
        if framework == "flask":
            assert "No new upgrade operations" in project.run("flask", "db", "check")
            first = sorted(path.glob("migrations/versions/*_rename_the_workouts_table.py"))
            before_the_renames = first[0].read_text().split('down_revision = "')[1][:12]
            project.migrate(before_the_renames)
            joined = "SELECT workout_id, tag_id FROM workouts_tags"
            tests = resource_tests(["routines", "labels"])
        else:
            assert "No changes detected" in project.run(
                "python", "manage.py", "makemigrations", "--check", "--dry-run"
            )
            project.migrate("routines", "0002")
            project.migrate("labels", "0001")
            joined = "SELECT routine_id, label_id FROM routines_routine_tags"
            tests = ["gym/resources/routines", "gym/resources/labels"]
        assert project.python(SQL[framework].format(query=joined)) == "2"
        project.migrate()
        assert project.pairs("Routine", "badges") == PAIRS

        project.run("ruff", "check", ".")
        project.run("ruff", "format", "--check", ".")
        suite = [*tests, "-p", "no:cacheprovider"]
        if framework == "flask":
            suite.append("--no-cov")
        result = project.env.run(path, "python", "-m", "pytest", "-q", *suite, env=urls)
        summary = result.stdout.strip().splitlines()[-1]
        assert " passed" in summary and "failed" not in summary, result.stdout
