"""Minimal settings: the tutorial's index view and nothing else."""

import os
from pathlib import Path

import dj_database_url

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = ["bench.bare_django"]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.bare_django.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
    }
]
# Same connection policy as the generated project (persistent, health-checked),
# so the comparison is about the request stack, not about reconnecting.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"], conn_max_age=600, conn_health_checks=True
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
# It counts nothing; the project's gunicorn.conf.py, which it is served with, refuses a
# local-memory cache (Django's default) with several workers.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
