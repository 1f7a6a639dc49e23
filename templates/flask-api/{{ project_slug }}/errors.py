"""JSON errors for every failure, including the ones Flask raises itself.

APIFlask already turns HTTP errors into ``{"message": ..., "detail": ...}``;
this adds the cases it leaves to the application: a request body that is
not JSON (415), too large even when sent in chunks (413), too deeply
nested to parse (400) or not a JSON object (422, ``null`` included, which
APIFlask would read as ``{}``: an empty PATCH), a database that does not answer (503, with
Retry-After), and an unhandled exception (500, logged, no traceback sent).
"""

import logging

from apiflask import APIFlask, abort
from flask import current_app, request
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    InternalServerError,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)

from .extensions import db

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Seconds a client is asked to wait when the database does not answer.
DATABASE_RETRY_AFTER = 5
logger = logging.getLogger(__name__)


def check_request_body() -> None:
    """Refuse a body the views could not use, before any of them runs."""
    if request.method not in BODY_METHODS or not request.endpoint:
        return
    if not request.is_json:
        raise UnsupportedMediaType("Send the request body as application/json.")
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    # A body with a Content-Length over the limit is refused by Werkzeug. A
    # chunked one has none: Werkzeug reads it up to the limit and silently
    # drops the rest, so check whether more was sent.
    body = request.get_data(cache=True)
    if (
        request.content_length is None
        and limit is not None
        and len(body) >= limit
        and request.environ["wsgi.input"].read(1)
    ):
        raise RequestEntityTooLarge()
    try:
        body = request.get_json()  # parsed once, here: validation would let RecursionError through
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.") from None
    if not isinstance(body, dict):
        message = "The request body must be a JSON object."
        abort(422, message=message, detail={"json": {"_schema": [message]}})


def database_unavailable(error: OperationalError) -> tuple[dict, int, dict[str, str]]:
    """The database is down, restarting or unreachable: 503 at once, not a 500.

    SQLAlchemy drops the pool's connections when one turns out dead, so the
    requests after the database is back get fresh ones: no restart needed.
    """
    db.session.rollback()
    logger.warning("Database unavailable: %s", type(error.orig or error).__name__)
    body = {"message": "The database is unavailable; try again shortly.", "detail": {}}
    return body, 503, {"Retry-After": str(DATABASE_RETRY_AFTER)}


def internal_server_error(error: InternalServerError) -> tuple[dict, int]:
    return {"message": "Internal Server Error", "detail": {}}, 500


def integrity_error(error: IntegrityError) -> tuple[dict, int]:
    """A write the database refused: a duplicate of a unique value, or a row others refer to.

    The views check unique values before writing (api/resources.py, ``check_unique``), so
    this is a race between two writes, or a row that a protected reference points to.
    """
    db.session.rollback()
    message = "The change conflicts with other rows (a duplicate, or rows that refer to it)."
    return {"message": message, "detail": {}}, Conflict.code


def register_error_handlers(app: APIFlask) -> None:
    app.before_request(check_request_body)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InternalServerError, internal_server_error)
    app.register_error_handler(IntegrityError, integrity_error)
