"""`stackgen new` end to end: real rendering, real git, real keystrokes."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import run
from generator.questions import load_questions
from harness.projects import REPO_ROOT, leftover_template_syntax
from tests.helpers import CTRL_C, DOWN, ENTER, KILL_LINE, answers_of, drive, git, snapshot


@pytest.mark.parametrize(
    ("framework", "template"), [("flask", "flask-api"), ("django", "django-mtv")]
)
def test_defaults_generate_a_committed_project(tmp_path, capsys, framework, template):
    dest = tmp_path / "my-shop"
    assert run(["new", str(dest), "--framework", framework, "--defaults"], interactive=False) == 0

    answers = answers_of(dest)
    assert answers["framework"] == template
    assert answers["project_name"] == "my-shop"
    assert answers["project_slug"] == "my_shop"
    assert answers["database"] == "sqlite"
    assert answers["_commit"].startswith("v")
    assert leftover_template_syntax(dest) == []
    assert git(dest, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(dest, "status", "--porcelain") == ""
    tracked = git(dest, "ls-files").split()
    assert ".copier-answers.yml" in tracked and ".env" not in tracked
    out = capsys.readouterr().out
    assert f"Created a {framework.title()} project in {dest}" in out
    assert "pytest" in out.splitlines()[-1]
    # Nothing left beside it: the staging folder is gone.
    assert [p.name for p in tmp_path.iterdir()] == ["my-shop"]


def test_env_gets_fresh_secrets_and_stays_untracked(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for dest in (one, two):
        assert (
            run(["new", str(dest), "--framework", "django", "--defaults"], interactive=False) == 0
        )
    if not (one / ".env.example").exists():
        pytest.skip("the template ships no .env.example yet")
    assert "change-me" in (one / ".env.example").read_text()
    secrets_one = (one / ".env").read_text()
    assert "=change-me" not in secrets_one
    key = re.search(r"^DJANGO_SECRET_KEY=(.+)$", secrets_one, re.M).group(1)
    assert len(key) >= 50 and key not in (two / ".env").read_text()
    assert ".env" not in git(one, "ls-files").split()


def test_data_answers_reach_the_project(tmp_path):
    dest = tmp_path / "api"
    argv = [
        "new",
        str(dest),
        "--framework",
        "flask",
        "--defaults",
        "--data",
        "database=postgresql",
        "--data",
        "analytics=true",
        "--data",
        "project_name=Movie API",
        "--data",
        "description=Films and actors",
    ]
    assert run(argv, interactive=False) == 0
    answers = answers_of(dest)
    assert answers["database"] == "postgresql"
    assert answers["analytics"] is True
    assert (answers["project_name"], answers["project_slug"]) == ("Movie API", "movie_api")
    assert answers["description"] == "Films and actors"


BAD_INPUTS = {
    "keyword name": (
        ["--framework", "flask", "--defaults", "--data", "project_name=class"],
        "is a Python keyword",
    ),
    "stdlib name": (
        ["--framework", "django", "--defaults", "--data", "project_name=json"],
        "standard library",
    ),
    "dependency name": (
        ["--framework", "django", "--defaults", "--data", "project_name=flask"],
        "shadow a package",
    ),
    "empty name": (["--framework", "flask", "--defaults", "--data", "project_name= "], "empty"),
    "unknown key": (
        ["--framework", "flask", "--defaults", "--data", "colour=red"],
        "unknown --data key 'colour'",
    ),
    "bad choice": (
        ["--framework", "flask", "--defaults", "--data", "database=oracle"],
        "database must be one of sqlite, postgresql, mysql",
    ),
    "other framework's option": (
        ["--framework", "flask", "--defaults", "--data", "api=true"],
        "does not apply",
    ),
    "bad email": (
        ["--framework", "flask", "--defaults", "--data", "author_email=nope"],
        "is not an email address",
    ),
    "quote in description": (
        ["--framework", "flask", "--defaults", "--data", 'description=My "best" API'],
        "one line of printable text without double quotes",
    ),
    "framework as data": (
        ["--defaults", "--framework", "flask", "--data", "framework=django-mtv"],
        "choose the framework with --framework",
    ),
    "no terminal": (["--framework", "flask"], "no terminal to ask questions on; pass --defaults"),
    "defaults without framework": (["--defaults"], "--defaults needs --framework flask|django"),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, case):
    args, message = BAD_INPUTS[case]
    (tmp_path / "keep.txt").write_text("mine")
    before = snapshot(tmp_path)
    assert run(["new", str(tmp_path / "proj"), *args], interactive=False) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("stackgen: error: ")
    assert message in err
    assert snapshot(tmp_path) == before


def test_non_empty_destination_is_refused_untouched(tmp_path, capsys):
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "notes.md").write_text("my notes")
    before = snapshot(tmp_path)
    assert run(["new", str(dest), "--framework", "flask", "--defaults"], interactive=False) == 1
    assert "is not empty; pass --force" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_force_writes_the_template_and_keeps_other_files(tmp_path):
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "notes.md").write_text("my notes")
    (dest / ".copier-answers.yml").write_text("stale: true\n")
    argv = ["new", str(dest), "--framework", "flask", "--defaults", "--force"]
    assert run(argv, interactive=False) == 0
    assert (dest / "notes.md").read_text() == "my notes"
    assert answers_of(dest)["framework"] == "flask-api"
    assert "notes.md" not in git(dest, "ls-files").split()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]


def test_current_empty_folder_stays_the_same_folder(tmp_path, monkeypatch):
    here = tmp_path / "blog"
    here.mkdir()
    inode = here.stat().st_ino
    monkeypatch.chdir(here)
    assert run(["new", ".", "--framework", "django", "--defaults"], interactive=False) == 0
    assert here.stat().st_ino == inode  # a shell sitting in it still sees the project
    assert answers_of(here)["project_name"] == "blog"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blog"]


def test_force_refuses_a_file_where_the_template_has_a_folder(tmp_path, capsys):
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "notes.md").write_text("my notes")
    (dest / ".github").write_text("not a folder")
    before = snapshot(tmp_path)
    argv = ["new", str(dest), "--framework", "flask", "--defaults", "--force"]
    assert run(argv, interactive=False) == 1
    assert "is a file where the template has a folder" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_force_never_replaces_an_existing_repository(tmp_path, capsys):
    dest = tmp_path / "proj"
    dest.mkdir()
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    (dest / "mine.py").write_text("print('mine')\n")
    argv = ["new", str(dest), "--framework", "django", "--defaults", "--force"]
    assert run(argv, interactive=False) == 0
    assert "review and commit the new files yourself" in capsys.readouterr().out
    assert git(dest, "rev-list", "--all") == ""  # still the user's empty history
    assert (dest / "mine.py").exists() and (dest / ".copier-answers.yml").exists()


def test_missing_parent_folders_are_created_and_removed_on_failure(tmp_path):
    dest = tmp_path / "a" / "b" / "proj"
    argv = ["new", str(dest), "--framework", "flask", "--defaults", "--data", "author_email=x"]
    assert run(argv, interactive=False) == 1
    assert list(tmp_path.iterdir()) == []
    assert run(argv[:-2], interactive=False) == 0
    assert (dest / ".copier-answers.yml").is_file()


def test_guided_run_ends_in_a_flask_project(tmp_path, capsys):
    dest = tmp_path / "movies"
    keys = (
        KILL_LINE
        + "class"
        + ENTER  # refused as typed (Enter does nothing) ...
        + KILL_LINE
        + "Movie Catalog"
        + ENTER  # ... then fixed
        + "Actors and films"
        + ENTER
        + DOWN
        + ENTER  # building: a JSON API
        + DOWN
        + DOWN
        + ENTER  # experience: a lot
        + DOWN
        + ENTER  # style: pick each part
        + DOWN
        + DOWN
        + ENTER  # deadline: no rush
        + ENTER  # accept the recommendation
        + ENTER
        + ENTER
        + ENTER
        + ENTER
        + ENTER
        + ENTER
        + "y"
        + ENTER  # author, email, database (SQLite), sentry, celery, kubernetes: no, analytics: yes
        + ENTER  # no sign-up (the default)
        + ENTER  # no browser test (Flask's default)
        + ENTER  # no TypeScript client
    )
    assert drive(keys, "new", str(dest)) == 0
    out = capsys.readouterr().out
    assert "We recommend Flask, because" in out
    assert "you are building a JSON API" in out
    assert "The best case for Django: none of your answers leans Django" in out
    # What the chosen starter contains comes before its options, once.
    assert out.count("The Flask starter contains:") == 1
    assert "analytics=true: GET /api/actors/stats" in out.split("The Flask starter contains:")[1]
    answers = answers_of(dest)
    assert answers["framework"] == "flask-api"
    assert (answers["project_name"], answers["project_slug"]) == ("Movie Catalog", "movie_catalog")
    assert answers["description"] == "Actors and films"
    assert answers["analytics"] is True


def test_guided_run_can_override_to_django(tmp_path, capsys):
    dest = tmp_path / "club"
    keys = (
        ENTER
        + ENTER  # name from the folder, no description
        + DOWN
        + DOWN
        + ENTER  # building: data service (leans Flask)
        + DOWN
        + ENTER
        + DOWN
        + ENTER
        + DOWN
        + ENTER  # some / choose / weeks
        + DOWN
        + ENTER  # override: Django instead
        + ENTER
        + ENTER
        + DOWN
        + ENTER  # author, email, database: PostgreSQL
        + ENTER
        + ENTER
        + ENTER  # sentry, celery, kubernetes
        + ENTER  # analytics: no
        + DOWN
        + ENTER  # cache: Redis
        + ENTER
        + "n"
        + ENTER  # no JSON API, no browser test
    )
    assert drive(keys, "new", str(dest)) == 0
    out = capsys.readouterr().out
    assert "We recommend Flask" in out and "It is a close call" not in out
    assert "The Django starter contains:" in out and "Options add:" in out
    answers = answers_of(dest)
    assert answers["framework"] == "django-mtv"
    assert answers["project_slug"] == "club"
    assert answers["database"] == "postgresql"
    assert (answers["cache"], answers["browser_tests"]) == ("redis", False)


def test_a_yes_no_answer_waits_for_enter_and_the_command_repeats_every_answer(tmp_path, capsys):
    dest = tmp_path / "club"
    keys = (
        KILL_LINE
        + "Book Club"
        + ENTER
        + "Members and meetings"
        + ENTER  # name, description
        + ENTER * 4  # site / new / batteries / days: Django
        + ENTER  # accept Django
        + ENTER * 3  # author, email, database: SQLite
        + "y"
        + ENTER  # sentry: yes, then Enter; the Enter must not answer the next question
        + ENTER  # celery: no
        + ENTER  # kubernetes: no
        + ENTER  # analytics: no
        + DOWN
        + ENTER  # cache: Redis
        + ENTER
        + ENTER  # api: no, browser test: yes (the default)
        + ENTER  # its driver: Playwright (the default)
    )
    assert drive(keys, "new", str(dest)) == 0
    answers = answers_of(dest)
    assert (answers["sentry"], answers["celery"], answers["cache"]) == (True, False, "redis")
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("Generate it with: "))
    assert out.count("Generate it with: ") == 1  # once, after the last question
    argv = shlex.split(line.removeprefix("Generate it with: "))
    again = tmp_path / "again"
    argv[2] = str(again)
    assert run(argv[1:], interactive=False) == 0
    recorded = {k: v for k, v in answers_of(again).items() if k != "_commit"}
    assert recorded == {k: v for k, v in answers.items() if k != "_commit"}


def test_guided_run_takes_the_recommended_options_as_defaults(tmp_path, capsys):
    dest = tmp_path / "ledger"
    keys = (
        ENTER
        + ENTER  # name from the folder, no description
        + DOWN
        + DOWN
        + ENTER  # building: a data service: the Flask starter with analytics=true
        + ENTER
        + ENTER
        + ENTER  # new / batteries / within days: all lean Django
        + ENTER  # accept Flask
        + ENTER
        + KILL_LINE
        + "nope"
        + ENTER  # author; an email that copier.yml's validator refuses as typed ...
        + KILL_LINE
        + "ada@example.com"
        + ENTER  # ... then fixed
        + ENTER
        + ENTER
        + ENTER
        + ENTER
        + ENTER  # database: SQLite; sentry, celery, kubernetes: no; analytics: recommended, yes
        + ENTER  # no sign-up (the default)
        + ENTER  # no browser test
        + ENTER  # no TypeScript client
    )
    assert drive(keys, "new", str(dest)) == 0
    out = capsys.readouterr().out
    assert "We recommend Flask, because" in out and "lean Django (6 to 3)" in out
    assert "The best case for Django: you are new to web work" in out
    assert f"Generate it with: stackgen new {dest} --framework flask --defaults --data " in out
    assert "The Flask starter with analytics=true contains:" in out
    answers = answers_of(dest)
    assert (answers["analytics"], answers["author_email"]) == (True, "ada@example.com")


def test_a_refused_name_says_how_to_pass_another(tmp_path, capsys):
    argv = ["new", str(tmp_path / "class"), "--framework", "flask", "--defaults"]
    assert run(argv, interactive=False) == 1
    err = capsys.readouterr().err
    assert "is a Python keyword" in err and "--data project_slug=" in err
    assert run([*argv, "--data", "project_slug=klass"], interactive=False) == 0
    assert (answers_of(tmp_path / "class")["project_slug"]) == "klass"


def test_ctrl_c_at_a_template_question_leaves_nothing(tmp_path, capsys):
    (tmp_path / "other.txt").write_text("x")
    before = snapshot(tmp_path)
    keys = ENTER + ENTER + CTRL_C
    assert drive(keys, "new", str(tmp_path / "proj"), "--framework", "django") == 130
    assert "interrupted" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_recommend_with_flags_prints_reasons_and_comparison(capsys):
    argv = [
        "recommend",
        "--building",
        "site",
        "--experience",
        "new",
        "--style",
        "batteries",
        "--deadline",
        "days",
    ]
    assert run(argv, interactive=False) == 0
    out = capsys.readouterr().out
    assert out.startswith("We recommend Django, because")
    assert "Admin back office" in out and "Built in" in out


def test_recommend_without_terminal_names_the_missing_flags(capsys):
    assert run(["recommend", "--building", "api"], interactive=False) == 1
    err = capsys.readouterr().err
    assert "pass --experience --style --deadline" in err


def test_recommend_asks_when_interactive(capsys):
    assert drive(DOWN + ENTER + ENTER + DOWN + ENTER + ENTER, "recommend") == 0
    assert "We recommend" in capsys.readouterr().out


def test_help_is_cheap_and_has_examples():
    code = (
        "import sys\n"
        "from generator.cli import run\n"
        "for argv in (['--help'], ['new', '--help'], ['recommend', '--help'],\n"
        "             ['update', '--help'], ['check', '--help']):\n"
        "    try:\n"
        "        run(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('copier', 'questionary', 'prompt_toolkit', 'jinja2') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert result.stdout.count("examples:") == 5
    assert result.stdout.strip().endswith("[]")


def test_new_help_lists_every_data_key_from_copier_yml(capsys):
    with pytest.raises(SystemExit):
        run(["new", "--help"])
    out = capsys.readouterr().out
    listing = out.split("template options (--data KEY=VALUE), read from copier.yml:\n")[1]
    listing = listing.split("\n\n")[0]  # the features follow, after a blank line
    questions = load_questions(REPO_ROOT / "copier.yml")
    asked = [
        k for k, spec in questions.items() if k != "framework" and spec.get("when") is not False
    ]
    keys = [line.split()[0] for line in listing.splitlines() if line[2:3] != " "]
    assert keys == asked
    lines = {line.split()[0]: line for line in listing.splitlines() if line[2:3] != " "}
    assert "sqlite | postgresql | mysql (default: sqlite)" in lines["database"]
    assert "false | true (default: false; Django only)" in lines["api"]
    assert "false | true (default: false)" in lines["analytics"]
    assert "locmem | redis (default: locmem; Django only)" in lines["cache"]
    assert "(default: PATH's folder name)" in lines["project_name"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new"], "stackgen new: error: the following arguments are required: PATH"),
        (["new", "x", "--framework", "rails"], "argument --framework: invalid choice: 'rails'"),
        (["launch"], "argument COMMAND: invalid choice: 'launch'"),
    ],
)
def test_usage_errors_are_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        run(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "--help" in err


def test_console_script_version_and_no_hang_without_terminal(tmp_path):
    script = Path(sys.executable).parent / "stackgen"
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("stackgen ")
    result = subprocess.run(
        [script, "new", str(tmp_path / "p")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "STACKGEN_HOME": str(tmp_path / "home")},
    )
    assert result.returncode == 1
    assert "pass --defaults" in result.stderr
    assert not (tmp_path / "p").exists()


def test_first_commit_works_where_git_has_no_identity(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "empty-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    dest = tmp_path / "proj"
    argv = [
        "new",
        str(dest),
        "--framework",
        "flask",
        "--defaults",
        "--data",
        "author_name=Ada Lovelace",
        "--data",
        "author_email=ada@example.com",
    ]
    assert run(argv, interactive=False) == 0
    assert git(dest, "log", "-1", "--format=%an <%ae>").strip() == (
        "Ada Lovelace <ada@example.com>"
    )


def test_recommend_json_is_the_decision_for_machines(capsys):
    argv = ["recommend", "--building", "data", "--experience", "new", "--style", "batteries"]
    assert run([*argv, "--deadline", "days", "--json"], interactive=False) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["framework"] == "flask" and decision["options"] == {"analytics": True}
    assert decision["close_call"] is False and decision["other"]["framework"] == "django"
    assert decision["command"] == (
        "stackgen new my-project --framework flask --defaults --data analytics=true"
    )
    # Never a prompt on the way to JSON, even on a terminal.
    assert drive("", *argv, "--json") == 1
    assert "--json needs every answer as a flag; pass --deadline" in capsys.readouterr().err
