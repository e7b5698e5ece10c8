"""fewer indexes on the intake's table

Every index of ``client_request`` is written by each request a client sends. The one on
``email`` served no query (erasure looks addresses up as ``lower(email)``, which it cannot
use, and runs rarely) and the one on ``referred_by`` none either (the ledger counts by period,
which ``created_at`` indexes). The unique index of solved checks now leaves out requests
without one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

PROOF = sa.text("proof IS NOT NULL")

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_client_request_email", table_name="client_request")
    op.drop_index("ix_client_request_referred_by", table_name="client_request")
    op.drop_index("ix_client_request_proof", table_name="client_request")
    op.create_index("ix_client_request_proof", "client_request", ["proof"], unique=True,
                    sqlite_where=PROOF, postgresql_where=PROOF)


def downgrade() -> None:
    op.drop_index("ix_client_request_proof", table_name="client_request")
    op.create_index("ix_client_request_proof", "client_request", ["proof"], unique=True)
    op.create_index("ix_client_request_referred_by", "client_request", ["referred_by"])
    op.create_index("ix_client_request_email", "client_request", ["email"])
