"""The one exception type the CLI turns into a one-line message, and the translation
of Copier's own errors into it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class StackgenError(Exception):
    """A problem the user can fix; printed as a single line, exit status 1."""


def one_line(text: str) -> str:
    """``text`` safe to print as one line: control characters and the like escaped.

    Messages quote what the user gave, and that may hold a newline, an escape
    sequence or a lone surrogate (from undecodable bytes on the command line).
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


@contextmanager
def from_copier(suffix: str = "") -> Iterator[None]:
    """Turn what Copier raises about a template or an answer into a StackgenError.

    ``suffix`` is added to the message (e.g. "nothing was changed").
    Interruptions pass through untouched.
    """
    from copier.errors import CopierError, UnsafeTemplateError
    from plumbum import ProcessExecutionError

    tail = f" ({suffix})" if suffix else ""
    try:
        yield
    except KeyboardInterrupt:
        raise
    except UnsafeTemplateError:
        raise StackgenError(
            "the template asks to run commands on this machine (tasks, migrations or "
            f"extensions); stackgen never runs a template's commands{tail}"
        ) from None
    except ProcessExecutionError as error:
        detail = (error.stderr or error.stdout or "").strip().splitlines()
        command = " ".join(map(str, error.argv[:2])) if error.argv else "a command"
        raise StackgenError(
            f"{command} failed: {detail[-1] if detail else error.retcode}{tail}"
        ) from None
    except (CopierError, ValueError) as error:
        raise StackgenError(f"{first_line(error)}{tail}") from None
