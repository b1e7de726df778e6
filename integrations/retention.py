"""The dossier's retention: a closed case is deleted ``retention_years`` after the day it closed.

A case's retention runs from ``cases.closed_on`` (recovery, end of employment, WIA, withdrawal; the
workflow writes it) to the same day ``retention_years`` later (:func:`delete_on`; 29 February ends
on 28 February in a year without one). On that day or after it, :func:`delete_expired` deletes
everything the store holds of the case, one transaction per case:

- its dossier: ``dossier_records`` and ``dossier_documents``;
- its read model and history: ``audit_trail``, ``case_people`` and the ``cases`` row itself;
- its mail: the ``outbox`` rows of its messages (see :func:`_outbox_of_case`), its ``digest_items``;
- its talks: ``calendar_series`` (with ``calendar_series_people``), ``invitation_replies`` and
  ``invitation_counters``;
- what the absence statistics knew of it: ``absence_records`` and its rows (``absence_spans``,
  ``absence_reports``, ``absence_phases``, ``absence_steps``). The figures of periods long past then
  count it no more, unless they were kept as sums (:mod:`integrations.absence_snapshots`), which
  name no one.

What belongs to a person rather than a case stays: accounts, feed tokens, mail preferences, and the
daily summaries (``mail_digests`` and their ``summary:`` outbox rows, one message about several
cases). A case without ``closed_on`` (still open, or reopened) is never deleted; the transaction
checks that again, so a case reopened since it was listed stays.

Each run leaves a ``retention_runs`` row: when, how many cases, and how many rows of each table.
Counts only: no case id, no name, no content. The Temporal side (the case's workflow execution) is
the activity's (activities.retention_activities); :func:`due_for_deletion` is what the auditor sees.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.db import run_write
from integrations.schema import (
    AbsencePhaseRow,
    AbsenceRecordRow,
    AbsenceReportRow,
    AbsenceSpanRow,
    AbsenceStepRow,
    AuditRow,
    Base,
    CalendarSeriesPerson,
    CalendarSeriesRow,
    CasePersonRow,
    CaseRow,
    CaseWorkItemRow,
    DigestItemRow,
    DossierDocumentRow,
    DossierRecordRow,
    InvitationCounterRow,
    InvitationReplyRow,
    OutboxMessage,
    RetentionRunRow,
)

SOON_DAYS = 30
"""How far ahead :func:`due_for_deletion` looks by default: the cases whose retention ends within a month."""

RUNS_SHOWN = 10
"""How many of the latest runs :func:`recent_runs` gives by default."""

TABLES: tuple[str, ...] = (
    "dossier_records",
    "dossier_documents",
    "audit_trail",
    "case_people",
    "case_work_items",
    "outbox",
    "calendar_series",
    "calendar_series_people",
    "invitation_replies",
    "invitation_counters",
    "digest_items",
    "absence_spans",
    "absence_reports",
    "absence_phases",
    "absence_steps",
    "absence_records",
    "cases",
)
"""Every table a case has rows in, in the order they are deleted (the ``cases`` row last: the audit
trail and the people refer to it). A run's counts name each of them."""


def _table(row_class: type[Base]) -> Table:
    return Base.metadata.tables[row_class.__tablename__]


_CASES = _table(CaseRow)
_OUTBOX = _table(OutboxMessage)
_SERIES = _table(CalendarSeriesRow)
_SERIES_PEOPLE = _table(CalendarSeriesPerson)
_REPLIES = _table(InvitationReplyRow)
_COUNTERS = _table(InvitationCounterRow)
_DIGEST_ITEMS = _table(DigestItemRow)
_RUNS = _table(RetentionRunRow)
#: The tables whose rows carry the case id in their ``case_id`` column, deleted by it.
_BY_CASE_ID: dict[str, Table] = {
    "dossier_records": _table(DossierRecordRow),
    "dossier_documents": _table(DossierDocumentRow),
    "audit_trail": _table(AuditRow),
    "case_people": _table(CasePersonRow),
    "case_work_items": _table(CaseWorkItemRow),
    "calendar_series": _SERIES,
    "invitation_replies": _REPLIES,
    "invitation_counters": _COUNTERS,
    "digest_items": _DIGEST_ITEMS,
    "absence_spans": _table(AbsenceSpanRow),
    "absence_reports": _table(AbsenceReportRow),
    "absence_phases": _table(AbsencePhaseRow),
    "absence_steps": _table(AbsenceStepRow),
    "absence_records": _table(AbsenceRecordRow),
    "cases": _CASES,
}


