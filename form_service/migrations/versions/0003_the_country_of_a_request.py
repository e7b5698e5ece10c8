"""the country of a request

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Requests stored so far were taken with five-digit, that is German, postal codes.
    with op.batch_alter_table("client_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("country", sa.String(length=2), server_default="DE", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("client_request", schema=None) as batch_op:
        batch_op.drop_column("country")
