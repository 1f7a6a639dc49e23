"""``stackgen destroy resource NAME``: take a resource out of a project, keeping what you
changed, with a migration that drops its table."""

from __future__ import annotations

import argparse

from generator.commands import add_pretend, add_project_dir, verb_parser

SUMMARY = "remove a resource: its files (unless you changed them) and, by a migration, its table"
DESCRIPTION = (
    "Remove a resource `stackgen generate resource` added: the files only it brought are "
    "deleted, unless you changed them (those are kept and listed), which unwires it; a new "
    "migration drops its table, so applying it deletes the table's rows. Refused while "
    "another resource references it. The resource stays recorded (destroyed) in its "
    "answers file: `stackgen resources` lists it, and generating it again brings it back."
)
EXAMPLES = """
stackgen destroy resource Exercise --pretend
stackgen destroy resource Exercise -C myapp
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    parser = verb_parser(commands, "destroy", SUMMARY, DESCRIPTION, EXAMPLES)
    parser.add_argument("what", choices=["resource"], help="what to destroy")
    parser.add_argument("name", metavar="NAME", help="the resource's model name: Workout")
    add_pretend(parser, "removed")
    add_project_dir(parser)
    parser.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from generator import diagram, resources
    from generator.commands import changing, report_plan

    with changing(args) as project:
        path = project.path
        plan = resources.plan_destroy(project, args.name, args.pretend)
        if args.pretend:
            report_plan(plan, path)
            return 0
        summary = resources.apply(project, plan)
        drawn = diagram.refresh(path)
        importers = resources.importers(project, plan.before["plural"]) if plan.before else []
    print(f"Destroyed the resource {plan.model} in {path}:")
    print("\n".join(summary.lines()))
    if summary.kept:
        print(
            "  Delete what was kept once you have moved what you need from it: it still "
            "imports the resource's modules."
        )
    left = [name for name in importers if name not in summary.kept]
    if left:
        print(
            f"Still importing the destroyed {plan.model}'s modules (renamed or yours: change "
            f"or delete them): {', '.join(left)}"
        )
    for line in plan.warnings:  # what applying its migration does to the rows
        print(
            f"{line[0].upper()}{line[1:]}. Back it up first if you need the data; then run "
            "the tests and commit."
        )
    if project.template == "django-mtv":
        # Django removes a model's content type and permissions only when told to.
        print(
            f"Django keeps {plan.model}'s content type and permissions: once the migration is "
            "applied, `python manage.py remove_stale_contenttypes --include-stale-apps` deletes "
            "them, with the admin's history of its rows."
        )
    if drawn in diagram.NOTES:
        print(diagram.NOTES[drawn])
    client = resources.client_note(project.answers)
    if client:
        print(client)
    return 1 if summary.conflicted else 0
