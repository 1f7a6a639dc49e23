"""The web initializr: a thin Flask layer over the functions ``stackgen`` itself uses.

Validation is ``starter.parse_pairs`` (the CLI's ``--data`` rules), the
recommendation is ``recommend.recommend`` (as ``stackgen recommend --json``)
and rendering is ``bundle.render`` (``stackgen new``'s, minus git and
``.env``). Every refusal is a JSON 4xx naming the key and the values it
takes. Host it with any WSGI server::

    gunicorn 'generator.web:create_app()'
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response, jsonify, render_template, request, send_file
from werkzeug.exceptions import HTTPException

from generator import bundle, starter
from generator.errors import AnswerError, StackgenError
from generator.recommend import recommend

MAX_QUERY_BYTES = 16_384
PATH_KEY = "path"  # /api/file: which file, besides the answers
FLIP_KEY = "flip"  # /api/diff: KEY=VALUE to compare with
ARCHIVES = {
    "zip": ("application/zip", bundle.to_zip),
    "tar.gz": ("application/gzip", bundle.to_tar_gz),
}

PAGE = Path(__file__).parent / "page"
ICONS = {"favicon.ico": "image/x-icon", "favicon.svg": "image/svg+xml"}  # served from PAGE

log = logging.getLogger("stackgen.web")


class NotFound(StackgenError):
    def __init__(self, message: str, key: str, values: list[Any] | None = None) -> None:
        super().__init__(message)
        self.key, self.values = key, values


def _error(status: int, message: str, key: str | None = None, values: Any = None) -> Response:
    body: dict[str, Any] = {"error": message.replace("--data ", "")}
    if key is not None:
        body["key"] = key
    if values is not None:
        body["valid"] = values
    response = jsonify(body)
    response.status_code = status
    return response


def _pairs(*reserved: str) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The query's answer pairs in order, and the ``reserved`` keys taken out of them."""
    if len(request.query_string) > MAX_QUERY_BYTES:
        raise AnswerError(f"the query string is longer than {MAX_QUERY_BYTES} bytes", "")
    # Not request.args: Werkzeug decodes a raw non-UTF-8 query with an
    # uncaught UnicodeDecodeError (a 500), and %-escapes of invalid UTF-8
    # with replacement characters. Both are refused here.
    try:
        parsed = parse_qsl(
            request.query_string.decode("utf-8"), keep_blank_values=True, errors="strict"
        )
    except UnicodeDecodeError:
        raise AnswerError("the query string is not UTF-8 text", "") from None
    pairs, taken = [], {}
    for key, value in parsed:
        if key in reserved:
            if key in taken:
                raise AnswerError(f"{key} is given more than once; give it once", key)
            taken[key] = value
        else:
            pairs.append((key, value))
    return pairs, taken


def _choice(*reserved: str) -> tuple[starter.Choice, dict[str, str]]:
    pairs, taken = _pairs(*reserved)
    return starter.parse_pairs(pairs), taken


def create_app() -> Flask:
    """The initializr as a WSGI application."""
    app = Flask(__name__, template_folder="page")
    app.json.sort_keys = False

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

    @app.get("/")
    def page() -> str:
        return render_template("index.html", meta=starter.metadata())

    def icon(name: str) -> Response:
        return send_file(PAGE / name, mimetype=ICONS[name], max_age=86_400)

    for name in ICONS:
        app.add_url_rule(f"/{name}", name, lambda name=name: icon(name))

    @app.get("/api/metadata")
    def metadata() -> Response:
        return jsonify(starter.metadata())

    @app.get("/api/recommend")
    def recommendation() -> Response:
        pairs, _ = _pairs()
        answers = starter.help_me_choose(pairs)
        advice = recommend(answers, starter.questions())
        return jsonify(advice.as_json())

    @app.get("/api/preview")
    def preview() -> Response:
        choice, _ = _choice()
        built = bundle.render(choice)
        return jsonify(
            {
                "folder": built.folder,
                "version": built.version,
                "framework": choice.framework,
                "answers": choice.answers,
                "command": choice.command(),
                "files": bundle.listing(built),
            }
        )

    @app.get("/api/file")
    def file() -> Response:
        choice, taken = _choice(PATH_KEY)
        built = bundle.render(choice)
        path = taken.get(PATH_KEY)
        found = built.file(path) if path is not None else None
        if found is None:
            raise NotFound(
                "path must name one of the starter's files (see /api/preview)",
                PATH_KEY,
                [f.path for f in built.files],
            )
        text = found.text
        return jsonify(
            {"path": found.path, "size": len(found.content), "binary": text is None, "text": text}
        )

    @app.get("/api/diff")
    def compare() -> Response:
        choice, taken = _choice(FLIP_KEY)
        flip = taken.get(FLIP_KEY)
        key, sep, value = (flip or "").partition("=")
        if not sep or key == starter.FRAMEWORK:
            options = [q["key"] for q in starter.metadata()["questions"]]
            raise AnswerError(
                "flip must be KEY=VALUE, one of the template's answers", FLIP_KEY, options
            )
        other = choice.flipped(key, value)
        result = bundle.diff(bundle.render(choice), bundle.render(other))
        return jsonify({"flip": {"key": key, "value": dict(other.data).get(key)}, **result})

    def download(kind: str) -> Response:
        choice, _ = _choice()
        built = bundle.render(choice)
        mimetype, pack = ARCHIVES[kind]
        response = Response(pack(built), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{built.folder}.{kind}"'
        return response

    app.add_url_rule("/starter.zip", "zip", lambda: download("zip"))
    app.add_url_rule("/starter.tar.gz", "tar_gz", lambda: download("tar.gz"))
    return app
