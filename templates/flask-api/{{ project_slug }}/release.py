"""The release step: migrate the database once per release, never per instance.

``flask release`` runs before the new instances start (compose's one-shot
``release`` service, a Kubernetes Job, a platform's release phase). Several
release steps started at once take turns on a database lock: the first
migrates, the others wait, then find nothing left to do. None of them dies.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import Engine, text

from .extensions import db

# One lock per database, whatever the app's name: PostgreSQL advisory locks
# take a 64-bit key, MySQL/MariaDB named locks a string.
LOCK_KEY = 7_240_313_211
LOCK_NAME = "release-migrations"
LOCK_TIMEOUT = 600  # seconds a MySQL release step waits for another one


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's migration lock while the block runs."""
    if engine.dialect.name == "sqlite":
        with _file_lock(engine):
            yield
        return
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            release = text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY}
        else:
            got = connection.scalar(
                text("SELECT GET_LOCK(:name, :timeout)"),
                {"name": LOCK_NAME, "timeout": LOCK_TIMEOUT},
            )
            if got != 1:
                raise RuntimeError(f"Another release step held the lock for {LOCK_TIMEOUT}s.")
            release = text("SELECT RELEASE_LOCK(:name)"), {"name": LOCK_NAME}
        connection.commit()
        try:
            yield
        finally:
            connection.execute(*release)
            connection.commit()


@contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    # SQLite: a lock file beside the database (the instance folder for a
    # relative path); every process on this machine sees it.
    database = engine.url.database or ""
    folder = Path(database).parent if database not in {"", ":memory:"} else None
    path = (folder or Path(current_app.instance_path)) / ".release.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def release() -> None:
    """Apply every migration not applied yet, under the lock."""
    with migration_lock(db.engine):
        upgrade()
