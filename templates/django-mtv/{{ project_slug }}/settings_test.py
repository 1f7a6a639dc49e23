"""Settings for the test suite (pytest, see pyproject.toml, and ``manage.py test``).

The tests run on a fresh checkout: no .env, no secret key, no collectstatic,
and over plain HTTP whatever DJANGO_DEBUG says.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-key-for-the-test-suite-only")

from .settings import *  # noqa: F403
from .settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# Hashing passwords slowly on purpose makes no sense in tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# WhiteNoise serves the app's static files from their sources, as in development.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# django-axes refuses `self.client.login()` (it needs the request to count
# failures); the tests that are about login throttling switch it on.
AXES_ENABLED = False
