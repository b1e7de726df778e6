"""The outbox: every logical message to every recipient is sent at most once, and never lost.

One row per (idempotency key, recipient). For invitations the key is :func:`invitation_key`
(series UID, RECURRENCE-ID, SEQUENCE, METHOD, recipient); for notices :func:`notice_key`
(the workflow's idempotency key and the recipient). :func:`send_batch` is what the activities use
(through :mod:`integrations.invitations`), :func:`send_once` is the same for one message:

- the row is created ``pending`` (or found);
- a row that is ``sent`` returns at once, without sending: a retried activity sends nothing twice;
- a row that is ``failed`` (permanently refused) returns ``failed`` without sending again;
- ``pending`` and ``unknown`` rows are claimed for one attempt (a lease, so that two attempts of the
  same activity running at once cannot both send) and sent with the Message-ID stored by an
  earlier attempt (Message-IDs are deterministic, so the first attempt's is the same anyway);
- success marks ``sent``; :class:`PermanentMailError` marks ``failed`` and re-raises; so does a
  recipient no message can be made for (not an address, or one the mail library cannot write);
  :class:`DeliveryUnknownError` (connection broke after the message was handed over) marks
  ``unknown`` and re-raises; any other :class:`TransientMailError` leaves the row retryable and
  re-raises. The activity's retry policy does the rest.

A batch costs two transactions however many messages it holds: one creates and claims the rows,
one records every outcome after the last message was handed over. Their SQL exists once, in SQLAlchemy
Core for SQLite and PostgreSQL alike: :func:`_claim_statement` and :data:`_STATUSES`
(:func:`_claim_rows`), :func:`_record_statement` (:func:`_record_rows`); each runs in a write
transaction of :func:`integrations.db.run_write`.

At-least-once remains possible in one place: a message went out and the process died before the
row said so (for a batch: before the batch's outcomes were recorded). The retry then sends the same
message again, with the same Message-ID and the same UID/SEQUENCE, which calendars treat as the same
update.
"""

from __future__ import annotations

