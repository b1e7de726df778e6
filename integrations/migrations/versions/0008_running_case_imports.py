"""Running case imports (issue 21): bringing in cases that were already running.

- ``case_imports``: one row per imported case, by the employer's own reference (``external_ref``,
  unique) and the case it opened (``case_id``, unique), who imported it and when, and whether its
  invitations wait until HR confirms the case.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The models' UtcDateTime: a Python-side conversion over this column type.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_imports",
        sa.Column("external_ref", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.String(length=320), nullable=False),
        sa.Column("imported_at", UTC_DATETIME, nullable=False),
        sa.Column("invitations_held", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("external_ref"),
        sa.UniqueConstraint("case_id"),
    )


def downgrade() -> None:
    op.drop_table("case_imports")
