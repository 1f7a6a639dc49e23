"""A starter: what was chosen (``Choice``, checked from untrusted ``KEY=VALUE`` pairs, as
the CLI checks ``--data``) and what it renders to (``Starter``, its files in memory).

The pairs name the framework (``flask`` or ``django``, as ``--framework``) and
answer the template's questions; every other rule is the CLI's own:
``answers.parse_data``, ``complete`` and ``check_answers`` (copier.yml's
choices and validators, the package name). A refusal is an ``AnswerError``
naming the key and the values it takes.

Rendering is ``stackgen new``'s (``create.render``: Copier, from the local
template store, at this stackgen's version tag) without the git commit and
without ``.env``: a download carries ``.env.example``, and its README says how
to make ``.env``. Each render happens in a worker process, in a temporary folder
removed at once (``workers``); the files are kept in memory.

The answers file of a download records ``_src_path`` as the store's default
place, ``~/.local/share/stackgen/templates``, whatever store the server used:
on the user's machine stackgen creates its own store there, with the same tag
at the same commit (each version is a root commit with fixed metadata), so
``stackgen check`` and ``update`` work on the unpacked project once it is
committed.
"""

from __future__ import annotations

import re
import shlex
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from generator import create, resources, store
from generator.answers import check_answers, complete, format_value, parse_data
from generator.catalogue import TEMPLATES
from generator.errors import AnswerError, StackgenError
from generator.project import ANSWERS_FILE
from generator.questions import asks, default_for, depends_on, installed, option_values
from generator.recommendation import QUESTIONS_BY_KEY, new_command
from generator.web.query import unique

FRAMEWORK = "framework"
RESOURCES = "resources"  # rows of "Workout name:string ... [--owned]", separated by ";"
MAX_RESOURCE_ROWS = 6
MAX_RESOURCE_FIELDS = 40
DEFAULT_NAME = "my-project"  # the project name when none is given, as `recommend` uses


@dataclass(frozen=True)
class Choice:
    """A checked description of one starter."""

    framework: str  # flask or django
    given: tuple[tuple[str, Any], ...]  # the answers given, in a canonical order
    data: tuple[tuple[str, Any], ...]  # every answer passed to Copier (framework included)
    resources: tuple[str, ...] = ()  # each as `--resource` takes it, checked

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
        command = new_command(self.folder, self.framework, given)
        return " ".join([command, *(f"--resource {shlex.quote(r)}" for r in self.resources)])

    def flipped(self, key: str, value: str) -> Choice:
        """The same starter with ``key`` answered ``value`` instead (checked again)."""
        pairs = [(k, format_value(v)) for k, v in self.given if k != key]
        rows = ";".join(self.resources)
        return parse_pairs([(FRAMEWORK, self.framework), *pairs, (key, value)], rows)


def folder_name(project_name: str) -> str:
    """The folder a downloaded project sits in: its name as one safe path segment.

    ``Movie API`` -> ``movie-api``; ``../x`` -> ``x``. The project name itself
    is only text in the project's files; it never names a path.
    """
    return re.sub(r"[^a-z0-9]+", "-", project_name.lower()).strip("-")[:100] or "project"


def parse_resources(text: str, template: str) -> tuple[str, ...]:
    """The ``resources`` rows (``;`` between them), checked as ``--resource`` options are.

    Bounded (rows and fields in all): each row is a rendering of the resource template,
    and one short query must not make the server render for a minute.
    """
    rows = tuple(" ".join(row.split()) for row in text.split(";") if row.strip())
    if len(rows) > MAX_RESOURCE_ROWS:
        raise AnswerError(
            f"at most {MAX_RESOURCE_ROWS} resources in the initializr (`stackgen generate "
            "resource` adds more to the project)",
            RESOURCES,
        )
    if sum(len(row.split()) - 1 for row in rows) > MAX_RESOURCE_FIELDS:
        raise AnswerError(f"at most {MAX_RESOURCE_FIELDS} fields in all resources", RESOURCES)
    try:
        resources.check_options(list(rows), template)
    except StackgenError as error:
        number = _failing_row(rows, template)
        if number is None:  # not one row's fault
            raise AnswerError(str(error), RESOURCES) from None
        raise RowError(str(error), number, rows[number - 1].split()[0]) from None
    return rows


class RowError(AnswerError):
    """A refused resource row: its number (from 1, blank rows not counted) and its name."""

    def __init__(self, message: str, row: int, name: str) -> None:
        super().__init__(f"resource {row} ({name[:60]}): {message}", RESOURCES)
        self.row, self.name = row, name[:60]


def _failing_row(rows: tuple[str, ...], template: str) -> int | None:
    """The first row whose own check fails. Each row may reference only those before it
    (``check_options``), so it is the first prefix of the rows that is refused."""
    for count in range(1, len(rows) + 1):
        try:
            resources.check_options(list(rows[:count]), template)
        except StackgenError:
            return count
    return None


