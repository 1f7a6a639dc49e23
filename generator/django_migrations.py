"""A Django resource's migrations, written from its recorded fields.

``makemigrations`` needs the project's environment installed and configured;
stackgen needs neither. The fields a migration declares are rendered by the
same macros as the model's (templates/shared/resource/django.jinja), so the
two cannot disagree and ``manage.py makemigrations --check`` stays clean
afterwards. A migration is written once, numbered after the app's own, and
never rewritten.

``decide`` is pure: what changes between two recordings of a resource;
``checks`` the CHECK constraints a recording has (``min=``/``max=``, choices),
as the model's ``Meta.constraints`` declares them.
``write`` reads the app's existing migrations and returns the new file's text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

import yaml

from generator import __version__, fields, sharing
from generator.errors import StackgenError, safe_load

NUMBERED = re.compile(r"^(\d{4})_\w+\.py$")
OWNER = {"name": "owner", "type": "owner"}
RELATED = ("references", "many")  # a field whose migration depends on its target's
# The value existing rows get when a required field is added (makemigrations
# asks for one); the field itself keeps no default.
ONE_OFF = {
    "string": '""',
    "text": '""',
    "email": '""',
    "url": '""',
    "integer": "0",
    "float": "0.0",
    "decimal": 'decimal.Decimal("0")',
    "boolean": "False",
    "date": "django.utils.timezone.now",
    "datetime": "django.utils.timezone.now",
    "uuid": "uuid.uuid4",
    "json": "dict",
}


@cache
def _macros() -> tuple[Any, Any]:
    import jinja2

    from generator import store

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(store.packaged_templates())),
        keep_trailing_newline=True,
        bytecode_cache=sharing.bytecode_cache(),
    )
    code = env.get_template("templates/shared/resource/code.jinja").module
    django = env.get_template("templates/shared/resource/django.jinja").module
    return code, django


class NothingToMigrate(StackgenError):
    """The model's migration state is as it was: no migration to write."""


