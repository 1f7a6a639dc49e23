"""Request and response models: they validate input, shape output and document the API.

They are pydantic models, which APIFlask supports as it does marshmallow
schemas; pydantic's compiled core serializes a page of actors in a third of
marshmallow's time.
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from apiflask import abort
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
    model_validator,
)

MAX_ID = 2**63 - 1  # the largest id a BIGINT (and SQLite) can hold
MAX_INT = 2**31 - 1  # the largest INTEGER every database holds
MAX_PAGE = 1_000
MAX_PER_PAGE = 100
# The longest text field: one that long still fits in a request body (64 KiB,
# MAX_CONTENT_LENGTH in config.py) with the other fields of its row.
MAX_TEXT = 16_000
# The query parameters that page a list; every other one of a list filters it.
PAGING = frozenset({"page", "per_page", "after", "before", "last"})


# Visible text: no control characters, and at least one non-space character.
# The same pattern goes into the OpenAPI document.
TEXT = r"^[^\x00-\x1f\x7f-\x9f]*$"
VISIBLE_TEXT = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f\ufeff][^\x00-\x1f\x7f-\x9f]*$"
# Paragraphs: the same, but tab, line feed and carriage return are allowed.
PARAGRAPHS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
VISIBLE_PARAGRAPHS = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f\ufeff]"
    r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
)
EMAIL = r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+$"
URL = r"^https?://[^\s\x00-\x1f\x7f-\x9f/$.?#][^\s\x00-\x1f\x7f-\x9f]*$"


def matching(pattern: str, error: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def validate(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(error)
        return value

    return validate


DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}.*", re.DOTALL)


def date_text(value: Any) -> Any:
    """Dates are sent as YYYY-MM-DD text, as the OpenAPI document says (pydantic
    alone would also take a number of seconds since 1970, as a number or as text)."""
    if (isinstance(value, str) and DATE_TEXT.fullmatch(value)) or isinstance(value, date):
        return value
    if value is None:
        return value
    raise ValueError("Must be a date written as YYYY-MM-DD.")


def as_utc(value: datetime) -> datetime:
    """Timestamps are stored in UTC; say so even where the column drops the zone."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def to_utc(value: datetime) -> datetime:
    """An instant sent with any offset is stored in UTC: SQLite (and MariaDB) keep no
    offset, so 18:30+01:00 stored as it is would read back as 18:30Z, an hour wrong."""
    return value.astimezone(UTC)


def datetime_text(value: Any) -> Any:
    """Instants are sent as ISO 8601 text with an offset (pydantic alone would also take
    a number of seconds since 1970)."""
    if (isinstance(value, str) and DATETIME_TEXT.fullmatch(value)) or isinstance(value, datetime):
        return value
    if value is None:
        return value
    raise ValueError("Must be a date and time written as ISO 8601, with its offset.")


# Validated as sent, then stored without surrounding spaces. Lone surrogates
# ("\ud800", valid JSON but text no database stores) are refused by pydantic.
Name = Annotated[
    str,
    Field(
        min_length=1,
        max_length=120,
        json_schema_extra={"pattern": VISIBLE_TEXT},
        examples=["Tilda Swinton"],
    ),
    AfterValidator(matching(VISIBLE_TEXT, "Must not be blank or contain control characters.")),
    AfterValidator(str.strip),
]
BirthDate = Annotated[date | None, BeforeValidator(date_text), Field(examples=["1960-11-05"])]
SearchTerm = Annotated[
    str,
    Field(max_length=120, json_schema_extra={"pattern": TEXT}),
    AfterValidator(matching(TEXT, "Must not contain control characters.")),
]
UTCDateTime = Annotated[datetime, AfterValidator(as_utc)]

