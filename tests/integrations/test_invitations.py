"""A whole series life, as the activities would drive it, through the outbox to a real SMTP server."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime

import icalendar
import pytest

from integrations import calendar as cal
from integrations.calendar import Participant
from integrations.invitations import SeriesText, plan, send_invitations, send_notices
from integrations.outbox import OutboxStatus, list_outbox
from integrations.smtp import SmtpSender, TransientMailError

from .conftest import AMS, DTSTAMP, SmtpServer

FROM = "verzuim@example.nl"


def sender_for(server: SmtpServer) -> SmtpSender:
    return SmtpSender("127.0.0.1", server.port, tls="none", timeout=5)


def inbox(server: SmtpServer, address: str) -> list[tuple[str, icalendar.Event | None, bytes]]:
    """(METHOD, first VEVENT, calendar bytes) of every message one address received, in order."""
    found = []
    for received in server.messages:
        if address not in received.rcpt_tos:
            continue
        message = email.message_from_bytes(received.data, policy=email.policy.default)
        part = list(message.iter_parts())[-1]
        data = part.get_payload(decode=True)
        calendar = icalendar.Calendar.from_ical(data)
        assert part["Content-Type"].params["method"] == calendar["METHOD"]
        assert data.count(b"\r\n") == data.count(b"\n")
        found.append((str(calendar["METHOD"]), calendar.walk("VEVENT")[0], data))
    return found


async def test_life_of_a_series(sessionmaker, smtp_server: SmtpServer, progress_series, manager, employee) -> None:
    sender = sender_for(smtp_server)
    buddy = Participant("bob.buddy@example.com", "Bob Buddy")
    coach = Participant("cora.coach@example.com", "Cora Coach")
    series = cal.with_attendee(progress_series, buddy)

    async def apply(new, change, **kwargs):
        outgoing = plan(new, change=change, dtstamp=DTSTAMP, **kwargs)
        report = await send_invitations(sessionmaker, sender, new, outgoing, mail_from=FROM, case_id="case-9")
        assert report.ok
        # an activity retried after it finished sends nothing more
        again = await send_invitations(sessionmaker, sender, new, outgoing, mail_from=FROM)
        assert sorted(again.sent) == sorted(report.sent)
        return new

    series = await apply(series, "new")
    original = datetime(2026, 3, 30, 10, tzinfo=AMS)
    series = await apply(
        cal.moved(series, original_start=original, new_start=datetime(2026, 3, 31, 14, tzinfo=AMS)),
        "moved",
        recurrence_id=original,
    )
    cancelled_day = datetime(2026, 4, 13, 10, tzinfo=AMS)
    series = await apply(
        cal.occurrence_cancelled(series, original_start=cancelled_day),
        "occurrence_cancelled",
        recurrence_id=cancelled_day,
    )
    after, removed = cal.without_attendee(series, buddy.email)
    series = await apply(after, "removed", removed=removed)
    series = await apply(cal.with_attendee(series, coach), "update")
    series = await apply(cal.ended(series, last_start=datetime(2026, 6, 22, 10, tzinfo=AMS)), "ended")
    series = await apply(cal.cancelled(series), "cancelled")

    got = inbox(smtp_server, manager.email)
    assert [m for m, _e, _d in got] == ["REQUEST", "REQUEST", "CANCEL", "REQUEST", "REQUEST", "REQUEST", "CANCEL"]
    sequences = [int(e["SEQUENCE"]) for _m, e, _d in got]
    assert sequences == sorted(set(sequences)) and sequences[0] == 1  # strictly increasing
    assert all(e["UID"] == progress_series.uid for _m, e, _d in got)
    assert "RECURRENCE-ID" in got[1][1] and got[2][1]["STATUS"] == "CANCELLED" and "RECURRENCE-ID" in got[2][1]
    assert b"UNTIL=20260622T080000Z" in got[5][2].replace(b"\r\n ", b"")
    assert got[-1][1]["STATUS"] == "CANCELLED"

    buddy_got = inbox(smtp_server, buddy.email)
    assert [m for m, _e, _d in buddy_got] == ["REQUEST", "REQUEST", "CANCEL", "CANCEL"]
    farewell = buddy_got[-1][1]
    assert "STATUS" not in farewell and str(farewell["ATTENDEE"]) == f"mailto:{buddy.email}"

    coach_got = inbox(smtp_server, coach.email)
    assert [m for m, _e, _d in coach_got] == ["REQUEST", "REQUEST", "CANCEL"]
    # the stored state followed along: cancelled at the end, so nobody's feed shows it
    from integrations.feeds import series_for_person, series_of_case

    (stored,) = await series_of_case(sessionmaker, "case-9")
    assert stored == series
    assert await series_for_person(sessionmaker, manager.email) == []
    # one message per person per step, never twice
    entries = await list_outbox(sessionmaker, limit=1000)
    assert len(entries) == len(smtp_server.messages)
    assert {e.status for e in entries} == {OutboxStatus.sent}


async def test_refused_address_is_reported_and_the_others_are_sent(
    sessionmaker, smtp_server: SmtpServer, progress_series, manager, employee
) -> None:
    smtp_server.handler.refuse[employee.email] = "550 5.1.1 unknown user"
    outgoing = plan(progress_series, change="new", dtstamp=DTSTAMP)
    report = await send_invitations(sessionmaker, sender_for(smtp_server), progress_series, outgoing, mail_from=FROM)
    assert report.sent == (manager.email,)
    assert [address for address, _reason in report.failed] == [employee.email]
    assert len(smtp_server.messages) == 1


async def test_transient_error_raises_after_trying_everyone(
    sessionmaker, smtp_server: SmtpServer, progress_series, manager, employee
) -> None:
    smtp_server.handler.refuse[manager.email] = "451 4.7.1 greylisted"
    outgoing = plan(progress_series, change="new", dtstamp=DTSTAMP)
    with pytest.raises(TransientMailError):
        await send_invitations(sessionmaker, sender_for(smtp_server), progress_series, outgoing, mail_from=FROM)
    assert [m.rcpt_tos for m in smtp_server.messages] == [[employee.email]]
    del smtp_server.handler.refuse[manager.email]
    report = await send_invitations(sessionmaker, sender_for(smtp_server), progress_series, outgoing, mail_from=FROM)
    assert sorted(report.sent) == sorted([manager.email, employee.email])
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == sorted([manager.email, employee.email])


def test_plan_refuses_inconsistent_input(progress_series, manager) -> None:
    with pytest.raises(ValueError):
        plan(progress_series, change="moved", dtstamp=DTSTAMP)
    with pytest.raises(ValueError):
        plan(progress_series, change="removed", dtstamp=DTSTAMP, removed=manager)  # still an attendee
    with pytest.raises(ValueError):
        plan(progress_series, change="rescheduled", dtstamp=DTSTAMP)


async def test_notices_once_per_recipient(sessionmaker, smtp_server: SmtpServer) -> None:
    team = [Participant(f"c{n}@example.com", f"Collega {n}") for n in range(2)]
    context = {"employee_name": "Jan", "manager_name": "Mia", "start_date": datetime(2026, 3, 2, tzinfo=AMS)}
    for _ in range(2):
        report = await send_notices(
            sessionmaker,
            sender_for(smtp_server),
            idempotency_key="case-1/team/1",
            kind="team_notice",
            recipients=team,
            context=context,
            mail_from=FROM,
        )
        assert sorted(report.sent) == [p.email for p in team]
    assert len(smtp_server.messages) == 2


async def test_each_attendee_gets_the_calendar_and_mail_of_their_own_language(
    sessionmaker, smtp_server: SmtpServer, progress_series, manager, employee
) -> None:
    """Issue 18, finding 10: SUMMARY, LOCATION, DESCRIPTION, subject and text in the reader's language;
    one series (same UID and SEQUENCE), a calendar per language. A removed attendee's farewell too."""
    texts = {
        "nl": SeriesText("Voortgangsgesprek: Jan", "Telefonisch", "Dossier: https://x.example/cases/1"),
        "en": SeriesText("Progress talk: Jan", "By phone", "Case: https://x.example/cases/1", "Jan has recovered."),
    }
    buddy = Participant("bob.buddy@example.com", "Bob Buddy", language="en")
    outgoing = plan(progress_series, change="new", dtstamp=DTSTAMP, texts=texts)
    assert [item.recipient.email for item in outgoing] == [manager.email, employee.email]
    report = await send_invitations(sessionmaker, sender_for(smtp_server), progress_series, outgoing, mail_from=FROM)
    assert report.ok
    (dutch,) = inbox(smtp_server, manager.email)
    (english,) = inbox(smtp_server, employee.email)
    assert (str(dutch[1]["SUMMARY"]), str(dutch[1]["LOCATION"])) == ("Voortgangsgesprek: Jan", "Telefonisch")
    assert (str(english[1]["SUMMARY"]), str(english[1]["LOCATION"])) == ("Progress talk: Jan", "By phone")
    assert str(english[1]["DESCRIPTION"]) == "Case: https://x.example/cases/1"
    assert dutch[1]["UID"] == english[1]["UID"] and dutch[1]["SEQUENCE"] == english[1]["SEQUENCE"]
    received = {
        m.rcpt_tos[0]: email.message_from_bytes(m.data, policy=email.policy.default) for m in smtp_server.messages
    }
    assert received[employee.email]["Subject"] == "Invitation: Progress talk: Jan"
    assert received[manager.email]["Subject"] == "Uitnodiging: Voortgangsgesprek: Jan"
    assert "Where: By phone" in received[employee.email].get_body(("plain",)).get_content()

    with_buddy = cal.with_attendee(progress_series, buddy)
    after, removed = cal.without_attendee(cal.updated(with_buddy), buddy.email)
    farewell = plan(after, change="removed", dtstamp=DTSTAMP, removed=removed, texts=texts)
    assert sorted((item.recipient.email, item.method) for item in farewell) == sorted(
        [(manager.email, "REQUEST"), (buddy.email, "CANCEL"), (employee.email, "REQUEST")]
    )
    (to_buddy,) = [item for item in farewell if item.recipient.email == buddy.email]
    assert b"SUMMARY:Progress talk: Jan" in to_buddy.calendar and to_buddy.note == "Jan has recovered."
