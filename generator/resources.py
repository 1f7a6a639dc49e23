"""A project's own resources: each one an application of the resource template.

``stackgen generate resource Workout name:string ...`` renders the framework's
resource template (copier.yml with ``kind: resource``) into the project with
its own answers file, ``.copier-answers.resource-workout.yml``, which records
the fields and the migrations. Everything later goes through Copier's
three-way merge of that answers file, so the user's edits are kept:
regenerating with other fields, ``stackgen update`` (a newer template
version), and ``stackgen destroy resource`` (``resource.destroyed``: the
template renders nothing, and the record stays).

Migrations are written here, once each, and never rewritten: they belong to
the project's history, not to the template. Each framework has its writer
(``MIGRATION_WRITERS``), called as ``write(project_path, before, after)`` with
the recorded resources before and after the change (None: none before, or
none after) and returning the new migration's path and text.

Everything returns data; nothing here prints.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from generator import access, django_migrations, fields, interrupts, merge, sharing, store
from generator.answers import check_answers
from generator.errors import StackgenError, from_copier
from generator.gitutil import git
from generator.project import Project, read_answers
from generator.update import (
    Summary,
    ignored_among,
    project_status,
    renderings,
    roll_back,
    summarise,
)
from generator.update import update as copier_update

ANSWERS_PREFIX = ".copier-answers.resource-"
SUPPORTED = ("flask-api", "django-mtv")
FLASK_MIGRATIONS = "migrations/versions"
REVISION = re.compile(r'^revision\s*=\s*"([0-9a-z_]+)"', re.M)
DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.+)$", re.M)
# What a resource's answers file holds besides the starter's answers.
RESOURCE_KEYS = ("kind", "resource", "migrations")
# What ``recorded`` adds to a resource's dict; not in its answers file.
DERIVED_KEYS = ("names", "answers_file", "migrations", "backfilled")
# What a resource's dict holds besides its fields: the rest is derived from the model name.
NAME_KEYS = ("singular", "plural", "url", "label", "label_plural")
# The identity of the commits that keep one step of a multi-step command apart (never kept).
STEP_ENV = {
    "GIT_AUTHOR_NAME": "stackgen",
    "GIT_AUTHOR_EMAIL": "update-step@stackgen.invalid",
    "GIT_COMMITTER_NAME": "stackgen",
    "GIT_COMMITTER_EMAIL": "update-step@stackgen.invalid",
}


@dataclass
class Plan:
    """What a command does to one resource: its answers, files and migration."""

    model: str
    answers_file: str
    before: dict[str, Any] | None  # the resource as recorded (None: new, or destroyed)
    after: dict[str, Any] | None  # as it will be (None: destroyed)
    data: dict[str, Any] = field(default_factory=dict)  # the answers to apply
    migration: str = ""
    migration_text: str = ""
    changes: list[str] = field(default_factory=list)  # the columns, one line each
    files: dict[str, list[str]] = field(default_factory=dict)  # create/update/remove
    edited: list[str] = field(default_factory=list)  # destroy: the user's, kept
    warnings: list[str] = field(default_factory=list)
    unchanged: bool = False  # the same fields again
    # A new resource's files as its template renders them (its answers file included),
    # written as they are by ``apply``: one rendering, not one to plan and one to write.
    rendering: dict[str, merge.Entry] = field(default_factory=dict)

    @property
    def action(self) -> str:
        if self.unchanged:
            return "nothing"
        if self.after is None:
            return "destroy"
        if self.before is None:
            return "create"
        return "change"


def answers_file(model: str) -> str:
    return f"{ANSWERS_PREFIX}{fields.names(model).singular.replace('_', '-')}.yml"


def recorded(path: Path) -> dict[str, dict[str, Any]]:
    """The project's resources by model name: what each answers file records."""
    found: dict[str, dict[str, Any]] = {}
    for file in sorted(path.glob(ANSWERS_PREFIX + "*.yml")):
        data = read_answers(path, file.name)
        resource = data.get("resource")
        if not isinstance(resource, dict) or not isinstance(resource.get("model"), str):
            raise StackgenError(f"{file.name} does not record a resource")
        check_recorded(file.name, resource)
        found[resource["model"]] = {
            **resource,
            "names": fields.names(resource["model"]),
            "answers_file": file.name,
            "migrations": data.get("migrations") or [],
        }
    for model in access.complete_recorded(found):
        found[model]["backfilled"] = True  # its answers file lacks who writes it
    for info in found.values():
        if "constraints" not in info:  # made before the database kept the fields' rules
            info["constraints"] = False
            info["backfilled"] = True
    return found


