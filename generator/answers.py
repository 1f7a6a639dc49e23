"""Answers to copier.yml's questions: parsed from ``KEY=VALUE`` (the command line, a web
query) and checked against the template's rules, whoever wrote them.

Done before anything is written, so a typo never leaves a half-made project,
and the same for ``--data``, an answers file and the initializr: one rule, one
wording.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from generator import naming
from generator.errors import AnswerError, StackgenError
from generator.questions import applies, asks, default_for, depends_on, option_values

# A feature is answered as the README and every recorded answers file write it.
BOOLEAN_WORDS = {"true": True, "false": False}


def check_answers(answers: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse answers that break ``copier.yml``'s own rules, whoever wrote them.

    Applied to ``--data`` and to a recorded answers file alike: each value must
    have its question's type, be one of its choices, pass its ``validator``,
    and a package name must pass the full name rule. Answers to questions this
    ``copier.yml`` does not ask are left to Copier, which ignores them.
    """
    for key, value in answers.items():
        spec = questions.get(key)
        if key.startswith("_") or spec is None or spec.get("when") is False:
            continue
        allowed = option_values(spec)
        if spec.get("type") == "bool":
            if not isinstance(value, bool):
                raise AnswerError(f"{key} must be true or false, not {_shown(value)}", key, allowed)
        elif not isinstance(value, str):
            raise AnswerError(f"{key} must be text, not {_shown(value)}", key, allowed)
        elif allowed is not None and value not in allowed:
            raise AnswerError(
                f"{key} must be one of {', '.join(map(str, allowed))}; got {_shown(value)}",
                key,
                allowed,
            )
        if key == "project_slug":  # the full rule first: its wording is the CLI's and the web's
            try:
                naming.check_slug(value)
            except StackgenError as error:
                raise AnswerError(str(error), key) from None
        message = problem(key, value, questions, answers)
        if message:
            raise AnswerError(f"{key}: {message}", key, allowed)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def not_default(
    answers: Mapping[str, Any],
    questions: Mapping[str, Mapping[str, Any]],
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    """The answers ``new --defaults`` would not give by itself (the framework aside).

    ``defaults`` holds those copier.yml cannot say here: the project name
    (the folder's) and the author (git's identity).
    """
    found = {}
    for key, value in answers.items():
        if key == "framework" or key not in questions:
            continue
        if key == "project_slug":
            default = naming.slugify(str(answers.get("project_name", "")))
        elif key in defaults:
            default = defaults[key]
        else:
            default = default_for(key, questions, **answers)
        if value != default:
            found[key] = value
    return found


def problem(
    key: str, value: Any, questions: Mapping[str, Mapping[str, Any]], answers: Mapping[str, Any]
) -> str | None:
    """What copier.yml's validator of ``key`` says about ``value``, or None when it is fine.

    Rendered as Copier renders it (with the Ansible filters), so a prompt can
    refuse a bad answer as it is typed rather than after the last question.
    """
    validator = questions[key].get("validator")
    if not validator:
        return None
    from jinja2.sandbox import SandboxedEnvironment

    environment = SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"]
    )
    message = environment.from_string(validator).render(**{**answers, key: value}).strip()
    return message or None


def format_value(value: Any) -> str:
    """An answer as it is written after ``--data KEY=`` (and in a web query)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def split_data(pairs: Iterable[str]) -> list[tuple[str, str]]:
    """``--data KEY=VALUE`` strings as (key, value) pairs."""
    found = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise AnswerError(f"--data expects KEY=VALUE, got {pair!r}", key.strip())
        found.append((key.strip(), value))
    return found


def parse_data(
    pairs: Iterable[tuple[str, str]],
    questions: Mapping[str, Mapping[str, Any]],
    template: str | None = None,
) -> dict[str, Any]:
    """Turn (key, value) pairs into typed answers, refusing unknown keys and bad values.

    With ``template`` known, a question that only the other template asks is
    refused too: it would be silently ignored otherwise.
    """
    answers: dict[str, Any] = {}
    for key, value in pairs:
        spec = questions.get(key)
        if spec is None or spec.get("when") is False:
            known = [k for k, s in questions.items() if s.get("when") is not False]
            raise AnswerError(
                f"unknown --data key {key!r}; known keys: {', '.join(known)}", key, known
            )
        if template is not None and not asks(spec, template):
            raise AnswerError(f"--data {key} does not apply to the {template} template", key)
        answers[key] = _parse_value(key, value, spec)
    return answers


def complete(
    data: Mapping[str, Any],
    questions: Mapping[str, Mapping[str, Any]],
    template: str,
    default_name: str,
) -> dict[str, Any]:
    """``data`` with the framework, a project name, its package name and a description.

    What ``new --defaults`` and the initializr both derive: the name defaults
    to ``default_name`` (the folder's, or the initializr's), the package name
    to the name's, the description to copier.yml's for the framework.
    """
    done = {**data, "framework": template}
    done.setdefault("project_name", default_name)
    if "project_slug" not in done:
        try:
            done["project_slug"] = naming.project_slug(done["project_name"])
        except StackgenError as error:
            raise AnswerError(str(error), "project_name") from None
    if not done.get("description"):
        done["description"] = default_for("description", questions, framework=template)
    for key in data:  # an answer its other answers rule out would be silently ignored
        spec = questions.get(key, {})
        needs = depends_on(spec, template)
        context = {name: done.get(name, default_for(name, questions, **done)) for name in needs}
        if needs and not applies(spec, {**done, **context}):
            raise AnswerError(
                f"{key} applies only with {', '.join(f'{name}=true' for name in needs)}", key
            )
    return done


def _parse_value(key: str, value: str, spec: Mapping[str, Any]) -> Any:
    if spec.get("type") == "bool":
        parsed = BOOLEAN_WORDS.get(value)
        if parsed is None:
            raise AnswerError(
                f"--data {key} expects true or false, got {value!r}", key, [False, True]
            )
        return parsed
    allowed = option_values(spec)
    if allowed is not None and value not in allowed:
        raise AnswerError(
            f"--data {key} must be one of {', '.join(allowed)}; got {value!r}", key, allowed
        )
    return value
