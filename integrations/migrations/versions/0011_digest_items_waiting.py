"""An index for the notices still waiting for a summary, per person: ``digest_items (recipient,
digest_key, reason, due_at)``. Every HR alert asks for its recipient's open batch; with only the
index on ``recipient`` that read walked every item the person ever had (bench/scale.py at 10,000
cases: a sixth of the worker's time).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_digest_items_waiting", "digest_items", ["recipient", "digest_key", "reason", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_digest_items_waiting", table_name="digest_items")
