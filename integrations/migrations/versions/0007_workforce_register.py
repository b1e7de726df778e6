"""The workforce register and what the absence statistics know of each case (issue 21).

- ``workforce``: headcount and FTE per month and org unit (integrations.workforce).
- ``absence_records``: one row per case, its sick periods, partial absence, phases and statutory
  steps as the workflow last sent them (integrations.absence_records).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The models' UtcDateTime: a Python-side conversion over this column type.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "absence_records",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("org_unit", sa.String(length=100), nullable=True),
        sa.Column("employee_key", sa.String(length=16), nullable=False),
        sa.Column("contract_hours", sa.Float(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("tweede_spoor_started_on", sa.Date(), nullable=True),
        sa.Column("reports", sa.JSON(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.Column("phases", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_absence_records_org_unit", "absence_records", ["org_unit"])
    op.create_index("ix_absence_records_first_day", "absence_records", ["first_day"])
    op.create_index("ix_absence_records_last_day", "absence_records", ["last_day"])

    op.create_table(
        "workforce",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("org_unit", sa.String(length=100), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("fte", sa.Float(), nullable=False),
        sa.Column("imported_by", sa.String(length=320), nullable=False),
        sa.Column("imported_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("month", "org_unit"),
    )


def downgrade() -> None:
    op.drop_table("workforce")
    op.drop_index("ix_absence_records_last_day", table_name="absence_records")
    op.drop_index("ix_absence_records_first_day", table_name="absence_records")
    op.drop_index("ix_absence_records_org_unit", table_name="absence_records")
    op.drop_table("absence_records")
