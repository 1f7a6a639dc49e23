"""copier.yml's questions: read once, and asked of which template.

"Does this question apply to this template?" has one answer, ``asks``, for
features, ``--help``, the initializr, the lock builder and ``--data``. Only
``yaml`` is imported up front (``stackgen new --help`` lists the questions and
must stay fast); Jinja only for a ``when`` that is not the usual framework test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from generator.errors import StackgenError, safe_load

Questions = dict[str, dict[str, Any]]
# copier.yml's usual ``when``: one framework's question.
FRAMEWORK_WHEN = re.compile(r"\{\{\s*framework\s*==\s*'([A-Za-z0-9_-]+)'\s*\}\}")
# One framework's question, or another's when other answers allow it (typescript_client).
FRAMEWORK_OR = re.compile(r"\{\{\s*framework\s*==\s*'([A-Za-z0-9_-]+)'\s+or\s")
# A resource's own questions (``stackgen generate resource`` answers them): never a starter's.
RESOURCE_WHEN = "{{ kind is defined and kind == 'resource' }}"


@cache
def installed() -> Questions:
    """The questions of the copier.yml this stackgen ships (read once per process).

    Callers must not change what it returns.
    """
    from generator import store

    return load_questions(store.packaged_templates() / "copier.yml")


def load_questions(copier_yml: Path) -> dict[str, dict[str, Any]]:
    """The starters' questions by name (settings starting with ``_`` and the questions of
    resources left out)."""
    return parse_questions(copier_yml.read_text())


def parse_questions(text: str) -> dict[str, dict[str, Any]]:
    """The questions of a copier.yml given as text."""
    config = safe_load(text)
    if not isinstance(config, dict):
        raise StackgenError("copier.yml does not hold a mapping of questions")
    return {
        name: spec if isinstance(spec, dict) else {"default": spec}
        for name, spec in config.items()
        if not name.startswith("_")
        and not (isinstance(spec, dict) and spec.get("when") == RESOURCE_WHEN)
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
        when = safe_load(rendered) if rendered.strip() else False
    return when is not False if answers is None else bool(when)


def depends_on(spec: Mapping[str, Any], template: str | None = None) -> list[str]:
    """The other answers (not the framework) a question's ``when`` reads, in order.

    With ``template``, none where the ``when`` holds in that template whatever they are:
    ``framework == 'flask-api' or api`` needs nothing in Flask, and api in Django (read
    without Jinja: ``--help`` lists them and must stay fast).
    """
    when = spec.get("when")
    if not isinstance(when, str) or FRAMEWORK_WHEN.fullmatch(when.strip()):
        return []
    names = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"'[^']*'|\"[^\"]*\"", "", when))
    keywords = {"if", "else", "and", "or", "not", "in", "is", "true", "false", "none"}
    found: list[str] = []
    for name in names:
        if name not in keywords | {"framework"} and name not in found:
            found.append(name)
    either = FRAMEWORK_OR.match(when.strip())
    if template is not None and either and either.group(1) == template:
        return []
    return found


def asks(spec: Mapping[str, Any], template: str) -> bool:
    """Whether copier.yml may ask the question ``spec`` in a project of ``template``.

    A ``when: false`` question is computed, never asked. The usual
    ``{{ framework == 'x' }}`` is read without Jinja; a ``when`` that reads
    other answers (``{{ browser_tests }}``) may be asked in any template:
    ``check_answers`` refuses it where those answers rule it out.
    """
    when = spec.get("when", True)
    if isinstance(when, str):
        usual = FRAMEWORK_WHEN.fullmatch(when.strip())
        if usual:
            return usual.group(1) == template
        if depends_on(spec):
            return True
    return applies(spec, {"framework": template})


def options_of(questions: Mapping[str, Mapping[str, Any]], template: str) -> dict[str, list[Any]]:
    """Each option (a question with choices, or a bool) ``template`` may ask, with its values,
    in copier.yml's order: what the lock builder and the test matrix combine."""
    found = {}
    for name, spec in questions.items():
        values = option_values(spec)
        if name != "framework" and values is not None and asks(spec, template):
            found[name] = values
    return found


def default_for(question: str, questions: Mapping[str, Mapping[str, Any]], **context: Any) -> Any:
    """A question's default, rendered with the answers known so far, in the question's type.

    A default may be a template (``{{ framework == 'django-mtv' }}``); Copier
    renders it and reads a bool's text as YAML, and so does this. The usual
    framework test is read without Jinja (``--help`` stays fast).
    """
    spec = questions[question]
    default = spec.get("default")
    if isinstance(default, str) and "{{" in default:
        usual = FRAMEWORK_WHEN.fullmatch(default.strip())
        if usual and "framework" in context:
            default = str(usual.group(1) == context["framework"])
        else:
            import jinja2

            default = jinja2.Environment().from_string(default).render(**context)
    if spec.get("type") == "bool" and isinstance(default, str):
        return safe_load(default) is True
    return default
