"""Logging: one line per event on stdout, with the request id.

``LOG_FORMAT=json`` writes one JSON object per line (``time``, ``level``,
``logger``, ``request_id``, ``message``) for log collectors; ``text`` (the
default) is for people. ``LOG_LEVEL`` sets the level of everything.
"""

import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime
from logging.config import dictConfig
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and made of safe characters.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdFilter(logging.Filter):
    """Give every record the id of the request it was logged in, or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class StdoutHandler(logging.StreamHandler):
    """Write to ``sys.stdout`` as it is for each record, not as it was at start-up
    (test runners replace it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass  # always sys.stdout


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        return json.dumps(
            {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname,
                "logger": record.name,
                "request_id": getattr(record, "request_id", "-"),
                "message": message,
            },
            ensure_ascii=False,
        )


def configure_logging(level: str, format: str) -> None:
    """Send every logger's records to stdout through one handler.

    Calling it again replaces the handler, so a process that creates several
    apps (the tests) still writes each event once.
    """
    dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"request_id": {"()": RequestIdFilter}},
            "formatters": {
                "text": {
                    "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
                },
                "json": {"()": JSONFormatter},
            },
            "handlers": {
                "stdout": {
                    "()": StdoutHandler,
                    "formatter": format.lower(),
                    "filters": ["request_id"],
                }
            },
            "root": {"level": level.upper(), "handlers": ["stdout"]},
        }
    )


def assign_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


def echo_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    return response


def register_request_id(app: Flask) -> None:
    app.before_request(assign_request_id)
    app.after_request(echo_request_id)
