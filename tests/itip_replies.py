"""Calendar replies as mail programs send them, built with icalendar (for the reply tests).

:func:`thunderbird_reply` follows what Thunderbird 115/128 mails when someone accepts, declines or
proposes another time: multipart/mixed with a short text, the ``text/calendar; method=REPLY`` part
and the same calendar again as an ``invite.ics`` attachment; METHOD:REPLY with only the answering
ATTENDEE and its PARTSTAT, the invitation's UID, SEQUENCE and times, and a fresh DTSTAMP.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from icalendar import Calendar, Event, vCalAddress

from integrations.vtimezone import amsterdam_vtimezone

WORDS = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "accepted tentatively"}


def reply_calendar(
    *,
    uid: str,
    attendee: tuple[str, str],
    partstat: str | None,
    organizer: str,
    summary: str,
    start: datetime,
    minutes: int = 60,
    sequence: int = 0,
    dtstamp: datetime | None = None,
    method: str = "REPLY",
    recurrence_id: datetime | None = None,
) -> bytes:
    calendar = Calendar()
    calendar.add("PRODID", "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN")
    calendar.add("VERSION", "2.0")
    calendar.add("METHOD", method)
    calendar.add_component(amsterdam_vtimezone())
    event = Event()
    now = dtstamp or datetime.now(UTC)
    event.add("CREATED", now)
    event.add("LAST-MODIFIED", now)
    event.add("DTSTAMP", now)
    event.add("UID", uid)
    event.add("SUMMARY", summary)
    event.add("ORGANIZER", vCalAddress(f"mailto:{organizer}"))
    name, address = attendee
    person = vCalAddress(f"mailto:{address}")
    person.params["CN"] = name
    if partstat is not None:
        person.params["PARTSTAT"] = partstat
    person.params["ROLE"] = "REQ-PARTICIPANT"
    person.params["CUTYPE"] = "INDIVIDUAL"
    event.add("ATTENDEE", person)
    if recurrence_id is not None:
        event.add("RECURRENCE-ID", recurrence_id)
    event.add("DTSTART", start)
    event.add("DTEND", start + timedelta(minutes=minutes))
    event.add("SEQUENCE", sequence)
    event.add("TRANSP", "OPAQUE")
    calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def reply_mail(
    calendar: bytes,
    *,
    sender: tuple[str, str],
    to: str,
    subject: str,
    method: str = "REPLY",
) -> bytes:
    name, address = sender
    message = EmailMessage()
    message["From"] = f'"{name}" <{address}>'
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2])
    message["User-Agent"] = "Mozilla Thunderbird"
    message.set_content(f"{name} has replied to the invitation: {subject}\n")
    message.add_attachment(calendar, maintype="text", subtype="calendar", params={"method": method, "charset": "UTF-8"})
    message.add_attachment(calendar, maintype="application", subtype="ics", filename="invite.ics")
    # The calendar part inline, as Thunderbird sends it (not as an attachment).
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            del part["Content-Disposition"]
    return bytes(message)


def thunderbird_reply(
    *,
    uid: str,
    attendee: tuple[str, str],
    partstat: str,
    organizer: str,
    summary: str,
    start: datetime,
    minutes: int = 60,
    sequence: int = 0,
    dtstamp: datetime | None = None,
    sender: tuple[str, str] | None = None,
    recurrence_id: datetime | None = None,
) -> bytes:
    """A REPLY as Thunderbird mails it; ``sender`` (default: the attendee) is the From address."""
    calendar = reply_calendar(
        uid=uid,
        attendee=attendee,
        partstat=partstat,
        organizer=organizer,
        summary=summary,
        start=start,
        minutes=minutes,
        sequence=sequence,
        dtstamp=dtstamp,
        recurrence_id=recurrence_id,
    )
    subject = f"{attendee[0]} has {WORDS.get(partstat, partstat.lower())}: {summary}"
    return reply_mail(calendar, sender=sender or attendee, to=organizer, subject=subject)


def counter_mail(
    *,
    uid: str,
    attendee: tuple[str, str],
    organizer: str,
    summary: str,
    proposed_start: datetime,
    minutes: int = 60,
    sequence: int = 0,
    dtstamp: datetime | None = None,
) -> bytes:
    """A COUNTER (a proposal of another time) as Outlook sends it: the event with the new times."""
    calendar = reply_calendar(
        uid=uid,
        attendee=attendee,
        partstat="TENTATIVE",
        organizer=organizer,
        summary=summary,
        start=proposed_start,
        minutes=minutes,
        sequence=sequence,
        dtstamp=dtstamp,
        method="COUNTER",
    )
    return reply_mail(
        calendar, sender=attendee, to=organizer, subject=f"New time proposed: {summary}", method="COUNTER"
    )


def plain_mail(*, sender: tuple[str, str], to: str, subject: str, text: str) -> bytes:
    name, address = sender
    message = EmailMessage()
    message["From"] = f'"{name}" <{address}>'
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2])
    message.set_content(text)
    return bytes(message)
