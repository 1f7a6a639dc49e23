"""3c. The Flask analytics endpoints against the plain list, at 100,000 actors.

One generated Flask API with ``analytics=true`` on PostgreSQL under gunicorn
(2 workers, Redis for the limits and the statistics' cache, as several
instances would run it), its ``actors`` table filled with 100,000 rows by
``INSERT ... SELECT generate_series`` (a birth date for nine in ten). The
statistics, their chart and the list's first page are requested in turn, one
request at a time, and timed (median); each ratio is the median of the
per-round ratios. The statistics are served as configured, from the cache
(STATS_CACHE_SECONDS, 60 s by default); what computing them costs, uncached,
is measured in process (``time_flask_stats.py``) and reported beside.
"""

from __future__ import annotations

import json
import secrets
from contextlib import ExitStack
from pathlib import Path

from bench.apps import generate
from bench.common import (
    PROJECT,
    Section,
    database,
    fill_actors,
    gunicorn,
    latencies,
    log,
    median,
    paired_ratio,
    scratch,
)
from harness.services import redis_url

BENCH = Path(__file__).resolve().parent
ROWS = 100_000
# Nine actors in ten have a birth date, spread over eighty years.
BIRTH_DATE = "CASE WHEN g % 10 = 0 THEN NULL ELSE date '1920-01-01' + (g * 7919 % 30000) END"
LIST = "/api/actors?per_page=25"
ENDPOINTS = {
    "GET /api/actors/stats": "/api/actors/stats",
    "GET /api/actors/stats/decades.svg": "/api/actors/stats/decades.svg",
}


def measure(quick: bool) -> Section:
    section = Section(f"Analytics at {ROWS:,} rows")
    count, seconds = (60, 20) if quick else (300, 90)
    with scratch("analytics") as tmp, ExitStack() as stack:
        project = generate(tmp, "statsapi", "flask", "--data", "analytics=true")
        name, url = stack.enter_context(database())
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "REDIS_URL": redis_url(),
            # The bench measures the endpoints, not the read budget's 429s.
            "API_READ_RATE_LIMIT": "1000000/minute",
        }
        PROJECT.run(project, "flask", "db", "upgrade", env=env)
        log(f"  {ROWS:,} rows, server")
        fill_actors(name, ROWS, BIRTH_DATE)
        base = stack.enter_context(gunicorn(project, "wsgi:app", env, LIST))
        urls = [base + LIST, *(base + path for path in ENDPOINTS.values())]
        log(f"  latency: {count} rounds over {len(urls)} URLs, interleaved")
        samples = latencies(urls, count, seconds)
        out = PROJECT.run(
            project, PROJECT.python, BENCH / "time_flask_stats.py", project.name, env=env
        ).stdout
        uncached = json.loads(out.strip().splitlines()[-1])
    list_ms = median(samples[0])
    log(f"    the list's first page: {list_ms:.2f} ms")
    rows = [["GET /api/actors?per_page=25", f"{list_ms:.2f} ms", "-"]]
    for (label, path), endpoint in zip(ENDPOINTS.items(), samples[1:], strict=True):
        section.add(
            f"{label} / the list's first page, {ROWS:,} rows",
            paired_ratio(endpoint, samples[0]),
            "<= 2.0x",
            detail=f"{median(endpoint):.2f} vs {list_ms:.2f} ms",
        )
        rows.append([label, f"{median(endpoint):.2f} ms", f"{uncached[path]:.1f} ms"])
        log(f"    {label}: {median(endpoint):.2f} ms served, {uncached[path]:.1f} ms uncached")
    section.tables.append(
        (["request", "served (median, cached)", "computed, uncached (in process, median)"], rows)
    )
    section.notes.append(
        f"One gunicorn server (2 sync workers) on PostgreSQL with {ROWS:,} actors, Redis holding "
        "the rate-limit counters and the statistics' cache; the three URLs are requested in "
        f"turn, one request at a time, for {count} rounds (bounded to {seconds} s) after 10 "
        "warm-up rounds. The statistics are one `GROUP BY` on the birth year (a row per year, "
        "not per actor), then NumPy's weighted percentiles and pandas' decades; the chart is "
        "drawn by matplotlib from them. The uncached column is the same requests in process "
        "with the cache off (Flask-Caching's NullCache), which is what a request costs once "
        "a minute (STATS_CACHE_SECONDS)."
    )
    return section
