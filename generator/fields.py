"""A resource's name and fields, as typed on the command line: parsed and checked.

``stackgen generate resource Workout name:string duration_minutes:integer:min=1``.
A field is ``name:type[:parameter][:modifier]...``; nothing in it needs shell
quoting (bash expands braces, so ``decimal{10,2}`` would reach us as two words):

- parameters: ``string:120`` (maximum length), ``decimal:10.2`` (precision and
  scale), ``choice:draft/published`` (the values), ``references:protect`` (on
  delete: ``cascade``, the default, ``protect``, or ``setnull`` for an optional
  reference);
- modifiers: ``optional``, ``unique``, ``index``, ``default=VALUE``, ``min=N``
  and ``max=N`` (numbers);
- ``tags:many`` relates the resource to many rows of another and back (a join table):
  the target is the resource whose plural the name is, or ``labels:many:to=Tag``. It
  is optional by nature (an empty set) and takes no other modifier;
- in a regenerate's field list, ``renamed_from=OLD``: the field was ``OLD``, and its
  column is renamed with its values (``resolve_renames``); never recorded;
- ``to=Model`` for a reference named for its role (``coach:references:to=User``;
  without it the name is the target's singular).

A reference may point at its own resource (``parent:references:to=Exercise:optional``,
optional, else no first row could be made) and be unique (one-to-one).

Pure functions: they return data or raise ``FieldError`` (one line naming
what is wrong); nothing here prints or touches the disk.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from generator.errors import StackgenError

TYPES = (
    "string",
    "text",
    "integer",
    "decimal",
    "float",
    "boolean",
    "date",
    "datetime",
    "uuid",
    "email",
    "url",
    "choice",
    "json",
    "references",
    "many",
)
NUMBERS = ("integer", "decimal", "float")
FLAGS = ("optional", "unique", "index")
SETTINGS = ("default", "min", "max")
RENAMED_FROM = "renamed_from"
ON_DELETE = ("cascade", "protect", "setnull")
STRING_LENGTH = 255
MAX_STRING_LENGTH = 760  # a unique index on utf8mb4 VARCHAR holds at most 768 characters
DECIMAL = (10, 2)
# Every resource has these; an owned one has its owner too. The rest would shadow
# what SQLAlchemy, Django or pydantic put on a model.
RESERVED = frozenset(
    {
        "id",
        "pk",
        "created_at",
        "updated_at",
        "owner",
        "owner_id",
        "user",
        "objects",
        "metadata",
        "query",
        "registry",
        "save",
        "delete",
        "clean",
        "full_clean",
        "refresh_from_db",
        "validate",
        "schema",
        "json",
        "dict",
        "copy",
        "fields",
        "items",
        "pagination",
    }
)
# Field names the generated code cannot take, each group with why: the templates cannot
# alias these away, so a field of that name would shadow them. Refused in every framework,
# so a field spec means the same in both.
SHADOWING: tuple[tuple[frozenset[str], str], ...] = (
    # The Flask model's class body calls mapped_column and utcnow and subclasses db.Model;
    # the views hand every row to saved().
    (
        frozenset({"mapped_column", "utcnow", "db", "saved"}),
        "is a name the Flask resource's code uses (mapped_column, utcnow, db, saved)",
    ),
    # Methods of every Django model: a field would replace them (models.E020 for check).
    (
        frozenset({"check", "get_absolute_url"}),
        "is a method of the Django model (check, get_absolute_url)",
    ),
    # The modules and types the models and schemas import, in both starters.
    (
        frozenset({"date", "datetime", "decimal", "uuid", "time"}),
        "would shadow an import of the generated models (date, datetime, decimal, uuid, time)",
    ),
    # The list's query parameters (Django's page_size too): a filter of that name would be
    # one of them.
    (
        frozenset({"page", "per_page", "page_size", "after", "before", "last", "q"}),
        "is a list query parameter (page, per_page, page_size, after, before, last, q)",
    ),
)
# Resource names whose snake_case singular is a name the Flask views import or define at
# module level: the singular is a local variable there and would shadow it (refused in
# both frameworks, so a resource name means the same everywhere).
VIEW_NAMES = frozenset(
    {
        "abort",
        "auth",
        "bp",
        "check_references",
        "current_user",
        "data",
        "db",
        "field",
        "paginate",
        "saved",
        "select",
        "setattr",
        "update",
        "value",
        "values",
    }
)
# Class names the generated modules import: a model of that name would replace them.
IMPORTED_CLASSES = frozenset(
    {
        "APIBlueprint",
        "Any",
        "BaseModel",
        "BigInteger",
        "Cursor",
        "DateTime",
        "Decimal",
        "ForeignKey",
        "Integer",
        "Literal",
        "Mapped",
        "Pagination",
        "UTCDateTime",
        "UUID",
    }
)
# Soft keywords, as of the newest Python a project may run on (type: 3.12).
SOFT_KEYWORDS = frozenset(keyword.softkwlist) | {"_", "case", "match", "type"}
# A 32-bit INTEGER column, the one every database has.
INTEGER_RANGE = (-(2**31), 2**31 - 1)
# The rules an email or URL value passes (the schemas' EMAIL and URL), with its longest length.
TEXT_RULES = {
    "email": (re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+"), 254, "an email address (name@example.com)"),
    "url": (re.compile(r"https?://[^\s/$.?#][^\s]*"), 200, "an http(s) URL (https://example.com)"),
}
# Models the starters have already.
STARTER_MODELS = frozenset({"Actor", "ApiToken", "User", "Question", "Choice", "Group"})
# The starter's user model, which any reference may name (``coach:references:to=User``):
# Flask's users table, Django's settings.AUTH_USER_MODEL.
USER = "User"
RESOURCE_NAME = re.compile(r"[A-Z][a-z0-9]*(?:[A-Z][a-z0-9]*)*")
FIELD_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
CHOICE_VALUE = re.compile(r"[a-z0-9][a-z0-9_-]*")
DEFAULT_TEXT = re.compile(r"[^\"\\\x00-\x1f\x7f-\x9f]*")
MAX_FIELDS = 40
# What a relation's record says of its target's rows (owned; a many field's: private, i.e.
# owned or scoped), filled in from the project's resources, never typed.
OF_THE_TARGET = ("target_owned", "target_private")
# The most ids one write of a many field may carry (a 422 beyond): a request stays bounded.
MAX_MANY = 100
# The longest name PostgreSQL keeps (MySQL's is 64): a join table's constraint names fit it.
MAX_IDENTIFIER = 63


class FieldError(StackgenError):
    """A resource or field spec that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Names:
    """What a resource's name becomes: ``ExerciseSet`` -> exercise_sets, /exercise-sets."""

    model: str  # ExerciseSet
    singular: str  # exercise_set
    plural: str  # exercise_sets: the table, the module, the Django app
    url: str  # exercise-sets
    label: str  # exercise set
    label_plural: str  # exercise sets


