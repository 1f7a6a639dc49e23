"""Write a generated project's private ``.env`` with fresh secrets.

Templates ship ``.env.example`` (committed) with ``change-me`` wherever a
secret belongs; the project's ``.env`` (ignored by git) gets a new random
value in each of those places, so no two projects share a key and none is
ever committed.
"""

from __future__ import annotations

import secrets
from pathlib import Path

PLACEHOLDER = "change-me"
ENV_FILE = ".env"


def fill_secrets(example: str) -> str:
    """``example`` with every ``KEY=change-me`` given a fresh 50+ character secret."""
    lines = []
    for line in example.splitlines(keepends=True):
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#") and value.strip() == PLACEHOLDER:
            newline = "\n" if line.endswith("\n") else ""
            line = f"{key}={secrets.token_urlsafe(50)}{newline}"
        lines.append(line)
    return "".join(lines)


def write_env(project: Path) -> bool:
    """Create ``.env`` from ``.env.example`` unless one exists; return whether it did."""
    example, env = project / f"{ENV_FILE}.example", project / ENV_FILE
    if not example.is_file() or env.exists():
        return False
    env.write_text(fill_secrets(example.read_text()))
    env.chmod(0o600)
    return True
