"""``stackgen model export``: the recorded resources as a model file, on stdout."""

from __future__ import annotations

import argparse

from generator.commands import add_project_dir, verb_parser

SUMMARY = "print the project's resources as a model file"
DESCRIPTION = (
    "Print the resources the project records (its .copier-answers.resource-*.yml files) "
    "in model.yml's format, referenced ones first: `stackgen model apply` on it changes "
    "nothing, so a project made with `generate` moves to the file."
)
EXAMPLES = """
stackgen model export > model.yml
stackgen model export -C myapp
"""


def add_arguments(actions: argparse._SubParsersAction) -> None:
    parser = verb_parser(actions, "export", SUMMARY, DESCRIPTION, EXAMPLES)
    add_project_dir(parser)
    parser.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from pathlib import Path

    from generator import model, resources
    from generator.project import load

    path = (args.directory or Path(".")).expanduser().resolve()
    project = load(path)
    resources.check_supported(project)
    print(model.export(resources.recorded(path)), end="")
    return 0