def snake_case(name: str) -> str:
    """``ExerciseSet`` -> ``exercise_set`` (``HTTPLog`` -> ``http_log``)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return spaced.lower()


def pluralize(word: str) -> str:
    """English plural of a lowercase word, the regular way (``category`` -> ``categories``)."""
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


# Plurals that end in no s; words in -ss, -us and -is are singular (Address, Status, Axis).
IRREGULAR_PLURALS = frozenset({"people", "men", "women", "children", "mice", "geese", "teeth"})


def looks_plural(word: str) -> bool:
    """Whether a lowercase word reads as an English plural (``workouts``, ``people``)."""
    if word in IRREGULAR_PLURALS:
        return True
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def names(model: str) -> Names:
    singular = snake_case(model)
    parts = singular.split("_")
    plural = "_".join([*parts[:-1], pluralize(parts[-1])])
    return Names(
        model=model,
        singular=singular,
        plural=plural,
        url=plural.replace("_", "-"),
        label=singular.replace("_", " "),
        label_plural=plural.replace("_", " "),
    )


def check_resource_name(model: str, taken: set[str] | frozenset[str] = frozenset()) -> Names:
    """A singular CamelCase name, not a keyword, not a model the project has."""
    if not RESOURCE_NAME.fullmatch(model):
        raise FieldError(
            f'resource name "{model[:60]}": use a singular CamelCase name such as Workout '
            "or ExerciseSet (letters and digits, first letter a capital)"
        )
    if keyword.iskeyword(model) or keyword.iskeyword(model.lower()):
        raise FieldError(f'resource name "{model}" is a Python keyword')
    made = names(model)
    for what, word in (("singular", made.singular), ("plural", made.plural)):
        if keyword.iskeyword(word) or word in SOFT_KEYWORDS:
            raise FieldError(
                f'resource name "{model}": its {what} "{word}" is a Python keyword, and the '
                "generated code names variables and modules by it"
            )
    if made.singular in VIEW_NAMES:
        raise FieldError(
            f'resource name "{model}": its singular {made.singular} would shadow a name the '
            "generated views use (" + ", ".join(sorted(VIEW_NAMES)) + ")"
        )
    if model in IMPORTED_CLASSES:
        raise FieldError(
            f'resource name "{model}": the generated code imports a class of that name'
        )
    if model in STARTER_MODELS:
        raise FieldError(f'resource name "{model}": the starter has a {model} model already')
    if model in taken:
        raise FieldError(f'resource name "{model}": the project has that resource already')
    if looks_plural(made.singular.split("_")[-1]):
        raise FieldError(
            f'resource name "{model}" reads as a plural: use the singular (Workout, not '
            "Workouts); its table and URL take the plural"
        )
    if len(made.plural) > 50:
        raise FieldError(f'resource name "{model}" is too long (its table name is over 50)')
    return made


def _valid_types() -> str:
    return ", ".join(TYPES)


def parse_field(
    spec: str, resources: dict[str, dict[str, Any]] | None = None, own: Names | None = None
) -> dict[str, Any]:
    """One ``name:type[:parameter][:modifier]...`` as a field record.

    ``resources`` are the project's resources by model name (for
    ``references``), each with its ``names`` and whether it is ``owned``;
    ``own``: the names of the resource the field is for (it cannot reference itself).
    The record holds only what differs from the type's defaults, so the
    answers file reads as the command line did.
    """
    resources = resources or {}
    parts = spec.split(":")
    name = parts[0]
    if not FIELD_NAME.fullmatch(name) or len(name) > 50:
        raise FieldError(
            f'field "{spec[:60]}": the name must be snake_case (lowercase letters, digits, '
            "single underscores), at most 50 characters, written name:type"
        )
    where = f'field "{name}"'
    if keyword.iskeyword(name) or name in SOFT_KEYWORDS:
        raise FieldError(f"{where}: {name} is a Python keyword")
    if name in RESERVED or name.startswith(("model_", "_")):
        raise FieldError(
            f"{where}: {name} is reserved (every resource has id, created_at, "
            "updated_at; owned ones an owner)"
        )
    for taken, why in SHADOWING:
        if name in taken:
            raise FieldError(f"{where}: {name} {why}")
    if len(parts) < 2 or not parts[1]:
        raise FieldError(f"{where}: give a type as {name}:TYPE; valid types: {_valid_types()}")
    kind = parts[1]
    if kind not in TYPES:
        raise FieldError(f'{where}: unknown type "{kind[:30]}"; valid types: {_valid_types()}')
    field: dict[str, Any] = {"name": name, "type": kind}
    rest = parts[2:]
    if kind == "many":
        return _many(field, rest, where, resources, own)
    if rest and rest[0] and rest[0] not in FLAGS and "=" not in rest[0]:
        _parameter(field, rest[0], where)
        rest = rest[1:]
    for modifier in rest:
        _modifier(field, modifier, where)
    _complete(field, where, resources, own)
    return field


def _parameter(field: dict[str, Any], text: str, where: str) -> None:
    kind = field["type"]
    if kind == "string":
        if not text.isdigit() or not 1 <= int(text) <= MAX_STRING_LENGTH:
            raise FieldError(f"{where}: string:N takes a length from 1 to {MAX_STRING_LENGTH}")
        field["length"] = int(text)
    elif kind == "decimal":
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})", text)
        if not match or not 0 <= int(match[2]) <= int(match[1]) <= 30 or int(match[1]) < 1:
            raise FieldError(
                f"{where}: decimal:P.S takes a precision (1-30) and a scale (0-P): decimal:10.2"
            )
        field["precision"], field["scale"] = int(match[1]), int(match[2])
    elif kind == "choice":
        values = text.split("/")
        if (
            len(values) < 2
            or len(set(values)) != len(values)
            or not all(CHOICE_VALUE.fullmatch(value) and len(value) <= 40 for value in values)
        ):
            raise FieldError(
                f"{where}: choice takes two or more different values separated by /, in "
                "lowercase letters, digits, - and _: choice:draft/published"
            )
        field["choices"] = values
    elif kind == "references":
        if text not in ON_DELETE:
            raise FieldError(
                f'{where}: unknown on-delete "{text[:20]}"; references takes '
                + ", ".join(ON_DELETE)
            )
        field["on_delete"] = text
    else:
        raise FieldError(
            f'{where}: unknown modifier "{text[:30]}"; modifiers: optional, unique, index, '
            "default=VALUE, min=N, max=N"
        )


def _modifier(field: dict[str, Any], text: str, where: str) -> None:
    kind = field["type"]
    key, equals, value = text.partition("=")
    if kind == "references" and key in ON_DELETE and not equals:  # after to=, say
        if "on_delete" in field:
            raise FieldError(f"{where}: the on-delete is given twice")
        field["on_delete"] = key
        return
    if not equals:
        if key not in FLAGS:
            raise FieldError(
                f'{where}: unknown modifier "{text[:30]}"; modifiers: optional, unique, index, '
                "default=VALUE, min=N, max=N"
            )
        if key in field:
            raise FieldError(f"{where}: {key} is given twice")
        if key != "optional" and kind in ("text", "json", "boolean"):
            raise FieldError(f"{where}: a {kind} field cannot be {key}")
        field[key] = True
        return
    if key == RENAMED_FROM:
        if RENAMED_FROM in field:
            raise FieldError(f"{where}: renamed_from= is given twice")
        if not FIELD_NAME.fullmatch(value) or len(value) > 50 or value == field["name"]:
            raise FieldError(
                f"{where}: renamed_from= names the field's old name, another snake_case name"
            )
        field[RENAMED_FROM] = value
        return
    if key == "to" and kind == "references":
        if "to" in field:
            raise FieldError(f"{where}: to= is given twice")
        if not RESOURCE_NAME.fullmatch(value) or len(value) > 60:
            raise FieldError(
                f'{where}: to="{value[:30]}" must name a resource in CamelCase (to=Exercise, '
                "to=User)"
            )
        field["to"] = value
        return
    if key not in SETTINGS:
        raise FieldError(
            f'{where}: unknown modifier "{key[:30]}="; modifiers: optional, unique, index, '
            "default=VALUE, min=N, max=N" + (", to=Model" if kind == "references" else "")
        )
    if key in field:
        raise FieldError(f"{where}: {key}= is given twice")
    if key in ("min", "max"):
        if kind not in NUMBERS:
            raise FieldError(f"{where}: {key}= is for numbers (integer, decimal, float)")
        field[key] = _number(kind, value, where, key)
    else:
        field["default"] = _default(field, value, where)


def _number(kind: str, text: str, where: str, key: str) -> Any:
    try:
        if kind == "integer":
            if not re.fullmatch(r"-?\d{1,18}", text):
                raise ValueError
            return int(text)
        if not re.fullmatch(r"-?\d{1,28}(\.\d{1,28})?", text):
            raise ValueError
        return float(text) if kind == "float" else str(Decimal(text))
    except (ValueError, InvalidOperation):
        raise FieldError(f'{where}: {key}="{text[:30]}" is not a {kind}') from None


def _default(field: dict[str, Any], text: str, where: str) -> Any:
    kind = field["type"]
    bad = f'{where}: default="{text[:30]}" is not '
    if kind in NUMBERS:
        return _number(kind, text, where, "default")
    if kind == "boolean":
        if text not in ("true", "false"):
            raise FieldError(bad + "a boolean (true or false)")
        return text == "true"
    if kind in ("string", "text", "email", "url", "choice"):
        if not DEFAULT_TEXT.fullmatch(text) or len(text) > 200:
            raise FieldError(bad + "printable text without quotes or backslashes")
        return text
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat() if len(text) == 10 else _raise()
        except ValueError:
            raise FieldError(bad + "a date written YYYY-MM-DD") from None
    raise FieldError(f"{where}: a {kind} field takes no default=")


def _raise() -> Any:
    raise ValueError


def _complete(
    field: dict[str, Any],
    where: str,
    resources: dict[str, dict[str, Any]],
    own: Names | None = None,
) -> None:
    """Check the field as a whole; fill in what a references field needs."""
    kind = field["type"]
    if kind == "string":
        field.setdefault("length", STRING_LENGTH)
    if kind == "decimal":
        field.setdefault("precision", DECIMAL[0])
        field.setdefault("scale", DECIMAL[1])
    if kind == "choice" and "choices" not in field:
        raise FieldError(f"{where}: choice needs its values: {field['name']}:choice:a/b")
    low, high = field.get("min"), field.get("max")
    if low is not None and high is not None and Decimal(str(low)) > Decimal(str(high)):
        raise FieldError(f"{where}: min= is greater than max=")
    default = field.get("default")
    if default is not None:
        if kind == "choice" and default not in field["choices"]:
            raise FieldError(f'{where}: default="{default}" is not one of its choices')
        if kind == "string" and len(default) > field["length"]:
            raise FieldError(f"{where}: the default is longer than the field")
        if kind in NUMBERS and (
            (low is not None and Decimal(str(default)) < Decimal(str(low)))
            or (high is not None and Decimal(str(default)) > Decimal(str(high)))
        ):
            raise FieldError(f"{where}: the default is outside min=/max=")
    for key in SETTINGS:
        if key in field and kind in ("integer", "decimal"):
            _check_fits(field, key, where)
    if kind in TEXT_RULES and default:
        rule, longest, what = TEXT_RULES[kind]
        if not rule.fullmatch(default) or len(default) > longest:
            raise FieldError(f'{where}: default="{default[:30]}" is not {what}')
    if (
        kind in ("string", "email", "url")
        and field.get("default") == ""
        and not field.get("optional")
    ):
        raise FieldError(f"{where}: a required text field cannot default to empty text")
    if kind == "references":
        target = _target_model(field, resources, where, own)
        field["on_delete"] = field.get("on_delete", "cascade")
        if field["on_delete"] == "setnull" and not field.get("optional"):
            raise FieldError(f"{where}: references:setnull needs the field to be optional")
        if field.get("index"):
            raise FieldError(f"{where}: a reference is always indexed; drop index")
        if own is not None and target == own.model and not field.get("optional"):
            raise FieldError(
                f"{where}: a reference to {own.model} itself must be optional, else no first "
                f"{own.label} could be made ({field['name']}:references:to={own.model}:optional)"
            )
        field["target"] = target
        field["target_table"] = names(target).plural


def _many(
    field: dict[str, Any],
    rest: list[str],
    where: str,
    resources: dict[str, dict[str, Any]],
    own: Names | None,
) -> dict[str, Any]:
    """A ``many`` field: its target, and the singular its ids and filter are named by
    (``tags`` -> ``tag_ids``, ``?tag_id=``)."""
    name = field["name"]
    target = None
    for modifier in rest:
        key, equals, value = modifier.partition("=")
        if key == RENAMED_FROM and equals:  # its join table renamed, the pairs kept
            _modifier(field, modifier, where)
            continue
        if key != "to" or not equals:
            raise FieldError(
                f"{where}: a many field is optional by nature (an empty set) and takes only "
                f'to=Resource (and renamed_from=OLD); "{modifier[:30]}" is not that'
            )
        if target is not None:
            raise FieldError(f"{where}: to= is given twice")
        target = value
    if not looks_plural(name.split("_")[-1]):
        raise FieldError(
            f"{where}: a many field is named as a plural (tags, exercise_sets): it holds "
            "several rows"
        )
    by_plural = {info["names"].plural: model for model, info in resources.items()}
    if target is None:
        if own is not None and name == own.plural:
            target = own.model
        elif name not in by_plural:
            known = ", ".join(sorted(by_plural)) or "none yet"
            raise FieldError(
                f"{where}: many names another resource of the project by its plural, or "
                f"{name}:many:to=Resource; there is no resource {name} (plurals: {known})"
            )
        else:
            target = by_plural[name]
    if own is not None and target == own.model:
        raise FieldError(
            f"{where}: {own.model} cannot relate to itself yet (a many relation to rows of "
            "the same resource is not supported)"
        )
    if target not in resources:
        known = ", ".join(sorted(resources)) or "none yet"
        raise FieldError(f'{where}: to="{target[:40]}" is not a resource of the project ({known})')
    made = resources[target]["names"]
    field["target"] = target
    field["target_table"] = made.plural
    field["singular"] = made.singular if name == made.plural else singular_of(name)
    return field


def singular_of(word: str) -> str:
    """The singular of a snake_case plural, the regular way (``exercise_sets`` ->
    ``exercise_set``, ``categories`` -> ``category``, ``boxes`` -> ``box``)."""
    head, _, last = word.rpartition("_")
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif re.search(r"(ss|x|z|ch|sh)es$", last):
        last = last[:-2]
    elif last.endswith("s"):
        last = last[:-1]
    return f"{head}_{last}" if head else last


def join_table(resource: str, field: dict[str, Any]) -> str:
    """A many field's join table in Flask: ``workouts_tags`` (the resource's plural, the
    field's name)."""
    return f"{resource}_{field['name']}"