def check_recorded(name: str, resource: dict[str, Any]) -> None:
    """Refuse a recorded resource that the command line could not have made.

    Its answers file is as untrusted as the project's (a clone, a pull
    request), and what it records is written into Python code: its names
    must be its model's, and each field must read back as it was parsed.
    """
    model = resource["model"]
    wrong = f"{name} does not record a resource stackgen could have made"
    if not fields.RESOURCE_NAME.fullmatch(model) or name != answers_file(model):
        raise StackgenError(f"{wrong}: its model name")
    made = fields.names(model)
    if any(resource.get(key) != getattr(made, key) for key in NAME_KEYS):
        raise StackgenError(f"{wrong}: its table and URL names are not {model}'s")
    for key in ("owned", "destroyed", "constraints", "owner_index"):
        if not isinstance(resource.get(key, False), bool):
            raise StackgenError(f"{wrong}: {key} must be true or false")
    why = access.check(resource)
    if why:
        raise StackgenError(f"{wrong}: {why}")
    items = resource.get("fields")
    if not isinstance(items, list) or not items:
        raise StackgenError(f"{wrong}: its fields")
    for item in items:
        try:
            related = item.get("type") in ("references", "many")
            target = item.get("target") if related else None
            if target and not fields.RESOURCE_NAME.fullmatch(target):
                raise fields.FieldError(target)
            known = {target: {"names": fields.names(target)}} if target else {}
            again = fields.parse_field(fields.spec_of(item), known)
            if target and item.get("type") == "references":
                fields.related(again, made)
            if again != {k: v for k, v in item.items() if k not in fields.OF_THE_TARGET}:
                raise fields.FieldError(str(item.get("name")))
        except (fields.FieldError, AttributeError, KeyError, TypeError):
            shown = item.get("name") if isinstance(item, dict) else item
            raise StackgenError(f"{wrong}: its field {str(shown)[:40]!r}") from None
    groups = resource.get("unique")
    if groups is not None:
        try:
            texts = [",".join(group) for group in groups]
            if not groups or fields.parse_unique(texts, items, model) != groups:
                raise fields.FieldError(model)
        except (fields.FieldError, TypeError):
            raise StackgenError(f"{wrong}: its fields unique together") from None
    for step in resource.get("setup") or []:
        if not isinstance(step, dict) or not fields.RESOURCE_NAME.fullmatch(str(step.get("model"))):
            raise StackgenError(f"{wrong}: the rows its tests make")
        step_names = fields.names(step["model"])
        refs = step.get("refs")
        if (
            (step.get("singular"), step.get("table"), step.get("url"))
            != (step_names.singular, step_names.plural, step_names.url)
            or not isinstance(refs, dict)
            or not all(
                fields.FIELD_NAME.fullmatch(str(column)) and fields.RESOURCE_NAME.fullmatch(str(m))
                for column, m in refs.items()
            )
        ):
            raise StackgenError(f"{wrong}: the rows its tests make")


def made_before(path: Path, template: str = "flask-api") -> tuple[list[str], list[str]]:
    """The live resources recorded before this version's rules, read once: those every
    signed-in user writes (shared, before writers were recorded; until regenerated with
    ``--writers staff``), and those whose rules the database does not keep yet (a
    regenerate adds the CHECK constraints, and a Flask owned table's (owner_id, id) index,
    with their migration)."""
    found = fields.live(recorded(path))
    opened = [
        model
        for model, info in found.items()
        if info.get("backfilled") and info["writers"] == "users"
    ]
    unchecked = [
        model
        for model, info in found.items()
        if info.get("constraints") is False
        or (template == "flask-api" and info.get("owned") and not info.get("owner_index"))
    ]
    return opened, unchecked


def describe(path: Path) -> list[dict[str, Any]]:
    """Each resource with its fields (as typed), URL, files and migrations."""
    django = read_answers(path).get("framework") == "django-mtv"  # pages, not /api/
    listing = []
    for model, info in recorded(path).items():
        made = info["names"]
        listing.append(
            {
                "model": model,
                "url": f"/{made.url}/" if django else f"/api/{made.url}",
                "owned": bool(info.get("owned")),
                "scope": info.get("scope") or "",
                "writers": info["writers"],
                "destroyed": bool(info.get("destroyed")),
                "fields": [fields.spec_of(f) for f in info.get("fields") or []],
                "unique": [",".join(group) for group in info.get("unique") or []],
                "answers_file": info["answers_file"],
                "migrations": info["migrations"],
            }
        )
    return listing


def check_supported(project: Project) -> None:
    if project.template not in SUPPORTED:
        raise StackgenError(
            f"resources are not supported for {project.template} projects yet "
            f"(only {', '.join(SUPPORTED)}); nothing was changed"
        )


def resource_project(project: Project, model: str) -> Project:
    """The resource ``model`` as Copier sees it: a project of its own answers file.

    Its answers are read as the project's are (``project.load``): a safe source and
    version, and every starter answer through copier.yml's rules, so a resource's file
    cannot hand Copier a package name such as ``../../evil``.
    """
    name = answers_file(model)
    answers = read_answers(project.path, name)
    starter = {k: v for k, v in answers.items() if k not in RESOURCE_KEYS or k == "kind"}
    try:
        check_answers(starter, project.questions)
    except StackgenError as error:
        raise StackgenError(f"{name}: {error}") from None
    return Project(project.path, answers, project.questions, name)


def check_all(project: Project) -> None:
    """Read every resource's answers file as a command that changes it would (``check``)."""
    if project.template in SUPPORTED:
        for model in recorded(project.path):
            resource_project(project, model)


def _stored(info: dict[str, Any]) -> dict[str, Any]:
    """A recorded resource as its answers file holds it (without what ``recorded`` adds)."""
    return {k: v for k, v in info.items() if k not in DERIVED_KEYS}


# Planning: pure decisions from the recorded resources and the command line.


