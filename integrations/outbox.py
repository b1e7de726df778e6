"""The outbox: every logical message to every recipient is sent at most once, and never lost.

One row per (idempotency key, recipient). For invitations the key is :func:`invitation_key`
(series UID, RECURRENCE-ID, SEQUENCE, METHOD, recipient); for notices :func:`notice_key`
(the workflow's idempotency key and the recipient). :func:`send_once` is what an activity calls:

- the row is created ``pending`` (or found);
- a row that is ``sent`` returns at once, without sending: a retried activity sends nothing twice;
- a row that is ``failed`` (permanently refused) returns ``failed`` without sending again;
- ``pending`` and ``unknown`` rows are claimed for one attempt (a lease, so that two attempts of the
  same activity running at once cannot both send) and sent with the Message-ID stored on the first
  attempt;
- success marks ``sent``; :class:`PermanentMailError` marks ``failed`` and re-raises;
  :class:`DeliveryUnknownError` (connection broke after the message was handed over) marks
  ``unknown`` and re-raises; any other :class:`TransientMailError` leaves the row retryable and
  re-raises. The activity's retry policy does the rest.

At-least-once remains possible in one place: the message went out and the process died before the
row said so. The retry then sends the same message again, with the same Message-ID and the same
UID/SEQUENCE, which calendars treat as the same update.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, TypeDecorator, UniqueConstraint, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from integrations import sanitize
from integrations.db import Base
from integrations.smtp import (
    DeliveryUnknownError,
    PermanentMailError,
    SmtpSender,
    TransientMailError,
)

LEASE_MARGIN = timedelta(seconds=30)


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"
    unknown = "unknown"


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on SQLite (stored naive, UTC) and PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("key", "recipient", name="uq_outbox_key_recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    recipient: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(64))
    series_uid: Mapped[str | None] = mapped_column(String(128), index=True)
    recurrence_id: Mapped[str | None] = mapped_column(String(32))
    sequence: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.pending.value, index=True)
    message_id: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class OutboxEntry:
    """A row of the outbox as the web's /outbox view and auditors see it (no message bodies)."""

    id: int
    key: str
    recipient: str
    kind: str
    status: OutboxStatus
    series_uid: str | None
    recurrence_id: str | None
    sequence: int | None
    method: str | None
    message_id: str | None
    subject: str | None
    attempts: int
    last_error: str | None
    error_code: int | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


def _entry(row: OutboxMessage) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        key=row.key,
        recipient=row.recipient,
        kind=row.kind,
        status=OutboxStatus(row.status),
        series_uid=row.series_uid,
        recurrence_id=row.recurrence_id,
        sequence=row.sequence,
        method=row.method,
        message_id=row.message_id,
        subject=row.subject,
        attempts=row.attempts,
        last_error=row.last_error,
        error_code=row.error_code,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sent_at=row.sent_at,
    )


# --------------------------------------------------------------------------------------------------
# Keys


def invitation_key(
    series_uid: str, recurrence_id: str | None, sequence: int, method: str, recipient: str
) -> str:
    """The idempotency key of one iMIP message to one recipient.

    ``recurrence_id`` as :func:`integrations.calendar.recurrence_key` writes it (None: the series)."""
    return f"itip:{series_uid}:{recurrence_id or '-'}:{sequence}:{method.upper()}:{recipient.lower()}"


def notice_key(idempotency_key: str, recipient: str) -> str:
    """The key of one notice to one recipient, from the workflow's idempotency key."""
    return f"notice:{idempotency_key}:{recipient.lower()}"


# --------------------------------------------------------------------------------------------------
# Sending


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _error_text(exc: BaseException) -> str:
    return sanitize.one_line(f"{type(exc).__name__}: {exc}", limit=1000)


def _insert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def _row(session: AsyncSession, key: str, recipient: str) -> OutboxMessage:
    result = await session.execute(
        select(OutboxMessage).where(OutboxMessage.key == key, OutboxMessage.recipient == recipient)
    )
    return result.scalar_one()


async def _update(sessionmaker: async_sessionmaker[AsyncSession], row_id: int, **values: Any) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(updated_at=_now(), **values))


def _recipients(message: EmailMessage) -> list[str]:
    found = []
    for field in ("To", "Cc", "Bcc"):
        found += [addr.lower() for _name, addr in getaddresses([str(v) for v in message.get_all(field, [])])]
    return found