def _check_fits(field: dict[str, Any], key: str, where: str) -> None:
    """Refuse a ``default=``, ``min=`` or ``max=`` the field's column cannot hold: past a
    32-bit INTEGER, or past a decimal's precision and scale (digits or decimals)."""
    value = Decimal(str(field[key]))
    if field["type"] == "integer":
        low, high = INTEGER_RANGE
        if not low <= value <= high:
            raise FieldError(
                f"{where}: {key}={field[key]} does not fit an INTEGER column (from {low} to {high})"
            )
        return
    precision, scale = field["precision"], field["scale"]
    written = f"decimal:{precision}.{scale}"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > scale:
        raise FieldError(
            f"{where}: {key}={field[key]} has more decimals than {written} keeps ({scale})"
        )
    largest = Decimal(10) ** (precision - scale) - Decimal(10) ** -scale
    if abs(value) > largest:
        raise FieldError(
            f"{where}: {key}={field[key]} does not fit {written} (from -{largest} to {largest})"
        )


def _target_model(
    field: dict[str, Any], resources: dict[str, dict[str, Any]], where: str, own: Names | None
) -> str:
    """The resource a ``references`` field points at: ``to=`` names it (a resource of the
    project, the resource itself, or User); else the field's name is its singular
    (``workout`` -> Workout). ``to=`` is not kept: the target is."""
    to = field.pop("to", None)
    mine = {own.model: own.singular} if own is not None else {}
    by_singular = {info["names"].singular: model for model, info in resources.items()}
    by_singular.update({singular: model for model, singular in mine.items()})
    if to is not None:
        if to == USER or to in resources or to in mine:
            return str(to)
        known = ", ".join(sorted({*resources, *mine, USER}))
        raise FieldError(f"{where}: to={to} names no resource of the project (resources: {known})")
    name = field["name"]
    if name not in by_singular:
        known = ", ".join(sorted(by_singular)) or "none yet"
        raise FieldError(
            f"{where}: references names another resource of the project by its "
            f"snake_case singular name, or by to=Model ({name}:references:to=Workout); "
            f"there is no resource {name} (resources: {known})"
        )
    return by_singular[name]


