"""``stackgen model apply [FILE] [--pretend]``: make the project's resources match the model
file, in one locked, all-or-nothing run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from generator.commands import add_pretend, add_project_dir, verb_parser

if TYPE_CHECKING:
    from generator.model import Plan

SUMMARY = "make the project's resources match model.yml (--pretend: show the plan)"
DESCRIPTION = (
    "Read the model file (default: model.yml at the project's root) and compare it with "
    "the resources the project records: resources created, changed (the column changes, "
    "and what the migration does to rows that are there) and destroyed. --pretend prints "
    "that plan and writes nothing. Otherwise it is applied in one run, a referenced "
    "resource created before those referencing it and a child destroyed before its "
    "parent, each step as `generate`/`destroy` does it (a three-way merge that keeps your "
    "edits, a migration of just the change); on any error or Ctrl-C the project is left "
    "as it was. A bad file is one line naming the resource and field, exit status 2."
)
EXAMPLES = """
stackgen model apply --pretend
stackgen model apply
stackgen model apply gym.yml -C myapp
"""


def add_arguments(actions: argparse._SubParsersAction) -> None:
    parser = verb_parser(actions, "apply", SUMMARY, DESCRIPTION, EXAMPLES)
    parser.add_argument(
        "file",
        metavar="FILE",
        type=Path,
        nargs="?",
        help="the model file (default: model.yml in the project's folder)",
    )
    add_pretend(parser, "created, changed and destroyed")
    add_project_dir(parser)
    parser.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from generator import diagram, model, resources, update
    from generator.commands import report_update
    from generator.project import load, locked

    path = (args.directory or Path(".")).expanduser().resolve()
    with locked(path) as held:
        project = load(path)
        resources.check_supported(project)
        file = (path / (args.file or model.MODEL_FILE)).expanduser().resolve()
        wanted = model.read(file)
        found = resources.recorded(path)
        packages = {p.name for p in path.iterdir() if p.is_dir()} | {project.slug}
        steps = model.plan(
            found,
            wanted,
            project.template,
            resources._project_models(project),
            packages,
        )
        if args.pretend:
            report_plan(steps, path, file.name, project.template)
            return 0
        own = {file.relative_to(path).as_posix()} if file.is_relative_to(path) else set()
        update.check_updatable(path, held.waited_for, own)
        if not steps.steps:
            outcome = diagram.refresh(path)
            print(f"{path} matches {file.name}; nothing to change.")
            if outcome in diagram.NOTES:
                print(diagram.NOTES[outcome])
            return 0
        applied = model.apply(project, steps, file)
    done = "; ".join(
        f"{verb} {', '.join(step.model for step in steps.of(action))}"
        for action, verb in (
            ("rename", "renamed"),
            ("create", "created"),
            ("change", "changed"),
            ("destroy", "destroyed"),
        )
        if steps.of(action)
    )
    status = report_update(path, f"Applied {file.name} to {path}: {done}.", applied.summary)
    for line in applied.notes:
        print(f"Note: {line}.")
    if applied.diagram in diagram.NOTES:
        print(diagram.NOTES[applied.diagram])
    if applied.migrations:
        migrate = resources.MIGRATE_COMMANDS[project.template]
        print(f"Its migrations ({len(applied.migrations)}): apply them with `{migrate}`.")
    client = resources.client_note(project.answers)
    if client:
        print(client)
    return status


def report_plan(steps: Plan, path: Path, name: str, template: str) -> None:
    """The plan, each resource in the order it would be applied; nothing written."""
    from generator import resources

    print(f"Plan for {path} from {name}:")
    if not steps.steps:
        print("  nothing to change: the project records these resources already")
    for step in steps.steps:
        if step.action == "rename":
            print(f"  rename {step.renamed_from} to {step.model}: its table becomes {step.table}")
        elif step.action == "create":
            print(f"  create {step.model}: a migration creates the table {step.table}")
            for spec in step.specs:
                print(f"    {spec}")
        elif step.action == "change":
            what = "; ".join(step.changes) or "its code only, no column changes"
            print(f"  change {step.model}: {what}")
        else:
            print(f"  destroy {step.model}: its files unless you changed them")
        for line in step.warnings:
            print(f"    note: {line}")
    if steps.unchanged:
        print(f"  unchanged: {', '.join(steps.unchanged)}")
    if steps.steps:
        print(f"  then `{resources.MIGRATE_COMMANDS[template]}` applies the migrations")
    print("Nothing was written (--pretend).")
