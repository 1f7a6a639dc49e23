"""A project's features: the switches ``stackgen add`` and ``remove`` turn on and off.

Pure functions of copier.yml's questions, so ``features``, ``add``,
``remove``, ``new --help`` and the test matrix all read one source: a
feature is a ``type: bool`` question that applies to the framework (its
``when`` is true for that template). Choice-valued options (``database``,
``cache``) are not features; they change through ``update --data``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.answers import applies
from generator.errors import StackgenError


@dataclass(frozen=True)
class Feature:
    name: str
    help: str
    default: bool

    def is_on(self, answers: Mapping[str, Any]) -> bool:
        """On in a project whose recorded answers are ``answers`` (unrecorded: the default)."""
        return bool(answers.get(self.name, self.default))


def features_of(questions: Mapping[str, Mapping[str, Any]], template: str) -> list[Feature]:
    """The features of ``template`` (``flask-api``, ``django-mtv``), in copier.yml's order."""
    return [
        Feature(name, _adds(spec.get("help")), bool(spec.get("default", False)))
        for name, spec in questions.items()
        if spec.get("type") == "bool"
        and spec.get("when") is not False
        and applies(spec, {"framework": template})
    ]


def _adds(help_text: object) -> str:
    """What a feature adds, from its question: "Add X?" reads "X"."""
    text = " ".join(str(help_text or "").split())
    text = text.removeprefix("Add ").removesuffix("?")
    return text[:1].upper() + text[1:]


def names_for_help(questions: Mapping[str, Mapping[str, Any]], template: str) -> list[str]:
    """The features of ``template`` as ``--help`` lists them, without rendering Jinja.

    Help must stay fast (no Jinja import): a ``when`` that is a template
    counts for the frameworks it names, as ``answers.data_help`` reads it.
    The commands themselves use ``features_of``.
    """
    return [
        name
        for name, spec in questions.items()
        if spec.get("type") == "bool"
        and spec.get("when", True) is not False
        and (not isinstance(spec.get("when"), str) or template in spec["when"])
    ]


def select(
    names: Sequence[str],
    questions: Mapping[str, Mapping[str, Any]],
    template: str,
    label: str,
) -> list[Feature]:
    """The features called ``names`` for ``template``, or one error naming the valid ones.

    ``label`` names the project's framework in the message (``Django``).
    """
    available = {feature.name: feature for feature in features_of(questions, template)}
    valid = ", ".join(available) or "none"
    chosen: list[Feature] = []
    for name in names:
        feature = available.get(name)
        if feature is None:
            spec = questions.get(name)
            other = (
                spec is not None and spec.get("type") == "bool" and spec.get("when") is not False
            )
            what = (
                "not a feature of this template version"
                if not other
                else (f"not a feature of {label} projects")
            )
            raise StackgenError(f"{name!r} is {what}; features of this {label} project: {valid}")
        if feature not in chosen:
            chosen.append(feature)
    return chosen


def describe(features: Sequence[Feature], answers: Mapping[str, Any]) -> list[str]:
    """One line per feature: on or off, its name and what it adds."""
    width = max((len(feature.name) for feature in features), default=0)
    return [
        f"  [{'x' if feature.is_on(answers) else ' '}] {feature.name.ljust(width)}  {feature.help}"
        for feature in features
    ]