@sharing.shared()
def plan(
    project: Project,
    model: str,
    specs: list[str],
    owned: bool,
    preview: bool = False,
    writers: str | None = None,
    retargeted: dict[str, str] | None = None,
    unique: tuple[str, ...] = (),
) -> Plan:
    """Check the name and the fields; what ``generate`` would do (with ``preview``, which
    files a change would update, for ``--pretend``). ``writers``: ``--writers``, for a
    shared resource (None: as recorded, else staff). ``retargeted``: tables ``rename``
    renamed, old to new (fields.resolve_renames). ``unique``: each ``--unique a,b``,
    stated whole as the fields are (a regenerate without it drops the recorded ones).

    A new resource is created; one the project has is regenerated with the
    new fields (a three-way merge and a migration of just the change); a
    destroyed one comes back.
    """
    check_supported(project)
    existing = recorded(project.path)
    others = {m: info for m, info in fields.live(existing).items() if m != model}
    before = existing.get(model)
    if before is not None and before.get("destroyed"):
        before = None
    if before is None:
        taken = set(others) | _project_models(project)
        made = fields.check_resource_name(model, taken)
        folder = project.path / project.slug / "resources" / made.plural
        if model not in existing and folder.exists():
            raise fields.FieldError(
                f'resource name "{model}": {project.slug}/resources/{made.plural} exists already'
            )
    else:
        made = before["names"]
        models = f"{project.slug}/resources/{made.plural}/models.py"
        if not (project.path / models).is_file():
            raise StackgenError(
                f"{model}'s model file {models} is gone, so a regenerate would migrate a model "
                f"that no longer exists: restore it from git (git checkout <commit> -- "
                f"{project.slug}/resources/{made.plural}), or `stackgen destroy resource "
                f"{model}` then generate it again (nothing was changed)"
            )
        if owned and not before.get("owned"):
            raise StackgenError(
                f"{model} is not owned; making its rows belong to users is not supported "
                "(nothing was changed)"
            )
        owned = bool(before.get("owned"))
    parsed = fields.parse_fields(specs, others, made)
    parsed = fields.resolve_renames(before["fields"] if before else None, parsed, retargeted)
    if before is not None and retargeted:
        parsed = fields.follow_retargets(before["fields"], parsed, retargeted)
    if before is not None and not retargeted:  # a rename moves references with their rows
        check_targets_kept(before["fields"], parsed)
    groups = fields.parse_unique(list(unique), parsed, model)
    fields.check_reverse_names(made, parsed, others, _referrers(model, others))
    if project.template == "django-mtv":
        packages = {p.name for p in project.path.iterdir() if p.is_dir()} | {project.slug}
        fields.check_django_names(made, parsed, others, packages)
    resource = {
        "model": model,
        **{key: getattr(made, key) for key in NAME_KEYS},
        "owned": owned,
        "fields": parsed,
        # The database checks min=, max= and choices (CHECK constraints); a resource
        # recorded before gets them when regenerated.
        "constraints": _constraints(project, model, before),
    }
    if groups:  # the fields whose values together are no other row's (``--unique a,b``)
        resource["unique"] = groups
    if owned and project.template == "flask-api":  # its table indexes (owner_id, id)
        resource["owner_index"] = _constraints(project, model, before, "owner_index")
    _link(resource, others)
    access.decide(resource, others, writers, before.get("writers") if before else None)
    old = _stored(before) if before is not None else None
    result = Plan(model, answers_file(model), old, resource)
    if old is not None and old == resource:
        result.unchanged = True
        return result
    result.migration, result.migration_text = write_migration(project, old, resource)
    if old is not None:
        table = _as_database(old)
        assert table is not None
        result.changes = fields.describe_changes(fields.changes(table["fields"], parsed))
        result.changes += fields.describe_unique(table.get("unique") or [], groups)
    result.warnings = row_warnings(
        old,
        resource,
        fills_rows=project.template == "django-mtv",
        table=table_name(project.template, resource),
    )
    migrations = (existing[model]["migrations"] if model in existing else []) + (
        [result.migration] if result.migration else []
    )
    resource["fields"] = fields.settled(parsed)  # a rename is done once, by its migration
    result.data = {"resource": resource, "migrations": migrations}
    if model in existing:
        if preview:
            result.files = _file_changes(resource_project(project, model), result.data)
    else:
        data = {**_starter_answers(project), "kind": "resource", **result.data}
        result.data = data
        result.rendering = _rendering_of(project, data, result.answers_file)
        result.files = {
            "create": sorted(name for name in result.rendering if name != result.answers_file)
        }
        clash = [name for name in result.files["create"] if (project.path / name).exists()]
        if clash:
            raise StackgenError(
                f"{clash[0]} exists already; move it away or commit it elsewhere "
                "(nothing was changed)"
            )
    return result


