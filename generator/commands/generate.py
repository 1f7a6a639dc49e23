"""``stackgen generate resource NAME FIELD...``: a model, its migration, its API and tests;
run again with other fields, it regenerates them (a three-way merge and a new migration)."""

from __future__ import annotations

import argparse

from generator.access import SHARED_WRITERS
from generator.commands import add_pretend, add_project_dir, verb_parser
from generator.fields import TYPES

SUMMARY = "add a resource (model, migration, API, tests) to a project, or change its fields"
DESCRIPTION = (
    "Add a resource to a committed project: a typed model, a migration chained on the "
    "current head, request/response models and a blueprint at /api/<plural> (list, create, "
    "read, replace, update, delete), and its tests. In Django: an app of its own with its "
    "model, migration, admin, pages at /<plural>/ and, with the api feature, a router at "
    "/api/<plural>. Each field is name:type[:parameter]"
    "[:modifier]...; types: " + ", ".join(TYPES) + ". Parameters: string:120 (length), "
    "decimal:10.2 (precision.scale), choice:draft/published, references:protect|setnull "
    "(on delete; cascade by default), tags:many (a join table to the resource whose plural "
    "it is; labels:many:to=Tag names it). Modifiers: optional, unique, index, default=VALUE, "
    "min=N, max=N. The resource is recorded in .copier-answers.resource-<name>.yml. "
    "Run it again for a resource the project has, with the whole new field list, to "
    "change its fields: your edits to its files are merged (conflicts are marked and "
    "listed, exit status 1) and a new migration carries just the change; a field given "
    "renamed_from=OLD there is OLD renamed, its column renamed with its values."
)
EXAMPLES = """
stackgen generate resource Workout name:string duration_minutes:integer:min=1 \
    performed_on:date notes:text:optional --owned
stackgen generate resource ExerciseSet reps:integer:min=1 workout:references  # the owner's
stackgen generate resource Exercise title:string:120:unique --writers users  # not staff only
stackgen generate resource Routine name:string tags:many --owned  # tag_ids in the API
stackgen generate resource Price amount:decimal:10.2:min=0 status:choice:draft/published --pretend
stackgen generate resource Workout name:string duration_minutes:integer:min=1 \
    performed_on:date rating:integer:optional     # notes dropped, rating added
stackgen generate resource Workout title:string:renamed_from=name \
    duration_minutes:integer:min=1 performed_on:date rating:integer:optional  # values kept
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    parser = verb_parser(commands, "generate", SUMMARY, DESCRIPTION, EXAMPLES)
    parser.add_argument("what", choices=["resource"], help="what to generate")
    parser.add_argument("name", metavar="NAME", help="singular CamelCase: Workout, ExerciseSet")
    parser.add_argument("fields", metavar="FIELD", nargs="+", help="name:type[:modifier]...")
    parser.add_argument(
        "--owned", action="store_true", help="every row belongs to the user who created it"
    )
    parser.add_argument(
        "--writers",
        choices=SHARED_WRITERS,
        help="who writes a shared resource (neither owned nor referencing an owned one): "
        "staff (the default for a new one) or every signed-in user",
    )
    add_pretend(parser, "written")
    add_project_dir(parser)
    parser.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from pathlib import Path

    from generator import diagram, resources, update
    from generator.commands import report_plan, report_update
    from generator.errors import StackgenError
    from generator.project import load, locked

    path = (args.directory or Path(".")).expanduser().resolve()
    with locked(path) as held:
        project = load(path)
        # Resources generated before and not committed yet may be there, untouched.
        earlier = resources.pending(project)
        allowed = set().union(*earlier.values())
        if earlier:  # the diagram shows them already
            allowed.add(diagram.PATH)
        update.check_updatable(path, held.waited_for, allowed)
        if earlier and args.name in resources.recorded(path):
            raise StackgenError(
                f"{args.name} is a resource of the project: regenerating it is a three-way "
                f"merge that needs a clean tree; commit {', '.join(sorted(earlier))} first "
                "(nothing was changed)"
            )
        plan = resources.plan(
            project, args.name, args.fields, args.owned, args.pretend, args.writers
        )
        if plan.action == "nothing":
            print(f"The resource {plan.model} has these fields already; nothing to change.")
            return 0
        if args.pretend:
            report_plan(plan, path)
            return 0
        summary = resources.apply(project, plan)
        drawn = diagram.refresh(path)
    migrate = resources.MIGRATE_COMMANDS[project.template]
    client = resources.client_note(project.answers)
    for line in plan.warnings:
        print(f"Note: {line}.")
    if drawn in diagram.NOTES:
        print(diagram.NOTES[drawn])
    if plan.action == "create" and not summary.conflicted:
        print(f"Added the resource {plan.model} to {path} ({len(summary.added)} files):")
        for name in summary.added:
            print(f"  {name}")
        print(f"Apply its migration with `{migrate}`, run the tests, then commit.")
        if client:
            print(client)
        return 0
    if plan.action == "create":  # a destroyed one back, over the edited files it kept
        headline = (
            f"Added the resource {plan.model} back to {path}, merged with the files you "
            "kept when it was destroyed:"
        )
    else:
        headline = f"Regenerated the resource {plan.model} in {path}: " + "; ".join(
            plan.changes or ["its code only, no column changes"]
        )
    status = report_update(path, headline, summary)
    if plan.migration:
        print(f"Its columns change in {plan.migration}: apply it with `{migrate}`.")
    if client:
        print(client)
    return status
