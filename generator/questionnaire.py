"""The interactive questions, asked with questionary.

Only the asking lives here; what the answers mean is decided in
``recommend`` and ``naming``. ``unsafe_ask`` lets Ctrl-C propagate, so the
CLI can clean up and exit with 130.
"""

from __future__ import annotations

import questionary

from generator import naming
from generator.errors import StackgenError
from generator.recommend import LABELS, QUESTIONS, Recommendation, explain


def _name_problem(name: str) -> bool | str:
    try:
        naming.project_slug(name)
    except StackgenError as error:
        return str(error)
    return True


def ask_basics(default_name: str) -> dict[str, str]:
    """Project name (validated as it is typed) and a one-line description."""
    name = questionary.text(
        "Project name:", default=default_name, validate=_name_problem
    ).unsafe_ask()
    description = questionary.text("Describe it in one line:", default="").unsafe_ask()
    return {"project_name": name.strip(), "description": description.strip()}


def ask_help_me_choose() -> dict[str, str]:
    """The Flask-or-Django questions, one answer each."""
    answers = {}
    for question in QUESTIONS:
        choices = [questionary.Choice(o.label, value=o.value) for o in question.options]
        answers[question.key] = questionary.select(question.prompt, choices=choices).unsafe_ask()
    return answers


def confirm_framework(recommendation: Recommendation, path: str = "my-project") -> str:
    """Show the recommendation and let the user accept it or take the other one."""
    print(explain(recommendation, path))
    other = recommendation.other_framework
    choice = questionary.select(
        "Which framework shall we generate?",
        choices=[
            questionary.Choice(f"{recommendation.label} (recommended)", recommendation.framework),
            questionary.Choice(f"{LABELS[other]} instead", other),
        ],
    ).unsafe_ask()
    return choice
