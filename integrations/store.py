"""The SQL read model: cases as people search them, and the audit trail mirrored from the workflows.

The workflow's history stays the authoritative record; these tables are written by activities
(idempotently, so a retried activity changes nothing twice) and read by the web app.
No health data: a case row holds who, when and which phase, nothing about the illness.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import WorkItem
from integrations.db import run_write, upsert_on
from integrations.schema import AuditRow, Base, CasePersonRow, CaseRow
from integrations.work_items import replace_items


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CaseRecord:
    """What a writer knows about a case; the store upserts it."""

    case_id: str
    employee_name: str
    employee_email: str
    manager_name: str
    manager_email: str
    org_unit: str | None
    first_sick_day: date
    phase: str
    next_deadline: date | None = None
    closed_on: date | None = None
    """The day the case closed (None while it runs); the dossier's retention runs from it."""
    next_step: str | None = None
    next_step_label_nl: str | None = None
    next_step_label_en: str | None = None
    open_signals: int = 0


@dataclass(frozen=True)
class AuditEntry:
    case_id: str
    event_key: str
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class CaseStore:
    """Reads and idempotent writes of the read model."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def upsert_case(self, record: CaseRecord) -> None:
        await run_write(self._sessionmaker, lambda connection: _upsert_case(connection, record))

    async def record(self, record: CaseRecord, people: dict[str, list[str]], audit: list[AuditEntry]) -> None:
        """The case row, its people by role and new audit entries in one transaction (idempotent)."""
        await run_write(self._sessionmaker, lambda connection: write_progress(connection, record, people, audit))

    async def get_case(self, case_id: str) -> CaseRow | None:
        async with self._sessionmaker() as session:
            return await session.get(CaseRow, case_id)

    async def list_cases(self, *, manager_email: str | None = None, limit: int = 500) -> list[CaseRow]:
        query = select(CaseRow).order_by(CaseRow.opened_at.desc()).limit(limit)
        if manager_email is not None:
            query = query.where(CaseRow.manager_email == manager_email)
        async with self._sessionmaker() as session:
            return list((await session.scalars(query)).all())

    async def set_people(self, case_id: str, role: str, emails: list[str]) -> None:
        """Make ``emails`` the people with ``role`` in the case (idempotent; replaces the earlier set)."""
        await run_write(self._sessionmaker, lambda connection: _replace_people(connection, case_id, {role: emails}))

    async def roles_in_case(self, case_id: str, email: str) -> set[str]:
        query = select(CasePersonRow.role).where(CasePersonRow.case_id == case_id, CasePersonRow.email == email.lower())
        async with self._sessionmaker() as session:
            return set((await session.scalars(query)).all())

    async def roles_of_person(self, email: str) -> dict[str, set[str]]:
        """Every case ``email`` takes part in, with their roles in it: one query for a home page."""
        query = select(CasePersonRow.case_id, CasePersonRow.role).where(CasePersonRow.email == email.lower())
        found: dict[str, set[str]] = {}
        async with self._sessionmaker() as session:
            for case_id, role in await session.execute(query):
                found.setdefault(case_id, set()).add(role)
        return found

    async def cases_of_person(self, email: str, *, role: str | None = None) -> list[CaseRow]:
        """The cases in which ``email`` takes part (optionally in one role), newest first."""
        query = (
            select(CaseRow)
            .join(CasePersonRow, CasePersonRow.case_id == CaseRow.case_id)
            .where(CasePersonRow.email == email.lower())
            .order_by(CaseRow.opened_at.desc())
            .distinct()
        )
        if role is not None:
            query = query.where(CasePersonRow.role == role)
        async with self._sessionmaker() as session:
            return list((await session.scalars(query)).all())

    async def append_audit(self, entry: AuditEntry) -> bool:
        """Record one step; returns False when it was already recorded (a retried activity)."""
        return await run_write(self._sessionmaker, lambda connection: _add_one_audit(connection, entry))

    async def audit_trail(self, case_id: str) -> list[AuditRow]:
        query = select(AuditRow).where(AuditRow.case_id == case_id).order_by(AuditRow.at, AuditRow.id)
        async with self._sessionmaker() as session:
            return list((await session.scalars(query)).all())


def write_progress(
    connection: Connection,
    record: CaseRecord,
    people: dict[str, list[str]],
    audit: list[AuditEntry],
    work_items: Sequence[WorkItem] | None = None,
) -> None:
    """What one decision of a case changes in the read model, in the caller's write transaction
    (:func:`integrations.db.run_write`; idempotent).

    Core statements with ON CONFLICT instead of ORM objects, each made once and run with
    parameters: it runs after every decision of every case.
    ``people`` maps each role given to its complete set of addresses; roles not named stay as they are.
    ``work_items``: the case's work queue from now on (integrations.work_items); None: unchanged.
    """
    _upsert_case(connection, record)
    _replace_people(connection, record.case_id, people)
    _add_audit(connection, audit)
    if work_items is not None:
        replace_items(connection, record.case_id, work_items)


@functools.cache
def _case_upsert(dialect: str) -> Any:
    """INSERT the case row, or UPDATE everything but ``opened_at``."""
    table = Base.metadata.tables[CaseRow.__tablename__]
    insert = upsert_on(dialect)(table)
    changing = [column.name for column in table.columns if column.name not in ("case_id", "opened_at")]
    return insert.on_conflict_do_update(
        index_elements=[table.c.case_id], set_={name: insert.excluded[name] for name in changing}
    )


@functools.cache
def _audit_insert(dialect: str, *, returning: bool = False) -> Any:
    table = Base.metadata.tables[AuditRow.__tablename__]
    statement = upsert_on(dialect)(table).on_conflict_do_nothing(index_elements=[table.c.case_id, table.c.event_key])
    return statement.returning(table.c.id) if returning else statement


_PEOPLE = Base.metadata.tables[CasePersonRow.__tablename__]
_PEOPLE_OF_CASE = select(_PEOPLE.c.role, _PEOPLE.c.email).where(_PEOPLE.c.case_id == bindparam("case_id"))
_PERSON_GONE = delete(_PEOPLE).where(
    _PEOPLE.c.case_id == bindparam("case_id"),
    _PEOPLE.c.role == bindparam("role"),
    _PEOPLE.c.email == bindparam("email"),
)


@functools.cache
def _person_insert(dialect: str) -> Any:
    return upsert_on(dialect)(_PEOPLE).on_conflict_do_nothing()


def _upsert_case(connection: Connection, record: CaseRecord) -> None:
    now = _utcnow()
    connection.execute(_case_upsert(connection.dialect.name), dict(record.__dict__, updated_at=now, opened_at=now))


def _replace_people(connection: Connection, case_id: str, people: dict[str, list[str]]) -> None:
    if not people:
        return
    wanted = {(role, email.lower()) for role, emails in people.items() for email in emails}
    found = connection.execute(_PEOPLE_OF_CASE, {"case_id": case_id})
    stored = {(role, email) for role, email in found if role in people}
    if gone := stored - wanted:
        rows = [{"case_id": case_id, "role": role, "email": email} for role, email in sorted(gone)]
        connection.execute(_PERSON_GONE, rows)
    if new := wanted - stored:
        rows = [{"case_id": case_id, "role": role, "email": email} for role, email in sorted(new)]
        connection.execute(_person_insert(connection.dialect.name), rows)


def _add_audit(connection: Connection, entries: list[AuditEntry]) -> None:
    """Add the entries not recorded yet (a retried write finds them by their keys), in one statement."""
    if entries:
        connection.execute(_audit_insert(connection.dialect.name), [entry.__dict__ for entry in entries])


def _add_one_audit(connection: Connection, entry: AuditEntry) -> bool:
    """Add one entry; whether it was new."""
    result = connection.execute(_audit_insert(connection.dialect.name, returning=True), entry.__dict__)
    return result.first() is not None
