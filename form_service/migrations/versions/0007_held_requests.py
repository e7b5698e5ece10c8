"""held requests

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("client_request", sa.Column("held_reasons", sa.String(100), nullable=True))
    op.add_column("client_request", sa.Column("held_notified_at", sa.DateTime(), nullable=True))
    op.add_column("client_request", sa.Column("proof", sa.String(64), nullable=True))
    # A unique index rather than a constraint: SQLite adds it without copying the table.
    op.create_index("ix_client_request_proof", "client_request", ["proof"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_client_request_proof", table_name="client_request")
    with op.batch_alter_table("client_request") as batch:
        batch.drop_column("proof")
        batch.drop_column("held_notified_at")
        batch.drop_column("held_reasons")
