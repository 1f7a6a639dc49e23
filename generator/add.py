"""``stackgen add``: switch features on in a committed project.

A feature is a bool answer (see ``features``); switching it is ``update`` at
the project's own template version with that answer changed, so Copier's
three-way merge keeps every edit of the user's, exactly as an update does.
``remove`` is the same switch the other way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator import answers, features, update
from generator.project import load, locked, questions_at


@dataclass
class Switched:
    """What ``switch`` did: the features it changed, those already so, and the update."""

    version: str
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    summary: update.Summary | None = None


def switch(
    path: Path,
    names: Sequence[str],
    on: bool,
    labels: dict[str, str],
    to: str | None = None,
) -> Switched:
    """Turn the features ``names`` on (or off) in the project at ``path``.

    Every name is checked before anything is touched: an unknown one, or one
    of the other framework, is an error naming the valid ones. Features
    already in the wanted state are reported, not switched; when none is
    left, nothing runs (a dirty tree does not matter then). ``to`` moves to
    another template version at the same time; by default the version stays.
    """
    with locked(path):
        project = load(path)
        template = project.template
        version = update.target(project, to) if to else project.version
        questions = questions_at(project, version) if to else project.questions
        chosen = features.select(names, questions, template, labels.get(template, template))
        result = Switched(version)
        for feature in chosen:
            wanted = result.changed if feature.is_on(project.answers) != on else result.unchanged
            wanted.append(feature.name)
        if not result.changed and not to:
            return result
        update.check_updatable(path)
        data = {name: on for name in result.changed}
        answers.check_answers({**project.answers, **data}, questions)
        _, result.version, result.summary = update.update(project, version, data, defaults=True)
    return result


def add(
    path: Path, names: Sequence[str], labels: dict[str, str], to: str | None = None
) -> Switched:
    return switch(path, names, True, labels, to)