import asyncio
import email.errors
import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations import sanitize
from integrations.db import run_write, upsert_on
from integrations.schema import Base, OutboxMessage, OutboxStatus, UtcDateTime
from integrations.smtp import (
    AbandonedMailError,
    DeliveryUnknownError,
    MailError,
    PermanentMailError,
    SmtpSender,
    TransientMailError,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

LEASE_MARGIN = timedelta(seconds=30)


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


def invitation_key(series_uid: str, recurrence_id: str | None, sequence: int, method: str, recipient: str) -> str:
    """The idempotency key of one iMIP message to one recipient.

    ``recurrence_id`` as :func:`integrations.calendar.recurrence_key` writes it (None: the series)."""
    return f"itip:{series_uid}:{recurrence_id or '-'}:{sequence}:{method.upper()}:{recipient.lower()}"


def notice_key(idempotency_key: str, recipient: str) -> str:
    """The key of one notice to one recipient, from the workflow's idempotency key."""
    return f"notice:{idempotency_key}:{recipient.lower()}"


# --------------------------------------------------------------------------------------------------
# Sending


@dataclass(frozen=True)
class OutboxItem:
    """One message to one recipient, as :func:`send_batch` takes it (the arguments of
    :func:`send_once`)."""

    key: str
    recipient: str
    kind: str
    build: Callable[[], EmailMessage]
    series_uid: str | None = None
    recurrence_id: str | None = None
    sequence: int | None = None
    method: str | None = None


#: What :func:`send_batch` says of one item: ``sent`` or ``failed`` (now or before), or the mail
#: error :func:`send_once` would raise (:class:`PermanentMailError`, :class:`TransientMailError`).
Result = OutboxStatus | MailError

Pair = tuple[str, str]  # (key, recipient): one row


@dataclass
class _Claimed:
    """A row this attempt may send: claimed for it in the first transaction."""

    row_id: int
    item: OutboxItem
    stored_message_id: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def _error_text(exc: BaseException) -> str:
    return sanitize.one_line(f"{type(exc).__name__}: {exc}", limit=1000)


def _recipients(message: EmailMessage) -> list[str]:
    found = []
    for field in ("To", "Cc", "Bcc"):
        found += [addr.lower() for _name, addr in getaddresses([str(v) for v in message.get_all(field, [])])]
    return found


def _checked(item: OutboxItem) -> OutboxItem:
    if not item.key or len(item.key) > 400:
        raise ValueError("key must be 1-400 characters")
    try:
        recipient = sanitize.address(item.recipient).lower()
    except sanitize.InvalidAddressError:
        # Not one to send to: its row records that (see _build), the batch's other messages still go.
        recipient = sanitize.one_line(str(item.recipient), limit=254).lower()
    return replace(item, recipient=recipient, method=item.method.upper() if item.method else None)


#: What making a message for one recipient can raise when the address, or the message for it, is
#: one the mail library cannot write: a permanent failure for that recipient alone.
_UNBUILDABLE = (sanitize.InvalidAddressError, UnicodeError, email.errors.MessageError, email.errors.MessageDefect)


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
    item = OutboxItem(key, recipient, kind, build, series_uid, recurrence_id, sequence, method)
    (result,) = await send_batch(sessionmaker, sender, [item])
    if isinstance(result, MailError):
        raise result
    return result


async def send_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: SmtpSender,
    items: Sequence[OutboxItem],
    *,
    claim_until: datetime | None = None,
    final: bool = False,
) -> list[Result]:
    """:func:`send_once` for several messages in two transactions: one claims every row that still
    has to go, the messages are built and sent one after the other, one records every outcome.

    ``final``: this is the activity's last attempt, nothing will try again. A transient failure
    then becomes an :class:`AbandonedMailError` for its message: a ``pending`` row is marked
    ``failed`` (with the last error), an ``unknown`` one stays ``unknown`` (it may have arrived), and
    the others of the batch are still sent, so that the caller can tell HR instead of retrying.

    ``claim_until`` ends the claim earlier than sending every message would need: an activity
    passes the moment its attempt is cancelled (start-to-close timeout), after which the next
    attempt must be able to send what this one left, not wait for a lease of a dead worker.

    Returns one :data:`Result` per item, in order (an item listed twice gets the first one's).
    An error that is no mail error (a bug, a message built for someone else) stops the batch: the
    outcomes so far are recorded, the rows not sent are released, and the error is raised. So does
    cancelling the batch; the outcomes are recorded to the end even then.

    Messages sent but not yet recorded when the process dies are sent again by the retry (same
    Message-ID, same UID/SEQUENCE): at least once for the messages of one batch, as for one
    message before."""
    checked = [_checked(item) for item in items]
    if not checked:
        return []
    unique: dict[Pair, OutboxItem] = {}
    for item in checked:
        unique.setdefault((item.key, item.recipient), item)
    results, claimed = await _claim(
        sessionmaker, list(unique.values()), seconds_per_message=2 * sender.timeout, claim_until=claim_until
    )
    outcomes: list[_Outcome] = []
    try:
        await _send_claimed(sender, claimed, results, outcomes, final=final)
    finally:
        if outcomes:  # what went out must be recorded, even when the batch is cancelled meanwhile
            await asyncio.shield(
                _to_the_end(run_write(sessionmaker, functools.partial(_record_rows, outcomes=outcomes)))
            )
    if final:  # rows under another attempt's lease: that attempt of the same activity has ended
        for pair, result in results.items():
            if isinstance(result, TransientMailError):
                results[pair] = _abandoned(result)
    return [results[(item.key, item.recipient)] for item in checked]


def _abandoned(exc: TransientMailError) -> AbandonedMailError:
    """What a transient failure on the last attempt becomes (see :func:`send_batch`, ``final``)."""
    if isinstance(exc, DeliveryUnknownError):
        text = f"the connection broke while the message was handed over, on the last attempt; it may not have arrived ({exc})"
    else:
        text = f"not sent: still failing on the last attempt, not tried again ({exc})"
    return AbandonedMailError(text, recipients=exc.recipients, code=exc.code)


