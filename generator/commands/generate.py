"""``stackgen generate resource NAME FIELD...``: a model, its migration, its API and tests."""

from __future__ import annotations

import argparse

from generator.commands import add_project_dir, verb_parser
from generator.fields import TYPES

SUMMARY = "add a resource (model, migration, API, tests) to a project"
DESCRIPTION = (
    "Add a resource to a committed project: a typed model, a migration chained on the "
    "current head, request/response models and a blueprint at /api/<plural> (list, create, "
    "read, replace, update, delete), and its tests. In Django: an app of its own with its "
    "model, migration, admin, pages at /<plural>/ and, with the api feature, a router at "
    "/api/<plural>. Each field is name:type[:parameter]"
    "[:modifier]...; types: " + ", ".join(TYPES) + ". Parameters: string:120 (length), "
    "decimal:10.2 (precision.scale), choice:draft/published, references:protect|setnull "
    "(on delete; cascade by default). Modifiers: optional, unique, index, default=VALUE, "
    "min=N, max=N. The resource is recorded in .copier-answers.resource-<name>.yml."
)
EXAMPLES = """
stackgen generate resource Workout name:string duration_minutes:integer:min=1 \
    performed_on:date notes:text:optional --owned
stackgen generate resource Exercise title:string:120:unique workout:references
stackgen generate resource Price amount:decimal:10.2:min=0 status:choice:draft/published --pretend
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
        "--pretend", action="store_true", help="print what would be written; write nothing"
    )
    add_project_dir(parser)
    parser.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from pathlib import Path

    from generator import resources, update
    from generator.project import load, locked

    path = (args.directory or Path(".")).expanduser().resolve()
    with locked(path):
        project = load(path)
        update.check_updatable(path)
        plan, prepared = resources.plan(project, args.name, args.fields, args.owned)
        if args.pretend:
            print(f"Would add the resource {plan.model} to {path}:")
            for name in [*plan.files, plan.migration]:
                print(f"  create {name}")
            print("Nothing was written (--pretend).")
            return 0
        added = resources.generate(project, plan, prepared)
    print(f"Added the resource {plan.model} to {path} ({len(added)} files):")
    for name in added:
        print(f"  {name}")
    migrate = "python manage.py migrate" if project.template == "django-mtv" else "flask db upgrade"
    print(f"Apply its migration with `{migrate}`, run the tests, then commit.")
    return 0
