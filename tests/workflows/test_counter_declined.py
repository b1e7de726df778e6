"""A proposed other time that HR declines (issue 18, "Replies heard"): the proposer gets one iTIP
DECLINECOUNTER, so their calendar knows the talk stays where it is; nobody else hears of it, and the
same decision again sends nothing. Cases of older rules only record the decision. Real workflow and
activities under time skipping, aiosmtpd for the mail."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from pathlib import Path

import icalendar
from temporalio.testing import WorkflowEnvironment

from contracts.wording import format_date
from states.clock import at_local, local
from states.workdays import next_working_day_after
from tests.support import SmtpSink
from tests.workflows.harness import EMPLOYEE, MANAGER, SentMessage, case_world
from tests.workflows.test_attendees import _relapse_plans_a_driegesprek
from workflows.case import ReintegrationCase
from workflows.commands import CounterAnswered


def _body(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _event(sent: SentMessage) -> icalendar.Event:
    message = email.message_from_bytes(sent.raw, policy=email.policy.default)
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part["Content-Type"].params["method"] == "DECLINECOUNTER"
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    assert calendar["METHOD"] == "DECLINECOUNTER"
    (event,) = calendar.walk("VEVENT")
    return event


async def test_a_declined_proposal_tells_the_proposer_once_that_the_talk_stays_and_nobody_else(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        uid = await _relapse_plans_a_driegesprek(world)
        (planned,) = [m for m in world.invitations(MANAGER.email) if m.uid == uid]
        assert planned.start is not None and planned.sequence is not None
        proposed = at_local(next_working_day_after(planned.start.date()), 14, 30)
        before = len(world.sent())

        async def decline(start: datetime = proposed) -> None:
            await world.command(
                "counter_answered",
                CounterAnswered,
                series_id=uid,
                kind="driegesprek",
                person=EMPLOYEE,
                proposed_start=start,
                accepted=False,
            )

        await decline()

        new = world.sent()[before:]
        assert [(m.recipient, m.method) for m in new] == [(EMPLOYEE.email, "DECLINECOUNTER")], new
        (answer,) = new
        event = _event(answer)
        assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == planned.sequence
        assert str(event["ATTENDEE"]) == f"mailto:{EMPLOYEE.email}"
        assert "DTSTART" not in event and "RECURRENCE-ID" not in event  # RFC 5546 3.2.8: nothing described
        text = _body(answer.raw)
        stays = f"{format_date(planned.start, 'nl')}, {local(planned.start).strftime('%H:%M')}"
        assert "14:30 is niet overgenomen" in text and f"de afspraak blijft op {stays}" in text, text
        assert answer.subject.startswith("Voorstel niet overgenomen")
        facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
        assert next(s.start for s in facts.series if s.series_id == uid) == planned.start  # the talk stays

        # The same decision again (another window, a retry): nothing more goes out.
        await decline()
        assert len(world.sent()) == before + 1

        # Another proposal, declined too: its own answer.
        await decline(proposed + timedelta(days=1))
        later = world.sent()[before + 1 :]
        assert [(m.recipient, m.method) for m in later] == [(EMPLOYEE.email, "DECLINECOUNTER")]
        assert [m.method for m in world.invitations(MANAGER.email) if m.uid == uid] == ["REQUEST"]


async def test_a_case_of_older_rules_only_records_the_declined_proposal(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(rules_version=2)
        (checkin,) = world.invitations(MANAGER.email)
        assert checkin.uid is not None and checkin.start is not None
        before = len(world.sent())

        await world.command(
            "counter_answered",
            CounterAnswered,
            series_id=checkin.uid,
            kind="checkin",
            person=EMPLOYEE,
            proposed_start=checkin.start + timedelta(days=1),
            accepted=False,
        )

        assert len(world.sent()) == before, "nothing is sent"
        timeline = await world.handle.query(ReintegrationCase.timeline)  # type: ignore[union-attr]
        assert [entry.action for entry in timeline].count("counter_answered") == 1
