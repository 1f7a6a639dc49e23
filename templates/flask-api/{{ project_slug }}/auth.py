"""Who is asking: users' passwords, and the bearer tokens the API takes.

A token is a random string handed out once, by ``POST /api/auth/tokens`` (a
username and password) or ``flask tokens create NAME``; the database keeps
only its SHA-256 digest, so a leaked table grants nothing, and a request's
token is found by its digest: there is no secret to compare character by
character. A token works until it expires (``API_TOKEN_LIFETIME_DAYS`` after
it was made: a fixed lifetime, README "Signing in") or is revoked; changing a
user's password revokes their tokens.

Passwords are hashed with argon2 (pwdlib); a hash made with older parameters
is replaced at the next sign-in. Failed sign-ins are counted per account and
per client address where the rate limits are (Redis with REDIS_URL, so every
instance sees the same counts): SIGN_IN_FAILURE_LIMIT of them within
SIGN_IN_COOLOFF_MINUTES, and sign-ins there are refused until the cool-off ends.

A forgotten password is reset with a token sent by mail: signed with SECRET_KEY
(itsdangerous, as Flask's sessions are), valid PASSWORD_RESET_MINUTES, and bound
to a digest of the password it was made for, so that it works once: using it
changes the password (and revokes every token). Nothing is stored for it, as
with Django's own reset tokens. Nothing here logs a password or a token.
"""

import hashlib
import hmac
import logging
import math
import secrets
import time
from datetime import UTC, datetime, timedelta

from apiflask import APIFlask, HTTPTokenAuth
from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_mailman import EmailMessage
from itsdangerous import BadData, URLSafeTimedSerializer
from limits import RateLimitItem, parse
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from .extensions import db, limiter
from .models import ApiToken, User, utcnow

logger = logging.getLogger(__name__)

# A token's last use is written when it is older than this: a read stays a
# read (no write per request), and the time is still exact to the minute.
USE_RECORDED_EVERY = timedelta(minutes=1)
passwords = PasswordHash((Argon2Hasher(),))
# Verified against for a username nobody has, so that an unknown user takes as
# long to refuse as a wrong password (no enumeration of users by timing).
DUMMY_HASH = passwords.hash(secrets.token_urlsafe(16))


class BearerAuth(HTTPTokenAuth):
    """Bearer tokens; a 401 for a token that was sent says so (RFC 6750: invalid_token),
    so that a client knows to sign in again rather than retry."""

    def authenticate_header(self) -> str:
        if request.authorization is not None and request.authorization.token:
            return 'Bearer error="invalid_token"'
        return "Bearer"


auth = BearerAuth(
    scheme="Bearer",
    description="A token from `POST /api/auth/tokens` (or `flask tokens create NAME`).",
)


def as_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without their zone: they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_lifetime() -> timedelta:
    return timedelta(days=int(current_app.config["API_TOKEN_LIFETIME_DAYS"]))


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def create_user(
    username: str, *, staff: bool = False, email: str | None = None, password: str | None = None
) -> User:
    """A new user; without ``password`` it cannot sign in with one until it is given one."""
    user = User(username=username, is_staff=staff, email=email)
    if password:
        user.password_hash = passwords.hash(password)
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The user whose password this is, or None: the same answer, in about the same time,
    for an unknown user, a user without a password and a wrong password."""
    user = find_user(username)
    if user is None or user.password_hash is None:
        passwords.verify(password, DUMMY_HASH)
        return None
    valid, new_hash = passwords.verify_and_update(password, user.password_hash)
    if not valid:
        return None
    if new_hash is not None:  # hashed with parameters older than today's
        user.password_hash = new_hash
        db.session.commit()
    return user


def set_password(user: User, password: str) -> int:
    """Change ``user``'s password and revoke every token of theirs: whoever knew the old
    one keeps no way in. Return how many were revoked."""
    user.password_hash = passwords.hash(password)
    statement = (
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    revoked = db.session.execute(statement).rowcount
    db.session.commit()
    return revoked


def create_token(name: str, user: User) -> tuple[str, ApiToken]:
    """Store a new token called ``name`` for ``user``: the token (the only time it is seen)
    and its row."""
    token, now = secrets.token_urlsafe(32), utcnow()
    api_token = ApiToken(
        name=name,
        token_hash=digest(token),
        user=user,
        created_at=now,
        expires_at=now + token_lifetime(),
    )
    db.session.add(api_token)
    db.session.commit()
    return token, api_token


def issue_token(name: str, username: str | None = None) -> str:
    """Store a new token called ``name`` for ``username`` and return it: the only time it is seen.

    Without ``username``, the token belongs to the user called ``name``, created if need be.
    """
    username = username or name
    user = find_user(username) or create_user(username)
    return create_token(name, user)[0]


def current_token() -> ApiToken:
    """The token that authenticated this request (in views behind ``auth``)."""
    return auth.current_user


def current_user() -> User:
    """The user whose token authenticated this request (in views behind ``auth``)."""
    return current_token().user


def revoke(api_token: ApiToken) -> None:
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        db.session.commit()


def revoke_token(name: str, username: str | None = None) -> bool:
    """Revoke the tokens called ``name`` (of ``username`` alone, if given: users name their
    own devices, and two may both have a "laptop"); False if there is none."""
    statement = select(ApiToken).where(ApiToken.name == name)
    if username is not None:
        statement = statement.join(ApiToken.user).where(User.username == username)
    found = db.session.scalars(statement).all()
    for api_token in found:
        revoke(api_token)
    return bool(found)


def is_active(api_token: ApiToken, now: datetime) -> bool:
    return api_token.revoked_at is None and as_utc(api_token.expires_at) > now


def record_use(api_token: ApiToken, now: datetime) -> None:
    """Write the token's last use, unless it was written less than a minute ago."""
    last = api_token.last_used_at
    if last is None or now - as_utc(last) >= USE_RECORDED_EVERY:
        api_token.last_used_at = now
        db.session.commit()


