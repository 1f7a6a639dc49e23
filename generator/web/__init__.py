"""The web initializr: a thin Flask layer over the functions ``stackgen`` itself uses.

Validation is ``starter.parse_pairs`` (the CLI's ``--data`` rules), the
recommendation is ``recommendation.recommend`` (as ``stackgen recommend --json``)
and rendering is ``starter.render`` (``stackgen new``'s, minus git and
``.env``). Every refusal is a JSON 4xx naming the key and the values it
takes. An application factory registering one blueprint, as Flask's
tutorial builds ``flaskr``; host it with any WSGI server::

    gunicorn 'generator.web:create_app()'
    gunicorn 'generator.web:create_app(workers=4, waiting=16, deadline=90)'

Renders run in worker processes within bounds (``workers.Renderer``): a request
past them is a JSON 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from generator.errors import AnswerError, StackgenError

if TYPE_CHECKING:
    from generator.web.workers import Renderer

log = logging.getLogger("stackgen.web")


def _error(
    status: int, message: str, key: str | None = None, values: Any = None, **more: Any
) -> Response:
    body: dict[str, Any] = {"error": message.replace("--data ", "")}
    if key is not None:
        body["key"] = key
    if values is not None:
        body["valid"] = values
    body.update(more)
    response = jsonify(body)
    response.status_code = status
    return response


def create_app(renderer: Renderer | None = None, **bounds: Any) -> Flask:
    """The initializr as a WSGI application; ``bounds`` are ``Renderer``'s (workers,
    waiting, deadline, cached), or give a ``renderer`` of your own."""
    from generator.web.routes import NotFound, bp
    from generator.web.starter import RowError
    from generator.web.workers import Busy, Renderer

    app = Flask(__name__)
    app.json.sort_keys = False
    app.extensions["stackgen.renderer"] = renderer or Renderer(**bounds)
    app.register_blueprint(bp)

    @app.errorhandler(Busy)
    def busy(error: Busy) -> Response:
        response = _error(503, str(error))
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(AnswerError)
    def refused(error: AnswerError) -> Response:
        return _error(400, str(error), error.key, error.values)

    @app.errorhandler(RowError)
    def refused_row(error: RowError) -> Response:  # the page shows it beside that row
        return _error(400, str(error), error.key, row=error.row, name=error.name)

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