def check_targets_kept(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    """Refuse a reference whose ``to=`` changes: its ids would name rows of another table.
    Dropping it in one regenerate and adding it in the next says what happens to them."""
    old = {f["name"]: f for f in before if f["type"] == "references"}
    for item in after:
        was = old.get(item["name"])
        if item["type"] == "references" and was is not None and was["target"] != item["target"]:
            raise fields.FieldError(
                f'field "{item["name"]}" references {was["target"]}; a reference cannot change '
                f"its target (its ids name {was['target']} rows): drop the field, then add it "
                f"with to={item['target']} (nothing was changed)"
            )


def _constraints(
    project: Project, model: str, before: dict[str, Any] | None, key: str = "constraints"
) -> bool:
    """Whether the database keeps the fields' rules (CHECK constraints; ``key``
    "owner_index": an owned table's index on (owner_id, id)).

    A new resource: yes. One recorded before they were takes them when it is
    regenerated at this stackgen's templates (after ``stackgen update``): the
    templates of an older recorded version would not write them into its model.
    """
    if before is None or before.get(key):
        return True
    if project.store is None:
        return False
    _, installed = store.ensure_version(store=project.store)
    return resource_project(project, model).version == installed


@sharing.shared()
def plan_destroy(project: Project, model: str, preview: bool = False) -> Plan:
    """What ``destroy resource`` would do; refused while another resource references it
    (with ``preview``, which files it would remove and which of those you changed)."""
    check_supported(project)
    existing = recorded(project.path)
    info = fields.live(existing).get(model)
    if info is None:
        known = ", ".join(sorted(fields.live(existing))) or "none"
        state = "was destroyed already" if model in existing else "is not a resource of it"
        raise StackgenError(f"{model} {state} (the project's resources: {known})")
    for other, theirs in sorted(fields.live(existing).items()):
        for item in theirs.get("fields") or [] if other != model else []:
            if item.get("type") in ("references", "many") and item.get("target") == model:
                verb = "references" if item["type"] == "references" else "relates to"
                raise StackgenError(
                    f"{other} {verb} {model} (its field {item['name']}): destroy {other} "
                    f"first, or regenerate it without that field (nothing was changed)"
                )
    old = _stored(info)
    result = Plan(model, info["answers_file"], old, None)
    result.migration, result.migration_text = write_migration(project, old, None)
    result.warnings = [
        f"applying {result.migration} (`{MIGRATE_COMMANDS[project.template]}`) drops the "
        f"table {table_name(project.template, old)}: every row in it is deleted"
    ]
    result.data = {
        "resource": {**old, "destroyed": True},
        "migrations": [*info["migrations"], result.migration],
    }
    if preview:
        rp = resource_project(project, model)
        result.files = _file_changes(rp, result.data)
        result.edited = _edited(rp, result.files.get("remove", []))
    return result


def _referrers(
    model: str, others: dict[str, dict[str, Any]]
) -> list[tuple[fields.Names, str, str]]:
    """The resources that reference ``model`` (or relate to it, many), each with its names,
    the field that does, and the name ``model`` lists them by (``fields.reverse_name``; a
    many relation's is the plural)."""
    return [
        (
            info["names"],
            item["name"],
            fields.reverse_name(item, info["names"])
            if item["type"] == "references"
            else info["names"].plural,
        )
        for _, info in sorted(others.items())
        for item in info.get("fields") or []
        if item.get("type") in ("references", "many") and item.get("target") == model
    ]


def _link(resource: dict[str, Any], others: dict[str, dict[str, Any]]) -> None:
    """Fill in what the resource's references need: each target's ownership, and the rows
    its tests make first (every resource it reaches, parents before children)."""
    setup: list[dict[str, Any]] = []

    def visit(model: str) -> None:
        if any(step["model"] == model for step in setup):
            return
        if model == resource["model"]:
            raise fields.FieldError(
                f"{resource['model']} cannot reference a resource that references it back"
            )
        info = others[model]
        # Its references to itself are optional (left empty); User rows are the test's user.
        refs = [
            f
            for f in info.get("fields") or []
            if f["type"] == "references" and f["target"] != model
        ]
        for ref in refs:
            if ref["target"] != fields.USER:
                visit(ref["target"])
        setup.append(
            {
                "model": model,
                "singular": info["names"].singular,
                "table": info["names"].plural,
                "url": info["names"].url,
                "refs": {f"{ref['name']}_id": ref["target"] for ref in refs},
            }
        )

    for item in resource["fields"]:
        if item["type"] == "many":  # its tests make a row to relate to, the user's if private
            item["target_owned"] = bool(others[item["target"]].get("owned"))
            item["target_private"] = access.private(others[item["target"]])
            visit(item["target"])
            continue
        if item["type"] != "references":
            continue
        if item["target"] == resource["model"]:  # the user's own rows when owned
            item["target_owned"] = bool(resource.get("owned"))
        elif item["target"] == fields.USER:
            item["target_owned"] = False
        else:
            item["target_owned"] = bool(others[item["target"]].get("owned"))
            visit(item["target"])
        fields.related(item, fields.names(resource["model"]))
    if setup:
        resource["setup"] = setup


def table_name(template: str, resource: dict[str, Any]) -> str:
    """The resource's table in the database: Django prefixes the model with its app label
    (``body_measurements_bodymeasurement``); Flask's is the plural."""
    if template == "django-mtv":
        return f"{resource['plural']}_{resource['model'].lower()}"
    return str(resource["plural"])


def row_warnings(
    before: dict[str, Any] | None,
    after: dict[str, Any],
    fills_rows: bool,
    table: str | None = None,
) -> list[str]:
    """What the new migration does to, or cannot do on, a table that has rows.

    ``fills_rows``: the framework's migration gives the rows a one-off value for a
    required field added without a default (Django's makemigrations asks for one;
    Alembic has none to give). ``table``: the table's name (default: the plural).
    """
    if before is None:
        return []
    table = table or str(after.get("plural"))
    added = fields.changes(before["fields"], after["fields"])
    lines = []
    for old, new in added["altered"]:
        name = fields.column_name(new)
        if old.get("optional") and not new.get("optional"):
            lines.append(
                f"{name} becomes required: the migration fails on a table with rows where it "
                f"is empty; fill them in first (UPDATE {table} SET {name} = ... WHERE {name} "
                "IS NULL), or keep it optional"
            )
    for f in added["added"]:
        name = fields.column_name(f)
        if f.get("optional") or f["type"] == "many":  # a many field starts as empty sets
            continue
        if f.get("unique"):
            lines.append(
                f"{name} is required and unique: the rows a table has would all take one "
                "value, so the migration fails with two rows or more (add it optional, fill "
                "it in, then make it required)"
            )
        elif "default" in f:
            continue
        elif fills_rows:
            lines.append(
                f"{name} is required and has no default: the rows a table has take a one-off "
                "value in the migration (empty, zero, false, now; change them as you need)"
            )
        else:
            lines.append(
                f"{name} is required and has no default: the migration fails on a table "
                "that has rows (make it optional, or give it default=)"
            )
    columns = {f["name"]: fields.column_name(f) for f in after["fields"]}
    lines += [
        f"{', '.join(columns[name] for name in group)} become unique together: the migration "
        "fails on a table where two rows have the same values"
        for group in after.get("unique") or []
        if group not in (before.get("unique") or [])
    ]
    lines += [
        f"{fields.column_name(f)} is dropped with its values (to keep them under another "
        f"name, give the new field renamed_from={f['name']})"
        if f["type"] != "many"
        else f"{f['name']} is dropped with the rows it relates (its join table)"
        for f in added["dropped"]
    ]
    return lines


def _project_models(project: Project) -> set[str]:
    """Class names of the project's own models (each package's models.py), so a resource
    takes none."""
    found: set[str] = set()
    for models in project.path.glob("*/models.py"):
        found |= set(re.findall(r"^class (\w+)\(", models.read_text(), re.M))
    return found


def _starter_answers(project: Project) -> dict[str, Any]:
    return {k: v for k, v in project.answers.items() if not k.startswith("_")}


# Rendering, for --pretend and for the checks before anything is written.


@sharing.shared()
def _render(project: Project, data: dict[str, Any], into: Path, answers: str) -> None:
    import copier

    with from_copier("nothing was changed"):
        copier.run_copy(
            _source(project),
            into,
            data=data,
            answers_file=answers,
            defaults=True,
            overwrite=True,
            vcs_ref=project.version,
            quiet=True,
            unsafe=False,
        )


def _rendering_of(project: Project, data: dict[str, Any], answers: str) -> dict[str, merge.Entry]:
    """Each file the template renders with ``data``, ``answers`` included, as ``merge`` reads it."""
    with tempfile.TemporaryDirectory() as scratch:
        into = Path(scratch) / "resource"
        _render(project, data, into, answers)
        return merge.read_tree(into)


def _rendering(project: Project, data: dict[str, Any], answers: str) -> dict[str, str]:
    """Each file the template renders with ``data``, with its text."""
    with tempfile.TemporaryDirectory() as scratch:
        into = Path(scratch) / "resource"
        _render(project, data, into, answers)
        return {
            p.relative_to(into).as_posix(): p.read_text()
            for p in into.rglob("*")
            if p.is_file() and p.name != answers
        }


def _file_changes(rp: Project, data: dict[str, Any]) -> dict[str, list[str]]:
    """Which files the resource's new answers create, update and remove (before merging)."""
    recorded_answers = _starter_answers(rp)
    old = _rendering(rp, recorded_answers, rp.answers_file)
    new = _rendering(rp, {**recorded_answers, **data}, rp.answers_file)
    return {
        "create": sorted(set(new) - set(old)),
        "update": sorted(name for name in set(new) & set(old) if new[name] != old[name]),
        "remove": sorted(set(old) - set(new)),
    }


def _edited(rp: Project, names: list[str]) -> list[str]:
    """Those of ``names`` the user changed since the resource's template wrote them."""
    pristine = _rendering(rp, _starter_answers(rp), rp.answers_file)
    return [
        name
        for name in names
        if not (rp.path / name).is_file() or (rp.path / name).read_text() != pristine.get(name)
    ]


def _source(project: Project) -> str:
    where = project.store
    if where is not None and not where.exists():
        store.ensure_version(store=where)
    return project.src


# Migrations: one writer per framework, (project_path, before, after) -> (path, text).


def heads(path: Path) -> list[str]:
    """The Alembic revisions no other revision revises: where a new one chains on."""
    revisions, parents = set(), set()
    for file in (path / FLASK_MIGRATIONS).glob("*.py"):
        text = file.read_text()
        found = REVISION.search(text)
        if not found:
            continue
        revisions.add(found[1])
        down = DOWN_REVISION.search(text)
        if down:
            parents.update(re.findall(r'"([0-9a-z_]+)"', down[1]))
    return sorted(revisions - parents)


def flask_migration(
    path: Path,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    renamed: bool = False,
) -> tuple[str, str]:
    """An Alembic migration chained on the head: create, drop or change the table
    (``renamed``: rename it, ``before`` and ``after`` the resource's two names)."""
    import jinja2

    found = heads(path)
    if len(found) > 1:
        raise StackgenError(
            f"the migrations have several heads ({', '.join(found)}): merge them first "
            "(`flask db merge heads`), commit, and run again (nothing was changed)"
        )
    resource = after or before
    assert resource is not None
    table = resource["plural"]
    before, after = _as_database(before), _as_database(after)
    change = fields.changes(before["fields"], after["fields"]) if before and after else None
    indexed = before is not None and after is not None and owner_index(after) > owner_index(before)
    old_groups = (before or {}).get("unique") or []
    new_groups = (after or {}).get("unique") or []
    unique_added = [g for g in new_groups if g not in old_groups]
    unique_dropped = [g for g in old_groups if g not in new_groups]
    regrouped = bool(before and after and (unique_added or unique_dropped))
    unchanged = change is not None and not any(change.values())
    if unchanged and not indexed and not regrouped and not renamed:
        return "", ""  # what changed lives in the code (a default): no column or CHECK
    if renamed:
        assert before is not None and after is not None
        slug = f"rename_the_{before['plural']}_table"
        message = f"Rename the {before['plural']} table to {table}, with its rows."
    elif before is None:
        slug, message = f"create_the_{table}_table", f"Create the {table} table: "
        message += f"{resource['label_plural']}."
    elif after is None:
        slug, message = f"drop_the_{table}_table", f"Drop the {table} table and its rows."
    else:
        assert change is not None
        slug = f"change_the_{table}_table"
        done = fields.describe_changes(change) + (["index its rows by owner"] if indexed else [])
        done += fields.describe_unique(old_groups, new_groups)
        message = f"Change the {table} table: " + "; ".join(done) + "."
    revision = _revision(path, found, before, after)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(store.packaged_templates())),
        keep_trailing_newline=True,
        bytecode_cache=sharing.bytecode_cache(),
    )
    template = env.get_template("templates/shared/resource/flask_migration.py.jinja")
    text = template.render(
        renamed=renamed,
        before=before,
        after=after,
        indexed=indexed,
        unique_added=unique_added,
        unique_dropped=unique_dropped,
        changes=change,
        undo=fields.undo(change) if change else None,
        revision=revision,
        down_revision=found[0] if found else None,
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        message=message,
    )
    return f"{FLASK_MIGRATIONS}/{revision}_{slug}.py", text


