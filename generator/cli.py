"""The ``stackgen`` command: the parser's skeleton, the verbs' registry, errors to exit
statuses. Each verb lives in ``generator.commands.<verb>``.

Heavy imports (Copier, questionary) happen inside the verbs, so
``stackgen --help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from generator import __version__, interrupts
from generator.commands import VERBS, examples
from generator.errors import StackgenError, first_line, one_line
from generator.gitutil import SAFE_ENV


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line like every other error.

    ``help_footer`` adds text to ``--help`` that is costly to make (it reads a
    file), so it is made only when help is shown.
    """

    def __init__(self, *args: Any, help_footer: Callable[[], str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.help_footer = help_footer

    def format_help(self) -> str:
        text = super().format_help()
        return f"{text}\n{self.help_footer()}\n" if self.help_footer else text

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="stackgen",
        description="Choose between Flask and Django, generate a starter project that "
        "works on its first run, and bring template updates into it later.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=examples(
            """
            stackgen new myapp                       # guided: questions, recommendation
            stackgen new myapp --framework flask --defaults
            stackgen recommend                       # only the help-me-choose questions
            stackgen update myapp                    # bring in the newest templates
            stackgen check myapp                     # exit 1 when the project is behind
            stackgen features -C myapp               # what can be switched on, what is
            stackgen add sentry -C myapp             # switch a feature on, keeping your edits
            """
        ),
    )
    parser.add_argument("--version", action="version", version=f"stackgen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for verb in VERBS:
        importlib.import_module(f"generator.commands.{verb}").add_arguments(commands)
    return parser


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class QuietWhenClosed:
    """A text stream that stops writing, silently, once its reader has gone.

    ``stackgen update | head -3``: the update is done whether or not anyone
    reads its summary, so a closed pipe must neither fail the command nor
    change its exit status. As Python's documentation advises, the stream's
    file descriptor then points at /dev/null, so the flush at exit is quiet too.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.closed_by_reader = False

    def write(self, text: str) -> int:
        if not self.closed_by_reader:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._reader_gone()
        return len(text)

    def flush(self) -> None:
        if not self.closed_by_reader:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._reader_gone()

    def _reader_gone(self) -> None:
        self.closed_by_reader = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):  # no descriptor (a test's capture)
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def run(argv: Sequence[str] | None = None, interactive: bool | None = None) -> int:
    """Parse ``argv`` and run the command; return the exit status.

    ``interactive`` overrides terminal detection, for driving the prompts
    through another input (tests feed keystrokes through a pipe).
    """
    stdout = sys.stdout
    sys.stdout = QuietWhenClosed(stdout)
    try:
        return _run(argv, interactive)
    finally:
        sys.stdout.flush()  # while a closed pipe is still quiet
        sys.stdout = stdout


def _run(argv: Sequence[str] | None, interactive: bool | None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.update(SAFE_ENV)  # for Copier's own git commands too
    interrupts.start()
    if interactive is None:
        interactive = is_interactive()
    try:
        return args.handle(args, interactive)
    except StackgenError as error:
        print(f"stackgen: error: {one_line(str(error))}", file=sys.stderr)
        return getattr(error, "status", 1)  # a bad model file: 2
    except EOFError:
        print("stackgen: error: input ended before every question was answered", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return _interrupted()
    except OSError as error:
        if _while_interrupted(error):
            return _interrupted()
        where = f": {error.filename}" if error.filename else ""
        print(f"stackgen: error: {one_line(f'{error.strerror or error}{where}')}", file=sys.stderr)
        return 1
    except Exception as error:  # a bug of ours: still one line, the traceback on request
        if os.environ.get("STACKGEN_DEBUG"):
            raise
        print(
            f"stackgen: internal error: {type(error).__name__}: {one_line(first_line(error))} "
            "(STACKGEN_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1


def _interrupted() -> int:
    """Say how far the interrupted command got (what is on disk now); exit 130, as shells do."""
    print(f"stackgen: interrupted; {interrupts.outcome()}", file=sys.stderr)
    return 130


def _while_interrupted(error: BaseException) -> bool:
    """Whether ``error`` was raised while a Ctrl-C was unwinding the command.

    Removing a scratch clone on the way out can fail ("Directory not empty:
    objects") when a git process the interrupt did not stop (a clone's
    index-pack, a child of the git that was killed) still writes into it. The
    user pressed Ctrl-C: they get the interrupt's line, whose outcome is still
    true, since only scratch folders are being removed by then.
    """
    seen: set[int] = set()
    context = error.__context__
    while context is not None and id(context) not in seen:
        if isinstance(context, KeyboardInterrupt):
            return True
        seen.add(id(context))
        context = context.__context__
    return False


def _interrupt_again(unraisable: Any) -> None:
    """A Ctrl-C that landed in code which cannot raise (a C callback inside a library):
    Python would print "Exception ignored ... Traceback" and lose it. Deliver it again,
    so it lands at the next line of ours, with the usual one-line outcome."""
    if issubclass(unraisable.exc_type, KeyboardInterrupt):
        # From another thread, a moment later: raised in here, it would be ignored again.
        threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGINT)).start()
    else:
        sys.__unraisablehook__(unraisable)


def main() -> None:
    status: int | None = None
    try:
        signal.signal(signal.SIGTERM, _terminate)
        sys.unraisablehook = _interrupt_again
        status = run()
    except KeyboardInterrupt:  # before a command started, or after it returned
        pass
    for signum in (signal.SIGINT, signal.SIGTERM):  # done: a late Ctrl-C changes nothing
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(_interrupted() if status is None else status)
