"""JSON errors for every failure, including the ones Flask raises itself.

APIFlask already turns HTTP errors into ``{"message": ..., "detail": ...}``;
this adds the two cases it leaves to the application: a request body that is
not JSON (415) and an unhandled exception (500, logged, no traceback sent).
"""

from apiflask import APIFlask
from flask import request
from werkzeug.exceptions import InternalServerError, UnsupportedMediaType

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def require_json_body() -> None:
    if request.method in BODY_METHODS and request.endpoint and not request.is_json:
        raise UnsupportedMediaType("Send the request body as application/json.")


def internal_server_error(error: InternalServerError) -> tuple[dict, int]:
    return {"message": "Internal Server Error", "detail": {}}, 500


def register_error_handlers(app: APIFlask) -> None:
    app.before_request(require_json_body)
    app.register_error_handler(InternalServerError, internal_server_error)
