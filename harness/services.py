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
from contextlib import contextmanager, suppress
from pathlib import Path

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


class PrivateCluster:
    """A PostgreSQL cluster of one test's own, on a spare loopback port, to stop and start.

    Debian's binaries, run as the postgres user (initdb refuses root); the
    machine's shared server on 5432 is never touched.
    """

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", str(_postgres_bin() / "pg_ctl")]
        subprocess.run(
            [*command, "-D", str(self.folder / "data"), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._pg_ctl("-o", options, "-l", str(self.folder / "server.log"), "-w", "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def psql(self, sql: str) -> str:
        command = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d"]
        command += ["postgres", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else Path("/usr/lib/postgresql/none/bin")


@contextmanager
def private_postgresql(port: int) -> Iterator[PrivateCluster]:
    """Start a fresh private cluster on ``port``; yield it running; remove it afterwards.

    Skips (fails under STACKGEN_REQUIRE_SERVICES=1) without Debian's PostgreSQL
    binaries or the postgres user.
    """
    import pwd
    import shutil
    import tempfile

    try:
        postgres = pwd.getpwnam("postgres")
    except KeyError:
        postgres = None
    if postgres is None or not (_postgres_bin() / "initdb").exists():
        reason = "no PostgreSQL server binaries under /usr/lib/postgresql or no postgres user"
        if os.environ.get("STACKGEN_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and STACKGEN_REQUIRE_SERVICES=1 requires them")
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="stackgen-pg-"))
    try:
        os.chown(folder, postgres.pw_uid, postgres.pw_gid)
        initdb = ["runuser", "-u", "postgres", "--", str(_postgres_bin() / "initdb")]
        initdb += ["-D", str(folder / "data"), "-A", "trust", "-U", "postgres"]
        subprocess.run(initdb, check=True, capture_output=True, text=True, timeout=120)
        cluster = PrivateCluster(folder, port)
        cluster.start()
        try:
            yield cluster
        finally:
            with suppress(subprocess.CalledProcessError):  # already stopped
                cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