@auth.verify_token
def verify_token(token: str) -> ApiToken | None:
    """The token, or None (401) for a missing, unknown, expired or revoked one."""
    if not token:
        return None
    # The user comes in the same statement: every view behind ``auth`` asks for it.
    statement = (
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == digest(token))
    )
    api_token = db.session.scalar(statement)
    now = utcnow()
    if api_token is None or not is_active(api_token, now):
        return None
    record_use(api_token, now)
    return api_token


# Failed sign-ins.


def sign_in_limit() -> RateLimitItem:
    config = current_app.config
    return parse(
        f"{config['SIGN_IN_FAILURE_LIMIT']} per {config['SIGN_IN_COOLOFF_MINUTES']} minutes"
    )


def sign_in_counters(username: str) -> list[tuple[str, str, str]]:
    """The counters a failed sign-in adds to: its account's (by digest: a username is
    never a key) and its client address's (as ProxyFix found it, TRUSTED_PROXIES)."""
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    return [
        (prefix, "sign-in-account", digest(username)),
        (prefix, "sign-in-address", get_remote_address()),
    ]


def sign_in_wait(username: str) -> int:
    """Seconds until ``username`` may try to sign in from this address again: 0 unless its
    account or the address has failed SIGN_IN_FAILURE_LIMIT times within the cool-off."""
    limit, counts = sign_in_limit(), limiter.limiter
    resets = [
        counts.get_window_stats(limit, *counter).reset_time
        for counter in sign_in_counters(username)
        if not counts.test(limit, *counter)
    ]
    return max((max(1, math.ceil(reset - time.time())) for reset in resets), default=0)


def sign_in_failed(username: str) -> None:
    limit = sign_in_limit()
    for counter in sign_in_counters(username):
        limiter.limiter.hit(limit, *counter)


def sign_in_succeeded(username: str) -> None:
    """The account's failures are forgotten; the address's are not (one account of one's
    own would otherwise clear the way for guessing at others)."""
    limiter.limiter.clear(sign_in_limit(), *sign_in_counters(username)[0])


# Password reset by mail.


def reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def reset_binding(user: User) -> str:
    """What a reset token is made for: the user's password and address as they are (a
    digest). Once either changes, and using the token changes the password, it no longer
    matches: a token works once."""
    return digest(f"{user.password_hash}\0{user.email}")[:32]


def password_reset_token(user: User) -> str:
    return reset_serializer().dumps([user.id, reset_binding(user)])


def user_of_reset_token(token: str) -> User | None:
    """The user a reset token was made for, or None: a wrong, expired or used one."""
    max_age = int(current_app.config["PASSWORD_RESET_MINUTES"]) * 60
    try:
        user_id, binding = reset_serializer().loads(token, max_age=max_age)
    except (BadData, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not hmac.compare_digest(reset_binding(user), binding):
        return None
    return user


def reset_mail(user: User) -> EmailMessage:
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    body = (
        f"Hello {user.username},\n\n"
        "Someone, hopefully you, asked to reset your password. Send this token with your\n"
        "new password to POST /api/auth/password-reset/confirm within "
        f"{minutes} minutes;\nit works once:\n\n"
        f"{password_reset_token(user)}\n\n"
        "If it was not you, ignore this mail: your password stays as it is.\n"
    )
    return EmailMessage(subject="Reset your password", body=body, to=[user.email])


def send_password_reset(app: APIFlask, email: str) -> None:
    """Mail a reset token to every user with a password at ``email`` (nobody, for an
    address no one has). Called once the answer is sent, in an app context of its own, so
    that the answer is the same, in the same time, whether the address is known or not."""
    with app.app_context():
        users = db.session.scalars(
            select(User).where(
                func.lower(User.email) == email.lower(), User.password_hash.is_not(None)
            )
        )
        for user in users:
            try:
                reset_mail(user).send()
            except OSError as error:  # the mail server; the token stays out of the log
                logger.error("Password reset mail not sent: %s", type(error).__name__)
