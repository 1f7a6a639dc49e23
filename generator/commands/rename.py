"""``stackgen rename resource OLD NEW``: a resource under a new name, its rows kept."""

from __future__ import annotations

import argparse

from generator.commands import add_pretend, add_project_dir, verb_parser

SUMMARY = "rename a resource: its table (rows kept), files, URLs and the references to it"
DESCRIPTION = (
    "Rename a resource `stackgen generate resource` added: a migration renames its table "
    "with its rows (its indexes and constraints renamed with it; in Django its new app's "
    "first migration replaces the old app's, whose table its second renames); its files "
    "move to their "
    "new names with your edits merged in (conflicts are marked and listed, exit status 1); "
    "its URLs and its answers file take the new name. A resource that references it has its "
    "field renamed with it (workout becomes routine: a reference is named by its target), "
    "the column renamed with its values; one whose tests make its rows is regenerated. "
    "Migrate the database fully before renaming (in Django, one half-way through the old "
    "app's migrations cannot take their replacement)."
)
EXAMPLES = """
stackgen rename resource Workout Routine --pretend
stackgen rename resource Workout Routine -C myapp
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    parser = verb_parser(commands, "rename", SUMMARY, DESCRIPTION, EXAMPLES)
    parser.add_argument("what", choices=["resource"], help="what to rename")
    parser.add_argument("old", metavar="OLD", help="the resource's model name: Workout")
    parser.add_argument("new", metavar="NEW", help="its new name: singular CamelCase, Routine")
    add_pretend(parser, "written")
    add_project_dir(parser)
    parser.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from generator import diagram, rename, resources
    from generator.commands import changing, report_update

    with changing(args) as project:
        path = project.path
        plan = rename.plan(project, args.old, args.new)
        if args.pretend:
            print(f"Would rename the resource {plan.old} to {plan.new} in {path}:")
            for line in rename.describe(plan):
                print(f"  {line}")
            print("Nothing was written (--pretend).")
            return 0
        summary, drawn = rename.apply(project, plan)
    headline = f"Renamed the resource {plan.old} to {plan.new} in {path}" + "".join(
        f"; {model}: " + "; ".join(changes) for model, _, changes in plan.followers
    )
    status = report_update(path, headline, summary)
    migrate = resources.MIGRATE_COMMANDS[project.template]
    print(
        f"Its table is renamed by {', '.join(plan.migrations)}: apply the migrations with "
        f"`{migrate}`."
    )
    if drawn in diagram.NOTES:
        print(diagram.NOTES[drawn])
    client = resources.client_note(project.answers)
    if client:
        print(client)
    return status
