"""Bearer tokens for the API's writes.

A token is a random string handed out once (``flask tokens create NAME``), and
belongs to a user (``--user USERNAME``; by default the user called NAME);
the database keeps only its SHA-256 digest, so a leaked table grants
nothing. A request's token is found by its digest: there is no secret to
compare character by character.
"""

import hashlib
import secrets

from apiflask import HTTPTokenAuth
from sqlalchemy import select

from .extensions import db
from .models import ApiToken, User, utcnow

auth = HTTPTokenAuth(scheme="Bearer", description="A token from `flask tokens create NAME`.")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def create_user(username: str, *, staff: bool = False) -> User:
    user = User(username=username, is_staff=staff)
    db.session.add(user)
    db.session.commit()
    return user


def issue_token(name: str, username: str | None = None) -> str:
    """Store a new token called ``name`` for ``username`` and return it: the only time it is seen.

    Without ``username``, the token belongs to the user called ``name``, created if need be.
    """
    username = username or name
    user = find_user(username) or create_user(username)
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name, token_hash=digest(token), user=user))
    db.session.commit()
    return token


def current_user() -> User:
    """The user whose token authenticated this request (in views behind ``auth``)."""
    api_token: ApiToken = auth.current_user
    return api_token.user


def revoke_token(name: str) -> bool:
    """Revoke the token called ``name``; False if there is none."""
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.name == name))
    if api_token is None:
        return False
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        db.session.commit()
    return True


@auth.verify_token
def verify_token(token: str) -> ApiToken | None:
    """The token's owner, or None (401) for a missing, unknown or revoked token."""
    if not token:
        return None
    return db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == digest(token), ApiToken.revoked_at.is_(None))
    )
