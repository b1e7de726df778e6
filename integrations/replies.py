"""Answers to the product's invitations: iTIP REPLY and COUNTER mail (RFC 5546 3.2.3, 3.2.7; RFC 6047).

People accept, decline or propose another time in their own calendar, which mails an iTIP REPLY
(or COUNTER) to the organizer: the product's mailbox. :class:`ReplyHandler` takes such a message
(from the IMAP reader, :mod:`integrations.imap`, or from the embedded mail catcher) and

1. **parses** it (:func:`parse_answers`): every ``text/calendar`` part whose VCALENDAR has METHOD
   REPLY or COUNTER; anything else is not a calendar reply and is left for a person;
2. **matches** each answer to the invitation by UID (and RECURRENCE-ID for one occurrence of a
   series) and attendee: the series must be one the product sent (``calendar_series``), the
   attendee one of its current attendees, and the message's From address that same attendee;
   anything else is ignored (never stored);
3. **stores** the attendance per person and invitation (``invitation_replies``: the newest by
   SEQUENCE, then DTSTAMP; the same message twice changes nothing) or the proposed time
   (``invitation_counters``, for HR to accept or decline);
4. **tells the case** through ``announce`` (given by the worker or the app shell, which may talk to
   Temporal): each new answer, with, for a declined statutory talk, the next slot in which every
   attendee is free (:func:`next_free_slot`). Only after ``announce`` returned is the answer marked
   as announced, so a failure is tried again with the next reading of the same message.

No free text of a reply (COMMENT, DESCRIPTION) is kept: it may hold health information.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from icalendar import Calendar
from sqlalchemy import Connection, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.busy import as_busy
from integrations.calendar import CalendarSeries, Participant, occurrences, recurrence_key, series_from_dict
from integrations.db import run_write, upsert_on
from integrations.schema import (
    Base,
    CalendarSeriesPerson,
    CalendarSeriesRow,
    InvitationCounterRow,
    InvitationReplyRow,
)
from integrations.vtimezone import ZONE
from states.clock import at_local, local_date
from states.slots import Busy, BusyCalendar, nearest_free
from states.workdays import next_working_day_after

logger = logging.getLogger(__name__)

ANSWERS = ("ACCEPTED", "TENTATIVE", "DECLINED")
"""The PARTSTATs stored; NEEDS-ACTION (no answer) is no row at all."""
STATUTORY_KINDS = frozenset({"evaluation", "driegesprek"})
"""Talks the law asks for (a declined one signals HR). The eerstejaarsevaluatie is not sent as an
invitation of its own: it is held at an evaluation."""

_REPLIES = Base.metadata.tables[InvitationReplyRow.__tablename__]
_COUNTERS = Base.metadata.tables[InvitationCounterRow.__tablename__]
_SERIES = Base.metadata.tables[CalendarSeriesRow.__tablename__]
_SERIES_PEOPLE = Base.metadata.tables[CalendarSeriesPerson.__tablename__]


# --------------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True)
class ItipAnswer:
    """One answer in a message: an attendee's PARTSTAT (REPLY) or proposed time (COUNTER)."""

    method: str  # "REPLY" | "COUNTER"
    uid: str
    recurrence_id: str  # "" for the whole series, else recurrence_key() of the occurrence
    attendees: tuple[tuple[str, str | None], ...]  # (lower-case address, PARTSTAT) as the VEVENT names them
    sequence: int
    dtstamp: datetime
    proposed_start: datetime | None = None
    proposed_end: datetime | None = None


def sender_of(message: EmailMessage) -> str | None:
    """The one From address, lower case; None when there is none or more than one."""
    found = [address for _name, address in getaddresses([str(v) for v in message.get_all("From", [])]) if address]
    return found[0].lower() if len(found) == 1 else None


