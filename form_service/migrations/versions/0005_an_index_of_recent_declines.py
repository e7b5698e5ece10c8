"""an index of recent declines by reason

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 18:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assignment_decline_reason_answered_at", "assignment",
                    ["decline_reason", "answered_at"])


def downgrade() -> None:
    op.drop_index("ix_assignment_decline_reason_answered_at", table_name="assignment")
