from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, ColumnElement, DateTime, ForeignKey, Integer, String, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class Actor(db.Model):
    __tablename__ = "actors"

    # Lists are ordered by the primary key, so its index serves every page.
    # BIGINT (SQLite's INTEGER is 64-bit already and must stay INTEGER to be
    # the auto-incrementing rowid).
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<Actor {self.id} {self.name!r}>"


class User(db.Model):
    """Someone the API knows: tokens belong to a user, and so do owned resources' rows."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # An argon2 hash (auth.py); None: no password yet, so no sign-in with one
    # (``flask users set-password NAME`` gives one).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Staff change the resources every user shares (``flask users create NAME --staff``).
    is_staff: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @classmethod
    def visible_to(cls, user: "User") -> ColumnElement[bool]:
        """The users ``user`` may name in a resource's reference (a workout's coach): any."""
        return true()

    def __repr__(self) -> str:
        return f"<User {self.username!r}>"


class ApiToken(db.Model):
    """A bearer token of the API; only its SHA-256 digest is stored.

    ``name`` says which device or script holds it (two users may both have a
    "laptop"). It works until ``expires_at`` unless revoked first;
    ``last_used_at`` is written at most once a minute (auth.py, USE_RECORDED_EVERY).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.name!r}>"