def _calendar_parts(message: EmailMessage) -> list[bytes]:
    parts = []
    for part in message.walk():
        if part.get_content_type() in ("text/calendar", "application/ics"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload.strip():
                parts.append(payload)
    return parts


def _address(value: Any) -> str:
    text = str(value).strip()
    return (text[7:] if text.lower().startswith("mailto:") else text).strip().lower()


def _aware(value: Any) -> datetime | None:
    """A DATE-TIME as an aware datetime (floating times are read as Europe/Amsterdam); None for a DATE."""
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None and value.utcoffset() is not None else value.replace(tzinfo=ZONE)


def _decoded(component: Any, name: str) -> Any:
    try:
        return component.decoded(name) if name in component else None
    except (KeyError, ValueError, TypeError):
        return None


def _answers_of(data: bytes) -> list[ItipAnswer]:
    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError):
        return []
    method = str(calendar.get("METHOD", "")).strip().upper()
    if method not in ("REPLY", "COUNTER"):
        return []
    found = []
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID", "")).strip()
        dtstamp = _aware(_decoded(event, "DTSTAMP"))
        if not uid or dtstamp is None:
            continue
        raw = event.get("ATTENDEE")
        people = raw if isinstance(raw, list) else [raw] if raw is not None else []
        attendees = tuple(
            (_address(person), str(person.params["PARTSTAT"]).upper() if "PARTSTAT" in person.params else None)
            for person in people
        )
        try:
            sequence = int(event.get("SEQUENCE", 0))
        except (TypeError, ValueError):
            sequence = 0
        occurrence = _aware(_decoded(event, "RECURRENCE-ID"))
        start = _aware(_decoded(event, "DTSTART"))
        end = _aware(_decoded(event, "DTEND"))
        if end is None and start is not None and isinstance(_decoded(event, "DURATION"), timedelta):
            end = start + _decoded(event, "DURATION")
        if method == "COUNTER" and start is None:
            continue
        found.append(
            ItipAnswer(
                method=method,
                uid=uid,
                recurrence_id=recurrence_key(occurrence) or "",
                attendees=attendees,
                sequence=max(sequence, 0),
                dtstamp=dtstamp.astimezone(UTC),
                proposed_start=start.astimezone(UTC) if method == "COUNTER" and start else None,
                proposed_end=end.astimezone(UTC) if method == "COUNTER" and end else None,
            )
        )
    return found


def parse_answers(message: EmailMessage) -> list[ItipAnswer]:
    """Every REPLY or COUNTER in the message, each once (a client often attaches the same
    calendar twice: inline and as a file). Empty: not a calendar reply."""
    seen: dict[tuple[str, str, str, tuple[tuple[str, str | None], ...], datetime], ItipAnswer] = {}
    for data in _calendar_parts(message):
        for answer in _answers_of(data):
            seen.setdefault((answer.method, answer.uid, answer.recurrence_id, answer.attendees, answer.dtstamp), answer)
    return list(seen.values())


