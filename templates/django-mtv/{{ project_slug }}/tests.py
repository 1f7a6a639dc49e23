"""Tests of the project itself: error pages, health checks, request ids, logs, static and
uploaded files."""

import io
import json
import logging
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import skipUnless

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import OperationalError, connection, connections
from django.http import HttpRequest
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import include, path, reverse
from django.utils.html import escape
from django.utils.log import configure_logging
from storages.backends.s3 import S3Storage

from . import health
from .context_processors import SITE_NAME
from .log import request_id
from .settings import media_storage, statement_time_limit


def broken_view(request: HttpRequest):
    raise RuntimeError("this view always fails")


urlpatterns = [path("broken/", broken_view), path("", include(f"{__package__}.urls"))]


@override_settings(DEBUG=False)
class ErrorPageTests(TestCase):
    def test_404_uses_the_site_layout(self) -> None:
        response = self.client.get("/no-such-page/")
        self.assertContains(response, "Page not found", status_code=404)
        self.assertContains(response, 'class="site-name"', status_code=404)

    @override_settings(ROOT_URLCONF=__name__)
    def test_500_uses_the_site_layout(self) -> None:
        client = self.client_class(raise_request_exception=False)
        with self.assertLogs("django.request", "ERROR"):
            response = client.get("/broken/")
        self.assertContains(response, "Server error", status_code=500)
        self.assertContains(response, 'class="site-name"', status_code=500)
        self.assertNotContains(response, "Log in", status_code=500)


class NavigationTests(TestCase):
    def test_the_header_names_the_site_not_only_the_polls(self) -> None:
        response = self.client.get(reverse("polls:index"))
        header = f'<a class="site-name" href="/">{escape(SITE_NAME)}</a>'
        self.assertContains(response, header, html=True)


@override_settings(ALLOWED_HOSTS=["polls.example.com"], SECURE_SSL_REDIRECT=True)
class HealthCheckTests(TestCase):
    """Probes come by IP over plain HTTP: no host check, no HTTPS redirect for them."""

    def test_healthz_answers_without_the_database(self) -> None:
        with self.assertNumQueries(0):
            response = self.client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})
        self.assertNotIn("Set-Cookie", response.headers)

    def test_readyz_checks_the_database_and_the_cache(self) -> None:
        response = self.client.get("/readyz", HTTP_HOST="10.0.0.5:8000")
        self.assertEqual(response.status_code, 200)
        checks = dict.fromkeys(health.CHECKS, "ok")
        self.assertLessEqual({"database", "cache"}, set(checks))
        self.assertEqual(response.json(), {"status": "ok", "checks": checks})

    def test_other_pages_still_check_the_host(self) -> None:
        response = self.client.get("/polls/", HTTP_HOST="10.0.0.5:8000")
        self.assertEqual(response.status_code, 400)


class RequestIdTests(TestCase):
    def test_a_fresh_id_per_request(self) -> None:
        first = self.client.get("/healthz").headers["X-Request-ID"]
        second = self.client.get("/healthz").headers["X-Request-ID"]
        self.assertRegex(first, r"^[0-9a-f]{32}$")
        self.assertNotEqual(first, second)

    def test_a_valid_incoming_id_is_kept(self) -> None:
        response = self.client.get("/polls/", HTTP_X_REQUEST_ID="edge-4f2a.17:9")
        self.assertEqual(response.headers["X-Request-ID"], "edge-4f2a.17:9")

    def test_an_invalid_incoming_id_is_replaced(self) -> None:
        for bad in ("x" * 129, "two words", "<script>", ""):
            response = self.client.get("/healthz", HTTP_X_REQUEST_ID=bad)
            self.assertRegex(response.headers["X-Request-ID"], r"^[0-9a-f]{32}$")


class LoggingTests(SimpleTestCase):
    """The settings' LOGGING, applied as Django applies it at startup."""

    def capture(self, log_format: str, *messages: tuple[str, str]) -> list[str]:
        config = {
            **settings.LOGGING,
            "handlers": {
                "stdout": {**settings.LOGGING["handlers"]["stdout"], "formatter": log_format}
            },
        }
        output = io.StringIO()
        token = request_id.set("req-42")
        try:
            # Handlers write to sys.stdout or sys.stderr as they are when logging
            # is configured: both go to ``output``, to catch any second handler.
            with redirect_stdout(output), redirect_stderr(output):
                configure_logging(settings.LOGGING_CONFIG, config)
                for logger, message in messages:
                    logging.getLogger(logger).warning(message)
        finally:
            request_id.reset(token)
            configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
        return output.getvalue().splitlines()

    @override_settings(DEBUG=True)  # Django's own console handler is active with DEBUG on
    def test_each_event_is_one_line(self) -> None:
        lines = self.capture("text", ("django.request", "Not Found: /x"), ("polls", "hello"))
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r" WARNING django\.request \[req-42\] Not Found: /x$")
        self.assertRegex(lines[1], r" WARNING polls \[req-42\] hello$")

    def test_json_lines(self) -> None:
        lines = self.capture("json", ("django.request", "Not Found: /x"))
        self.assertEqual(len(lines), 1, lines)
        entry = json.loads(lines[0])
        self.assertEqual(set(entry), {"time", "level", "logger", "request_id", "message"})
        self.assertEqual(
            (entry["level"], entry["logger"], entry["request_id"], entry["message"]),
            ("WARNING", "django.request", "req-42", "Not Found: /x"),
        )


