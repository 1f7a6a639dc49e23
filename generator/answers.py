"""Check ``--data KEY=VALUE`` answers against the template's own questions.

Done before anything is written, so a typo never leaves a half-made project.
Only ``yaml`` is imported up front: ``stackgen new --help`` lists the
questions, and must stay fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from generator.errors import AnswerError, StackgenError

# A feature is answered as the README and every recorded answers file write it.
BOOLEAN_WORDS = {"true": True, "false": False}


def load_questions(copier_yml: Path) -> dict[str, dict[str, Any]]:
    """The template's questions by name (settings starting with ``_`` left out)."""
    return parse_questions(copier_yml.read_text())


def parse_questions(text: str) -> dict[str, dict[str, Any]]:
    """The questions of a copier.yml given as text."""
    config = yaml.safe_load(text)
    if not isinstance(config, dict):
        raise StackgenError("copier.yml does not hold a mapping of questions")
    return {
        name: spec if isinstance(spec, dict) else {"default": spec}
        for name, spec in config.items()
        if not name.startswith("_")
    }


def option_values(spec: Mapping[str, Any]) -> list[Any] | None:
    """The values a question can take: its choices, both booleans, or None (free text)."""
    if spec.get("type") == "bool":
        return [False, True]
    choices = spec.get("choices")
    if isinstance(choices, dict):
        return list(choices.values())
    if isinstance(choices, list):
        return [c[1] if isinstance(c, list | tuple) else c for c in choices]
    return None


def applies(spec: Mapping[str, Any], answers: Mapping[str, Any] | None) -> bool:
    """Copier's ``when``: rendered with the answers so far, then read as YAML.

    With no answers to render it with, only a literal ``when: false`` says no.
    """
    when = spec.get("when", True)
    if isinstance(when, str) and answers is not None:
        import jinja2

        rendered = jinja2.Environment().from_string(when).render(**answers)
        when = yaml.safe_load(rendered) if rendered.strip() else False
    return when is not False if answers is None else bool(when)


def check_answers(answers: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse answers that break ``copier.yml``'s own rules, whoever wrote them.

    Applied to ``--data`` and to a recorded answers file alike: each value must
    have its question's type, be one of its choices, pass its ``validator``,
    and a package name must pass the full name rule. Answers to questions this
    ``copier.yml`` does not ask are left to Copier, which ignores them.
    """
    from generator import naming

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


def default_for(question: str, questions: Mapping[str, Mapping[str, Any]], **context: Any) -> Any:
    """A question's default, rendered with the answers known so far."""
    default = questions[question].get("default")
    if not isinstance(default, str):
        return default
    import jinja2

    return jinja2.Environment().from_string(default).render(**context)


def not_default(
    answers: Mapping[str, Any],
    questions: Mapping[str, Mapping[str, Any]],
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    """The answers ``new --defaults`` would not give by itself (the framework aside).

    ``defaults`` holds those copier.yml cannot say here: the project name
    (the folder's) and the author (git's identity).
    """
    from generator import naming

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


def data_help(
    questions: Mapping[str, Mapping[str, Any]],
    labels: Mapping[str, str],
    sources: Mapping[str, str] | None = None,
) -> str:
    """Every ``--data`` key with its values, default and framework, for ``--help``.

    ``labels`` names each template folder (``flask-api``: Flask) for the
    questions only one framework asks; ``sources`` says where a default comes
    from when it is not copier.yml's (the git identity, for the author).
    """
    lines = ["template options (--data KEY=VALUE), read from copier.yml:"]
    asked = {k: s for k, s in questions.items() if k != "framework" and s.get("when") is not False}
    width = max(len(key) for key in asked)
    for key, spec in asked.items():
        values = option_values(spec)
        shown = " | ".join(_format(v) for v in values) if values else "text"
        default = spec.get("default")
        if sources and key in sources:
            default_text = f"{sources[key]}, else {_format(default)}"
        elif isinstance(default, str) and "_copier_conf.dst_path" in default:
            default_text = "PATH's folder name"
        elif isinstance(default, str) and "{{" in default:
            default_text = "derived from the other answers"
        else:
            default_text = _format(default)
        when = spec.get("when")
        only = [label for template, label in labels.items() if template in str(when)]
        where = f"; {', '.join(only)} only" if isinstance(when, str) and only else ""
        lines.append(f"  {key.ljust(width)}  {shown} (default: {default_text}{where})")
        if spec.get("help"):
            lines.append(f"  {'':{width}}  {spec['help']}")
    return "\n".join(lines)


def _format(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def parse_data(
    pairs: Iterable[str],
    questions: Mapping[str, Mapping[str, Any]],
    framework: str | None = None,
) -> dict[str, Any]:
    """Turn ``KEY=VALUE`` strings into answers, refusing unknown keys and bad values.

    With ``framework`` known, a question that only the other template asks is
    refused too: it would be silently ignored otherwise.
    """
    answers: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise AnswerError(f"--data expects KEY=VALUE, got {pair!r}", key)
        spec = questions.get(key)
        if spec is None or spec.get("when") is False:
            known = [k for k, s in questions.items() if s.get("when") is not False]
            raise AnswerError(
                f"unknown --data key {key!r}; known keys: {', '.join(known)}", key, known
            )
        if not applies(spec, None if framework is None else {"framework": framework}):
            raise AnswerError(f"--data {key} does not apply to the {framework} template", key)
        answers[key] = _parse_value(key, value, spec)
    return answers


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
