"""Replies to invitations: who accepted, declined or proposed another time (issue 18).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The models' UtcDateTime: a Python-side conversion over this column type.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "invitation_replies",
        sa.Column("uid", sa.String(length=128), nullable=False),
        sa.Column("recurrence_id", sa.String(length=32), nullable=False),
        sa.Column("attendee", sa.String(length=254), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("partstat", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("dtstamp", UTC_DATETIME, nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("uid", "recurrence_id", "attendee"),
    )
    op.create_index("ix_invitation_replies_case_id", "invitation_replies", ["case_id"], unique=False)

    op.create_table(
        "invitation_counters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(length=128), nullable=False),
        sa.Column("recurrence_id", sa.String(length=32), nullable=False),
        sa.Column("attendee", sa.String(length=254), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("proposed_start", UTC_DATETIME, nullable=False),
        sa.Column("proposed_end", UTC_DATETIME, nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("dtstamp", UTC_DATETIME, nullable=False),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("decided_at", UTC_DATETIME, nullable=True),
        sa.Column("announced", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uid", "recurrence_id", "attendee", "dtstamp", name="uq_invitation_counter"),
    )
    op.create_index("ix_invitation_counters_case_id", "invitation_counters", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("invitation_counters")  # drops the table's indexes with it
    op.drop_table("invitation_replies")