def owner_index(resource: dict[str, Any] | None) -> bool:
    """Whether the table indexes its rows by (owner_id, id), which pages a user's list: an
    owned one recorded since the index exists (``owner_index``), or regenerated since."""
    return bool(resource and resource.get("owned") and resource.get("owner_index"))


def _as_database(resource: dict[str, Any] | None) -> dict[str, Any] | None:
    """The resource as its table has it: a resource recorded before CHECK constraints has
    none (its fields ``unchecked``)."""
    if resource is None or resource.get("constraints"):
        return resource
    return {**resource, "fields": [{**f, "unchecked": True} for f in resource["fields"]]}


def _revision(
    path: Path, found: list[str], before: dict[str, Any] | None, after: dict[str, Any] | None
) -> str:
    """The new Alembic revision's id, derived from the project's HEAD, the head it chains
    on and the change: ``--pretend`` names the very migration the real run writes, and
    a change made again from the same commit is the same migration. Outside a git
    repository (``new``'s staging folder) it is random."""
    commit = git("rev-parse", "-q", "--verify", "HEAD", cwd=path, check=False)
    if not commit:
        return secrets.token_hex(6)
    plan = json.dumps([commit, found, before, after], sort_keys=True, default=str)
    return hashlib.sha256(plan.encode()).hexdigest()[:12]