def role_named(field: dict[str, Any]) -> bool:
    """Whether a relation is named for its role, not its target: a reference not by the
    target's singular (``coach`` to User), a many field not by its plural (``favourites``)."""
    if field["type"] == "many":
        return bool(field["name"] != field["target_table"])
    return bool(field["name"] != snake_case(field["target"]))


def related(field: dict[str, Any], made: Names) -> None:
    """Record a reference's reverse name (``related``) where it is not the plural every
    reference had before references were named for their role."""
    name = reverse_name(field, made)
    if name != made.plural:
        field["related"] = name


def reverse_name(field: dict[str, Any], made: Names) -> str:
    """What the target calls the ``made`` rows that reference it, in both frameworks:
    Workout.exercise_sets; a role-named reference prefixes its role, so two references to
    one table differ (User.coach_workouts, Account.from_account_transfers); a one-to-one
    names the one row (Profile.athlete)."""
    base = made.singular if field.get("unique") else made.plural
    return f"{field['name']}_{base}" if role_named(field) else base


def parse_fields(
    specs: list[str], resources: dict[str, dict[str, Any]] | None = None, own: Names | None = None
) -> list[dict[str, Any]]:
    """Every field of a resource, in the given order; duplicates refused."""
    if not specs:
        raise FieldError("give at least one field as name:type (e.g. name:string)")
    if len(specs) > MAX_FIELDS:
        raise FieldError(f"at most {MAX_FIELDS} fields a resource")
    fields: list[dict[str, Any]] = []
    seen: set[str] = set()
    for spec in specs:
        field = parse_field(spec, resources, own)
        columns = {field["name"], column_name(field)}
        if columns & seen:
            raise FieldError(f'field "{field["name"]}" is named twice')
        if field.get("unique") and field.get("index"):
            # SQLAlchemy makes the two one unique index, not a constraint and an index: the
            # migration would not be what the model says (and a unique field is indexed).
            name = field["name"]
            raise FieldError(f'field "{name}": a unique field is indexed already; drop index')
        seen |= columns
        fields.append(field)
    check_filter_names(fields)
    check_many_names(fields, own)
    return fields


