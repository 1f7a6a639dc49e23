"""Sign-in: an unknown user against a wrong password, on both generated APIs.

Each starter (Flask; Django with ``api=true``) on PostgreSQL under gunicorn,
with one user who has a password. ``POST /api/auth/tokens`` is sent with an
unknown username and with the user's name and a wrong password, in turn, one
request at a time; each ratio is the median of the per-round ratios. Both
answer the same 401; the ratio says whether the time tells them apart (an
unknown user's password is hashed too: ~1.0). The failure limit is lifted so
that no 429 comes in between.
"""

from __future__ import annotations

import json
import secrets
import time
from contextlib import ExitStack

from bench.apps import WRITE_RATE_LIMIT, generate
from bench.common import PROJECT, Section, database, gunicorn, log, median, paired_ratio, scratch
from bench.common import send as request
from harness.services import redis_url

PASSWORD = "a long passphrase"
# Within this band an observer timing many requests learns next to nothing.
BUDGET = "<= 1.1x"
DJANGO_USER = (
    "from accounts.models import User; "
    f"User.objects.create_user('ann', 'ann@example.com', {PASSWORD!r})"
)


def sign_in(url: str, username: str, password: str) -> float:
    body = json.dumps({"username": username, "password": password, "name": "bench"}).encode()
    start = time.perf_counter()
    status, _ = request(url, "POST", body, {"Content-Type": "application/json"})
    elapsed = time.perf_counter() - start
    assert status == 401, (url, status)
    return elapsed * 1000


def timings(url: str, count: int, seconds: float) -> tuple[list[float], list[float]]:
    """(unknown user, wrong password) in ms, interleaved, after 5 warm-up rounds."""
    for _ in range(5):
        sign_in(url, "nobody", PASSWORD)
        sign_in(url, "ann", "a wrong guess")
    unknown: list[float] = []
    wrong: list[float] = []
    deadline = time.monotonic() + seconds
    while len(unknown) < count and time.monotonic() < deadline:
        unknown.append(sign_in(url, f"nobody{len(unknown)}", PASSWORD))
        wrong.append(sign_in(url, "ann", f"a wrong guess {len(wrong)}"))
    return unknown, wrong


def measure(quick: bool) -> Section:
    section = Section("Sign-in: unknown user / wrong password")
    count, seconds = (20, 20) if quick else (150, 90)
    for framework in ("flask", "django"):
        with scratch(f"signin-{framework}") as tmp, ExitStack() as stack:
            extra = ("--data", "api=true", "--data", "browser_tests=false")
            project = generate(tmp, "signin", framework, *(extra if framework == "django" else ()))
            _, url = stack.enter_context(database())
            # Both limits lifted (the full run's 300 sign-ins a minute are writes too), so
            # that no 429 comes in between.
            env = {
                "DATABASE_URL": url,
                "SIGN_IN_FAILURE_LIMIT": "1000000",
                "API_WRITE_RATE_LIMIT": WRITE_RATE_LIMIT,
            }
            env["REDIS_URL"] = redis_url()  # gunicorn's workers share the counts
            if framework == "flask":
                env["SECRET_KEY"] = secrets.token_urlsafe(32)
                env["RATELIMIT_KEY_PREFIX"] = f"bench-{secrets.token_hex(6)}"
                PROJECT.run(project, "flask", "db", "upgrade", env=env)
                command = ("flask", "users", "create", "ann", "--password-stdin")
                PROJECT.run(project, *command, env=env, input=f"{PASSWORD}\n")
                app = "wsgi:app"
            else:
                env.update(
                    DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
                    DJANGO_ALLOWED_HOSTS="127.0.0.1",
                    DJANGO_HTTPS="false",
                    CACHE_KEY_PREFIX=f"bench-{secrets.token_hex(6)}",
                )
                PROJECT.run(project, "python", "manage.py", "migrate", "--noinput", env=env)
                PROJECT.run(project, "python", "manage.py", "shell", "-c", DJANGO_USER, env=env)
                app = "signin.wsgi"
            base = stack.enter_context(gunicorn(project, app, env, "/healthz"))
            log(f"  {framework}: {count} rounds, interleaved")
            unknown, wrong = timings(f"{base}/api/auth/tokens", count, seconds)
        ratio = paired_ratio(unknown, wrong)
        section.add(
            f"{framework}: POST /api/auth/tokens, unknown user against wrong password "
            "(the slower / the faster)",
            max(ratio, 1 / ratio),
            BUDGET,
            detail=f"{median(unknown):.1f} vs {median(wrong):.1f} ms (ratio {ratio:.3f})",
        )
    return section