# The types of resources' fields as sent (``stackgen generate resource``): one rule each,
# here and nowhere else. Each field adds its own bounds (``Field(max_length=...)``).
BLANK_OR_CONTROL = "Must not be blank or contain control characters."
# One line of text, not blank (a string field); Text may be blank (a filter on one).
VisibleText = Annotated[
    str,
    Field(json_schema_extra={"pattern": VISIBLE_TEXT}),
    AfterValidator(matching(VISIBLE_TEXT, BLANK_OR_CONTROL)),
]
Text = Annotated[
    str,
    Field(json_schema_extra={"pattern": TEXT}),
    AfterValidator(matching(TEXT, "Must not contain control characters.")),
]
# Text of many lines (a text field), not blank.
Paragraphs = Annotated[
    str,
    Field(max_length=MAX_TEXT, json_schema_extra={"pattern": VISIBLE_PARAGRAPHS}),
    AfterValidator(matching(VISIBLE_PARAGRAPHS, BLANK_OR_CONTROL)),
]
Email = Annotated[
    str,
    Field(max_length=254, json_schema_extra={"pattern": EMAIL}, examples=["ada@example.com"]),
    AfterValidator(matching(EMAIL, "Must be an email address.")),
]
Url = Annotated[
    str,
    Field(max_length=200, json_schema_extra={"pattern": URL}, examples=["https://example.com/"]),
    AfterValidator(matching(URL, "Must be an http or https URL.")),
]


