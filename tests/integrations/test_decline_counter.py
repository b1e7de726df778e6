"""HR declines a proposed other time: the proposer gets an iTIP DECLINECOUNTER (RFC 5546 3.2.8) in an
iMIP message (RFC 6047), so their calendar knows the talk stays where it is. Two parsers (icalendar,
vobject), the mail as a client reads it, and the outbox through a real SMTP server."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from datetime import datetime

import icalendar
import pytest
import vobject

from integrations import calendar as cal
from integrations.calendar import CalendarSeries, Participant, check_itip
from integrations.invitations import SeriesText, plan, send_invitations
from integrations.mail import invitation_message
from integrations.smtp import SmtpSender

from .conftest import AMS, DTSTAMP, SmtpServer

FROM = "verzuim@example.nl"
PROPOSED = datetime(2026, 3, 31, 14, 30, tzinfo=AMS)


def _to_proposer(series: CalendarSeries, proposer: Participant) -> CalendarSeries:
    return dataclasses.replace(series, attendees=(proposer,), description="Dossier: https://hr.example.nl/cases/c1")


def _calendar_of(message: email.message.EmailMessage) -> tuple[dict[str, str], bytes]:
    """The calendar part's Content-Type parameters, and its bytes."""
    part = list(message.iter_parts())[-1]
    assert part.get_content_type() == "text/calendar"
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    return dict(part["Content-Type"].params), data


@pytest.mark.parametrize("occurrence", [None, datetime(2026, 3, 30, 10, 0, tzinfo=AMS)])
def test_a_declinecounter_echoes_the_event_and_names_the_proposer_as_both_parsers_read_it(
    progress_series: CalendarSeries, employee: Participant, occurrence: datetime | None
) -> None:
    series = dataclasses.replace(progress_series, sequence=3)
    data = cal.decline_counter(series, employee, dtstamp=DTSTAMP, recurrence_id=occurrence)

    assert check_itip(data) == [] and cal.quick_check_itip(data) == []
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["METHOD"] == "DECLINECOUNTER"
    (event,) = calendar.walk("VEVENT")
    assert event["UID"] == series.uid and event["SEQUENCE"] == 3 and event["DTSTAMP"].dt == DTSTAMP
    assert str(event["ORGANIZER"]) == "mailto:verzuim@example.nl"
    assert str(event["ATTENDEE"]) == f"mailto:{employee.email}"  # the proposer, and only them
    # RFC 5546 3.2.8: a DECLINECOUNTER describes nothing of the event (DTSTART, SUMMARY, ... are 0).
    for name in ("DTSTART", "DTEND", "SUMMARY", "LOCATION", "RRULE", "DESCRIPTION", "STATUS"):
        assert name not in event, name
    if occurrence is None:
        assert "RECURRENCE-ID" not in event and not calendar.walk("VTIMEZONE")
    else:
        assert event["RECURRENCE-ID"].dt == occurrence
        assert event["RECURRENCE-ID"].params["TZID"] == "Europe/Amsterdam" and calendar.walk("VTIMEZONE")

    parsed = vobject.readOne(data.decode("utf-8"))
    assert parsed.method.value == "DECLINECOUNTER"
    assert parsed.vevent.uid.value == series.uid and parsed.vevent.sequence.value == "3"
    assert [a.value for a in parsed.vevent.attendee_list] == [f"mailto:{employee.email}"]
    assert parsed.vevent.organizer.value == "mailto:verzuim@example.nl"
    assert not hasattr(parsed.vevent, "dtstart")
    if occurrence is not None:
        assert parsed.vevent.recurrence_id.value == occurrence


def test_a_single_talk_has_no_occurrence_to_decline(progress_series: CalendarSeries, employee: Participant) -> None:
    single = dataclasses.replace(progress_series, interval_weeks=None, until=None)
    with pytest.raises(ValueError, match="no occurrences"):
        cal.decline_counter(single, employee, dtstamp=DTSTAMP, recurrence_id=single.start)


