"""The project's data model as one file (``model.yml``): read, checked, compared with the
recorded resources, and applied.

The file names each resource with its options and its fields, each field written as
``stackgen generate resource`` takes it (one spec language)::

    resources:
      Workout:
        owned: true
        fields:
          name: string:120
          duration_minutes: integer:min=1

Reading, checking and planning are pure: ``parse`` (text -> ``Model``), ``desired``
(the resources the model describes, checked by generator/fields.py and
generator/access.py as ``generate`` checks them), ``plan`` (the recorded resources and
the model -> the steps, ordered by references) and ``export`` (recorded -> text).
``apply`` runs a plan in one locked, all-or-nothing run, each step through
generator/resources.py's own plan and apply (the three-way merge that keeps edits).

Room for what comes next, without changing the shape: a field spec grows new types and
parameters and a resource new keys, each refused today in one line naming it. A field
renamed keeps its values: ``comments: text:renamed_from=notes`` (applied once; the file may
keep saying it, generator/fields.py resolve_renames); a resource too (``renamed_from:
OldName``). A resource's ``unique: [workout, tag]`` (or a list of such lists) is ``generate
--unique workout,tag``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from generator import access, fields, interrupts
from generator.errors import StackgenError

if TYPE_CHECKING:
    from generator.project import Project
    from generator.resources import Option
    from generator.update import Summary

MODEL_FILE = "model.yml"
NAME_KEYS = ("singular", "plural", "url", "label", "label_plural")
MAX_BYTES = 1_000_000
MAX_RESOURCES = 200
RESOURCE_KEYS = ("owned", "writers", "unique", "fields", "renamed_from")
# Keys a later stackgen gives a meaning; said so rather than called unknown.
LATER_KEYS: tuple[str, ...] = ()
HEADER = (
    "# stackgen's data model: `stackgen model apply` makes the project match it.\n"
    "# Each field is `name: type[:parameter][:modifier]...`, as `stackgen generate resource`\n"
    "# takes it; a resource may be `owned: true`, and a shared one `writers: staff|users`;\n"
    "# `unique: [a, b]` makes fields unique together.\n"
)


class ModelError(StackgenError):
    """A model file that cannot be used: one line naming where and why; exit status 2."""

    status = 2


@dataclass(frozen=True)
class Resource:
    """One resource as the file describes it."""

    model: str
    specs: tuple[str, ...]  # name:type[:parameter][:modifier]..., in the file's order
    owned: bool = False
    writers: str | None = None  # staff or users, for a shared resource (None: staff)
    line: int = 0  # where the file names it, for messages
    renamed_from: str | None = None  # its old name: renamed with its rows, once
    unique: tuple[str, ...] = ()  # each group of fields unique together, as "a,b"


@dataclass(frozen=True)
class Model:
    resources: tuple[Resource, ...]
    where: str = MODEL_FILE

    def by_name(self) -> dict[str, Resource]:
        return {resource.model: resource for resource in self.resources}


# Reading: text -> Model. The YAML is composed, not constructed: every scalar stays the
# text it was (`on`, `1:30` and `yes` are not booleans or numbers), a key named twice is
# refused, and each node knows its line.


def parse(text: str, where: str = MODEL_FILE) -> Model:
    """The model a file's text describes, its shape checked (not yet its fields)."""
    if len(text.encode()) > MAX_BYTES:
        raise ModelError(f"{where} is larger than a model file can be ({MAX_BYTES} bytes)")
    try:
        root = yaml.compose(text, Loader=yaml.BaseLoader)
    except RecursionError:
        raise ModelError(f"{where} is nested too deeply to be a model file") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise ModelError(f"{where} is not valid YAML{at}: {problem}") from None
    if root is None:
        raise ModelError(f"{where} is empty: it holds `resources:`, each with its fields")
    top = _mapping(root, where, f"{where} must hold a mapping with `resources:`")
    for key in top:
        if key != "resources":
            raise ModelError(
                f"{where} line {_line(top[key][0])}: unknown key {key[:40]!r}; a model file "
                "holds `resources:`"
            )
    if "resources" not in top:
        raise ModelError(f"{where} has no `resources:` (write `resources: {{}}` for none)")
    listed = _mapping(
        top["resources"][1],
        where,
        f"{where} line {_line(top['resources'][1])}: `resources:` holds each resource by "
        "name (write `resources: {}` for none)",
    )
    if len(listed) > MAX_RESOURCES:
        raise ModelError(f"{where} holds more than {MAX_RESOURCES} resources")
    return Model(
        tuple(_resource(name, key, node, where) for name, (key, node) in listed.items()), where
    )


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _mapping(node: yaml.Node, where: str, wrong: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """A mapping node's entries by key text, in order; a key named twice is refused."""
    if not isinstance(node, yaml.MappingNode):
        raise ModelError(wrong)
    found: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise ModelError(f"{where} line {_line(key)}: a key must be a name")
        if key.value in found:
            raise ModelError(f"{where} line {_line(key)}: {key.value[:60]!r} is named twice")
        found[key.value] = (key, value)
    return found


def _scalar(node: yaml.Node, wrong: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise ModelError(wrong)
    return str(node.value)


def _resource(name: str, key: yaml.Node, node: yaml.Node, where: str) -> Resource:
    at = f"{where} line {_line(key)}, resource {name[:60]}"
    entries = _mapping(node, where, f"{at}: give its `fields:` (and `owned:`, `writers:`)")
    for option, (option_key, _) in entries.items():
        if option in LATER_KEYS:
            raise ModelError(f"{at}: {option} is not supported yet")
        if option not in RESOURCE_KEYS:
            raise ModelError(
                f"{at} (line {_line(option_key)}): unknown key {option[:40]!r}; a resource "
                f"takes {', '.join(RESOURCE_KEYS)}"
            )
    owned = False
    if "owned" in entries:
        text = _scalar(entries["owned"][1], f"{at}: owned is true or false")
        if text not in ("true", "false"):
            raise ModelError(f"{at}: owned is true or false, written so (not {text[:20]!r})")
        owned = text == "true"
    writers = None
    if "writers" in entries:
        writers = _scalar(entries["writers"][1], f"{at}: writers is staff or users")
        if writers not in access.SHARED_WRITERS:
            raise ModelError(
                f"{at}: writers is staff or users (owned rows, and rows scoped through a "
                f"reference, are written by their owner); not {writers[:20]!r}"
            )
    renamed_from = None
    if "renamed_from" in entries:
        renamed_from = _scalar(entries["renamed_from"][1], f"{at}: renamed_from is a model name")
        if not fields.RESOURCE_NAME.fullmatch(renamed_from) or renamed_from == name:
            raise ModelError(f"{at}: renamed_from names its old model name (Workout)")
    unique = _unique(entries["unique"][1], at) if "unique" in entries else ()
    if "fields" not in entries:
        raise ModelError(f"{at}: give its `fields:`, one `name: type` a line")
    listed = _mapping(entries["fields"][1], where, f"{at}: `fields:` holds one `name: type` a line")
    specs = []
    for field_name, (field_key, value) in listed.items():
        text = _scalar(
            value,
            f"{at}, field {field_name[:60]} (line {_line(field_key)}): write its type on the "
            "same line, as `name: type[:parameter][:modifier]...`",
        )
        specs.append(f"{field_name}:{text}")
    return Resource(name, tuple(specs), owned, writers, _line(key), renamed_from, unique)


def _unique(node: yaml.Node, at: str) -> tuple[str, ...]:
    """``unique: [workout, tag]``, or several such lists: each group as ``generate
    --unique`` takes it ("workout,tag"); the names are checked with the fields."""
    wrong = f"{at}: unique is a list of fields ([workout, tag]), or a list of such lists"
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise ModelError(wrong)
    groups = node.value if isinstance(node.value[0], yaml.SequenceNode) else [node]
    found = []
    for group in groups:
        if not isinstance(group, yaml.SequenceNode):
            raise ModelError(wrong)
        found.append(",".join(_scalar(item, wrong) for item in group.value))
    return tuple(found)


# Checking: the resources the model describes, as ``generate`` would record them.


def _targets(resource: Resource, singulars: dict[str, str]) -> list[str]:
    """The resources of the model that ``resource``'s references name (by ``to=``, else by
    their singular), and those its many fields relate to (by plural, or ``to=``)."""
    plurals = {fields.names(model).plural: model for model in singulars.values()}
    found = []
    for spec in resource.specs:
        parts = spec.split(":")
        kind = parts[1] if len(parts) > 1 else ""
        named = [part.partition("=")[2] for part in parts[2:] if part.startswith("to=")]
        if kind == "references":
            if named and named[-1] in singulars.values():
                found.append(named[-1])
            elif not named and parts[0] in singulars:
                found.append(singulars[parts[0]])
        elif kind == "many":
            target = named[0] if named else plurals.get(parts[0])
            if target in plurals.values():
                found.append(target)
    return found


def _ordered(names: list[str], after: dict[str, list[str]], what: str, where: str) -> list[str]:
    """``names`` with each after those it depends on (``after``), otherwise in the given
    order; a cycle refused, named."""
    done: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = [*visiting[visiting.index(name) :], name]
            raise ModelError(
                f"{where}, resource {name}: {what} each other ({' -> '.join(cycle)}); a "
                "resource cannot reference one that references it back"
            )
        visiting.append(name)
        for other in after.get(name, []):
            if other != name:
                visit(other)
        visiting.pop()
        done.append(name)

    for name in names:
        visit(name)
    return done


def reference_order(model: Model) -> list[str]:
    """The model's resources, each after those it references."""
    singulars = {fields.names(r.model).singular: r.model for r in model.resources}
    after = {r.model: _targets(r, singulars) for r in model.resources}
    return _ordered([r.model for r in model.resources], after, "these reference", model.where)


def desired(
    model: Model,
    template: str,
    recorded: dict[str, dict[str, Any]] | None = None,
    taken: Iterable[str] = (),
    packages: Iterable[str] = (),
) -> dict[str, dict[str, Any]]:
    """Each resource of the model as ``generate`` would record it, referenced ones first,
    checked by the rules ``generate`` applies (generator/fields.py, generator/access.py).

    ``recorded``: the project's resources (a live one keeps its names and may not switch
    ``owned``); ``taken``: the project's own model classes; ``packages``: its folders (a
    Django app takes none of their names).
    """
    live = fields.live(recorded or {})
    by_name = model.by_name()
    known: dict[str, dict[str, Any]] = {}
    for name in reference_order(model):
        resource = by_name[name]
        at = f"{model.where} line {resource.line}, resource {name[:60]}"
        try:
            before = live.get(name)
            if before is None:
                made = fields.check_resource_name(name, set(taken))
            else:
                made = before["names"]
                if resource.owned and not before.get("owned"):
                    raise fields.FieldError(
                        f"{name} is not owned; making its rows belong to users is not supported"
                    )
                if before.get("owned") and not resource.owned:
                    raise fields.FieldError(
                        f"{name} is owned; making its rows shared is not supported (keep "
                        "owned: true)"
                    )
            parsed = fields.parse_fields(list(resource.specs), known, made)
            groups = fields.parse_unique(list(resource.unique), parsed, name)
            fields.check_reverse_names(made, parsed, known, [])
            if template == "django-mtv":
                fields.check_django_names(made, parsed, known, set(packages))
            info: dict[str, Any] = {
                "model": name,
                "names": made,
                "owned": resource.owned,
                "fields": parsed,
            }
            if groups:
                info["unique"] = groups
            access.decide(info, known, resource.writers)
        except StackgenError as error:  # in the file's words, not the command line's
            said = (
                str(error)
                .replace("--owned", "owned: true")
                .replace("--writers", "writers:")
                .replace("--unique", "unique:")
            )
            raise ModelError(f"{at}: {said}") from None
        known[name] = info
    return known


# Planning: the recorded resources and the model -> the steps, pure.


@dataclass(frozen=True)
class Step:
    """One resource's part of a plan."""

    action: str  # rename, create, change or destroy
    model: str
    specs: tuple[str, ...] = ()
    owned: bool = False
    writers: str | None = None  # what ``generate --writers`` gets: a shared resource's
    table: str = ""
    unique: tuple[str, ...] = ()  # what ``generate --unique`` gets
    changes: tuple[str, ...] = ()  # the column changes, one line each
    warnings: tuple[str, ...] = ()  # what the migration does to rows
    renamed_from: str = ""  # rename: its old name


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...] = ()
    unchanged: tuple[str, ...] = ()

    def of(self, action: str) -> list[Step]:
        return [step for step in self.steps if step.action == action]


def _specs(items: list[dict[str, Any]]) -> list[str]:
    return [fields.spec_of(item) for item in items]


def plan(
    recorded: dict[str, dict[str, Any]],
    model: Model,
    template: str,
    taken: Iterable[str] = (),
    packages: Iterable[str] = (),
) -> Plan:
    """What applying ``model`` does to a project that records ``recorded``
    (``resources.recorded``): resources created, changed and destroyed, each with its
    column changes and what its migration does to rows, in the order they are applied:
    a referenced resource before the ones referencing it, a child destroyed before its
    parent, and a resource's change before the destroy of what it stops referencing."""
    from generator.resources import row_warnings, table_name

    renames = _renames(recorded, model, template)
    recorded = as_renamed(recorded, renames)
    wanted = desired(model, template, recorded, taken, packages)
    live = fields.live(recorded)
    by_name = model.by_name()
    steps: dict[str, Step] = {}
    unchanged: list[str] = []
    for name, info in wanted.items():
        resource = by_name[name]
        writers = None if access.private(info) else info["writers"]
        table = table_name(template, {"model": name, "plural": info["names"].plural})
        before = live.get(name)
        common = {
            "specs": resource.specs,
            "owned": resource.owned,
            "writers": writers,
            "unique": resource.unique,
        }
        if before is None:
            steps[name] = Step("create", name, table=table, **common)
            continue
        try:  # a rename the file still names once applied is done: it changes nothing
            info["fields"] = fields.resolve_renames(before["fields"], info["fields"])
        except fields.FieldError as error:
            raise ModelError(
                f"{model.where} line {resource.line}, resource {name}: {error}"
            ) from None
        same_fields = _specs(before["fields"]) == _specs(info["fields"])
        same_keys = (before.get("unique") or []) == (info.get("unique") or [])
        if same_fields and same_keys and before.get("writers") == info["writers"]:
            unchanged.append(name)
            continue
        change = fields.changes(before["fields"], info["fields"])
        after = {
            "plural": info["names"].plural,
            "fields": info["fields"],
            "unique": info.get("unique") or [],
        }
        lines = fields.describe_changes(change)
        lines += fields.describe_unique(before.get("unique") or [], info.get("unique") or [])
        if before.get("writers") != info["writers"]:
            lines.append(f"writers: {info['writers']} (was {before.get('writers')})")
        steps[name] = Step(
            "change",
            name,
            table=table,
            changes=tuple(lines),
            warnings=tuple(row_warnings(before, after, template == "django-mtv", table=table)),
            **common,
        )
    for name, info in live.items():
        if name not in wanted:
            table = table_name(template, {"model": name, "plural": info["names"].plural})
            steps[name] = Step(
                "destroy",
                name,
                table=table,
                warnings=(f"the table {table} is dropped: every row in it is deleted",),
            )
    # Ordering: a created or changed resource after those it references; a destroyed one
    # after whatever references it now (a destroyed child, or a change that drops the
    # reference).
    after: dict[str, list[str]] = {}
    for name, step in steps.items():
        if step.action == "destroy":
            after[name] = [
                other
                for other, theirs in live.items()
                if other in steps
                and other != name
                and any(f.get("target") == name for f in theirs["fields"])
            ]
        else:
            after[name] = [f["target"] for f in wanted[name]["fields"] if f.get("target") in steps]
    names = [n for n in steps if steps[n].action == "destroy"] + [n for n in wanted if n in steps]
    order = _ordered(names, after, "these reference", model.where)
    first = tuple(
        Step(
            "rename",
            new,
            table=table_name(template, {"model": new, "plural": fields.names(new).plural}),
            changes=(f"renamed from {old}: its table with its rows, its files with your edits",),
            renamed_from=old,
        )
        for new, old in renames.items()
    )
    unchanged = [name for name in unchanged if name not in renames]
    return Plan(first + tuple(steps[name] for name in order), tuple(unchanged))


def _renames(recorded: dict[str, dict[str, Any]], model: Model, template: str) -> dict[str, str]:
    """The resources the file renames, new name to old: those whose old name is recorded
    and new one not yet (applied, the file may keep saying it: nothing more to do)."""
    live = set(fields.live(recorded))
    found = {}
    for resource in model.resources:
        old = resource.renamed_from
        if old is None or resource.model in recorded or old not in live:
            if old is not None and resource.model not in live and old not in recorded:
                raise ModelError(
                    f"{model.where} line {resource.line}, resource {resource.model}: "
                    f"renamed_from={old}, but the project has no resource {old}"
                )
            continue
        found[resource.model] = old
    return found


def as_renamed(
    recorded: dict[str, dict[str, Any]], renames: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """The recorded resources as ``stackgen rename resource`` leaves them (``renames``:
    new name to old): each renamed under its new names, and a reference to it renamed with
    it (generator/rename.py)."""
    if not renames:
        return recorded
    olds = {old: new for new, old in renames.items()}
    result = {}
    for model, info in recorded.items():
        moved = dict(info)
        if model in olds:
            made = fields.names(olds[model])
            moved.update(model=made.model, names=made)
            moved.update({key: getattr(made, key) for key in NAME_KEYS})
            model = made.model
        items = []
        for item in info.get("fields") or []:
            target = item.get("target")
            if item.get("type") == "references" and target in olds:
                made = fields.names(olds[target])
                item = {**item, "name": made.singular, "target": made.model}
                item["target_table"] = made.plural
            items.append(item)
        moved["fields"] = items
        result[model] = moved
    return result


# Exporting: the recorded resources as a model file.


def export(recorded: dict[str, dict[str, Any]]) -> str:
    """The live recorded resources as a model file, referenced ones first: applied to the
    project it came from, it changes nothing."""
    live = fields.live(recorded)
    after = {
        name: [f["target"] for f in info["fields"] if f.get("target") in live]
        for name, info in live.items()
    }
    lines = [HEADER.rstrip("\n")]
    if not live:
        return "\n".join([*lines, "resources: {}"]) + "\n"
    lines.append("resources:")
    for name in _ordered(sorted(live), after, "these reference", "the recorded resources"):
        info = live[name]
        lines.append(f"  {name}:")
        if info.get("owned"):
            lines.append("    owned: true")
        elif not access.private(info):
            lines.append(f"    writers: {info['writers']}")
        groups = info.get("unique") or []
        if groups:
            shown = ["[" + ", ".join(group) + "]" for group in groups]
            both = shown[0] if len(shown) == 1 else f"[{', '.join(shown)}]"
            lines.append(f"    unique: {both}")
        lines.append("    fields:")
        for item in info["fields"]:
            spec = fields.spec_of(item).split(":", 1)[1]
            lines.append(f"      {item['name']}: {_yaml_text(spec)}")
    return "\n".join(lines) + "\n"


def _yaml_text(text: str) -> str:
    """``text`` as a YAML scalar that reads back as that text, plain where it can be."""
    dumped = yaml.safe_dump(text, default_flow_style=True, width=10_000, allow_unicode=True)
    # Not .strip(): a default may end in a no-break space, which Python counts as blank.
    return dumped.removesuffix("\n").removesuffix("\n...")


def read(path: Path) -> Model:
    """The model file at ``path``, read as untrusted text (``parse``)."""
    where = path.name
    if path.is_dir():
        raise ModelError(f"{path} is a folder, not a model file")
    if not path.is_file():
        raise ModelError(
            f'{path} does not exist: write one (the README\'s "The data model file" shows '
            "how), or `stackgen model export > model.yml` for the resources the project has"
        )
    if path.stat().st_size > MAX_BYTES:
        raise ModelError(f"{where} is larger than a model file can be ({MAX_BYTES} bytes)")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ModelError(f"{where} is not UTF-8 text") from None
    return parse(text, where)


def options(model: Model, template: str) -> list[Option]:
    """The model as ``new --resource`` options, referenced ones first (checked first)."""
    from generator.resources import Option

    wanted = desired(model, template)
    by_name = model.by_name()
    return [
        Option(
            name,
            by_name[name].specs,
            by_name[name].owned,
            None if access.private(info) else info["writers"],
            by_name[name].unique,
        )
        for name, info in wanted.items()
    ]


# Applying: the project is locked and clean but for the model file; all of it or none.


@dataclass
class Applied:
    """What ``apply`` did: the summary of the files, and each step's notes."""

    summary: Summary
    notes: list[str] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)
    diagram: str = ""  # diagram.refresh's outcome


def apply(project: Project, steps: Plan, model_file: Path | None = None) -> Applied:
    """Run ``steps`` on the locked ``project``, each step as ``generate``/``destroy`` runs
    it (the three-way merge keeps the user's edits), kept apart by a commit of stackgen's
    own that is taken back at the end, as ``stackgen update`` does with several answers
    files: the project's history is as it was, every change unstaged, conflicts unmerged.
    On any error or Ctrl-C the folder is back at its last commit, the model file (which
    may be uncommitted) as the user had it."""
    from generator import diagram, rename, resources
    from generator.gitutil import git
    from generator.update import Summary, project_status, summarise

    path = project.path
    done = f"the model was applied to {path}; review it with `git diff`"
    head = git("rev-parse", "HEAD", cwd=path)
    own = model_file if model_file is not None and model_file.is_relative_to(path) else None
    saved = own.read_bytes() if own is not None and own.is_file() else None
    total = Summary()
    unmerged: list[str] = []
    applied = Applied(total)
    try:
        with resources.all_or_nothing(path, done):
            if project_status(path):  # the model file, uncommitted: Copier needs a clean tree
                resources._step_commit(path, "stackgen model apply: the model file")
            for step in steps.steps:
                interrupts.start()
                current = project  # each step reads the resources recorded by the last
                if step.action == "rename":
                    renamed = rename.plan(current, step.renamed_from, step.model)
                    summary, _ = rename.apply(current, renamed)  # drawn again below
                    resources._merge(total, summary)
                    applied.migrations += list(renamed.migrations)
                    unmerged += resources._unmerged(path)
                    resources._step_commit(path, f"stackgen model apply: {step.model}")
                    continue
                if step.action == "destroy":
                    one = resources.plan_destroy(current, step.model)
                else:
                    one = resources.plan(
                        current,
                        step.model,
                        list(step.specs),
                        step.owned,
                        writers=step.writers,
                        unique=step.unique,
                    )
                if one.action == "nothing":
                    continue
                summary = resources.apply(current, one)
                resources._merge(total, summary)
                applied.notes += one.warnings
                if one.migration:
                    applied.migrations.append(one.migration)
                unmerged += resources._unmerged(path)
                resources._step_commit(path, f"stackgen model apply: {step.model}")
            interrupts.start()
            applied.diagram = diagram.refresh(path)
            with interrupts.deferred():
                resources._leave_as_a_plain_update(path, head, unmerged)
                interrupts.reached(done)
    except BaseException:
        if own is not None:
            with interrupts.deferred():
                if saved is None:
                    own.unlink(missing_ok=True)
                else:
                    own.write_bytes(saved)
        raise
    final = summarise(path)
    mine = own.relative_to(path).as_posix() if own is not None else ""
    final.added = [n for n in final.added if n not in total.conflicted and n != mine]
    final.updated = [n for n in final.updated if n not in total.conflicted and n != mine]
    final.kept, final.conflicted = total.kept, total.conflicted
    final.ignored_clashes = total.ignored_clashes
    applied.summary = final
    return applied
