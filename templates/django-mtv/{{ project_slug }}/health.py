"""Readiness checks behind GET /readyz: does each backing service answer?

Each check returns "ok" or a short reason (the error's class); the details go
to the log. The connect timeouts in the settings keep an unreachable server
from holding the answer longer than a few seconds.
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    key, value = f"readyz:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not return the value just stored")
    cache.delete(key)


CHECKS = {"database": check_database, "cache": check_cache}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure means "not ready", never a 500
            reason = type(error).__name__
            logger.warning(
                "Readiness check %s failed: %s: %s", name, reason, " ".join(str(error).split())
            )
            results[name] = reason
        else:
            results[name] = "ok"
    return results