async def _claim(
    sessionmaker: async_sessionmaker[AsyncSession],
    items: Sequence[OutboxItem],
    *,
    seconds_per_message: float,
    claim_until: datetime | None = None,
) -> tuple[dict[Pair, Result], list[_Claimed]]:
    """Create the missing rows and claim those that may be sent now, in one transaction
    (:func:`_claim_rows`); what the others say.

    A claim is a lease (so that two attempts of the same activity running at once cannot both
    send); it covers waiting for a connection and sending every message of the batch (the sender
    bounds each wait and each send by its timeout), but not beyond ``claim_until``. A batch
    cancelled while its claim is being written gives back what the claim won."""
    until = _now() + LEASE_MARGIN + timedelta(seconds=seconds_per_message * len(items))
    if claim_until is not None:
        until = min(until, claim_until)
    claiming = _to_the_end(run_write(sessionmaker, functools.partial(_claim_rows, items=items, until=until)))
    try:
        won, statuses = await asyncio.shield(claiming)
    except asyncio.CancelledError:
        claiming.add_done_callback(functools.partial(_release_won, sessionmaker))
        raise
    results: dict[Pair, Result] = {}
    batch = []
    for item in items:  # in the order given
        pair = (item.key, item.recipient)
        status = statuses.get(pair)
        if pair in won:
            batch.append(_Claimed(won[pair].id, item, won[pair].message_id))
        elif status in (OutboxStatus.sent, OutboxStatus.failed):
            results[pair] = status
        else:  # pending or unknown, under another attempt's lease
            results[pair] = TransientMailError("another attempt is sending this message", recipients=[item.recipient])
    return results, batch


def _release_won(sessionmaker: async_sessionmaker[AsyncSession], claiming: asyncio.Task[_Claim]) -> None:
    """The batch was cancelled while its claim was being written: give back the rows it won."""
    if claiming.cancelled() or claiming.exception() is not None:
        return
    won, _statuses = claiming.result()
    if won:
        outcomes = [_Outcome(row.id, {}) for row in won.values()]
        releasing = _to_the_end(run_write(sessionmaker, functools.partial(_record_rows, outcomes=outcomes)))
        releasing.add_done_callback(_log_failed_release)


def _log_failed_release(releasing: asyncio.Task[None]) -> None:
    if not releasing.cancelled() and (error := releasing.exception()) is not None:
        logger.warning("could not release the outbox rows of a cancelled batch; their lease runs out", exc_info=error)


_RUNNING: set[asyncio.Task[Any]] = set()


