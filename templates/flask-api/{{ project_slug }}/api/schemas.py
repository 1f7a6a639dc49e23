"""Request and response schemas; they validate input and document the API."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, Range
from marshmallow import ValidationError, post_load

MAX_ID = 2**63 - 1  # the largest id a BIGINT (and SQLite) can hold
MAX_PAGE = 1_000
MAX_PER_PAGE = 100


# Visible text: no control characters, and at least one non-space character.
# The same pattern goes into the OpenAPI document.
TEXT = r"^[^\x00-\x1f\x7f-\x9f]*$"
VISIBLE_TEXT = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f\ufeff][^\x00-\x1f\x7f-\x9f]*$"


def matches(pattern: str, error: str) -> Callable[[str], None]:
    def validate(value: str) -> None:
        if not re.fullmatch(pattern, value):
            raise ValidationError(error)

    return validate


def unicode_text(value: str) -> None:
    """JSON can carry lone surrogates ("\\ud800"): valid JSON, but text no database stores."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValidationError("Must be Unicode text (no lone surrogates).") from None


def name_field(**kwargs: Any) -> String:
    return String(
        validate=[
            Length(min=1, max=120),
            unicode_text,
            matches(VISIBLE_TEXT, "Must not be blank or contain control characters."),
        ],
        metadata={"pattern": VISIBLE_TEXT, "example": "Tilda Swinton"},
        **kwargs,
    )


class ActorInput(Schema):
    """Names are validated as sent, then stored without surrounding spaces."""

    @post_load
    def strip_name(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if "name" in data:
            data["name"] = data["name"].strip()
        return data


class UTCDateTime(DateTime):
    """Timestamps are stored in UTC; say so even where the column drops the zone."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class ActorIn(ActorInput):
    name = name_field(required=True)
    birth_date = Date(allow_none=True, load_default=None, metadata={"example": "1960-11-05"})


class ActorPatch(ActorInput):
    name = name_field()
    birth_date = Date(allow_none=True, metadata={"example": "1960-11-05"})


class ActorOut(Schema):
    id = Integer(required=True)
    name = String(required=True)
    birth_date = Date(required=True, allow_none=True)
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)


class ActorQuery(Schema):
    page = Integer(
        load_default=1,
        validate=Range(min=1, max=MAX_PAGE),
        metadata={"description": "Page number, for the first pages; follow `next` beyond."},
    )
    per_page = Integer(load_default=20, validate=Range(min=1, max=MAX_PER_PAGE))
    q = String(
        validate=[Length(max=120), matches(TEXT, "Must not contain control characters.")],
        metadata={
            "description": "Only actors whose name contains this (case-insensitive).",
            "pattern": TEXT,
        },
    )
    after = Integer(
        validate=Range(min=0, max=MAX_ID),
        metadata={"description": "Cursor: the page that follows the actor with this id."},
    )
    before = Integer(
        validate=Range(min=1, max=MAX_ID),
        metadata={"description": "Cursor: the page that precedes the actor with this id."},
    )
    last = Boolean(
        load_default=False,
        metadata={"description": "The last page: the final `per_page` actors."},
    )


class PaginationOut(Schema):
    page = Integer(
        required=True,
        allow_none=True,
        metadata={"description": "The page number, or null for a cursor page."},
    )
    per_page = Integer(required=True)
    first = String(required=True)
    last = String(required=True)
    prev = String(required=True, allow_none=True)
    next = String(required=True, allow_none=True)


class ActorPage(Schema):
    items = List(Nested(ActorOut), required=True)
    pagination = Nested(PaginationOut, required=True)
