"""The ``stackgen`` command: a thin layer over the modules that do the work.

Heavy imports (Copier, questionary) happen inside the commands, so
``stackgen --help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from textwrap import dedent
from typing import Any, NoReturn

from generator import __version__, interrupts
from generator.errors import StackgenError, first_line, one_line
from generator.gitutil import SAFE_ENV
from generator.recommend import LABELS, TEMPLATES

TEMPLATE_FRAMEWORK = {template: name for name, template in TEMPLATES.items()}
TEMPLATE_LABELS = {template: LABELS[name] for name, template in TEMPLATES.items()}


def _examples(text: str) -> str:
    return "examples:\n" + dedent(text).strip("\n")


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


def _data_help() -> str:
    from generator.answers import data_help, load_questions
    from generator.features import names_for_help

    identity = {"author_name": "git config user.name", "author_email": "git config user.email"}
    questions = load_questions(source_copier_yml())
    lines = [
        data_help(questions, TEMPLATE_LABELS, identity),
        "",
        "features (the bool options; switch them later with `stackgen add` / `stackgen remove`):",
    ]
    for template, label in TEMPLATE_LABELS.items():
        names = ", ".join(names_for_help(questions, template))
        lines.append(f"  {label}: {names or 'none'}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    from generator.recommend import QUESTIONS

    parser = Parser(
        prog="stackgen",
        description="Choose between Flask and Django, generate a starter project that "
        "works on its first run, and bring template updates into it later.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
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

    new = commands.add_parser(
        "new",
        help="generate a project",
        description="Generate a Flask or Django project in PATH. Without --framework, a few "
        "questions lead to a recommendation you can accept or override; then the template "
        "asks its own questions (database, options).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help_footer=_data_help,
        epilog=_examples(
            """
            stackgen new blog
            stackgen new api --framework flask --defaults
            stackgen new site --framework django --defaults --data database=postgresql
            stackgen new api --framework flask --defaults --data analytics=true \\
                --data project_name="Movie API"
            """
        ),
    )
    new.add_argument("path", metavar="PATH", type=Path, help="folder to create the project in")
    new.add_argument("--framework", choices=sorted(TEMPLATES), help="skip the questionnaire")
    new.add_argument(
        "--defaults", action="store_true", help="ask nothing: take the default of every answer"
    )
    new.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="answer a template question (repeatable), e.g. database=postgresql",
    )
    new.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty PATH; files the template does not produce are kept",
    )

    recommend = commands.add_parser(
        "recommend",
        help="answer a few questions and get a recommendation, nothing generated",
        description="Ask the help-me-choose questions, print the recommended framework with "
        "its reasons and the two frameworks side by side. Pass every answer as a flag to "
        "skip the questions.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            """
            stackgen recommend
            stackgen recommend --building api --experience some --style choose \\
                --deadline weeks
            stackgen recommend --building data --experience new --style batteries \\
                --deadline days --json
            """
        ),
    )
    for question in QUESTIONS:
        recommend.add_argument(
            f"--{question.key}",
            choices=[option.value for option in question.options],
            help=question.prompt,
        )
    recommend.add_argument(
        "--json",
        action="store_true",
        help="print the decision as JSON (framework, options, reasons, close_call, other, "
        "command); needs every answer as a flag",
    )
    update = commands.add_parser(
        "update",
        help="bring a newer template version into a project, keeping your edits",
        description="Update a generated project to the templates of this stackgen (or "
        "--to VERSION) with a three-way merge: your edits are kept, conflicts are marked in "
        "the files and listed, and the exit status is 1 when any remain. The project must "
        "be a clean git working tree. Review the result with `git diff`, then commit.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            """
            stackgen update                          # the project in this folder
            stackgen update myapp --defaults         # reuse every recorded answer
            stackgen update myapp --defaults --data database=postgresql
            stackgen update myapp --to 0.1.0
            """
        ),
    )
    update.add_argument("path", metavar="PATH", type=Path, nargs="?", default=Path("."))
    _add_project_dir(update)
    update.add_argument(
        "--to", metavar="VERSION", type=_version, help="template version (default: newest)"
    )
    update.add_argument(
        "--defaults", action="store_true", help="ask nothing: keep every recorded answer"
    )
    update.add_argument(
        "--data", action="append", default=[], metavar="KEY=VALUE", help="change an answer"
    )

    check = commands.add_parser(
        "check",
        help="exit 1 when a project is behind the newest template version",
        description="Compare a project's template version with the newest one: exit 0 when "
        "it is up to date, 1 (naming both versions) when it is behind. Made for CI.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            """
            stackgen check
            stackgen check myapp || stackgen update myapp --defaults
            """
        ),
    )
    check.add_argument("path", metavar="PATH", type=Path, nargs="?", default=Path("."))
    _add_project_dir(check)

    features = commands.add_parser(
        "features",
        help="list the features of a project's framework, and which are on",
        description="List the features the project's framework offers (read from the "
        "template's copier.yml at the project's version), which of them are on, and what "
        "each adds. Switch them with `stackgen add` and `stackgen remove`.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            """
            stackgen features
            stackgen features -C myapp
            """
        ),
    )
    _add_project_dir(features)
    features.set_defaults(path=Path("."))
    for verb, on in (("add", True), ("remove", False)):
        switch = commands.add_parser(
            verb,
            help=f"switch features {'on' if on else 'off'} in a project, keeping your edits",
            description=f"Switch FEATURE(s) {'on' if on else 'off'} in a committed project: "
            "the same three-way merge as `stackgen update`, at the project's own template "
            "version (unless --to), so your edits are kept, conflicts are marked and listed "
            "(exit 1), and a project with uncommitted changes is refused. `stackgen features` "
            "lists them. Choice-valued options (database, cache) change with "
            "`stackgen update --data KEY=VALUE`.",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            epilog=_examples(
                f"""
                stackgen {verb} sentry
                stackgen {verb} celery sentry -C myapp
                """
            ),
        )
        switch.add_argument("features", metavar="FEATURE", nargs="+")
        _add_project_dir(switch)
        switch.set_defaults(path=Path("."))
        switch.add_argument(
            "--to",
            metavar="VERSION",
            type=_version,
            help="move to this template version at the same time",
        )

    serve = commands.add_parser(
        "serve",
        help="serve the web initializr: choose, explore and download a starter",
        description="Serve the web initializr: the help-me-choose questions with the live "
        "recommendation, the template's questions, the files a download holds, and "
        "/starter.zip and /starter.tar.gz downloads that `stackgen check` and `update` "
        "understand. For a team, host it with gunicorn 'generator.web:create_app()'.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_examples(
            """
            stackgen serve                           # http://127.0.0.1:8000/
            stackgen serve --host 0.0.0.0 --port 8080
            """
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port to listen on (0: any free port; the URL printed names it)",
    )
    return parser


def _add_project_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-C",
        dest="directory",
        metavar="PATH",
        type=Path,
        help="run as if stackgen was started in PATH (the project's folder), as `git -C`",
    )


def project_path(args: argparse.Namespace) -> Path:
    """The project a command works on: PATH (default ``.``) inside ``-C`` when given."""
    base = args.directory if args.directory is not None else Path(".")
    return (base.expanduser() / args.path.expanduser()).resolve()


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _no_terminal(flags: str) -> StackgenError:
    return StackgenError(f"no terminal to ask questions on; pass {flags}")


def cmd_recommend(args: argparse.Namespace, interactive: bool) -> int:
    from generator.answers import load_questions
    from generator.recommend import QUESTIONS, comparison_table, explain, recommend

    answers = {q.key: getattr(args, q.key) for q in QUESTIONS if getattr(args, q.key)}
    missing = [q for q in QUESTIONS if q.key not in answers]
    flags = " ".join(f"--{q.key}" for q in missing)
    if missing and args.json:
        raise StackgenError(f"--json needs every answer as a flag; pass {flags}")
    if missing and not interactive:
        raise _no_terminal(flags)
    if missing:
        from generator import questionnaire

        answers = {**questionnaire.ask_help_me_choose(), **answers}
    advice = recommend(answers, load_questions(source_copier_yml()))
    if args.json:
        import json

        print(json.dumps(advice.as_json(), indent=2))
        return 0
    print(explain(advice))
    print()
    print(comparison_table())
    return 0


def _slug_for(name: str) -> str:
    """The package name for ``name``, or an error that says how to pass another."""
    from generator import naming

    try:
        return naming.project_slug(name)
    except StackgenError as error:
        raise StackgenError(
            f"{error} (pass another PATH or --data project_name=NAME, or keep this name "
            "with --data project_slug=PACKAGE)"
        ) from None


def _git_identity() -> dict[str, str]:
    """The author git would record in a new repository, as create reads it."""
    import tempfile

    from generator import create
    from generator.gitutil import git

    with tempfile.TemporaryDirectory() as scratch:
        git("init", "-q", scratch)
        return create.author_defaults(Path(scratch))


def cmd_new(args: argparse.Namespace, interactive: bool) -> int:
    from generator import answers, create, naming

    if not interactive and not args.defaults:
        raise _no_terminal("--defaults (and --framework flask|django) to run without questions")
    if args.defaults and not args.framework:
        raise StackgenError(
            "--defaults needs --framework flask|django (`stackgen recommend` helps you choose)"
        )
    dest = args.path.expanduser().resolve()
    create.check_destination(dest, args.force)
    template = TEMPLATES.get(args.framework)
    questions = answers.load_questions(source_copier_yml())
    data = answers.parse_data(args.data, questions, template)
    if "framework" in data:
        raise StackgenError("choose the framework with --framework flask|django, not --data")

    if args.defaults or "project_name" in data:
        data.setdefault("project_name", dest.name)
        if "project_slug" not in data:
            _slug_for(data["project_name"])
    suggested: dict[str, object] = {}
    if not args.defaults:
        from generator import questionnaire, recommend

        if "project_name" not in data:
            data.update(questionnaire.ask_basics(dest.name))
        if template is None:
            advice = recommend.recommend(questionnaire.ask_help_me_choose(), questions)
            framework = questionnaire.confirm_framework(advice, str(args.path))
            template = TEMPLATES[framework]
            if framework == advice.framework:
                suggested = dict(advice.options)  # defaults the user can still change
    data["framework"] = template
    if "project_slug" not in data:
        data["project_slug"] = _slug_for(data["project_name"])
    naming.check_slug(data["project_slug"])
    if not data.get("description"):
        data["description"] = answers.default_for("description", questions, framework=template)
    if not args.defaults:
        framework = TEMPLATE_FRAMEWORK[template]
        print()
        defaults = recommend.option_defaults(framework, questions)
        print(recommend.describe_starter(framework, suggested, defaults))
        identity = _git_identity()
        data = questionnaire.ask_template(questions, data, {**identity, **suggested})
        # Every answer is known: the command that gives the same project, questions skipped.
        given = answers.not_default(data, questions, {"project_name": dest.name, **identity})
        print(f"Generate it with: {recommend.new_command(str(args.path), framework, given)}")

    answers.check_answers(data, questions)

    # Every answer is known by now: Copier asks nothing.
    result = create.create(create.Request(dest, data, defaults=True, force=args.force))
    framework = TEMPLATE_FRAMEWORK[result.answers["framework"]]
    print(f"Created a {framework.title()} project in {result.path} (templates {result.version}).")
    placed = result.placement
    if placed.replaced:
        print(f"Replaced with the template's version: {', '.join(placed.replaced)}")
    if placed.kept:
        print(f"Kept your own {', '.join(placed.kept)} (compare it with .env.example).")
    if not result.committed:
        print("PATH already had a git repository: review and commit the new files yourself.")
    print("Next:")
    for step in create.next_steps(result.path, result.answers):
        print(f"  {step}")
    return 0


def cmd_update(args: argparse.Namespace, interactive: bool) -> int:
    from generator import answers, update
    from generator.project import load, locked, questions_at

    path = project_path(args)
    with locked(path):
        project = load(path)
        update.check_updatable(path)  # the real reason first: a dirty tree, before "no terminal"
        if not interactive and not args.defaults:
            raise _no_terminal("--defaults to keep the recorded answers")
        version = update.resolve(project, args.to)
        questions = questions_at(project, version)  # what the new version asks
        data = answers.parse_data(args.data, questions, project.template)
        if "framework" in data:
            raise StackgenError("the framework of an existing project cannot be changed")
        answers.check_answers({**project.answers, **data}, questions)
        old, new, summary = update.update(project, version, data, args.defaults)
    if old == new and not data:
        print(f"{path} is already at template version {new}; nothing to do.")
        return 0
    if old == new:
        headline = f"Applied the changed answers to {path} (template version {new})."
    else:
        headline = f"Updated {path} from template version {old} to {new}."
    return report_update(path, headline, summary)


INSTALL = 'pip install -e ".[dev]" (or uv sync --locked)'


def report_update(path: Path, headline: str, summary) -> int:
    """Print what an update did and how to finish it; return 1 when it needs the user's hand.

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


