"""``stackgen recommend``: only the help-me-choose questions, and the decision."""

from __future__ import annotations

import argparse

from generator.commands import no_terminal, verb_parser
from generator.errors import StackgenError
from generator.recommendation import QUESTIONS

SUMMARY = "answer a few questions and get a recommendation, nothing generated"
DESCRIPTION = (
    "Ask the help-me-choose questions, print the recommended framework with "
    "its reasons and the two frameworks side by side. Pass every answer as a flag to "
    "skip the questions."
)
EXAMPLES = """
stackgen recommend
stackgen recommend --building api --experience some --style choose \\
    --deadline weeks
stackgen recommend --building data --experience new --style batteries \\
    --deadline days --json
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    recommend = verb_parser(commands, "recommend", SUMMARY, DESCRIPTION, EXAMPLES)
    for question in QUESTIONS:
        recommend.add_argument(
            f"--{question.key}",
            choices=[option.value for option in question.options],
            help=question.prompt,
        )
    recommend.add_argument(
        "--json",
        action="store_true",
        help="print the decision as JSON (framework, options, reasons, close_call, other, "
        "command); needs every answer as a flag",
    )
    recommend.set_defaults(handle=handle)


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from generator.questions import installed
    from generator.recommendation import comparison_table, explain, recommend

    answers = {q.key: getattr(args, q.key) for q in QUESTIONS if getattr(args, q.key)}
    missing = [q for q in QUESTIONS if q.key not in answers]
    flags = " ".join(f"--{q.key}" for q in missing)
    if missing and args.json:
        raise StackgenError(f"--json needs every answer as a flag; pass {flags}")
    if missing and not interactive:
        raise no_terminal(flags)
    if missing:
        from generator import questionnaire

        answers = {**questionnaire.ask_help_me_choose(), **answers}
    advice = recommend(answers, installed())
    if args.json:
        import json

        print(json.dumps(advice.as_json(), indent=2))
        return 0
    print(explain(advice))
    print()
    print(comparison_table())
    return 0
