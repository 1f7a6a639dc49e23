"""The interactive docs page, served without any request leaving the server.

APIFlask's page loads Swagger UI from a CDN by default; these settings point
it at the copy the pinned ``flask-swagger-ui`` package ships, served by this
blueprint. ``GET /`` leads to the page.
"""

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Flask, redirect, url_for
from werkzeug.wrappers import Response

ASSETS_URL = "/api/docs/assets"

bp = Blueprint(
    "docs_assets",
    __name__,
    static_folder=Path(flask_swagger_ui.__file__).parent / "dist",
    static_url_path=ASSETS_URL,
)

SETTINGS = {
    "SWAGGER_UI_CSS": f"{ASSETS_URL}/swagger-ui.css",
    "SWAGGER_UI_BUNDLE_JS": f"{ASSETS_URL}/swagger-ui-bundle.js",
    "SWAGGER_UI_STANDALONE_PRESET_JS": f"{ASSETS_URL}/swagger-ui-standalone-preset.js",
    "DOCS_FAVICON": f"{ASSETS_URL}/favicon-32x32.png",
}


@bp.get("/")
def index() -> Response:
    return redirect(url_for("openapi.docs"))


def register(app: Flask) -> None:
    app.config.from_mapping(SETTINGS)
    app.register_blueprint(bp)
