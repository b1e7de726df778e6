"""Calendar replies: parsing what mail programs send, matching and storing on SQLite and PostgreSQL,
the next free slot, and the embedded mail catcher handing mail for the product's mailbox over.

The IMAP side (a real Dovecot) is in test_imap_dovecot.py."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosmtplib
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.calendar import CalendarSeries, Participant, series_request
from integrations.db import make_engine, make_sessionmaker
from integrations.feeds import save_series
from integrations.mailcatcher import MailCatcher
from integrations.replies import (
    Announcement,
    Outcome,
    ReplyHandler,
    attendance_of_case,
    counters_of_case,
    decide_counter,
    next_free_slot,
    parse_answers,
    read_message,
)
from tests.itip_replies import counter_mail, plain_mail, reply_calendar, reply_mail, thunderbird_reply
from tests.support import create_tables, free_port

AMS = ZoneInfo("Europe/Amsterdam")
MAILBOX = "verzuim@example.nl"
MARK = ("Mark Jansen", "mark@example.nl")
SANNE = ("Sanne de Vries", "sanne@example.nl")
CARLA = ("Carla Visser", "carla@example.nl")
START = datetime(2030, 3, 12, 10, 0, tzinfo=AMS)  # a Tuesday
DTSTAMP = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


def evaluation(
    uid: str | None = None, *, start: datetime = START, people: tuple[tuple[str, str], ...] = (CARLA, SANNE, MARK)
) -> CalendarSeries:
    return CalendarSeries(
        uid=uid or str(uuid.uuid4()),
        sequence=0,
        kind="evaluation",
        summary="Evaluatie plan van aanpak: Sanne de Vries",
        location="Kantoor",
        start=start,
        duration_minutes=60,
        interval_weeks=None,
        until=None,
        organizer=Participant(MAILBOX, "Carla Visser"),
        attendees=tuple(Participant(email, name) for name, email in people),
    )


def checkins(uid: str | None = None) -> CalendarSeries:
    return CalendarSeries(
        uid=uid or str(uuid.uuid4()),
        sequence=2,
        kind="checkin",
        summary="Kort contactmoment: Sanne de Vries",
        location="Telefonisch",
        start=datetime(2030, 3, 4, 10, 0, tzinfo=AMS),  # Mondays 10:00
        duration_minutes=15,
        interval_weeks=1,
        until=datetime(2030, 4, 29, 10, 0, tzinfo=AMS),
        organizer=Participant(MAILBOX, "Carla Visser"),
        attendees=(Participant(MARK[1], MARK[0]), Participant(SANNE[1], SANNE[0])),
    )


# --------------------------------------------------------------------------------------------------
# Parsing


def test_a_thunderbird_reply_is_read_once_although_it_carries_the_calendar_twice() -> None:
    raw = thunderbird_reply(
        uid="abc-1",
        attendee=MARK,
        partstat="ACCEPTED",
        organizer=MAILBOX,
        summary="Evaluatie",
        start=START,
        sequence=3,
        dtstamp=DTSTAMP,
    )
    message = read_message(raw)
    assert sum(part.get_content_type() in ("text/calendar", "application/ics") for part in message.walk()) == 2
    (answer,) = parse_answers(message)
    assert (answer.method, answer.uid, answer.sequence, answer.recurrence_id) == ("REPLY", "abc-1", 3, "")
    assert answer.attendees == ((MARK[1], "ACCEPTED"),)
    assert answer.dtstamp == DTSTAMP


def test_an_outlook_reply_base64_with_capital_mailto_is_read() -> None:
    calendar = reply_calendar(
        uid="abc-2",
        attendee=("MARK JANSEN", "Mark@Example.NL"),
        partstat="DECLINED",
        organizer=MAILBOX,
        summary="Evaluatie",
        start=START,
        dtstamp=DTSTAMP,
    ).replace(b"mailto:Mark@Example.NL", b"MAILTO:Mark@Example.NL")
    message = EmailMessage()
    message["From"] = "Mark Jansen <Mark@Example.NL>"
    message["To"] = MAILBOX
    message["Subject"] = "Declined: Evaluatie"
    message.set_content(calendar, maintype="text", subtype="calendar", params={"method": "REPLY"}, cte="base64")
    assert b"BEGIN:VCALENDAR" not in bytes(message) and base64.b64encode(calendar[:30])[:20] in bytes(message)
    (answer,) = parse_answers(read_message(bytes(message)))
    assert answer.attendees == (("mark@example.nl", "DECLINED"),)


def test_mail_that_is_not_a_reply_gives_no_answers() -> None:
    plain = plain_mail(sender=SANNE, to=MAILBOX, subject="Vraag", text="Mag ik bellen?")
    request = reply_mail(
        series_request(evaluation("abc-3"), dtstamp=DTSTAMP),
        sender=SANNE,
        to=MAILBOX,
        subject="Fwd: Uitnodiging",
        method="REQUEST",
    )
    garbage = reply_mail(
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nthis is not iCalendar", sender=SANNE, to=MAILBOX, subject="Re: Uitnodiging"
    )
    for raw in (plain, request, garbage):
        assert parse_answers(read_message(raw)) == []


def test_a_counter_carries_the_proposed_time() -> None:
    proposed = datetime(2030, 3, 13, 14, 0, tzinfo=AMS)
    raw = counter_mail(
        uid="abc-4",
        attendee=SANNE,
        organizer=MAILBOX,
        summary="Evaluatie",
        proposed_start=proposed,
        minutes=45,
        dtstamp=DTSTAMP,
    )
    (answer,) = parse_answers(read_message(raw))
    assert answer.method == "COUNTER"
    assert answer.proposed_start == proposed and answer.proposed_end == proposed + timedelta(minutes=45)


# --------------------------------------------------------------------------------------------------
# Matching and storing, on both databases


@dataclass
class Store:
    sessionmaker: async_sessionmaker[AsyncSession]
    told: list[Announcement]

    def handler(self) -> ReplyHandler:
        async def announce(announcement: Announcement) -> None:
            self.told.append(announcement)

        return ReplyHandler(self.sessionmaker, announce=announce, clock=lambda: datetime(2030, 3, 6, 12, 0, tzinfo=UTC))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    engine = make_engine(database_url)
    await create_tables(engine)
    yield Store(make_sessionmaker(engine), [])
    await engine.dispose()


def answer_of(talk_people: object, email: str) -> str | None:
    return next(p.answer for p in talk_people if p.email == email)  # type: ignore[attr-defined]


async def test_answers_are_kept_per_person_newest_first_and_a_copy_changes_nothing(store: Store) -> None:
    series = evaluation()
    await save_series(store.sessionmaker, case_id="case-1", series=series)
    handler = store.handler()

    def reply(who: tuple[str, str], partstat: str, minutes: int, sequence: int = 0) -> bytes:
        return thunderbird_reply(
            uid=series.uid,
            attendee=who,
            partstat=partstat,
            organizer=MAILBOX,
            summary=series.summary,
            start=START,
            sequence=sequence,
            dtstamp=DTSTAMP + timedelta(minutes=minutes),
        )

    results = [
        await handler.handle_bytes(reply(MARK, "ACCEPTED", 0)),
        await handler.handle_bytes(reply(MARK, "ACCEPTED", 0)),  # the same message again
        await handler.handle_bytes(reply(SANNE, "DECLINED", 10)),
        await handler.handle_bytes(reply(SANNE, "ACCEPTED", 5)),  # older than her decline
        await handler.handle_bytes(reply(MARK, "TENTATIVE", -60, sequence=1)),  # an answer to a newer version
    ]
    assert [r.outcome for r in results] == [Outcome.handled] * 5
    (talk,) = await attendance_of_case(store.sessionmaker, "case-1")
    assert [(p.name, p.answer) for p in talk.people] == [
        ("Carla Visser", None),
        ("Sanne de Vries", "declined"),
        ("Mark Jansen", "tentative"),
    ]
    assert [(a.person.email, a.answer) for a in store.told] == [
        (MARK[1], "accepted"),
        (SANNE[1], "declined"),
        (MARK[1], "tentative"),
    ]
    declined = store.told[1]
    assert declined.statutory_decline and declined.free_slot is not None
    # The next working day after the reply was read (Wednesday 6 March), at the talk's own hour.
    assert declined.free_slot.astimezone(AMS) == datetime(2030, 3, 7, 10, 0, tzinfo=AMS)


async def test_replies_not_from_the_attendee_or_to_no_invitation_of_ours_are_ignored(store: Store) -> None:
    series = evaluation()
    await save_series(store.sessionmaker, case_id="case-2", series=series)
    handler = store.handler()
    eve = ("Eve Buiten", "eve@elders.example")
    cases = [
        thunderbird_reply(
            uid=series.uid, attendee=eve, partstat="ACCEPTED", organizer=MAILBOX, summary="x", start=START
        ),
        thunderbird_reply(
            uid=series.uid, attendee=MARK, partstat="DECLINED", organizer=MAILBOX, summary="x", start=START, sender=eve
        ),
        thunderbird_reply(
            uid=str(uuid.uuid4()), attendee=MARK, partstat="ACCEPTED", organizer=MAILBOX, summary="x", start=START
        ),
        thunderbird_reply(
            uid=series.uid, attendee=MARK, partstat="NEEDS-ACTION", organizer=MAILBOX, summary="x", start=START
        ),
    ]
    for raw in cases:
        assert (await handler.handle_bytes(raw)).outcome == Outcome.ignored
    (talk,) = await attendance_of_case(store.sessionmaker, "case-2")
    assert [p.answer for p in talk.people] == [None, None, None]
    assert store.told == []


async def test_an_answer_for_one_occurrence_of_a_series_is_kept_apart(store: Store) -> None:
    series = checkins()
    await save_series(store.sessionmaker, case_id="case-3", series=series)
    occurrence = datetime(2030, 3, 18, 10, 0, tzinfo=AMS)
    handler = store.handler()
    await handler.handle_bytes(
        thunderbird_reply(
            uid=series.uid,
            attendee=SANNE,
            partstat="ACCEPTED",
            organizer=MAILBOX,
            summary="x",
            start=series.start,
            sequence=2,
            dtstamp=DTSTAMP,
        )
    )
    await handler.handle_bytes(
        thunderbird_reply(
            uid=series.uid,
            attendee=SANNE,
            partstat="DECLINED",
            organizer=MAILBOX,
            summary="x",
            start=occurrence,
            sequence=2,
            dtstamp=DTSTAMP,
            recurrence_id=occurrence,
        )
    )
    (talk,) = await attendance_of_case(store.sessionmaker, "case-3")
    assert answer_of(talk.people, SANNE[1]) == "accepted"
    assert [(moment, person.name, person.answer) for moment, person in talk.occurrences] == [
        (occurrence.astimezone(UTC), "Sanne de Vries", "declined")
    ]
    assert store.told[-1].talk_start == occurrence and not store.told[-1].statutory_decline  # a check-in


async def test_a_counter_waits_for_hr_and_a_newer_one_replaces_it(store: Store) -> None:
    series = evaluation()
    await save_series(store.sessionmaker, case_id="case-4", series=series)
    handler = store.handler()
    first = datetime(2030, 3, 13, 14, 0, tzinfo=AMS)
    second = datetime(2030, 3, 14, 9, 30, tzinfo=AMS)
    for proposed, minutes in ((first, 0), (second, 30)):
        raw = counter_mail(
            uid=series.uid,
            attendee=SANNE,
            organizer=MAILBOX,
            summary="x",
            proposed_start=proposed,
            dtstamp=DTSTAMP + timedelta(minutes=minutes),
        )
        assert (await handler.handle_bytes(raw)).outcome == Outcome.handled
        assert (await handler.handle_bytes(raw)).stored == 0  # the same message again: nothing new
    (open_one,) = await counters_of_case(store.sessionmaker, "case-4")
    assert (open_one.name, open_one.proposed_start, open_one.talk_start) == ("Sanne de Vries", second, START)
    assert [a.answer for a in store.told] == ["counter", "counter"]
    decided = await decide_counter(
        store.sessionmaker, case_id="case-4", counter_id=open_one.id, accept=True, by="carla@example.nl"
    )
    assert decided is not None and decided.status == "accepted"
    assert await counters_of_case(store.sessionmaker, "case-4") == []
    assert (
        await decide_counter(
            store.sessionmaker, case_id="case-4", counter_id=open_one.id, accept=False, by="carla@example.nl"
        )
        is None
    )  # answered already
    statuses = sorted(c.status for c in await counters_of_case(store.sessionmaker, "case-4", open_only=False))
    assert statuses == ["accepted", "superseded"]


# --------------------------------------------------------------------------------------------------
# The next free slot


async def slot(store: Store, declined: CalendarSeries, *, now: datetime) -> datetime | None:
    """The next free slot for ``declined`` (saved as case-0), with what ``save`` put in the store."""
    await save_series(store.sessionmaker, case_id="case-0", series=declined)
    async with store.sessionmaker() as session:
        connection = await session.connection()
        return await connection.run_sync(
            lambda sync: next_free_slot(sync, declined, talk_start=declined.start, now=now)
        )


async def test_the_next_free_slot_avoids_everyone_s_other_talks_weekends_and_holidays(store: Store) -> None:
    friday = datetime(2030, 4, 26, 12, 0, tzinfo=AMS)  # Koningsdag 2030 is Saturday 27 April
    declined = evaluation(start=datetime(2030, 4, 26, 10, 0, tzinfo=AMS))
    # After Friday: Monday 29 April at the talk's own time, 10:00, while nothing else is planned.
    assert await slot(store, declined, now=friday) == datetime(2030, 4, 29, 10, 0, tzinfo=AMS)
    # Mark has an evaluation of another case at 10:30 on that Monday: 10:00 collides, and so do the
    # quarters nearer to it; 9:30-10:30 ends as the other starts.
    other = evaluation(start=datetime(2030, 4, 29, 10, 30, tzinfo=AMS), people=(CARLA, MARK))
    await save_series(store.sessionmaker, case_id="case-other", series=other)
    assert await slot(store, declined, now=friday) == datetime(2030, 4, 29, 9, 30, tzinfo=AMS)
    # Koningsdag on a weekday (Tuesday 27 April 2027) is skipped.
    monday = datetime(2027, 4, 26, 12, 0, tzinfo=AMS)
    declined_2027 = evaluation(start=datetime(2027, 4, 26, 10, 0, tzinfo=AMS))
    assert await slot(store, declined_2027, now=monday) == datetime(2027, 4, 28, 10, 0, tzinfo=AMS)


async def test_a_weekly_series_is_busy_on_each_of_its_days(store: Store) -> None:
    await save_series(store.sessionmaker, case_id="case-checkins", series=checkins())  # Mondays 10:00-10:15
    friday = datetime(2030, 3, 8, 12, 0, tzinfo=AMS)
    declined = evaluation(start=datetime(2030, 3, 8, 10, 0, tzinfo=AMS), people=(CARLA, MARK))
    # Monday 11 March 10:00 is Mark's check-in: the nearest free start of an hour's talk is 10:15.
    assert await slot(store, declined, now=friday) == datetime(2030, 3, 11, 10, 15, tzinfo=AMS)


# --------------------------------------------------------------------------------------------------
# The embedded stack: the mail catcher hands mail for the product's mailbox to the reply reader


async def test_the_mail_catcher_hands_replies_for_the_product_s_mailbox_to_the_reader(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    await create_tables(engine)
    sessionmaker = make_sessionmaker(engine)
    series = evaluation()
    await save_series(sessionmaker, case_id="case-5", series=series)
    handed: list[bytes] = []
    handler = ReplyHandler(sessionmaker)

    async def on_mail(raw: bytes) -> object:
        handed.append(raw)
        return await handler.handle_bytes(raw)

    catcher = MailCatcher(tmp_path / "mail", port=free_port(), mailbox=MAILBOX.upper(), on_mail=on_mail)
    catcher.start()
    try:
        reply = thunderbird_reply(
            uid=series.uid, attendee=MARK, partstat="ACCEPTED", organizer=MAILBOX, summary="x", start=START
        )
        await aiosmtplib.send(reply, sender=MARK[1], recipients=[MAILBOX], hostname="127.0.0.1", port=catcher.port)
        elsewhere = plain_mail(sender=MARK, to="team@example.nl", subject="Koffie", text="Wie wil koffie?")
        await aiosmtplib.send(
            elsewhere, sender=MARK[1], recipients=["team@example.nl"], hostname="127.0.0.1", port=catcher.port
        )
        async with asyncio.timeout(30):
            while True:
                (talk,) = await attendance_of_case(sessionmaker, "case-5")
                if answer_of(talk.people, MARK[1]) == "accepted":
                    break
                await asyncio.sleep(0.05)
    finally:
        catcher.stop()
        await engine.dispose()
    assert len(handed) == 1  # only the mail for the product's mailbox
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 2  # both kept for the /outbox page
