"""A case's absence record in rows the store can sum (tables ``absence_spans``, ``absence_reports``,
``absence_phases``, ``absence_steps``): the statistics of 50,000 cases are aggregated in SQL
(:mod:`integrations.absence_figures`), not read into Python case by case.

Dates become day numbers (``date.toordinal()``), so that "days from a to b" is ``b - a + 1`` in
both SQLite and PostgreSQL. Written with the case's ``absence_records`` row, in the same transaction,
replaced as a whole; a withdrawn case (the report was taken back) counts nowhere and has no rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert

from contracts.absence import AbsenceRecord
from integrations.absence_statistics import SICK_PHASES_ORDER, WITHDRAWN
from integrations.schema import AbsencePhaseRow, AbsenceReportRow, AbsenceSpanRow, AbsenceStepRow, Base

SPANS = Base.metadata.tables[AbsenceSpanRow.__tablename__]
REPORTS = Base.metadata.tables[AbsenceReportRow.__tablename__]
PHASES = Base.metadata.tables[AbsencePhaseRow.__tablename__]
STEPS = Base.metadata.tables[AbsenceStepRow.__tablename__]
TABLES = (SPANS, REPORTS, PHASES, STEPS)


def day_no(day: date | None) -> int | None:
    return None if day is None else day.toordinal()


def parts_of(case_id: str, org_unit: str | None, record: AbsenceRecord) -> dict[str, list[dict[str, Any]]]:
    """The rows of each table for one case (none for a withdrawn one)."""
    if record.outcome == WITHDRAWN:
        return {table.name: [] for table in TABLES}
    case = {"case_id": case_id, "org_unit": org_unit}
    spans = [
        {
            **case,
            "position": position,
            "first_day_no": day_no(span.start),
            "last_day_no": day_no(span.end),
            "fraction": span.fraction,
            "contract_hours": record.contract_hours_per_week,
        }
        for position, span in enumerate(record.spans)
    ]
    reports = [
        {
            **case,
            "position": position,
            "employee_key": record.employee_key,
            "first_day_no": day_no(report.start),
            "last_day_no": day_no(report.end),
            "recovered": report.recovered,
        }
        for position, report in enumerate(record.reports)
    ]
    steps = [
        {**case, "position": position, "due_day_no": day_no(step.due), "done_day_no": day_no(step.done_on)}
        for position, step in enumerate(record.steps)
    ]
    phases = [
        {**case, "position": position, "phase": phase, "first_day_no": first, "last_day_no": last}
        for position, (phase, first, last) in enumerate(sick_phase_days(record))
    ]
    return {SPANS.name: spans, REPORTS.name: reports, PHASES.name: phases, STEPS.name: steps}


def sick_phase_days(record: AbsenceRecord) -> list[tuple[str, int, int | None]]:
    """(phase, first day, last day or None) for each stretch the case was both sick (inside one of its
    reports) and in that phase; the phase of a day is the last change on or before it, as
    :func:`integrations.absence_statistics.figures` reads it. Phases outside the sick ones are left out."""
    changes = list(record.phases)
    out: list[tuple[str, int, int | None]] = []
    for index, change in enumerate(changes):
        if change.phase not in SICK_PHASES_ORDER:
            continue
        # every later change overrides it from its own day on (a later change on the same day, or
        # an earlier one, leaves it no day at all)
        ends = [later.since.toordinal() - 1 for later in changes[index + 1 :]]
        phase_last = min(ends) if ends else None
        for report in record.reports:
            first = max(change.since.toordinal(), report.start.toordinal())
            bounds = [day for day in (phase_last, day_no(report.end)) if day is not None]
            last = min(bounds) if bounds else None
            if last is None or first <= last:
                out.append((change.phase, first, last))
    return out


def replace_parts(connection: Connection, case_id: str, org_unit: str | None, record: AbsenceRecord) -> None:
    """Replace the case's rows in the four tables (idempotent)."""
    rows = parts_of(case_id, org_unit, record)
    for table in TABLES:
        connection.execute(delete(table).where(table.c.case_id == case_id))
        if rows[table.name]:
            connection.execute(insert(table), rows[table.name])
