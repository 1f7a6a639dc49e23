"""Real database and cache servers for the generated projects' tests.

A test that needs a server skips with the reason when it is not reachable,
except under ``STACKGEN_REQUIRE_SERVICES=1`` (set by ``.ci/run``), where a
missing server fails the test instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

SERVERS = {
    "postgresql": ("127.0.0.1", 5432),
    "mysql": ("127.0.0.1", 3306),
    "redis": ("127.0.0.1", 6379),
    "rabbitmq": ("127.0.0.1", 5672),
}


def require(service: str) -> None:
    """Skip (or fail, when services are required) unless ``service`` answers."""
    host, port = SERVERS[service]
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as error:
        reason = f"{service} is not reachable at {host}:{port} ({error})"
    if os.environ.get("STACKGEN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and STACKGEN_REQUIRE_SERVICES=1 requires it")
    pytest.skip(reason)


def psql(sql: str, database: str = "postgres") -> str:
    """Run ``sql`` as postgres in ``database``; its rows, unaligned, without headers.

    A failure raises CalledProcessError with psql's error output as a note.
    """
    host, port = SERVERS["postgresql"]
    command = ["psql", "-h", host, "-p", str(port), "-U", "postgres", "-d", database]
    command += ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql]
    try:
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout
    except subprocess.CalledProcessError as error:
        error.add_note(error.stderr[-3000:])
        raise


def _admin(service: str, sql: str) -> None:
    if service == "postgresql":
        psql(sql)
        return
    host, port = SERVERS[service]
    command = ["mariadb", "-h", host, "-P", str(port), "-u", "root", "-e", sql]
    subprocess.run(command, check=True, capture_output=True, text=True)


@contextmanager
def database(service: str, prefix: str = "stackgen_") -> Iterator[str]:
    """Create an empty database for one test and yield its canonical URL.

    The URL uses the plain ``postgresql://`` or ``mysql://`` scheme; each
    generated project maps it to its own driver. The database (named
    ``prefix`` and 12 hex digits) and, for Django, its ``test_`` twin are
    dropped afterwards.
    """
    require(service)
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    host, port = SERVERS[service]
    _admin(service, f"CREATE DATABASE {name}")
    user = "postgres" if service == "postgresql" else "root"
    try:
        yield f"{service}://{user}@{host}:{port}/{name}"
    finally:
        for db in (name, f"test_{name}"):
            if service == "postgresql":
                _admin(service, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
            else:
                _admin(service, f"DROP DATABASE IF EXISTS {db}")


def redis_url() -> str:
    require("redis")
    host, port = SERVERS["redis"]
    return f"redis://{host}:{port}/0"


def broker_url(service: str) -> str:
    """A Celery broker URL for ``service`` (redis or rabbitmq), once it answers."""
    require(service)
    host, port = SERVERS[service]
    if service == "rabbitmq":
        return f"amqp://guest:guest@{host}:{port}//"
    return f"redis://{host}:{port}/0"
