"""What the absence statistics know of each case, in the SQL store (table ``absence_records``).

The ``deliver`` activity writes the workflow's :class:`contracts.absence.AbsenceRecord` (sent only
when it changed) with :func:`write_absence`, in the transaction of the rest of the read model; the
statistics sum the rows :mod:`integrations.absence_parts` keeps beside it
(:mod:`integrations.absence_figures`); :func:`records_between` reads the records of a period back. One row per case, replaced as a
whole: writing the same record twice changes nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import RecordProgress
from contracts.absence import AbsenceRecord, AbsenceSpan, PhaseSince, SickReport, StepDue
from integrations.absence_parts import replace_parts
from integrations.absence_snapshots import changed_from, forget_from
from integrations.db import upsert_on
from integrations.schema import AbsenceRecordRow, Base
from states.clock import local_date

_TABLE = Base.metadata.tables[AbsenceRecordRow.__tablename__]


@dataclass(frozen=True)
class CaseAbsence:
    """One case as the statistics read it back."""

    case_id: str
    org_unit: str | None
    record: AbsenceRecord


@functools.cache
def _upsert(dialect: str) -> Any:
    insert = upsert_on(dialect)(_TABLE)
    changing = [column.name for column in _TABLE.columns if column.name != "case_id"]
    return insert.on_conflict_do_update(
        index_elements=[_TABLE.c.case_id], set_={name: insert.excluded[name] for name in changing}
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def as_row(case_id: str, org_unit: str | None, record: AbsenceRecord) -> dict[str, Any]:
    last_report = record.reports[-1] if record.reports else None
    return {
        "case_id": case_id,
        "org_unit": org_unit,
        "employee_key": record.employee_key,
        "contract_hours": record.contract_hours_per_week,
        "first_day": record.reports[0].start if record.reports else date.min,
        "last_day": last_report.end if last_report is not None else None,
        "outcome": record.outcome,
        "tweede_spoor_started_on": record.tweede_spoor_started_on,
        "reports": [[_day(r.start), _day(r.end), r.recovered] for r in record.reports],
        "spans": [[_day(s.start), _day(s.end), s.fraction] for s in record.spans],
        "phases": [[p.phase, _day(p.since)] for p in record.phases],
        "steps": [[s.key, _day(s.due), _day(s.done_on)] for s in record.steps],
        "updated_at": datetime.now(UTC),
    }


def write_absence(connection: Connection, progress: RecordProgress | None) -> None:
    """Keep the case's record when the workflow sent one (idempotent: the row is replaced)."""
    if progress is None or progress.absence is None:
        return
    case = progress.case
    before = connection.execute(select(_TABLE).where(_TABLE.c.case_id == case.case_id)).one_or_none()
    old = from_row(before) if before is not None else None
    connection.execute(_upsert(connection.dialect.name), as_row(case.case_id, case.org_unit, progress.absence))
    replace_parts(connection, case.case_id, case.org_unit, progress.absence)
    changed = changed_from(old.record if old else None, old.org_unit if old else None, progress.absence, case.org_unit)
    if changed is not None and changed <= local_date(datetime.now(UTC)):  # a day of a past period
        forget_from(connection, changed)


def from_row(row: Any) -> CaseAbsence:
    record = AbsenceRecord(
        employee_key=row.employee_key,
        contract_hours_per_week=float(row.contract_hours),
        reports=tuple(
            SickReport(start=_date(s) or date.min, end=_date(e), recovered=bool(r)) for s, e, r in row.reports
        ),
        spans=tuple(AbsenceSpan(start=_date(s) or date.min, end=_date(e), fraction=float(f)) for s, e, f in row.spans),
        phases=tuple(PhaseSince(phase=str(p), since=_date(s) or date.min) for p, s in row.phases),
        steps=tuple(StepDue(key=str(k), due=_date(d) or date.min, done_on=_date(o)) for k, d, o in row.steps),
        outcome=row.outcome,
        tweede_spoor_started_on=row.tweede_spoor_started_on,
    )
    return CaseAbsence(case_id=row.case_id, org_unit=row.org_unit, record=record)


async def records_between(
    sessionmaker: async_sessionmaker[AsyncSession], first: date, last: date, org_unit: str | None = None
) -> list[CaseAbsence]:
    """The cases with a sick day, a recovery or a step between ``first`` and ``last`` (inclusive)."""
    query = select(_TABLE).where(
        _TABLE.c.first_day <= last, or_(_TABLE.c.last_day.is_(None), _TABLE.c.last_day >= first)
    )
    if org_unit is not None:
        query = query.where(_TABLE.c.org_unit == org_unit)
    async with sessionmaker() as session:
        rows = (await session.execute(query.order_by(_TABLE.c.case_id))).all()
    return [from_row(row) for row in rows]
