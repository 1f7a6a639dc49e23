"""A rendered starter packed as a zip or tar.gz that stays updatable, its listing, and the
diff between two starters, all in memory."""

from __future__ import annotations

import difflib
import io
import stat
import tarfile
import zipfile
from typing import Any

from generator.web.starter import File, Starter

# Fixed archive dates: the same answers give the same bytes.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
TAR_MTIME = 1767225600  # 2026-01-01T00:00:00Z


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
