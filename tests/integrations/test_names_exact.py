"""Names come out exactly as they were entered: in the From and To headers (quoted or RFC 2047
encoded words), in the salutation and signature of the text, and in the CN parameters of the
invitation (a quoted-string, with RFC 6868's ``^'`` for a double quote). Read back by the e-mail
package and by two independent iCalendar parsers."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from email.message import EmailMessage

import icalendar
import pytest
import vobject
from icalendar.parser import rfc_6868_unescape

from integrations import calendar as cal
from integrations import sanitize
from integrations.calendar import CalendarSeries, Participant
from integrations.mail import invitation_message, notice_message
from integrations.smtp import SmtpSender

from .conftest import DTSTAMP, SmtpServer

FROM = "verzuim@example.nl"
NAMES = ['Zoë "Jo" van \'t Hoff, jr.', "Renée Ørsted-Müller", "Jeroen d'Ancona, MSc"]
# Longer than a header line: Python 3.11 folds such a quoted-string without its quotes.
LONG = 'Jansen, Mark van der Berg-Hendriksen-Vermeulen, Pieter Jan Alexander de Vries (HR: "extern")'


async def delivered(server: SmtpServer, message: EmailMessage) -> EmailMessage:
    await SmtpSender("127.0.0.1", server.port, tls="none", timeout=5).send(message)
    return email.message_from_bytes(server.messages[-1].data, policy=email.policy.default)


def text_lines(message: EmailMessage) -> list[str]:
    body = message.get_body(("plain",))
    assert body is not None
    return [line for line in body.get_content().splitlines() if line.strip()]


def cn_params(data: bytes) -> dict[str, list[str]]:
    """The CN of ORGANIZER and every ATTENDEE, as icalendar and as vobject read them."""
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    by_icalendar = [str(event["ORGANIZER"].params["CN"])] + [str(a.params["CN"]) for a in attendees]
    parsed = vobject.readOne(data.decode("utf-8"))
    parsed.validate()
    lines = [parsed.vevent.organizer] + parsed.vevent.contents["attendee"]
    # vobject splits the parameters (quoted-strings with commas, colons, semicolons) but does not
    # decode RFC 6868's ^' and ^^ itself: icalendar's public helper does that part.
    by_vobject = [rfc_6868_unescape(line.params["CN"][0]) for line in lines]
    return {"icalendar": by_icalendar, "vobject": by_vobject}


@pytest.mark.parametrize("name", [*NAMES, LONG])
async def test_an_invitation_carries_every_name_exactly(
    smtp_server: SmtpServer, progress_series: CalendarSeries, name: str
) -> None:
    organizer = dataclasses.replace(progress_series.organizer, name=name)
    person = Participant("target@example.com", name)
    others = tuple(Participant(f"p{index}@example.com", other) for index, other in enumerate(NAMES))
    series = dataclasses.replace(progress_series, organizer=organizer, attendees=(person, *others))
    data = cal.series_request(series, dtstamp=DTSTAMP)
    message = invitation_message(
        series, method="REQUEST", calendar=data, recipient=person, mail_from=FROM, message_key="names-1"
    )
    received = await delivered(smtp_server, message)

    assert [(a.display_name, a.addr_spec) for a in received["From"].addresses] == [(name, FROM)]
    assert [(a.display_name, a.addr_spec) for a in received["To"].addresses] == [(name, "target@example.com")]
    lines = text_lines(received)
    assert lines[0] == f"Beste {name},"  # the salutation
    assert lines[-1] == name  # the signature: the organizer
    html = received.get_body(("html",))
    assert html is not None and "Beste" in html.get_content()

    calendar = list(received.iter_parts())[-1].get_payload(decode=True)
    assert calendar == data
    expected = [name, name, *NAMES]  # the organizer, the recipient, the others
    assert cn_params(calendar) == {"icalendar": expected, "vobject": expected}
    # RFC 5545: no DQUOTE inside the quoted-string; RFC 6868 writes it as ^'
    unfolded = calendar.replace(b"\r\n ", b"").decode("utf-8")
    for cn in re.findall(r";CN=(\"[^\r\n]*?\"|[^;:\"\r\n]*)[;:]", unfolded):
        assert cn.count('"') in (0, 2) and (cn.count('"') == 0 or (cn[0] == cn[-1] == '"'))
    assert "‚" not in unfolded and "'Jo'" not in unfolded


@pytest.mark.parametrize("name", NAMES)
async def test_a_notice_greets_and_names_people_exactly(smtp_server: SmtpServer, name: str) -> None:
    person = Participant("hr@example.com", name)
    message = notice_message(
        kind="bounce_warning",
        recipient=person,
        mail_from=FROM,
        message_key="names-2",
        context={"address": "jan@example.com", "person_name": name},
    )
    received = await delivered(smtp_server, message)
    assert [(a.display_name, a.addr_spec) for a in received["To"].addresses] == [(name, "hr@example.com")]
    lines = text_lines(received)
    assert lines[0] == f"Beste {name},"
    assert any(name in line for line in lines[1:])  # the person the bounce was for


def test_names_are_cleaned_of_control_characters_only() -> None:
    for name in [*NAMES, LONG]:
        assert sanitize.display_name(name) == name and sanitize.name_problem(name) is None
    assert sanitize.display_name("Zoë\r\nBcc: x@example.com") == "Zoë Bcc: x@example.com"
    assert sanitize.display_name("a =?utf-8?q?=0A?= b") == "a = ?utf-8?q?=0A?= b"
    assert sanitize.display_name("Zoë\u202e  Jo ") == "Zoë Jo"
    assert sanitize.name_problem("Zoë\u202eJo") is not None and sanitize.name_problem(" Zoë") is not None
