"""The SQL read model: cases as people search them, and the audit trail mirrored from the workflows.

The workflow's history stays the authoritative record; these tables are written by activities
(idempotently, so a retried activity changes nothing twice) and read by the web app.
No health data: a case row holds who, when and which phase, nothing about the illness.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db import Base


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class CaseRow(Base):
    """One sickness case, as the web app lists and searches it."""

    __tablename__ = "cases"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    employee_name: Mapped[str] = mapped_column(String(200))
    employee_email: Mapped[str] = mapped_column(String(320), index=True)
    manager_name: Mapped[str] = mapped_column(String(200))
    manager_email: Mapped[str] = mapped_column(String(320), index=True)
    org_unit: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    first_sick_day: Mapped[date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(40), index=True)
    next_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class AuditRow(Base):
    """One step of a case, mirrored from the workflow: who did what, and when.

    ``event_key`` is made by the workflow and unique per case, so a retried write is a no-op.
    """

    __tablename__ = "audit_trail"
    __table_args__ = (UniqueConstraint("case_id", "event_key", name="uq_audit_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    event_key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CasePersonRow(Base):
    """Who takes part in a case, by role: decides what each signed-in person may see.

    The employee and the manager come from the intake; the casemanager, coach and buddy are added
    by the workflow when they are assigned (and removed when replaced).
    """

    __tablename__ = "case_people"
    __table_args__ = (UniqueConstraint("case_id", "role", "email", name="uq_case_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # employee, manager, casemanager, coach, buddy
    email: Mapped[str] = mapped_column(String(320), index=True)


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
        async with self._sessionmaker.begin() as session:
            await _upsert_case(session, record)

    async def record(self, record: CaseRecord, people: dict[str, list[str]], audit: list[AuditEntry]) -> None:
        """The case row, its people by role and new audit entries in one transaction (idempotent)."""
        async with self._sessionmaker.begin() as session:
            await write_progress(session, record, people, audit)

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
        async with self._sessionmaker.begin() as session:
            await _replace_people(session, case_id, {role: emails})

    async def roles_in_case(self, case_id: str, email: str) -> set[str]:
        query = select(CasePersonRow.role).where(CasePersonRow.case_id == case_id, CasePersonRow.email == email.lower())
        async with self._sessionmaker() as session:
            return set((await session.scalars(query)).all())

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
        async with self._sessionmaker.begin() as session:
            return bool(await _add_audit(session, [entry]))

    async def audit_trail(self, case_id: str) -> list[AuditRow]:
        query = select(AuditRow).where(AuditRow.case_id == case_id).order_by(AuditRow.at, AuditRow.id)
        async with self._sessionmaker() as session:
            return list((await session.scalars(query)).all())


async def write_progress(session: AsyncSession, record: CaseRecord, people: dict[str, list[str]], audit: list[AuditEntry]) -> None:
    """What one decision of a case changes in the read model, in the caller's transaction (idempotent).

    Plain statements with ON CONFLICT instead of ORM objects: it runs after every decision of every
    case, and the ORM's loads and flushes were most of a delivery's database time. ``people`` maps
    each role given to its complete set of addresses; roles not named stay as they are.
    """
    await _upsert_case(session, record)
    await _replace_people(session, record.case_id, people)
    await _add_audit(session, audit)


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT with ON CONFLICT (SQLite and PostgreSQL both have it)."""
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


async def _upsert_case(session: AsyncSession, record: CaseRecord) -> None:
    values = dict(record.__dict__, updated_at=_utcnow())
    await session.execute(
        _insert(session)(CaseRow).values(**values, opened_at=values["updated_at"])
        .on_conflict_do_update(index_elements=[CaseRow.case_id], set_=values)
    )  # fmt: skip


async def _replace_people(session: AsyncSession, case_id: str, people: dict[str, list[str]]) -> None:
    if not people:
        return
    wanted = {(role, email.lower()) for role, emails in people.items() for email in emails}
    query = select(CasePersonRow.role, CasePersonRow.email).where(CasePersonRow.case_id == case_id, CasePersonRow.role.in_(list(people)))
    stored = {(role, email) for role, email in (await session.execute(query)).all()}
    if gone := stored - wanted:
        await session.execute(
            delete(CasePersonRow).where(CasePersonRow.case_id == case_id, tuple_(CasePersonRow.role, CasePersonRow.email).in_(sorted(gone)))
        )
    if new := wanted - stored:
        await session.execute(
            _insert(session)(CasePersonRow).on_conflict_do_nothing(),
            [{"case_id": case_id, "role": role, "email": email} for role, email in sorted(new)],
        )


async def _add_audit(session: AsyncSession, entries: list[AuditEntry]) -> int:
    """Add the entries not recorded yet (a retried write finds them by their keys); returns how many were new."""
    added = 0
    if entries:
        statement = _insert(session)(AuditRow).on_conflict_do_nothing(index_elements=[AuditRow.case_id, AuditRow.event_key])
        for entry in entries:
            added += (await session.execute(statement.values(**entry.__dict__))).rowcount  # type: ignore[attr-defined]
    return added
