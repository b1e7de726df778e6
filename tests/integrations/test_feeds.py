"""Per-person calendar feeds: the calendar, and revocable tokens on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import icalendar
import recurring_ical_events
import vobject

from integrations import calendar as cal
from integrations.calendar import CalendarSeries, check_itip
from integrations.feeds import (
    feed_calendar,
    feed_for_token,
    feed_url,
    issue_feed_token,
    resolve_feed_token,
    revoke_feed_tokens,
)

from .conftest import AMS, DTSTAMP


def test_feed_has_no_method_and_no_people(progress_series: CalendarSeries, checkin_series: CalendarSeries) -> None:
    moved = cal.moved(
        progress_series,
        original_start=datetime(2026, 3, 30, 10, tzinfo=AMS),
        new_start=datetime(2026, 3, 31, 14, tzinfo=AMS),
    )
    data = feed_calendar([moved, checkin_series], dtstamp=DTSTAMP)
    assert check_itip(data, feed=True) == []
    calendar = icalendar.Calendar.from_ical(data)
    assert "METHOD" not in calendar
    assert calendar["X-WR-CALNAME"] == "Re-integratie: gesprekken"
    assert len(calendar.walk("VTIMEZONE")) == 1
    vevents = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in vevents] == [progress_series.uid, progress_series.uid, checkin_series.uid]
    assert all("ATTENDEE" not in e and "ORGANIZER" not in e for e in vevents)
    assert b"example.com" not in data  # nobody's address in a URL-reachable file
    vobject.readOne(data.decode()).validate()
    found = recurring_ical_events.of(calendar).between(
        datetime(2026, 1, 1, tzinfo=AMS), datetime(2027, 1, 1, tzinfo=AMS)
    )
    assert len(found) == len(cal.occurrences(moved)) + len(cal.occurrences(checkin_series))


def test_empty_feed_is_still_a_calendar() -> None:
    calendar = icalendar.Calendar.from_ical(feed_calendar([], dtstamp=DTSTAMP, language="en"))
    assert calendar["X-WR-CALNAME"] == "Re-integration: talks" and not calendar.walk("VEVENT")


async def test_tokens_issue_resolve_rotate_revoke(sessionmaker) -> None:
    person = "Mia.Manager@Example.com"
    first = await issue_feed_token(sessionmaker, person=person)
    assert await resolve_feed_token(sessionmaker, first) == "mia.manager@example.com"
    second = await issue_feed_token(sessionmaker, person=person)
    assert second != first
    assert await resolve_feed_token(sessionmaker, first) is None  # rotated away
    assert await resolve_feed_token(sessionmaker, second) == "mia.manager@example.com"
    assert await revoke_feed_tokens(sessionmaker, person=person) == 1
    assert await resolve_feed_token(sessionmaker, second) is None
    for junk in ("", "x", "../../etc/passwd", second[:-1] + ("A" if second[-1] != "A" else "B"), "a" * 500):
        assert await resolve_feed_token(sessionmaker, junk) is None
    assert feed_url("https://re.example.nl/", "tok") == "https://re.example.nl/feeds/tok.ics"


async def test_token_is_stored_only_as_a_hash(sessionmaker) -> None:
    from sqlalchemy import text

    token = await issue_feed_token(sessionmaker, person="jan.werknemer@example.com")
    async with sessionmaker() as session:
        rows = (await session.execute(text("SELECT token_hash FROM calendar_feed_tokens"))).scalars().all()
    assert rows and token not in rows


async def test_feed_for_token(
    sessionmaker, progress_series: CalendarSeries, checkin_series: CalendarSeries, manager
) -> None:
    someone_elses = dataclasses.replace(checkin_series, attendees=(checkin_series.attendees[1],))
    asked: list[str] = []

    async def series_for(person: str):
        asked.append(person)
        return [progress_series, someone_elses]

    token = await issue_feed_token(sessionmaker, person=manager.email)
    body = await feed_for_token(sessionmaker, token, series_for=series_for, dtstamp=DTSTAMP)
    assert body is not None and asked == [manager.email]
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    assert uids == {progress_series.uid}  # only series this person attends
    assert await feed_for_token(sessionmaker, "nope", series_for=series_for) is None


async def test_the_migrations_make_the_outbox_and_feed_tables(tmp_path) -> None:
    from sqlalchemy import inspect

    from integrations.db import make_engine
    from integrations.migrate import upgrade

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'schema.db'}")
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert {"outbox", "calendar_feed_tokens", "calendar_series", "calendar_series_people"} <= set(names)
    finally:
        await engine.dispose()


def test_series_round_trip(progress_series: CalendarSeries) -> None:
    import json

    series = cal.moved(
        progress_series,
        original_start=datetime(2026, 3, 30, 10, tzinfo=AMS),
        new_start=datetime(2026, 3, 31, 14, tzinfo=AMS),
        location="Online",
    )
    series = cal.occurrence_cancelled(series, original_start=datetime(2026, 4, 13, 10, tzinfo=AMS))
    back = cal.series_from_dict(json.loads(json.dumps(cal.series_to_dict(series))))
    assert back == series
    assert cal.series_request(back, dtstamp=DTSTAMP) == cal.series_request(series, dtstamp=DTSTAMP)


async def test_stored_series_feed_the_feed(sessionmaker, progress_series, checkin_series, manager, employee) -> None:
    from integrations.feeds import save_series, series_for_person, series_of_case

    assert await save_series(sessionmaker, case_id="case-1", series=progress_series)
    assert await save_series(sessionmaker, case_id="case-1", series=checkin_series)
    later, _removed = cal.without_attendee(checkin_series, manager.email)
    assert await save_series(sessionmaker, case_id="case-1", series=later)
    assert not await save_series(sessionmaker, case_id="case-1", series=checkin_series)  # older: ignored
    assert not await save_series(sessionmaker, case_id="case-1", series=later)  # same again: no change
    assert [s.uid for s in await series_for_person(sessionmaker, manager.email.upper())] == [progress_series.uid]
    assert {s.uid for s in await series_for_person(sessionmaker, employee.email)} == {
        progress_series.uid,
        checkin_series.uid,
    }

    token = await issue_feed_token(sessionmaker, person=employee.email)
    body = await feed_for_token(sessionmaker, token, dtstamp=DTSTAMP)
    assert {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")} == {
        progress_series.uid,
        checkin_series.uid,
    }

    gone = cal.cancelled(progress_series)
    assert await save_series(sessionmaker, case_id="case-1", series=gone, cancelled=True)
    body = await feed_for_token(sessionmaker, token, dtstamp=DTSTAMP)
    assert {str(e["UID"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")} == {checkin_series.uid}
    assert len(await series_of_case(sessionmaker, "case-1")) == 2
