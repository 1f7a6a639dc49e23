"""``stackgen model apply|export|diagram``: the project's data model as one file.

The group's parser only; each of its verbs is a module of its own
(``model_apply``, ``model_export``, ``model_diagram``): its arguments, its call into
the core (generator/model.py, generator/diagram.py), its output.
"""

from __future__ import annotations

import argparse
import importlib

from generator.commands import verb_parser

SUMMARY = "the data model as one file: apply model.yml, export it, draw it"
DESCRIPTION = (
    "Describe the project's resources in one file, model.yml at the project's root (their "
    "fields as `stackgen generate resource` takes them, and owned/writers), and make the "
    "project match it: `apply` shows the plan (--pretend) and applies it in one locked, "
    "all-or-nothing run; `export` prints the recorded resources in that format; "
    "`diagram` writes docs/model.md, their Mermaid entity-relationship diagram."
)
EXAMPLES = """
stackgen model export > model.yml        # a project made with `generate` moves to the file
stackgen model apply --pretend           # the plan: created, changed, destroyed
stackgen model apply                     # model.yml, applied; review with `git diff`
stackgen model apply other.yml -C myapp
stackgen model diagram                   # docs/model.md written again
"""
SUBVERBS = ("apply", "export", "diagram")


def add_arguments(commands: argparse._SubParsersAction) -> None:
    parser = verb_parser(commands, "model", SUMMARY, DESCRIPTION, EXAMPLES)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    for verb in SUBVERBS:
        importlib.import_module(f"generator.commands.model_{verb}").add_arguments(actions)
