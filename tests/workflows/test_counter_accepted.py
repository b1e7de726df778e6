"""A proposed other time that HR accepts (issue 18, "Replies heard"): a one-off talk moves there, with
one update to everyone that says from when to when; a series is not moved that way, and the history
says why. Real workflow and activities under time skipping, aiosmtpd for the mail."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

import states
from states.clock import at_local
from states.workdays import next_working_day_after
from tests.support import SmtpSink
from tests.workflows.harness import EMPLOYEE, MANAGER, case_world
from tests.workflows.test_attendees import _relapse_plans_a_driegesprek
from workflows.case import ReintegrationCase
from workflows.commands import CounterAnswered


def _body(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def test_an_accepted_proposal_moves_a_one_off_talk_with_one_update_that_says_from_when_to_when(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        uid = await _relapse_plans_a_driegesprek(world)
        (planned,) = [m for m in world.invitations(MANAGER.email) if m.uid == uid]
        assert planned.start is not None
        proposed = at_local(next_working_day_after(planned.start.date()), 14, 30)

        await world.command(
            "counter_answered",
            CounterAnswered,
            series_id=uid,
            kind="driegesprek",
            person=EMPLOYEE,
            proposed_start=proposed,
            accepted=True,
        )

        for person in (MANAGER, EMPLOYEE):
            sent = [m for m in world.invitations(person.email) if m.uid == uid]
            assert [(m.method, m.sequence) for m in sent] == [("REQUEST", 0), ("REQUEST", 1)], person.email
            assert sent[-1].start == proposed
        update = [m for m in world.invitations(MANAGER.email) if m.uid == uid][-1]
        text = _body(update.raw)
        assert "14:30" in text and "ander tijdstip voorgesteld" in text, text
        facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
        assert next(s.start for s in facts.series if s.series_id == uid) == proposed

        # A later decision keeps the accepted time: the talk does not drift back.
        await world.command("employee_feedback", states.EmployeeFeedback)
        assert [m.sequence for m in world.invitations(MANAGER.email) if m.uid == uid] == [0, 1]


async def test_a_series_is_not_moved_by_a_proposal_and_the_history_says_why(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open()
        (checkin,) = world.invitations(MANAGER.email)
        assert checkin.uid is not None and checkin.start is not None
        before = len(world.invitations())

        await world.command(
            "counter_answered",
            CounterAnswered,
            series_id=checkin.uid,
            kind="checkin",
            person=EMPLOYEE,
            proposed_start=checkin.start + timedelta(days=1),
            accepted=True,
        )

        assert len(world.invitations()) == before, "nothing is sent"
        timeline = await world.handle.query(ReintegrationCase.timeline)  # type: ignore[union-attr]
        (why,) = [entry.text for entry in timeline if entry.action == "talk_not_moved"]
        assert "losse afspraak" in why
