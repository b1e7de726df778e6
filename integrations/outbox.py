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
- success marks ``sent``; :class:`PermanentMailError` marks ``failed`` and re-raises;
  :class:`DeliveryUnknownError` (connection broke after the message was handed over) marks
  ``unknown`` and re-raises; any other :class:`TransientMailError` leaves the row retryable and
  re-raises. The activity's retry policy does the rest.

A batch costs two transactions however many messages it holds: one creates and claims the rows,
one records every outcome after the last message was handed over.

At-least-once remains possible in one place: a message went out and the process died before the
row said so (for a batch: before the batch's outcomes were recorded). The retry then sends the same message again, with the same Message-ID and the same
UID/SEQUENCE, which calendars treat as the same update.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import sqlite3
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    bindparam,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from integrations import sanitize
from integrations.db import engine_of, sqlite_write, upsert_on
from integrations.schema import OutboxMessage, OutboxStatus, UtcDateTime
from integrations.smtp import (
    DeliveryUnknownError,
    MailError,
    PermanentMailError,
    SmtpSender,
    TransientMailError,
)

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


@dataclass
class _Claimed:
    """A row this attempt may send: claimed for it in the first transaction."""

    row_id: int
    item: OutboxItem
    stored_message_id: str | None


def _now() -> datetime:
    return datetime.now(timezone.utc)


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
    return replace(item, recipient=sanitize.address(item.recipient).lower(), method=item.method.upper() if item.method else None)


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
    sessionmaker: async_sessionmaker[AsyncSession], sender: SmtpSender, items: Sequence[OutboxItem],
    *, claim_until: datetime | None = None,
) -> list[Result]:
    """:func:`send_once` for several messages in two transactions: one claims every row that still
    has to go, the messages are built and sent one after the other, one records every outcome.

    ``claim_until`` ends the claim earlier than sending every message would need: an activity
    passes the moment its attempt is cancelled (start-to-close timeout), after which the next
    attempt must be able to send what this one left, not wait for a lease of a dead worker.

    Returns one :data:`Result` per item, in order (an item listed twice gets the first one's).
    An error that is no mail error (a bug, a message built for someone else) stops the batch: the
    outcomes so far are recorded, the rows not sent are released, and the error is raised.

    Messages sent but not yet recorded when the process dies are sent again by the retry (same
    Message-ID, same UID/SEQUENCE): at least once for the messages of one batch, as for one
    message before."""
    checked = [_checked(item) for item in items]
    if not checked:
        return []
    unique: dict[tuple[str, str], OutboxItem] = {}
    for item in checked:
        unique.setdefault((item.key, item.recipient), item)
    writer = _writer(sessionmaker)
    results, claimed = await _claim(writer, list(unique.values()), seconds_per_message=2 * sender.timeout, claim_until=claim_until)
    outcomes: list[_Outcome] = []
    try:
        await _send_claimed(sender, claimed, results, outcomes)
    finally:
        if outcomes:
            await writer.record(outcomes)
    return [results[(item.key, item.recipient)] for item in checked]


async def _claim(
    writer: _Writer, items: Sequence[OutboxItem], *, seconds_per_message: float, claim_until: datetime | None = None
) -> tuple[dict[tuple[str, str], Result], list[_Claimed]]:
    """Create the missing rows and claim those that may be sent now (see :class:`_Writer`).

    A claim is a lease (so that two attempts of the same activity running at once cannot both
    send); it covers waiting for a connection and sending every message of the batch (the sender
    bounds each wait and each send by its timeout), but not beyond ``claim_until``."""
    until = _now() + LEASE_MARGIN + timedelta(seconds=seconds_per_message * len(items))
    if claim_until is not None:
        until = min(until, claim_until)
    won, statuses = await writer.claim(items, until)
    results: dict[tuple[str, str], Result] = {}
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


def _new_row(item: OutboxItem, now: datetime, claimed_until: datetime) -> dict[str, Any]:
    """The row to insert for ``item``, already claimed until ``claimed_until``."""
    return dict(
        key=item.key, recipient=item.recipient, kind=item.kind, series_uid=item.series_uid,
        recurrence_id=item.recurrence_id, sequence=item.sequence, method=item.method,
        status=OutboxStatus.pending.value, attempts=1, claimed_until=claimed_until, created_at=now, updated_at=now,
    )  # fmt: skip


