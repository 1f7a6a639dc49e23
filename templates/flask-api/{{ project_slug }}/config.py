"""Settings read from the environment, with development defaults.

``flask`` commands load a local ``.env`` first (python-dotenv); in
production the process environment is the only source.
"""

from __future__ import annotations

import os
from typing import Any

# Canonical URLs (the ones hosting providers and docker images hand out) map
# to the driver this project installs.
DRIVERS = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
}

DEFAULT_DATABASE_URL = "sqlite:///app.sqlite3"  # relative to the instance folder


def sqlalchemy_url(url: str) -> str:
    """Return ``url`` with the driver SQLAlchemy should use for it."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme in DRIVERS:
        return f"{DRIVERS[scheme]}://{rest}"
    return url


def from_environment() -> dict[str, Any]:
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", "dev-only-not-secret"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        # Replace pooled connections before servers drop them as idle. A ping
        # before every checkout (pool_pre_ping) would cost a round trip per
        # request; after a database restart, one request fails instead.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 1800},
        # Request bodies above this size answer 413 before they are parsed.
        "MAX_CONTENT_LENGTH": 64 * 1024,
    }
