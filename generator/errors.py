"""The one exception type the CLI turns into a one-line message, and the translation
of Copier's own errors into it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class StackgenError(Exception):
    """A problem the user can fix; printed as a single line, exit status 1."""


class AnswerError(StackgenError):
    """A refused answer: the key it was given for, and the values that key takes.

    ``values`` is None for free text. The CLI prints the message like any
    other error; the web initializr also returns the key and the values.
    """

    def __init__(self, message: str, key: str, values: list | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


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


def safe_load(text: str | bytes) -> Any:
    """``yaml.safe_load`` through libyaml where PyYAML has it: the same documents, a tenth of
    the time (a project with 20 resources reads 20 answers files per command)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
