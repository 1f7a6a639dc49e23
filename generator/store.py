"""Where Copier reads the templates from: a local, versioned template store.

Copier can only update a project from a source that records versions (a git
repository), and the recorded source must stay valid for the project's life.
The installed package carries its templates as plain files, so stackgen keeps
a git repository of its own (``$STACKGEN_HOME/templates``, by default
``~/.local/share/stackgen/templates``) with one tagged commit per template
version. Each version is a root commit with a fixed author and date, so the
same templates give the same commit on every machine. Running any stackgen
adds its own version; a release also ships every earlier version as a git
bundle beside this module (``template-history.bundle``, built by
``python -m release.history``), imported into the store when it is
missing tags, so a project made by any earlier release can be updated.
Everything works offline.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator import __version__, versions
from generator.gitutil import git

PACKAGE_DIR = Path(__file__).resolve().parent
HISTORY_BUNDLE = "template-history.bundle"
TEMPLATE_PATHS = ("copier.yml", "templates")
IGNORED = ("__pycache__/", "*.py[co]", ".venv/", ".ruff_cache/", ".pytest_cache/", ".DS_Store")
# Fixed identity and date: a version's commit id depends on its files only.
COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "stackgen",
    "GIT_AUTHOR_EMAIL": "templates@stackgen.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "stackgen",
    "GIT_COMMITTER_EMAIL": "templates@stackgen.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+0000",
}


def packaged_templates() -> Path:
    """The folder holding ``copier.yml`` and ``templates/`` for this install.

    A wheel carries them inside the package; a source checkout has them at the
    repository root, beside the package.
    """
    for candidate in (PACKAGE_DIR / "template_source", PACKAGE_DIR.parent):
        if (candidate / "copier.yml").is_file() and (candidate / "templates").is_dir():
            return candidate
    raise FileNotFoundError("stackgen's templates are missing from this installation")


# The store's default place, as a project records it. A project made elsewhere
# (a download from a shared initializr) records this: every stackgen install
# keeps (or creates) its own store there, with the same tags and commits.
DEFAULT_STORE = "~/.local/share/stackgen/templates"


def store_dir() -> Path:
    """The template store: ``$STACKGEN_HOME/templates``."""
    home = os.environ.get("STACKGEN_HOME")
    if home:
        return Path(home).expanduser().resolve() / "templates"
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data).expanduser().resolve() / "stackgen" / "templates"


def recorded_path(store: Path) -> str:
    """How the store is named in a project's answers: under ``~`` when possible.

    ``~/.local/share/stackgen/templates`` stays valid for the same user on
    another machine, where an absolute home path would not.
    """
    try:
        return "~/" + store.relative_to(Path.home().resolve()).as_posix()
    except ValueError:
        return store.as_posix()


def is_store(path: Path) -> bool:
    """Whether ``path`` is a stackgen template store, whichever ``STACKGEN_HOME`` made it.

    Its versions are committed by stackgen's fixed identity; a template
    repository of someone's own is not.
    """
    if not (path / ".git").is_dir():
        return False
    author = git("log", "-1", "--tags", "--format=%ae", cwd=path, check=False)
    return author == COMMIT_ENV["GIT_AUTHOR_EMAIL"]


@contextmanager
def _locked(store: Path) -> Iterator[None]:
    store.parent.mkdir(parents=True, exist_ok=True)
    with open(store.parent / f".{store.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _init_store(store: Path) -> None:
    git("init", "-q", "-b", "main", "--", str(store))
    (store / ".git" / "info").mkdir(parents=True, exist_ok=True)
    (store / ".git" / "info" / "exclude").write_text("\n".join(IGNORED) + "\n")


def _tree_of(store: Path, files: Path) -> str:
    """Write ``files``' templates into the store's object database; return the tree id."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index"), "GIT_WORK_TREE": str(files)}
        git_dir = f"--git-dir={store / '.git'}"
        git(git_dir, "add", "-A", "--", *TEMPLATE_PATHS, cwd=files, env=env)
        return git(git_dir, "write-tree", cwd=files, env=env)


def _tags(store: Path) -> dict[str, str]:
    """Each version tag in the store, with the tree it points at."""
    listing = git("for-each-ref", "--format=%(refname:short) %(tree)", "refs/tags", cwd=store)
    return dict(line.split(" ", 1) for line in listing.splitlines() if line)


def import_bundle(store: Path, bundle: Path) -> None:
    """Bring the versions in a git bundle into the store."""
    git("fetch", "-q", "--", str(bundle), "refs/tags/*:refs/tags/*", cwd=store)


def ensure_version(
    files: Path | None = None,
    version: str = __version__,
    store: Path | None = None,
    bundle: Path = PACKAGE_DIR / HISTORY_BUNDLE,
) -> tuple[Path, str]:
    """Make sure the store holds ``files`` as a tagged version; return the store and tag.

    The tag is ``v<version>``. If that tag already holds other files (a
    developer changed the templates without a release), the version is a
    development release labelled with its tree (``versions.development_tag``,
    ``v0.1.1.dev0+<tree>`` after 0.1.0): it sorts after the release, and, being a
    pre-release, anything that picks "the newest release" (plain ``copier
    update``, ``versions.newest``) passes it over, so one developer's build
    never becomes everyone's update.
    """
    files = files or packaged_templates()
    store = store or store_dir()
    with _locked(store):
        if not (store / ".git").is_dir():
            _init_store(store)
        tags = _tags(store)
        if bundle.is_file() and not set(versions.source_tags(str(bundle))) <= set(tags):
            import_bundle(store, bundle)
            tags = _tags(store)
        tree = _tree_of(store, files)
        for tag in (f"v{version}", versions.development_tag(version, tree[:8])):
            if tags.get(tag) == tree:
                return store, tag
            if tag not in tags:
                commit = git(
                    "commit-tree",
                    tree,
                    "-m",
                    f"stackgen templates {tag}",
                    cwd=store,
                    env=COMMIT_ENV,
                )
                git("tag", tag, commit, cwd=store)
                git("update-ref", "refs/heads/main", commit, cwd=store)
                return store, tag
    raise RuntimeError(f"tags v{version} and its local variant both hold other files")
