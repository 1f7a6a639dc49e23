"""``stackgen features``, ``add`` and ``remove``: list a project's features, switch them on
and off (one switch, an update at the project's own template version)."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.commands import (
    add_project_dir,
    project_path,
    report_update,
    verb_parser,
    version_argument,
)

SUMMARY = "list the features of a project's framework, and which are on"
DESCRIPTION = (
    "List the features the project's framework offers (read from the template's copier.yml "
    "at the project's version), which of them are on, and what each adds. Switch them with "
    "`stackgen add` and `stackgen remove`."
)
EXAMPLES = """
stackgen features
stackgen features -C myapp
"""
SWITCH_SUMMARY = "switch features {state} in a project, keeping your edits"
SWITCH_DESCRIPTION = (
    "Switch FEATURE(s) {state} in a committed project: the same three-way merge as `stackgen "
    "update`, at the project's own template version (unless --to), so your edits are kept, "
    "conflicts are marked and listed (exit 1), and a project with uncommitted changes is "
    "refused. `stackgen features` lists them. Choice-valued options (database, cache) change "
    "with `stackgen update --data KEY=VALUE`."
)
SWITCH_EXAMPLES = """
stackgen {verb} sentry
stackgen {verb} celery sentry -C myapp
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    features = verb_parser(commands, "features", SUMMARY, DESCRIPTION, EXAMPLES)
    add_project_dir(features)
    features.set_defaults(path=Path("."), handle=list_features)
    for verb, on in (("add", True), ("remove", False)):
        state = "on" if on else "off"
        switch = verb_parser(
            commands,
            verb,
            SWITCH_SUMMARY.format(state=state),
            SWITCH_DESCRIPTION.format(state=state),
            SWITCH_EXAMPLES.format(verb=verb),
        )
        switch.add_argument("features", metavar="FEATURE", nargs="+")
        add_project_dir(switch)
        switch.add_argument(
            "--to",
            metavar="VERSION",
            type=version_argument,
            help="move to this template version at the same time",
        )
        switch.set_defaults(path=Path("."), handle=switch_features, on=on)


def list_features(args: argparse.Namespace, interactive: bool) -> int:
    from generator.catalogue import BY_TEMPLATE
    from generator.features import features_of
    from generator.project import load

    path = project_path(args)
    project = load(path)
    available = features_of(project.questions, project.template)
    label = BY_TEMPLATE[project.template].label
    if not available:
        print(f"{path}: this {label} project's template version has no features to switch.")
        return 0
    on = sum(feature.is_on(project.answers) for feature in available)
    print(
        f"{path}: {label} project, template version {project.version}, {on} of "
        f"{len(available)} features on"
    )
    width = max(len(feature.name) for feature in available)
    for feature in available:
        mark = "x" if feature.is_on(project.answers) else " "
        print(f"  [{mark}] {feature.name.ljust(width)}  {feature.help}")
    print("Switch them with `stackgen add FEATURE` and `stackgen remove FEATURE`.")
    return 0


def switch_features(args: argparse.Namespace, interactive: bool) -> int:
    from generator.features import switch

    path = project_path(args)
    result = switch(path, args.features, args.on, args.to)
    state = "on" if args.on else "off"
    for name in result.unchanged:
        print(f"{name} is already {state} in {path}.")
    if result.summary is None:
        print("Nothing to do.")
        return 0
    if result.changed:
        done, where = ("Added", "to") if args.on else ("Removed", "from")
        headline = f"{done} {', '.join(result.changed)} {where} {path} (template version "
        headline += f"{result.version})."
    else:  # only --to moved the version
        headline = f"Updated {path} to template version {result.version}."
    return report_update(path, headline, result.summary)