def django_migration(
    path: Path, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[str, str]:
    """The Django resource's next migration, in its own app (generator/django_migrations.py)."""
    resource = after if after is not None else before
    assert resource is not None
    return django_migrations.write(path, resource["plural"], before, after)


MIGRATION_WRITERS: dict[str, Callable[..., tuple[str, str]]] = {
    "flask-api": flask_migration,
    "django-mtv": django_migration,
}
MIGRATE_COMMANDS = {"flask-api": "flask db upgrade", "django-mtv": "python manage.py migrate"}
# The typed TypeScript client (typescript_client) is generated from the app's OpenAPI
# document: a resource's change leaves it stale until this runs again.
CLIENT_COMMAND = "cd clients/typescript && npm ci && npm run generate"


def client_note(answers: Mapping[str, Any]) -> str | None:
    """What to run after the API changed, in a project whose answers include the client."""
    if answers.get("typescript_client") is not True:
        return None
    return (
        f"The API changed: regenerate the TypeScript client with `{CLIENT_COMMAND}` "
        "(the project's CI fails while it is stale)."
    )


def write_migration(
    project: Project, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[str, str]:
    """The migration for a change, or ("", "") when the database stays as it is (each
    framework's writer knows: Django's migrations record defaults too, Alembic's do not)."""
    try:
        return MIGRATION_WRITERS[project.template](project.path, before, after)
    except django_migrations.NothingToMigrate:
        return "", ""


# Starting with resources: ``stackgen new ... --resource "Workout name:string ..."``.


class Option(NamedTuple):
    """One resource a new project starts with (``--resource``), as checked."""

    model: str
    specs: tuple[str, ...]
    owned: bool = False
    writers: str | None = None  # --writers=staff|users, for a shared resource
    unique: tuple[str, ...] = ()  # each --unique=a,b


def parse_option(text: str) -> Option:
    """One ``--resource`` value: the model, its fields, ``--owned``, ``--writers=W`` and
    ``--unique=a,b`` (repeatable)."""
    words = text.split()
    owned = "--owned" in words
    if words.count("--owned") > 1:
        raise fields.FieldError(f'resource "{text[:60]}": --owned is given twice')
    flags = [word for word in words if word.startswith("--writers=")]
    writers = flags[-1].partition("=")[2] if flags else None
    unique = tuple(word.partition("=")[2] for word in words if word.startswith("--unique="))
    words = [
        word
        for word in words
        if word != "--owned" and word not in flags and not word.startswith("--unique=")
    ]
    if len(words) < 2 or any(word.startswith("--") for word in words) or len(flags) > 1:
        raise fields.FieldError(
            f'resource "{text[:60]}": give its name and fields, as "Workout name:string '
            'duration_minutes:integer" (add --owned for rows that belong to users, '
            "--writers=users to let every user write a shared one)"
        )
    return Option(words[0], tuple(words[1:]), owned, writers, unique)


def check_options(texts: list[str], template: str) -> list[Option]:
    """Every ``--resource`` of a new project, checked together before anything is made.

    Each may reference those before it.
    """
    if texts and template not in SUPPORTED:
        raise StackgenError(
            f"resources are not supported for {template} projects yet (only {', '.join(SUPPORTED)})"
        )
    known: dict[str, dict[str, Any]] = {}
    options = []
    for text in texts:
        option = parse_option(text)
        made = fields.check_resource_name(option.model, set(known))
        parsed = fields.parse_fields(list(option.specs), known, made)
        fields.parse_unique(list(option.unique), parsed, option.model)
        fields.check_reverse_names(made, parsed, known, [])
        if template == "django-mtv":
            fields.check_django_names(made, parsed, known, set())
        info = {"model": option.model, "names": made, "owned": option.owned, "fields": parsed}
        access.decide(info, known, option.writers)
        known[option.model] = info
        options.append(option)
    return options


@sharing.shared()
def add_all(path: Path, options: tuple[Option, ...]) -> None:
    """Generate each resource into a project that is being made (``new``'s staging folder)."""
    from generator.project import load

    for option in options:
        project = load(path)
        result = plan(
            project,
            option.model,
            list(option.specs),
            option.owned,
            writers=option.writers,
            unique=option.unique,
        )
        merge.write_new(path, result.rendering)
        target = path / result.migration
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(result.migration_text)


# Applying: the project is clean and locked; all of it or none of it.


@contextmanager
def all_or_nothing(path: Path, done: str, only: list[str] | None = None) -> Iterator[None]:
    """Roll the project's folder back to the commit it was at unless the body reaches ``done``.

    The body ends with ``interrupts.reached(done)`` inside a deferred block.
    A step in between may move HEAD (``step_commit``): going back moves it back.
    ``only``: the files the body creates, on a tree that holds other uncommitted
    resources (``pending``): going back removes just those, and keeps the others.
    """
    head = git("rev-parse", "HEAD", cwd=path)
    try:
        yield
    except BaseException:
        if interrupts.outcome() != done:
            with interrupts.deferred():
                if only is not None:
                    merge.remove(path, only)
                else:
                    if git("rev-parse", "HEAD", cwd=path) != head:
                        # Mixed: a soft reset is refused while a merge left conflicts in the index.
                        git("reset", "-q", head, cwd=path)
                    roll_back(path)
                interrupts.reached(interrupts.NOTHING_CHANGED)
        raise


def importers(project: Project, plural: str) -> list[str]:
    """The project's Python files that still import the package of the resource ``plural``.

    After a destroy, these are the files it could not remove: one the resource brought and
    the user renamed (git tells no template which), or the user's own. Each would fail to
    import; the user is told which, rather than finding out from the tests.
    """
    package = re.compile(
        rf"^\s*(?:from|import)\s+(?:{re.escape(project.slug)}\.resources\.{plural}"
        rf"|\.\.{plural})\b",
        re.MULTILINE,
    )
    listing = git(
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        "--",
        "*.py",
        cwd=project.path,
        strip=False,
    )
    found = []
    for name in sorted(filter(None, listing.split("\0"))):
        file = project.path / name
        try:
            text = file.read_text(errors="replace") if file.is_file() else ""
        except OSError:
            continue
        if package.search(text):
            found.append(name)
    return found


def pending(project: Project) -> dict[str, set[str]]:
    """The resources an earlier ``generate`` added and nobody committed yet, each with its
    files: its answers file (untracked), what its template renders, and its migrations.

    A new resource may be generated beside them (one commit for several resources); a
    regenerate, a three-way merge, still needs a clean tree.
    """
    untracked = {name for code, name in project_status(project.path) if code == "??"}
    found: dict[str, set[str]] = {}
    if project.template not in SUPPORTED:
        return found
    for model, info in recorded(project.path).items():
        if info["answers_file"] not in untracked or info.get("destroyed"):
            continue
        rp = resource_project(project, model)
        files = set(_rendering(rp, _starter_answers(rp), rp.answers_file))
        found[model] = files | {info["answers_file"], *info["migrations"]}
    return found


def _write_migration(path: Path, result: Plan, done: str) -> None:
    with interrupts.deferred():
        if result.migration:
            target = path / result.migration
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(result.migration_text)
        interrupts.reached(done)


@sharing.shared()
def apply(project: Project, result: Plan) -> Summary:
    """Write the plan into the (clean, or holding only ``pending`` resources for a new one,
    and locked) project; return what changed.

    A new resource is a Copier copy with its own answers file; anything else
    is a Copier update of that answers file at its recorded version (the
    user's edits merged, conflicts marked), then the new migration.
    """
    path = project.path
    done = {
        "create": f"the resource {result.model} was added to {path}",
        "change": f"the resource {result.model} was regenerated in {path}",
        "destroy": f"the resource {result.model} was destroyed in {path}",
    }[result.action]
    copied = not (path / result.answers_file).exists()
    created = [*result.files.get("create", []), result.answers_file, result.migration]
    beside = bool(project_status(path))  # other resources' files, not committed (``pending``)
    with all_or_nothing(path, done, [name for name in created if name] if beside else None):
        if not copied:
            rp = resource_project(project, result.model)
            _, _, summary = copier_update(rp, rp.version, result.data, defaults=True)
        else:
            if result.rendering:  # rendered by ``plan``: written as it is
                merge.write_new(path, result.rendering)
            else:
                _render(project, result.data, path, result.answers_file)
            summary = Summary()
        _write_migration(path, result, done)
    final = summarise(path)
    if copied:  # what this copy created, not the earlier resources' files beside it
        final.added = [name for name in final.added if name in created]
    final.kept, final.conflicted = summary.kept, summary.conflicted
    final.ignored_clashes = summary.ignored_clashes
    final.updated = [name for name in final.updated if name not in final.conflicted]
    return final


@sharing.shared()
def update_all(
    project: Project, version: str, data: dict[str, Any], defaults: bool
) -> tuple[str, Summary, list[str]]:
    """``stackgen update``, ``add`` and ``remove``: the project's own files and every recorded
    resource to ``version`` and to the starter's answers changed by ``data``.

    A resource renders from the starter's answers too (Django's API router
    exists only with ``api``), so its answers file follows theirs. Every
    resource is rendered first, old and new, from one checkout per version
    (``sharing``), and checked (``update.renderings``): a refusal changes
    nothing. Then the starter goes through Copier's update, and the resources'
    files through one three-way merge (``merge``), conflicts marked and left
    unmerged in git's index as Copier leaves them. Returns the old version,
    what changed, and the resources updated.
    """
    path = project.path
    existing = recorded(path) if project.template in SUPPORTED else {}
    wanted = {**_starter_answers(project), **data}
    behind: dict[str, dict[str, Any]] = {}
    for model, info in existing.items():
        rp = resource_project(project, model)
        changed = {
            key: value
            for key, value in wanted.items()
            if key not in RESOURCE_KEYS and rp.answers.get(key) != value
        }
        if info.get("backfilled"):  # recorded before who writes it was: record it as it was
            changed["resource"] = _stored(info)
        if rp.version != version or changed:
            behind[model] = changed
    if not behind:
        old, _, summary = copier_update(project, version, data, defaults)
        return old, summary, []
    # Not the words the starter's own update reaches (``update.update``): stopped after
    # it, the whole of it is taken back.
    done = f"the update of {path} and its resources was applied; review it with `git diff`"
    with all_or_nothing(path, done):
        rendered = []
        for model, changed in behind.items():
            rp = resource_project(project, model)
            rendered.append(renderings(rp, version, {**_starter_answers(rp), **changed}))
        ignored = ignored_among(path, sorted({name for one in rendered for name in one.new}))
        interrupts.start()
        old, _, starter = copier_update(project, version, data, defaults)
        outcome = merge.write(path, rendered, ignored)
        with interrupts.deferred():
            merge.record_conflicts(path, outcome.stages)
            interrupts.reached(done)
    final = summarise(path)
    final.kept = outcome.kept + starter.kept
    final.conflicted = outcome.conflicted + starter.conflicted
    final.ignored_clashes = outcome.ignored_clashes + starter.ignored_clashes
    final.dependencies_changed = starter.dependencies_changed
    final.updated = [name for name in final.updated if name not in final.conflicted]
    final.added = [name for name in final.added if name not in final.conflicted]
    return old, final, list(behind)


# Several Copier updates in one command (``model apply``): each kept apart by a commit of
# ours, taken back at the end.


def _unmerged(path: Path) -> list[str]:
    """The index's conflict entries under ``path`` (``mode sha stage<TAB>name``), as Copier's
    merge left them."""
    listed = git("ls-files", "-u", "-z", "--", ".", cwd=path, strip=False)
    return [entry for entry in listed.split("\0") if entry]


def _leave_as_a_plain_update(path: Path, head: str, unmerged: list[str]) -> None:
    """Take back the step commits and leave git's index as one ``copier update`` leaves it:
    HEAD at ``head``, every change unstaged, new files untracked, and every file that could
    not be merged (the resources' and the starter's) unmerged, its three stages listed."""
    git("reset", "-q", head, cwd=path)  # mixed: the index is HEAD's, the work tree stays
    if not unmerged:
        return
    names = sorted({entry.partition("\t")[2] for entry in unmerged})
    records = [f"0 {'0' * 40}\t{name}" for name in names] + unmerged
    git("update-index", "-z", "--index-info", cwd=path, stdin="\0".join(records) + "\0")


def _merge(total: Summary, step: Summary) -> None:
    total.kept += step.kept
    total.conflicted += step.conflicted
    total.ignored_clashes += step.ignored_clashes
    total.dependencies_changed |= step.dependencies_changed


def _step_commit(path: Path, message: str) -> None:
    """Commit the folder as it is (conflict markers included) so Copier sees it clean."""
    with interrupts.deferred():
        git("add", "-A", "--", ".", cwd=path)
        git(
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
            "--",
            ".",
            cwd=path,
            env=STEP_ENV,
        )
