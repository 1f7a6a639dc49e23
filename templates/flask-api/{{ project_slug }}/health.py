"""Health checks for load balancers and orchestrators.

``/healthz``: the process answers (liveness); it never touches the database.
``/readyz``: the database answers too (readiness); 503 when it does not.
Neither needs a token nor counts against the rate limit.
"""

import logging
from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Dict, String
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

bp = APIBlueprint("health", __name__, tag="Health")
logger = logging.getLogger(__name__)


class Health(Schema):
    status = String(required=True, metadata={"example": "ok"})


class Readiness(Schema):
    status = String(required=True, metadata={"example": "ok"})
    checks = Dict(
        keys=String(),
        values=String(),
        required=True,
        metadata={"example": {"database": "ok"}},
    )


@bp.get("/healthz")
@bp.output(Health)
def healthz() -> dict[str, Any]:
    """Liveness: the app is up."""
    return {"status": "ok"}


@bp.get("/readyz")
@bp.output(Readiness)
@bp.doc(
    responses={
        503: {
            "description": "The database does not answer",
            "content": {"application/json": {"schema": Readiness}},
        }
    }
)
def readyz() -> tuple[dict[str, Any], int]:
    """Readiness: the app and its database answer."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        logger.warning("Database check failed: %s", error)
        reason = type(getattr(error, "orig", None) or error).__name__
        return {"status": "unavailable", "checks": {"database": reason}}, 503
    return {"status": "ok", "checks": {"database": "ok"}}, 200
