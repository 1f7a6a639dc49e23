"""JSON errors for every failure, including the ones Flask raises itself.

APIFlask already turns HTTP errors into ``{"message": ..., "detail": ...}``;
this adds the cases it leaves to the application: a request body that is
not JSON (415), too large even when sent in chunks (413), or too deeply
nested to parse (400), and an unhandled exception (500, logged, no
traceback sent).
"""

from apiflask import APIFlask
from flask import current_app, request
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    InternalServerError,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


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
        request.get_json()  # parsed once, here: validation would let RecursionError through
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply.") from None


def internal_server_error(error: InternalServerError) -> tuple[dict, int]:
    return {"message": "Internal Server Error", "detail": {}}, 500


def integrity_error(error: IntegrityError) -> tuple[dict, int]:
    """A write the database refused: a duplicate of a unique value, or a row others refer to."""
    from .extensions import db

    db.session.rollback()
    message = "The change conflicts with other rows (a duplicate, or rows that refer to it)."
    return {"message": message, "detail": {}}, Conflict.code


def register_error_handlers(app: APIFlask) -> None:
    app.before_request(check_request_body)
    app.register_error_handler(InternalServerError, internal_server_error)
    app.register_error_handler(IntegrityError, integrity_error)