async def _send_claimed(
    sender: SmtpSender, batch: Sequence[_Claimed], results: dict[tuple[str, str], Result], outcomes: list[_Outcome]
) -> None:
    """Build and send each claimed message; note every outcome in ``outcomes`` as it happens."""
    for position, claim in enumerate(batch):
        pair = (claim.item.key, claim.item.recipient)
        try:
            message = _build(claim)
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
            results[pair] = exc
        except TransientMailError as exc:
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
# Group commit: the claims and outcomes of concurrent batches share transactions


Pair = tuple[str, str]  # (key, recipient): one row


#: A claim's answer: the rows this batch holds now, and the status of the others (None: another
#: attempt holds the row).
_Answer = tuple[dict[Pair, "_Row"], dict[Pair, OutboxStatus | None]]


@dataclass
class _ClaimRequest:
    items: Sequence[OutboxItem]
    until: datetime
    future: asyncio.Future[_Answer]


@dataclass
class _RecordRequest:
    outcomes: Sequence[_Outcome]
    future: asyncio.Future[None]


class _Writer:
    """Writes the claims and outcomes of every batch of one store, on one event loop.

    A batch waits for its own claim and its own outcomes to be committed, as before; but what
    concurrent batches ask for while a transaction is running goes into the next transaction
    together (group commit). Alone, a batch costs two transactions; with many batches in flight
    (a worker running many activities) far fewer per message, which matters on SQLite, where the
    process has one connection and every statement is a hop to its thread."""

    def __init__(self, engine: AsyncEngine, loop: asyncio.AbstractEventLoop) -> None:
        self._engine = engine
        self._write = _write_sqlite if engine.dialect.name == "sqlite" else _write_core
        self.loop = loop
        self._claims: list[_ClaimRequest] = []
        self._records: list[_RecordRequest] = []
        self._flusher: asyncio.Task[None] | None = None

    async def claim(self, items: Sequence[OutboxItem], until: datetime) -> _Answer:
        """(rows claimed for this batch, the status of the others: None when leased to another)."""
        request = _ClaimRequest(items, until, self.loop.create_future())
        self._claims.append(request)
        self._kick()
        try:
            return await asyncio.shield(request.future)
        except asyncio.CancelledError:
            request.future.add_done_callback(self._release_unused)
            raise

    async def record(self, outcomes: Sequence[_Outcome]) -> None:
        """Write the outcomes; runs to the end even if the caller is cancelled meanwhile (what went
        out must be recorded)."""
        request = _RecordRequest(outcomes, self.loop.create_future())
        self._records.append(request)
        self._kick()
        await asyncio.shield(request.future)

    def _release_unused(self, future: asyncio.Future[_Answer]) -> None:
        """The batch was cancelled while its claim was being written: give the rows back."""
        if future.cancelled() or future.exception() is not None:
            return
        won, _statuses = future.result()
        if won:
            released = self.loop.create_future()
            released.add_done_callback(lambda f: f.cancelled() or f.exception())  # nobody awaits it
            self._records.append(_RecordRequest([_Outcome(row.id, {}) for row in won.values()], released))
            self._kick()

    def _kick(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = self.loop.create_task(self._run())

    async def _run(self) -> None:
        while self._claims or self._records:
            claims, self._claims = self._claims, []
            records, self._records = self._records, []
            try:
                await self._flush(claims, records)
            except Exception as exc:  # the batches waiting for this transaction raise it
                for request in (*claims, *records):
                    if not request.future.done():
                        request.future.set_exception(exc)
            except BaseException:  # the loop is going away
                for request in (*claims, *records):
                    request.future.cancel()
                raise

    async def _flush(self, claims: list[_ClaimRequest], records: list[_RecordRequest]) -> None:
        plan = _FlushPlan(claims, [outcome for request in records for outcome in request.outcomes])
        won, statuses = await self._write(self._engine, plan)
        for request in records:
            request.future.set_result(None)
        for request, answer in zip(claims, plan.answers(won, statuses), strict=True):
            if not request.future.done():
                request.future.set_result(answer)


_WRITERS: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], _Writer] = weakref.WeakKeyDictionary()


