"""The read model's work queue (issue 21): what a person has to do in each case, served from SQL.

- ``cases`` gains ``next_step`` (the key of the next statutory step), its words
  ``next_step_label_nl``/``next_step_label_en``, and ``open_signals`` (how many signals are open);
- ``case_work_items``: one row per thing to do in a case (a step due, an open signal, a talk to
  record, a gap in the RIV), replaced with every write of the case's row.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("next_step", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("next_step_label_nl", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("next_step_label_en", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("open_signals", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "case_work_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("label_nl", sa.String(length=300), nullable=False),
        sa.Column("label_en", sa.String(length=300), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("command", sa.String(length=60), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.case_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_work_items_case_id", "case_work_items", ["case_id"])
    op.create_index("ix_case_work_items_due", "case_work_items", ["due"])


def downgrade() -> None:
    op.drop_index("ix_case_work_items_due", table_name="case_work_items")
    op.drop_index("ix_case_work_items_case_id", table_name="case_work_items")
    op.drop_table("case_work_items")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("open_signals")
        batch.drop_column("next_step_label_en")
        batch.drop_column("next_step_label_nl")
        batch.drop_column("next_step")
