import sys
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .api.schemas import MAX_PASSWORD, MIN_PASSWORD
from .auth import create_user, find_user, issue_token, revoke_token, set_password
from .extensions import db
from .models import Actor, ApiToken
from .release import release

SAMPLE_ACTORS = [
    ("Meryl Streep", date(1949, 6, 22)),
    ("Denzel Washington", date(1954, 12, 28)),
    ("Tilda Swinton", date(1960, 11, 5)),
    ("Song Kang-ho", date(1967, 1, 17)),
    ("Cate Blanchett", date(1969, 5, 14)),
    ("Mahershala Ali", date(1974, 2, 16)),
    ("Florence Pugh", date(1996, 1, 3)),
]


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Load a few sample actors (skipping the ones already there)."""
    names = [name for name, _ in SAMPLE_ACTORS]
    existing = set(db.session.scalars(select(Actor.name).where(Actor.name.in_(names))))
    new = [
        Actor(name=name, birth_date=born) for name, born in SAMPLE_ACTORS if name not in existing
    ]
    db.session.add_all(new)
    db.session.commit()
    click.echo(f"Added {len(new)} sample actors ({len(existing)} were already there).")


@click.command("release")
@with_appcontext
def release_command() -> None:
    """Migrate the database once per release, under a lock (safe to run concurrently)."""
    try:
        release()
    except TimeoutError as error:  # another release step held the lock too long
        raise click.ClickException(str(error)) from None
    click.echo("The database is at the newest migration.")


users = AppGroup("users", help="Manage the users that tokens and owned rows belong to.")


# A password is never an argument (it would stay in the shell's history and in
# `ps`): it is asked for at a terminal, or read from standard input.


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise click.ClickException(
            f"A password is {MIN_PASSWORD} to {MAX_PASSWORD} characters long."
        )
    return password


def read_password(from_stdin: bool, *, required: bool) -> str:
    """The password from the first line of standard input, or typed twice at a terminal;
    "" for none (a terminal left empty, or no terminal) unless ``required``."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = click.prompt(
            "Password" if required else "Password (empty: none)",
            hide_input=True,
            confirmation_prompt=True,
            default="" if not required else None,
            show_default=False,
        )
    else:
        password = ""
    if not password and required:
        raise click.ClickException("No password given (--password-stdin reads it from stdin).")
    return check_password(password) if password else ""


@users.command("create")
@click.argument("username")
@click.option("--staff", is_flag=True, help="Staff may change the resources users share.")
@click.option("--email", help="The user's email address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    username: str, staff: bool, email: str | None, password_stdin: bool
) -> None:
    """Create the user USERNAME, with a password asked for (or read with --password-stdin)."""
    if find_user(username) is not None:
        raise click.ClickException(f"A user called {username!r} already exists.")
    if not 1 <= len(username) <= 80 or not username.isprintable():
        raise click.ClickException("A username is 1 to 80 printable characters.")
    if email is not None and ("@" not in email or len(email) > 254 or not email.isprintable()):
        raise click.ClickException(f"Not an email address: {email!r}.")
    password = read_password(password_stdin, required=False)
    create_user(username, staff=staff, email=email, password=password or None)
    signs_in = "with its password" if password else "with a token only (no password yet)"
    click.echo(f"Created {'staff ' if staff else ''}user {username}; it signs in {signs_in}.")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def set_password_command(username: str, password_stdin: bool) -> None:
    """Set the password of USERNAME: every token of theirs is revoked."""
    user = find_user(username)
    if user is None:
        raise click.ClickException(f"No user called {username!r}.")
    revoked = set_password(user, read_password(password_stdin, required=True))
    click.echo(f"Changed the password of {username}; revoked {revoked} of their tokens.")


tokens = AppGroup("tokens", help="Manage the bearer tokens that allow writes.")


@tokens.command("create")
@click.argument("name")
@click.option("--user", "username", help="The user it belongs to (default: the user NAME).")
def create_token(name: str, username: str | None) -> None:
    """Create a token called NAME and print it alone (it cannot be shown again)."""
    if db.session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise click.ClickException(f"A token called {name!r} already exists.")
    if username is not None and find_user(username) is None:
        raise click.ClickException(f"No user called {username!r}: `flask users create` first.")
    click.echo(issue_token(name, username))


@tokens.command("list")
def list_tokens() -> None:
    """List the tokens: name, user, creation, expiry and revocation time (never the token)."""
    for token in db.session.scalars(select(ApiToken).order_by(ApiToken.created_at)):
        revoked = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
        click.echo(
            f"{token.name}\t{token.user.username}\tcreated {token.created_at:%Y-%m-%d %H:%M}"
            f"\texpires {token.expires_at:%Y-%m-%d %H:%M}\t{revoked}"
        )


@tokens.command("revoke")
@click.argument("name")
@click.option("--user", "username", help="Only that user's tokens called NAME.")
def revoke_command(name: str, username: str | None) -> None:
    """Revoke the tokens called NAME: they stop working at once."""
    if not revoke_token(name, username):
        raise click.ClickException(f"No token called {name!r}.")
    click.echo(f"Revoked {name}.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(release_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(users)
    app.cli.add_command(tokens)
