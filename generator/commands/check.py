"""``stackgen check``: is the project at the newest template version? Made for CI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.commands import add_project_dir, project_path, verb_parser
from generator.errors import StackgenError, one_line

CANNOT_TELL = 2  # when it cannot compare (distinct from 1, "behind")
SUMMARY = "exit 1 when a project is behind the newest template version"
DESCRIPTION = (
    "Compare a project's template version with the newest one: exit 0 when "
    "it is up to date, 1 (naming both versions) when it is behind, or when docs/model.md "
    "does not show the project's resources. Made for CI."
)
# Why docs/model.md is not the diagram of the recorded resources (diagram.state).
DIAGRAM = {
    "missing": "is missing",
    "stale": "does not show the recorded resources",
    "edited": "was edited by hand and does not show the recorded resources (delete it, then",
}
EXAMPLES = """
stackgen check
stackgen check myapp || stackgen update myapp --defaults
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    check = verb_parser(commands, "check", SUMMARY, DESCRIPTION, EXAMPLES)
    check.add_argument("path", metavar="PATH", type=Path, nargs="?", default=Path("."))
    add_project_dir(check)
    check.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from generator import diagram, resources, update
    from generator.project import load

    again = ["stackgen", "update"]  # the command that updates the same project
    again += [f"-C {args.directory}"] if args.directory is not None else []
    again += [str(args.path)] if args.path != Path(".") else []
    try:
        project = load(project_path(args))
        resources.check_all(project)  # each resource's answers file, as update reads it
        newest = update.target(project)
        drawn = "current"
        if project.template in resources.SUPPORTED:
            drawn = diagram.state(project.path, resources.recorded(project.path))
    except StackgenError as error:
        print(f"stackgen: error: cannot tell: {one_line(str(error))}", file=sys.stderr)
        return CANNOT_TELL
    behind = update.is_behind(project, newest)
    if behind:
        print(
            f"behind: template version {project.version}, newest {newest} (run `{' '.join(again)}`)"
        )
    else:
        print(f"up to date: template version {project.version}")
    if drawn != "current":
        folder = Path(args.directory or ".") / args.path
        where = f" -C {folder}" if folder != Path(".") else ""
        run = f"run `stackgen model diagram{where}`"
        why = f"{DIAGRAM[drawn]} {run})" if drawn == "edited" else f"{DIAGRAM[drawn]} ({run})"
        print(f"not current: {diagram.PATH} {why}")
    return 1 if behind or drawn != "current" else 0
