"""3d. Past one process: the generated Flask API behind Apache, one instance and two.

- throughput through Apache (the project's own deploy/apache/httpd.conf, run
  by Debian's Apache) against the same gunicorn asked directly: the proxy's cost;
- two instances behind Apache against one: what a second instance adds.

``GET /api/actors?per_page=25`` on PostgreSQL, the instances sharing Redis,
each instance gunicorn with WORKERS workers; wrk (1 thread, 8 connections)
for a fixed duration per setup, the setups in rotating order each round, the
ratios the median of the per-round ratios (one run, one machine: client,
Apache and the instances share its cores).
"""

from __future__ import annotations

import secrets
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.apps import generate
from bench.common import (
    PROJECT,
    WORKERS,
    Section,
    database,
    get_json,
    gunicorn,
    load,
    log,
    median,
    paired_ratio,
    scratch,
)
from harness import runtime
from harness.services import psql, redis_url

PATH = "/api/actors?per_page=25"
SETUPS = ("gunicorn direct", "Apache, one instance", "Apache, two instances")


def measure(quick: bool) -> Section:
    section = Section("Several instances behind Apache")
    seconds = 2 if quick else 6
    rounds = 2 if quick else 5
    if not (runtime.APACHE.exists() and runtime.APACHE_MODULES.is_dir()):
        section.notes.append(f"Not measured: no Apache httpd at {runtime.APACHE}.")
        section.add("Apache / gunicorn direct (req/s)", None)
        return section
    with scratch("scaling") as tmp, database() as (name, url):
        project = generate(tmp, "scaledapi", "flask")
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "REDIS_URL": redis_url(),
            "RATELIMIT_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
            "TRUSTED_PROXIES": "1",
        }
        PROJECT.run(project, "flask", "release", env=env)
        psql(
            "INSERT INTO actors (name, birth_date, created_at, updated_at) "
            "SELECT 'Actor ' || g, date '1950-01-01' + (g % 20000), now(), now() "
            "FROM generate_series(1, 10000) g; ANALYZE actors",
            name,
        )
        rps: dict[str, list[float]] = {setup: [] for setup in SETUPS}
        with ExitStack() as stack:
            one = stack.enter_context(gunicorn(project, "wsgi:app", env, PATH))
            two = stack.enter_context(gunicorn(project, "wsgi:app", env, PATH))
            assert len(get_json(one + PATH)["items"]) == 25
            logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-apache-")))
            config = project / "deploy" / "apache" / "httpd.conf"
            # One instance: both balancer members name it.
            fronts = {
                SETUPS[1]: stack.enter_context(
                    runtime.apache(
                        config, {"APP_INSTANCE_1": one, "APP_INSTANCE_2": one}, logs / "one.log"
                    )
                ),
                SETUPS[2]: stack.enter_context(
                    runtime.apache(
                        config, {"APP_INSTANCE_1": one, "APP_INSTANCE_2": two}, logs / "two.log"
                    )
                ),
            }
            bases = {SETUPS[0]: one, **fronts}
            for base in bases.values():
                load(base + PATH, 1)  # warm up every worker and connection
            for round_ in range(rounds):
                order = SETUPS[round_ % 3 :] + SETUPS[: round_ % 3]
                for setup in order:
                    figures = load(bases[setup] + PATH, seconds)
                    if figures["errors"]:
                        raise RuntimeError(f"{setup}: {figures['errors']} failed requests")
                    rps[setup].append(figures["rps"])
                log(
                    f"  scaling round {round_ + 1}: "
                    + ", ".join(f"{s} {v[-1]:.0f} req/s" for s, v in rps.items())
                )
    section.tables.append(
        (
            ["setup", "req/s (median)", "rounds"],
            [
                [setup, f"{median(v):.0f}", ", ".join(f"{x:.0f}" for x in v)]
                for setup, v in rps.items()
            ],
        )
    )
    direct, one_, two_ = (rps[s] for s in SETUPS)
    section.add(
        "Apache in front / gunicorn direct, one instance (req/s)",
        paired_ratio(one_, direct),
        ">= 0.5x",
        detail=f"{median(one_):.0f} vs {median(direct):.0f} req/s",
    )
    section.add(
        "two instances / one, both behind Apache (req/s)",
        paired_ratio(two_, one_),
        detail=f"{median(two_):.0f} vs {median(one_):.0f} req/s",
    )
    section.notes.append(
        f"gunicorn {WORKERS} workers per instance (1 thread each, as in every bench), "
        f"{seconds} s per setup and round, {rounds} rounds in rotating order. On a machine "
        "whose cores the client, Apache, PostgreSQL and the instances all share, a second "
        "instance adds processes, not cores: the two-instance ratio shows what the balancer "
        "costs and gains there, not what a second machine would."
    )
    return section