CANNOT_TELL = 2  # check's status when it cannot compare (distinct from 1, "behind")


def cmd_check(args: argparse.Namespace, interactive: bool) -> int:
    from generator import update
    from generator.project import load

    again = ["stackgen", "update"]  # the command that updates the same project
    again += [f"-C {args.directory}"] if args.directory is not None else []
    again += [str(args.path)] if args.path != Path(".") else []
    try:
        project = load(project_path(args))
        newest = update.target(project)
    except StackgenError as error:
        print(f"stackgen: error: cannot tell: {one_line(str(error))}", file=sys.stderr)
        return CANNOT_TELL
    if update.is_behind(project, newest):
        print(
            f"behind: template version {project.version}, newest {newest} (run `{' '.join(again)}`)"
        )
        return 1
    print(f"up to date: template version {project.version}")
    return 0


def cmd_features(args: argparse.Namespace, interactive: bool) -> int:
    from generator import features
    from generator.project import load

    path = project_path(args)
    project = load(path)
    available = features.features_of(project.questions, project.template)
    label = TEMPLATE_LABELS[project.template]
    if not available:
        print(f"{path}: this {label} project's template version has no features to switch.")
        return 0
    on = sum(feature.is_on(project.answers) for feature in available)
    print(
        f"{path}: {label} project, template version {project.version}, {on} of "
        f"{len(available)} features on"
    )
    print("\n".join(features.describe(available, project.answers)))
    print("Switch them with `stackgen add FEATURE` and `stackgen remove FEATURE`.")
    return 0


