"""Template versions: the release tags of a template source, compared as PEP 440."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import InvalidVersion, Version

from generator.errors import StackgenError
from generator.gitutil import git


def parse(tag: str) -> Version | None:
    """The version a tag names (``v0.2.0`` -> 0.2.0), or None for other tags."""
    try:
        return Version(tag.removeprefix("v"))
    except InvalidVersion:
        return None


def check(version: str) -> str:
    """Return ``version`` if it is shaped like one (``0.2.0``, ``v0.2.0``), else raise why not.

    Checked before it names anything: ``--to ../../etc`` is not a version that
    happens to be missing.
    """
    if parse(tag_for(version)) is None or not version.isprintable() or len(version) > 64:
        shown = repr(version)[:70]
        raise StackgenError(f"{shown} is not a template version (e.g. 0.2.0 or v0.2.0)")
    return version


def tag_for(version: str) -> str:
    """The tag of a version given either way: ``0.2.0`` or ``v0.2.0``."""
    return version if version.startswith("v") else f"v{version}"


def development_tag(version: str, label: str) -> str:
    """The tag of an unreleased build after ``version``: ``0.1.0`` -> ``v0.1.1.dev0+label``.

    It sorts after the release and before the next one, and, being a pre-release,
    is never "the newest release". Its shape (one pre-release segment, as
    setuptools-scm writes) is what Copier's version reading (dunamai) parses;
    ``v0.1.0.post0.dev0+label`` is not, and Copier took it for 0.0.0.
    """
    major, minor, patch, *_ = (*Version(version).release, 0, 0)
    return f"v{major}.{minor}.{patch + 1}.dev0+{label}"


def newest(tags: Iterable[str]) -> str | None:
    """The highest release tag (pre-releases and non-version tags ignored)."""
    releases = [(v, t) for t in tags if (v := parse(t)) is not None and not v.is_prerelease]
    return max(releases)[1] if releases else None


def source_tags(src: str) -> list[str]:
    """Every tag of a git source (a repository path or URL)."""
    listing = git("ls-remote", "--tags", "--refs", "--", src)
    return [line.split("refs/tags/", 1)[1] for line in listing.splitlines() if line]
