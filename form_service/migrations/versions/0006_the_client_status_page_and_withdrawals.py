"""the client status page and withdrawals

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The status is a VARCHAR, so WITHDRAWN needs no change of it; only the time is new.
    op.add_column("client_request", sa.Column("withdrawn_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("client_request") as batch:
        batch.drop_column("withdrawn_at")
