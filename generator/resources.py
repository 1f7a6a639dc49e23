"""A project's own resources: each one an application of the resource template.

``stackgen generate resource Workout name:string ...`` renders the framework's
resource template (copier.yml with ``kind: resource``) into the project with
its own answers file, ``.copier-answers.resource-workout.yml``, which records
the fields and the migrations. Migrations are written here, once each, and
never rewritten: they belong to the project's history, not to the template.

Everything returns data; nothing here prints.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from generator import django_migrations, fields, interrupts, store
from generator.errors import StackgenError, from_copier
from generator.project import Project
from generator.update import roll_back, summarise

ANSWERS_PREFIX = ".copier-answers.resource-"
SUPPORTED = ("flask-api", "django-mtv")
MIGRATIONS = "migrations/versions"
REVISION = re.compile(r'^revision\s*=\s*"([0-9a-z_]+)"', re.M)
DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.+)$", re.M)


@dataclass
class Plan:
    """What a command writes: the resource's files and its migration."""

    model: str
    answers_file: str
    files: list[str] = field(default_factory=list)
    migration: str = ""
    fields: list[dict[str, Any]] = field(default_factory=list)


def answers_file(model: str) -> str:
    return f"{ANSWERS_PREFIX}{fields.names(model).singular.replace('_', '-')}.yml"


def recorded(path: Path) -> dict[str, dict[str, Any]]:
    """The project's resources by model name: what each answers file records."""
    found: dict[str, dict[str, Any]] = {}
    for file in sorted(path.glob(ANSWERS_PREFIX + "*.yml")):
        try:
            data = yaml.safe_load(file.read_text())
        except (yaml.YAMLError, UnicodeDecodeError):
            raise StackgenError(f"{file.name} is not readable YAML") from None
        resource = data.get("resource") if isinstance(data, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("model"), str):
            raise StackgenError(f"{file.name} does not record a resource")
        found[resource["model"]] = {
            **resource,
            "names": fields.names(resource["model"]),
            "answers_file": file.name,
            "migrations": data.get("migrations") or [],
            "framework": data.get("framework"),
        }
    return found


def describe(path: Path) -> list[dict[str, Any]]:
    """Each resource with its fields (as typed), URL, files and migrations."""
    listing = []
    for model, info in recorded(path).items():
        made = info["names"]
        listing.append(
            {
                "model": model,
                "url": f"/{made.url}/" if info["framework"] == "django-mtv" else f"/api/{made.url}",
                "owned": bool(info.get("owned")),
                "destroyed": bool(info.get("destroyed")),
                "fields": [fields.spec_of(f) for f in info.get("fields") or []],
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


def plan(project: Project, model: str, specs: list[str], owned: bool) -> tuple[Plan, dict]:
    """Check the name and the fields; what ``generate`` would write, and its answers."""
    check_supported(project)
    existing = recorded(project.path)
    if model in existing:
        raise fields.FieldError(
            f'resource name "{model}": the project has that resource already; changing its '
            "fields is not supported yet"
        )
    taken = set(existing) | _project_models(project)
    made = fields.check_resource_name(model, taken)
    if (project.path / project.slug / "resources" / made.plural).exists():
        raise fields.FieldError(
            f'resource name "{model}": {project.slug}/resources/{made.plural} exists already'
        )
    resource = fields.resource(made, fields.parse_fields(specs, existing), owned, existing)
    parsed = resource["fields"]
    revision = secrets.token_hex(6)
    if project.template == "django-mtv":
        packages = {p.name for p in project.path.iterdir() if p.is_dir()} | {project.slug}
        fields.check_django_names(made, parsed, existing, packages)
        migration, text = django_migrations.write(project.path, made.plural, None, resource)
    else:
        migration = f"{MIGRATIONS}/{revision}_create_the_{made.plural}_table.py"
        text = None
    data = {
        **{k: v for k, v in project.answers.items() if not k.startswith("_")},
        "kind": "resource",
        "resource": resource,
        "migrations": [migration],
    }
    result = Plan(model, answers_file(model), migration=migration, fields=parsed)
    result.files = _rendered_files(project, data, result.answers_file)
    clash = [name for name in result.files if (project.path / name).exists()]
    if clash:
        raise StackgenError(
            f"{clash[0]} exists already; move it away or commit it elsewhere (nothing was changed)"
        )
    return result, {"data": data, "revision": revision, "migration_text": text}


def _project_models(project: Project) -> set[str]:
    """Class names of the project's own models (each package's models.py), so a resource
    takes none."""
    found: set[str] = set()
    for models in project.path.glob("*/models.py"):
        found |= set(re.findall(r"^class (\w+)\(", models.read_text(), re.M))
    return found


def _rendered_files(project: Project, data: dict[str, Any], answers: str) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        into = Path(scratch) / "resource"
        _copy(project, data, into, answers)
        return sorted(p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file())


def _copy(project: Project, data: dict[str, Any], into: Path, answers: str) -> None:
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


def _source(project: Project) -> str:
    where = project.store
    if where is not None and not where.exists():
        store.ensure_version(store=where)
    return project.src


def heads(path: Path) -> list[str]:
    """The Alembic revisions no other revision revises: where a new one chains on."""
    revisions, parents = set(), set()
    for file in (path / MIGRATIONS).glob("*.py"):
        text = file.read_text()
        found = REVISION.search(text)
        if not found:
            continue
        revisions.add(found[1])
        down = DOWN_REVISION.search(text)
        if down:
            parents.update(re.findall(r'"([0-9a-z_]+)"', down[1]))
    return sorted(revisions - parents)


def render_migration(
    path: Path, resource: dict[str, Any], revision: str, operation: str, message: str
) -> str:
    import jinja2

    found = heads(path)
    if len(found) > 1:
        raise StackgenError(
            f"the migrations have several heads ({', '.join(found)}): merge them first "
            "(`flask db merge heads`), commit, and run again (nothing was changed)"
        )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(store.packaged_templates())),
        keep_trailing_newline=True,
    )
    template = env.get_template("templates/shared/resource/flask_migration.py.jinja")
    return template.render(
        resource=resource,
        fields=resource["fields"],
        revision=revision,
        down_revision=found[0] if found else None,
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        op=operation,
        message=message,
    )


def generate(project: Project, result: Plan, prepared: dict[str, Any]) -> list[str]:
    """Write the resource into the (clean, locked) project; return what was added.

    On any error or Ctrl-C before it is complete, the project goes back to its
    last commit.
    """
    path = project.path
    data = prepared["data"]
    resource = data["resource"]
    done = f"the resource {result.model} was added to {path}"
    try:
        text = prepared.get("migration_text") or render_migration(
            path,
            resource,
            prepared["revision"],
            "create",
            f"Create the {resource['plural']} table: {resource['label_plural']}.",
        )
        _copy(project, data, path, result.answers_file)
        migration = path / result.migration
        migration.parent.mkdir(parents=True, exist_ok=True)
        with interrupts.deferred():
            migration.write_text(text)
            interrupts.reached(done)
    except BaseException:
        if interrupts.outcome() == interrupts.NOTHING_CHANGED:
            with interrupts.deferred():
                roll_back(path)
        raise
    return summarise(path).added
