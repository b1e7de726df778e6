"""The SQL read model: cases as people search them, and the audit trail mirrored from the workflows.

The workflow's history stays the authoritative record; these tables are written by activities
(idempotently, so a retried activity changes nothing twice) and read by the web app.
No health data: a case row holds who, when and which phase, nothing about the illness.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint, select
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
            row = await session.get(CaseRow, record.case_id)
            if row is None:
                session.add(CaseRow(**record.__dict__))
                return
            for field, value in record.__dict__.items():
                setattr(row, field, value)
            row.updated_at = _utcnow()

    async def set_phase(self, case_id: str, phase: str, next_deadline: date | None) -> None:
        async with self._sessionmaker.begin() as session:
            row = await session.get(CaseRow, case_id)
            if row is None:
                raise LookupError(f"case {case_id} is not in the store")
            row.phase = phase
            row.next_deadline = next_deadline
            row.updated_at = _utcnow()

    async def get_case(self, case_id: str) -> CaseRow | None:
        async with self._sessionmaker() as session:
            return await session.get(CaseRow, case_id)

    async def list_cases(self, *, manager_email: str | None = None, limit: int = 500) -> list[CaseRow]:
        query = select(CaseRow).order_by(CaseRow.opened_at.desc()).limit(limit)
        if manager_email is not None:
            query = query.where(CaseRow.manager_email == manager_email)
        async with self._sessionmaker() as session:
            return list((await session.scalars(query)).all())

    async def append_audit(self, entry: AuditEntry) -> bool:
        """Record one step; returns False when it was already recorded (a retried activity)."""
        async with self._sessionmaker.begin() as session:
            existing = await session.scalar(
                select(AuditRow.id).where(
                    AuditRow.case_id == entry.case_id, AuditRow.event_key == entry.event_key
                )
            )
            if existing is not None:
                return False
            session.add(AuditRow(**entry.__dict__))
            return True

    async def audit_trail(self, case_id: str) -> list[AuditRow]:
        query = select(AuditRow).where(AuditRow.case_id == case_id).order_by(AuditRow.at, AuditRow.id)
        async with self._sessionmaker() as session:
            return list((await session.scalars(query)).all())
