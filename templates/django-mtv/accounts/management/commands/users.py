"""``python manage.py users create NAME [--staff] [--email ADDRESS] [--password-stdin]``
and ``python manage.py users set-password NAME [--password-stdin]``.

An ordinary user of the site and its API, made without the admin. The password
is never an argument (it would stay in the shell's history and in ``ps``): it
is asked for at a terminal, or read from the first line of standard input with
``--password-stdin``; without one the user has an unusable password: it cannot
sign in with one (an API token, ``manage.py apitoken create``, still acts as it).

``set-password`` rather than Django's ``changepassword``, which reads only from
a terminal: scripts and tests need ``--password-stdin``. Either one revokes
every API token of the user (accounts/models.py, ``User.save``).
"""

import getpass
import sys
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email


class Command(BaseCommand):
    help = "Create a user of the site and its API (not a superuser)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a user.")
        create.add_argument("name", help="The user's name, to sign in with.")
        create.add_argument("--staff", action="store_true", help="Staff: writes staff's rows.")
        create.add_argument("--email", default="", help="The user's email address.")
        create.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input.",
        )

        change = actions.add_parser(
            "set-password", help="Set a user's password: every API token of theirs is revoked."
        )
        change.add_argument("name", help="The user's name.")
        change.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input.",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        {"create": self.create, "set-password": self.set_password}[action](**options)

    def set_password(self, name: str, password_stdin: bool, **options: Any) -> None:
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise CommandError(f"No user called {name!r}.")
        password = self.read_password(password_stdin)
        if not password:
            raise CommandError("No password given (--password-stdin reads it from stdin).")
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        user.set_password(password)
        user.save()
        self.stdout.write(f"Changed the password of {name!r}; its API tokens are revoked.")

    def create(
        self, name: str, staff: bool, email: str, password_stdin: bool, **options: Any
    ) -> None:
        users = get_user_model()
        user = users(username=name, email=email, is_staff=staff)
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as error:
            problems = [f"{field}: {' '.join(m)}" for field, m in error.message_dict.items()]
            raise CommandError("; ".join(problems)) from None
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"Not an email address: {email!r}.") from None
        password = self.read_password(password_stdin)
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        signs_in = "with its password" if password else "with an API token only"
        self.stdout.write(
            f"Created {'staff ' if staff else ''}user {name!r}; it signs in {signs_in}."
        )

    def read_password(self, from_stdin: bool) -> str:
        """The password given on standard input or at the terminal; "" for none."""
        if from_stdin:
            return sys.stdin.readline().rstrip("\r\n")
        if not sys.stdin.isatty():
            return ""
        password = getpass.getpass("Password (empty: none): ")
        if password and getpass.getpass("Password again: ") != password:
            raise CommandError("The passwords differ.")
        return password
