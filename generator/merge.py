"""One three-way merge over every resource of a project, in place of one Copier update each.

``stackgen update``, ``add`` and ``remove`` bring every recorded resource along.
A Copier update per resource answers file renders the old version twice and
the new one twice, makes two throwaway git repositories, commits, diffs and
applies, and needs a clean tree (so a commit of ours between resources): about
60 git subprocesses per resource. Here each resource is rendered once at its
recorded version and answers (the base) and once at the new ones, before
anything changes; then each of its files is merged as Copier merges it: the
template's new text where you left the file as it was made, yours where the
template left it, and ``git merge-file`` with Copier's own labels where both
changed it (conflicts marked in the file and listed in git's index with their
three stages, as Copier lists them).

Deciding what to do with a file is ``decide``, a pure function of the three
versions; writing is ``write``.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import StackgenError
from generator.gitutil import SAFE_ENV, git

# Copier's labels for ``git merge-file`` (copier/_main.py, ``_apply_update``): the
# markers a user sees and a conflict is recognised by are the same either way.
LABELS = ("before updating", "last update", "after updating")

KEEP, WRITE, DELETE, MERGE, KEPT = "keep", "write", "delete", "merge", "kept"


@dataclass(frozen=True)
class Entry:
    """A file as rendered or as found: its text and whether it is executable."""

    data: bytes
    executable: bool = False


@dataclass
class Rendered:
    """One answers file's renderings, old and new, its answers file aside."""

    answers_file: str
    old: dict[str, Entry]
    new: dict[str, Entry]
    answers: bytes  # the answers file the new rendering writes

    @property
    def unchanged(self) -> bool:
        return self.old == self.new


@dataclass
class Outcome:
    """What ``write`` did besides what git's status shows."""

    conflicted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # dropped by the template, edited by you
    ignored_clashes: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)  # ``git update-index --index-info`` lines


def decide(old: Entry | None, new: Entry | None, mine: Entry | None) -> str:
    """What a three-way merge does to one path: base ``old``, template ``new``, your ``mine``.

    As Copier's update: a file you deleted is not brought back; a file the
    template drops goes only if you left it as it was made (else it is
    ``KEPT``, as ``update.keep_edited_removals`` keeps it); a file both added
    with different texts is merged against an empty base.
    """
    if old == new or mine == new:
        return KEEP
    if new is None:
        if mine is None:
            return KEEP
        return DELETE if mine == old else KEPT
    if old is None:
        return WRITE if mine is None else MERGE
    if mine is None:
        return KEEP  # you deleted it: not brought back
    if mine.data == old.data:
        return WRITE
    if mine.data == new.data:
        return WRITE if mine.executable == old.executable else KEEP  # the mode only
    return MERGE


def executable(old: Entry | None, new: Entry, mine: Entry | None) -> bool:
    """The template's mode, unless you changed the file's mode from what it was made with."""
    if mine is not None and old is not None and mine.executable != old.executable:
        return mine.executable
    return new.executable


def read_tree(root: Path, skip: str = "") -> dict[str, Entry]:
    """Every file under ``root`` (a rendering) but ``skip``, by path relative to it."""
    found = {}
    for file in root.rglob("*"):
        name = file.relative_to(root).as_posix()
        if name == skip or file.is_dir():
            continue
        if file.is_symlink():  # our resource templates make none; Copier's way would follow it
            raise StackgenError(
                f"the template renders {name} as a symlink; stackgen cannot merge it"
            )
        found[name] = Entry(file.read_bytes(), bool(file.stat().st_mode & stat.S_IXUSR))
    return found


def _read(path: Path) -> Entry | None:
    """Your file at ``path``, if any (``update.check_path`` refused folders and symlinks)."""
    if not path.is_file() or path.is_symlink():
        if path.exists() or path.is_symlink():
            raise StackgenError(f"{path} is not a plain file; the template writes a file there")
        return None
    return Entry(path.read_bytes(), bool(path.stat().st_mode & stat.S_IXUSR))


