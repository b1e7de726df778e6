"""Mail preferences and the daily summary: direct or one message at 08:00 (issue 18).

- ``mail_preferences``: per person (lower-case address) ``direct`` or ``daily``; no row is direct.
- ``digest_items``: notices held back for a summary, unique on the notice's outbox key.
- ``mail_digests``: each summary message, claimed once by its key and sent through the outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The models' UtcDateTime: a Python-side conversion over this column type.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_preferences",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("email"),
    )

    op.create_table(
        "digest_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("queued_at", UTC_DATETIME, nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("digest_key", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_digest_item_key"),
    )
    op.create_index("ix_digest_items_recipient", "digest_items", ["recipient"], unique=False)
    op.create_index("ix_digest_items_due_at", "digest_items", ["due_at"], unique=False)
    op.create_index("ix_digest_items_digest_key", "digest_items", ["digest_key"], unique=False)

    op.create_table(
        "mail_digests",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_mail_digests_recipient", "mail_digests", ["recipient"], unique=False)
    op.create_index("ix_mail_digests_status", "mail_digests", ["status"], unique=False)


def downgrade() -> None:
    for table in ("mail_digests", "digest_items", "mail_preferences"):
        op.drop_table(table)  # drops the table's indexes with it
