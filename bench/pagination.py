"""3b. First- and last-page latency of the generated Flask list as the table grows.

One generated Flask API on PostgreSQL under gunicorn; the ``actors`` table is
grown with ``INSERT ... SELECT generate_series`` to each size in turn. At
each size a client reads the first page (``?per_page=25``) and follows that
page's ``last`` link, the way a client reaches the last page; each is timed
one request at a time (median). The same sizes give the statement count of
every kind of list request (in process, SQLAlchemy's cursor hook).
"""

from __future__ import annotations

import json
import secrets
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from bench.apps import generate
from bench.common import (
    PROJECT,
    Section,
    database,
    fill_actors,
    get_json,
    gunicorn,
    latencies,
    log,
    median,
    paired_ratio,
    scratch,
)
from harness.services import psql, redis_url

BENCH = Path(__file__).resolve().parent
BIRTH_DATE = "date '1950-01-01' + (g % 20000)"


def measure(quick: bool) -> Section:
    section = Section("Pagination as the table grows")
    sizes = [1_000, 10_000, 100_000] if quick else [1_000, 100_000, 1_000_000]
    count, seconds = (60, 20) if quick else (400, 120)
    first_ms: dict[int, float] = {}
    first_s: dict[int, list[float]] = {}
    last_s: dict[int, list[float]] = {}
    last_ms: dict[int, float] = {}
    queries: dict[int, dict[str, int]] = {}
    plans: dict[int, str] = {}
    with scratch("pagination") as tmp, ExitStack() as stack:
        project = generate(tmp, "pagedapi", "flask")
        first_path = "/api/actors?per_page=25"
        urls: dict[int, tuple[str, str]] = {}
        for size in sizes:
            log(f"  {size:,} rows: database, migration, rows, server")
            name, url = stack.enter_context(database())
            # Several workers: the rate-limit counters must be shared (REDIS_URL).
            env = {
                "DATABASE_URL": url,
                "SECRET_KEY": secrets.token_urlsafe(32),
                "REDIS_URL": redis_url(),
            }
            PROJECT.run(project, "flask", "db", "upgrade", env=env)
            fill_actors(name, size, BIRTH_DATE)
            base = stack.enter_context(gunicorn(project, "wsgi:app", env, first_path))
            page = get_json(base + first_path)
            last = urlsplit(page["pagination"]["last"])
            last_path = f"{last.path}?{last.query}"
            last_page = get_json(base + last_path)
            assert last_page["items"][-1]["id"] == size, "the last link missed the last row"
            urls[size] = (base + first_path, base + last_path)
            out = PROJECT.run(
                project,
                PROJECT.python,
                BENCH / "count_flask_queries.py",
                project.name,
                env=env,
            ).stdout
            queries[size] = json.loads(out.strip().splitlines()[-1])["counts"]
            plans[size] = psql(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
                "SELECT * FROM actors ORDER BY id DESC LIMIT 26",
                name,
            ).strip()
        log(f"  latency: {count} rounds over the {2 * len(sizes)} URLs, interleaved")
        samples = latencies([u for size in sizes for u in urls[size]], count, seconds)
        for i, size in enumerate(sizes):
            first_s[size], last_s[size] = samples[2 * i], samples[2 * i + 1]
            first_ms[size], last_ms[size] = median(first_s[size]), median(last_s[size])
            log(f"    {size:,} rows: first {first_ms[size]:.2f} ms, last {last_ms[size]:.2f} ms")

    small, big = sizes[0], sizes[-1]
    section.tables.append(
        (
            ["rows", "first page (median)", "last page via `last` link (median)"],
            [[f"{s:,}", f"{first_ms[s]:.2f} ms", f"{last_ms[s]:.2f} ms"] for s in sizes],
        )
    )
    section.add(
        f"last page @{big:,} / @{small:,} rows",
        paired_ratio(last_s[big], last_s[small]),
        "<= 1.5x",
        detail=f"{last_ms[big]:.2f} vs {last_ms[small]:.2f} ms",
    )
    section.add(
        f"first page @{big:,} / @{small:,} rows",
        paired_ratio(first_s[big], first_s[small]),
        "<= 1.5x",
        detail=f"{first_ms[big]:.2f} vs {first_ms[small]:.2f} ms",
    )
    kinds = list(queries[small])
    section.tables.append(
        (
            ["list request", *[f"statements @{s:,}" for s in sizes]],
            [[kind, *[str(queries[s][kind]) for s in sizes]] for kind in kinds],
        )
    )
    constant = all(queries[s] == queries[small] for s in sizes)
    section.add(
        "Flask list statements per request, constant in rows",
        1.0 if constant else 0.0,
        "constant",
        unit="bool",
        detail="; ".join(f"{k} {v}" for k, v in queries[big].items()),
    )
    section.notes.append(
        f"Each size has its own database and its own gunicorn server (2 sync workers), all "
        "up at once; the first and last page of every size are requested in turn, one "
        f"request at a time, for {count} rounds (bounded to {seconds} s) after 10 warm-up "
        "rounds, so drift on the machine hits every size alike; a ratio is the median of the "
        "per-round ratios. Tables are "
        "`VACUUM ANALYZE`d after the bulk insert. The `last` link is `?last=true&per_page=25`: "
        "`ORDER BY id DESC LIMIT 26` read backwards on the primary key. PostgreSQL's plan "
        f"for it at {big:,} rows:\n\n```\n{plans[big]}\n```"
    )
    return section
