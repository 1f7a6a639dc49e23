"""Middleware of the project: request ids, and the health checks."""

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from . import health
from .log import request_id

# An incoming id is kept when it is short and plain: letters, digits and -_.:
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    """Give each request an id: a valid incoming X-Request-ID, else a fresh one.

    The id is in every log line of the request and in the response's
    X-Request-ID header. It is not reset afterwards, so that Django's own
    log line about an error response, written after the middleware, has it
    too; the next request sets its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        current = incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request_id.set(current)
        response = self.get_response(request)
        response["X-Request-ID"] = current
        return response


class HealthCheckMiddleware:
    """Answer GET /healthz and /readyz before any other middleware runs.

    Probes address the app by IP over plain HTTP: answering here skips the
    ALLOWED_HOSTS check, the HTTPS redirect, sessions and authentication.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in {"GET", "HEAD"}:
            if request.path == "/healthz":
                return JsonResponse({"status": "ok"})
            if request.path == "/readyz":
                checks = health.run_checks()
                ready = all(result == "ok" for result in checks.values())
                return JsonResponse(
                    {"status": "ok" if ready else "unavailable", "checks": checks},
                    status=200 if ready else 503,
                )
        return self.get_response(request)
