"""Render a starter into memory, and pack it as a zip or tar.gz that stays updatable.

Rendering is ``stackgen new``'s (``create.render``: Copier, from the local
template store, at this stackgen's version tag) without the git commit and
without ``.env``: a download carries ``.env.example``, and its README says how
to make ``.env``. Each render happens in a temporary folder removed at once;
the files are kept in memory, and the last few starters asked for are cached.

The answers file of a download records ``_src_path`` as the store's default
place, ``~/.local/share/stackgen/templates``, whatever store the server used:
on the user's machine stackgen creates its own store there, with the same tag
at the same commit (each version is a root commit with fixed metadata), so
``stackgen check`` and ``update`` work on the unpacked project once it is
committed.
"""

from __future__ import annotations

import difflib
import io
import re
import stat
import tarfile
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from generator import create, recorded, source
from generator.starter import Choice

CACHED_STARTERS = 16  # a rendered starter is ~100-300 KB
# Fixed archive dates: the same answers give the same bytes.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
TAR_MTIME = 1767225600  # 2026-01-01T00:00:00Z
SRC_LINE = re.compile(r"^_src_path: .*$", re.MULTILINE)

# Copier changes the process's working directory while it renders (plumbum's
# ``local.cwd``), so two renders in one process must not overlap. Identical
# requests are served from the cache without waiting.
_render_lock = threading.Lock()


@dataclass(frozen=True)
class File:
    path: str  # relative, POSIX
    mode: int  # permission bits
    content: bytes

    @property
    def text(self) -> str | None:
        try:
            return self.content.decode("utf-8")
        except UnicodeDecodeError:
            return None


@dataclass(frozen=True)
class Starter:
    folder: str
    version: str  # the template version tag
    files: tuple[File, ...]  # sorted by path

    def file(self, path: str) -> File | None:
        return next((f for f in self.files if f.path == path), None)


def portable(answers_text: str) -> str:
    """An answers file recording the default store as its source, whatever it recorded."""
    text, count = SRC_LINE.subn(f"_src_path: {source.DEFAULT_STORE}", answers_text, count=1)
    if count != 1:
        raise RuntimeError(f"no _src_path line in the rendered {recorded.ANSWERS_FILE}")
    return text


def _read_tree(root: Path) -> tuple[File, ...]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            mode = stat.S_IMODE(path.stat().st_mode)
            found.append(File(path.relative_to(root).as_posix(), mode, path.read_bytes()))
    return tuple(found)


@lru_cache(maxsize=CACHED_STARTERS)
def render(choice: Choice) -> Starter:
    """The files of the starter ``choice`` describes (cached: Choice is hashable)."""
    with _render_lock, tempfile.TemporaryDirectory(prefix="stackgen-serve-") as scratch:
        target = Path(scratch) / choice.folder
        request = create.Request(target, choice.answers, defaults=True)
        # No author from this server's git configuration: copier.yml's defaults.
        _, version = create.render(request, target, identity={})
        answers_file = target / recorded.ANSWERS_FILE
        answers_file.write_text(portable(answers_file.read_text()))
        files = _read_tree(target)
    return Starter(choice.folder, version, files)


def to_zip(starter: Starter) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in starter.files:
            info = zipfile.ZipInfo(f"{starter.folder}/{file.path}", ZIP_DATE)
            info.external_attr = (stat.S_IFREG | file.mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.content)
    return buffer.getvalue()


def to_tar_gz(starter: Starter) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        folders: set[str] = set()
        for file in starter.files:
            parts = f"{starter.folder}/{file.path}".split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                if folder not in folders:
                    folders.add(folder)
                    archive.addfile(_tar_info(folder, tarfile.DIRTYPE, 0o755))
            info = _tar_info("/".join(parts), tarfile.REGTYPE, file.mode)
            info.size = len(file.content)
            archive.addfile(info, io.BytesIO(file.content))
    return buffer.getvalue()


def _tar_info(name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = kind, mode, TAR_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def listing(starter: Starter) -> list[dict[str, Any]]:
    return [listing_entry(f) for f in starter.files]


def diff(before: Starter, after: Starter) -> dict[str, Any]:
    """What changes in the files from ``before`` to ``after``: added, removed, changed."""
    old = {f.path: f for f in before.files}
    new = {f.path: f for f in after.files}
    changed = []
    for path in sorted(old.keys() & new.keys()):
        a, b = old[path], new[path]
        if a.content == b.content:
            continue
        if a.text is None or b.text is None:
            text = "binary files differ\n"
        else:
            text = "".join(
                difflib.unified_diff(
                    a.text.splitlines(keepends=True),
                    b.text.splitlines(keepends=True),
                    f"a/{path}",
                    f"b/{path}",
                )
            )
        changed.append({"path": path, "diff": text})
    return {
        "added": [listing_entry(new[p]) for p in sorted(new.keys() - old.keys())],
        "removed": [listing_entry(old[p]) for p in sorted(old.keys() - new.keys())],
        "changed": changed,
    }


def listing_entry(file: File) -> dict[str, Any]:
    return {"path": file.path, "size": len(file.content)}
