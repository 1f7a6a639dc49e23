"""The release step: migrate the database once per release, never per instance.

``flask release`` runs before the new instances start (compose's one-shot
``release`` service, a Kubernetes Job, a platform's release phase). Several
release steps started at once take turns on a database lock: the first
migrates, the others wait, then find nothing left to do. None of them dies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import Engine, text

from .extensions import db
from .migration_lock import file_lock, server_lock


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's migration lock while the block runs."""
    if engine.dialect.name == "sqlite":
        with file_lock(_sqlite_lock_path(engine)):
            yield
        return
    with engine.connect() as connection:

        def query(statement: str) -> object:
            value = connection.scalar(text(statement))
            connection.commit()
            return value

        with server_lock(engine.dialect.name, query):
            yield


def _sqlite_lock_path(engine: Engine) -> Path:
    # Beside the database (the instance folder for a relative path or memory).
    database = engine.url.database or ""
    folder = Path(database).parent if database not in {"", ":memory:"} else None
    return (folder or Path(current_app.instance_path)) / ".release.lock"


def release() -> None:
    """Apply every migration not applied yet, under the lock."""
    with migration_lock(db.engine):
        upgrade()
