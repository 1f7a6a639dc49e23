"""stackgen's verbs, one module each: its arguments, its call into the core, its output.

Each module has ``add_arguments(commands)``, which adds its parser (or, for
``features``, the three that share one switch) and sets ``handle`` on it;
``handle(args, interactive)`` returns the exit status. Heavy imports (Copier,
questionary) happen inside ``handle``, so ``stackgen --help`` stays fast.
What several verbs print alike (an update's report) lives here.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from textwrap import dedent
from typing import TYPE_CHECKING, Any

from generator.errors import StackgenError

if TYPE_CHECKING:
    from generator.project import Project
    from generator.resources import Plan
    from generator.update import Summary

# The order `stackgen --help` lists them in.
VERBS = (
    "new",
    "recommend",
    "update",
    "check",
    "features",
    "generate",
    "destroy",
    "rename",
    "resources",
    "model",
    "serve",
)
INSTALL = 'pip install -e ".[dev]" (or uv sync --locked)'


def examples(text: str) -> str:
    return "examples:\n" + dedent(text).strip("\n")


def verb_parser(
    commands: argparse._SubParsersAction,
    name: str,
    summary: str,
    description: str,
    example_lines: str,
    **settings: Any,
) -> argparse.ArgumentParser:
    """A verb's parser: its one-line summary, its description and its examples."""
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=examples(example_lines),
        **settings,
    )


def add_project_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-C",
        dest="directory",
        metavar="PATH",
        type=Path,
        help="run as if stackgen was started in PATH (the project's folder), as `git -C`",
    )


def add_pretend(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--pretend", action="store_true", help=f"print what would be {what}; change nothing"
    )


@contextmanager
def changing(args: argparse.Namespace) -> Iterator[Project]:
    """The project ``-C`` names (default: here), locked and clean: a command may change it."""
    from generator import update
    from generator.project import load, locked

    path = (args.directory or Path(".")).expanduser().resolve()
    with locked(path) as held:
        project = load(path)
        update.check_updatable(path, held.waited_for)
        yield project


def project_path(args: argparse.Namespace) -> Path:
    """The project a command works on: PATH (default ``.``) inside ``-C`` when given."""
    base = args.directory if args.directory is not None else Path(".")
    return (base.expanduser() / args.path.expanduser()).resolve()


def version_argument(text: str) -> str:
    """``--to VERSION``, refused by its shape before it names anything."""
    from generator import versions

    try:
        return versions.check(text)
    except StackgenError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def no_terminal(flags: str) -> StackgenError:
    return StackgenError(f"no terminal to ask questions on; pass {flags}")


def report_update(path: Path, headline: str, summary: Summary) -> int:
    """Print what an update did and how to finish it; 1 when it needs the user's hand.

    A conflict is an ordinary outcome of a three-way merge, not an error:
    everything else was applied, and the user finishes the merge.
    """
    print(headline)
    print("\n".join(summary.lines()) or "  no file changed")
    if ".env.example" in summary.updated and (path / ".env").exists():
        print("  .env.example changed: bring what applies into your own .env.")
    if summary.ignored_clashes:
        print(
            "  The new templates have file(s) where you keep git-ignored ones, kept as they "
            f"were: {', '.join(summary.ignored_clashes)} (compare with the template's version "
            "and rename yours if you want it)."
        )
    if summary.dependencies_changed:
        print(f"The dependencies changed: install them with {INSTALL}.")
    if summary.conflicted:
        print(
            f"{len(summary.conflicted)} file(s) could not be merged and hold conflict markers "
            f"(<<<<<<< before updating ... >>>>>>> after updating): "
            f"{', '.join(summary.conflicted)}."
        )
        print(
            "To finish: edit each to keep what you want and remove the markers, `git add` them, "
            "run the tests, then commit."
        )
    else:
        print("Review with `git diff`, run the tests, then commit.")
    return 1 if summary.conflicted or summary.ignored_clashes else 0


def report_plan(plan: Plan, path: Path) -> None:
    """``--pretend`` of a resource's command: what would be written, changed and removed."""
    verb = {"create": "add", "change": "regenerate", "destroy": "destroy"}[plan.action]
    print(f"Would {verb} the resource {plan.model} in {path}:")
    for line in plan.changes:
        print(f"  {line}")
    for kind in ("create", "update", "remove"):
        for name in plan.files.get(kind, []):
            kept = " (kept: you changed it)" if name in plan.edited else ""
            print(f"  {kind} {name}{kept}")
    if plan.migration:
        print(f"  create {plan.migration}")
    for line in plan.warnings:
        print(f"  note: {line}")
    print("Nothing was written (--pretend).")
