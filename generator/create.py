"""Generate a project: render in a staging folder, then move it into place.

Rendering happens in a hidden folder beside the destination, so a failed or
interrupted run (an error, Ctrl-C, SIGTERM) leaves nothing behind, and an
existing folder is only written to once everything rendered.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import __version__, source
from generator.environment import write_env
from generator.errors import StackgenError
from generator.gitutil import commit_all, configured, git


@dataclass
class Request:
    """Everything needed to generate one project."""

    dest: Path
    data: dict[str, Any]  # answers known before Copier asks (framework included)
    defaults: bool = False  # take every other answer's default, ask nothing
    force: bool = False  # write into a non-empty destination


@dataclass
class Result:
    path: Path
    answers: dict[str, Any]
    version: str
    committed: bool


def check_destination(dest: Path, force: bool) -> None:
    """Refuse a destination that holds files, unless ``force``."""
    if dest.exists() and not dest.is_dir():
        raise StackgenError(f"{dest} exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise StackgenError(
            f"{dest} exists and is not empty; pass --force to write the template's files "
            "into it (files it does not produce are kept)"
        )


def author_defaults(repo: Path) -> dict[str, str]:
    """Default author from the git configuration that applies in ``repo``, if any."""
    found = {
        "author_name": configured("user.name", repo),
        "author_email": configured("user.email", repo),
    }
    return {key: value for key, value in found.items() if value}


@contextmanager
def staging_folder(dest: Path) -> Iterator[Path]:
    """A hidden folder beside ``dest``, removed on the way out whatever happens.

    Parent folders created for it are removed too if nothing was moved in.
    """
    created = [p for p in (dest.parent, *dest.parent.parents) if not p.exists()]
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.stackgen-", dir=dest.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the project should not be
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in created:  # deepest first
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def move_into_place(staging: Path, dest: Path) -> None:
    """Move the rendered project to ``dest``, keeping any file already there.

    Files the template produces replace their namesakes; nothing else in
    ``dest`` is touched. An existing folder stays the same folder (it may be
    the user's current one), so its contents are moved, not the folder.
    """
    if not dest.exists():
        staging.rename(dest)
        return
    if not any(dest.iterdir()):
        for entry in staging.iterdir():
            os.replace(entry, dest / entry.name)
        return
    keep_repository = (dest / ".git").exists()
    moves = []
    for root, dirs, files in os.walk(staging):
        rel = Path(root).relative_to(staging)
        if rel == Path() and keep_repository and ".git" in dirs:
            dirs.remove(".git")  # never replace the user's own repository
        for name in dirs:
            if (dest / rel / name).exists() and not (dest / rel / name).is_dir():
                raise StackgenError(
                    f"{dest / rel / name} is a file where the template has a folder"
                )
        for name in files:
            if (dest / rel / name).is_dir():
                raise StackgenError(
                    f"{dest / rel / name} is a folder where the template has a file"
                )
            moves.append(rel / name)
    for rel in moves:  # checked first: nothing is moved unless everything can be
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, dest / rel)


def render(request: Request, target: Path, identity: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Render the template into ``target`` with Copier; return the answers and version."""
    import copier

    store, tag = source.ensure_version()
    try:
        worker = copier.run_copy(
            source.recorded_path(store),
            target,
            data=request.data,
            user_defaults=identity,
            defaults=request.defaults,
            vcs_ref=tag,
            overwrite=True,
            quiet=True,
            unsafe=False,
        )
    except ValueError as error:  # Copier's validation of an answer
        raise StackgenError(str(error).splitlines()[0]) from None
    answers = {k: v for k, v in worker.answers.combined.items() if not k.startswith("_")}
    return answers, tag


def create(request: Request) -> Result:
    """Generate the project described by ``request`` at ``request.dest``."""
    dest = request.dest.resolve()
    check_destination(dest, request.force)
    with staging_folder(dest) as staging:
        # A repository first, so that the identity read is the one git will
        # use for this project (global and system settings, not those of a
        # repository the destination happens to sit in).
        git("init", "-q", "-b", "main", cwd=staging)
        identity = author_defaults(staging)
        answers, tag = render(request, staging, identity)
        write_env(staging)
        committed = not (dest / ".git").exists()
        if committed:
            # The user's git identity when there is one, else the project's author.
            commit_all(
                staging,
                f"Initial commit from stackgen {__version__} (templates {tag})",
                identity.get("author_name", answers["author_name"]),
                identity.get("author_email", answers["author_email"]),
            )
        check_destination(dest, request.force)  # it may have changed while we asked
        move_into_place(staging, dest)
    return Result(dest, answers, tag, committed)


def next_steps(path: Path, answers: Mapping[str, Any]) -> list[str]:
    """The commands that take a freshly generated project to a running app."""
    setup = [
        f"cd {path}",
        "python3 -m venv .venv && . .venv/bin/activate",
        'pip install -e ".[dev]"',
    ]
    if answers.get("framework") == "django-mtv":
        run = ["python manage.py migrate", "python manage.py runserver", "pytest"]
    else:
        run = ["flask db upgrade", "flask run", "pytest"]
    return setup + run
