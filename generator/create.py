"""Generate a project: render in a staging folder, then move it into place.

Rendering happens in a hidden folder beside the destination, so a failed or
interrupted run (an error, Ctrl-C, SIGTERM) leaves nothing behind, and an
existing folder is only written to once everything rendered.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import __version__, interrupts, store
from generator.dotenv import ENV_FILE, write_env
from generator.errors import StackgenError, from_copier
from generator.gitutil import commit_all, configured, git
from generator.naming import MAX_NAME_BYTES

if TYPE_CHECKING:
    from generator.resources import Option


@dataclass
class Request:
    """Everything needed to generate one project."""

    dest: Path
    data: dict[str, Any]  # answers known before Copier asks (framework included)
    defaults: bool = False  # take every other answer's default, ask nothing
    force: bool = False  # write into a non-empty destination
    resources: tuple[Option, ...] = ()  # resources.check_options
    model_text: str | None = None  # --model FILE's text: the project's model.yml


@dataclass
class Placement:
    """What moving a project into an existing folder did to the files already there."""

    replaced: list[str] = field(default_factory=list)  # the template's files won
    kept: list[str] = field(default_factory=list)  # the user's files won (``.env``)


@dataclass
class Result:
    path: Path
    answers: dict[str, Any]
    version: str
    committed: bool
    placement: Placement = field(default_factory=Placement)


def check_destination(dest: Path, force: bool) -> None:
    """Refuse a destination that holds files, unless ``force``."""
    if len(dest.name.encode()) > MAX_NAME_BYTES:
        raise StackgenError(
            f"the folder name {dest.name[:40]}... is {len(dest.name.encode())} bytes long; "
            f"file systems allow {MAX_NAME_BYTES}"
        )
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


def git_identity() -> dict[str, str]:
    """The author git would record in a new repository, as ``create`` reads it."""
    with tempfile.TemporaryDirectory() as scratch:
        git("init", "-q", scratch)
        return author_defaults(Path(scratch))


@contextmanager
def staging_folder(dest: Path) -> Iterator[Path]:
    """A hidden folder beside ``dest``, removed on the way out whatever happens.

    Its name does not grow with the project's (a 240-character name must
    still leave room). Parent folders created for it are removed too if
    nothing was moved in.
    """
    created = [p for p in (dest.parent, *dest.parent.parents) if not p.exists()]
    # Deferred: a Ctrl-C between making the folder and the try below would leave it.
    with interrupts.deferred():
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".stackgen-new-", dir=dest.parent))
        except OSError as error:  # name the folder asked for, not the hidden one beside it
            _remove_empty(created)
            raise StackgenError(f"cannot create {dest}: {error.strerror or error}") from None
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the project should not be
    try:
        yield staging
    finally:
        with interrupts.deferred():
            _remove_tree(staging)
            _remove_empty(created)


def _remove_tree(folder: Path) -> None:
    """Remove ``folder``, even while a child process killed by the same Ctrl-C still writes.

    Copier's git runs as a child of ours; a Ctrl-C reaches it too, and it may
    write one last object after the first removal. A few tries, a moment apart.
    """
    for _ in range(50):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.02)


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def plan_moves(staging: Path, dest: Path) -> tuple[list[Path], Placement]:
    """The files to move from ``staging`` into a non-empty ``dest``; refuse a clash first.

    Nothing is written here: a file where the template has a folder (or the
    reverse), or a folder that is a symlink leading out of ``dest``, stops the
    run before anything moved.
    """
    placement = Placement()
    keep_repository = (dest / ".git").exists()
    root = dest.resolve()
    moves = []
    for folder, dirs, files in os.walk(staging):
        rel = Path(folder).relative_to(staging)
        if rel == Path() and keep_repository and ".git" in dirs:
            dirs.remove(".git")  # never replace the user's own repository
        for name in dirs:
            there = dest / rel / name
            if there.is_symlink() and not there.resolve().is_relative_to(root):
                raise StackgenError(
                    f"{there} is a symlink to {there.resolve()}, outside {dest}; "
                    "stackgen writes nothing through it"
                )
            if there.exists() and not there.is_dir():
                raise StackgenError(f"{there} is a file where the template has a folder")
        for name in files:
            there = dest / rel / name
            if there.is_dir() and not there.is_symlink():
                raise StackgenError(f"{there} is a folder where the template has a file")
            if rel == Path() and name == ENV_FILE and (there.exists() or there.is_symlink()):
                placement.kept.append(ENV_FILE)  # the user's secrets: never replaced
                continue
            if there.exists() or there.is_symlink():
                placement.replaced.append((rel / name).as_posix())
            moves.append(rel / name)
    return moves, placement


def move_into_place(staging: Path, dest: Path) -> Placement:
    """Move the rendered project to ``dest``, all of it or (on an error) none of it.

    Files the template produces replace their namesakes (kept aside until
    every move succeeded); nothing else in ``dest`` is touched, and an
    existing ``.env`` stays. An existing folder stays the same folder (it may
    be the user's current one), so its contents are moved, not the folder.
    Ctrl-C is held back until the move is over.
    """
    if not dest.exists():
        with interrupts.deferred():
            staging.rename(dest)
            interrupts.reached(f"the project was created in {dest}")
        return Placement()
    moves, placement = plan_moves(staging, dest)
    backup = staging / ".stackgen-replaced"
    done: list[Path] = []
    created: list[Path] = []
    with interrupts.deferred():
        try:
            for rel in moves:
                target = dest / rel
                if target.exists() or target.is_symlink():
                    (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(target, backup / rel)
                for folder in reversed(target.parents[: len(rel.parts) - 1]):
                    if not folder.exists():
                        folder.mkdir()
                        created.append(folder)
                os.replace(staging / rel, target)
                done.append(rel)
        except BaseException:
            for rel in reversed(done):  # put every file back as it was
                os.replace(dest / rel, staging / rel)
                if (backup / rel).exists() or (backup / rel).is_symlink():
                    os.replace(backup / rel, dest / rel)
            for folder in reversed(created):
                folder.rmdir()
            raise
        interrupts.reached(f"the project was written into {dest}")
    return placement


def render(request: Request, target: Path, identity: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Render the template into ``target`` with Copier; return the answers and version."""
    import copier

    where, tag = store.ensure_version()
    with from_copier():
        worker = copier.run_copy(
            store.recorded_path(where),
            target,
            data=request.data,
            user_defaults=identity,
            defaults=request.defaults,
            vcs_ref=tag,
            overwrite=True,
            quiet=True,
            unsafe=False,
        )
    answers = {k: v for k, v in worker.answers.combined.items() if not k.startswith("_")}
    return answers, tag


def add_resources(target: Path, request: Request) -> None:
    """The ``--resource`` options (or ``--model``'s resources), generated into the rendered
    project, with their diagram; ``--model``'s file becomes the project's model.yml."""
    if request.resources:
        from generator import diagram, resources

        resources.add_all(target, request.resources)
        diagram.refresh(target)
    if request.model_text is not None:
        from generator.model import MODEL_FILE

        (target / MODEL_FILE).write_text(request.model_text)


def create(request: Request) -> Result:
    """Generate the project described by ``request`` at ``request.dest``.

    The destination is checked once everything is rendered, just before the
    move (it may have changed while the questions were asked); ``new`` checks
    it before asking too, so a mistake is said at once.
    """
    dest = request.dest.resolve()
    with staging_folder(dest) as staging:
        # A repository first, so that the identity read is the one git will
        # use for this project (global and system settings, not those of a
        # repository the destination happens to sit in).
        git("init", "-q", "-b", "main", cwd=staging)
        identity = author_defaults(staging)
        answers, tag = render(request, staging, identity)
        add_resources(staging, request)
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
        check_destination(dest, request.force)
        placement = move_into_place(staging, dest)
    return Result(dest, answers, tag, committed, placement)


# The database a PostgreSQL or MySQL project's .env names, made on a local server, by
# template and database. The generated READMEs give the same line (tests/test_first_run.py).
CREATE_DATABASE = {
    ("django-mtv", "postgresql"): "createdb -h localhost -U postgres {slug}",
    ("django-mtv", "mysql"): (
        'mysql -h 127.0.0.1 -u root -e "CREATE DATABASE {slug} CHARACTER SET utf8mb4"'
    ),
    ("flask-api", "postgresql"): "createdb -h localhost -U postgres {slug}",
    # Flask's .env connects as a user of the project's own, as compose.yaml's database has.
    ("flask-api", "mysql"): (
        'mysql -h 127.0.0.1 -u root -e "CREATE DATABASE {slug} CHARACTER SET utf8mb4; '
        "CREATE USER IF NOT EXISTS '{slug}'@'%' IDENTIFIED BY '{slug}'; "
        "GRANT ALL ON {slug}.* TO '{slug}'@'%'\""
    ),
}
INTERACTIVE = "  # asks for a name and a password"


def next_steps(path: Path, answers: Mapping[str, Any]) -> list[str]:
    """The commands that take a freshly generated project to a running app, in order.

    Each line runs as printed (what follows ``#`` is a note for the reader).
    """
    steps = [
        f"cd {shlex.quote(str(path))}",
        "python3 -m venv .venv && . .venv/bin/activate",
        'pip install -e ".[dev]"',
    ]
    create_database = CREATE_DATABASE.get(
        (str(answers.get("framework")), str(answers.get("database")))
    )
    if create_database:
        steps.append(create_database.format(slug=answers["project_slug"]))
    if answers.get("framework") == "django-mtv":
        steps += [
            "python manage.py migrate",
            "python manage.py loadsamplepolls",
            f"python manage.py createsuperuser{INTERACTIVE}",
        ]
        if answers.get("api") is True:
            steps += [
                "python manage.py users create me  # a user of the API, not an admin",
                "python manage.py apitoken create me  # its API token, printed once",
            ]
        steps += ["python manage.py runserver"]
    else:
        steps += [
            "flask db upgrade",
            "flask tokens create me  # your API token (reads and writes), printed once",
            "flask run",
        ]
    if answers.get("typescript_client") is True:
        from generator.resources import CLIENT_COMMAND

        # before the server, which keeps the terminal
        steps.insert(-1, f"({CLIENT_COMMAND})  # the typed client: Node and npm")
    return [*steps, "pytest"]
