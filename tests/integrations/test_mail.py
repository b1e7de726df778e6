"""iMIP messages and notices, checked on the bytes a real SMTP server received."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from datetime import UTC, date, datetime
from email.message import EmailMessage

import pytest

from integrations import calendar as cal
from integrations.calendar import CalendarSeries, Participant
from integrations.mail import NOTICES, invitation_message, message_id, notice_message
from integrations.smtp import WIRE_POLICY, SmtpSender, message_bytes

from .conftest import AMS, DTSTAMP, SmtpServer

FROM = "verzuim@example.nl"


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def header_names(data: bytes) -> list[str]:
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return [line.split(":", 1)[0] for line in head.split("\r\n") if line and not line[0].isspace()]


async def deliver(server: SmtpServer, *messages: EmailMessage) -> list[bytes]:
    sender = SmtpSender("127.0.0.1", server.port, tls="none", timeout=5)
    async with sender:
        for message in messages:
            await sender.send(message)
    return [m.data for m in server.messages]


def calendar_part(message: EmailMessage) -> EmailMessage:
    parts = list(message.iter_parts())
    return parts[-1]


async def test_invitation_mime_structure_on_the_wire(
    smtp_server: SmtpServer, progress_series: CalendarSeries, manager: Participant
) -> None:
    ics = cal.series_request(progress_series, dtstamp=DTSTAMP)
    message = invitation_message(
        progress_series, method="REQUEST", calendar=ics, recipient=manager, mail_from=FROM, message_key="k-1"
    )
    (data,) = await deliver(smtp_server, message)
    received = parse(data)
    assert received.get_content_type() == "multipart/alternative"
    parts = list(received.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html", "text/calendar"]
    part = parts[-1]
    assert part["Content-Type"].params == {"charset": "UTF-8", "method": "REQUEST"}
    assert b"Content-Type: text/calendar; charset=UTF-8; method=REQUEST\r\n" in data
    assert part["Content-Transfer-Encoding"] == "base64"
    body = part.get_payload(decode=True)
    assert body == ics  # byte for byte: CRLF survived
    assert body.count(b"\r\n") == body.count(b"\n")
    assert re.search(rb"^METHOD:REQUEST\r$", body, flags=re.M)
    assert received["To"].addresses[0].addr_spec == manager.email
    assert received["From"].addresses[0].addr_spec == FROM
    assert received["From"].addresses[0].display_name == "Carla de Casemanager"
    assert received["Message-ID"] == message_id("k-1", FROM)
    assert "Voortgangsgesprek" in received["Subject"]
    text = parts[0].get_content()
    assert "Beste Mia Manager" in text and "Wat ging de afgelopen twee weken goed?" in text
    assert "maandag 16 maart 2026, 10:00–10:45" in text and "om de 2 weken op maandag" in text


@pytest.mark.parametrize(
    ("name", "readable"),
    [
        ("Jansen, Mark van der Berg-de Vries van der Berg-de Vries van der Berg-de Vries", ["Jansen", "Mark", "Vries"]),
        ("Team: Mark; Sanne <mark@example.nl> (HR) [extern], en nog wat woorden erbij", ["Team", "Sanne", "erbij"]),
        ("=?utf-8?q?=0A?==?utf-8?q?=0A?=ATTENDEE:mailto:x@example.comATTENDEE:mailto:x@example.com", ["ATTENDEE"]),
    ],
)
async def test_a_long_name_with_commas_and_colons_stays_one_address(
    smtp_server: SmtpServer, progress_series: CalendarSeries, name: str, readable: list[str]
) -> None:
    # Python 3.11 folds a quoted-string display name without its quotes once the header is longer
    # than a line: the name's own comma or colon then split the To header into more addresses.
    person = Participant("target@example.com", name)
    series = dataclasses.replace(
        progress_series, attendees=(person,), organizer=dataclasses.replace(progress_series.organizer, name=name)
    )
    ics = cal.series_request(series, dtstamp=DTSTAMP)
    message = invitation_message(
        series, method="REQUEST", calendar=ics, recipient=person, mail_from=FROM, message_key="k-9"
    )
    (data,) = await deliver(smtp_server, message)
    received = parse(data)
    assert [a.addr_spec for a in received["To"].addresses] == ["target@example.com"]
    assert [a.addr_spec for a in received["From"].addresses] == [FROM]
    shown = received["To"].addresses[0].display_name
    assert all(word in shown for word in readable)


async def test_cancel_method_parameter_matches(
    smtp_server: SmtpServer, progress_series: CalendarSeries, manager: Participant
) -> None:
    series = cal.cancelled(progress_series)
    ics = cal.series_cancel(series, dtstamp=DTSTAMP)
    message = invitation_message(
        series, method="CANCEL", calendar=ics, recipient=manager, mail_from=FROM, message_key="c"
    )
    (data,) = await deliver(smtp_server, message)
    part = calendar_part(parse(data))
    assert part["Content-Type"].params["method"] == "CANCEL"
    body = part.get_payload(decode=True)
    assert b"\r\nMETHOD:CANCEL\r\n" in body and b"\r\nSTATUS:CANCELLED\r\n" in body
    assert "Geannuleerd" in parse(data)["Subject"]


def test_method_must_equal_the_calendar(progress_series: CalendarSeries, manager: Participant) -> None:
    ics = cal.series_request(progress_series, dtstamp=DTSTAMP)
    with pytest.raises(ValueError):
        invitation_message(
            progress_series, method="CANCEL", calendar=ics, recipient=manager, mail_from=FROM, message_key="x"
        )
    with pytest.raises(ValueError):
        invitation_message(
            progress_series,
            method="REQUEST",
            calendar=ics.replace(b"\r\n", b"\n"),
            recipient=manager,
            mail_from=FROM,
            message_key="x",
        )


def test_recipient_must_be_an_attendee(progress_series: CalendarSeries) -> None:
    ics = cal.series_request(progress_series, dtstamp=DTSTAMP)
    stranger = Participant("someone@example.org", "Someone")
    with pytest.raises(ValueError):
        invitation_message(
            progress_series, method="REQUEST", calendar=ics, recipient=stranger, mail_from=FROM, message_key="x"
        )


def test_message_id_and_boundary_are_deterministic(progress_series: CalendarSeries, manager: Participant) -> None:
    ics = cal.series_request(progress_series, dtstamp=DTSTAMP)
    one = invitation_message(
        progress_series, method="REQUEST", calendar=ics, recipient=manager, mail_from=FROM, message_key="same"
    )
    two = invitation_message(
        progress_series, method="REQUEST", calendar=ics, recipient=manager, mail_from=FROM, message_key="same"
    )
    other = invitation_message(
        progress_series, method="REQUEST", calendar=ics, recipient=manager, mail_from=FROM, message_key="other"
    )
    assert one["Message-ID"] == two["Message-ID"] != other["Message-ID"]
    assert one.get_boundary() == two.get_boundary()
    assert one["Message-ID"].endswith("@example.nl>")


def test_writing_many_messages_keeps_no_memory_per_message(
    progress_series: CalendarSeries, manager: Participant
) -> None:
    """Headers that repeat are shared between messages and fold once; the generator writes every part
    with a new clone of the policy, and a shared header must not keep one folded copy per clone."""
    ics = cal.series_request(progress_series, dtstamp=DTSTAMP)
    written = []
    for number in range(50):
        message = invitation_message(
            progress_series, method="REQUEST", calendar=ics, recipient=manager, mail_from=FROM, message_key=f"k{number}"
        )
        written.append(message_bytes(message))
    shared = calendar_part(message)["Content-Transfer-Encoding"]
    assert (
        shared
        is calendar_part(
            invitation_message(
                progress_series, method="REQUEST", calendar=ics, recipient=manager, mail_from=FROM, message_key="x"
            )
        )["Content-Transfer-Encoding"]
    )
    # One per policy setting (line end, utf8: other tests of the session write the same shared
    # header with theirs), not one per message written.
    assert 1 <= len(vars(shared).get("_folded", {})) <= 4
    assert all(b"Content-Transfer-Encoding: base64\r\n" in data for data in written)


def test_english_for_english_recipients(progress_series: CalendarSeries, employee: Participant) -> None:
    ics = cal.series_request(progress_series, dtstamp=DTSTAMP)
    message = invitation_message(
        progress_series, method="REQUEST", calendar=ics, recipient=employee, mail_from=FROM, message_key="e"
    )
    assert message["Subject"] == "Invitation: Voortgangsgesprek"
    assert message["Content-Language"] == "en"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Dear Jan Werknemer,")
    assert "every 2 weeks on Monday, until Monday 9 November 2026" in text


@pytest.mark.parametrize(
    ("change", "words_nl"),
    [("update", "Gewijzigd"), ("ended", "Laatste afspraak gewijzigd"), ("removed", "Je bent afgemeld")],
)
def test_change_wording(progress_series: CalendarSeries, manager: Participant, change: str, words_nl: str) -> None:
    series = cal.updated(progress_series)
    method = "CANCEL" if change == "removed" else "REQUEST"
    ics = (
        cal.attendee_cancel(series, manager, dtstamp=DTSTAMP)
        if method == "CANCEL"
        else cal.series_request(series, dtstamp=DTSTAMP)
    )
    message = invitation_message(
        series, method=method, calendar=ics, recipient=manager, mail_from=FROM, message_key="w", change=change
    )
    assert message["Subject"].startswith(words_nl)


def test_moved_and_cancelled_occurrence_wording(progress_series: CalendarSeries, manager: Participant) -> None:
    original = datetime(2026, 3, 30, 10, tzinfo=AMS)
    series = cal.moved(progress_series, original_start=original, new_start=datetime(2026, 3, 31, 14, tzinfo=AMS))
    ics = cal.occurrence_request(series, recurrence_id=original, dtstamp=DTSTAMP)
    message = invitation_message(
        series,
        method="REQUEST",
        calendar=ics,
        recipient=manager,
        mail_from=FROM,
        message_key="m",
        change="moved",
        occurrence=original,
    )
    text = message.get_body(("plain",)).get_content()
    assert "Was: maandag 30 maart 2026, 10:00–10:45" in text
    assert "Wordt: dinsdag 31 maart 2026, 14:00–14:45" in text
    series = cal.occurrence_cancelled(series, original_start=datetime(2026, 4, 13, 10, tzinfo=AMS))
    ics = cal.occurrence_cancel(series, recurrence_id=datetime(2026, 4, 13, 10, tzinfo=AMS), dtstamp=DTSTAMP)
    message = invitation_message(
        series,
        method="CANCEL",
        calendar=ics,
        recipient=manager,
        mail_from=FROM,
        message_key="o",
        change="occurrence_cancelled",
        occurrence=datetime(2026, 4, 13, 10, tzinfo=AMS),
    )
    assert message["Subject"] == "Gaat niet door: Voortgangsgesprek (maandag 13 april 2026, 10:00–10:45)"


HOSTILE = [
    "Jan\r\nBcc: evil@example.com",
    "Jan\nX-Injected: yes",
    "Jan\rX-Injected: yes",
    "=?utf-8?q?=0A?=X-Injected: yes",
    "=?utf-8?q?Jan=0D=0ABcc=3A_evil=40example.com?=",
    'Jan; ROLE=CHAIR, "quoted" \\ back',
    "Jan\u2028X-Injected: yes\u0085Y\x00Z",
    "Jan " + "heel lang " * 60,
]


@pytest.mark.parametrize("hostile", HOSTILE)
async def test_hostile_names_and_subjects_never_become_headers(
    smtp_server: SmtpServer, progress_series: CalendarSeries, organizer: Participant, hostile: str
) -> None:
    recipient = Participant("target@example.com", hostile)
    series = dataclasses.replace(
        progress_series,
        summary="Gesprek " + hostile,
        location=hostile,
        description=hostile,
        organizer=dataclasses.replace(organizer, name=hostile),
        attendees=(recipient,),
    )
    ics = cal.series_request(series, dtstamp=DTSTAMP)
    message = invitation_message(
        series, method="REQUEST", calendar=ics, recipient=recipient, mail_from=FROM, message_key="h"
    )
    notice = notice_message(
        kind="bounce_warning",
        recipient=recipient,
        mail_from=FROM,
        message_key="n",
        context={
            "address": "target@example.com",
            "person_name": hostile,
            "message_subject": hostile,
            "reason": hostile,
        },
    )
    for data in await deliver(smtp_server, message, notice):
        names = header_names(data)
        assert "Bcc" not in names and "X-Injected" not in names
        assert len(names) == len(set(names))  # nothing doubled
        received = parse(data)
        for name in ("Subject", "From", "To"):
            value = str(received[name])
            assert "\n" not in value and "\r" not in value
            assert "=?" not in value  # no encoded words smuggled through (decoded text)
        assert received["To"].addresses[0].addr_spec == "target@example.com"
        assert len(received["To"].addresses) == 1
        assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    body = calendar_part(parse(smtp_server.messages[0].data)).get_payload(decode=True)
    calendars = cal.Calendar.from_ical(body, multiple=True)
    assert len(calendars) == 1
    (event,) = calendars[0].walk("VEVENT")
    assert len(event.get("ATTENDEE") if isinstance(event.get("ATTENDEE"), list) else [event.get("ATTENDEE")]) == 1
    assert "X-INJECTED" not in event and "BCC" not in event
    assert str(event["LOCATION"]).startswith(hostile.split("\r")[0].split("\n")[0].split("=?")[0][:3])


def test_notice_fields_are_closed(manager: Participant) -> None:
    with pytest.raises(ValueError, match="does not take"):
        notice_message(
            kind="team_notice",
            recipient=manager,
            mail_from=FROM,
            message_key="t",
            context={"employee_name": "Jan", "manager_name": "Mia", "start_date": date(2026, 3, 2), "diagnosis": "x"},
        )
    with pytest.raises(ValueError, match="needs"):
        notice_message(kind="hr_reminder", recipient=manager, mail_from=FROM, message_key="t", context={"step": "x"})
    with pytest.raises(ValueError, match="unknown"):
        notice_message(kind="medical_update", recipient=manager, mail_from=FROM, message_key="t", context={})


NOTICE_CONTEXTS = {
    "team_notice": {
        "employee_name": "Jan",
        "manager_name": "Mia",
        "start_date": date(2026, 3, 2),
        "hours": 12,
        "will_do": ["post sorteren", "klantvragen per mail"],
        "not_yet": ["avonddiensten"],
    },
    "hr_reminder": {
        "step": "plan van aanpak",
        "due": date(2026, 4, 27),
        "case_ref": "C-2026-014",
        "case_url": "https://reintegratie.example.nl/cases/C-2026-014",
    },
    "hr_overdue": {"step": "probleemanalyse", "due": date(2026, 4, 13), "case_ref": "C-2026-014"},
    "coach_signal": {
        "case_ref": "C-2026-014",
        "signals": ["uren 4 weken niet verhoogd", "voortgangsgesprek gemist"],
        "manager_name": "Mia",
    },
    "buddy_request": {"manager_name": "Mia", "answer_url": "https://reintegratie.example.nl/buddy/abc"},
    "bounce_warning": {"address": "gone@example.com", "person_name": "Piet", "reason": "550 5.1.1 no such user"},
    "talk_declined": {
        "employee_name": "Sanne de Vries",
        "person_name": "Mark Jansen",
        "talk": "evaluation",
        "talk_day": date(2026, 4, 14),
        "talk_time": "10:00",
        "proposed_day": date(2026, 4, 15),
        "proposed_time": "10:00",
        "case_url": "https://reintegratie.example.nl/cases/C-2026-014",
    },
}


def sample_context(kind: str) -> dict:
    """A realistic context for the kinds above; for any other kind, one made from its declared fields."""
    if kind in NOTICE_CONTEXTS:
        return NOTICE_CONTEXTS[kind]
    required, optional = NOTICES[kind]
    context: dict = {}
    for name in sorted(required | optional):
        if name in ("due", "since") or name.endswith(("_date", "_day")):
            context[name] = date(2026, 3, 2)
        elif name in ("signals", "will_do", "not_yet"):
            context[name] = ["een punt", "nog een punt"]
        elif name == "hours":
            context[name] = 12
        elif name.endswith("_url"):
            context[name] = "https://reintegratie.example.nl/x"
        elif name == "address":
            context[name] = "gone@example.com"
        else:
            context[name] = "Tekst"
    return context


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("kind", sorted(NOTICES))
async def test_every_notice_renders_and_is_delivered(smtp_server: SmtpServer, kind: str, language: str) -> None:
    recipient = Participant("hr@example.nl", "Hanna HR", language=language)
    message = notice_message(
        kind=kind, recipient=recipient, mail_from=FROM, message_key=f"{kind}-{language}", context=sample_context(kind)
    )
    (data,) = await deliver(smtp_server, message)
    received = parse(data)
    assert [p.get_content_type() for p in received.iter_parts()] == ["text/plain", "text/html"]
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Content-Language"] == language
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    if kind == "team_notice":  # to a team's address: to the colleagues, not to a person's name
        assert text.startswith("Beste collega's," if language == "nl" else "Dear colleagues,")
    else:
        assert text.startswith("Beste Hanna HR," if language == "nl" else "Dear Hanna HR,")
    assert f'<html lang="{language}">' in html
    assert "{{" not in text and "{%" not in text


def test_html_is_escaped(manager: Participant) -> None:
    message = notice_message(
        kind="coach_signal",
        recipient=manager,
        mail_from=FROM,
        message_key="x",
        context={"case_ref": "<script>alert(1)</script>", "signals": ["<b>vet</b>"]},
    )
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>vet" not in html


def test_team_notice_text(manager: Participant) -> None:
    message = notice_message(
        kind="team_notice", recipient=manager, mail_from=FROM, message_key="t", context=NOTICE_CONTEXTS["team_notice"]
    )
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Jan: vanaf maandag 2 maart 2026 12 uur per week aanwezig"
    assert "Vanaf maandag 2 maart 2026 is Jan aanwezig, voorlopig 12 uur per week." in text
    assert "- post sorteren" in text and "- avonddiensten" in text
    assert "niet aan Jan" in text
    assert "Goed nieuws" not in text and "begint weer" not in text


@pytest.mark.parametrize(
    ("context", "subject", "sentence"),
    [
        (
            {"hours": 0},
            "Jan: vanaf maandag 2 maart 2026 voorlopig niet aanwezig",
            "Vanaf maandag 2 maart 2026 is Jan voorlopig niet aanwezig.",
        ),
        (
            {"hours": "0"},  # as a delivery decided before the notice knew "presence" carries it
            "Jan: vanaf maandag 2 maart 2026 voorlopig niet aanwezig",
            "Vanaf maandag 2 maart 2026 is Jan voorlopig niet aanwezig.",
        ),
        (
            {"presence": "full", "hours": "36"},
            "Jan: vanaf maandag 2 maart 2026 weer volledig aanwezig",
            "Vanaf maandag 2 maart 2026 is Jan weer volledig aanwezig, 36 uur per week.",
        ),
        (
            {"presence": "present", "hours": "12.5"},
            "Jan: vanaf maandag 2 maart 2026 12,5 uur per week aanwezig",
            "Vanaf maandag 2 maart 2026 is Jan aanwezig, voorlopig 12,5 uur per week.",
        ),
    ],
)
def test_a_team_notice_says_present_or_not_never_good_news(
    manager: Participant, context: dict, subject: str, sentence: str
) -> None:
    """Issue 18, finding 1: 0 hours is "not present", never a return; no "good news" about anyone's health."""
    base = {"employee_name": "Jan", "manager_name": "Mia", "start_date": date(2026, 3, 2)}
    message = notice_message(
        kind="team_notice", recipient=manager, mail_from=FROM, message_key="t", context=base | context
    )
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == subject
    assert sentence in text
    assert "Goed nieuws" not in text and "begint weer" not in text and " 0 uur" not in text