def parse_unique(texts: list[str], parsed: list[dict[str, Any]], model: str) -> list[list[str]]:
    """Each ``--unique workout,tag``: two or more of the resource's fields whose values
    together are no other row's (a composite key), in the order given."""
    found: list[list[str]] = []
    names_ = [f["name"] for f in parsed]
    for text in texts:
        where = f'--unique "{text[:60]}"'
        group = text.split(",")
        if len(group) < 2 or len(set(group)) != len(group):
            raise FieldError(
                f"{where}: give two or more different fields separated by commas "
                "(--unique workout,tag); a single one is field:TYPE:unique"
            )
        for name in group:
            if name not in names_:
                raise FieldError(
                    f"{where}: {name[:50]} is not a field of {model} (fields: "
                    + ", ".join(names_)
                    + ")"
                )
        if any(set(group) == set(other) for other in found):
            raise FieldError(f"{where} is given twice")
        found.append(group)
    return found


# The types a list filters by range: <field>_min and <field>_max (both inclusive).
RANGED = frozenset({"integer", "decimal", "float", "date", "datetime"})


def check_filter_names(fields: list[dict[str, Any]]) -> None:
    """Refuse a field named as another's range filter (``reps`` next to ``reps_min``): the
    list's query would take one name for two things, in both starters."""
    columns = {column_name(field): field["name"] for field in fields}
    for field in fields:
        if field["type"] not in RANGED:
            continue
        for name in (f"{field['name']}_min", f"{field['name']}_max"):
            if name in columns:
                raise FieldError(
                    f'field "{columns[name]}": {name} is the range filter of field '
                    f"{field['name']} on the list ({field['name']}_min, {field['name']}_max); "
                    "name it otherwise"
                )


