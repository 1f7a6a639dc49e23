"""What the views of every resource share: which rows a user may reach, and who may write.

Each resource's model says which of its rows a user may see, as one SQL condition,
``Model.visible_to(user)``: the user's own (owned), those of a parent the user may see
(scoped through a reference), or all of them (shared). Everything here goes through
it, so a row the user may not see is missing wherever it is asked for: a 404 by id,
absent from lists and filters, and the same 422 as a reference as a row that does not
exist (the words give away no other user's ids).

A list's filters are its query model's fields besides paging: ``<field>`` is equal,
``<field>_min`` and ``<field>_max`` bound a range (both inclusive); ``<related>_id`` of a
many relation keeps the rows related to that row (``?tag_id=3``).
"""

import re
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, Protocol, TypeVar

from apiflask import abort
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, select

from ..auth import current_user
from ..extensions import Base, db
from ..models import User
from .pagination import paginate
from .schemas import MAX_ID, PAGING, ListQuery
from .writes import saved


class Visible(Protocol):
    """A resource's model: rows with an id, and the condition saying who sees them."""

    id: Any

    @classmethod
    def visible_to(cls, user: User) -> ColumnElement[bool]: ...


Row = TypeVar("Row", bound=Visible)
View = TypeVar("View", bound=Callable[..., Any])


def visible(model: type[Row]) -> Select[tuple[Row]]:
    """The rows of ``model`` that the signed-in user may see, to filter and page further."""
    return select(model).where(model.visible_to(current_user()))


def condition(model: type[Visible], name: str, value: Any) -> ColumnElement[bool]:
    """The SQL of one filter: ``title`` is equal, ``reps_min``/``reps_max`` bound a range.

    A column of the filter's own name wins: the generator refuses a field whose filter
    names would collide with another field's (``reps`` next to ``reps_min``).
    """
    columns = model.__table__.columns  # type: ignore[attr-defined]
    if name in columns:
        return columns[name] == value
    field, _, bound = name.rpartition("_")
    if field in columns and bound == "min":
        return columns[field] >= value
    if field in columns and bound == "max":
        return columns[field] <= value
    raise LookupError(f"{model.__name__} has no column to filter by {name}")


def query_text(value: Any) -> str:
    """A filter's value written back into a link: ``true``, not ``True``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def listed(
    model: type[Row], query: ListQuery, related: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One page of the rows of ``model`` the user may see, filtered as ``query`` says;
    ``related`` maps a many relation's filter to it (``{"tag_id": Workout.tags}``).

    The filters go into every link of the page, so cursors page through the same rows.
    """
    statement = visible(model)
    filters = query.model_dump(exclude=PAGING, exclude_none=True)
    for name, value in filters.items():
        if related and name in related:
            statement = statement.where(related[name].any(id=value))
        else:
            statement = statement.where(condition(model, name, value))
    sent = query.model_dump(mode="json", exclude=PAGING, exclude_none=True)
    links = {name: query_text(value) for name, value in sent.items()}
    page = paginate(statement, model.id, **query.model_dump(include=PAGING), **links)
    return {"items": page.items, "pagination": page.pagination}


def get_or_404(model: type[Row], row_id: int) -> Row:
    """The row, if the user may see it: another user's is as missing as a deleted one."""
    # Ids beyond what the column holds cannot exist; asking would overflow it.
    statement = visible(model).where(model.id == row_id)
    found = db.session.scalar(statement) if row_id <= MAX_ID else None
    if found is None:
        abort(404, message=f"{model.__name__} {row_id} not found.")
    return found


def check_references(data: Mapping[str, Any], references: Mapping[str, type[Visible]]) -> None:
    """Each reference sent (``{"workout_id": Workout}``) must name a row the user may see.

    Otherwise it is the client's mistake, a 422 naming the field, in the same words for a
    row that does not exist and for a row that is someone else's.
    """
    user = current_user()
    for field, model in references.items():
        row_id = data.get(field)
        if row_id is None:
            continue
        statement = select(model.id).where(model.id == row_id, model.visible_to(user))
        if row_id > MAX_ID or db.session.scalar(statement) is None:
            message = f"{model.__name__} {row_id} not found."
            abort(422, message=message, detail={"json": {field: [message]}})


def related_rows(data: Mapping[str, Any], field: str, model: type[Row]) -> list[Row]:
    """The rows a many field's ids name (``tag_ids``), in id order, each one the user may
    see: else a 422 naming the field, in the words of a missing reference."""
    ids = sorted(set(data[field]))
    statement = select(model).where(model.id.in_(ids), model.visible_to(current_user()))
    rows = list(db.session.scalars(statement.order_by(model.id)))
    missing = sorted(set(ids) - {row.id for row in rows})
    if missing:
        message = f"{model.__name__} {missing[0]} not found."
        abort(422, message=message, detail={"json": {field: [message]}})
    return rows


def article(word: str) -> str:
    """The article before ``word``, by its sound: an exercise, an hour, a user, a unit."""
    if word.startswith(("hour", "heir", "hono")):
        return "an"
    if word.startswith(("uni", "one", "eu")) or re.match(r"u[^aeiou][aeiouy]", word):
        return "a"
    return "an" if word[:1] in ("a", "e", "i", "o", "u") else "a"


def described(model: type[Any]) -> str:
    """How a sentence names one row of ``model``: ``ExerciseSet`` is "an exercise set"."""
    label = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", model.__name__).lower()
    return f"{article(label)} {label}"


def check_unique(row: Base, data: Mapping[str, Any]) -> None:
    """A value sent for a unique column must be no other row's: else a 409 naming the field.

    Checked before writing, so the answer names the field; two writes racing past this
    both reach the unique index, and the loser is still a 409 (errors.py).
    """
    model = type(row)
    for column in model.__table__.columns:
        value = data.get(column.key)
        if not column.unique or value is None:
            continue
        statement = select(column).where(column == value)
        if row.id is not None:
            statement = statement.where(model.__table__.c.id != row.id)
        if db.session.scalar(statement.limit(1)) is not None:
            what = column.key.removesuffix("_id").replace("_", " ")
            message = f"{described(model).capitalize()} with this {what} already exists."
            abort(409, message=message, detail={"json": {column.key: [message]}})


def save(
    row: Base,
    data: Mapping[str, Any],
    out: type[BaseModel],
    references: Mapping[str, type[Visible]] | None = None,
    many: Mapping[str, tuple[str, type[Visible]]] | None = None,
) -> dict[str, Any]:
    """Check the references and unique values sent, set the fields sent on ``row`` and
    commit it (``saved``). ``many``: each many field's ids, with the relation they set and
    its model (``{"tag_ids": ("tags", Tag)}``); ids sent replace the set, null keeps it."""
    many = many or {}
    check_references(data, references or {})
    sets = {
        relation: related_rows(data, field, model)
        for field, (relation, model) in many.items()
        if data.get(field) is not None
    }
    check_unique(row, data)
    for field, value in data.items():
        if field not in many:
            setattr(row, field, value)
    for relation, rows in sets.items():
        setattr(row, relation, rows)
    db.session.add(row)
    return saved(row, out)


def staff_only(what: str) -> Callable[[View], View]:
    """Let only staff through to the view (a 403 for others): ``@staff_only("exercises")``.

    It goes under ``@bp.auth_required(auth)`` and above ``@bp.input(...)``: a user who may
    not write is told so before the body is validated.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def staff_view(*args: Any, **kwargs: Any) -> Any:
            if not current_user().is_staff:
                abort(403, message=f"Only staff may change {what}.")
            return view(*args, **kwargs)

        return staff_view  # type: ignore[return-value]

    return decorate
