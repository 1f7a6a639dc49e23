"""``stackgen resources``: each resource of a project, its fields and its files."""

from __future__ import annotations

import argparse

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
    for item in listing:
        flags = [flag for flag in ("owned", "destroyed") if item[flag]]
        print(f"{item['model']}  {item['url']}" + (f"  ({', '.join(flags)})" if flags else ""))
        print(f"  fields: {' '.join(item['fields'])}")
        through = f" (the owner of its {item['scope']})" if item["scope"] else ""
        print(f"  read and written by: {WHO[item['writers']]}{through}")
        print(f"  recorded in: {item['answers_file']}")
        print(f"  migrations: {', '.join(item['migrations'])}")
    return 0
