"""Alembic environment: the database and metadata come from the Flask app.

Run through ``flask db ...`` (Flask-Migrate), which provides the app context.
"""

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

migrate = current_app.extensions["migrate"]
engine = migrate.db.engine
target_metadata = migrate.db.metadata


def run_migrations_offline() -> None:
    """Write the SQL to stdout (``flask db upgrade --sql``) instead of running it."""
    context.configure(
        url=engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_revision(context: Any, revision: Any, directives: list[Any]) -> None:
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    options = {"process_revision_directives": skip_empty_revision, **migrate.configure_args}
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations copy and drop tables: foreign keys must not
            # cascade (or refuse) meanwhile. Outside a transaction, as SQLite wants.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        elif connection.dialect.name == "postgresql":
            # A migration may rightly take longer than a request's statements.
            connection.exec_driver_sql("SET statement_timeout = 0")
            connection.commit()
        elif connection.dialect.name == "mysql":
            connection.exec_driver_sql("SET @statement_timeout = 0 /*M!, max_statement_time = 0 */")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
