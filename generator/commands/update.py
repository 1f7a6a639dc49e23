"""``stackgen update``: bring a newer template version into a project, keeping the user's
edits (Copier's three-way merge)."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.commands import (
    add_project_dir,
    no_terminal,
    project_path,
    report_update,
    verb_parser,
    version_argument,
)
from generator.errors import StackgenError

SUMMARY = "bring a newer template version into a project, keeping your edits"
DESCRIPTION = (
    "Update a generated project to the templates of this stackgen (or "
    "--to VERSION) with a three-way merge: your edits are kept, conflicts are marked in "
    "the files and listed, and the exit status is 1 when any remain. The project must "
    "be a clean git working tree. Review the result with `git diff`, then commit."
)
EXAMPLES = """
stackgen update                          # the project in this folder
stackgen update myapp --defaults         # reuse every recorded answer
stackgen update myapp --defaults --data database=postgresql
stackgen update myapp --to 0.1.0
"""


def add_arguments(commands: argparse._SubParsersAction) -> None:
    update = verb_parser(commands, "update", SUMMARY, DESCRIPTION, EXAMPLES)
    update.add_argument("path", metavar="PATH", type=Path, nargs="?", default=Path("."))
    add_project_dir(update)
    update.add_argument(
        "--to", metavar="VERSION", type=version_argument, help="template version (default: newest)"
    )
    update.add_argument(
        "--defaults", action="store_true", help="ask nothing: keep every recorded answer"
    )
    update.add_argument(
        "--data", action="append", default=[], metavar="KEY=VALUE", help="change an answer"
    )
    update.set_defaults(handle=handle)


# The migration that gives API tokens an expiry (issue 29), per template, and how
# the project applies it.
TOKEN_EXPIRY = {
    "flask-api": (
        "migrations/versions/e2b4d6f8a0c1_passwords_and_expiring_tokens.py",
        "flask db upgrade",
        "flask users set-password NAME",
    ),
    "django-mtv": (
        "accounts/migrations/0003_apitoken_expiry.py",
        "python manage.py migrate",
        "python manage.py users set-password NAME",
    ),
}


# The module whose arrival makes gunicorn refuse several workers over a cache kept per
# process, per template (Flask's check came with its first version).
WORKERS_CHECK = {"django-mtv": "accounts/workers.py"}
WORKERS_NOTE = (
    "Note: gunicorn now stops at start-up with more than one worker outside debug mode "
    "unless REDIS_URL is set: the account-mail cap and the sign-up throttle count in the "
    "cache, which in local memory each worker keeps alone. Set REDIS_URL where the site "
    "runs, or run one worker (WEB_CONCURRENCY=1)."
)


def token_expiry_note(template: str) -> str:
    _, migrate, set_password = TOKEN_EXPIRY[template]
    return (
        "Note: API tokens now expire. Each token made before keeps working for "
        "API_TOKEN_LIFETIME_DAYS (default 30) from when `" + migrate + "` applies the new "
        "migration; clients then sign in with POST /api/auth/tokens, which takes a "
        "password: give your users one with `" + set_password + "`."
    )


def gains_token_expiry(path: Path, template: str, before: bool) -> bool:
    """Whether ``path`` lacks (``before``) or has the migration that makes tokens expire."""
    if template not in TOKEN_EXPIRY:
        return False
    return (path / TOKEN_EXPIRY[template][0]).exists() != before


def handle(args: argparse.Namespace, interactive: bool) -> int:
    from generator import answers, diagram, resources, update
    from generator.project import load, locked, questions_at

    path = project_path(args)
    with locked(path) as held:
        project = load(path)
        # The real reason first: a dirty tree, before "no terminal".
        update.check_updatable(path, held.waited_for)
        if not interactive and not args.defaults:
            raise no_terminal("--defaults to keep the recorded answers")
        version = update.resolve(project, args.to)
        questions = questions_at(project, version)  # what the new version asks
        data = answers.parse_data(answers.split_data(args.data), questions, project.template)
        if "framework" in data:
            raise StackgenError("the framework of an existing project cannot be changed")
        answers.check_answers({**project.answers, **data}, questions)
        supported = project.template in resources.SUPPORTED
        opened, unchecked = resources.made_before(path, project.template) if supported else ([], [])
        expiring = gains_token_expiry(path, project.template, before=True)
        check = WORKERS_CHECK.get(project.template, "")
        checking = bool(check) and not (path / check).exists()
        old, summary, refreshed = resources.update_all(project, version, data, args.defaults)
        expiring = expiring and gains_token_expiry(path, project.template, before=False)
        checking = checking and (path / check).exists()
        drawn = diagram.refresh(path) if supported else "current"
    new = version
    if old == new and not data and not refreshed:
        print(f"{path} is already at template version {new}; nothing to do.")
        if drawn in diagram.NOTES:
            print(diagram.NOTES[drawn])
        return 0
    if old != new:
        headline = f"Updated {path} from template version {old} to {new}."
    elif data:
        headline = f"Applied the changed answers to {path} (template version {new})."
    else:
        headline = f"{path} is at template version {new}."
    if refreshed:
        headline += f" Its resources too: {', '.join(refreshed)}."
    status = report_update(path, headline, summary)
    if drawn in diagram.NOTES:
        print(diagram.NOTES[drawn])
    for model in opened:
        print(
            f"Note: {model} keeps the write rule it had, now recorded: every signed-in user "
            "writes it (new shared resources are written by staff only). For staff-only "
            f"writes: `stackgen generate resource {model} <its fields> --writers staff`."
        )
    if expiring:
        print(token_expiry_note(project.template))
    if checking:
        print(WORKERS_NOTE)
    if unchecked:
        print(
            f"Note: the database does not check the fields' rules of {', '.join(unchecked)} "
            "yet (min=, max= and choices as CHECK constraints; in Flask, an owned table's index "
            "on (owner_id, id); new in this version): "
            "regenerate each with its fields (`stackgen generate resource NAME <its fields>`) "
            "to add them, with their migration."
        )
    return status
