"""A project's features, and switching them: what ``stackgen features``, ``add`` and
``remove`` do.

A feature is a ``type: bool`` question of copier.yml that applies to the
project's framework, so ``features``, ``add``, ``remove``, ``new --help`` and
the test matrix all read one source. Choice-valued options (``database``,
``cache``) are not features; they change through ``update --data``.
Switching one is ``update`` at the project's own template version with that
answer changed, so Copier's three-way merge keeps every edit of the user's,
exactly as an update does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import resources, update
from generator.answers import check_answers
from generator.catalogue import BY_TEMPLATE
from generator.errors import StackgenError
from generator.project import load, locked, questions_at
from generator.questions import asks, default_for, depends_on


@dataclass(frozen=True)
class Feature:
    name: str
    help: str
    default: bool

    def is_on(self, answers: Mapping[str, Any]) -> bool:
        """On in a project whose recorded answers are ``answers`` (unrecorded: the default)."""
        return bool(answers.get(self.name, self.default))


def is_feature(spec: Mapping[str, Any]) -> bool:
    return spec.get("type") == "bool" and spec.get("when") is not False


def features_of(questions: Mapping[str, Mapping[str, Any]], template: str) -> list[Feature]:
    """The features of ``template`` (``flask-api``, ``django-mtv``), in copier.yml's order."""
    return [
        Feature(name, _adds(spec.get("help")), default_for(name, questions, framework=template))
        for name, spec in questions.items()
        if is_feature(spec) and asks(spec, template)
    ]


def _adds(help_text: object) -> str:
    """What a feature adds, from its question: "Add X?" reads "X"."""
    text = " ".join(str(help_text or "").split())
    text = text.removeprefix("Add ").removesuffix("?")
    return text[:1].upper() + text[1:]


def select(
    names: Sequence[str], questions: Mapping[str, Mapping[str, Any]], template: str
) -> list[Feature]:
    """The features called ``names`` for ``template``, or one error naming the valid ones."""
    label = BY_TEMPLATE[template].label
    available = {feature.name: feature for feature in features_of(questions, template)}
    valid = ", ".join(available) or "none"
    chosen: list[Feature] = []
    for name in names:
        feature = available.get(name)
        if feature is None:
            spec = questions.get(name)
            what = (
                f"not a feature of {label} projects"
                if spec is not None and is_feature(spec)
                else "not a feature of this template version"
            )
            raise StackgenError(f"{name!r} is {what}; features of this {label} project: {valid}")
        if feature not in chosen:
            chosen.append(feature)
    return chosen


def unmet(
    questions: Mapping[str, Mapping[str, Any]], template: str, answers: Mapping[str, Any]
) -> list[tuple[str, list[str]]]:
    """The features on in ``answers`` with the answers they need off (typescript_client
    in Django needs api): Copier would drop such a feature's files without a word."""
    found = []
    for name, spec in questions.items():
        if is_feature(spec) and answers.get(name) is True:
            needs = [n for n in depends_on(spec, template) if answers.get(n) is not True]
            if needs:
                found.append((name, needs))
    return found


@dataclass
class Switched:
    """What ``switch`` did: the features it changed, those already so, and the update."""

    version: str
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    summary: update.Summary | None = None


def switch(path: Path, names: Sequence[str], on: bool, to: str | None = None) -> Switched:
    """Turn the features ``names`` on (or off) in the project at ``path``.

    Every name is checked before anything is touched: an unknown one, or one
    of the other framework, is an error naming the valid ones. Features
    already in the wanted state are reported, not switched; when none is
    left, nothing runs (a dirty tree does not matter then). ``to`` moves to
    another template version at the same time; by default the version stays.
    """
    with locked(path) as held:
        project = load(path)
        version = update.target(project, to) if to else project.version
        questions = questions_at(project, version) if to else project.questions
        result = Switched(version)
        for feature in select(names, questions, project.template):
            wanted = result.changed if feature.is_on(project.answers) != on else result.unchanged
            wanted.append(feature.name)
        if not result.changed and not to:
            return result
        update.check_updatable(path, held.waited_for)
        data = {name: on for name in result.changed}
        check_answers({**project.answers, **data}, questions)
        for name, needs in unmet(questions, project.template, {**project.answers, **data}):
            verb, names = ("add", [*needs, name]) if on else ("remove", [name, *needs])
            raise StackgenError(
                f"{name} applies only with {', '.join(f'{n}=true' for n in needs)}: "
                f"switch them together (stackgen {verb} {' '.join(names)}); nothing was changed"
            )
        _, result.summary, _ = resources.update_all(project, version, data, defaults=True)
        result.version = version
    return result
