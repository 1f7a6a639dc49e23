"""Run git, with an identity that works on a machine where none is configured."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from generator.errors import StackgenError

# Never wait for a password no one can type, and never let a source name a
# transport that runs commands (``ext::``, ``fd::``): only those that fetch.
SAFE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh"}


def git(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    strip: bool = True,
    stdin: str | None = None,
) -> str:
    """Run ``git args`` (``stdin`` on its standard input) and return its standard output
    (stripped, unless told not to)."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env={**os.environ, **SAFE_ENV, **(env or {})},
            capture_output=True,
            text=True,
            input=stdin,
        )
    except FileNotFoundError:
        raise StackgenError("git is not installed; stackgen needs it to version projects") from None
    if check and result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise StackgenError(f"git {args[0]} failed: {detail[-1] if detail else result.returncode}")
    return result.stdout.strip() if strip else result.stdout


def configured(key: str, repo: Path) -> str | None:
    """A value of git's configuration as it applies in ``repo``, if set."""
    value = git("config", "--get", key, cwd=repo, check=False)
    return value or None


def commit_all(path: Path, message: str, name: str, email: str) -> None:
    """Stage everything in ``path`` and commit it as ``name <email>``.

    The identity is passed in, so a first commit works even where git has
    never been configured.
    """
    git("add", "-A", cwd=path)
    identity = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
    identity |= {"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
    git("commit", "-q", "--no-verify", "-m", message, cwd=path, env=identity)
