"""/api/auth: sign in with a password for a token, manage your own tokens, and reset a
forgotten password by mail.

``POST tokens`` and the password reset are the only ways in without a token; the
rest act on the token the request carries and on its user's other tokens.
"""

from typing import Any, NoReturn

from apiflask import APIBlueprint, abort
from flask import Response, current_app, jsonify
from sqlalchemy import select

from .. import auth as accounts
from ..auth import auth
from ..extensions import db
from ..models import ApiToken
from .openapi import error
from .schemas import (
    Accepted,
    Me,
    NewToken,
    PasswordReset,
    PasswordResetRequest,
    SignIn,
    TokenList,
    TokenOut,
)

# api_tokens.id is an INTEGER: a larger id cannot exist, and asking would overflow it.
MAX_TOKEN_ID = 2**31 - 1

bp = APIBlueprint("auth", __name__, url_prefix="/api/auth", tag="Auth")

# One answer for an unknown user, a user without a password and a wrong password.
WRONG_CREDENTIALS = "The username or password is wrong."
SIGNED_OUT = {204: "Revoked: the token no longer works"}
TOO_MANY = error(
    "Too many failed sign-ins for this account or from this address: try again after "
    "Retry-After seconds"
)
RESET_SENT = "If an account has this address, a mail with a reset token is on its way."
BAD_RESET_TOKEN = "The token is wrong, expired or already used: ask for a new one."


def too_many_sign_ins(wait: int) -> NoReturn:
    abort(
        429,
        message="Too many failed sign-ins: try again later.",
        headers={"Retry-After": str(wait)},
    )


@bp.post("/tokens")
@bp.input(SignIn, arg_name="data")
@bp.output(NewToken, status_code=201)
@bp.doc(
    security=[],
    responses={
        201: "Signed in: the token, shown this once, and when it expires",
        401: error("The username or password is wrong (the same answer for both)"),
        422: error("The body is not valid"),
        429: TOO_MANY,
    },
)
def sign_in(data: SignIn) -> dict[str, Any]:
    """Sign in: a new bearer token for this device, in exchange for a username and password.

    After SIGN_IN_FAILURE_LIMIT failures for an account, or from an address, within
    SIGN_IN_COOLOFF_MINUTES, sign-ins there are refused (429) until the cool-off ends.
    """
    if wait := accounts.sign_in_wait(data.username):
        too_many_sign_ins(wait)
    user = accounts.authenticate(data.username, data.password)
    if user is None:
        accounts.sign_in_failed(data.username)
        if wait := accounts.sign_in_wait(data.username):
            too_many_sign_ins(wait)  # this failure was the last one allowed
        abort(401, message=WRONG_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"})
    accounts.sign_in_succeeded(data.username)
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


@bp.post("/password-reset")
@bp.input(PasswordResetRequest, arg_name="data")
@bp.output(Accepted, status_code=202)
@bp.doc(
    security=[],
    responses={
        202: "Accepted, whether an account has the address or not: no one learns which",
        422: error("The body is not valid"),
    },
)
def request_password_reset(data: PasswordResetRequest) -> Response:
    """Forgot your password: a reset token is mailed to the accounts with this address."""
    answer = jsonify(message=RESET_SENT)
    answer.status_code = 202
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Looked up and sent once the answer is out: the same answer in the same time
    # whether the address is known or not.
    answer.call_on_close(lambda: accounts.send_password_reset(app, data.email))
    return answer


@bp.post("/password-reset/confirm")
@bp.input(PasswordReset, arg_name="data")
@bp.output({}, status_code=204)
@bp.doc(
    security=[],
    responses={
        204: "The password is changed, and every token of the user revoked",
        422: error("The body is not valid, or the token is wrong, expired or already used"),
    },
)
def confirm_password_reset(data: PasswordReset) -> tuple[str, int]:
    """Choose a new password with the token from the mail; the token then no longer works."""
    user = accounts.user_of_reset_token(data.token)
    if user is None:
        abort(422, message=BAD_RESET_TOKEN, detail={"json": {"token": [BAD_RESET_TOKEN]}})
    accounts.set_password(user, data.password)
    return "", 204