def many_names(field: dict[str, Any]) -> tuple[str, str]:
    """What a many field is written and filtered by: ``tag_ids`` and ``tag_id``."""
    return f"{field['singular']}_ids", f"{field['singular']}_id"


def check_many_names(fields: list[dict[str, Any]], own: Names | None) -> None:
    """Refuse a many field whose ids or filter would be another field's name, or whose join
    table's names the databases cannot hold."""
    columns = {column_name(field) for field in fields if field["type"] != "many"}
    taken: set[str] = set()
    for field in fields:
        if field["type"] != "many":
            continue
        where = f'field "{field["name"]}"'
        ids, filter_name = many_names(field)
        for name in (ids, filter_name):
            if name in columns or name in taken:
                raise FieldError(
                    f"{where}: its ids are written {ids} and filtered by {filter_name}, as "
                    "another field is named; name it otherwise"
                )
        taken |= {ids, filter_name}
        other = next(
            (f for f in fields if f is not field and f.get("target") == field["target"]), None
        )
        if other is not None:
            raise FieldError(
                f"{where}: field {other['name']} relates to {field['target']} already, and "
                f"{field['target']} lists the rows related to it by one name; keep one of them"
            )
        if own is None:
            continue
        table = join_table(own.plural, field)
        longest = max(
            f"fk_{table}_{own.singular}_id_{own.plural}",
            f"fk_{table}_{filter_name}_{field['target_table']}",
            key=len,
        )
        if len(longest) > MAX_IDENTIFIER:
            raise FieldError(
                f"{where}: its join table's constraint names would be over {MAX_IDENTIFIER} "
                f"characters ({longest}); choose a shorter name"
            )