@dataclass(frozen=True)
class DueCase:
    """A closed case whose retention ends on ``delete_on`` (today or before: deleted by the next run)."""

    case_id: str
    employee_name: str
    closed_on: date
    delete_on: date


@dataclass(frozen=True)
class RetentionReport:
    """What one run deleted: the cases, and the rows of each table (every table of :data:`TABLES`, 0
    included, and what a ``before_delete`` added, such as ``workflow_executions``)."""

    ran_at: datetime
    case_ids: tuple[str, ...]
    counts: dict[str, int]

    @property
    def cases_deleted(self) -> int:
        return len(self.case_ids)


@dataclass(frozen=True)
class RetentionRun:
    """A run as ``retention_runs`` keeps it: counts only."""

    ran_at: datetime
    cases_deleted: int
    counts: dict[str, int]


def _check_years(retention_years: int) -> None:
    if isinstance(retention_years, bool) or not isinstance(retention_years, int) or retention_years < 1:
        raise ValueError(
            f"retention_years must be a whole number of years, at least 1 (got {retention_years!r}); "
            "set REINTEGRATIE_RETENTION_YEARS to 1 or more"
        )


def delete_on(closed_on: date, retention_years: int) -> date:
    """The day a case closed on ``closed_on`` is deleted: the same day ``retention_years`` later
    (29 February: 28 February, when that year has no 29th)."""
    _check_years(retention_years)
    year = closed_on.year + retention_years
    try:
        return closed_on.replace(year=year)
    except ValueError:  # 29 February, and the year it ends in is not a leap year
        return closed_on.replace(year=year, day=28)


def _closed_by(horizon: date, retention_years: int) -> date:
    """A day on or after the last ``closed_on`` whose retention ends by ``horizon`` (a filter for SQL
    with a day to spare for 29 February; :func:`delete_on` decides exactly)."""
    back = horizon.year - retention_years
    try:
        shifted = horizon.replace(year=back)
    except ValueError:  # horizon is 29 February, the year ``back`` has none
        shifted = horizon.replace(year=back, day=28)
    return shifted + timedelta(days=1)


async def due_for_deletion(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    today: date,
    retention_years: int,
    within_days: int = SOON_DAYS,
) -> list[DueCase]:
    """The closed cases whose retention has ended by ``today`` or ends within ``within_days`` after
    it, the first to go first (for the auditor: what the daily run deletes and will delete)."""
    _check_years(retention_years)
    if within_days < 0:
        raise ValueError(f"within_days must be 0 or more (got {within_days})")
    horizon = today + timedelta(days=within_days)
    query = (
        select(_CASES.c.case_id, _CASES.c.employee_name, _CASES.c.closed_on)
        .where(_CASES.c.closed_on.is_not(None), _CASES.c.closed_on <= _closed_by(horizon, retention_years))
        .order_by(_CASES.c.closed_on, _CASES.c.case_id)
    )
    async with sessionmaker() as session:
        rows = (await session.execute(query)).all()
    due = [
        DueCase(row.case_id, row.employee_name, row.closed_on, delete_on(row.closed_on, retention_years))
        for row in rows
    ]
    return [case for case in due if case.delete_on <= horizon]


async def expired_case_ids(
    sessionmaker: async_sessionmaker[AsyncSession], *, today: date, retention_years: int
) -> list[str]:
    """The cases :func:`delete_expired` would delete ``today``."""
    due = await due_for_deletion(sessionmaker, today=today, retention_years=retention_years, within_days=0)
    return [case.case_id for case in due]


BeforeDelete = Callable[[str], Awaitable[Mapping[str, int] | None]]
"""What :func:`delete_expired` runs for each expired case before its rows go (the retention activity
deletes the case's workflow execution there): the counts to add to the run's (``{"workflow_executions":
1}``), or None to keep the case for a later run."""


