"""The baselines for the generated Flask API: hand-written Flask + SQLAlchemy endpoints.

What someone would write in a few minutes without a starter, on the same
``actors`` and ``api_tokens`` tables (created by the generated project's
migrations):

- ``GET /actors``: one ORM query, a page of ``per_page`` rows by id with an
  ``after`` cursor, JSON out. No validation, no OpenAPI, no links beyond ``next``.
- ``POST /actors``: a bearer token checked by looking up its SHA-256 digest
  in ``api_tokens`` (401 if there is no such unrevoked token), the actor
  inserted, 201 with the actor as JSON. Only what the insert needs is checked
  (a ``name``); no schema, no OpenAPI, no rate limit.

Served with ``gunicorn bench.minimal_flask:app``; reads ``DATABASE_URL``.
"""

import hashlib
import os
from datetime import UTC, date, datetime

from flask import Flask, abort, jsonify, request
from sqlalchemy import BigInteger, DateTime, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

url = os.environ["DATABASE_URL"]
engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


class Base(DeclarativeBase):
    pass


class Actor(Base):
    __tablename__ = "actors"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


app = Flask(__name__)


@app.get("/actors")
def list_actors():
    per_page = min(request.args.get("per_page", 20, type=int), 100)
    after = request.args.get("after", 0, type=int)
    with Session(engine) as session:
        statement = select(Actor).where(Actor.id > after).order_by(Actor.id).limit(per_page)
        items = [actor.as_json() for actor in session.scalars(statement)]
    following = f"/actors?per_page={per_page}&after={items[-1]['id']}" if items else None
    return jsonify(items=items, next=following)


@app.post("/actors")
def create_actor():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    digest = hashlib.sha256(token.encode()).hexdigest()
    with Session(engine) as session:
        known = session.scalar(
            select(ApiToken.id).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        )
        if scheme.lower() != "bearer" or not token or known is None:
            return jsonify(message="Unauthorized"), 401
        data = request.get_json(silent=True) or {}
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            abort(400)
        born = data.get("birth_date")
        now = datetime.now(UTC)
        actor = Actor(
            name=data["name"],
            birth_date=date.fromisoformat(born) if born else None,
            created_at=now,
            updated_at=now,
        )
        session.add(actor)
        session.commit()
        return jsonify(actor.as_json()), 201
