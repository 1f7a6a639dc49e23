"""``stackgen model diagram``: docs/model.md written again from the recorded resources."""

from __future__ import annotations

import argparse

from generator.commands import add_project_dir, verb_parser

SUMMARY = "write docs/model.md, the Mermaid diagram of the project's resources"
DESCRIPTION = (
    "Write docs/model.md from the resources the project records: an entity-relationship "
    "diagram in Mermaid (GitHub renders it). generate, destroy, model apply and update "
    "keep it current; a hand-edited one is never overwritten (delete it first)."
)
EXAMPLES = """
stackgen model diagram
stackgen model diagram -C myapp
"""


def add_arguments(actions: argparse._SubParsersAction) -> None:
    parser = verb_parser(actions, "diagram", SUMMARY, DESCRIPTION, EXAMPLES)
    add_project_dir(parser)
    parser.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from pathlib import Path

    from generator import diagram, resources
    from generator.errors import StackgenError
    from generator.project import load, locked

    path = (args.directory or Path(".")).expanduser().resolve()
    with locked(path):
        project = load(path)
        resources.check_supported(project)
        outcome = diagram.refresh(path)
    if outcome == "edited":
        raise StackgenError(
            f"{diagram.PATH} was edited by hand; it is left as it is (delete it, then run "
            "`stackgen model diagram` again)"
        )
    if outcome == "outside":
        raise StackgenError(diagram.NOTES[outcome])
    if outcome == "current":
        print(f"{diagram.PATH} shows the recorded resources already; nothing to change.")
    else:
        print(f"Wrote {diagram.PATH}: review it, then commit.")
    return 0