def parse_pairs(pairs: Iterable[tuple[str, str]], rows: str = "") -> Choice:
    """Check ``pairs`` (a query string's, in order) and describe the starter they ask for,
    with the resource ``rows`` it starts with."""
    given = unique(pairs)
    framework = given.pop(FRAMEWORK, None)
    if framework not in TEMPLATES:
        raise AnswerError(
            f"framework must be one of {', '.join(TEMPLATES)}"
            + ("" if framework is None else f"; got {framework!r}"),
            FRAMEWORK,
            list(TEMPLATES),
        )
    template = TEMPLATES[framework]
    qs = installed()
    try:
        data = parse_data(given.items(), qs, template)
    except AnswerError as error:
        if error.values is None and error.key in qs:  # the other framework's question
            keys = [FRAMEWORK, *(k for k, s in qs.items() if k != FRAMEWORK and asks(s, template))]
            raise AnswerError(str(error), error.key, keys) from None
        raise
    explicit = {key: data[key] for key in qs if key in data}  # copier.yml's order
    try:
        data = complete(data, qs, template, DEFAULT_NAME)
    except AnswerError as error:
        raise AnswerError(
            f"project_name: {error} (or keep this name and give project_slug)", error.key
        ) from None
    check_answers(data, qs)
    checked = parse_resources(rows, template)
    ordered = {key: data[key] for key in qs if key in data}
    return Choice(framework, tuple(explicit.items()), tuple(ordered.items()), checked)


@cache
def metadata() -> dict[str, Any]:
    """Every question (help-me-choose and the template's), for the page and /api/metadata.

    Made once per process; callers must not change it.
    """
    qs = installed()
    frameworks = {name: {"template": template} for name, template in TEMPLATES.items()}
    template_questions = []
    for key, spec in qs.items():
        applies_to = [name for name, t in TEMPLATES.items() if asks(spec, t)]
        if key == FRAMEWORK or not applies_to:
            continue
        template_questions.append(
            {
                "key": key,
                "help": spec.get("help", key),
                "type": spec.get("type", "str"),
                "values": option_values(spec),
                "labels": _choice_labels(spec),
                "defaults": {name: _default(key, TEMPLATES[name]) for name in applies_to},
                "frameworks": applies_to,
                # per framework, the bool answers that must be on for it to apply
                "requires": {name: depends_on(spec, TEMPLATES[name]) for name in applies_to},
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
    default = installed()[key].get("default")
    if isinstance(default, str) and "{{" in default:
        try:
            return default_for(key, installed(), framework=template)
        except Exception:  # needs Copier's own filters or other answers: derived
            return None
    return default


def help_me_choose(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The help-me-choose answers of a query, each checked against its options."""
    given = unique(pairs)
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


SRC_LINE = re.compile(r"^_src_path: .*$", re.MULTILINE)


@dataclass(frozen=True)
class File:
    path: str  # relative, POSIX
    mode: int  # permission bits
    content: bytes

    @property
    def text(self) -> str | None:
        try:
            return self.content.decode("utf-8")
        except UnicodeDecodeError:
            return None


@dataclass(frozen=True)
class Starter:
    folder: str
    version: str  # the template version tag
    files: tuple[File, ...]  # sorted by path

    def file(self, path: str) -> File | None:
        return next((f for f in self.files if f.path == path), None)


def portable(answers_text: str) -> str:
    """An answers file recording the default store as its source, whatever it recorded."""
    text, count = SRC_LINE.subn(f"_src_path: {store.DEFAULT_STORE}", answers_text, count=1)
    if count != 1:
        raise RuntimeError(f"no _src_path line in the rendered {ANSWERS_FILE}")
    return text


def _read_tree(root: Path) -> tuple[File, ...]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            mode = stat.S_IMODE(path.stat().st_mode)
            found.append(File(path.relative_to(root).as_posix(), mode, path.read_bytes()))
    return tuple(found)


def build(choice: Choice, scratch: Path) -> Starter:
    """The files of the starter ``choice`` describes, rendered in the empty folder ``scratch``.

    Run in a worker process (``workers.Renderer``): Copier changes the working
    directory, and the caller removes ``scratch``.
    """
    target = scratch / choice.folder
    request = create.Request(
        target,
        choice.answers,
        defaults=True,
        resources=tuple(resources.parse_option(row) for row in choice.resources),
    )
    # No author from this server's git configuration: copier.yml's defaults.
    _, version = create.render(request, target, identity={})
    create.add_resources(target, request)
    for answers_file in [target / ANSWERS_FILE, *target.glob(resources.ANSWERS_PREFIX + "*")]:
        answers_file.write_text(portable(answers_file.read_text()))
    return Starter(choice.folder, version, _read_tree(target))
