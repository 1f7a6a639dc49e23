"""Bearer tokens for the API's writes.

A token is a random string handed out once (``flask tokens create NAME``);
the database keeps only its SHA-256 digest, so a leaked table grants
nothing. A request's token is found by its digest: there is no secret to
compare character by character.
"""

import hashlib
import secrets

from apiflask import HTTPTokenAuth
from sqlalchemy import select

from .extensions import db
from .models import ApiToken, utcnow

auth = HTTPTokenAuth(scheme="Bearer", description="A token from `flask tokens create NAME`.")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(name: str) -> str:
    """Store a new token called ``name`` and return it: the only time it is seen."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(name=name, token_hash=digest(token)))
    db.session.commit()
    return token


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
