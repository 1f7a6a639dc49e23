"""The interactive questions, asked with questionary.

Only the asking lives here; what the answers mean is decided in
``recommendation`` and ``naming``. ``unsafe_ask`` lets Ctrl-C propagate, so the
CLI can clean up and exit with 130.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import questionary

from generator import naming
from generator.answers import problem
from generator.catalogue import LABELS
from generator.errors import StackgenError
from generator.questions import applies, default_for
from generator.recommendation import QUESTIONS, Recommendation, explain


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
    # The chosen starter's contents come next, and its command once every question is answered.
    print(explain(recommendation, path, starter=False, command=False))
    other = recommendation.other_framework
    choice = questionary.select(
        "Which framework shall we generate?",
        choices=[
            questionary.Choice(f"{recommendation.label} (recommended)", recommendation.framework),
            questionary.Choice(f"{LABELS[other]} instead", other),
        ],
    ).unsafe_ask()
    return choice


def ask_template(
    questions: Mapping[str, Mapping[str, Any]],
    known: Mapping[str, Any],
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    """Ask copier.yml's questions that ``known`` leaves open, in its order; return all answers.

    The same prompts as the questions before them, so Copier is then run with
    every answer and asks nothing. A default comes from ``defaults`` (the
    recommended options, the git identity) or else from copier.yml, and typed
    text is checked by copier.yml's validator as it is typed.
    """
    answers = dict(known)
    for key, spec in questions.items():
        if key in answers or spec.get("when") is False or not applies(spec, answers):
            continue
        default = defaults[key] if key in defaults else default_for(key, questions, **answers)
        prompt = f"{spec.get('help') or key}:"
        choices = spec.get("choices")
        if spec.get("type") == "bool":
            # auto_enter=False: "y" alone would answer, and the Enter typed after it
            # would silently accept the next question's default.
            answer = questionary.confirm(
                prompt.rstrip(":"), default=bool(default), auto_enter=False
            ).unsafe_ask()
        elif isinstance(choices, dict):
            options = [questionary.Choice(title, value=value) for title, value in choices.items()]
            initial = default if default in choices.values() else None
            answer = questionary.select(prompt, choices=options, default=initial).unsafe_ask()
        else:

            def check(text: str, key: str = key) -> bool | str:
                return problem(key, text, questions, answers) or True

            answer = questionary.text(
                prompt, default=str(default or ""), validate=check
            ).unsafe_ask()
        answers[key] = answer
    return answers
