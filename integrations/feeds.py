"""Private calendar feeds: ``/feeds/{token}.ics`` with all current talks of one person.

For people who prefer subscribing to a calendar over accepting invitations. The feed is a VCALENDAR
without METHOD (RFC 5545 publishing, not iTIP) with the person's current series, moved occurrences
and EXDATEs, the same UIDs as the invitations (a client that has both shows one event), and the
RRULE-style Europe/Amsterdam VTIMEZONE. It names no other people: no ORGANIZER, no ATTENDEE.

Tokens: 256 random bits, shown once; the database keeps only their SHA-256, so a copy of the
database does not open anyone's feed. One active token per person: issuing a new one revokes the
old; revoking stops the URL at once.

The web route::

    body = await feed_for_token(sessionmaker, token)
    if body is None: 404   else: Response(body, media_type=FEED_CONTENT_TYPE)

The series come from the ``calendar_series`` table, which the sending activity keeps current with
:func:`save_series` after each change went out (or pass ``series_for=`` to read them elsewhere).
:func:`issue_feed_token` makes a token and :func:`feed_url` the URL to show to the person.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar
from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations import sanitize
from integrations.calendar import (
    PRODID,
    CalendarSeries,
    _master,
    _override,
    check_itip,
    live_overrides,
    series_from_dict,
    series_to_dict,
)
from integrations.db import run_write, upsert_on, write_session
from integrations.schema import Base, CalendarSeriesPerson, CalendarSeriesRow, FeedToken
from integrations.vtimezone import amsterdam_vtimezone

FEED_CONTENT_TYPE = "text/calendar; charset=utf-8"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)
FEED_NAME = {"nl": "Re-integratie: gesprekken", "en": "Re-integration: talks"}


async def save_series(
    sessionmaker: async_sessionmaker[AsyncSession], *, case_id: str, series: CalendarSeries, cancelled: bool = False
) -> bool:
    """Record the state a series has after its invitations went out (call after sending).

    Idempotent and safe out of order: a state with a lower SEQUENCE than the stored one is ignored.
    Returns whether the stored state changed."""
    return await run_write(
        sessionmaker, lambda connection: record_series(connection, case_id=case_id, series=series, cancelled=cancelled)
    )


def record_series(connection: Connection, *, case_id: str, series: CalendarSeries, cancelled: bool = False) -> bool:
    """:func:`save_series` in the caller's write transaction (the case activity writes it with the
    read model, :func:`integrations.db.run_write`).

    One INSERT .. ON CONFLICT DO UPDATE that changes the row only for a higher SEQUENCE, or the same
    one with the other ``cancelled`` (RETURNING says whether it did); then the attendees, if so."""
    values = {
        "uid": series.uid,
        "case_id": case_id,
        "sequence": series.sequence,
        "cancelled": cancelled,
        "data": series_to_dict(series),
        "updated_at": _now(),
    }
    if connection.execute(_series_upsert(connection.dialect.name), values).first() is None:
        return False
    connection.execute(_SERIES_PEOPLE_GONE, {"uid": series.uid})
    if not cancelled:
        emails = sorted({a.email.lower() for a in series.attendees})
        if emails:
            connection.execute(_SERIES_PERSON_INSERT, [{"uid": series.uid, "email": email} for email in emails])
    return True


_SERIES_PEOPLE = Base.metadata.tables[CalendarSeriesPerson.__tablename__]
_SERIES_PEOPLE_GONE = delete(_SERIES_PEOPLE).where(_SERIES_PEOPLE.c.uid == bindparam("uid"))
_SERIES_PERSON_INSERT = _SERIES_PEOPLE.insert()


@functools.cache
def _series_upsert(dialect: str) -> Any:
    """INSERT a series' state, or UPDATE the stored one if this one is newer (made once per dialect)."""
    table = Base.metadata.tables[CalendarSeriesRow.__tablename__]
    insert = upsert_on(dialect)(table)
    newer = (table.c.sequence < insert.excluded.sequence) | (
        (table.c.sequence == insert.excluded.sequence) & (table.c.cancelled != insert.excluded.cancelled)
    )
    changing = ("sequence", "cancelled", "data", "updated_at")
    return insert.on_conflict_do_update(
        index_elements=[table.c.uid], set_={name: insert.excluded[name] for name in changing}, where=newer
    ).returning(table.c.uid)


async def series_for_person(sessionmaker: async_sessionmaker[AsyncSession], person: str) -> list[CalendarSeries]:
    """The current (not cancelled) series ``person`` attends."""
    return [series for _case_id, series in await case_series_for_person(sessionmaker, person)]


