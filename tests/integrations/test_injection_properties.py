"""Property tests: whatever people type, it never becomes a header or a calendar line."""

from __future__ import annotations

import dataclasses
import email
import email.policy

import icalendar
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations import calendar as cal
from integrations.calendar import CalendarSeries, Participant
from integrations.mail import invitation_message
from integrations.smtp import message_bytes

from .conftest import DTSTAMP, icalendar_reference

# Text biased towards the dangerous: line breaks of every kind, encoded-word openers, iCalendar
# separators, quotes, backslashes, and long runs.
DANGER = [
    "\r",
    "\n",
    "\r\n",
    "\u2028",
    "\u0085",
    "\x00",
    "\x0b",
    "=?",
    "?=",
    "=?utf-8?q?=0A?=",
    ";",
    ",",
    ":",
    '"',
    "\\",
    "\\n",
    "BEGIN:VEVENT",
    "Bcc: evil@example.com",
    "ATTENDEE:mailto:x@example.com",
    "é",
    "😀",
]
texts = st.lists(st.one_of(st.sampled_from(DANGER), st.text(max_size=40)), max_size=12).map("".join)

FROM = "verzuim@example.nl"


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=texts, summary=texts, location=texts, description=texts)
def test_free_text_stays_inside_its_field(
    progress_series: CalendarSeries, name: str, summary: str, location: str, description: str
) -> None:
    person = Participant("target@example.com", name)
    series = dataclasses.replace(
        progress_series,
        summary="Gesprek " + summary,
        location=location,
        description=description,
        organizer=dataclasses.replace(progress_series.organizer, name=name),
        attendees=(person,),
    )
    data = cal.series_request(series, dtstamp=DTSTAMP)
    assert cal.check_itip(data) == [] and cal.quick_check_itip(data) == []
    assert data == icalendar_reference(series, dtstamp=DTSTAMP)  # the builders' shortcuts change no byte
    unfolded = data.replace(b"\r\n ", b"").split(b"\r\n")
    names = [line.split(b":")[0].split(b";")[0] for line in unfolded if line]
    assert names.count(b"BEGIN") == 5 and names.count(b"ATTENDEE") == 1 and names.count(b"UID") == 1
    assert names.count(b"SUMMARY") == 1 and names.count(b"DESCRIPTION") <= 1 and names.count(b"LOCATION") <= 1
    assert not any(n.startswith(b"X-") for n in names)
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(event["ATTENDEE"]) == "mailto:target@example.com"

    message = invitation_message(
        series, method="REQUEST", calendar=data, recipient=person, mail_from=FROM, message_key="p"
    )
    wire = message_bytes(message)
    head = wire.split(b"\r\n\r\n", 1)[0]
    header_names = [line.split(b":")[0] for line in head.split(b"\r\n") if line and line[:1] not in (b" ", b"\t")]
    assert sorted(header_names) == sorted(
        [b"Subject", b"From", b"To", b"Date", b"Message-ID", b"MIME-Version", b"Content-Type", b"Content-Language"]
    )
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["target@example.com"]
    assert [a.addr_spec for a in parsed["From"].addresses] == [FROM]
    for header in ("Subject", "To", "From"):
        assert "\n" not in str(parsed[header]) and "\r" not in str(parsed[header])
    assert list(parsed.iter_parts())[-1].get_payload(decode=True) == data