def _to_the_end(coroutine: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """``coroutine`` as a task that a cancelled caller does not stop (the caller awaits it through
    :func:`asyncio.shield`), referenced here until it is done."""
    task = asyncio.get_running_loop().create_task(coroutine)
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return task


def _new_row(item: OutboxItem, now: datetime, claimed_until: datetime) -> dict[str, Any]:
    """The row to insert for ``item``, already claimed until ``claimed_until``."""
    return dict(
        key=item.key,
        recipient=item.recipient,
        kind=item.kind,
        series_uid=item.series_uid,
        recurrence_id=item.recurrence_id,
        sequence=item.sequence,
        method=item.method,
        status=OutboxStatus.pending.value,
        attempts=1,
        claimed_until=claimed_until,
        created_at=now,
        updated_at=now,
    )


async def _send_claimed(
    sender: SmtpSender,
    batch: Sequence[_Claimed],
    results: dict[Pair, Result],
    outcomes: list[_Outcome],
    *,
    final: bool = False,
) -> None:
    """Build and send each claimed message; note every outcome in ``outcomes`` as it happens."""
    for position, claim in enumerate(batch):
        pair = (claim.item.key, claim.item.recipient)
        try:
            message = _build(claim)
        except _UNBUILDABLE as exc:
            error = PermanentMailError(
                f"no message can be made for this address: {type(exc).__name__}: {exc}", recipients=[pair[1]]
            )
            outcomes.append(_outcome(claim, {}, error, status=OutboxStatus.failed))
            results[pair] = error
            continue
        except BaseException:
            outcomes += [_released(rest) for rest in batch[position:]]
            raise
        fields = {"message_id": str(message["Message-ID"]), "subject": _subject(message)}
        try:
            await sender.send(message)
        except PermanentMailError as exc:
            outcomes.append(_outcome(claim, fields, exc, status=OutboxStatus.failed))
            results[pair] = exc
        except DeliveryUnknownError as exc:
            outcomes.append(_outcome(claim, fields, exc, status=OutboxStatus.unknown))
            results[pair] = _abandoned(exc) if final else exc
        except TransientMailError as exc:
            if final:
                abandoned = _abandoned(exc)
                outcomes.append(_outcome(claim, fields, abandoned, status=OutboxStatus.failed))
                results[pair] = abandoned
            else:
                outcomes.append(_outcome(claim, fields, exc, status=None))
                results[pair] = exc
        except asyncio.CancelledError:
            # This message's lease simply runs out; the next attempt sends it again.
            outcomes += [_released(rest) for rest in batch[position + 1 :]]
            raise
        except Exception as exc:
            # Not a mail error: a bug or an unexpected library error. We cannot tell whether anything
            # left, so say so; the lease is released and a retry sends again.
            outcomes.append(_outcome(claim, fields, exc, status=OutboxStatus.unknown, code=False))
            outcomes += [_released(rest) for rest in batch[position + 1 :]]
            raise
        else:
            outcomes.append(_sent(claim, fields))
            results[pair] = OutboxStatus.sent


def _build(claim: _Claimed) -> EmailMessage:
    sanitize.address(claim.item.recipient)  # raises InvalidAddressError for one _checked let through
    message = claim.item.build()
    recipients = _recipients(message)
    if claim.item.recipient not in recipients or len(set(recipients)) != 1:
        raise ValueError(f"the built message must go to {claim.item.recipient} and nobody else")
    if claim.stored_message_id:
        del message["Message-ID"]
        message["Message-ID"] = claim.stored_message_id
    elif not message["Message-ID"]:
        raise ValueError("the built message needs a Message-ID (use integrations.mail)")
    return message


def _subject(message: EmailMessage) -> str:
    return sanitize.one_line(str(message.get("Subject", "")), limit=200)


@dataclass(frozen=True)
class _Outcome:
    """What to write into one row after its attempt (besides releasing the claim)."""

    row_id: int
    values: dict[str, Any]


def _released(claim: _Claimed) -> _Outcome:
    """Nothing was sent: give the row back for the next attempt, as it was."""
    return _Outcome(claim.row_id, {})


def _sent(claim: _Claimed, fields: dict[str, str]) -> _Outcome:
    return _Outcome(
        claim.row_id,
        {**fields, "status": OutboxStatus.sent.value, "sent_at": _now(), "last_error": None, "error_code": None},
    )


def _outcome(
    claim: _Claimed, fields: dict[str, str], exc: Exception, *, status: OutboxStatus | None, code: bool = True
) -> _Outcome:
    """A failed attempt: ``status`` failed/unknown, or None to leave the row retryable as it is."""
    values: dict[str, Any] = {**fields, "last_error": _error_text(exc)}
    if code:
        values["error_code"] = getattr(exc, "code", None)
    if status is not None:
        values["status"] = status.value
    return _Outcome(claim.row_id, values)


# --------------------------------------------------------------------------------------------------
# The SQL that exactly-once rests on, once, in SQLAlchemy Core (SQLite and PostgreSQL alike)


@dataclass(frozen=True)
class _Row:
    """A row a claim won."""

    id: int
    message_id: str | None


#: What a claim says: the rows it won, and the status of the others.
_Claim = tuple[dict[Pair, _Row], dict[Pair, OutboxStatus]]

_TABLE = Base.metadata.tables[OutboxMessage.__tablename__]


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """INSERT the rows already claimed; ON CONFLICT claim the existing row if it may be sent now
    (``pending`` or ``unknown``, and no other attempt's lease running). RETURNING gives the rows
    this attempt holds. Made once per dialect (building a statement costs more than running it)."""
    table = _TABLE
    insert = upsert_on(dialect)(table)
    claimable = (
        # (no IN: its expanding parameter cannot be used with several rows at once)
        ((table.c.status == OutboxStatus.pending.value) | (table.c.status == OutboxStatus.unknown.value))
        & (table.c.claimed_until.is_(None) | (table.c.claimed_until < insert.excluded.updated_at))
    )
    return insert.on_conflict_do_update(
        index_elements=["key", "recipient"],
        set_={
            "claimed_until": insert.excluded.claimed_until,
            "attempts": table.c.attempts + 1,
            "updated_at": insert.excluded.updated_at,
        },
        where=claimable,
    ).returning(table.c.id, table.c.key, table.c.recipient, table.c.message_id)


_STATUSES = select(_TABLE.c.key, _TABLE.c.recipient, _TABLE.c.status).where(
    tuple_(_TABLE.c.key, _TABLE.c.recipient).in_(bindparam("pairs", expanding=True))
)


@functools.cache
def _record_statement(columns: tuple[str, ...]) -> Any:
    """UPDATE one row by id: the given columns, the claim released. Made once per set of columns."""
    return (
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("b_row_id"))
        .values(
            **{name: bindparam(f"b_{name}", type_=_TABLE.c[name].type) for name in columns},
            claimed_until=None,
            updated_at=bindparam("b_updated_at", type_=UtcDateTime()),
        )
    )


