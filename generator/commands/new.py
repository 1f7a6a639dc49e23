"""``stackgen new PATH``: the questionnaire, the recommendation, then the project."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.catalogue import BY_TEMPLATE, FRAMEWORKS, TEMPLATES
from generator.commands import no_terminal, verb_parser
from generator.errors import StackgenError

# Where a default comes from when it is not copier.yml's.
DEFAULT_SOURCES = {"author_name": "git config user.name", "author_email": "git config user.email"}


SUMMARY = "generate a project"
DESCRIPTION = (
    "Generate a Flask or Django project in PATH. Without --framework, a few "
    "questions lead to a recommendation you can accept or override; then the template "
    "asks its own questions (database, options)."
)
EXAMPLES = """
stackgen new blog
stackgen new api --framework flask --defaults
stackgen new site --framework django --defaults --data database=postgresql
stackgen new api --framework flask --defaults --data analytics=true \\
    --data project_name="Movie API"
stackgen new gym --framework flask --defaults \\
    --resource "Workout name:string duration_minutes:integer:min=1 --owned" \\
    --resource "ExerciseSet title:string workout:references"
stackgen new gym --framework django --defaults --model gym.yml   # its resources, its model.yml
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    new = verb_parser(commands, "new", SUMMARY, DESCRIPTION, EXAMPLES, help_footer=options_help)
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
        "--resource",
        action="append",
        default=[],
        metavar='"NAME FIELD..."',
        help="start with a resource, as `stackgen generate resource NAME FIELD... [--owned]` "
        "would add it (repeatable; Flask)",
    )
    new.add_argument(
        "--model",
        metavar="FILE",
        type=Path,
        help="start with the resources of a model file (see `stackgen model`), which "
        "becomes the project's model.yml",
    )
    new.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty PATH; files the template does not produce are kept",
    )
    new.set_defaults(handle=handle)


def options_help() -> str:
    """Every ``--data`` key with its values, default and framework, then the features.

    Made only when help is shown (it reads copier.yml), without Jinja: help stays fast.
    """
    from generator.answers import format_value
    from generator.features import features_of
    from generator.questions import installed, option_values

    questions = installed()
    lines = ["template options (--data KEY=VALUE), read from copier.yml:"]
    asked = {k: s for k, s in questions.items() if k != "framework" and s.get("when") is not False}
    width = max(len(key) for key in asked)
    for key, spec in asked.items():
        values = option_values(spec)
        shown = " | ".join(format_value(v) for v in values) if values else "text"
        lines.append(f"  {key.ljust(width)}  {shown} (default: {_default_text(key, spec)})")
        if spec.get("help"):
            lines.append(f"  {'':{width}}  {spec['help']}")
    lines += [
        "",
        "features (the bool options; switch them later with `stackgen add` / `stackgen remove`):",
    ]
    for framework in FRAMEWORKS.values():
        names = ", ".join(feature.name for feature in features_of(questions, framework.template))
        lines.append(f"  {framework.label}: {names or 'none'}")
    return "\n".join(lines)


