"""`stackgen update` and `stackgen check` on projects made from a template that then moves on.

A template repository is built in a temporary folder and tagged v1; projects are
generated from it, edited as a user would, and committed; the template then
changes (a file changed, one added, one removed) and is tagged v2.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import copier
import pytest

from generator import __version__, store
from generator.cli import run
from harness.projects import FRAMEWORKS, REPO_ROOT, ProjectEnv
from tests.helpers import (
    CTRL_C,
    ENTER,
    V2_README_LINE,
    answers_of,
    commit_all,
    drive,
    generate_at_v1,
    git,
    make_v2,
    release_v2,
    template_repo_from,
)


def change_add_delete_and_commit(project: Path) -> None:
    """Change a generated file, add one, delete one, edit one the template drops; commit."""
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# my own setting\n")
    (project / "NOTES.md").write_text("my notes\n")
    (project / ".gitignore").unlink()
    dockerignore = project / ".dockerignore"
    dockerignore.write_text(dockerignore.read_text() + "my-secrets/\n")
    commit_all(project, "my edits")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_update_brings_template_changes_and_keeps_user_edits(
    tmp_path, template_repo, capsys, framework
):
    project = generate_at_v1(template_repo, tmp_path / "proj", framework)
    change_add_delete_and_commit(project)
    assert run(["check", str(project)], interactive=False) == 0
    release_v2(template_repo)
    assert run(["check", str(project)], interactive=False) == 1
    assert "behind: template version v1, newest v2" in capsys.readouterr().out

    assert run(["update", str(project), "--defaults"], interactive=False) == 0
    out = capsys.readouterr().out
    assert "from template version v1 to v2" in out

    # The template's changes arrived.
    assert V2_README_LINE in (project / "README.md").read_text()
    assert (project / "CONTRIBUTING.md").is_file()
    assert not (project / ".pre-commit-config.yaml").exists()  # dropped, never edited
    assert answers_of(project)["_commit"] == "v2"
    # The user's edits survived.
    assert (project / "pyproject.toml").read_text().endswith("# my own setting\n")
    assert (project / "NOTES.md").read_text() == "my notes\n"
    assert not (project / ".gitignore").exists()  # deleted by the user, stays deleted
    assert "my-secrets/" in (project / ".dockerignore").read_text()  # edited: kept
    assert "kept, as you changed them (the template dropped them) (1): .dockerignore" in out
    # The summary names what changed.
    assert "added (1): CONTRIBUTING.md" in out
    assert "removed (1): .pre-commit-config.yaml" in out
    assert "updated (2): .copier-answers.yml, README.md" in out and "conflicted" not in out
    assert run(["check", str(project)], interactive=False) == 0


def test_conflicting_edit_is_marked_listed_and_fails(tmp_path, template_repo, capsys):
    project = generate_at_v1(template_repo, tmp_path / "proj", "flask")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nMy own last line.\n")
    commit_all(project, "my README line")
    release_v2(template_repo)

    assert run(["update", str(project), "--defaults"], interactive=False) == 1
    captured = capsys.readouterr()
    assert "conflicted (1): README.md" in captured.out
    assert captured.err == ""  # a conflict is an outcome to finish, not an error
    assert "1 file(s) could not be merged and hold conflict markers" in captured.out
    assert "To finish: edit each" in captured.out
    text = readme.read_text()
    assert "<<<<<<<" in text and "My own last line." in text and V2_README_LINE in text
    # Everything else was applied, not half-done.
    assert (project / "CONTRIBUTING.md").is_file()
    assert answers_of(project)["_commit"] == "v2"


def test_dirty_project_is_refused_untouched(tmp_path, template_repo, capsys):
    project = generate_at_v1(template_repo, tmp_path / "proj", "django")
    release_v2(template_repo)
    (project / "scratch.txt").write_text("work in progress")
    before = git(project, "status", "--porcelain")
    readme = (project / "README.md").read_text()

    assert run(["update", str(project), "--defaults"], interactive=False) == 1
    assert "has uncommitted changes; commit or stash them first" in capsys.readouterr().err
    assert git(project, "status", "--porcelain") == before
    assert (project / "README.md").read_text() == readme
    assert answers_of(project)["_commit"] == "v1"


def test_dirty_tree_is_the_reason_given_even_without_a_terminal(tmp_path, template_repo, capsys):
    project = generate_at_v1(template_repo, tmp_path / "proj", "flask")
    release_v2(template_repo)
    (project / "scratch.txt").write_text("work in progress")
    assert run(["update", str(project)], interactive=False) == 1
    err = capsys.readouterr().err
    assert "has uncommitted changes" in err and "no terminal" not in err
    assert answers_of(project)["_commit"] == "v1"


def test_changed_answer_moves_the_project_to_postgresql(tmp_path, template_repo):
    project = generate_at_v1(template_repo, tmp_path / "proj", "flask")
    release_v2(template_repo)
    argv = ["update", str(project), "--defaults", "--data", "database=postgresql"]
    assert run(argv, interactive=False) == 0
    assert answers_of(project)["database"] == "postgresql"
    assert "psycopg" in (project / "pyproject.toml").read_text()
    assert V2_README_LINE in (project / "README.md").read_text()


def test_plain_copier_update_works_on_the_same_projects(tmp_path, template_repo):
    project = generate_at_v1(template_repo, tmp_path / "proj", "django")
    change_add_delete_and_commit(project)
    release_v2(template_repo)
    copier.run_update(project, defaults=True, overwrite=True, quiet=True)
    assert V2_README_LINE in (project / "README.md").read_text()
    assert (project / "NOTES.md").is_file()
    assert answers_of(project)["_commit"] == "v2"


def test_stackgen_projects_update_through_the_template_store(tmp_path, capsys):
    """A project from `stackgen new` follows the installed version; --to picks another."""
    project = tmp_path / "shop"
    assert run(["new", str(project), "--framework", "django", "--defaults"], interactive=False) == 0
    recorded = answers_of(project)
    assert Path(recorded["_src_path"]).expanduser() == store.store_dir()
    assert run(["check", str(project)], interactive=False) == 0
    assert run(["update", str(project), "--defaults"], interactive=False) == 0
    assert "already at template version" in capsys.readouterr().out

    # The next release's templates, added to the store as a newer version.
    files = tmp_path / "next"
    files.mkdir()
    shutil.copy(REPO_ROOT / "copier.yml", files)
    shutil.copytree(REPO_ROOT / "templates", files / "templates")
    make_v2(files)
    _, tag = store.ensure_version(files=files, version="99.0.0")
    assert tag == "v99.0.0"

    assert run(["update", str(project), "--defaults", "--to", "99.0.0"], interactive=False) == 0
    assert V2_README_LINE in (project / "README.md").read_text()
    assert answers_of(project)["_commit"] == "v99.0.0"
    commit_all(project, "update to v99.0.0")
    # Newer than the installed stackgen's templates: no silent downgrade.
    assert run(["check", str(project)], interactive=False) == 0
    assert run(["update", str(project), "--defaults"], interactive=False) == 0
    assert "already at template version v99.0.0" in capsys.readouterr().out
    assert run(["update", str(project), "--defaults", "--to", "98.0"], interactive=False) == 1
    assert "template version v98.0 does not exist" in capsys.readouterr().err


def test_interactive_update_asks_with_the_recorded_answers(tmp_path, template_repo, capsys):
    project = generate_at_v1(template_repo, tmp_path / "proj", "flask", database="mysql")
    release_v2(template_repo)
    # Enter at each question keeps its recorded answer; the framework is not asked.
    # ... sentry, celery, kubernetes off, analytics: yes, no sign-up, no browser, no
    # TypeScript client
    keys = ENTER * 9 + "y" + ENTER * 3
    assert drive(keys, "update", str(project)) == 0
    recorded = answers_of(project)
    assert (recorded["database"], recorded["analytics"], recorded["framework"]) == (
        "mysql",
        True,
        "flask-api",
    )
    assert "pandas" in (project / "pyproject.toml").read_text()
    updated = next(line for line in capsys.readouterr().out.splitlines() if "updated (" in line)
    assert ".copier-answers.yml" in updated and "pyproject.toml" in updated


def test_interrupted_update_leaves_the_last_commit(tmp_path, template_repo, capsys):
    project = generate_at_v1(template_repo, tmp_path / "proj", "django")
    release_v2(template_repo)
    head = git(project, "rev-parse", "HEAD")
    assert drive(ENTER * 3 + CTRL_C, "update", str(project)) == 130
    assert "interrupted" in capsys.readouterr().err
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(project, "rev-parse", "HEAD") == head
    assert answers_of(project)["_commit"] == "v1"


def test_not_a_project_and_no_terminal_are_clear_errors(tmp_path, template_repo, capsys):
    assert run(["update", str(tmp_path)], interactive=False) == 1
    assert "has no .copier-answers.yml" in capsys.readouterr().err
    # check: 1 means "behind"; a project it cannot read is another answer.
    assert run(["check", str(tmp_path)], interactive=False) == 2
    assert "cannot tell" in capsys.readouterr().err
    project = generate_at_v1(template_repo, tmp_path / "proj", "flask")
    assert run(["update", str(project)], interactive=False) == 1
    assert "pass --defaults" in capsys.readouterr().err


def test_changing_an_answer_without_a_new_version(tmp_path, capsys):
    project = tmp_path / "api"
    assert run(["new", str(project), "--framework", "flask", "--defaults"], interactive=False) == 0
    capsys.readouterr()
    argv = ["update", str(project), "--defaults", "--data", "database=postgresql"]
    assert run(argv, interactive=False) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Applied the changed answers to {project} (template version v")
    assert ".env.example changed: bring what applies into your own .env." in out
    assert answers_of(project)["database"] == "postgresql"
    assert "psycopg" in (project / "pyproject.toml").read_text()
    assert "postgresql" in (project / ".env.example").read_text()


def test_check_is_the_same_with_or_without_stackgen_home(tmp_path, monkeypatch, capsys):
    """The recorded store decides, not today's STACKGEN_HOME (regression).

    Without the setting, the project's store was taken for a plain template
    repository, so `check` compared with its highest tag, which can be another
    build's templates (here a later one), and said "behind".
    """
    project = tmp_path / "shop"
    assert run(["new", str(project), "--framework", "flask", "--defaults"], interactive=False) == 0
    files = tmp_path / "other-build"
    files.mkdir()
    shutil.copy(REPO_ROOT / "copier.yml", files)
    shutil.copytree(REPO_ROOT / "templates", files / "templates")
    make_v2(files)
    store.ensure_version(files=files, version=f"{__version__}.post1")
    capsys.readouterr()

    assert run(["check", str(project)], interactive=False) == 0
    with_home = capsys.readouterr().out
    monkeypatch.delenv("STACKGEN_HOME")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert run(["check", str(project)], interactive=False) == 0
    assert capsys.readouterr().out == with_home
    assert not (tmp_path / "home").exists()  # the recorded store was used, no other
    assert run(["update", str(project), "--defaults"], interactive=False) == 0
    assert "already at template version" in capsys.readouterr().out


# The last commit whose templates made tokens that never expire (before issue 29).
BEFORE_EXPIRING_TOKENS = "7a94e21e01a13c45195185e1416ba8e4ba166946"
# Each framework's commands, with what they need to run on the project's SQLite.
MANAGE = {"flask": ("flask",), "django": ("python", "manage.py")}
SETTINGS = {
    "flask": {"SECRET_KEY": "not-a-secret-but-long-enough-for-this-test"},
    "django": {
        "DJANGO_SECRET_KEY": "not-a-secret-but-long-enough-for-this-test",
        "DJANGO_DEBUG": "true",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    },
}
MAKE_TOKEN = {
    "flask": [("users", "create", "ann"), ("tokens", "create", "laptop", "--user", "ann")],
    "django": [
        ("shell", "-c", "from accounts.models import User; User.objects.create_user('ann')"),
        ("apitoken", "create", "laptop", "--user", "ann"),
    ],
}
# The token's answer on /api/auth/me, the days it has left, and the answer to a password
# reset request (issue 29's later endpoints), through the project's app.
ASK_ME = {
    "flask": (
        "import os; from wsgi import app; from datetime import datetime, UTC; "
        "from sqlalchemy import select; from gym.extensions import db; "
        "from gym.models import ApiToken; "
        "answer = app.test_client().get('/api/auth/me', "
        "headers={'Authorization': 'Bearer ' + os.environ['TOKEN']}); "
        "reset = app.test_client().post('/api/auth/password-reset', "
        "json={'email': 'ann@example.com'}); "
        "ctx = app.app_context(); ctx.push(); "
        "left = db.session.scalar(select(ApiToken.expires_at)).replace(tzinfo=UTC) "
        "- datetime.now(UTC); "
        "print(answer.status_code, answer.get_json()['username'], left.days, reset.status_code)"
    ),
    "django": (
        "import os; from django.test import Client; from django.utils import timezone; "
        "from accounts.models import ApiToken; "
        "answer = Client().get('/api/auth/me', "
        "HTTP_AUTHORIZATION='Bearer ' + os.environ['TOKEN']); "
        "reset = Client().post('/api/auth/password-reset', {'email': 'ann@example.com'}, "
        "content_type='application/json'); "
        "left = ApiToken.objects.get().expires_at - timezone.now(); "
        "print(answer.status_code, answer.json()['username'], left.days, reset.status_code)"
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["flask", "django"])
def test_tokens_made_before_they_expired_keep_working_after_the_update(tmp_path, framework, capsys):
    """A project from the templates before issue 29 updates, migrates, and its users' tokens
    go on, now with the lifetime a new one gets (API_TOKEN_LIFETIME_DAYS, 30)."""
    repo = template_repo_from(tmp_path, BEFORE_EXPIRING_TOKENS)
    extra = {"api": True, "browser_tests": False} if framework == "django" else {}
    project = generate_at_v1(repo, tmp_path / "gym", framework, project_name="Gym", **extra)
    env = ProjectEnv()
    env.install(project)
    settings = SETTINGS[framework]
    migrate = ("db", "upgrade") if framework == "flask" else ("migrate", "--noinput")
    env.run(project, *MANAGE[framework], *migrate, env=settings)
    for command in MAKE_TOKEN[framework]:
        made = env.run(project, *MANAGE[framework], *command, env=settings)
    token = made.stdout.strip()

    assert run(["update", str(project), "--defaults"], interactive=False) == 0

    assert "Note: API tokens now expire" in capsys.readouterr().out
    env.install(project)
    env.run(project, *MANAGE[framework], *migrate, env=settings)
    code = ASK_ME[framework]
    python = (
        ("python", "-c", code)
        if framework == "flask"
        else (*MANAGE[framework], "shell", "-c", code)
    )
    answer = env.run(project, *python, env={**settings, "TOKEN": token})
    assert answer.stdout.split()[-4:] == ["200", "ann", "29", "202"]


# The last commit whose Django gunicorn.conf.py served several workers over a cache kept
# per process.
BEFORE_THE_WORKERS_CHECK = "48b93d49c33c322df184f2290f27a30c6168b22a"


def test_an_update_says_when_gunicorn_starts_needing_redis_for_several_workers(tmp_path, capsys):
    repo = template_repo_from(tmp_path, BEFORE_THE_WORKERS_CHECK)
    project = generate_at_v1(repo, tmp_path / "pollsite", "django", browser_tests=False)
    capsys.readouterr()

    assert run(["update", str(project), "--defaults"], interactive=False) == 0

    out = capsys.readouterr().out
    assert "Note: gunicorn now stops at start-up with more than one worker" in out
    assert "on_starting" in (project / "gunicorn.conf.py").read_text()
    commit_all(project, "updated")
    assert run(["update", str(project), "--defaults"], interactive=False) == 0
    assert "gunicorn now stops" not in capsys.readouterr().out
