"""What gunicorn.conf.py refuses before serving: limits that would hold in one process only."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def check_workers(workers: int) -> None:
    """Refuse a cache kept per process when several processes serve.

    The account-mail cap (mail.py) and the sign-up throttle count in the cache: in local
    memory each of N workers counts alone and lets N times the limit through. Debug mode
    may use it. Several instances of one worker each cannot be told apart from here: give
    them REDIS_URL too.
    """
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or workers <= 1 or not backend.endswith(".LocMemCache"):
        return
    raise ImproperlyConfigured(
        f"REDIS_URL is not set: with {workers} workers, counters in the local-memory cache "
        "would each allow the whole limit (account mails, sign-ups). Set REDIS_URL to "
        "redis://host:6379/0, or run one worker (WEB_CONCURRENCY=1)."
    )
