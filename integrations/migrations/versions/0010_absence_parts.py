"""The absence records as rows the store sums (integrations.absence_parts): ``absence_spans``,
``absence_reports``, ``absence_phases`` (each phase's days cut to the sick reports) and
``absence_steps``, dates as day numbers (``date.toordinal()``), filled here from ``absence_records``
and by every write after. Withdrawn cases get no rows. ``absence_sums`` keeps the sums of periods
wholly past (integrations.absence_snapshots), ``absence_sums_epoch`` counts the writes that removed some. The statistics page then sums in SQL instead
of reading every case (bench/scale.py: the page took seconds at 10,000 cases).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000
_SICK_PHASES = (
    "ziekgemeld",
    "probleemanalyse",
    "plan_van_aanpak",
    "arbeidstherapeutisch",
    "opbouw",
    "evaluatie",
    "tweede_spoor",
)


def _no(value: str | None) -> int | None:
    return date.fromisoformat(value).toordinal() if value else None


def _columns(*extra: sa.Column[Any]) -> list[sa.Column[Any] | sa.PrimaryKeyConstraint]:
    return [
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("org_unit", sa.String(length=100), nullable=True),
        *extra,
        sa.PrimaryKeyConstraint("case_id", "position"),
    ]


def upgrade() -> None:
    spans = op.create_table(
        "absence_spans",
        *_columns(
            sa.Column("first_day_no", sa.Integer(), nullable=False),
            sa.Column("last_day_no", sa.Integer(), nullable=True),
            sa.Column("fraction", sa.Float(), nullable=False),
            sa.Column("contract_hours", sa.Float(), nullable=False),
        ),
    )
    reports = op.create_table(
        "absence_reports",
        *_columns(
            sa.Column("employee_key", sa.String(length=16), nullable=False),
            sa.Column("first_day_no", sa.Integer(), nullable=False),
            sa.Column("last_day_no", sa.Integer(), nullable=True),
            sa.Column("recovered", sa.Boolean(), nullable=False),
        ),
    )
    phases = op.create_table(
        "absence_phases",
        *_columns(
            sa.Column("phase", sa.String(length=40), nullable=False),
            sa.Column("first_day_no", sa.Integer(), nullable=False),
            sa.Column("last_day_no", sa.Integer(), nullable=True),
        ),
    )
    steps = op.create_table(
        "absence_steps",
        *_columns(
            sa.Column("due_day_no", sa.Integer(), nullable=False),
            sa.Column("done_day_no", sa.Integer(), nullable=True),
        ),
    )
    assert spans is not None and reports is not None and phases is not None and steps is not None
    _fill(spans, reports, phases, steps)
    op.create_index(
        "ix_absence_spans_sums",
        "absence_spans",
        ["org_unit", "first_day_no", "last_day_no", "fraction", "contract_hours"],
    )
    op.create_index("ix_absence_reports_first_day_no", "absence_reports", ["first_day_no"])
    op.create_index("ix_absence_reports_last_day_no", "absence_reports", ["last_day_no"])
    op.create_index("ix_absence_phases_sums", "absence_phases", ["org_unit", "phase", "first_day_no", "last_day_no"])
    op.create_index("ix_absence_steps_due_day_no", "absence_steps", ["due_day_no"])
    op.create_index("ix_absence_records_unit_days", "absence_records", ["org_unit", "first_day", "last_day"])
    op.create_table(
        "absence_sums",
        sa.Column("first_day_no", sa.Integer(), nullable=False),
        sa.Column("last_day_no", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=101), nullable=False),
        sa.Column("full_time_hours", sa.Float(), nullable=False),
        sa.Column("sums", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("first_day_no", "last_day_no", "scope", "full_time_hours"),
    )
    op.create_index("ix_absence_sums_last_day_no", "absence_sums", ["last_day_no"])
    op.create_table(
        "absence_sums_epoch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def _fill(spans: sa.Table, reports: sa.Table, phases: sa.Table, steps: sa.Table) -> None:
    """integrations.absence_parts.parts_of as of this revision, over the JSON of ``absence_records``."""
    records = sa.table(
        "absence_records",
        *(sa.column(name) for name in ("case_id", "org_unit", "employee_key", "contract_hours", "outcome")),
        *(sa.column(name, sa.JSON()) for name in ("reports", "spans", "phases", "steps")),
    )
    connection = op.get_bind()
    last = ""
    while True:
        rows = connection.execute(
            sa.select(records).where(records.c.case_id > last).order_by(records.c.case_id).limit(_BATCH)
        ).all()
        if not rows:
            break
        out: dict[str, list[dict[str, Any]]] = {"spans": [], "reports": [], "phases": [], "steps": []}
        for row in rows:
            if row.outcome == "ingetrokken":
                continue
            case = {"case_id": row.case_id, "org_unit": row.org_unit}
            for n, (start, end, fraction) in enumerate(row.spans):
                out["spans"].append(
                    {**case, "position": n, "first_day_no": _no(start), "last_day_no": _no(end),
                     "fraction": fraction, "contract_hours": row.contract_hours}
                )  # fmt: skip
            sick = [(_no(start), _no(end)) for start, end, _ in row.reports]
            for n, (start, end, recovered) in enumerate(row.reports):
                out["reports"].append(
                    {**case, "position": n, "employee_key": row.employee_key, "first_day_no": _no(start),
                     "last_day_no": _no(end), "recovered": bool(recovered)}
                )  # fmt: skip
            for n, (_, due, done) in enumerate(row.steps):
                out["steps"].append({**case, "position": n, "due_day_no": _no(due), "done_day_no": _no(done)})
            stretches = []
            for index, (phase, since) in enumerate(row.phases):
                ends = [(_no(later) or 0) - 1 for _, later in row.phases[index + 1 :]]
                for report_first, report_last in sick:
                    first = max(_no(since) or 0, report_first or 0)
                    bounds = [day for day in (min(ends) if ends else None, report_last) if day is not None]
                    stop = min(bounds) if bounds else None
                    if phase in _SICK_PHASES and (stop is None or first <= stop):
                        stretches.append((phase, first, stop))
            for n, (phase, first, stop) in enumerate(stretches):
                out["phases"].append(
                    {**case, "position": n, "phase": phase, "first_day_no": first, "last_day_no": stop}
                )
        for table in (spans, reports, phases, steps):
            if out[table.name.removeprefix("absence_")]:
                connection.execute(sa.insert(table), out[table.name.removeprefix("absence_")])
        last = rows[-1].case_id


def downgrade() -> None:
    op.drop_index("ix_absence_records_unit_days", table_name="absence_records")
    for table in (
        "absence_sums_epoch",
        "absence_sums",
        "absence_steps",
        "absence_phases",
        "absence_reports",
        "absence_spans",
    ):
        op.drop_table(table)
