"""Build ``template-history.bundle``: every released template version, for offline updates.

Run at release time from a clone with its tags::

    python -m release.history

Each ``v*`` release tag's ``copier.yml`` and ``templates/`` become a version in
a scratch template store, exactly as ``store.ensure_version`` would make it
on a user's machine (same files, same commit id), and the store's tags are
written to ``generator/template-history.bundle``, which the package ships.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from generator import store as template_store
from generator import versions
from generator.gitutil import git


def export(repo: Path, tag: str, dest: Path) -> Path:
    """The template files of ``repo`` at ``tag``, written to ``dest``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", tag, "--", *template_store.TEMPLATE_PATHS],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def build(repo: Path, bundle: Path) -> list[str]:
    """Write the bundle of every release tag in ``repo``; return the tags."""
    tags = [tag for tag in versions.source_tags(str(repo)) if versions.parse(tag)]
    tags.sort(key=versions.parse)
    with tempfile.TemporaryDirectory() as scratch:
        store = Path(scratch) / "store"
        for tag in tags:
            files = export(repo, tag, Path(scratch) / tag)
            template_store.ensure_version(files, tag.removeprefix("v"), store)
        if tags:
            git("bundle", "create", str(bundle), "--tags", cwd=store)
    return tags


if __name__ == "__main__":
    root = template_store.PACKAGE_DIR.parent
    written = build(root, template_store.PACKAGE_DIR / template_store.HISTORY_BUNDLE)
    written_text = ", ".join(written) or "no release tags, nothing written"
    print(f"{template_store.HISTORY_BUNDLE}: {written_text}")
    sys.exit(0)
