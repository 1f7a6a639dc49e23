"""Answering a write: the row as stored, read before the commit."""

from typing import Any

from pydantic import BaseModel

from ..extensions import Base, db


def saved(row: Base, out: type[BaseModel]) -> dict[str, Any]:
    """Commit ``row`` and answer with it as stored, shaped by ``out``.

    It is read back inside the transaction (with the database's own rounding
    of timestamps), so that once the write is committed the answer needs the
    database no more: a database lost meanwhile is a 503 for a write that did
    not happen, never a 500 for one that did. (Flask-SQLAlchemy expires rows
    on commit; shaping the answer afterwards would query again.)
    """
    db.session.flush()
    db.session.refresh(row)
    answer = out.model_validate(row).model_dump()
    db.session.commit()
    return answer
