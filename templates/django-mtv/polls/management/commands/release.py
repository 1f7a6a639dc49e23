"""``manage.py release``: migrate the database once per release, never per instance.

Run it as one step before the new instances start (compose's one-shot
``release`` service, a Kubernetes Job, a platform's release phase). Several
release steps started at once take turns on a database lock: the first
migrates, the others wait, then find nothing left to do. None of them dies.
"""

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

# One lock per database: PostgreSQL advisory locks take a 64-bit key,
# MySQL/MariaDB named locks a string.
LOCK_KEY = 7_240_313_211
LOCK_NAME = "release-migrations"
LOCK_TIMEOUT = 600  # seconds a MySQL release step waits for another one


@contextmanager
def migration_lock() -> Iterator[None]:
    """Hold the database's migration lock while the block runs."""
    if connection.vendor == "sqlite":
        with file_lock(sqlite_lock_path(str(connection.settings_dict["NAME"]))):
            yield
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
            release = "SELECT pg_advisory_unlock(%s)", [LOCK_KEY]
        else:
            cursor.execute("SELECT GET_LOCK(%s, %s)", [LOCK_NAME, LOCK_TIMEOUT])
            if cursor.fetchone()[0] != 1:
                raise CommandError(f"Another release step held the lock for {LOCK_TIMEOUT}s.")
            release = "SELECT RELEASE_LOCK(%s)", [LOCK_NAME]
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(*release)


def lift_statement_time_limit() -> None:
    """A migration may rightly run longer than DATABASE_STATEMENT_TIMEOUT allows a request."""
    if connection.vendor in ("postgresql", "mysql"):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET statement_timeout = 0")
            else:
                cursor.execute("SET @statement_timeout = 0 /*M!, max_statement_time = 0 */")


def sqlite_lock_path(database: str) -> Path:
    # Beside the database file (a folder the app may write), like SQLite's
    # own db.sqlite3-journal; an in-memory database (tests) is this process's.
    if database == ":memory:" or "mode=memory" in database:
        return Path(tempfile.gettempdir()) / "release-lock"
    return Path(f"{database}-release-lock")


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    # Every process on this machine sees the lock.
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Command(BaseCommand):
    help = "Apply the migrations once per release, under a database lock (safe concurrently)."

    def handle(self, *args: Any, **options: Any) -> None:
        lift_statement_time_limit()
        with migration_lock():
            call_command(
                "migrate",
                interactive=False,
                verbosity=options["verbosity"],
                stdout=self.stdout,
                stderr=self.stderr,
            )
        self.stdout.write("The database is at the newest migration.")
