"""What the views of every resource share: which rows a user may reach, and who may write.

Each resource's model says which of its rows a user may see, as one SQL condition,
``Model.visible_to(user)``: the user's own (owned), those of a parent the user may see
(scoped through a reference), or all of them (shared). Everything here goes through
it, so a row the user may not see is missing wherever it is asked for: a 404 by id,
absent from lists and filters, and the same 422 as a reference as a row that does not
exist (the words give away no other user's ids).
"""

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, Protocol, TypeVar

from apiflask import abort
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, select

from ..auth import current_user
from ..extensions import Base, db
from ..models import User
from .schemas import MAX_ID
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


def save(
    row: Base,
    data: Mapping[str, Any],
    out: type[BaseModel],
    references: Mapping[str, type[Visible]] | None = None,
) -> dict[str, Any]:
    """Check the references sent, set the fields sent on ``row`` and commit it (``saved``)."""
    check_references(data, references or {})
    for field, value in data.items():
        setattr(row, field, value)
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
