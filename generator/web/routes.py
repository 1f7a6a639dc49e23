"""The initializr's routes: the page, the JSON API and the downloads, one blueprint."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_file

from generator.errors import AnswerError, StackgenError
from generator.recommendation import recommend
from generator.web import archive, query, starter
from generator.web.workers import Renderer

PATH_KEY = "path"  # /api/file: which file, besides the answers
FLIP_KEY = "flip"  # /api/diff: KEY=VALUE to compare with
ARCHIVES = {
    "zip": ("application/zip", archive.to_zip),
    "tar.gz": ("application/gzip", archive.to_tar_gz),
}
PAGE = Path(__file__).parent / "page"
ICONS = {"favicon.ico": "image/x-icon", "favicon.svg": "image/svg+xml"}  # served from PAGE

bp = Blueprint("initializr", __name__, template_folder="page")


class NotFound(StackgenError):
    def __init__(self, message: str, key: str, values: list | None = None) -> None:
        super().__init__(message)
        self.key, self.values = key, values


def _render(choice: starter.Choice) -> starter.Starter:
    renderer: Renderer = current_app.extensions["stackgen.renderer"]
    return renderer.render(choice)


def _choice(*reserved: str) -> tuple[starter.Choice, dict[str, str]]:
    given, taken = query.read(request.query_string, starter.RESOURCES, *reserved)
    return starter.parse_pairs(given.items(), taken.pop(starter.RESOURCES, "")), taken


@bp.get("/")
def page() -> str:
    return render_template("index.html", meta=starter.metadata())


@bp.get("/<any(favicon.ico, favicon.svg):name>")
def icon(name: str) -> Response:
    return send_file(PAGE / name, mimetype=ICONS[name], max_age=86_400)


@bp.get("/api/metadata")
def metadata() -> Response:
    return jsonify(starter.metadata())


@bp.get("/api/recommend")
def recommendation() -> Response:
    given, _ = query.read(request.query_string)
    answers = starter.help_me_choose(given.items())
    advice = recommend(answers, starter.installed())
    return jsonify(advice.as_json())


@bp.get("/api/preview")
def preview() -> Response:
    choice, _ = _choice()
    built = _render(choice)
    return jsonify(
        {
            "folder": built.folder,
            "version": built.version,
            "framework": choice.framework,
            "answers": choice.answers,
            "resources": list(choice.resources),
            "command": choice.command(),
            "files": archive.listing(built),
        }
    )


@bp.get("/api/file")
def file() -> Response:
    choice, taken = _choice(PATH_KEY)
    built = _render(choice)
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


@bp.get("/api/diff")
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
    result = archive.diff(_render(choice), _render(other))
    return jsonify({"flip": {"key": key, "value": dict(other.data).get(key)}, **result})


@bp.get("/starter.<any(zip, 'tar.gz'):kind>")
def download(kind: str) -> Response:
    choice, _ = _choice()
    built = _render(choice)
    mimetype, pack = ARCHIVES[kind]
    response = Response(pack(built), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{built.folder}.{kind}"'
    return response
