"""What stackgen's tests share: keystrokes, snapshots, git and answers, one-line errors.

Tests read as scenarios through these helpers (as Copier's own tests do);
no test module imports another.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from generator.cli import run
from tests.template_versions import commit_all, git

ENTER, DOWN, CTRL_C, KILL_LINE = "\r", "\x1b[B", "\x03", "\x15"


def drive(keys: str, *argv: str) -> int:
    """Run stackgen with ``keys`` typed at its prompts, through prompt_toolkit's pipe input."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(keys)
        pipe.close()  # a prompt left unanswered ends the run instead of waiting forever
        return run(list(argv), interactive=True)


def new_project(dest: Path, framework: str = "flask", *extra: str) -> int:
    """``stackgen new DEST --framework FRAMEWORK --defaults EXTRA...``; its exit status."""
    argv = ["new", str(dest), "--framework", framework, "--defaults", *extra]
    return run(argv, interactive=False)


def new_flask(dest: Path, *extra: str) -> int:
    return new_project(dest, "flask", *extra)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its content (None for folders)."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def work_tree(project: Path) -> dict[str, bytes | None]:
    """``snapshot`` of everything but git's own bookkeeping (index timestamps, logs)."""
    return {name: data for name, data in snapshot(project).items() if not name.startswith(".git/")}


def answers_of(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def record(project: Path, **changes: object) -> None:
    """Write ``changes`` into the project's answers file and commit, as a pull request might."""
    path = project / ".copier-answers.yml"
    answers = yaml.safe_load(path.read_text())
    answers.update(changes)
    path.write_text(yaml.safe_dump(answers))
    commit_all(project, "hand-edited answers")


def git_out(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=True
    ).stdout


def untouched(project: Path, head: str) -> bool:
    """Whether the project is still at commit ``head`` with nothing changed, added or removed."""
    return git(project, "rev-parse", "HEAD").strip() == head and not git(
        project, "status", "--porcelain", "--untracked-files=all"
    )


def one_line_error(err: str) -> str:
    """The single line on stderr, checked to be one of ours, not a crash."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("stackgen: ") and "internal error" not in lines[0], err
    return lines[0]
