"""Hostile and careless use: answers files, symlinks, Ctrl-C, monorepos, odd names.

Each test reproduces a way stackgen could hurt its user and asserts the promise
instead: one line on stderr and a non-zero exit, nothing run that a project
names, and the disk as it was (or as after success, with the message saying
which).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import create, update
from generator.cli import run
from generator.project import load
from tests.helpers import (
    commit_all,
    generate_at_v1,
    git,
    new_flask,
    one_line_error,
    record,
    release_v2,
    snapshot,
    stackgen_interrupted,
    untouched,
    work_tree,
)

# 1. An answers file must not run commands, nor slip past copier.yml's rules.

HOSTILE_SOURCES = [
    "--upload-pack=touch {marker};",
    "ext::sh -c touch% {marker}",
    "ssh://-oProxyCommand=touch%20{marker}/repo",
    "-c core.sshCommand=touch {marker}",
    "fd::17",
]


@pytest.mark.parametrize("src", HOSTILE_SOURCES)
def test_a_hostile_template_source_runs_nothing(tmp_path, capsys, src):
    project = tmp_path / "api"
    assert new_flask(project) == 0
    marker = tmp_path / "PWNED"
    record(project, _src_path=src.format(marker=marker))
    head = git(project, "rev-parse", "HEAD").strip()
    capsys.readouterr()

    assert run(["check", str(project)], interactive=False) == 2
    assert "cannot tell" in one_line_error(capsys.readouterr().err)
    assert run(["update", str(project), "--defaults"], interactive=False) == 1
    one_line_error(capsys.readouterr().err)
    assert not marker.exists()
    assert untouched(project, head)


@pytest.mark.parametrize("commit", ["--output=/tmp/x", "v1; touch x", "", 7, ["v1"], "v1\n--x"])
def test_a_hostile_template_version_is_refused(tmp_path, capsys, commit):
    project = tmp_path / "api"
    assert new_flask(project) == 0
    record(project, _commit=commit)
    head = git(project, "rev-parse", "HEAD").strip()
    capsys.readouterr()
    assert run(["check", str(project)], interactive=False) == 2
    one_line_error(capsys.readouterr().err)
    assert run(["update", str(project), "--defaults"], interactive=False) == 1
    one_line_error(capsys.readouterr().err)
    assert untouched(project, head)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("analytics", "maybe", "analytics must be true or false"),
        ("database", "oracle", "database must be one of"),
        ("project_slug", "asyncio", "standard library"),
        ("project_slug", "wsgi", "starter's own files"),
        ("project_name", 'x"; import os', "double quotes"),
        ("framework", "rails", "framework must be one of"),
        ("framework", [], "framework must be one of"),  # found by tests/test_any_input.py
    ],
)
def test_recorded_answers_that_break_the_rules_are_refused(tmp_path, capsys, key, value, message):
    project = tmp_path / "api"
    assert new_flask(project) == 0
    record(project, **{key: value})
    head = git(project, "rev-parse", "HEAD").strip()
    capsys.readouterr()
    assert run(["update", str(project), "--defaults"], interactive=False) == 1
    assert message in one_line_error(capsys.readouterr().err)
    assert untouched(project, head)


@pytest.mark.parametrize(
    "content",
    [b"framework: [unclosed\n", b"just a string\n", b"- a\n- list\n", b"\xff\xfe\x00bad", b""],
    ids=["bad-yaml", "string", "list", "not-utf8", "empty"],
)
def test_an_unreadable_answers_file_is_one_line(tmp_path, capsys, content):
    project = tmp_path / "api"
    assert new_flask(project) == 0
    (project / ".copier-answers.yml").write_bytes(content)
    commit_all(project, "broken answers")
    capsys.readouterr()
    assert run(["check", str(project)], interactive=False) == 2
    one_line_error(capsys.readouterr().err)
    assert run(["update", str(project), "--defaults"], interactive=False) == 1
    one_line_error(capsys.readouterr().err)


def test_a_template_with_tasks_is_never_run(tmp_path, capsys, template_repo):
    marker = tmp_path / "TASK-RAN"
    copier_yml = template_repo / "copier.yml"
    copier_yml.write_text(f'_tasks:\n  - "touch {marker}"\n' + copier_yml.read_text())
    commit_all(template_repo, "v1 with a task")
    git(template_repo, "tag", "-f", "v1")
    project = tmp_path / "proj"
    assert new_flask(project) == 0
    record(project, _src_path=str(template_repo), _commit="v1")
    release_v2(template_repo)
    capsys.readouterr()
    assert run(["update", str(project), "--defaults"], interactive=False) == 1
    assert "never runs a template's commands" in one_line_error(capsys.readouterr().err)
    assert not marker.exists()


# 2-3. --force: no writing through a symlink that leaves PATH; the user's .env stays.


def test_force_never_writes_through_a_symlink_out_of_the_destination(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("mine")
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "tests").symlink_to("../outside")
    before = snapshot(tmp_path)
    assert new_flask(dest, "--force") == 1
    assert "symlink" in one_line_error(capsys.readouterr().err)
    assert snapshot(tmp_path) == before


def test_force_keeps_the_users_env_and_names_what_it_replaced(tmp_path, capsys):
    dest = tmp_path / "proj"
    dest.mkdir()
    secrets = "DATABASE_URL=postgresql://me:s3cret@db.example.com/prod\n"
    (dest / ".env").write_text(secrets)
    (dest / "README.md").write_text("my readme\n")
    assert new_flask(dest, "--force") == 0
    out = capsys.readouterr().out
    assert (dest / ".env").read_text() == secrets
    assert "Kept your own .env" in out
    assert "Replaced with the template's version: README.md" in out
    assert (dest / "README.md").read_text() != "my readme\n"


# 4. update never overwrites a file git ignores.


def test_update_keeps_a_git_ignored_file_the_new_template_adds(
    tmp_path,
    capsys,
    template_repo,
):
    project = generate_at_v1(template_repo, tmp_path / "proj", "flask")
    gitignore = project / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "CONTRIBUTING.md\n")
    commit_all(project, "ignore my private contributing notes")
    (project / "CONTRIBUTING.md").write_text("my private notes\n")
    (project / ".env").write_text("SECRET_KEY=mine\n")
    release_v2(template_repo)  # v2 adds CONTRIBUTING.md

    assert run(["update", str(project), "--defaults"], interactive=False) == 1
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "not written: git ignores your file of that name" in captured.out
    assert (project / "CONTRIBUTING.md").read_text() == "my private notes\n"
    assert (project / ".env").read_text() == "SECRET_KEY=mine\n"
    assert load(project).version == "v2"  # the rest of the update was applied


def test_update_leaves_a_database_in_use_where_it_is(tmp_path, capsys, monkeypatch, template_repo):
    """A server running through the update (runserver's reload) keeps writing to the same
    database: it is never moved aside, so no write lands in a fresh empty one."""
    import copier

    project = generate_at_v1(template_repo, tmp_path / "proj", "django")
    database = project / "db.sqlite3"
    database.write_bytes(b"rows written before\n")
    release_v2(template_repo)
    real_update = copier.run_update

    def update_while_the_server_writes(*args, **kwargs):
        with database.open("ab") as server:  # the database is where the server expects it
            server.write(b"a row written during the update\n")
        return real_update(*args, **kwargs)

    monkeypatch.setattr(copier, "run_update", update_while_the_server_writes)
    assert run(["update", str(project), "--defaults"], interactive=False) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "db.sqlite3" not in captured.out
    assert database.read_bytes() == b"rows written before\na row written during the update\n"
    assert load(project).version == "v2"


# 5. Interruptions land on "before" or "after", and the message says which.

# SIGINT as a terminal delivers it, even where this suite's own parent ignores it (a shell's
# background job does: its children would inherit that, and no signal would land).
STACKGEN = [
    sys.executable,
    "-c",
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "import generator.cli as c; print('ready', flush=True); c.main()",
]


def overloaded() -> bool:
    """Whether the machine is too busy for delays to land where they were aimed.

    On an overloaded machine this test process may not run again until the
    child has finished, so every point can land after the run; the states are
    still checked, only the spread of the points cannot be.
    """
    return os.getloadavg()[0] > 2 * (os.cpu_count() or 1)


def interrupted_run(argv: list[str], delay: float, cwd: Path) -> tuple[int, str]:
    """Run stackgen, send SIGINT ``delay`` seconds into its work; return status and stderr."""
    return stackgen_interrupted(argv, delay, cwd)


def timed_run(argv: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([*STACKGEN, *argv], cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


POINTS = 8  # SIGINT at this many moments spread over a whole run


def test_ctrl_c_at_any_moment_of_new_force(tmp_path):
    reference = tmp_path / "reference" / "proj"  # same name, same package folder
    duration = timed_run(["new", str(reference), "--framework", "flask", "--defaults"], tmp_path)
    expected = {p.relative_to(reference) for p in reference.rglob("*") if ".git" not in p.parts}
    seen = set()
    for point in range(POINTS):
        parent = tmp_path / f"run{point}"
        dest = parent / "proj"
        dest.mkdir(parents=True)
        (dest / "README.md").write_text("mine\n")
        (dest / ".env").write_text("SECRET=mine\n")
        before = snapshot(parent)
        argv = ["new", str(dest), "--framework", "flask", "--defaults", "--force"]
        status, err = interrupted_run(argv, duration * point / POINTS, tmp_path)
        assert "Traceback" not in err
        if status == 130 and "nothing was changed" in err:
            seen.add("before")
            assert snapshot(parent) == before
        else:
            assert status == 0 or "was written into" in one_line_error(err)
            seen.add("after")
            found = {p.relative_to(dest) for p in dest.rglob("*") if ".git" not in p.parts}
            assert found == expected
            assert (dest / ".env").read_text() == "SECRET=mine\n"
            assert [p.name for p in parent.iterdir()] == ["proj"]
    assert "before" in seen or overloaded(), "no signal landed while the run was working"


@pytest.mark.parametrize("calls", [1, 7, 40])
def test_ctrl_c_during_the_move_lands_after(tmp_path, capsys, monkeypatch, calls):
    """The move itself: SIGINT arrives at the n-th file; the move completes first."""
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine\n")
    replace, count = os.replace, [0]

    def replace_then_interrupt(src, dst):
        replace(src, dst)
        count[0] += 1
        if count[0] == calls:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(create.os, "replace", replace_then_interrupt)
    assert new_flask(dest, "--force") == 130
    assert f"the project was written into {dest}" in one_line_error(capsys.readouterr().err)
    assert (dest / "notes.txt").read_text() == "mine\n"
    assert (dest / "pyproject.toml").is_file() and (dest / ".copier-answers.yml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["proj"]


def test_a_failed_move_puts_everything_back(tmp_path, capsys, monkeypatch):
    dest = tmp_path / "proj"
    dest.mkdir()
    (dest / "README.md").write_text("mine\n")
    before = snapshot(tmp_path)
    replace, count = os.replace, [0]

    def fail_at_the_20th(src, dst):
        count[0] += 1
        if count[0] == 20:
            raise PermissionError(13, "Permission denied", str(dst))
        replace(src, dst)

    monkeypatch.setattr(create.os, "replace", fail_at_the_20th)
    assert new_flask(dest, "--force") == 1
    assert "Permission denied" in one_line_error(capsys.readouterr().err)
    assert snapshot(tmp_path) == before


def edited_project_and_v2(template_repo: Path, project: Path) -> str:
    """A project at v1 with an edited file v2 drops, an ignored .env; v2 released."""
    generate_at_v1(template_repo, project, "flask")
    dockerignore = project / ".dockerignore"
    dockerignore.write_text(dockerignore.read_text() + "my-secrets/\n")
    commit_all(project, "my edits")
    (project / ".env").write_text("SECRET_KEY=mine\n")
    release_v2(template_repo)
    return git(project, "rev-parse", "HEAD").strip()


def test_ctrl_c_at_any_moment_of_update(tmp_path, template_repo):
    project = tmp_path / "proj"
    head = edited_project_and_v2(template_repo, project)
    before = work_tree(project)
    argv = ["update", str(project), "--defaults"]
    duration = timed_run(argv, tmp_path)
    seen = set()
    for point in range(POINTS):
        git(project, "reset", "-q", "--hard", head)
        git(project, "clean", "-qfd")
        status, err = interrupted_run(argv, duration * point / POINTS, tmp_path)
        assert "Traceback" not in err
        if status == 130 and "nothing was changed" in err:
            seen.add("before")
            assert work_tree(project) == before
            assert git(project, "rev-parse", "HEAD").strip() == head
        else:
            assert status == 0 or "was applied" in one_line_error(err)
            seen.add("after")
            assert load(project).version == "v2"
            assert "my-secrets/" in (project / ".dockerignore").read_text()
            assert (project / ".env").read_text() == "SECRET_KEY=mine\n"
    assert "before" in seen or overloaded(), "no signal landed while the run was working"


def test_ctrl_c_after_the_merge_puts_the_project_back(
    tmp_path,
    capsys,
    monkeypatch,
    template_repo,
):
    project = tmp_path / "proj"
    edited_project_and_v2(template_repo, project)
    before = work_tree(project)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(update, "keep_edited_removals", interrupted)
    assert run(["update", str(project), "--defaults"], interactive=False) == 130
    assert "nothing was changed" in one_line_error(capsys.readouterr().err)
    assert work_tree(project) == before
    assert not git(project, "status", "--porcelain", "--untracked-files=all")


def test_a_scratch_folder_that_will_not_go_still_reads_as_the_interrupt(
    tmp_path,
    capsys,
    monkeypatch,
    template_repo,
):
    """A git child the Ctrl-C did not stop still writes into a scratch clone as it is
    removed on the way out: the user sees the interrupt and its outcome, not the OSError."""
    project = tmp_path / "proj"
    edited_project_and_v2(template_repo, project)
    before = work_tree(project)

    def interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        finally:
            raise OSError(errno.ENOTEMPTY, "Directory not empty", "objects")

    monkeypatch.setattr(update, "keep_edited_removals", interrupted)
    assert run(["update", str(project), "--defaults"], interactive=False) == 130
    assert "interrupted; nothing was changed" in one_line_error(capsys.readouterr().err)
    assert work_tree(project) == before


# 6. A project in a folder of a bigger repository.


def test_update_in_a_monorepo_touches_only_the_project(
    tmp_path,
    capsys,
    template_repo,
):
    mono = tmp_path / "mono"
    (mono / "services").mkdir(parents=True)
    (mono / "README.md").write_text("the monorepo\n")
    project = mono / "services" / "api"
    generate_at_v1(template_repo, project, "flask")
    (project / ".git").rename(tmp_path / "discarded-git")  # one repository: the monorepo's
    git(mono, "init", "-q", "-b", "main")
    dockerignore = project / ".dockerignore"
    dockerignore.write_text(dockerignore.read_text() + "my-secrets/\n")
    commit_all(mono, "monorepo with an api")
    (mono / "README.md").write_text("work in progress elsewhere\n")  # dirty, outside the project
    release_v2(template_repo)

    assert run(["update", str(project), "--defaults"], interactive=False) == 0
    out = capsys.readouterr().out
    assert "kept, as you changed them (the template dropped them) (1): .dockerignore" in out
    assert "added (1): CONTRIBUTING.md" in out
    assert "my-secrets/" in dockerignore.read_text()
    assert (mono / "README.md").read_text() == "work in progress elsewhere\n"
    status = git(mono, "status", "--porcelain").splitlines()
    assert " M README.md" in status
    assert all(" services/api/" in line or "README.md" in line for line in status), status


# 7-8. One name rule wherever a package name can be given.


@pytest.mark.parametrize(
    ("framework", "slug"),
    [
        ("flask", "wsgi"),
        ("flask", "migrations"),
        ("django", "templates"),
        ("django", "manage"),
        ("flask", "asyncio"),
        ("flask", "pandas"),
    ],
)
def test_names_that_clash_are_refused_by_new_and_update(tmp_path, capsys, framework, slug):
    dest = tmp_path / "proj"
    argv = ["new", str(dest), "--framework", framework, "--defaults"]
    assert run([*argv, "--data", f"project_slug={slug}"], interactive=False) == 1
    one_line_error(capsys.readouterr().err)
    assert not dest.exists()
    assert run(argv, interactive=False) == 0
    head = git(dest, "rev-parse", "HEAD").strip()
    update_argv = ["update", str(dest), "--defaults", "--data", f"project_slug={slug}"]
    assert run(update_argv, interactive=False) == 1
    one_line_error(capsys.readouterr().err)
    assert untouched(dest, head)


# 9. One line, never a traceback.


def test_long_names_work_and_too_long_ones_are_one_line(tmp_path, capsys):
    long = tmp_path / ("a" * 240)
    assert new_flask(long, "--data", "project_name=" + "A" * 80) == 0
    assert (long / ("a" * 80) / "__init__.py").is_file()
    assert new_flask(tmp_path / "c", "--data", "project_slug=" + "c" * 240) == 0
    assert (tmp_path / "c" / ("c" * 240) / "__init__.py").is_file()

    assert new_flask(tmp_path / ("b" * 81)) == 1  # the folder's name is the default name
    assert "at most 80 characters" in one_line_error(capsys.readouterr().err)
    assert new_flask(tmp_path / "b", "--data", "project_slug=" + "b" * 300) == 1
    assert "255" in one_line_error(capsys.readouterr().err)
    assert not any(p.name.startswith("b") for p in tmp_path.iterdir())


def test_an_unwritable_parent_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    assert new_flask(blocker / "proj") == 1
    one_line_error(capsys.readouterr().err)
    if os.geteuid() != 0:  # root writes anywhere; everyone else meets the permission
        readonly = tmp_path / "readonly"
        readonly.mkdir(mode=0o555)
        assert new_flask(readonly / "proj") == 1
        one_line_error(capsys.readouterr().err)
        assert list(readonly.iterdir()) == []


def test_a_corrupt_template_store_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STACKGEN_HOME", str(tmp_path / "home"))  # this test's own store
    assert new_flask(tmp_path / "first") == 0
    (tmp_path / "home" / "templates" / ".git" / "HEAD").write_text("garbage\n")
    assert new_flask(tmp_path / "second") == 1
    one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "second").exists()
    assert run(["check", str(tmp_path / "first")], interactive=False) == 2
    one_line_error(capsys.readouterr().err)
