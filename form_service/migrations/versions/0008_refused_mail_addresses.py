"""refused mail addresses

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("client_request") as batch:
        batch.add_column(sa.Column("client_email_refused_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("outbound_mail") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.create_index("ix_outbound_mail_claimed_by", ["claimed_by"])
    op.create_table(
        "mail_worker",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_mail_worker_seen_at", "mail_worker", ["seen_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_worker_seen_at", table_name="mail_worker")
    op.drop_table("mail_worker")
    with op.batch_alter_table("outbound_mail") as batch:
        batch.drop_index("ix_outbound_mail_claimed_by")
        batch.drop_column("claimed_by")
    with op.batch_alter_table("client_request") as batch:
        batch.drop_column("client_email_refused_at")