def test_the_checks_refuse_a_declinecounter_that_describes_the_event(
    progress_series: CalendarSeries, employee: Participant
) -> None:
    data = cal.decline_counter(progress_series, employee, dtstamp=DTSTAMP)
    with_start = data.replace(b"SEQUENCE:0\r\n", b"SEQUENCE:0\r\nSUMMARY:Voortgangsgesprek\r\n")
    assert any("SUMMARY" in problem for problem in check_itip(with_start))
    assert any("SUMMARY" in problem for problem in cal.quick_check_itip(with_start))
    without_attendee = b"".join(line for line in data.splitlines(keepends=True) if not line.startswith(b"ATTENDEE"))
    assert any("ATTENDEE" in problem for problem in check_itip(without_attendee))
    assert any("ATTENDEE" in problem for problem in cal.quick_check_itip(without_attendee))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_mail_says_kindly_that_the_talk_stays_and_carries_the_method_twice(
    progress_series: CalendarSeries, employee: Participant, language: str
) -> None:
    proposer = dataclasses.replace(employee, language=language)
    series = _to_proposer(progress_series, proposer)
    (outgoing,) = plan(series, change="counter_declined", dtstamp=DTSTAMP, proposed_start=PROPOSED)
    assert (outgoing.recipient, outgoing.method) == (proposer, "DECLINECOUNTER")

    message = invitation_message(
        series,
        method=outgoing.method,
        calendar=outgoing.calendar,
        recipient=proposer,
        mail_from=FROM,
        message_key="k1",
        change=outgoing.change,
        proposed_start=outgoing.proposed_start,
    )
    params, data = _calendar_of(message)
    assert params == {"charset": "UTF-8", "method": "DECLINECOUNTER"}
    assert b"Content-Type: text/calendar; charset=UTF-8; method=DECLINECOUNTER\n" in message.as_bytes()
    assert icalendar.Calendar.from_ical(data)["METHOD"] == "DECLINECOUNTER"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = str(body.get_content())
    if language == "nl":
        assert message["Subject"] == "Voorstel niet overgenomen: Voortgangsgesprek"
        assert "te verplaatsen naar dinsdag 31 maart 2026 14:30 is niet overgenomen" in text, text
        assert "de afspraak blijft op maandag 16 maart 2026, 10:00–10:45" in text, text
        assert "Neem contact op met Carla de Casemanager" in text, text
    else:
        assert message["Subject"] == "Proposal not taken up: Voortgangsgesprek"
        assert "to Tuesday 31 March 2026 14:30 (Dutch time) has not been taken up" in text, text
        assert "the appointment stays on Monday 16 March 2026, 10:00–10:45" in text, text
        assert "Please contact Carla de Casemanager" in text, text
    assert "https://hr.example.nl/cases/c1" in text  # the case link, as every invitation has it


def test_the_mail_for_one_occurrence_names_that_occurrence(
    progress_series: CalendarSeries, manager: Participant
) -> None:
    series = _to_proposer(progress_series, manager)
    occurrence = datetime(2026, 3, 30, 10, 0, tzinfo=AMS)
    (outgoing,) = plan(
        series, change="counter_declined", dtstamp=DTSTAMP, proposed_start=PROPOSED, recurrence_id=occurrence
    )
    message = invitation_message(
        series,
        method="DECLINECOUNTER",
        calendar=outgoing.calendar,
        recipient=manager,
        mail_from=FROM,
        message_key="k2",
        change="counter_declined",
        occurrence=occurrence,
        proposed_start=PROPOSED,
    )
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "de afspraak blijft op maandag 30 maart 2026, 10:00–10:45." in str(body.get_content())


def test_a_declined_proposal_is_for_the_proposer_alone(progress_series: CalendarSeries) -> None:
    with pytest.raises(ValueError, match="proposer only"):
        plan(progress_series, change="counter_declined", dtstamp=DTSTAMP, proposed_start=PROPOSED)
    with pytest.raises(ValueError, match="DECLINECOUNTER"):
        invitation_message(
            progress_series,
            method="REQUEST",
            calendar=cal.series_request(progress_series, dtstamp=DTSTAMP),
            recipient=progress_series.attendees[0],
            mail_from=FROM,
            message_key="k3",
            change="counter_declined",
            proposed_start=PROPOSED,
        )


async def test_each_declined_proposal_goes_once_and_a_second_one_still_goes(
    sessionmaker, smtp_server: SmtpServer, progress_series: CalendarSeries, employee: Participant
) -> None:
    sender = SmtpSender("127.0.0.1", smtp_server.port, tls="none", timeout=5)
    series = _to_proposer(progress_series, employee)
    texts = {"en": SeriesText("Progress talk", "Utrecht office"), "nl": SeriesText("Voortgangsgesprek", "Utrecht")}

    async def decline(proposed: datetime) -> None:
        outgoing = plan(series, change="counter_declined", dtstamp=DTSTAMP, proposed_start=proposed, texts=texts)
        report = await send_invitations(sessionmaker, sender, series, outgoing, mail_from=FROM)
        assert report.sent == (employee.email,)

    await decline(PROPOSED)
    await decline(PROPOSED)  # a retried activity, or the same decision again: nothing more
    await decline(datetime(2026, 4, 1, 9, 0, tzinfo=AMS))  # another proposal: its own answer

    assert [sorted(m.rcpt_tos) for m in smtp_server.messages] == [[employee.email], [employee.email]]
    for received in smtp_server.messages:
        message = email.message_from_bytes(received.data, policy=email.policy.default)
        assert message["Subject"] == "Proposal not taken up: Progress talk"  # the proposer's language
        params, data = _calendar_of(message)  # type: ignore[arg-type]
        assert params["method"] == icalendar.Calendar.from_ical(data)["METHOD"] == "DECLINECOUNTER"
        assert b"Content-Type: text/calendar; charset=UTF-8; method=DECLINECOUNTER\r\n" in received.data
