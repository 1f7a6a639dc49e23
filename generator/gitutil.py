"""Run git, with an identity that works on a machine where none is configured."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from generator.errors import StackgenError


def git(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    strip: bool = True,
) -> str:
    """Run ``git args`` and return its standard output (stripped, unless told not to)."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        raise StackgenError("git is not installed; stackgen needs it to version projects") from None
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise StackgenError(f"git {args[0]} failed: {detail[-1] if detail else result.returncode}")
    return result.stdout.strip() if strip else result.stdout


def configured(key: str) -> str | None:
    """A value from the user's git configuration, if set."""
    value = git("config", "--get", key, check=False)
    return value or None


def is_dirty(path: Path) -> bool:
    return bool(git("status", "--porcelain", cwd=path))


def commit_all(path: Path, message: str, name: str, email: str) -> None:
    """Stage everything in ``path`` and commit it.

    The project's author is the fallback identity: a first commit must not
    fail just because git has never been configured on this machine.
    """
    git("add", "-A", cwd=path)
    identity = {
        "GIT_AUTHOR_NAME": configured("user.name") or name,
        "GIT_AUTHOR_EMAIL": configured("user.email") or email,
    }
    identity["GIT_COMMITTER_NAME"] = identity["GIT_AUTHOR_NAME"]
    identity["GIT_COMMITTER_EMAIL"] = identity["GIT_AUTHOR_EMAIL"]
    git("commit", "-q", "--no-verify", "-m", message, cwd=path, env=identity)