def test_dates_in_utc_are_shown_in_amsterdam_time(progress_series: CalendarSeries, manager: Participant) -> None:
    series = dataclasses.replace(progress_series, start=datetime(2026, 3, 16, 9, tzinfo=UTC))
    ics = cal.series_request(series, dtstamp=DTSTAMP)
    message = invitation_message(
        series, method="REQUEST", calendar=ics, recipient=manager, mail_from=FROM, message_key="u"
    )
    assert "10:00–10:45" in message.get_body(("plain",)).get_content()
    assert b"DTSTART;TZID=Europe/Amsterdam:20260316T100000" in ics


def test_a_subject_that_does_not_fit_beside_its_name_is_not_moved_to_a_line_of_its_own() -> None:
    """Python folds a value that does not fit beside ``Subject:`` whole onto the next line; readers
    then show it with a leading space. It goes on one line (RFC 5322 allows 998 octets)."""
    message = notice_message(
        kind="team_notice",
        recipient=Participant("team@example.nl", "Team"),
        mail_from="verzuim@example.nl",
        message_key="subject-one-line",
        context={
            "employee_name": "Sanne de Vries",
            "manager_name": "Mark Jansen",
            "start_date": date(2026, 12, 10),
            "presence": "absent",
        },
    )
    raw = message.as_bytes(policy=WIRE_POLICY)
    (line,) = [line for line in raw.split(b"\r\n") if line.startswith(b"Subject:")]
    assert line == b"Subject: Sanne de Vries: vanaf donderdag 10 december 2026 voorlopig niet aanwezig"
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "Sanne de Vries: vanaf donderdag 10 december 2026 voorlopig niet aanwezig"