class MediaStorageTests(SimpleTestCase):
    def test_a_file_saved_through_default_storage_lands_in_media_root(self) -> None:
        with tempfile.TemporaryDirectory() as media, self.settings(MEDIA_ROOT=media):
            name = default_storage.save("uploads/note.txt", ContentFile(b"hello"))
            self.assertEqual((Path(media) / name).read_bytes(), b"hello")
            with default_storage.open(name) as reopened:
                self.assertEqual(reopened.read(), b"hello")
            # A second file of the same name never replaces the first.
            other = default_storage.save("uploads/note.txt", ContentFile(b"again"))
            self.assertNotEqual(other, name)
            self.assertEqual(default_storage.url(name), f"/media/{name}")
            default_storage.delete(name)
            self.assertFalse(default_storage.exists(name))

    def test_local_by_default_and_a_bucket_once_named(self) -> None:
        self.assertEqual(
            media_storage({})["BACKEND"], "django.core.files.storage.FileSystemStorage"
        )
        chosen = media_storage(
            {"AWS_STORAGE_BUCKET_NAME": "uploads", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000"}
        )
        self.assertEqual(chosen["BACKEND"], "storages.backends.s3.S3Storage")
        # django-storages takes these options as they are (it refuses unknown ones).
        bucket = S3Storage(**chosen["OPTIONS"])
        self.assertEqual(
            (bucket.bucket_name, bucket.endpoint_url), ("uploads", "http://127.0.0.1:9000")
        )
        self.assertFalse(bucket.file_overwrite)


@skipUnless(connection.vendor in ("postgresql", "mysql"), "SQLite has no statement timeout")
class StatementTimeLimitTests(TestCase):
    def connect(self, seconds: int):
        """A new connection to the test database, with a limit of ``seconds``."""
        options = {**connection.settings_dict["OPTIONS"]}
        options.update(statement_time_limit(connection.vendor, seconds))
        backend = type(connections["default"])
        other = backend({**connection.settings_dict, "OPTIONS": options}, "limited")
        self.addCleanup(other.close)
        return other

    def test_every_connection_has_the_configured_limit(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW statement_timeout")
                self.assertEqual(cursor.fetchone()[0], f"{settings.DATABASE_STATEMENT_TIMEOUT}s")
            elif connection.mysql_is_mariadb:
                cursor.execute("SELECT @@max_statement_time")
                self.assertEqual(cursor.fetchone()[0], settings.DATABASE_STATEMENT_TIMEOUT)
            else:
                self.skipTest("MySQL has no time limit for every statement")

    def test_a_statement_past_the_limit_is_cancelled(self) -> None:
        limited = self.connect(1)
        sleep = "SELECT pg_sleep(10)" if connection.vendor == "postgresql" else "SELECT SLEEP(10)"
        started = time.monotonic()
        with self.assertRaises(OperationalError), limited.cursor() as cursor:
            cursor.execute(sleep)
            cursor.fetchall()
        self.assertLess(time.monotonic() - started, 5)
        # The limit is per statement: the connection goes on serving.
        with limited.cursor() as cursor:
            cursor.execute("SELECT 1")
            self.assertEqual(cursor.fetchone()[0], 1)


class StaticFilesWithoutCollectstaticTests(TestCase):
    """DEBUG=false before `collectstatic`: plain names and a warning, not a 500."""

    def test_pages_render_with_unhashed_static_names(self) -> None:
        with tempfile.TemporaryDirectory() as empty_static_root:
            storages = {
                **settings.STORAGES,
                "staticfiles": {"BACKEND": f"{__package__}.storage.StaticFilesStorage"},
            }
            with (
                override_settings(DEBUG=False, STATIC_ROOT=empty_static_root, STORAGES=storages),
                self.assertLogs(f"{__package__}.storage", "WARNING") as logs,
            ):
                response = self.client.get("/polls/")
        self.assertContains(response, 'href="/static/polls/style.css"')
        self.assertIn("collectstatic", logs.output[0])