async def delete_expired(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    today: date,
    retention_years: int,
    ran_at: datetime | None = None,
    before_delete: BeforeDelete | None = None,
) -> RetentionReport:
    """Delete every case whose retention ended by ``today`` (one transaction per case), then record
    the run in ``retention_runs`` (also when nothing was due, so that the auditor sees it ran; and
    when the run fails halfway, with what it deleted until then, before the error goes on).

    Running it again deletes nothing more; a run that stopped halfway leaves whole cases, deleted
    or not, and the next run deletes the rest."""
    _check_years(retention_years)  # before anything is written: a wrong setting changes nothing
    ran_at = ran_at or datetime.now(UTC)
    counts = dict.fromkeys(TABLES, 0)
    deleted: list[str] = []
    try:
        for case_id in await expired_case_ids(sessionmaker, today=today, retention_years=retention_years):
            extra = await before_delete(case_id) if before_delete is not None else {}
            if extra is None:
                continue  # kept for a later run
            removed = await run_write(
                sessionmaker,
                functools.partial(_delete_case, case_id=case_id, today=today, retention_years=retention_years),
            )
            if removed is None:
                continue  # reopened since it was listed
            deleted.append(case_id)
            for name, number in {**removed, **extra}.items():
                counts[name] = counts.get(name, 0) + number
    finally:
        report = RetentionReport(ran_at=ran_at, case_ids=tuple(deleted), counts=counts)
        await run_write(sessionmaker, functools.partial(_record_run, report=report))
    return report


def _delete_case(connection: Connection, *, case_id: str, today: date, retention_years: int) -> dict[str, int] | None:
    """Every row of one case, in the caller's write transaction; None (nothing deleted) when the case
    is no longer closed with its retention ended."""
    closed_on = connection.execute(
        select(_CASES.c.closed_on).where(_CASES.c.case_id == case_id).with_for_update()
    ).scalar_one_or_none()
    if closed_on is None or delete_on(closed_on, retention_years) > today:
        return None
    uids = _series_of_case(connection, case_id)
    removed: dict[str, int] = {}
    for table in TABLES:
        if table == "outbox":
            removed[table] = _rowcount(
                connection.execute(delete(_OUTBOX).where(_outbox_of_case(connection, case_id, uids)))
            )
        elif table == "calendar_series_people":
            removed[table] = (
                _rowcount(connection.execute(delete(_SERIES_PEOPLE).where(_SERIES_PEOPLE.c.uid.in_(uids))))
                if uids
                else 0
            )
        else:
            rows = _BY_CASE_ID[table]
            removed[table] = _rowcount(connection.execute(delete(rows).where(rows.c.case_id == case_id)))
    return removed


def _series_of_case(connection: Connection, case_id: str) -> list[str]:
    """The UIDs of the case's calendar series: the series sent (``calendar_series``) and those answered
    (a reply or a proposal names the series it answers). A UID is the case's alone: it is made from
    the case id (states.cadence.series_uid)."""
    found: set[str] = set()
    for table in (_SERIES, _REPLIES, _COUNTERS):
        found.update(connection.execute(select(table.c.uid).where(table.c.case_id == case_id).distinct()).scalars())
    return sorted(found)


def _outbox_of_case(connection: Connection, case_id: str, uids: Sequence[str]) -> Any:
    """Which outbox rows are the case's messages (the outbox has no case column; its keys say it):

    - a notice's key is ``notice:<the workflow's key>:<recipient>`` (integrations.outbox.notice_key),
      and every key the case's workflow makes begins with its case id and a colon;
    - an invitation's row names its series (``series_uid``), and a series belongs to one case;
    - a notice held for a summary and sent on its own goes under its ``digest_items`` key.
    """
    conditions = [_OUTBOX.c.key.startswith(f"notice:{case_id}:", autoescape=True)]
    if uids:
        conditions.append(_OUTBOX.c.series_uid.in_(uids))
    held = list(connection.execute(select(_DIGEST_ITEMS.c.key).where(_DIGEST_ITEMS.c.case_id == case_id)).scalars())
    if held:
        conditions.append(_OUTBOX.c.key.in_(held))
    return or_(*conditions)


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def _record_run(connection: Connection, *, report: RetentionReport) -> None:
    connection.execute(
        insert(_RUNS).values(ran_at=report.ran_at, cases_deleted=report.cases_deleted, counts=dict(report.counts))
    )


async def recent_runs(sessionmaker: async_sessionmaker[AsyncSession], *, limit: int = RUNS_SHOWN) -> list[RetentionRun]:
    """The latest runs, newest first."""
    query = select(_RUNS).order_by(_RUNS.c.ran_at.desc(), _RUNS.c.id.desc()).limit(limit)
    async with sessionmaker() as session:
        rows = (await session.execute(query)).all()
    return [
        RetentionRun(
            ran_at=row.ran_at,
            cases_deleted=row.cases_deleted,
            counts={str(table): int(number) for table, number in (row.counts or {}).items()},
        )
        for row in rows
    ]
