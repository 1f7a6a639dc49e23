"""Passwords for users, and tokens that expire and record their last use.

Every existing user gets no password (it cannot sign in with one until
``flask users set-password NAME``; its tokens keep working). Every existing
token expires API_TOKEN_LIFETIME_DAYS (default 30) after this migration runs,
as one made that day would: none stops working at the upgrade. A token's name
need no longer be unique: two users may both sign in from a "laptop".

Revision ID: e2b4d6f8a0c1
Revises: 5e0a7c9b1d24
Create Date: 2026-12-06 04:00:00
"""

import os
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "e2b4d6f8a0c1"
down_revision = "5e0a7c9b1d24"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("password_hash", sa.String(length=255), nullable=True))
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint("uq_api_tokens_name", type_="unique")
    days = int(os.environ.get("API_TOKEN_LIFETIME_DAYS") or 30)
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=datetime.now(UTC) + timedelta(days=days)))
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.create_unique_constraint("uq_api_tokens_name", ["name"])
        batch_op.drop_column("expires_at")
        batch_op.drop_column("last_used_at")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("password_hash")
        batch_op.drop_column("email")
