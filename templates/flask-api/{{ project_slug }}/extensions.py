"""Extension objects, created unbound and initialised in ``create_app``."""

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Predictable constraint names, so later migrations can refer to them.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def write_rate_limit() -> str:
    return current_app.config["API_WRITE_RATE_LIMIT"]


# Every write of one client address, whichever endpoint it reaches, draws on
# one budget: an application-wide limit, here and nowhere else. The client's
# address is the one ProxyFix found (TRUSTED_PROXIES); storage and header
# settings come from the app's RATELIMIT_* config.
limiter = Limiter(key_func=get_remote_address, application_limits=[write_rate_limit])


@limiter.request_filter
def is_read() -> bool:
    """Reads skip the limiter altogether: its bookkeeping cost a list request ~10%."""
    return request.method not in WRITE_METHODS


def enforce_sqlite_foreign_keys(engine: Engine) -> None:
    """SQLite checks foreign keys (and cascades deletes) only when asked, per connection."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def foreign_keys_on(connection: object, record: object) -> None:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
