"""Signing in over HTTP (issue 29): the same /api/auth/ contract on both starters.

One scenario, written once, drives each starter served by gunicorn on a real
database, as a front end or a mobile app would: sign in with a password, use
the token on a resource, read me and my tokens, revoke one, sign out, meet an
expired token, and lose every token when the password changes. Wrong
credentials answer alike whether the user exists or not. A forgotten password
is reset by mail, through a real SMTP server: the token works once and ends
every other token. Guessing is throttled: after SIGN_IN_FAILURE_LIMIT wrong
passwords, the account and the address they came from are refused (429) until
the cool-off ends, while another account from another address signs in. With
the ``signup`` option (on in every project here), anyone signs up, and signs in
once the token mailed to the address comes back; an address that has an
account gets the same answer, a mail, and no second account. No password or
token is ever in the server's log.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import (
    PASSWORD,
    Reply,
    call,
    header,
    is_error,
    served_with_resources,
    smtp_server,
)

WORKOUTS = [
    "Workout name:string:120 duration_minutes:integer:min=1 performed_on:date --owned",
]
USERS = ["ann", "bob"]
CASES = [
    ("flask", "sqlite"),
    ("flask", "postgresql"),
    ("django", "sqlite"),
    ("django", "postgresql"),
]
WORKOUT = {"name": "Intervals", "duration_minutes": 40, "performed_on": "2026-12-01"}
TOKEN_FIELDS = {"id", "name", "created_at", "last_used_at", "expires_at"}
# Wrong passwords before an account, and the address they came from, are refused
# (SIGN_IN_FAILURE_LIMIT's default), for SIGN_IN_COOLOFF_MINUTES (15).
FAILURE_LIMIT = 5
# Every log line there is, for the check that none tells a secret.
DEBUG = {"LOG_LEVEL": "DEBUG"}
# The reset token in a mail: alone on its line.
RESET_TOKEN = re.compile(r"^([\w.:-]{20,})\r?$", re.MULTILINE)
# Sign-up is an option (off by default): on in every project served here.
OPTIONS = ["signup=true"]
# How many users are called "cy2", by the project's own code.
COUNT_CY2 = {
    "flask": (
        "from sqlalchemy import func, select\n"
        "from gym_api.extensions import db\n"
        "from gym_api.models import User\n"
        "print(db.session.scalar(select(func.count()).where(User.username == 'cy2')))"
    ),
    "django": (
        "from django.contrib.auth import get_user_model; "
        "print(get_user_model().objects.filter(username='cy2').count())"
    ),
}
# A token made expired by the project's own code (its models), as time would.
EXPIRE = {
    "flask": (
        "from datetime import timedelta\n"
        "from sqlalchemy import update\n"
        "from gym_api.extensions import db\n"
        "from gym_api.models import ApiToken, utcnow\n"
        "db.session.execute(update(ApiToken).where(ApiToken.name == 'tablet')"
        ".values(expires_at=utcnow() - timedelta(seconds=1)))\n"
        "db.session.commit()"
    ),
    "django": (
        "from datetime import timedelta; from django.utils import timezone; "
        "from accounts.models import ApiToken; "
        "ApiToken.objects.filter(name='tablet')"
        ".update(expires_at=timezone.now() - timedelta(seconds=1))"
    ),
}


def refused_as_invalid(reply: Reply) -> bool:
    """A token that was sent but no longer works: sign in again (RFC 6750)."""
    return is_error(reply, 401) and header(reply, "WWW-Authenticate") == (
        'Bearer error="invalid_token"'
    )


def json_text(reply: Reply) -> str:
    return json.dumps(reply.body)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.slow
@pytest.mark.parametrize(("framework", "database"), CASES, ids=lambda value: value)
def test_clients_sign_in_and_manage_their_tokens_over_http(tmp_path, framework, database):
    with (
        smtp_server() as (mailbox, mail_settings),
        served_with_resources(
            tmp_path,
            framework,
            database,
            WORKOUTS,
            USERS,
            settings={**mail_settings, **DEBUG},
            data=OPTIONS,
        ) as site,
    ):
        tokens, me, workouts = (site.api(path) for path in ("auth/tokens", "auth/me", "workouts"))
        secrets = [PASSWORD]  # never in the server's log

        def sign_in(
            name: str, username: str = "ann", password: str = PASSWORD, source: str | None = None
        ) -> Reply:
            body = {"username": username, "password": password, "name": name}
            reply = call(tokens, "POST", body, source=source)
            if reply.status == 201:
                secrets.append(reply.body["token"])
            return reply

        # Sign in: a token with its expiry, API_TOKEN_LIFETIME_DAYS (30) from now.
        laptop = sign_in("laptop")
        assert laptop.status == 201, laptop
        assert set(laptop.body) == TOKEN_FIELDS | {"token"}
        assert laptop.body["name"] == "laptop"
        lifetime = instant(laptop.body["expires_at"]) - datetime.now(UTC)
        assert timedelta(days=29) < lifetime <= timedelta(days=30)
        ann = laptop.body["token"]

        # The token is a bearer token like any other: on a resource, and on me.
        assert call(workouts, "POST", WORKOUT, token=ann).status == 201
        assert call(workouts, token=ann).status == 200
        who = call(me, token=ann)
        assert who.status == 200
        assert (who.body["username"], who.body["is_staff"]) == ("ann", False)
        assert call(workouts, token=site.tokens["ann"]).status == 200  # the command's token

        # My tokens: the one the command made, and this one; never a secret.
        phone = sign_in("phone").body
        mine = call(tokens, token=ann)
        assert mine.status == 200
        assert [token["name"] for token in mine.body["items"]] == ["ann", "laptop", "phone"]
        assert all(set(token) == TOKEN_FIELDS for token in mine.body["items"])
        assert ann not in json_text(mine) and phone["token"] not in json_text(mine)
        assert mine.body["items"][1]["last_used_at"] is not None  # laptop's use was recorded

        # Revoke one: it stops at once, the others go on.
        assert call(f"{tokens}/{phone['id']}", "DELETE", token=ann).status == 204
        assert refused_as_invalid(call(me, token=phone["token"]))
        assert call(me, token=ann).status == 200

        # Another user's token is not found, as one that does not exist.
        bob = site.tokens["bob"]
        theirs = call(f"{tokens}/{laptop.body['id']}", "DELETE", token=bob)
        missing = call(f"{tokens}/{10**9}", "DELETE", token=bob)
        assert is_error(theirs, 404) and is_error(missing, 404)
        assert call(me, token=ann).status == 200

        # Sign out: the token used is revoked.
        assert call(f"{tokens}/current", "DELETE", token=ann).status == 204
        assert refused_as_invalid(call(me, token=ann))
        assert refused_as_invalid(call(workouts, token=ann))
        anonymous = call(me)
        assert is_error(anonymous, 401)
        assert header(anonymous, "WWW-Authenticate") == "Bearer"

        # A token past its expiry is refused like a revoked one.
        tablet = sign_in("tablet").body["token"]
        assert call(me, token=tablet).status == 200
        site.python(EXPIRE[framework])
        assert refused_as_invalid(call(me, token=tablet))

        # Wrong credentials: the same answer for an unknown user and a wrong password.
        wrong = sign_in("x", password="not the passphrase")
        unknown = sign_in("x", username="nobody")
        assert is_error(wrong, 401) and is_error(unknown, 401)
        assert wrong.body == unknown.body
        assert header(wrong, "WWW-Authenticate") == header(unknown, "WWW-Authenticate")
        assert is_error(call(tokens, "POST", {"username": "ann", "password": PASSWORD}), 422)

        # A new password (the project's command) revokes every token of the user.
        desk = sign_in("desk").body["token"]
        site.manage("users", "set-password", "ann", "--password-stdin", input="a new passphrase\n")
        assert refused_as_invalid(call(me, token=desk))
        assert refused_as_invalid(call(me, token=site.tokens["ann"]))
        assert is_error(sign_in("desk"), 401)
        assert sign_in("desk", password="a new passphrase").status == 201
        assert call(me, token=bob).status == 200  # another user's tokens go on

        # A forgotten password, reset by mail: the same answer for an address nobody has.
        reset, confirm = site.api("auth/password-reset"), site.api("auth/password-reset/confirm")
        phone = sign_in("phone", password="a new passphrase").body["token"]
        unknown = call(reset, "POST", {"email": "nobody@example.com"})
        known = call(reset, "POST", {"email": "ann@example.com"})
        assert (known.status, unknown.status) == (202, 202)
        assert known.body == unknown.body
        [mail] = mailbox.wait_for(1)
        assert mail["To"] == "ann@example.com"
        [token] = RESET_TOKEN.findall(mail.get_content())
        secrets.append(token)
        new = {"token": token, "password": "a passphrase from the mail"}
        assert call(confirm, "POST", new).status in (200, 204)
        assert refused_as_invalid(call(me, token=phone))  # every token of hers ends
        assert is_error(sign_in("desk", password="a new passphrase"), 401)
        assert sign_in("desk", password="a passphrase from the mail").status == 201
        reused = call(confirm, "POST", {**new, "password": "yet another passphrase"})
        assert is_error(reused, 422) and reused.body["detail"]["json"]["token"]
        assert len(mailbox.messages) == 1  # nothing was sent to the unknown address

        # Sign up: the account signs in once the token mailed to its address comes back;
        # until then, as with a wrong password (from an address of its own: the failures
        # above count against this one).
        signup, verify = site.api("auth/signup"), site.api("auth/signup/confirm")
        cy = {"username": "cy", "email": "cy@example.com", "password": "cy's own passphrase"}
        secrets.append(cy["password"])
        first = call(signup, "POST", cy)
        assert first.status == 202
        [*_, mail] = mailbox.wait_for(2)
        assert mail["To"] == "cy@example.com"
        [token] = RESET_TOKEN.findall(mail.get_content())
        secrets.append(token)
        waiting = sign_in("laptop", "cy", cy["password"], source="127.0.0.5")
        assert is_error(waiting, 401) and waiting.body == wrong.body
        assert call(verify, "POST", {"token": token}).status == 204
        assert sign_in("laptop", "cy", cy["password"], source="127.0.0.5").status == 201
        assert is_error(call(verify, "POST", {"token": token}), 422)  # it worked once
        # The same address again: the same answer, a mail saying so, and no account.
        again = call(signup, "POST", {**cy, "username": "cy2"})
        assert (again.status, again.body) == (202, first.body)
        [*_, tried] = mailbox.wait_for(3)
        assert tried["To"] == "cy@example.com"
        assert not RESET_TOKEN.findall(tried.get_content())
        assert site.python(COUNT_CY2[framework]).stdout.splitlines()[-1] == "0"

        # No mail floods: cy's address has had two account mails; of three more resets,
        # one is mailed (ACCOUNT_MAILS_PER_HOUR, 3), each answered the same. Then ann's, the
        # last mail: every earlier one was sent (or not) by then.
        flood = [call(reset, "POST", {"email": "cy@example.com"}) for _ in range(3)]
        assert {(reply.status, json.dumps(reply.body)) for reply in flood} == {
            (202, json.dumps(known.body))
        }
        mailbox.wait_for(4)
        assert call(reset, "POST", {"email": "ann@example.com"}).status == 202
        *_, last = mailbox.wait_for(5)
        assert last["To"] == "ann@example.com"
        assert [m["To"] for m in mailbox.messages].count("cy@example.com") == 3

        # Guessing: wrong passwords for bob from one address lock bob out everywhere, and
        # that address for everyone, even with the right password; ann signs in elsewhere.
        guesses = [
            sign_in("x", "bob", "a wrong guess", source="127.0.0.3") for _ in range(FAILURE_LIMIT)
        ]
        assert [reply.status for reply in guesses[:-1]] == [401] * (FAILURE_LIMIT - 1)
        for refused in (
            sign_in("x", "bob", PASSWORD, source="127.0.0.3"),
            sign_in("x", "bob", PASSWORD, source="127.0.0.4"),
            sign_in("x", "ann", "a passphrase from the mail", source="127.0.0.3"),
            guesses[-1],
        ):
            assert is_error(refused, 429), refused
            assert 0 < int(header(refused, "Retry-After")) <= 15 * 60, refused.headers
        assert sign_in("y", "ann", "a passphrase from the mail", source="127.0.0.4").status == 201

        # The server's log (gunicorn's and the app's) tells no password or token.
        log = (tmp_path / "gunicorn.log").read_text()
        assert "/api/auth/tokens" in log
        assert not [secret for secret in secrets if secret in log]

        # OpenAPI: every endpoint, with its statuses and the bearer scheme.
        spec = call(site.api("openapi.json")).body
        schemes = spec["components"]["securitySchemes"]
        [bearer] = [
            name for name, scheme in schemes.items() if scheme.get("scheme", "").lower() == "bearer"
        ]
        paths = spec["paths"]
        assert {"201", "401", "422", "429"} <= set(paths["/api/auth/tokens"]["post"]["responses"])
        for path, statuses in [
            ("/api/auth/tokens", set()),
            ("/api/auth/password-reset", {"202", "422"}),
            ("/api/auth/password-reset/confirm", {"422"}),
            ("/api/auth/signup", {"202", "422", "429"}),
            ("/api/auth/signup/confirm", {"204", "422", "429"}),
        ]:
            operation = paths[path]["post"]
            assert statuses <= set(operation["responses"]) and not operation.get("security")
        assert {"200", "204"} & set(paths["/api/auth/password-reset/confirm"]["post"]["responses"])
        for path, method in [
            ("/api/auth/me", "get"),
            ("/api/auth/tokens", "get"),
            ("/api/auth/tokens/current", "delete"),
            ("/api/auth/tokens/{token_id}", "delete"),
        ]:
            operation = paths[path][method]
            assert operation["security"] == [{bearer: []}], (path, method)
            assert "401" in operation["responses"], (path, method)
        assert "404" in paths["/api/auth/tokens/{token_id}"]["delete"]["responses"]