async def case_series_for_person(
    sessionmaker: async_sessionmaker[AsyncSession], person: str
) -> list[tuple[str, CalendarSeries]]:
    """(case id, series) of every current (not cancelled) series ``person`` attends."""
    async with sessionmaker() as session:
        rows = (
            (
                await session.execute(
                    select(CalendarSeriesRow)
                    .join(CalendarSeriesPerson, CalendarSeriesPerson.uid == CalendarSeriesRow.uid)
                    .where(CalendarSeriesPerson.email == person.lower(), CalendarSeriesRow.cancelled.is_(False))
                    .order_by(CalendarSeriesRow.uid)
                )
            )
            .scalars()
            .all()
        )
    return [(row.case_id, series_from_dict(row.data)) for row in rows]


async def series_of_case(sessionmaker: async_sessionmaker[AsyncSession], case_id: str) -> list[CalendarSeries]:
    """Every stored series of a case, cancelled ones included."""
    async with sessionmaker() as session:
        rows = (
            (await session.execute(select(CalendarSeriesRow).where(CalendarSeriesRow.case_id == case_id)))
            .scalars()
            .all()
        )
    return [series_from_dict(row.data) for row in rows]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


async def issue_feed_token(sessionmaker: async_sessionmaker[AsyncSession], *, person: str) -> str:
    """A new feed token for ``person`` (an e-mail address); any older token stops working.

    Returns the token itself: it is stored only as a hash, so show the URL now."""
    person = sanitize.address(person).lower()
    token = secrets.token_urlsafe(32)
    now = _now()
    async with write_session(sessionmaker) as session:
        await session.execute(
            update(FeedToken).where(FeedToken.person == person, FeedToken.revoked_at.is_(None)).values(revoked_at=now)
        )
        session.add(FeedToken(person=person, token_hash=_hash(token), created_at=now))
    return token


async def revoke_feed_tokens(sessionmaker: async_sessionmaker[AsyncSession], *, person: str) -> int:
    """Stop every feed URL of ``person``; returns how many were active."""
    person = person.lower()
    async with write_session(sessionmaker) as session:
        result = await session.execute(
            update(FeedToken)
            .where(FeedToken.person == person, FeedToken.revoked_at.is_(None))
            .values(revoked_at=_now())
        )
        return result.rowcount or 0  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult; the stubs say Result


async def resolve_feed_token(sessionmaker: async_sessionmaker[AsyncSession], token: str) -> str | None:
    """The person a valid, unrevoked token belongs to, or None. Records the last use."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    digest = _hash(token)
    async with write_session(sessionmaker) as session:
        row = (await session.execute(select(FeedToken).where(FeedToken.token_hash == digest))).scalar_one_or_none()
        if row is None or row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
            return None
        row.last_used_at = _now()
        return row.person


def feed_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/feeds/{token}.ics"


def feed_calendar(series: Iterable[CalendarSeries], *, dtstamp: datetime, language: str = "nl") -> bytes:
    """The feed: a VCALENDAR without METHOD holding the given (current) series."""
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("X-WR-CALNAME", FEED_NAME.get(language, FEED_NAME["nl"]))
    calendar.add("X-PUBLISHED-TTL", "PT1H")
    calendar.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add_component(amsterdam_vtimezone())
    count = 0
    for item in sorted(series, key=lambda s: (s.start, s.uid)):
        calendar.add_component(_master(item, dtstamp=dtstamp, people=False))
        for move in live_overrides(item):
            calendar.add_component(_override(item, move, dtstamp=dtstamp, people=False))
        count += 1
    data: bytes = calendar.to_ical()
    if count:
        problems = check_itip(data, feed=True)
        if problems:
            raise AssertionError("invalid feed: " + "; ".join(problems))
    return data


async def feed_for_token(
    sessionmaker: async_sessionmaker[AsyncSession],
    token: str,
    *,
    series_for: Callable[[str], Awaitable[Iterable[CalendarSeries]]] | None = None,
    dtstamp: datetime | None = None,
    language: str = "nl",
) -> bytes | None:
    """What ``GET /feeds/{token}.ics`` returns: the feed body, or None (answer 404)."""
    person = await resolve_feed_token(sessionmaker, token)
    if person is None:
        return None
    if series_for is None:
        found: Iterable[CalendarSeries] = await series_for_person(sessionmaker, person)
    else:
        found = await series_for(person)
    mine = [s for s in found if _concerns(s, person)]
    return feed_calendar(mine, dtstamp=dtstamp or _now(), language=language)


def _concerns(series: CalendarSeries, person: str) -> bool:
    person = person.lower()
    return any(a.email.lower() == person for a in series.attendees)


__all__ = [
    "FEED_CONTENT_TYPE",
    "CalendarSeriesPerson",
    "CalendarSeriesRow",
    "save_series",
    "record_series",
    "series_for_person",
    "series_of_case",
    "FeedToken",
    "feed_calendar",
    "feed_for_token",
    "feed_url",
    "issue_feed_token",
    "resolve_feed_token",
    "revoke_feed_tokens",
]
