"""/api/auth: sign in with a password for a token, and manage your own tokens.

``POST tokens`` is the only way in without a token; the rest act on the
token the request carries and on its user's other tokens.
"""

from typing import Any

from apiflask import APIBlueprint, abort
from sqlalchemy import select

from .. import auth as accounts
from ..auth import auth
from ..extensions import db
from ..models import ApiToken
from .openapi import error
from .schemas import Me, NewToken, SignIn, TokenList, TokenOut

# api_tokens.id is an INTEGER: a larger id cannot exist, and asking would overflow it.
MAX_TOKEN_ID = 2**31 - 1

bp = APIBlueprint("auth", __name__, url_prefix="/api/auth", tag="Auth")

# One answer for an unknown user, a user without a password and a wrong password.
WRONG_CREDENTIALS = "The username or password is wrong."
SIGNED_OUT = {204: "Revoked: the token no longer works"}


@bp.post("/tokens")
@bp.input(SignIn, arg_name="data")
@bp.output(NewToken, status_code=201)
@bp.doc(
    security=[],
    responses={
        201: "Signed in: the token, shown this once, and when it expires",
        401: error("The username or password is wrong (the same answer for both)"),
        422: error("The body is not valid"),
    },
)
def sign_in(data: SignIn) -> dict[str, Any]:
    """Sign in: a new bearer token for this device, in exchange for a username and password."""
    user = accounts.authenticate(data.username, data.password)
    if user is None:
        abort(401, message=WRONG_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"})
    token, api_token = accounts.create_token(data.name, user)
    return {"token": token, **TokenOut.model_validate(api_token).model_dump()}


@bp.get("/me")
@bp.auth_required(auth)
@bp.output(Me)
def me() -> Any:
    """The user the token belongs to."""
    return accounts.current_user()


@bp.get("/tokens")
@bp.auth_required(auth)
@bp.output(TokenList)
def list_tokens() -> dict[str, Any]:
    """Your tokens that still work, oldest first (never their secrets)."""
    now = accounts.utcnow()
    mine = db.session.scalars(
        select(ApiToken)
        .where(
            ApiToken.user_id == accounts.current_user().id,
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
        .order_by(ApiToken.id)
    )
    return {"items": list(mine)}


@bp.delete("/tokens/current")
@bp.auth_required(auth)
@bp.output({}, status_code=204)
@bp.doc(responses=SIGNED_OUT)
def sign_out() -> tuple[str, int]:
    """Sign out: revoke the token this request carries."""
    accounts.revoke(accounts.current_token())
    return "", 204


@bp.delete("/tokens/<int:token_id>")
@bp.auth_required(auth)
@bp.output({}, status_code=204)
@bp.doc(responses={**SIGNED_OUT, 404: error("No such token of yours")})
def revoke_token(token_id: int) -> tuple[str, int]:
    """Revoke one of your tokens (another user's is not found)."""
    api_token = db.session.get(ApiToken, token_id) if token_id <= MAX_TOKEN_ID else None
    if api_token is None or api_token.user_id != accounts.current_user().id:
        abort(404, message=f"Token {token_id} not found.")
    accounts.revoke(api_token)
    return "", 204
