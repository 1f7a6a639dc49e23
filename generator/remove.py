"""``stackgen remove``: switch features off in a committed project.

The same switch as ``add`` (an update at the project's own template version
with the feature's answer set to false): files only the feature brought are
removed unless you edited them, your edits elsewhere are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator.add import Switched, switch


def remove(
    path: Path, names: Sequence[str], labels: dict[str, str], to: str | None = None
) -> Switched:
    return switch(path, names, False, labels, to)
