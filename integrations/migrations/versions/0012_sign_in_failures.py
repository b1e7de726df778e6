"""The counts of failed sign-ins, in the store (``sign_in_failures``), so that every web process reads
and adds to the same ones: each process kept its own in memory before, and behind N processes a
guesser had N times the tries before a delay began.

- ``sign_in_failures``: per limiter ("account", "client") and key (``acct:``/``totp:`` + an e-mail
  address, ``ip:`` + an address), how many failures and when the last one was; indexed on
  ``last_failed_at`` to delete the rows that were forgotten (a day without a failure).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The models' UtcDateTime: a Python-side conversion over this column type.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("limiter", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("limiter", "key"),
    )
    op.create_index("ix_sign_in_failures_last_failed_at", "sign_in_failures", ["last_failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_last_failed_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