def _writer(sessionmaker: async_sessionmaker[AsyncSession]) -> _Writer:
    loop = asyncio.get_running_loop()
    writer = _WRITERS.get(sessionmaker)
    if writer is None or writer.loop is not loop:
        writer = _WRITERS[sessionmaker] = _Writer(engine_of(sessionmaker), loop)
    return writer


@dataclass(frozen=True)
class _Row:
    """A row a claim won."""

    id: int
    message_id: str | None


class _FlushPlan:
    """What one transaction writes: the outcomes (first: a row released here may be claimed again
    by a claim of the same transaction), then the claims. A row asked for by two claims goes to
    the first; the other learns that another attempt holds it."""

    def __init__(self, claims: Sequence[_ClaimRequest], outcomes: Sequence[_Outcome]) -> None:
        self.claims = claims
        self.now = _now()
        self.outcomes_by_columns: dict[tuple[str, ...], list[_Outcome]] = {}
        for outcome in outcomes:
            self.outcomes_by_columns.setdefault(tuple(sorted(outcome.values)), []).append(outcome)
        self.owner: dict[Pair, int] = {}
        self.rows: list[dict[str, Any]] = []
        for number, request in enumerate(claims):
            for item in request.items:
                if self.owner.setdefault((item.key, item.recipient), number) == number:
                    self.rows.append(_new_row(item, self.now, request.until))

    def unclaimed(self, won: dict[Pair, _Row]) -> list[Pair]:
        return [pair for pair in self.owner if pair not in won]

    def answers(self, won: dict[Pair, _Row], statuses: dict[Pair, OutboxStatus]) -> list[_Answer]:
        result = []
        for number, request in enumerate(self.claims):
            mine: dict[Pair, _Row] = {}
            theirs: dict[Pair, OutboxStatus | None] = {}
            for item in request.items:
                pair = (item.key, item.recipient)
                if pair in won and self.owner[pair] == number:
                    mine[pair] = won[pair]
                else:
                    theirs[pair] = None if pair in won else statuses.get(pair)
            result.append((mine, theirs))
        return result


# -- PostgreSQL (and any other database): SQLAlchemy Core


async def _write_core(engine: AsyncEngine, plan: _FlushPlan) -> tuple[dict[Pair, _Row], dict[Pair, OutboxStatus]]:
    """One transaction: executemany UPDATEs of the outcomes, one INSERT .. ON CONFLICT DO UPDATE ..
    RETURNING for the claims, a SELECT of the rows not claimed (if any)."""
    table = OutboxMessage.__table__
    won: dict[Pair, _Row] = {}
    statuses: dict[Pair, OutboxStatus] = {}
    async with engine.begin() as connection:
        for columns, outcomes in plan.outcomes_by_columns.items():
            rows = [
                {**{f"b_{name}": value for name, value in outcome.values.items()}, "b_row_id": outcome.row_id,
                 "b_updated_at": plan.now}
                for outcome in outcomes
            ]  # fmt: skip
            await connection.execute(_record_statement(columns), rows)
        if plan.rows:
            result = await connection.execute(_claim_statement(connection.dialect.name), plan.rows)
            won = {(row.key, row.recipient): _Row(row.id, row.message_id) for row in result}
        unclaimed = plan.unclaimed(won)
        if unclaimed:
            found = await connection.execute(
                select(table.c.key, table.c.recipient, table.c.status).where(
                    tuple_(table.c.key, table.c.recipient).in_(unclaimed)
                )
            )
            statuses = {(row.key, row.recipient): OutboxStatus(row.status) for row in found}
    return won, statuses


@functools.cache
def _claim_statement(dialect: str) -> Any:
    """INSERT the rows already claimed; ON CONFLICT claim the existing row if it may be sent now.
    RETURNING gives the rows this attempt holds. Made once per dialect (building a statement costs
    more than running it)."""
    table = OutboxMessage.__table__
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


@functools.cache
def _record_statement(columns: tuple[str, ...]) -> Any:
    """UPDATE one row by id: the given columns, the claim released. Made once per set of columns."""
    table = OutboxMessage.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("b_row_id"))
        .values(
            **{name: bindparam(f"b_{name}", type_=table.c[name].type) for name in columns},
            claimed_until=None,
            updated_at=bindparam("b_updated_at", type_=UtcDateTime()),
        )
    )