async def send_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: SmtpSender,
    *,
    key: str,
    recipient: str,
    kind: str,
    build: Callable[[], EmailMessage],
    series_uid: str | None = None,
    recurrence_id: str | None = None,
    sequence: int | None = None,
    method: str | None = None,
) -> OutboxStatus:
    """Send the message ``build()`` makes to ``recipient`` unless the outbox says it was sent.

    Returns ``sent`` (now or before) or ``failed`` (refused permanently before); raises
    :class:`PermanentMailError` (row now ``failed``) or :class:`TransientMailError` (row ``pending``,
    or ``unknown`` for :class:`DeliveryUnknownError`)."""
    if not key or len(key) > 400:
        raise ValueError("key must be 1-400 characters")
    recipient = sanitize.address(recipient).lower()
    now = _now()
    async with sessionmaker() as session, session.begin():
        statement = (
            _insert(session)(OutboxMessage)
            .values(
                key=key,
                recipient=recipient,
                kind=kind,
                series_uid=series_uid,
                recurrence_id=recurrence_id,
                sequence=sequence,
                method=method.upper() if method else None,
                status=OutboxStatus.pending.value,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key", "recipient"])
        )
        await session.execute(statement)
        row = await _row(session, key, recipient)
        row_id = row.id
        status = OutboxStatus(row.status)
        if status in (OutboxStatus.sent, OutboxStatus.failed):
            return status
        # Claim the row for this attempt. A concurrent attempt holding an unexpired lease wins.
        lease = now + timedelta(seconds=sender.timeout) + LEASE_MARGIN
        claimed = await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.status.in_([OutboxStatus.pending.value, OutboxStatus.unknown.value]),
                (OutboxMessage.claimed_until.is_(None)) | (OutboxMessage.claimed_until < now),
            )
            .values(claimed_until=lease, attempts=OutboxMessage.attempts + 1, updated_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise TransientMailError("another attempt is sending this message", recipients=[recipient])
        stored_message_id = row.message_id

    try:
        message = build()
        if recipient not in _recipients(message) or len(set(_recipients(message))) != 1:
            raise ValueError(f"the built message must go to {recipient} and nobody else")
        if stored_message_id:
            del message["Message-ID"]
            message["Message-ID"] = stored_message_id
        elif not message["Message-ID"]:
            raise ValueError("the built message needs a Message-ID (use integrations.mail)")
        message_id = str(message["Message-ID"])
        subject = sanitize.one_line(str(message.get("Subject", "")), limit=200)
        if not stored_message_id:
            await _update(sessionmaker, row_id, message_id=message_id, subject=subject)
    except BaseException:
        await _update(sessionmaker, row_id, claimed_until=None)
        raise

    try:
        await sender.send(message)
    except PermanentMailError as exc:
        await _update(
            sessionmaker, row_id, status=OutboxStatus.failed.value, claimed_until=None,
            last_error=_error_text(exc), error_code=exc.code,
        )
        raise
    except DeliveryUnknownError as exc:
        await _update(
            sessionmaker, row_id, status=OutboxStatus.unknown.value, claimed_until=None,
            last_error=_error_text(exc), error_code=exc.code,
        )
        raise
    except TransientMailError as exc:
        await _update(sessionmaker, row_id, claimed_until=None, last_error=_error_text(exc), error_code=exc.code)
        raise
    except Exception as exc:
        # Not a mail error: a bug or an unexpected library error. We cannot tell whether anything
        # left, so say so; the lease is released and a retry sends again.
        await _update(
            sessionmaker, row_id, status=OutboxStatus.unknown.value, claimed_until=None, last_error=_error_text(exc)
        )
        raise
    # (On cancellation the lease simply runs out; the next attempt sends again.)
    await _update(
        sessionmaker, row_id, status=OutboxStatus.sent.value, sent_at=_now(), claimed_until=None,
        last_error=None, error_code=None,
    )
    return OutboxStatus.sent


# --------------------------------------------------------------------------------------------------
# Reading


async def list_outbox(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    limit: int = 200,
    status: OutboxStatus | None = None,
    series_uid: str | None = None,
    recipient: str | None = None,
) -> list[OutboxEntry]:
    """The newest rows first, optionally filtered."""
    statement = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(max(1, min(limit, 10_000)))
    if status is not None:
        statement = statement.where(OutboxMessage.status == OutboxStatus(status).value)
    if series_uid is not None:
        statement = statement.where(OutboxMessage.series_uid == series_uid)
    if recipient is not None:
        statement = statement.where(OutboxMessage.recipient == recipient.lower())
    async with sessionmaker() as session:
        rows = (await session.execute(statement)).scalars().all()
    return [_entry(row) for row in rows]


async def get_outbox_entry(
    sessionmaker: async_sessionmaker[AsyncSession], *, key: str, recipient: str
) -> OutboxEntry | None:
    async with sessionmaker() as session:
        result = await session.execute(
            select(OutboxMessage).where(OutboxMessage.key == key, OutboxMessage.recipient == recipient.lower())
        )
        row = result.scalar_one_or_none()
    return None if row is None else _entry(row)


async def retry_failed(sessionmaker: async_sessionmaker[AsyncSession], *, key: str, recipient: str) -> bool:
    """Put a ``failed`` row back to ``pending`` (after HR corrected the problem); the next
    :func:`send_once` with the same key sends it. Returns whether a row changed."""
    async with sessionmaker() as session, session.begin():
        result = await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.key == key,
                OutboxMessage.recipient == recipient.lower(),
                OutboxMessage.status == OutboxStatus.failed.value,
            )
            .values(status=OutboxStatus.pending.value, updated_at=_now())
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


__all__ = [
    "OutboxEntry",
    "OutboxMessage",
    "OutboxStatus",
    "get_outbox_entry",
    "invitation_key",
    "list_outbox",
    "notice_key",
    "retry_failed",
    "send_once",
]


# create_schema() imports this module to register the outbox table; the feed tokens live in
# integrations.feeds, which imports UtcDateTime from here, so register them from here as well.
from integrations import feeds as _feeds  # noqa: E402,F401