def merge_file(old: bytes, new: bytes, mine: bytes) -> tuple[bytes, bool]:
    """``git merge-file`` of ``mine`` with Copier's labels: the text, and whether it conflicts."""
    with tempfile.TemporaryDirectory(prefix="stackgen-merge-") as scratch:
        paths = []
        for name, data in (("mine", mine), ("old", old), ("new", new)):
            paths.append(Path(scratch) / name)
            paths[-1].write_bytes(data)
        labels = [arg for label in LABELS for arg in ("-L", label)]
        result = subprocess.run(
            ["git", "merge-file", "-p", *labels, "--", *map(str, paths)],
            capture_output=True,
            env={**os.environ, **SAFE_ENV},
        )
    if result.returncode < 0 or result.returncode > 127:
        raise StackgenError(f"git merge-file failed: {result.stderr.decode(errors='replace')}")
    return result.stdout, result.returncode > 0


def write(path: Path, rendered: list[Rendered], ignored: set[str]) -> Outcome:
    """Merge every rendering into the project at ``path`` (its answers files included).

    ``ignored``: the project's git-ignored files; one the new version renders is
    yours and stays as it is (listed as a clash, as the starter's update lists them).
    """
    outcome = Outcome()
    for one in rendered:
        for name in sorted(set(one.old) | set(one.new)):
            old, new = one.old.get(name), one.new.get(name)
            target = path / name
            mine = _read(target)
            if new is not None and name in ignored and mine is not None:
                if old != new:
                    outcome.ignored_clashes.append(name)
                continue
            action = decide(old, new, mine)
            if action == KEEP:
                continue
            if action == KEPT:
                outcome.kept.append(name)
            elif action == DELETE:
                remove(path, [name])
            else:
                assert new is not None
                data = new.data
                if action == MERGE:
                    assert mine is not None
                    data, conflicts = merge_file(old.data if old else b"", new.data, mine.data)
                    if conflicts:
                        outcome.conflicted.append(name)
                        outcome.stages += _stages(path, name, old, new)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                mode = 0o755 if executable(old, new, mine) else 0o644
                if stat.S_IMODE(target.stat().st_mode) & 0o111 != mode & 0o111:
                    target.chmod(mode)
        (path / one.answers_file).write_bytes(one.answers)
    return outcome


def remove(path: Path, names: list[str]) -> None:
    """Delete the files ``names`` and the folders they leave empty."""
    for name in names:
        target = path / name
        target.unlink(missing_ok=True)
        for folder in target.parents:
            if folder == path or not folder.is_relative_to(path) or any(folder.iterdir()):
                break
            folder.rmdir()


def write_new(path: Path, files: dict[str, Entry]) -> None:
    """Write a new resource's rendering into the project (``plan`` refused any clash)."""
    for name, entry in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(entry.data)
        if entry.executable:
            target.chmod(0o755)


def _stages(path: Path, name: str, old: Entry | None, new: Entry) -> list[str]:
    """The index lines that mark ``name`` unmerged as Copier marks it: 1 the base, 2 yours
    (the committed file), 3 the template's new text."""
    listed = git("ls-files", "--stage", "--", name, cwd=path)
    lines = [f"0 {'0' * 40}\t{name}"]
    perms = "100755" if new.executable else "100644"
    if listed:
        perms, sha, _ = listed.split("\t")[0].split()
        lines.append(f"{perms} {sha} 2\t{name}")
    if old is not None:
        lines.append(f"{perms} {_blob(path, old.data)} 1\t{name}")
    lines.append(f"{perms} {_blob(path, new.data)} 3\t{name}")
    return lines


def _blob(path: Path, data: bytes) -> str:
    result = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"],
        cwd=path,
        input=data,
        capture_output=True,
        env={**os.environ, **SAFE_ENV},
        check=True,
    )
    return result.stdout.decode().strip()


def record_conflicts(path: Path, stages: list[str]) -> None:
    if stages:
        git("update-index", "-z", "--index-info", cwd=path, stdin="\0".join(stages) + "\0")
