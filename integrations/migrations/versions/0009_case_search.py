"""The case list's search and paging (issue 21).

- ``cases.search_text``: the employee's name and e-mail in lower case without accents (made in Python,
  integrations.search_text, the same on SQLite and PostgreSQL), filled here for the rows already there
  and by every write after;
- indexes for the list: ``(opened_at, case_id)`` (newest first, paged by that key), ``first_sick_day``
  (the range filter), ``next_deadline`` (overdue), ``open_signals``.

A search by name is a "contains" match on ``search_text``; no B-tree index serves a pattern that starts
with a wildcard, so it has none: the list walks the (opened_at, case_id) index and stops at a page.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LENGTH = 600
_BATCH = 1000


def _search_text(name: str, email: str) -> str:
    """integrations.search_text.case_search_text as of this revision (a migration does not follow later code)."""
    decomposed = unicodedata.normalize("NFKD", f"{name} {email}".casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())[:_LENGTH]


def upgrade() -> None:
    # A nullable column at the end: a plain ALTER TABLE on SQLite too (no copy of the table).
    op.add_column("cases", sa.Column("search_text", sa.String(length=_LENGTH), nullable=True))
    cases = sa.table(
        "cases",
        sa.column("case_id", sa.String()),
        sa.column("employee_name", sa.String()),
        sa.column("employee_email", sa.String()),
        sa.column("search_text", sa.String()),
    )
    connection = op.get_bind()
    update = sa.update(cases).where(cases.c.case_id == sa.bindparam("id")).values(search_text=sa.bindparam("text"))
    last = ""
    while True:
        rows = connection.execute(
            sa.select(cases.c.case_id, cases.c.employee_name, cases.c.employee_email)
            .where(cases.c.case_id > last)
            .order_by(cases.c.case_id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        connection.execute(update, [{"id": row[0], "text": _search_text(row[1] or "", row[2] or "")} for row in rows])
        last = rows[-1][0]
    op.create_index("ix_cases_opened_at_case_id", "cases", ["opened_at", "case_id"])
    op.create_index("ix_cases_first_sick_day", "cases", ["first_sick_day"])
    op.create_index("ix_cases_next_deadline", "cases", ["next_deadline"])
    op.create_index("ix_cases_open_signals", "cases", ["open_signals"])


def downgrade() -> None:
    op.drop_index("ix_cases_open_signals", table_name="cases")
    op.drop_index("ix_cases_next_deadline", table_name="cases")
    op.drop_index("ix_cases_first_sick_day", table_name="cases")
    op.drop_index("ix_cases_opened_at_case_id", table_name="cases")
    with op.batch_alter_table("cases") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("search_text")