def cmd_switch(args: argparse.Namespace, interactive: bool) -> int:
    from generator import add, remove

    on = args.command == "add"
    path = project_path(args)
    verb = add.add if on else remove.remove
    result = verb(path, args.features, TEMPLATE_LABELS, args.to)
    state = "on" if on else "off"
    for name in result.unchanged:
        print(f"{name} is already {state} in {path}.")
    if result.summary is None:
        print("Nothing to do.")
        return 0
    if result.changed:
        verb_done, where = ("Added", "to") if on else ("Removed", "from")
        switched = ", ".join(result.changed)
        headline = f"{verb_done} {switched} {where} {path} (template version {result.version})."
    else:  # only --to moved the version
        headline = f"Updated {path} to template version {result.version}."
    return report_update(path, headline, result.summary)


def _version(text: str) -> str:
    from generator import versions

    try:
        return versions.check(text)
    except StackgenError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _port(text: str) -> int:
    # waitress resolves the address with getaddrinfo, which takes 99999 as 34463.
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0 to 65535)")
    return int(text)


def cmd_serve(args: argparse.Namespace, interactive: bool) -> int:
    import waitress

    from generator.web import create_app

    try:
        server = waitress.create_server(create_app(), host=args.host, port=args.port, threads=8)
    except OSError as error:
        raise StackgenError(f"cannot listen on {args.host}:{args.port}: {error.strerror}") from None
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"Serving the stackgen initializr on http://{host}:{server.effective_port}/ "
        "(Ctrl-C stops it)",
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        server.close()
    return 0


def source_copier_yml() -> Path:
    from generator import source

    return source.packaged_templates() / "copier.yml"


COMMANDS = {
    "new": cmd_new,
    "recommend": cmd_recommend,
    "update": cmd_update,
    "check": cmd_check,
    "features": cmd_features,
    "add": cmd_switch,
    "remove": cmd_switch,
    "serve": cmd_serve,
}


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
        return COMMANDS[args.command](args, interactive)
    except StackgenError as error:
        print(f"stackgen: error: {one_line(str(error))}", file=sys.stderr)
        return 1
    except EOFError:
        print("stackgen: error: input ended before every question was answered", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"stackgen: interrupted; {interrupts.outcome()}", file=sys.stderr)
        return 130
    except OSError as error:
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


def main() -> None:
    status: int | None = None
    try:
        signal.signal(signal.SIGTERM, _terminate)
        status = run()
    except KeyboardInterrupt:  # before a command started, or after it returned
        pass
    for signum in (signal.SIGINT, signal.SIGTERM):  # done: a late Ctrl-C changes nothing
        signal.signal(signum, signal.SIG_IGN)
    if status is None:
        print(f"stackgen: interrupted; {interrupts.outcome()}", file=sys.stderr)
        status = 130
    sys.exit(status)
