"""requests, assignments and the mail outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-22 10:21:17.584392
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=True),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("needed_from", sa.Date(), nullable=True),
        sa.Column("needed_until", sa.Date(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("consent_version", sa.String(length=40), nullable=False),
        sa.Column("referred_by", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("public_id"),
    )
    with op.batch_alter_table("client_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_client_request_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_client_request_email"), ["email"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_client_request_referred_by"), ["referred_by"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_client_request_status"), ["status"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("offered_at", sa.DateTime(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["client_request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_partner"), ["partner"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_state"), ["state"], unique=False)

    op.create_table(
        "outbound_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=120), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=250), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["client_request.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key"),
    )
    with op.batch_alter_table("outbound_mail", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_mail_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_mail_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbound_mail_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbound_mail", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_mail_status"))
        batch_op.drop_index(batch_op.f("ix_outbound_mail_request_id"))
        batch_op.drop_index(batch_op.f("ix_outbound_mail_next_attempt_at"))

    op.drop_table("outbound_mail")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_state"))
        batch_op.drop_index(batch_op.f("ix_assignment_request_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_partner"))
        batch_op.drop_index(batch_op.f("ix_assignment_deadline"))

    op.drop_table("assignment")
    with op.batch_alter_table("client_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_request_status"))
        batch_op.drop_index(batch_op.f("ix_client_request_referred_by"))
        batch_op.drop_index(batch_op.f("ix_client_request_email"))
        batch_op.drop_index(batch_op.f("ix_client_request_created_at"))

    op.drop_table("client_request")
