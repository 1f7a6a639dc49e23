import json
import logging
import re

import pytest
from flask import current_app


@pytest.fixture
def settings(settings):
    return {**settings, "LOG_FORMAT": "json"}


@pytest.fixture
def log_route(app):
    @app.get("/api/log-something")
    def log_something():
        current_app.logger.warning("something happened")
        return {}

    return "/api/log-something"


def log_lines(capsys):
    return [line for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_one_event_is_one_json_line_with_the_request_id(capsys, client, log_route):
    capsys.readouterr()

    response = client.get(log_route, headers={"X-Request-ID": "abc-123"})

    [line] = log_lines(capsys)
    record = json.loads(line)
    assert set(record) == {"time", "level", "logger", "request_id", "message"}
    assert record["level"] == "WARNING"
    assert record["message"] == "something happened"
    assert record["request_id"] == "abc-123"
    assert response.headers["X-Request-ID"] == "abc-123"


@pytest.mark.parametrize("incoming", [None, "", "x" * 129, "bad id", 'quote"', "\u00e9t\u00e9"])
def test_a_missing_or_unsafe_request_id_is_replaced(capsys, client, log_route, incoming):
    headers = {"X-Request-ID": incoming} if incoming is not None else {}
    capsys.readouterr()

    response = client.get(log_route, headers=headers)

    request_id = response.headers["X-Request-ID"]
    assert request_id != incoming
    assert re.fullmatch("[0-9a-f]{32}", request_id)  # a uuid4, in hex
    [line] = log_lines(capsys)
    assert json.loads(line)["request_id"] == request_id


def test_errors_carry_the_request_id_too(anonymous):
    response = anonymous.post("/api/actors", json={"name": "No token"})

    assert response.status_code == 401
    assert response.headers["X-Request-ID"]


def test_exceptions_are_logged_with_their_traceback_on_one_json_line(capsys, app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("kaboom")

    capsys.readouterr()
    assert app.test_client().get("/api/boom").status_code == 500

    [line] = log_lines(capsys)
    record = json.loads(line)
    assert record["level"] == "ERROR"
    assert "RuntimeError: kaboom" in record["message"]


def test_text_format_and_level(capsys, create):
    app = create(LOG_FORMAT="text", LOG_LEVEL="warning")
    logger = logging.getLogger("some.module")

    logger.info("too detailed")
    logger.warning("worth knowing")
    with app.test_request_context(headers={"X-Request-ID": "req-7"}):
        app.preprocess_request()
        logger.warning("inside a request")

    lines = log_lines(capsys)
    assert len(lines) == 2
    assert lines[0].endswith(" WARNING some.module [-] worth knowing")
    assert lines[1].endswith(" WARNING some.module [req-7] inside a request")