def _default_text(key: str, spec: Mapping[str, Any]) -> str:
    from generator.answers import format_value
    from generator.questions import asks, default_for, depends_on, installed

    default = spec.get("default")
    per_framework = [f for f in FRAMEWORKS.values() if asks(spec, f.template)]
    if key in DEFAULT_SOURCES:
        text = f"{DEFAULT_SOURCES[key]}, else {format_value(default)}"
    elif isinstance(default, str) and "_copier_conf.dst_path" in default:
        text = "PATH's folder name"
    elif spec.get("type") == "bool" and isinstance(default, str) and "{{" in default:
        text = ", ".join(
            f"{format_value(default_for(key, installed(), framework=f.template))} for {f.label}"
            for f in per_framework
        )
    elif isinstance(default, str) and "{{" in default:
        text = "derived from the other answers"
    else:
        text = format_value(default)
    needs = {f.label: depends_on(spec, f.template) for f in per_framework}
    for label, names in needs.items():
        on = ", ".join(f"{name}=true" for name in names)
        if names and len(set(map(tuple, needs.values()))) == 1:
            text += f"; with {on}"
            break
        if names:
            text += f"; {label} with {on}"
    return f"{text}; {per_framework[0].label} only" if len(per_framework) == 1 else text


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


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from generator import answers, create
    from generator.questions import installed

    if not interactive and not args.defaults:
        raise no_terminal("--defaults (and --framework flask|django) to run without questions")
    if args.defaults and not args.framework:
        raise StackgenError(
            "--defaults needs --framework flask|django (`stackgen recommend` helps you choose)"
        )
    from generator import model, resources

    dest = args.path.expanduser().resolve()
    create.check_destination(dest, args.force)  # said at once, before any question
    template = TEMPLATES.get(args.framework)
    wanted_model, model_text = _model_file(args)
    if template:
        resources.check_options(args.resource, template)
        if wanted_model is not None:
            model.options(wanted_model, template)
    questions = installed()
    data = answers.parse_data(answers.split_data(args.data), questions, template)
    if "framework" in data:
        raise StackgenError("choose the framework with --framework flask|django, not --data")
    if args.defaults or "project_name" in data:
        data.setdefault("project_name", dest.name)
        if "project_slug" not in data:
            _slug_for(data["project_name"])  # a refused name is said before the questions
    if not args.defaults:
        data = _ask(args, dest, data, template)
    else:
        data = answers.complete(data, questions, str(template), dest.name)
    answers.check_answers(data, questions)
    wanted = resources.check_options(args.resource, data["framework"])
    if wanted_model is not None:
        wanted = model.options(wanted_model, data["framework"])

    # Every answer is known by now: Copier asks nothing.
    request = create.Request(
        dest,
        data,
        defaults=True,
        force=args.force,
        resources=tuple(wanted),
        model_text=model_text,
    )
    result = create.create(request)
    label = BY_TEMPLATE[result.answers["framework"]].label
    print(f"Created a {label} project in {result.path} (templates {result.version}).")
    if wanted:
        print(f"With its resources: {', '.join(option.model for option in wanted)}.")
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


def _model_file(args: argparse.Namespace) -> tuple[Any, str | None]:
    """``--model FILE``, read and its shape checked (its fields once the framework is known)."""
    from generator import model

    if args.model is None:
        return None, None
    if args.resource:
        raise StackgenError("give the resources with --model or with --resource, not both")
    path = args.model.expanduser()
    read = model.read(path)
    return read, path.read_text()


def _ask(
    args: argparse.Namespace, dest: Path, data: dict[str, Any], template: str | None
) -> dict[str, Any]:
    """The guided run: name, the help-me-choose questions, then the template's own.

    Ends with the command that gives the same project without a question.
    """
    from generator import answers, create, questionnaire, recommendation
    from generator.questions import installed

    questions = installed()
    if "project_name" not in data:
        data.update(questionnaire.ask_basics(dest.name))
    suggested: dict[str, object] = {}
    if template is None:
        advice = recommendation.recommend(questionnaire.ask_help_me_choose(), questions)
        chosen = questionnaire.confirm_framework(advice, str(args.path))
        template = TEMPLATES[chosen]
        if chosen == advice.framework:
            suggested = dict(advice.options)  # defaults the user can still change
    framework = BY_TEMPLATE[template].name
    if "project_slug" not in data:
        data["project_slug"] = _slug_for(data["project_name"])
    data = answers.complete(data, questions, template, dest.name)
    print()
    defaults = recommendation.option_defaults(framework, questions)
    print(recommendation.describe_starter(framework, suggested, defaults))
    identity = create.git_identity()
    data = questionnaire.ask_template(questions, data, {**identity, **suggested})
    given = answers.not_default(data, questions, {"project_name": dest.name, **identity})
    command = recommendation.new_command(str(args.path), framework, given)
    command += "".join(f" --resource {shlex.quote(text)}" for text in args.resource)
    command += f" --model {shlex.quote(str(args.model))}" if args.model else ""
    print(f"Generate it with: {command}")
    return data
