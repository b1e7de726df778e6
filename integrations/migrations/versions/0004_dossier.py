"""The re-integratiedossier (issue 19): its records, uploaded documents, and the retention job's runs.

- ``cases.closed_on``: the day a case closed; the dossier's retention runs from it.
- ``dossier_records``: one row per record of a part of the RIV, unique per case on its key.
- ``dossier_documents``: uploaded documents with their SHA-256, never overwritten (a version each).
- ``retention_runs``: what each run of the retention job deleted, as counts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The models' UtcDateTime: a Python-side conversion over this column type.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A nullable column at the end: a plain ALTER TABLE on SQLite too (no copy of the table).
    op.add_column("cases", sa.Column("closed_on", sa.Date(), nullable=True))
    op.create_index("ix_cases_closed_on", "cases", ["closed_on"])

    op.create_table(
        "dossier_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("part", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=320), nullable=False),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("about", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "key", name="uq_dossier_record_key"),
    )
    op.create_index("ix_dossier_records_case_id", "dossier_records", ["case_id"])

    op.create_table(
        "dossier_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("part", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=320), nullable=False),
        sa.Column("uploaded_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "part", "name", "version", name="uq_dossier_document_version"),
    )
    op.create_index("ix_dossier_documents_case_id", "dossier_documents", ["case_id"])

    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ran_at", UTC_DATETIME, nullable=False),
        sa.Column("cases_deleted", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_retention_runs_ran_at", "retention_runs", ["ran_at"])


def downgrade() -> None:
    op.drop_index("ix_retention_runs_ran_at", table_name="retention_runs")
    op.drop_table("retention_runs")
    op.drop_index("ix_dossier_documents_case_id", table_name="dossier_documents")
    op.drop_table("dossier_documents")
    op.drop_index("ix_dossier_records_case_id", table_name="dossier_records")
    op.drop_table("dossier_records")
    op.drop_index("ix_cases_closed_on", table_name="cases")
    with op.batch_alter_table("cases") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("closed_on")