# -- SQLite: the same statements, straight to the driver
#
# Through SQLAlchemy every statement is four hops to aiosqlite's thread (cursor, execute, fetch,
# close) plus the statement machinery, which made the outbox cost more than building and sending the
# message. Here a transaction is one hop per statement and one for COMMIT, on the pool's connection
# (so it queues with every other user of the store as before). The SQL is the SQLite form of the
# Core statements above; the timestamps are written as SQLAlchemy writes them.

_SQLITE_CHUNK = 500  # rows per multi-row INSERT (SQLite allows 32,766 parameters)
_SQLITE_CLAIM_COLUMNS = ("key", "recipient", "kind", "series_uid", "recurrence_id", "sequence", "method", "status",
                         "attempts", "claimed_until", "created_at", "updated_at")  # fmt: skip
_SQLITE_CLAIM = (
    "INSERT INTO outbox ({columns}) VALUES {values} "
    "ON CONFLICT (key, recipient) DO UPDATE SET claimed_until = excluded.claimed_until, "
    "attempts = outbox.attempts + 1, updated_at = excluded.updated_at "
    "WHERE outbox.status IN ('pending', 'unknown') "
    "AND (outbox.claimed_until IS NULL OR outbox.claimed_until < excluded.updated_at) "
    "RETURNING id, key, recipient, message_id"
)
_SQLITE_STATUS = "SELECT key, recipient, status FROM outbox WHERE (key, recipient) IN (VALUES {values})"


async def _write_sqlite(engine: AsyncEngine, plan: _FlushPlan) -> tuple[dict[Pair, _Row], dict[Pair, OutboxStatus]]:
    """:func:`_write_core` on SQLite, in one hop to the driver's thread (:func:`integrations.db.sqlite_write`)."""
    stamp = UtcDateTime().bind_processor(engine.dialect)
    assert stamp is not None
    return await sqlite_write(engine, functools.partial(_write_sqlite_rows, plan=plan, stamp=stamp))


def _write_sqlite_rows(
    connection: sqlite3.Connection, *, plan: _FlushPlan, stamp: Callable[[Any], Any]
) -> tuple[dict[Pair, _Row], dict[Pair, OutboxStatus]]:
    won: dict[Pair, _Row] = {}
    statuses: dict[Pair, OutboxStatus] = {}
    for columns, outcomes in plan.outcomes_by_columns.items():
        connection.executemany(*_sqlite_record(columns, outcomes, plan.now, stamp))
    for start in range(0, len(plan.rows), _SQLITE_CHUNK):
        for row in connection.execute(*_sqlite_claim(plan.rows[start : start + _SQLITE_CHUNK], stamp)).fetchall():
            won[(row[1], row[2])] = _Row(row[0], row[3])
    unclaimed = plan.unclaimed(won)
    for start in range(0, len(unclaimed), _SQLITE_CHUNK):
        chunk = unclaimed[start : start + _SQLITE_CHUNK]
        sql = _SQLITE_STATUS.format(values=", ".join(["(?, ?)"] * len(chunk)))
        for key, recipient, status in connection.execute(sql, [v for pair in chunk for v in pair]).fetchall():
            statuses[(key, recipient)] = OutboxStatus(status)
    return won, statuses


def _sqlite_record(
    columns: tuple[str, ...], outcomes: Sequence[_Outcome], now: datetime, stamp: Callable[[Any], Any]
) -> tuple[str, list[list[Any]]]:
    assignments = "".join(f"{name} = ?, " for name in columns)
    sql = f"UPDATE outbox SET {assignments}claimed_until = NULL, updated_at = ? WHERE id = ?"
    rows = [
        [stamp(value) if isinstance(value, datetime) else value for value in (outcome.values[name] for name in columns)]
        + [stamp(now), outcome.row_id]
        for outcome in outcomes
    ]
    return sql, rows


def _sqlite_claim(rows: Sequence[dict[str, Any]], stamp: Callable[[Any], Any]) -> tuple[str, list[Any]]:
    one = "(" + ", ".join(["?"] * len(_SQLITE_CLAIM_COLUMNS)) + ")"
    sql = _SQLITE_CLAIM.format(columns=", ".join(_SQLITE_CLAIM_COLUMNS), values=", ".join([one] * len(rows)))
    params = [
        stamp(row[name]) if isinstance(row[name], datetime) else row[name]
        for row in rows
        for name in _SQLITE_CLAIM_COLUMNS
    ]
    return sql, params


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

