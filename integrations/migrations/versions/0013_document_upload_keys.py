"""One-time keys of document uploads: ``dossier_documents.upload_key`` (nullable) with a unique
constraint on ``(case_id, upload_key)``. An upload sent again with its key (a double click on the
dossier page's form, an API client's ``Idempotency-Key`` resent) is the document already kept, not
its next version. Documents kept before have no key (NULL), and NULLs never collide.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dossier_documents") as batch:  # SQLite adds a constraint by copying the table
        batch.add_column(sa.Column("upload_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_dossier_document_upload_key", ["case_id", "upload_key"])


def downgrade() -> None:
    with op.batch_alter_table("dossier_documents") as batch:
        batch.drop_constraint("uq_dossier_document_upload_key", type_="unique")
        batch.drop_column("upload_key")
