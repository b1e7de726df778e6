"""The workplace and the contact place are two things (issue 18, finding 9): the first-day notice names
where the employee works, never the café the employee chose for the contact talks; HR can change the
workplace (``change_workplace``) and the employee's preference can change the contact place, which
then reaches the open talks. A real workflow and its activities under time skipping, aiosmtpd."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

import icalendar

import states
from contracts import ContactPreference
from states.kinds import Channel, Place
from tests.support import SmtpSink
from tests.workflows.harness import MANAGER, case_world
from workflows.commands import ChangeWorkplace

CAFE = "Café De Zwaan, Oudegracht 12"
LIBRARY = "Bibliotheek Utrecht, Neude 11"


def _text(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _location(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return str(icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]["LOCATION"])
    raise AssertionError("no calendar")


async def test_the_first_day_names_the_workplace_and_both_places_can_change(
    time_skipping_server: object, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    contact = ContactPreference(channel=Channel.in_person, place=Place.neutral, location=CAFE)
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:  # type: ignore[arg-type]
        await world.open(contact=contact, workplace="Kantoor Utrecht, Stationsplein 1")
        (checkin,) = world.invitations(MANAGER.email)
        assert _location(checkin.raw) == CAFE

        await world.command("change_workplace", ChangeWorkplace, workplace="Kantoor Amersfoort, Piet Mondriaanplein 3")
        await world.command(
            "preference_changed",
            states.PreferenceChanged,
            preference=states.ContactPreference(
                weekday=contact.weekday,
                hour=contact.hour,
                minute=contact.minute,
                channel=contact.channel,
                place=contact.place,
                location=LIBRARY,
            ),
        )
        update = world.invitations(MANAGER.email)[-1]
        assert update.sequence == 1 and update.subject.startswith("Gewijzigd")
        assert "Waar: " + LIBRARY in _text(update.raw) and _location(update.raw) == LIBRARY

        await world.advance(timedelta(days=10))
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        today = await world.today()
        first_day = today + timedelta(days=14 - today.weekday())  # a Monday two weeks ahead
        await world.command(
            "build_up_started",
            states.BuildUpStarted,
            schedule=[states.BuildUpStep(from_date=first_day, hours_per_week=8)],
        )
        await world.advance(timedelta(days=14))
        (notice,) = [m for m in world.notices(MANAGER.email) if "eerste dag" in m.subject]
        text = _text(notice.raw)
        assert "Werkplek: Kantoor Amersfoort, Piet Mondriaanplein 3" in text
        assert "Zwaan" not in text and "Bibliotheek" not in text and "Kantoor Utrecht" not in text
