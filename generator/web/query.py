"""A query string, read as the untrusted input it is: bounded, UTF-8, each key once."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from generator.errors import AnswerError

MAX_QUERY_BYTES = 16_384
# Web resource limits, not answer rules: no answer copier.yml accepts needs more.
MAX_VALUE_CHARS = 1000
MAX_PAIRS = 40


def unique(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``pairs`` as a mapping: at most ``MAX_PAIRS``, each key once, each value bounded."""
    found: dict[str, str] = {}
    for count, (key, value) in enumerate(pairs, 1):
        if count > MAX_PAIRS:
            raise AnswerError(f"at most {MAX_PAIRS} answers in one request", key)
        if key in found:
            raise AnswerError(f"{key} is given more than once; give it once", key)
        if len(value) > MAX_VALUE_CHARS:
            raise AnswerError(f"{key} is longer than {MAX_VALUE_CHARS} characters", key)
        found[key] = value
    return found


def read(query: bytes, *reserved: str) -> tuple[dict[str, str], dict[str, str]]:
    """The query's answers in order, and the ``reserved`` keys taken out of them.

    Not Flask's ``request.args``: Werkzeug decodes a raw non-UTF-8 query with
    an uncaught UnicodeDecodeError (a 500), and %-escapes of invalid UTF-8
    with replacement characters. Both are refused here.
    """
    if len(query) > MAX_QUERY_BYTES:
        raise AnswerError(f"the query string is longer than {MAX_QUERY_BYTES} bytes", "")
    try:
        parsed = parse_qsl(query.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise AnswerError("the query string is not UTF-8 text", "") from None
    given = unique(parsed)
    taken = {key: given.pop(key) for key in reserved if key in given}
    return given, taken
