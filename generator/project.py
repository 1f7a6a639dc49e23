"""A generated project on disk: its answers, read once and checked, and the lock that lets
one stackgen command at a time change it.

Every verb that works on a project starts from ``load``: the answers file is
untrusted (a clone, a pull request), so it is read through the same rules
``update`` applies to ``--data`` (copier.yml's types, choices and validators,
the package-name rule), and the recorded framework must be the one the
project's files are made of. A verb never works from answers it would refuse.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import recorded, source
from generator.errors import StackgenError
from generator.gitutil import git

ANSWERS_FILE = recorded.ANSWERS_FILE
# A file only each starter has at its root: what tells a Flask project from a
# Django one on disk, whatever its answers file says.
MARKERS = {"flask-api": "wsgi.py", "django-mtv": "manage.py"}
LOCK_FILE = "stackgen.lock"  # in the repository's git folder, so never in the work tree
LOCK_WAIT_SECONDS = 2.0  # a command finishing its last step gets this long to let go


@dataclass(frozen=True)
class Project:
    path: Path
    answers: dict[str, Any]
    questions: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)

    @property
    def src(self) -> str:
        return str(self.answers.get("_src_path", ""))

    @property
    def version(self) -> str:
        return str(self.answers.get("_commit", ""))

    @property
    def template(self) -> str:
        return str(self.answers.get("framework", ""))

    @property
    def slug(self) -> str:
        return str(self.answers.get("project_slug", ""))

    @property
    def store(self) -> Path | None:
        """The template store the project was generated from, if it was made by stackgen.

        The recorded path decides, not today's ``STACKGEN_HOME``: a project made
        with it set follows the installed stackgen without it too. The default
        store's path counts even before this machine has a store there.
        """
        where = Path(self.src).expanduser().resolve()
        if self.src == source.DEFAULT_STORE and not where.exists():
            return where  # made on another machine; this stackgen creates its store here
        return where if self.src and source.is_store(where) else None


def copier_yml_at(project: Project, version: str) -> str | None:
    """The text of the template source's ``copier.yml`` at ``version``, when it is local.

    What a version offers (its questions, so its features) is that version's
    copier.yml, not the installed stackgen's. None for a remote source or a
    version the source does not have: the caller falls back to the installed one.
    """
    folder = project.store or Path(project.src).expanduser()
    if not project.src or not (folder / ".git").exists():
        return None
    text = git("show", f"{version}:copier.yml", cwd=folder, check=False, strip=False)
    return text or None


def questions_at(project: Project, version: str) -> dict[str, dict[str, Any]]:
    """copier.yml's questions at ``version`` of the project's source (else the installed one)."""
    from generator import answers

    text = copier_yml_at(project, version)
    if text is None:
        return answers.load_questions(source.packaged_templates() / "copier.yml")
    return answers.parse_questions(text)


def load(path: Path) -> Project:
    """The generated project at ``path``, or one line saying why its answers cannot be used."""
    from generator import answers

    recorded_answers = recorded.read(path)
    project = Project(path, recorded_answers)
    template = recorded_answers.get("framework")
    if template not in MARKERS:
        shown = repr(template)[:60]
        raise StackgenError(
            f"{ANSWERS_FILE}: framework must be one of {', '.join(MARKERS)}; got {shown}"
        )
    marker = MARKERS[template]
    if not (path / marker).is_file():
        others = [t for t, m in MARKERS.items() if t != template and (path / m).is_file()]
        what = f"it has the files of a {others[0]} project" if others else f"it has no {marker}"
        raise StackgenError(
            f"{ANSWERS_FILE} records framework {template}, but {what}: the answers file "
            "does not describe this project"
        )
    questions = questions_at(project, project.version)
    try:
        answers.check_answers(recorded_answers, questions)
    except StackgenError as error:
        raise StackgenError(f"{ANSWERS_FILE}: {error}") from None
    return Project(path, recorded_answers, questions)


def git_dir(path: Path) -> Path:
    """The git folder of the repository ``path`` is in, or an error if it is in none."""
    if git("rev-parse", "--is-inside-work-tree", cwd=path, check=False) != "true":
        raise StackgenError(f"{path} is not a git repository; updating needs its history")
    return Path(git("rev-parse", "--absolute-git-dir", cwd=path))


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the project's lock: one command that changes it at a time.

    The lock is an ``flock`` on a file in the repository's git folder, so it
    is released whenever the holder ends, killed included: a lock file left
    behind never blocks anyone. A second command waits a moment, then refuses.
    A folder outside any repository has no lock: nothing can change it
    (``update.check_updatable`` refuses it), so the real reason is told.
    """
    try:
        lock_path = git_dir(path) / LOCK_FILE
    except StackgenError:
        yield
        return
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip()
                    who = f" (process {holder})" if holder.isdigit() else ""
                    raise StackgenError(
                        f"another stackgen command{who} is changing {path}; wait for it to "
                        "finish, review and commit what it did, then run again "
                        "(nothing was changed)"
                    ) from None
                time.sleep(0.1)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
