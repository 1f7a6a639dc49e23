"""A starter described by untrusted ``KEY=VALUE`` pairs (a web query), checked as the CLI
checks ``--data``.

The pairs name the framework (``flask`` or ``django``, as ``--framework``) and
answer the template's questions; every other rule is the CLI's own:
``answers.parse_data`` and ``check_answers`` (copier.yml's choices and
validators) and ``naming`` (the package name). A refusal is an
``AnswerError`` naming the key and the values it takes. Nothing here renders
or touches the disk beyond reading copier.yml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from generator import answers, naming, source
from generator.errors import AnswerError, StackgenError
from generator.recommend import QUESTIONS_BY_KEY, TEMPLATES, format_value, new_command

FRAMEWORK = "framework"
DEFAULT_NAME = "my-project"  # the project name when none is given, as `recommend` uses
# A web resource limit, not an answer rule: no answer copier.yml accepts needs more.
MAX_VALUE_CHARS = 1000
MAX_PAIRS = 40


@cache
def questions() -> dict[str, dict[str, Any]]:
    """copier.yml's questions (read once per process; the file ships with stackgen)."""
    return answers.load_questions(source.packaged_templates() / "copier.yml")


@dataclass(frozen=True)
class Choice:
    """A checked description of one starter."""

    framework: str  # flask or django
    given: tuple[tuple[str, Any], ...]  # the answers given, in a canonical order
    data: tuple[tuple[str, Any], ...]  # every answer passed to Copier (framework included)

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.data)

    @property
    def folder(self) -> str:
        return folder_name(self.answers["project_name"])

    def command(self) -> str:
        """The ``stackgen new`` command line that generates the same project."""
        given = dict(self.given)
        if given.get("project_name") == self.folder:
            del given["project_name"]  # the CLI takes it from PATH
        return new_command(self.folder, self.framework, given)

    def flipped(self, key: str, value: str) -> Choice:
        """The same starter with ``key`` answered ``value`` instead (checked again)."""
        pairs = [(k, format_value(v)) for k, v in self.given if k != key]
        return parse_pairs([(FRAMEWORK, self.framework), *pairs, (key, value)])


def _asks(spec: Mapping[str, Any], template: str) -> bool:
    return spec.get("when") is not False and answers.applies(spec, {FRAMEWORK: template})


def folder_name(project_name: str) -> str:
    """The folder a downloaded project sits in: its name as one safe path segment.

    ``Movie API`` -> ``movie-api``; ``../x`` -> ``x``. The project name itself
    is only text in the project's files; it never names a path.
    """
    return re.sub(r"[^a-z0-9]+", "-", project_name.lower()).strip("-")[:100] or "project"


def _pairs_once(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for count, (key, value) in enumerate(pairs, 1):
        if count > MAX_PAIRS:
            raise AnswerError(f"at most {MAX_PAIRS} answers in one request", key)
        if key in found:
            raise AnswerError(f"{key} is given more than once; give it once", key)
        if len(value) > MAX_VALUE_CHARS:
            raise AnswerError(f"{key} is longer than {MAX_VALUE_CHARS} characters", key)
        found[key] = value
    return found


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> Choice:
    """Check ``pairs`` (a query string's, in order) and describe the starter they ask for."""
    given = _pairs_once(pairs)
    framework = given.pop(FRAMEWORK, None)
    if framework not in TEMPLATES:
        raise AnswerError(
            f"framework must be one of {', '.join(TEMPLATES)}"
            + ("" if framework is None else f"; got {framework!r}"),
            FRAMEWORK,
            list(TEMPLATES),
        )
    template = TEMPLATES[framework]
    qs = questions()
    # parse_data reads "KEY=VALUE" strings and strips the key: a query key such
    # as "description=x" or " database" must not pass for another one.
    known = [k for k, s in qs.items() if s.get("when") is not False]
    for key in given:
        if key not in known:
            raise AnswerError(f"unknown key {key!r}; known keys: {', '.join(known)}", key, known)
    try:
        data = answers.parse_data([f"{k}={v}" for k, v in given.items()], qs, template)
    except AnswerError as error:
        if error.values is None and error.key in qs:  # the other framework's question
            keys = [FRAMEWORK, *(k for k, s in qs.items() if k != FRAMEWORK and _asks(s, template))]
            raise AnswerError(str(error), error.key, keys) from None
        raise
    explicit = {key: data[key] for key in qs if key in data}  # copier.yml's order
    data["framework"] = template
    data.setdefault("project_name", DEFAULT_NAME)
    if "project_slug" not in data:
        try:
            data["project_slug"] = naming.project_slug(data["project_name"])
        except StackgenError as error:
            raise AnswerError(
                f"project_name: {error} (or keep this name and give project_slug)",
                "project_name",
            ) from None
    if not data.get("description"):
        data["description"] = answers.default_for("description", qs, framework=template)
    answers.check_answers(data, qs)
    ordered = {key: data[key] for key in qs if key in data}
    return Choice(framework, tuple(explicit.items()), tuple(ordered.items()))


@cache
def metadata() -> dict[str, Any]:
    """Every question (help-me-choose and the template's), for the page and /api/metadata.

    Made once per process; callers must not change it.
    """
    qs = questions()
    frameworks = {name: {"template": template} for name, template in TEMPLATES.items()}
    template_questions = []
    for key, spec in qs.items():
        applies_to = [name for name, t in TEMPLATES.items() if _asks(spec, t)]
        if key == FRAMEWORK or not applies_to:
            continue
        template_questions.append(
            {
                "key": key,
                "help": spec.get("help", key),
                "type": spec.get("type", "str"),
                "values": answers.option_values(spec),
                "labels": _choice_labels(spec),
                "defaults": {name: _default(key, TEMPLATES[name]) for name in applies_to},
                "frameworks": applies_to,
            }
        )
    help_me_choose = [
        {
            "key": q.key,
            "prompt": q.prompt,
            "options": [{"value": o.value, "label": o.label} for o in q.options],
        }
        for q in QUESTIONS_BY_KEY.values()
    ]
    return {
        "frameworks": frameworks,
        "help_me_choose": help_me_choose,
        "questions": template_questions,
    }


def _choice_labels(spec: Mapping[str, Any]) -> dict[str, str] | None:
    choices = spec.get("choices")
    if isinstance(choices, dict):
        return {str(value): label for label, value in choices.items()}
    return None


def _default(key: str, template: str) -> Any:
    """A question's default for a framework; None when it derives from other answers."""
    if key == "project_name":
        return DEFAULT_NAME
    default = questions()[key].get("default")
    if isinstance(default, str) and "{{" in default:
        try:
            return answers.default_for(key, questions(), framework=template)
        except Exception:  # needs Copier's own filters or other answers: derived
            return None
    return default


def help_me_choose(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The help-me-choose answers of a query, each checked against its options."""
    given = _pairs_once(pairs)
    for key, value in given.items():
        question = QUESTIONS_BY_KEY.get(key)
        if question is None:
            known = list(QUESTIONS_BY_KEY)
            raise AnswerError(f"unknown key {key!r}; known keys: {', '.join(known)}", key, known)
        values = [o.value for o in question.options]
        if value not in values:
            raise AnswerError(
                f"{key} must be one of {', '.join(values)}; got {value!r}", key, values
            )
    for key, question in QUESTIONS_BY_KEY.items():
        if key not in given:
            values = [o.value for o in question.options]
            raise AnswerError(f"{key} is missing: one of {', '.join(values)}", key, values)
    return given