def whole_number(value: Any) -> Any:
    """5.0 is the integer 5, as JSON Schema (and so the OpenAPI document) has it."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Strict: true is not 1 and "5" is not 5 (pydantic's lax mode would take both).
Integer = Annotated[int, BeforeValidator(whole_number), Strict()]
# (The bounds go before the validator: after it, pydantic documents them as "ge"/"le".)
Reference = Annotated[int, Strict(), Field(ge=1, le=MAX_ID), BeforeValidator(whole_number)]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]  # 1 is a number, "1" is not


def fixed_point(precision: int, scale: int, **rules: Any) -> Any:
    """The rules of a decimal of ``precision`` digits, ``scale`` of them after the point.

    It is sent as a JSON number or as text (pydantic's Decimal; never true), within the
    bounds its digits allow unless ``rules`` narrow them (``ge=``, ``le=``, ``default=``).
    The OpenAPI document says the same (bounds and step for a number, a pattern for text)
    so that what it allows is taken.
    """
    step = Decimal(1).scaleb(-scale)
    largest = Decimal(10) ** (precision - scale) - step
    whole = r"\d{1," + str(precision - scale) + "}" if precision > scale else "0"
    fraction = r"(\.\d{1," + str(scale) + "})?" if scale else ""
    return Field(
        **{"ge": -largest, "le": largest, **rules},
        max_digits=precision,
        decimal_places=scale,
        multiple_of=step,
        json_schema_extra={"pattern": f"^-?{whole}{fraction}$"},
    )


Day = Annotated[date, BeforeValidator(date_text)]
Instant = Annotated[AwareDatetime, BeforeValidator(datetime_text), AfterValidator(to_utc)]
# An id, optional; documented as an integer alone: a query string cannot send null.
Cursor = Annotated[
    int | None, Field(le=MAX_ID), WithJsonSchema({"type": "integer", "maximum": MAX_ID})
]
# A user's id, the same way: users.id is an INTEGER, a resource's id a BIGINT.
UserCursor = Annotated[
    int | None, Field(le=MAX_INT), WithJsonSchema({"type": "integer", "maximum": MAX_INT})
]


def empty_is_null(value: Any) -> Any:
    return None if value == "" else value


def documents_empty(schema: dict[str, Any]) -> None:
    schema["anyOf"] = [*schema.get("anyOf", []), {"type": "string", "maxLength": 0}]


Sent = TypeVar("Sent")
# An optional text field: "" stands for no value, stored and read back as null (Django
# answers the same); the OpenAPI document says "" is taken.
NullIfEmpty = Annotated[
    Sent | None, BeforeValidator(empty_is_null), Field(json_schema_extra=documents_empty)
]


def boolean_text(value: Any) -> Any:
    """A boolean filter is written true or false (pydantic alone would also take yes, 1, on)."""
    if value not in ("true", "false"):
        raise ValueError("Must be true or false.")
    return value == "true"


# The types of filters, as a query string sends them: text parsed as strictly as the body's.
QueryBool = Annotated[bool, BeforeValidator(boolean_text)]
QueryInteger = Annotated[int, Field(ge=-MAX_INT - 1, le=MAX_INT)]
QueryNumber = Annotated[float, Field(allow_inf_nan=False)]


class ListQuery(BaseModel):
    """The query of a list: its paging, and the filters a resource adds (``*Query``).

    A parameter the list does not take is a 400 naming the ones it does: a misspelt
    filter would otherwise be ignored and list every row.
    """

    model_config = ConfigDict(extra="forbid")

    page: int = Field(
        default=1,
        ge=1,
        le=MAX_PAGE,
        description="Page number, for the first pages; follow `next` beyond.",
    )
    per_page: int = Field(default=20, ge=1, le=MAX_PER_PAGE)
    after: Cursor = Field(
        default=None,
        ge=0,
        description="Cursor: the page that follows the row with this id.",
        json_schema_extra={"minimum": 0},
    )
    before: Cursor = Field(
        default=None,
        ge=1,
        description="Cursor: the page that precedes the row with this id.",
        json_schema_extra={"minimum": 1},
    )
    last: bool = Field(default=False, description="The last page: the final `per_page` rows.")

    @model_validator(mode="before")
    @classmethod
    def refuse_unknown_parameters(cls, sent: Any) -> Any:
        if isinstance(sent, dict):
            unknown = unknown_parameters(sent, cls.model_fields)
            if unknown:
                abort(400, **unknown)
        return sent


def unknown_parameters(sent: dict[str, Any], accepted: Any) -> dict[str, Any]:
    """The 400 for the query parameters in ``sent`` a list does not take, or nothing."""
    unknown = sorted(name for name in sent if name not in accepted)
    if not unknown:
        return {}
    names = ", ".join(sorted(accepted))
    words = "parameter" if len(unknown) == 1 else "parameters"
    return {
        "message": f"Unknown query {words} {', '.join(unknown)}; accepted: {names}.",
        "detail": {
            "query": {name: [f"Unknown query parameter; accepted: {names}."] for name in unknown}
        },
    }


class ActorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    birth_date: BirthDate = None


# Read with model_dump(exclude_unset=True): only the fields sent are changed.
class ActorPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Left out, a field keeps its value; sent, it is validated (null is not a name).
    name: Name = Field(default=None)
    birth_date: BirthDate = None


class ActorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    birth_date: date | None
    created_at: UTCDateTime
    updated_at: UTCDateTime


class ActorQuery(ListQuery):
    q: SearchTerm = Field(
        default="", description="Only actors whose name contains this (case-insensitive)."
    )


class Pagination(BaseModel):
    page: int | None = Field(description="The page number, or null for a cursor page.")
    per_page: int
    first: str
    last: str
    prev: str | None
    next: str | None


class ActorPage(BaseModel):
    items: list[ActorOut]
    pagination: Pagination


# Signing in (api/auth.py). A password is 8 to 1024 characters: hashing a
# longer one would let a client make the server work for nothing.
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
TokenName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=80,
        json_schema_extra={"pattern": VISIBLE_TEXT},
        description="Which device or script holds the token, to tell your tokens apart.",
        examples=["laptop"],
    ),
    AfterValidator(matching(VISIBLE_TEXT, BLANK_OR_CONTROL)),
]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    username: str = Field(min_length=1, max_length=80, examples=["ann"])
    password: str = Field(min_length=1, max_length=MAX_PASSWORD, examples=["a long passphrase"])
    name: TokenName


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    email: Email


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    token: str = Field(min_length=1, max_length=500, description="The token from the mail.")
    password: str = Field(
        min_length=MIN_PASSWORD, max_length=MAX_PASSWORD, examples=["a new long passphrase"]
    )


class Accepted(BaseModel):
    message: str


class TokenOut(BaseModel):
    """One of your tokens, never its secret: only its digest is stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: UTCDateTime
    last_used_at: UTCDateTime | None
    expires_at: UTCDateTime


class NewToken(BaseModel):
    token: str = Field(description="Send it as `Authorization: Bearer <token>`; shown once.")
    id: int
    name: str
    created_at: UTCDateTime
    last_used_at: UTCDateTime | None
    expires_at: UTCDateTime


class TokenList(BaseModel):
    items: list[TokenOut]


class Me(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    email: str | None
    is_staff: bool
