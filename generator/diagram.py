"""The picture of a project's data model: ``docs/model.md``, a Mermaid erDiagram (GitHub
renders it) written from the recorded resources.

It is a generated file: ``generate``, ``destroy``, ``model apply`` and ``update`` write it
again whenever the resources change, and ``check`` says when it does not show them. Its
first line holds a checksum of the rest, so a hand edit is seen: such a file is never
overwritten (the command says so); deleting it lets the next command write it again.

``render`` is pure (recorded resources -> text); ``refresh`` is the file's one writer.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from generator import fields, interrupts

PATH = "docs/model.md"
FIRST_LINE = "<!-- Written by stackgen from the recorded resources; do not edit. checksum {} -->"
CHECKSUM = re.compile(r"<!-- Written by stackgen .* checksum ([0-9a-f]{16}) -->")
INTRO = """# Data model

Written by stackgen from the project's resources (`.copier-answers.resource-*.yml`) each time
`stackgen generate`, `destroy`, `model apply` or `update` changes them: change the model with
those commands (or `model.yml`), not here. A hand edit here is kept, and reported, until the
file is deleted. Every resource also has `created_at` and `updated_at`; each field's note is
its spec after the type, as `stackgen generate resource` and `model.yml` write it.
"""


def render(recorded: dict[str, dict[str, Any]]) -> str:
    """The diagram's Markdown for the live resources (with its checksum line)."""
    live = fields.live(dict(sorted(recorded.items())))
    body = INTRO
    if not live:
        body += "\nNo resources yet: `stackgen generate resource NAME FIELD...` adds one.\n"
    else:
        body += "\n```mermaid\nerDiagram\n" + "\n".join(_lines(live)) + "\n```\n"
    return FIRST_LINE.format(_checksum(body)) + "\n" + body


def _checksum(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _lines(live: dict[str, dict[str, Any]]) -> list[str]:
    """Relations first (the user model owning rows, each reference with its cardinality:
    one parent, or none for an optional reference, to zero or more children, or to at most
    one for a unique reference (one-to-one); a many field zero or more on both sides;
    labelled with the field, its role), then each entity with its columns."""
    lines = []
    for name, info in live.items():
        if info.get("owned"):
            lines.append(f'    User ||--o{{ {name} : "owns"')
        for item in info["fields"]:
            if item["type"] == "references":
                parent = "|o" if item.get("optional") else "||"
                children = "o|" if item.get("unique") else "o{"
                lines.append(f'    {item["target"]} {parent}--{children} {name} : "{item["name"]}"')
            if item["type"] == "many":
                lines.append(f'    {name} }}o--o{{ {item["target"]} : "{item["name"]}"')
    for name, info in live.items():
        lines.append(f"    {name} {{")
        lines.append("        integer id PK")
        if info.get("owned"):
            lines.append("        integer owner_id FK")
        groups = info.get("unique") or []
        for item in info["fields"]:
            if item["type"] != "many":  # a join table's, drawn as the relation
                lines.append(f"        {_column(item, groups)}")
        lines.append("    }")
    return lines


def _column(item: dict[str, Any], groups: list[list[str]] | None = None) -> str:
    """``type name [PK|FK|UK] ["note"]``: the note is the field's spec after its type, and
    the fields it is unique together with (``--unique a,b``)."""
    note = fields.spec_of(item).split(":", 2)[2:]
    together = [g for g in groups or [] if item["name"] in g]
    note += ["unique with " + ",".join(n for n in g if n != item["name"]) for g in together]
    unique = item.get("unique") or together
    if item["type"] == "references":
        line = f"integer {fields.column_name(item)} FK" + (", UK" if unique else "")
    else:
        line = f"{item['type']} {item['name']}" + (" UK" if unique else "")
    # A default is printable text without double quotes (fields.DEFAULT_TEXT).
    return line + (f' "{" ".join(note)}"' if note else "")


def state(path: Path, recorded: dict[str, dict[str, Any]]) -> str:
    """Whether ``path``'s diagram shows ``recorded``: current, missing, stale (ours, not
    up to date) or edited (by hand). A project without resources needs none."""
    target = path / PATH
    wanted = render(recorded)
    if not target.is_file():
        live = bool(fields.live(recorded))
        return "missing" if live else "current"
    text = target.read_text(errors="replace")
    if text == wanted:
        return "current"
    return "stale" if _pristine(text) else "edited"


def _pristine(text: str) -> bool:
    first, _, body = text.partition("\n")
    found = CHECKSUM.fullmatch(first)
    return bool(found) and found[1] == _checksum(body)


def refresh(path: Path) -> str:
    """Write the diagram of the project's recorded resources unless it is current or was
    edited by hand; return which (``written``, ``current``, ``edited``; ``outside`` when
    docs/ leads out of the project)."""
    from generator.resources import recorded

    found = recorded(path)
    now = state(path, found)
    if now in ("current", "edited"):
        return now
    target = path / PATH
    if not target.parent.resolve().is_relative_to(path.resolve()):
        return "outside"  # docs/ is a symlink out of the project: nothing written through it
    with interrupts.deferred():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.stackgen")
        partial.write_text(render(found))
        os.replace(partial, target)
    return "written"


NOTES = {
    "written": f"{PATH}, the diagram of the data model, was written.",
    "edited": (
        f"{PATH} was edited by hand, so it was left as it is and no longer shows the "
        "resources: delete it and run `stackgen model diagram` to have it written again."
    ),
    "outside": f"docs/ leads out of the project (a symlink): {PATH} was not written.",
}
