"""``stackgen resources``: each resource of a project, its fields and its files."""

from __future__ import annotations

import argparse
import shutil
import textwrap
from typing import Any

from generator.commands import add_project_dir, verb_parser

SUMMARY = "list the project's resources, their fields and files"
DESCRIPTION = "List the resources `stackgen generate resource` added to the project."
# Who reads and writes each resource's rows (generator/access.py).
WHO = {
    "owner": "its owner only",
    "staff": "signed-in users read, staff write",
    "users": "every signed-in user",
}
EXAMPLES = """
stackgen resources
stackgen resources -C myapp
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    parser = verb_parser(commands, "resources", SUMMARY, DESCRIPTION, EXAMPLES)
    add_project_dir(parser)
    parser.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from pathlib import Path

    from generator import resources
    from generator.project import load

    path = (args.directory or Path(".")).expanduser().resolve()
    load(path)
    listing = resources.describe(path)
    if not listing:
        print("No resources yet: `stackgen generate resource NAME FIELD...` adds one.")
        return 0
    print("\n".join(table(listing, shutil.get_terminal_size((100, 24)).columns)))
    return 0


HEADINGS = ("RESOURCE", "URL", "READ AND WRITTEN BY", "FIELDS")
GAP = "  "


def table(listing: list[dict[str, Any]], width: int) -> list[str]:
    """The resources as a table, by name, destroyed ones last; who reads and writes each
    and its fields wrapped in their columns. Then where each is recorded, and its migrations."""
    ordered = sorted(listing, key=lambda item: (item["destroyed"], item["model"]))
    cells = []
    for item in ordered:
        through = f" (the owner of its {item['scope']})" if item["scope"] else ""
        cells.append(
            (
                [item["model"] + (" (destroyed)" if item["destroyed"] else "")],
                [item["url"]],
                textwrap.wrap(WHO[item["writers"]] + through, 34),
                " ".join([*item["fields"], *(f"--unique {g}" for g in item["unique"])]),
            )
        )
    widths = [
        max(len(HEADINGS[column]), *(len(line) for row in cells for line in row[column]))
        for column in range(3)
    ]
    room = max(30, width - sum(widths) - 3 * len(GAP))
    lines = [GAP.join(h.ljust(w) for h, w in zip(HEADINGS, [*widths, 0], strict=True)).rstrip()]
    for name, url, who, specs in cells:
        wrapped = textwrap.wrap(specs, room, break_long_words=False, break_on_hyphens=False)
        for row in range(max(len(who), len(wrapped))):
            columns = [name, url, who, wrapped]
            parts = [(c[row] if row < len(c) else "") for c in columns]
            lines.append(
                GAP.join(p.ljust(w) for p, w in zip(parts, [*widths, 0], strict=True)).rstrip()
            )
    lines.append("")
    for item in ordered:
        migrations = ", ".join(item["migrations"]) or "none"
        lines += textwrap.wrap(
            f"{item['model']}: recorded in {item['answers_file']}; migrations: {migrations}",
            max(width, 60),
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    return lines
