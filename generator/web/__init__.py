"""The web initializr: a thin Flask layer over the functions ``stackgen`` itself uses.

Validation is ``starter.parse_pairs`` (the CLI's ``--data`` rules), the
recommendation is ``recommendation.recommend`` (as ``stackgen recommend --json``)
and rendering is ``starter.render`` (``stackgen new``'s, minus git and
``.env``). Every refusal is a JSON 4xx naming the key and the values it
takes. An application factory registering one blueprint, as Flask's
tutorial builds ``flaskr``; host it with any WSGI server::

    gunicorn 'generator.web:create_app()'
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from generator.errors import AnswerError, StackgenError

log = logging.getLogger("stackgen.web")


def _error(status: int, message: str, key: str | None = None, values: Any = None) -> Response:
    body: dict[str, Any] = {"error": message.replace("--data ", "")}
    if key is not None:
        body["key"] = key
    if values is not None:
        body["valid"] = values
    response = jsonify(body)
    response.status_code = status
    return response


def create_app() -> Flask:
    """The initializr as a WSGI application."""
    from generator.web.routes import NotFound, bp

    app = Flask(__name__)
    app.json.sort_keys = False
    app.register_blueprint(bp)

    @app.errorhandler(AnswerError)
    def refused(error: AnswerError) -> Response:
        return _error(400, str(error), error.key, error.values)

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> Response:
        return _error(404, str(error), error.key, error.values)

    @app.errorhandler(StackgenError)
    def failed(error: StackgenError) -> Response:  # rendering failed: not the user's input
        log.error("rendering failed: %s", error)
        return _error(500, f"the starter could not be rendered: {error}")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return _error(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def bug(error: Exception) -> Response:  # a bug of ours: still JSON, logged in full
        log.exception("unexpected error")
        return _error(500, f"internal error: {type(error).__name__}")

    return app
