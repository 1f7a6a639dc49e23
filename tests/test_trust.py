"""Trust on day two: one command at a time per project, one reading of the answers file
for every verb, no silent half-results, a closed pipe is not a failure, and messages that
name what the user gave."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import run
from generator.errors import AnswerError
from generator.project import git_dir, locked
from generator.update import SET_ASIDE_PREFIX
from generator.web import starter
from tests.helpers import (
    answers_of,
    commit_all,
    git,
    new_flask,
    new_project,
    one_line_error,
    record,
    untouched,
    work_tree,
)

STACKGEN = [sys.executable, "-c", "from generator.cli import main; main()"]


@pytest.fixture
def project(tmp_path: Path, capsys) -> Path:
    """A committed Flask project, its creation's output read away."""
    path = tmp_path / "shop"
    assert new_flask(path) == 0
    capsys.readouterr()
    return path


def head(project: Path) -> str:
    return git(project, "rev-parse", "HEAD").strip()


# 1. One command at a time.


def test_a_second_command_refuses_while_another_changes_the_project(project, capsys):
    before = head(project)
    (git_dir(project) / f"{SET_ASIDE_PREFIX}inprogress").mkdir()  # what a live run sets aside
    with locked(project):
        assert run(["add", "celery", "-C", str(project)], interactive=False) == 1
        error = one_line_error(capsys.readouterr().err)
        assert "another stackgen command" in error and str(os.getpid()) in error
        assert "killed" not in error  # the live run's files are not "left over"
        assert run(["update", str(project), "--defaults"], interactive=False) == 1
        assert "another stackgen command" in one_line_error(capsys.readouterr().err)
    assert untouched(project, before)
    # Once no live run holds the lock, the folder is what a killed run left behind.
    assert run(["add", "celery", "-C", str(project)], interactive=False) == 1
    assert "killed before it finished" in one_line_error(capsys.readouterr().err)


def test_two_adds_at_once_leave_one_consistent_project(project):
    runs = [
        subprocess.Popen(
            [*STACKGEN, "add", feature, "-C", str(project)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for feature in ("celery", "sentry")
    ]
    results = [(p.wait(timeout=300), *p.communicate()) for p in runs]
    assert sorted(status for status, _, _ in results) == [0, 1], results
    refused = next(err for status, _, err in results if status == 1)
    assert "another stackgen command" in refused or "uncommitted changes" in refused
    answers = answers_of(project)
    assert answers["celery"] is (project / "make_celery.py").exists()
    assert answers["sentry"] is (project / "shop" / "sentry.py").exists()
    assert answers["celery"] != answers["sentry"]  # exactly one was applied


# 2. One reading of the answers file, for every verb.

VERBS = {  # argv (PROJECT stands for the project), exit status of a refusal
    "check": (["check", "PROJECT"], 2),
    "features": (["features", "-C", "PROJECT"], 1),
    "add": (["add", "celery", "-C", "PROJECT"], 1),
    "remove": (["remove", "sentry", "-C", "PROJECT"], 1),
    "update": (["update", "PROJECT", "--defaults"], 1),
}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("celery", "yes", "celery must be true or false"),
        ("celery", ["a"], "celery must be true or false"),
        ("framework", "../../etc", "framework must be one of"),
        ("project_slug", "../../x", "is not a Python identifier"),
        ("framework", "django-mtv", "it has the files of a flask-api project"),
    ],
)
def test_every_verb_refuses_answers_that_break_the_rules(project, capsys, key, value, message):
    record(project, **{key: value})
    before, files = head(project), work_tree(project)
    for verb, (argv, status) in VERBS.items():
        argv = [str(project) if arg == "PROJECT" else arg for arg in argv]
        assert run(argv, interactive=False) == status, verb
        captured = capsys.readouterr()
        assert message in one_line_error(captured.err), verb
        assert captured.out == "", verb
    assert untouched(project, before) and work_tree(project) == files


# 3 and 4. What the merge cannot see is refused before anything changes.


def test_a_renamed_package_is_refused_with_the_way_out(project, capsys):
    git(project, "mv", "shop", "movies")
    commit_all(project, "rename the package")
    before = head(project)
    assert run(["add", "celery", "-C", str(project)], interactive=False) == 1
    error = one_line_error(capsys.readouterr().err)
    assert "shop/" in error and "stackgen update --defaults --data project_slug=" in error
    assert untouched(project, before) and not (project / "shop").exists()
    # The way out works: the package keeps its new name, and features apply to it.
    argv = ["update", str(project), "--defaults", "--data", "project_slug=movies"]
    assert run(argv, interactive=False) == 0
    assert not (project / "shop").exists() and "from movies" in (project / "wsgi.py").read_text()
    commit_all(project, "record the new name")
    assert run(["add", "celery", "-C", str(project)], interactive=False) == 0
    assert (project / "movies" / "celery.py").is_file() and not (project / "shop").exists()