def resource(
    made: Names, parsed: list[dict[str, Any]], owned: bool, resources: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """What a resource's answers file records: its names, whether owned, its fields.

    A reference records whether its target is owned: the rows it may refer to are
    then the user's own.
    """
    for item in parsed:
        if item["type"] == "references":
            mine = item["target"] == made.model
            target = {"owned": owned} if mine else resources.get(item["target"], {})
            item["target_owned"] = bool(target.get("owned"))
            related(item, made)
    return {
        "model": made.model,
        "singular": made.singular,
        "plural": made.plural,
        "url": made.url,
        "label": made.label,
        "label_plural": made.label_plural,
        "owned": owned,
        "fields": parsed,
        "constraints": True,
    }


# Django's app labels the starter installs: a resource's app takes none of them.
DJANGO_APPS = frozenset(
    {
        "accounts",
        "admin",
        "auth",
        "axes",
        "contenttypes",
        "django_celery_beat",
        "messages",
        "ninja",
        "polls",
        "resources",
        "sessions",
        "staticfiles",
        "whitenoise",
    }
)


def check_django_names(
    made: Names,
    parsed: list[dict[str, Any]],
    resources: dict[str, dict[str, Any]],
    packages: set[str],
) -> None:
    """What Django adds to the rules: an app label of its own (not one of ``packages``,
    the project's folders) and TextChoices that do not collide."""
    if made.plural in DJANGO_APPS | packages:
        raise FieldError(
            f'resource name "{made.model}": its app would be named {made.plural}, as one of '
            "the project's own packages or installed apps is"
        )
    for item in parsed:
        if item["type"] == "choice" and item["name"].title().replace("_", "") == made.model:
            raise FieldError(
                f'field "{item["name"]}": its choices class would be named {made.model}, as '
                "the model is; name the field otherwise"
            )
        members = [value.upper().replace("-", "_") for value in item.get("choices", [])]
        if len(set(members)) != len(members):
            raise FieldError(
                f'field "{item["name"]}": choices that differ only in - and _ are one Python '
                "name; choose other values"
            )


def check_reverse_names(
    made: Names,
    parsed: list[dict[str, Any]],
    resources: dict[str, dict[str, Any]],
    referrers: list[tuple[Names, str, str]],
) -> None:
    """A reference gives its target a reverse relation (``reverse_name``: Tag.posts lists
    the posts of a tag, in both frameworks): it must not be one of the target's fields.
    ``referrers``: the resources that reference this one, each with the field that does
    and the reverse name it takes, so this resource takes no field of that name either."""
    refs = [item for item in parsed if item["type"] == "references"]
    for item in refs:
        reverse = reverse_name(item, made)
        mine = item["target"] == made.model
        target = {"fields": parsed} if mine else resources.get(item["target"], {})
        if any(f["name"] == reverse for f in target.get("fields") or []):
            raise FieldError(
                f'field "{item["name"]}": {item["target"]}.{reverse} would list these '
                f"{made.label_plural}, but {item['target']} has a field of that name"
            )
    taken = {f["name"] for f in parsed}
    for other, by, reverse in referrers:
        if reverse in taken:
            raise FieldError(
                f'field "{reverse}": {made.model}.{reverse} lists the {other.label_plural} that '
                f"reference it ({other.model}'s field {by}); name the field otherwise"
            )


def live(recorded: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The recorded resources that have not been destroyed (a destroyed one keeps its
    answers file, ``destroyed: true``)."""
    return {model: info for model, info in recorded.items() if not info.get("destroyed")}


def column_name(field: dict[str, Any]) -> str:
    """A field's column; a many field has none in its resource's table (its join table is
    named by it)."""
    return f"{field['name']}_id" if field["type"] == "references" else field["name"]


def spec_of(field: dict[str, Any]) -> str:
    """The command-line form of a field record (``parse_field``'s inverse)."""
    parts = [field["name"], field["type"]]
    kind = field["type"]
    if kind == "string" and field.get("length", STRING_LENGTH) != STRING_LENGTH:
        parts.append(str(field["length"]))
    if kind == "decimal" and (field.get("precision"), field.get("scale")) != DECIMAL:
        parts.append(f"{field['precision']}.{field['scale']}")
    if kind == "choice":
        parts.append("/".join(field["choices"]))
    if kind == "references" and field.get("on_delete", "cascade") != "cascade":
        parts.append(field["on_delete"])
    if kind in ("references", "many") and role_named(field):
        parts.append(f"to={field['target']}")
    parts += [flag for flag in FLAGS if field.get(flag)]
    for key in SETTINGS:
        if key in field:
            value = field[key]
            parts.append(f"{key}={str(value).lower() if isinstance(value, bool) else value}")
    if RENAMED_FROM in field:
        parts.append(f"{RENAMED_FROM}={field[RENAMED_FROM]}")
    return ":".join(parts)


def schema_of(field: dict[str, Any]) -> tuple[Any, ...]:
    """What of a field the database holds: a change here needs a migration.

    Its column, and the CHECK constraint of ``min=``/``max=`` and of a choice's
    values; a default lives in the code (a choice's column is as wide as its
    longest value).
    """
    kind = field["type"]
    width = {
        "string": field.get("length"),
        "decimal": (field.get("precision"), field.get("scale")),
        "choice": max(map(len, field.get("choices") or [""])),
        "references": (field.get("target_table"), field.get("on_delete")),
        "many": field.get("target_table"),
    }.get(kind)
    flags = tuple(bool(field.get(flag)) for flag in FLAGS)
    checks = (
        (None, None, ())  # a resource recorded before the database kept the rules
        if field.get("unchecked")
        else (field.get("min"), field.get("max"), tuple(field.get("choices") or ()))
    )
    return (kind, width, *flags, checks)


def resolve_renames(
    before: list[dict[str, Any]] | None,
    after: list[dict[str, Any]],
    retargeted: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """``after`` with each ``renamed_from`` checked against ``before``, the recorded fields
    (None: a new resource, which has nothing to rename: its fields are created).

    A rename is pending while ``before`` has the old name and not the new one; done
    already (the new name recorded, the old one gone: a model file applied again, a
    command run twice) it is dropped, so a later run never renames again. Refused: an
    old name ``before`` lacks, one kept beside its new name, one renamed twice, and a
    rename with a change of type or modifiers in the same step (rename, then change).
    ``retargeted``: tables renamed with their rows (``stackgen rename resource``), old to
    new: a reference to one is renamed with it, its values still the same rows.
    """
    if before is None:
        return settled(after)
    old = {f["name"]: f for f in before}
    kept = {f["name"] for f in after}
    result, taken = [], set()
    for field in after:
        source = field.get(RENAMED_FROM)
        if source is None:
            result.append(field)
            continue
        where = f'field "{field["name"]}"'
        plain = {k: v for k, v in field.items() if k != RENAMED_FROM}
        if field["name"] in old and source not in old:
            result.append(plain)  # renamed already
            continue
        if source not in old:
            known = ", ".join(old) or "none"
            raise FieldError(
                f"{where}: renamed_from={source}, but there is no field {source} "
                f"(the fields: {known})"
            )
        if field["name"] in old:
            raise FieldError(
                f"{where}: renamed_from={source}, but {field['name']} is a field "
                "already; drop it first or choose another name"
            )
        if source in kept:
            raise FieldError(f"{where}: renamed_from={source}, but {source} is kept too")
        if source in taken:
            raise FieldError(f"{where}: {source} is renamed twice")
        taken.add(source)
        was = {**old[source], "name": field["name"]}
        if was.get("target_table") in (retargeted or {}):
            was["target_table"] = (retargeted or {})[was["target_table"]]
        if schema_of(was) != schema_of(plain):
            raise FieldError(
                f"{where}: rename {source} first, with its type and modifiers as they are "
                f"({spec_of(was)}:renamed_from={source}), then change it in a second regenerate"
            )
        result.append(field)
    return result


def follow_retargets(
    before: list[dict[str, Any]], after: list[dict[str, Any]], retargeted: dict[str, str]
) -> list[dict[str, Any]]:
    """``after`` with each many field whose target was renamed (``retargeted``, old table to
    new) under the field's own name marked as renamed from itself: its join table keeps its
    pairs, and the foreign key named by the target's table is named anew (``changes``)."""
    old = {f["name"]: f for f in before if f["type"] == "many"}
    marked = []
    for field in after:
        was = old.get(field["name"])
        if (
            field["type"] == "many"
            and was is not None
            and retargeted.get(was["target_table"]) == field["target_table"]
        ):
            field = {**field, RENAMED_FROM: field["name"]}
        marked.append(field)
    return marked


def settled(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fields as recorded once their renames are applied: without ``renamed_from``."""
    return [{k: v for k, v in f.items() if k != RENAMED_FROM} for f in items]


def changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, list]:
    """How a resource's columns go from ``before`` to ``after``, by column name.

    ``added`` and ``dropped`` are fields; ``altered`` holds ``[old, new]`` pairs
    whose columns differ (a many field whose target changes is another join table);
    ``renamed`` holds ``[old, new]`` pairs of a field of ``after`` with ``renamed_from``
    (``resolve_renames``): its column is renamed, its values kept.
    ``undo(changes(a, b))`` is ``changes(b, a)`` with renames reversed.
    """
    by_name = {f["name"]: f for f in before}
    renamed = [
        [by_name[f[RENAMED_FROM]], f]
        for f in after
        if f.get(RENAMED_FROM) in by_name
        and (f["name"] not in by_name or f[RENAMED_FROM] == f["name"])  # follow_retargets
    ]
    gone = {_changed_by(old) for old, _ in renamed}
    came = {_changed_by(new) for _, new in renamed}
    old = {_changed_by(f): f for f in before if _changed_by(f) not in gone}
    new = {_changed_by(f): f for f in after if _changed_by(f) not in came}
    return {
        "added": [f for name, f in new.items() if name not in old],
        "dropped": [f for name, f in old.items() if name not in new],
        "altered": [
            [old[name], f]
            for name, f in new.items()
            if name in old and schema_of(old[name]) != schema_of(f)
        ],
        "renamed": renamed,
    }


def _changed_by(field: dict[str, Any]) -> str:
    if field["type"] == "many":
        return f"{field['name']} many {field['target_table']}"
    return column_name(field)


def describe_unique(before: list[list[str]], after: list[list[str]]) -> list[str]:
    """One line per composite key added or dropped (``--unique a,b``)."""
    return [f"drop unique {','.join(g)}" for g in before if g not in after] + [
        f"add unique {','.join(g)}" for g in after if g not in before
    ]


def undo(change: dict[str, list]) -> dict[str, list]:
    return {
        "added": change["dropped"],
        "dropped": change["added"],
        "altered": [[new, old] for old, new in change["altered"]],
        "renamed": [[new, old] for old, new in change.get("renamed", [])],
    }


def describe_changes(change: dict[str, list]) -> list[str]:
    """One line per column change, as the command line spells the fields."""
    return (
        [
            f"{old['name']} renamed to {new['name']}"
            if old["name"] != new["name"]
            else f"{new['name']} relates to {new['target']}"
            for old, new in change.get("renamed", [])
        ]
        + [f"add {spec_of(f)}" for f in change["added"]]
        + [f"drop {spec_of(f)}" for f in change["dropped"]]
        + [
            f"check {spec_of(new)} in the database"
            if old.get("unchecked") and spec_of(old) == spec_of(new)
            else f"change {spec_of(old)} to {spec_of(new)}"
            for old, new in change["altered"]
        ]
    )
