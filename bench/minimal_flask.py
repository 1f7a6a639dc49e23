"""The baseline for the generated Flask list: a hand-written Flask + SQLAlchemy endpoint.

What someone would write in a few minutes without a starter: one route, one
ORM query on the same ``actors`` table (created by the generated project's
migration), a page of ``per_page`` rows by id with an ``after`` cursor, JSON
out. No validation, no OpenAPI, no links beyond ``next``.

Served with ``gunicorn bench.minimal_flask:app``; reads ``DATABASE_URL``.
"""

import os
from datetime import date, datetime

from flask import Flask, jsonify, request
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


app = Flask(__name__)


@app.get("/actors")
def list_actors():
    per_page = min(request.args.get("per_page", 20, type=int), 100)
    after = request.args.get("after", 0, type=int)
    with Session(engine) as session:
        statement = select(Actor).where(Actor.id > after).order_by(Actor.id).limit(per_page)
        items = [
            {
                "id": actor.id,
                "name": actor.name,
                "birth_date": actor.birth_date.isoformat() if actor.birth_date else None,
                "created_at": actor.created_at.isoformat(),
                "updated_at": actor.updated_at.isoformat(),
            }
            for actor in session.scalars(statement)
        ]
    following = f"/actors?per_page={per_page}&after={items[-1]['id']}" if items else None
    return jsonify(items=items, next=following)