def test_a_symlinked_file_the_template_writes_is_refused(project, tmp_path, capsys):
    outside = tmp_path / "shared-pyproject.toml"
    outside.write_text((project / "pyproject.toml").read_text())
    (project / "pyproject.toml").unlink()
    (project / "pyproject.toml").symlink_to(outside)
    commit_all(project, "pyproject from a shared place")
    before, shared = head(project), outside.read_text()
    assert run(["add", "sentry", "-C", str(project)], interactive=False) == 1
    error = one_line_error(capsys.readouterr().err)
    assert "pyproject.toml is a symlink" in error and "nothing was changed" in error
    assert untouched(project, before) and outside.read_text() == shared


def test_a_symlinked_folder_the_template_writes_into_is_refused(project, tmp_path, capsys):
    (project / "tests").rename(tmp_path / "my-tests")
    (project / "tests").symlink_to(tmp_path / "my-tests")
    commit_all(project, "tests live elsewhere")
    before = head(project)
    assert run(["add", "celery", "-C", str(project)], interactive=False) == 1
    error = one_line_error(capsys.readouterr().err)
    assert "tests is a symlink" in error and "forbidden" not in error
    assert untouched(project, before)


def test_a_folder_where_the_template_has_a_file_is_one_line(project, capsys):
    (project / "compose.yaml").unlink()
    (project / "compose.yaml").mkdir()
    (project / "compose.yaml" / "base.yaml").write_text("services: {}\n")
    commit_all(project, "compose split in parts")
    before = head(project)
    assert run(["add", "celery", "-C", str(project)], interactive=False) == 1
    assert "compose.yaml is a folder where the template has a file" in one_line_error(
        capsys.readouterr().err
    )
    assert untouched(project, before)


# 5. A closed pipe is not a failure.


def test_output_to_a_closed_pipe_ends_quietly_with_the_real_status(project):
    def piped(*argv: str) -> tuple[int, str]:
        command = [*STACKGEN, *argv]
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=project
        ) as process:
            assert process.stdout is not None and process.stderr is not None
            process.stdout.close()  # the reader is gone before a line is written: `| true`
            err = process.stderr.read().decode()
            return process.wait(timeout=300), err

    assert piped("features") == (0, "")
    assert piped("update", "--defaults", "--data", "analytics=true") == (0, "")
    assert answers_of(project)["analytics"] is True  # the update was applied
    assert (project / "shop" / "api" / "stats.py").is_file()


# 6. Messages name what was given, with one rule wherever a value can be given.


def test_a_version_that_is_not_one_is_refused_by_its_shape(project, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run(["update", str(project), "--defaults", "--to", "../../etc"], interactive=False)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "is not a template version" in err and "v../../etc" not in err


def test_an_uncreatable_destination_names_itself(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    assert new_flask(blocker / "proj") == 1
    error = one_line_error(capsys.readouterr().err)
    assert str(blocker / "proj") in error and ".stackgen-new-" not in error


@pytest.mark.parametrize(
    ("key", "value"),
    [("project_slug", "os"), ("project_slug", "flask"), ("description", "x" * 100_000)],
)
def test_the_cli_and_the_web_refuse_a_value_in_the_same_words(tmp_path, capsys, key, value):
    assert new_project(tmp_path / "p", "flask", "--data", f"{key}={value}") == 1
    cli = one_line_error(capsys.readouterr().err).removeprefix("stackgen: error: ")
    assert not (tmp_path / "p").exists()
    with pytest.raises(AnswerError) as refused:
        starter.parse_pairs([("framework", "flask"), (key, value)])
    assert refused.value.key == key
    if key == "description":  # the web's transport limit is higher than any answer's
        value = "x" * 999
        with pytest.raises(AnswerError) as refused:
            starter.parse_pairs([("framework", "flask"), (key, value)])
        assert "at most 300 characters" in str(refused.value) and "at most 300" in cli
    else:
        assert str(refused.value) == cli


def test_a_ctrl_c_that_lands_where_python_cannot_raise_it_is_delivered_again():
    """A KeyboardInterrupt inside a C callback (pydantic building a validator while Copier
    imports) is "ignored" by Python with a printed traceback; stackgen's hook re-delivers it."""
    code = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)  # even if inherited ignored\n"
        "from generator import cli\n"
        "sys.unraisablehook = cli._interrupt_again\n"
        "class Callback:\n"
        "    def __del__(self):\n"
        "        raise KeyboardInterrupt\n"
        "try:\n"
        "    Callback()\n"
        "    time.sleep(5)\n"
        "    print('lost')\n"
        "except KeyboardInterrupt:\n"
        "    print('delivered')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert (result.stdout, result.stderr) == ("delivered\n", "")
