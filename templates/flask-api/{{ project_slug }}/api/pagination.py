"""Page-number pagination that stays fast at both ends of a large table.

Rows are ordered by a unique, indexed key (the primary key), and every page
is read with one ``LIMIT per_page + 1`` query; the extra row says whether
another page follows. No ``COUNT(*)`` is run, so the answer carries links,
not a total:

- ``page=N`` reads ``OFFSET (N - 1) * per_page``; numbers are capped
  (``MAX_PAGE``) because an offset costs as many rows as it skips;
- ``next``/``prev`` links are keyset cursors (``after``/``before`` an id),
  which cost the same on the millionth page as on the first;
- ``last`` reads the index backwards, so the last page is as cheap as the
  first. It holds the final ``per_page`` rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from ..extensions import db


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    pagination: dict[str, Any]


def paginate(
    statement: Select[Any],
    key: InstrumentedAttribute[int],
    *,
    per_page: int,
    page: int = 1,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
    **link_args: Any,
) -> Page:
    """Run ``statement`` for one page, ordered by ``key``.

    Cursor arguments win over ``page``: ``last``, then ``before``, then ``after``.
    ``link_args`` (a search term, say) are carried into every link.
    """
    number: int | None = None
    if last or before is not None:
        if before is not None:
            statement = statement.where(key < before)
        rows = list(db.session.scalars(statement.order_by(key.desc()).limit(per_page + 1)))
        has_prev = len(rows) > per_page
        rows = rows[:per_page][::-1]
        has_next = bool(rows) and not last
    else:
        if after is not None:
            statement = statement.where(key > after)
            has_prev = True
        else:
            number = page
            statement = statement.offset((page - 1) * per_page)
            has_prev = page > 1
        rows = list(db.session.scalars(statement.order_by(key).limit(per_page + 1)))
        has_next = len(rows) > per_page
        rows = rows[:per_page]

    def link(**args: Any) -> str:
        return url_for(request.endpoint or "", **link_args, **args, per_page=per_page)

    prev = None
    if has_prev and number is not None:
        prev = link(page=number - 1)
    elif has_prev and rows:
        prev = link(before=getattr(rows[0], key.key))
    return Page(
        items=rows,
        pagination={
            "page": number,
            "per_page": per_page,
            "first": link(),
            "last": link(last="true"),
            "prev": prev,
            "next": link(after=getattr(rows[-1], key.key)) if has_next and rows else None,
        },
    )
