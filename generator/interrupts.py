"""Ctrl-C (and SIGTERM) at any moment: hold it back through steps that must not stop
halfway, and always know what state the disk is in when it lands.

Moving a project into place, or putting a project back as it was, takes a
moment; stopped in the middle either would leave half of each. Inside
``deferred()`` a signal is noted instead of acted on and raised as
KeyboardInterrupt once the step is over. A step that changes what is on disk
ends with ``reached("...")`` inside its deferred block, so the CLI's message
(``outcome()``) is true whenever the interrupt arrives: there is no moment
between the change and the record of it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
NOTHING_CHANGED = "nothing was changed"
_outcome = [NOTHING_CHANGED]  # one command runs per process


def outcome() -> str:
    """What is on disk if the command stops now."""
    return _outcome[0]


def reached(state: str) -> None:
    """Record that the disk is now in ``state`` (call it at the end of a deferred block)."""
    _outcome[0] = state


def start() -> None:
    """A command begins: nothing it does has happened yet."""
    reached(NOTHING_CHANGED)


@contextmanager
def deferred() -> Iterator[None]:
    """Run the body to its end even if interrupted, then raise KeyboardInterrupt.

    Outside the main thread signals cannot be caught, so the body just runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def note(signum: int, frame: Any) -> None:
        received.append(signum)

    previous = {signum: signal.signal(signum, note) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        raise KeyboardInterrupt