def _claim_rows(connection: Connection, *, items: Sequence[OutboxItem], until: datetime) -> _Claim:
    """The claim's transaction: one INSERT .. ON CONFLICT DO UPDATE .. WHERE claimable .. RETURNING
    for every item, then a SELECT of the status of the rows it did not win (if any)."""
    now = _now()
    rows = sorted((_new_row(item, now, until) for item in items), key=lambda row: (row["key"], row["recipient"]))
    claimed = connection.execute(_claim_statement(connection.dialect.name), rows)
    won = {(row.key, row.recipient): _Row(row.id, row.message_id) for row in claimed}
    others = [(item.key, item.recipient) for item in items if (item.key, item.recipient) not in won]
    statuses: dict[Pair, OutboxStatus] = {}
    if others:
        found = connection.execute(_STATUSES, {"pairs": others})
        statuses = {(row.key, row.recipient): OutboxStatus(row.status) for row in found}
    return won, statuses


def _record_rows(connection: Connection, *, outcomes: Sequence[_Outcome]) -> None:
    """The record's transaction: an UPDATE by id per outcome (executemany per set of columns), each
    releasing the row's claim."""
    now = _now()
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for outcome in outcomes:
        by_columns.setdefault(tuple(sorted(outcome.values)), []).append(
            {
                **{f"b_{name}": value for name, value in outcome.values.items()},
                "b_row_id": outcome.row_id,
                "b_updated_at": now,
            }
        )
    for columns, rows in by_columns.items():
        connection.execute(_record_statement(columns), rows)


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
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.key == key,
            OutboxMessage.recipient == recipient.lower(),
            OutboxMessage.status == OutboxStatus.failed.value,
        )
        .values(status=OutboxStatus.pending.value, updated_at=_now())
    )

    def put_back(connection: Connection) -> bool:
        return connection.execute(statement).rowcount == 1

    return await run_write(sessionmaker, put_back)


__all__ = [
    "OutboxEntry",
    "OutboxItem",
    "OutboxMessage",
    "OutboxStatus",
    "Result",
    "get_outbox_entry",
    "invitation_key",
    "list_outbox",
    "notice_key",
    "retry_failed",
    "send_batch",
    "send_once",
]