def decide(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """The operations from ``before`` to ``after`` (resource records; None: no model)."""
    if before is None and after is None:
        raise ValueError("a migration needs a resource before or after it")
    if before is None:
        return [("create", after)]
    if after is None:
        return [("delete", before)]
    old = _by_name(before)
    new = _by_name(after)
    operations: list[tuple[str, Any]] = []
    # A field of ``after`` with ``renamed_from`` (fields.resolve_renames): RenameField, its
    # column renamed with its values; the old field stands under the new name from then on.
    for field in fields.changes(before["fields"], after["fields"])["renamed"]:
        was, now = field
        if was["name"] != now["name"]:  # else its target's rename (JOIN_COLUMNS) moved it
            operations.append(("rename", (was, now)))
        old = {now["name"] if name == was["name"] else name: f for name, f in old.items()}
        old[now["name"]] = {**was, "name": now["name"]}
        if was["type"] == "many":  # renamed with its target (stackgen rename): the same pairs
            old[now["name"]].update({k: now[k] for k in ("target", "target_table", "singular")})
    for name, field in old.items():
        if name not in new or _column(new[name]) != _column(field):
            operations.append(("remove", field))
    for name, field in new.items():
        if name not in old or _column(old[name]) != _column(field):
            operations.append(("add", field))
        elif _definition(old[name]) != _definition(field):
            operations.append(("alter", field))
    return operations


def _by_name(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {f["name"]: f for f in resource.get("fields") or []}
    if resource.get("owned"):
        found = {"owner": OWNER, **found}
    return found


def _column(field: dict[str, Any]) -> str:
    # A many field's table goes with its target: another target is another field.
    if field["type"] == "many":
        return f"{field['name']} {field['target_table']}"
    return "owner_id" if field["type"] == "owner" else fields.column_name(field)


def _definition(field: dict[str, Any]) -> dict[str, Any]:
    # What a relation records of its target's ownership changes no column; a rename is
    # its own operation.
    return {
        key: value
        for key, value in field.items()
        if key not in (*fields.OF_THE_TARGET, fields.RENAMED_FROM)
    }


def write(
    project_path: Path,
    app_label: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> tuple[str, str]:
    """The next migration of ``app_label``: its path in the project, and its text.

    ``before`` None creates the model, ``after`` None deletes it, both alter it.
    It depends on the app's previous migration, on the latest migration of each
    resource it refers to, and on the user model when it adds an owner.
    """
    slug = _slug(project_path)
    folder = Path(slug) / "resources" / app_label / "migrations"
    previous = latest(project_path / folder)
    operations = decide(before, after)
    # The CHECK constraints and the owner's index: dropped before the fields they
    # name, added after them; a changed one is both.
    old_rules = {**checks(before), **_owner_index(before), **unique_together(before)}
    new_rules = (
        {**checks(after), **_owner_index(after), **unique_together(after)}
        if after is not None
        else {}
    )
    dropped = [n for n, text in old_rules.items() if after and new_rules.get(n) != text]
    added_rules = [text for n, text in new_rules.items() if old_rules.get(n) != text]
    if not operations and not dropped and not added_rules:
        raise NothingToMigrate(f"{app_label}: nothing changed, so there is no migration to write")
    resource = after if after is not None else before
    assert resource is not None
    number = int(previous[:4]) + 1 if previous else 1
    model = resource["model"].lower()
    named = _name(operations, resource, number) if operations else f"{model}_checks"
    name = f"{number:04d}_{named}"
    dependencies = [f'("{app_label}", "{previous}")'] if previous else []
    added = [f for op, f in operations if op in ("create", "add", "alter")]
    targets: list[str] = []
    users = False  # the user model: owned rows, or a reference to User
    for op, item in operations:
        if op == "create":
            targets += [f["target_table"] for f in item["fields"] if f["type"] in RELATED]
            users = users or bool(item.get("owned"))
        elif op == "add" and item["type"] == "owner":
            users = True
    targets += [f["target_table"] for f in added if f.get("type") in RELATED]
    # A relation renamed with its target runs after the target's rename, which moves the
    # target's column of a join table (JOIN_COLUMNS) before this renames the table.
    targets += [
        pair[1]["target_table"]
        for op, pair in operations
        if op == "rename" and pair[1]["type"] in RELATED
    ]
    user_table = fields.names(fields.USER).plural
    users = users or user_table in targets
    if users:
        dependencies.insert(0, "migrations.swappable_dependency(settings.AUTH_USER_MODEL)")
    for target in sorted(set(targets) - {app_label, user_table}):
        found = latest(project_path / Path(slug) / "resources" / target / "migrations")
        if found is None:
            raise StackgenError(f"{app_label} refers to {target}, which has no migration yet")
        dependencies.append(f'("{target}", "{found}")')
    body = (
        "".join(_remove(model, name, old_rules[name]) for name in dropped)
        + "".join(_operation(op, item, resource) for op, item in operations)
        + "".join(_add(model, text) for text in added_rules)
    )
    return (folder / f"{name}.py").as_posix(), _module(dependencies, body, number == 1)


def checks(resource: dict[str, Any] | None) -> dict[str, str]:
    """The resource's CHECK constraints by name, each ``constraint=models.CheckConstraint(...)``
    as a migration lays it out: rendered by the model's own macro, so the two agree."""
    if resource is None:
        return {}
    _, django = _macros()
    guarded = str(django.checked_fields(resource)).split()
    head = "constraint=models.CheckConstraint"
    return {
        str(django.check_name(field, resource["plural"])): str(
            django.check_constraint(field, resource, "migration", " " * 12, head)
        )
        for field in resource.get("fields") or []
        if field["name"] in guarded
    }


def unique_together(resource: dict[str, Any] | None) -> dict[str, str]:
    """The resource's composite keys (``--unique a,b``) by name, each
    ``constraint=models.UniqueConstraint(...)`` as the model's Meta declares it."""
    if resource is None:
        return {}
    _, django = _macros()
    head = "constraint=models.UniqueConstraint"
    return {
        str(django.unique_name(group, resource["plural"])): str(
            django.unique_constraint(group, resource, " " * 12, head)
        )
        for group in resource.get("unique") or []
    }


def _owner_index(resource: dict[str, Any] | None) -> dict[str, str]:
    """An owned model's index on (owner, id), by name, as ``index=models.Index(...)``."""
    if resource is None or not resource.get("owned") or not resource.get("constraints"):
        return {}
    _, django = _macros()
    name = str(django.owner_index_name(resource))
    return {name: f'            index=models.Index(fields=["owner", "id"], name="{name}"),'}


def _add(model: str, constraint: str) -> str:
    verb = "AddIndex" if constraint.lstrip().startswith("index=") else "AddConstraint"
    head = f'        migrations.{verb}(\n            model_name="{model}",\n'
    return f"{head}{constraint}\n        ),\n"


def _remove(model: str, name: str, constraint: str) -> str:
    verb = "RemoveIndex" if constraint.lstrip().startswith("index=") else "RemoveConstraint"
    return (
        f'        migrations.{verb}(\n            model_name="{model}",\n'
        f'            name="{name}",\n        ),\n'
    )


def latest(folder: Path) -> str | None:
    """The name of the app's last numbered migration (``0002_workout_notes``), if any."""
    names = sorted(p.stem for p in folder.glob("*.py") if NUMBERED.match(p.name))
    return names[-1] if names else None


def _slug(project_path: Path) -> str:
    from generator.project import ANSWERS_FILE

    try:
        answers = safe_load((project_path / ANSWERS_FILE).read_text())
        slug = answers["project_slug"]
    except (OSError, yaml.YAMLError, TypeError, KeyError):
        raise StackgenError(f"{ANSWERS_FILE} in {project_path} names no package") from None
    if not isinstance(slug, str) or not slug.isidentifier():
        raise StackgenError(f"{ANSWERS_FILE}: project_slug {slug!r:.60} is not a package name")
    return slug


def _name(operations: list[tuple[str, Any]], resource: dict[str, Any], number: int) -> str:
    """Django's own names: initial, delete_workout, workout_notes, remove_workout_notes."""
    model = resource["model"].lower()
    if operations[0][0] == "create":
        return "initial" if number == 1 else model
    if operations[0][0] == "delete":
        return f"delete_{model}"
    verbs = {"add": "", "remove": "remove_", "alter": "alter_"}
    parts = [
        f"rename_{item[0]['name']}_{model}_{item[1]['name']}"
        if op == "rename"
        else f"{verbs[op]}{model}_{item['name']}"
        for op, item in operations
    ]
    joined = "_".join(parts)
    return joined if len(joined) <= 52 else f"change_{model}"


def _field(
    field: dict[str, Any],
    resource: dict[str, Any],
    indent: str,
    prefix: str = "",
    default: str | None = None,
) -> str:
    """``models.X(...),`` of a field, as the model declares it, laid out at ``indent``.

    ``default``: a one-off value for the rows a table has, in the migration only.
    """
    code, django = _macros()
    if field["type"] == "owner":
        head = "models.ForeignKey"
        args = [
            "on_delete=django.db.models.deletion.CASCADE",
            f'related_name="{resource["plural"]}"',
            "to=settings.AUTH_USER_MODEL",
        ]
    else:
        head = f"models.{django.field_class(field)}"
        related = field.get("related", resource["plural"])
        text = str(django.field_args(field, "migration", related, indent + "    "))
        args = text.split("|") if text else []
    if default is not None:
        args.append(f"default={default}")
    return str(code.call(indent, prefix + head, args, ","))


def _pair(field: dict[str, Any], resource: dict[str, Any]) -> str:
    """One ``("name", models.X(...)),`` of CreateModel's fields, as ruff lays it out."""
    indent = " " * 16
    one = f'{indent}("{field["name"]}", {_field(field, resource, "")[:-1]}),'
    if len(one) <= 100 and "\n" not in one:
        return one + "\n"
    inner = _field(field, resource, indent + "    ")
    return f'{indent}(\n{indent}    "{field["name"]}",\n{inner}\n{indent}),\n'


ID = """\
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
"""


def _operation(op: str, item: dict[str, Any], resource: dict[str, Any]) -> str:
    model = resource["model"]
    if op == "delete":
        return f'        migrations.DeleteModel(\n            name="{model}",\n        ),\n'
    if op == "create":
        pairs = [_pair(field, item) for field in _by_name(item).values()]
        return (
            "        migrations.CreateModel(\n"
            f'            name="{model}",\n'
            "            fields=[\n"
            + ID
            + "".join(pairs)
            + '                ("created_at", models.DateTimeField(auto_now_add=True)),\n'
            + '                ("updated_at", models.DateTimeField(auto_now=True)),\n'
            + "            ],\n"
            + '            options={"ordering": ["-id"]},\n'
            + "        ),\n"
        )
    if op == "rename":
        was, now = item
        return (
            "        migrations.RenameField(\n"
            f'            model_name="{model.lower()}",\n'
            f'            old_name="{was["name"]}",\n'
            f'            new_name="{now["name"]}",\n'
            "        ),\n"
        )
    verb = {"add": "AddField", "remove": "RemoveField", "alter": "AlterField"}[op]
    lines = f'            model_name="{model.lower()}",\n            name="{item["name"]}",\n'
    # The rows a table has need a value for a required field (a many one starts empty).
    required = not item.get("optional") and "default" not in item and item["type"] != "many"
    if op == "add" and required:
        default = _one_off(item, resource)
        lines += _field(item, resource, " " * 12, "field=", default) + "\n"
        lines += "            preserve_default=False,\n"
    elif op != "remove":
        lines += _field(item, resource, " " * 12, "field=") + "\n"
    return f"        migrations.{verb}(\n{lines}        ),\n"


def _one_off(field: dict[str, Any], resource: dict[str, Any]) -> str:
    """What the rows a table has get when a required field without a default is added."""
    kind = field["type"]
    if kind == "owner":
        raise StackgenError(
            f"existing {resource['label_plural']} have no owner: a resource cannot become "
            "owned once it has rows"
        )
    if kind == "references":
        raise StackgenError(
            f'field "{field["name"]}": existing {resource["label_plural"]} would have no '
            f"{field['name']}; add it as optional ({field['name']}:references:optional)"
        )
    if kind == "choice":
        return f'"{field["choices"][0]}"'
    if kind in fields.NUMBERS and "min" in field:
        low = field["min"]
        return f'decimal.Decimal("{low}")' if kind == "decimal" else str(low)
    return ONE_OFF[kind]


def _module(dependencies: list[str], body: str, initial: bool, functions: str = "") -> str:
    standard = [m for m in ("datetime", "decimal", "uuid") if re.search(rf"\b{m}\.", body)]
    django = [
        f"django.{module}"
        for module in ("core.validators", "db.models.deletion", "utils.timezone")
        if f"django.{module}." in body
    ]
    head = "".join(f"import {module}\n" for module in standard) + ("\n" if standard else "")
    head += "".join(f"import {module}\n" for module in django)
    uses_settings = "settings." in body + "".join(dependencies)
    settings = "from django.conf import settings\n" if uses_settings else ""
    names = "migrations, models" if "models." in body else "migrations"
    if "truncate_name(" in functions:
        names += "\nfrom django.db.backends.utils import truncate_name"
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    if len(dependencies) == 1:
        depends = f"    dependencies = [\n        {dependencies[0]},\n    ]\n"
    elif dependencies:
        depends = (
            "    dependencies = [\n"
            + "".join(f"        {item},\n" for item in dependencies)
            + "    ]\n"
        )
    else:
        depends = "    dependencies = []\n"
    return (
        f"# Generated by stackgen {__version__} on {created}\n\n"
        + head
        + settings
        + f"from django.db import {names}\n\n"
        + (functions or "\n")  # after the imports: one blank line before a constant
        + "class Migration(migrations.Migration):\n"
        + ("    initial = True\n\n" if initial else "")
        + depends
        + "\n    operations = [\n"
        + body
        + "    ]\n"
    )


# A renamed resource's content type and permissions: Django moves them for a model renamed
# inside its app (RenameContentType), not for one whose app is renamed, and post_migrate would
# make new ones beside the old: the groups granted the old permissions (the admin's staff)
# would lose them, and the admin's history would point at a stale type.
CONTENT_TYPES = ('("contenttypes", "0002_remove_content_type_name")', '("auth", "0001_initial")')
MOVE_CONTENT_TYPE = '''OLD = ("{old[0]}", "{old[1]}", "{old[2]}")
NEW = ("{new[0]}", "{new[1]}", "{new[2]}")
ACTIONS = ("add", "change", "delete", "view")


def _move(apps, source, target):
    """The content type of ``source`` (app, model, label) becomes ``target``\'s, with its
    permissions, unless the database has none yet (post_migrate makes it later) or has
    the target\'s already."""
    content_types = apps.get_model("contenttypes", "ContentType").objects
    moved = content_types.filter(app_label=source[0], model=source[1]).first()
    if moved is None or content_types.filter(app_label=target[0], model=target[1]).exists():
        return
    moved.app_label, moved.model = target[0], target[1]
    moved.save(update_fields=["app_label", "model"])
    permissions = apps.get_model("auth", "Permission").objects
    for action in ACTIONS:
        permissions.filter(content_type=moved, codename=f"{{action}}_{{source[1]}}").update(
            codename=f"{{action}}_{{target[1]}}", name=f"Can {{action}} {{target[2]}}"
        )


def move_content_type(apps, schema_editor):
    _move(apps, OLD, NEW)


def move_content_type_back(apps, schema_editor):
    _move(apps, NEW, OLD)


'''


# Django names a join table's column of a model's ids by the model (``workout_id``), and its
# migration state follows a renamed model at once: the new app's first migration declares
# the column under the new name, as a new database makes it. A database that had the old
# app's migrations has it under the old name, and nothing would rename it (RenameModel
# would, inside one app): the second migration renames it where it is so.
JOIN_COLUMNS = '''JOIN_COLUMNS = [
{columns}]


def rename_join_columns(apps, schema_editor):
    """Each join table's column (table, old, new) renamed, where the database has the old."""
    connection = schema_editor.connection
    introspection, quote = connection.introspection, connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = set(introspection.table_names(cursor))
        for name, old, new in JOIN_COLUMNS:
            table = truncate_name(name, connection.ops.max_name_length())
            if table not in tables:
                continue  # made later, by a migration that names the column anew
            described = introspection.get_table_description(cursor, table)
            if old in {{column.name for column in described}}:
                schema_editor.execute(
                    f"ALTER TABLE {{quote(table)}} RENAME COLUMN {{quote(old)}} TO {{quote(new)}}"
                )


'''


def _tuple(*items: str) -> str:
    """A tuple of strings in a list, laid out as ruff format lays it out."""
    quoted = [f'"{item}"' for item in items]
    one = f"    ({', '.join(quoted)}),\n"
    if len(one) <= 101:  # 100 characters and the newline
        return one
    return "    (\n" + "".join(f"        {q},\n" for q in quoted) + "    ),\n"


def write_renamed(
    project_path: Path,
    before: dict[str, Any],
    after: dict[str, Any],
    relating: tuple[str, ...] = (),
) -> dict[str, str]:
    """A resource renamed (``stackgen rename resource``): its new app's two migrations, by
    path, the old app's to be deleted.

    The first takes the old app's history over: it ``replaces`` the old app's migrations
    (a database that applied them has it applied, and another app's dependency on one of
    them leads to it, even once the old app is gone) and declares the model as they left
    it, on the old table, with the old names of its constraints. The second renames the
    table (``AlterModelTable``, the rows kept) and the constraints named by it.
    """
    slug = _slug(project_path)
    old_app, new_app = before["plural"], after["plural"]
    folder = project_path / slug / "resources" / old_app / "migrations"
    replaced = sorted(p.stem for p in folder.glob("*.py") if NUMBERED.match(p.name))
    dependencies: list[str] = []
    for name in replaced:
        block = re.search(r"dependencies = \[(.*?)\]\n", (folder / f"{name}.py").read_text(), re.S)
        for line in (block[1] if block else "").split("\n"):
            item = line.strip().rstrip(",")
            if item and not item.startswith(f'("{old_app}",') and item not in dependencies:
                dependencies.append(item)
    model, old_table = after["model"].lower(), f"{old_app}_{before['model'].lower()}"
    create = _operation("create", after, after).replace(
        '            options={"ordering": ["-id"]},\n',
        "            options={\n"
        '                "ordering": ["-id"],\n'
        f'                "db_table": "{old_table}",\n'
        "            },\n",
    )
    old_rules = {**checks(before), **_owner_index(before)}
    new_rules = {**checks(after), **_owner_index(after)}
    first = _module(
        dependencies, create + "".join(map(partial(_add, model), old_rules.values())), True
    )
    listed = "".join(f'        ("{old_app}", "{name}"),\n' for name in replaced)
    first = first.replace(
        "    initial = True\n\n", f"    initial = True\n\n    replaces = [\n{listed}    ]\n\n"
    )
    body = (
        "        migrations.AlterModelTable(\n"
        f'            name="{model}",\n'
        "            table=None,\n"
        "        ),\n"
        + "".join(_remove(model, name, text) for name, text in old_rules.items())
        + "".join(_add(model, text) for text in new_rules.values())
        + "        migrations.RunPython(move_content_type, move_content_type_back),\n"
    )
    was = before["model"].lower()
    joins = [f"{new_app}_{model}_{f['name']}" for f in after["fields"] if f["type"] == "many"]
    functions = ""
    if joins or relating:
        # Undone, the column keeps the name the first migration declares (a new database's).
        # Not in a transaction of its own: MySQL cannot roll DDL back, and Django refuses it.
        body += "        migrations.RunPython(rename_join_columns, migrations.RunPython.noop, "
        body += "atomic=False),\n"
        renames = [_tuple(table, f"{was}_id", f"{model}_id") for table in [*joins, *relating]]
        functions = JOIN_COLUMNS.format(columns="".join(renames))
    second = _module(
        [f'("{new_app}", "0001_initial")', *CONTENT_TYPES],
        body,
        False,
        functions
        + MOVE_CONTENT_TYPE.format(
            old=(old_app, was, before["label"]),
            new=(new_app, model, after["label"]),
        ),
    )
    base = Path(slug) / "resources" / new_app / "migrations"
    return {
        (base / "0001_initial.py").as_posix(): first,
        (base / f"0002_alter_{model}_table.py").as_posix(): second,
    }


def retargeted(project_path: Path, before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """Other apps' migrations that name the renamed model (``to="workouts.workout"``), by path,
    with the new name: the state they build must find it under its new app."""
    slug = _slug(project_path)
    old = f'to="{before["plural"]}.{before["model"].lower()}"'
    new = f'to="{after["plural"]}.{after["model"].lower()}"'
    found = {}
    for file in sorted((project_path / slug / "resources").glob("*/migrations/*.py")):
        if file.parent.parent.name == before["plural"]:
            continue
        text = file.read_text()
        if old in text:
            found[file.relative_to(project_path).as_posix()] = text.replace(old, new)
    return found
