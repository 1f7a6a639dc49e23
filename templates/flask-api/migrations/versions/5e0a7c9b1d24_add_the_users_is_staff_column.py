"""Add users.is_staff: staff change the resources every user shares.

Every existing user is not staff (``flask users create NAME --staff`` makes one).

Revision ID: 5e0a7c9b1d24
Revises: c7d9e1f3a5b2
Create Date: 2026-12-06 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5e0a7c9b1d24"
down_revision = "c7d9e1f3a5b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("is_staff", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("is_staff")