def read_message(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


# --------------------------------------------------------------------------------------------------
# What the case hears


@dataclass(frozen=True)
class Announcement:
    """A new answer, for the case: recorded in its history; a declined statutory talk tells HR."""

    key: str  # stable per answer: the same message gives the same key
    case_id: str
    uid: str
    kind: str
    person: Participant
    answer: str  # "accepted", "tentative", "declined" or "counter"
    talk_start: datetime | None  # the talk (or the occurrence) the answer is about
    received_at: datetime
    proposed_start: datetime | None = None  # COUNTER: the time the person proposes
    proposed_end: datetime | None = None
    free_slot: datetime | None = None  # declined statutory talk: the next slot every attendee is free

    @property
    def statutory_decline(self) -> bool:
        return self.answer == "declined" and self.kind in STATUTORY_KINDS


Announce = Callable[[Announcement], Awaitable[None]]


class Outcome(enum.StrEnum):
    not_a_reply = "not_a_reply"  # no REPLY or COUNTER in it: left for a person
    ignored = "ignored"  # a reply, but not to one of our invitations, or not from its attendee
    handled = "handled"  # stored (or stored before): the message is done with


@dataclass(frozen=True)
class Handled:
    outcome: Outcome
    stored: int = 0  # answers the case was told of now (new ones, or ones whose telling failed before)
    why: str = ""  # for the log, when ignored

    @property
    def done(self) -> bool:
        return self.outcome == Outcome.handled


# --------------------------------------------------------------------------------------------------
# Matching and storing


@dataclass(frozen=True)
class _Match:
    answer: ItipAnswer
    case_id: str
    series: CalendarSeries
    person: Participant
    partstat: str | None


def _series_row(connection: Connection, uid: str) -> tuple[str, CalendarSeries, bool] | None:
    row = connection.execute(
        select(_SERIES.c.case_id, _SERIES.c.data, _SERIES.c.cancelled).where(_SERIES.c.uid == uid)
    ).first()
    if row is None:
        return None
    return row.case_id, series_from_dict(row.data), bool(row.cancelled)


def _match(connection: Connection, answer: ItipAnswer, sender: str | None) -> _Match | str:
    """The invitation and the attendee an answer belongs to, or why it is ignored."""
    found = _series_row(connection, answer.uid)
    if found is None:
        return f"no invitation with UID {answer.uid}"
    case_id, series, cancelled = found
    if cancelled:
        return f"the invitation {answer.uid} was cancelled"
    if sender is None:
        return "the message has no single From address"
    invited = {person.email.lower(): person for person in series.attendees}
    person = invited.get(sender)
    if person is None:
        # By the invitation's UID, never the sender's address: the reasons are logged.
        return f"the sender is not an attendee of {answer.uid}"
    partstat: str | None = None
    if answer.method == "REPLY":
        named = [status for address, status in answer.attendees if address == sender]
        if not named:
            return f"the reply to {answer.uid} answers for someone else than its sender"
        partstat = named[0]
        if partstat not in ANSWERS:
            return f"the reply to {answer.uid} gives no answer ({partstat or 'no PARTSTAT'})"
    recurrence_id = answer.recurrence_id if series.recurring else ""
    return _Match(replace(answer, recurrence_id=recurrence_id), case_id, series, person, partstat)


@functools.cache
def _reply_upsert(dialect: str) -> Any:
    """INSERT the answer, or UPDATE the stored one when this one is newer (SEQUENCE, then DTSTAMP)."""
    insert = upsert_on(dialect)(_REPLIES)
    newer = (_REPLIES.c.sequence < insert.excluded.sequence) | (
        (_REPLIES.c.sequence == insert.excluded.sequence) & (_REPLIES.c.dtstamp < insert.excluded.dtstamp)
    )
    changing = ("partstat", "sequence", "dtstamp", "received_at", "kind", "case_id", "announced")
    return insert.on_conflict_do_update(
        index_elements=[_REPLIES.c.uid, _REPLIES.c.recurrence_id, _REPLIES.c.attendee],
        set_={name: insert.excluded[name] for name in changing},
        where=newer,
    ).returning(_REPLIES.c.uid)


@functools.cache
def _counter_insert(dialect: str) -> Any:
    insert = upsert_on(dialect)(_COUNTERS)
    return insert.on_conflict_do_nothing(
        index_elements=[_COUNTERS.c.uid, _COUNTERS.c.recurrence_id, _COUNTERS.c.attendee, _COUNTERS.c.dtstamp]
    ).returning(_COUNTERS.c.id)


def _store(connection: Connection, match: _Match, received_at: datetime) -> bool:
    """Store one matched answer; whether it still has to be announced (new now, or not announced yet)."""
    answer = match.answer
    key = {"uid": answer.uid, "recurrence_id": answer.recurrence_id, "attendee": match.person.email.lower()}
    if answer.method == "REPLY":
        values = dict(
            key,
            case_id=match.case_id,
            kind=match.series.kind,
            partstat=match.partstat,
            sequence=answer.sequence,
            dtstamp=answer.dtstamp,
            received_at=received_at,
            announced=False,
        )
        if connection.execute(_reply_upsert(connection.dialect.name), values).first() is not None:
            return True
        stored = connection.execute(
            select(_REPLIES.c.announced, _REPLIES.c.sequence, _REPLIES.c.dtstamp).where(
                *(_REPLIES.c[name] == value for name, value in key.items())
            )
        ).one()
        # This very answer, stored by an earlier reading whose announcement failed: try again.
        return not stored.announced and (stored.sequence, stored.dtstamp) == (answer.sequence, answer.dtstamp)
    assert answer.proposed_start is not None
    values = dict(
        key,
        case_id=match.case_id,
        kind=match.series.kind,
        proposed_start=answer.proposed_start,
        proposed_end=answer.proposed_end,
        sequence=answer.sequence,
        dtstamp=answer.dtstamp,
        received_at=received_at,
        status="open",
        announced=False,
    )
    if connection.execute(_counter_insert(connection.dialect.name), values).first() is not None:
        # An earlier open proposal of the same person for the same talk is replaced by this one.
        connection.execute(
            update(_COUNTERS)
            .where(
                *(_COUNTERS.c[name] == value for name, value in key.items()),
                _COUNTERS.c.status == "open",
                _COUNTERS.c.dtstamp < answer.dtstamp,
            )
            .values(status="superseded")
        )
        return True
    stored_counter = connection.execute(
        select(_COUNTERS.c.announced).where(
            *(_COUNTERS.c[name] == value for name, value in key.items()), _COUNTERS.c.dtstamp == answer.dtstamp
        )
    ).one()
    return not stored_counter.announced


def _mark_announced(connection: Connection, match: _Match) -> None:
    answer = match.answer
    table = _REPLIES if answer.method == "REPLY" else _COUNTERS
    conditions = [
        table.c.uid == answer.uid,
        table.c.recurrence_id == answer.recurrence_id,
        table.c.attendee == match.person.email.lower(),
        table.c.dtstamp == answer.dtstamp,
    ]
    connection.execute(update(table).where(and_(*conditions)).values(announced=True))


def announcement_key(answer: ItipAnswer, attendee: str) -> str:
    """Stable per answer: a hash, so that no address ends up in an id."""
    text = "|".join(
        (
            answer.method,
            answer.uid,
            answer.recurrence_id,
            attendee.lower(),
            str(answer.sequence),
            answer.dtstamp.isoformat(),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _instant(recurrence_id: str) -> datetime:
    return datetime.strptime(recurrence_id, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _talk_start(series: CalendarSeries, recurrence_id: str) -> datetime:
    """When the talk an answer is about takes place: the occurrence (moved or not), or the series' start."""
    if recurrence_id and series.recurring:
        for start, _end, original in occurrences(series, window_end=_instant(recurrence_id)):
            if recurrence_key(original) == recurrence_id:
                return start
        return _instant(recurrence_id)
    return series.start


# --------------------------------------------------------------------------------------------------
# The next free slot


def _series_of_people(connection: Connection, people: Iterable[str]) -> list[CalendarSeries]:
    """Every current series any of these people attends, in any case."""
    attended = select(_SERIES_PEOPLE.c.uid).where(_SERIES_PEOPLE.c.email.in_(sorted({p.lower() for p in people})))
    rows = connection.execute(
        select(_SERIES.c.data)
        .where(_SERIES.c.uid.in_(attended), _SERIES.c.cancelled.is_(False))
        .order_by(_SERIES.c.uid)
    )
    return [series_from_dict(row.data) for row in rows]


def next_free_slot(
    connection: Connection, series: CalendarSeries, *, talk_start: datetime, now: datetime
) -> datetime | None:
    """The nearest start from the next working day on, at the declined talk's own time of day or as
    near to it as can be, at which every attendee of ``series`` is free in all their cases (the
    declined talk itself does not count as busy): the same search, within the same working hours,
    as the one that places every talk (:func:`states.slots.nearest_free`). None when nothing in
    its range is free."""
    others = [s for s in _series_of_people(connection, [a.email for a in series.attendees]) if s.uid != series.uid]
    busy = [item for other in others for item in as_busy(other)]
    at = talk_start.astimezone(ZONE)
    wanted = Busy(
        start=at_local(next_working_day_after(local_date(now)), at.hour, at.minute),
        duration_minutes=series.duration_minutes,
    )
    start = nearest_free(wanted, busy, now=now)
    return start if BusyCalendar(busy, since=now).fits(replace(wanted, start=start)) else None


# --------------------------------------------------------------------------------------------------
# The handler


def _now() -> datetime:
    return datetime.now(UTC)


class ReplyHandler:
    """Parse, match, store and announce the answers in one message (see the module docstring).

    ``announce`` is awaited for each new answer; an exception from it (or from the database)
    propagates, and the caller keeps the message to try again later: stored answers are not
    stored twice, and an answer is announced until ``announce`` returned once."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        announce: Announce | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._announce = announce
        self._clock = clock

    async def handle_bytes(self, raw: bytes) -> Handled:
        return await self.handle(read_message(raw))

    async def handle(self, message: EmailMessage) -> Handled:
        answers = parse_answers(message)
        if not answers:
            return Handled(Outcome.not_a_reply)
        sender = sender_of(message)
        now = self._clock()
        stored, reasons, pending = await run_write(
            self._sessionmaker, lambda connection: self._store_all(connection, answers, sender, now)
        )
        for match, announcement in pending:
            if self._announce is not None:
                await self._announce(announcement)
            await run_write(self._sessionmaker, functools.partial(_mark_announced, match=match))
        if stored == 0 and reasons:
            for reason in reasons:
                logger.info("calendar reply ignored: %s", reason)
            return Handled(Outcome.ignored, why="; ".join(reasons))
        return Handled(Outcome.handled, stored=len(pending))

    def _store_all(
        self, connection: Connection, answers: list[ItipAnswer], sender: str | None, now: datetime
    ) -> tuple[int, list[str], list[tuple[_Match, Announcement]]]:
        matched = 0
        reasons: list[str] = []
        pending: list[tuple[_Match, Announcement]] = []
        for answer in answers:
            found = _match(connection, answer, sender)
            if isinstance(found, str):
                reasons.append(found)
                continue
            matched += 1
            if _store(connection, found, now):
                pending.append((found, self._announcement(connection, found, now)))
        return matched, reasons, pending

    def _announcement(self, connection: Connection, match: _Match, now: datetime) -> Announcement:
        answer = match.answer
        talk_start = _talk_start(match.series, answer.recurrence_id)
        word = "counter" if answer.method == "COUNTER" else str(match.partstat).lower()
        announcement = Announcement(
            key=announcement_key(answer, match.person.email),
            case_id=match.case_id,
            uid=answer.uid,
            kind=match.series.kind,
            person=match.person,
            answer=word,
            talk_start=talk_start,
            received_at=now,
            proposed_start=answer.proposed_start,
            proposed_end=answer.proposed_end,
        )
        if announcement.statutory_decline:
            announcement = replace(
                announcement, free_slot=next_free_slot(connection, match.series, talk_start=talk_start, now=now)
            )
        return announcement


# --------------------------------------------------------------------------------------------------
# Reading what was stored (the case page, the API)


@dataclass(frozen=True)
class Attendance:
    """One person's answer to one talk (``answer`` None: no answer yet)."""

    name: str
    email: str
    answer: str | None  # "accepted" | "tentative" | "declined" | None


@dataclass(frozen=True)
class TalkAttendance:
    uid: str
    kind: str
    start: datetime
    recurring: bool
    people: tuple[Attendance, ...]
    occurrences: tuple[tuple[datetime, Attendance], ...] = ()  # answers for one occurrence of a series


@dataclass(frozen=True)
class Counter:
    """A proposed new time, as HR sees it."""

    id: int
    uid: str
    kind: str
    name: str
    email: str
    language: str
    talk_start: datetime
    proposed_start: datetime
    proposed_end: datetime | None
    status: str
    recurring: bool
    recurrence_id: datetime | None = None  # the occurrence the COUNTER named (its original start); None: the talk


async def attendance_of_case(sessionmaker: async_sessionmaker[AsyncSession], case_id: str) -> list[TalkAttendance]:
    """Each current talk of the case with every attendee's answer, soonest first."""
    async with sessionmaker() as session:
        series_rows = (
            await session.execute(
                select(_SERIES.c.data).where(_SERIES.c.case_id == case_id, _SERIES.c.cancelled.is_(False))
            )
        ).all()
        reply_rows = (await session.execute(select(_REPLIES).where(_REPLIES.c.case_id == case_id))).all()
    answers: dict[tuple[str, str, str], str] = {
        (row.uid, row.recurrence_id, row.attendee): row.partstat.lower() for row in reply_rows
    }
    talks = []
    for row in series_rows:
        series = series_from_dict(row.data)
        people = tuple(
            Attendance(person.name, person.email, answers.get((series.uid, "", person.email.lower())))
            for person in series.attendees
        )
        single = []
        for (uid, recurrence_id, attendee), answer in sorted(answers.items()):
            person = next((p for p in series.attendees if p.email.lower() == attendee), None)
            if uid == series.uid and recurrence_id and person is not None:
                single.append((_instant(recurrence_id), Attendance(person.name, person.email, answer)))
        talks.append(TalkAttendance(series.uid, series.kind, series.start, series.recurring, people, tuple(single)))
    return sorted(talks, key=lambda talk: (talk.start, talk.uid))


async def counters_of_case(
    sessionmaker: async_sessionmaker[AsyncSession], case_id: str, *, open_only: bool = True
) -> list[Counter]:
    async with sessionmaker() as session:
        query = select(_COUNTERS).where(_COUNTERS.c.case_id == case_id).order_by(_COUNTERS.c.id)
        if open_only:
            query = query.where(_COUNTERS.c.status == "open")
        rows = (await session.execute(query)).all()
        series = {
            row.uid: series_from_dict(row.data)
            for row in (
                await session.execute(select(_SERIES.c.uid, _SERIES.c.data).where(_SERIES.c.case_id == case_id))
            ).all()
        }
    found = []
    for row in rows:
        talk = series.get(row.uid)
        if talk is None:
            continue
        person = next((p for p in talk.attendees if p.email.lower() == row.attendee), None)
        found.append(
            Counter(
                id=row.id,
                uid=row.uid,
                kind=row.kind,
                name=person.name if person else row.attendee,
                email=row.attendee,
                language=person.language if person else "nl",
                talk_start=_talk_start(talk, row.recurrence_id),
                proposed_start=row.proposed_start,
                proposed_end=row.proposed_end,
                status=row.status,
                recurring=talk.recurring,
                recurrence_id=_instant(row.recurrence_id) if row.recurrence_id else None,
            )
        )
    return found


async def decide_counter(
    sessionmaker: async_sessionmaker[AsyncSession], *, case_id: str, counter_id: int, accept: bool, by: str
) -> Counter | None:
    """Record HR's answer to an open proposal; None when there is no such open proposal in the case."""

    def write(connection: Connection) -> bool:
        result = connection.execute(
            update(_COUNTERS)
            .where(_COUNTERS.c.id == counter_id, _COUNTERS.c.case_id == case_id, _COUNTERS.c.status == "open")
            .values(status="accepted" if accept else "declined", decided_by=by.lower(), decided_at=_now())
            .returning(_COUNTERS.c.id)
        )
        return result.first() is not None

    found = next((c for c in await counters_of_case(sessionmaker, case_id) if c.id == counter_id), None)
    if found is None or not await run_write(sessionmaker, write):
        return None
    return replace(found, status="accepted" if accept else "declined")


__all__ = [
    "ANSWERS",
    "STATUTORY_KINDS",
    "Announce",
    "Announcement",
    "Attendance",
    "Counter",
    "Handled",
    "ItipAnswer",
    "Outcome",
    "ReplyHandler",
    "TalkAttendance",
    "attendance_of_case",
    "counters_of_case",
    "decide_counter",
    "next_free_slot",
    "parse_answers",
    "read_message",
    "sender_of",
]
