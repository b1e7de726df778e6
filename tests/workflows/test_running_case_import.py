"""A running case brought in with its history (issue 21), as the workflow carries it out: a real
workflow and its real activities under time skipping, aiosmtpd. Nothing is mailed about the steps
done in the past; with "nothing until HR confirms" no invitation goes out until HR confirms the case,
and then every talk to come goes out once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError

import states
from contracts.imports import DoneStep, RunningCaseImport
from tests.support import SmtpSink
from tests.workflows.harness import CASEMANAGER, EMPLOYEE, HR_ACTOR, MANAGER, CaseWorld, case_world
from workflows.case import ReintegrationCase
from workflows.commands import CommandResult
from workflows.history_import import ReleaseInvitations
from workflows.memory import CaseInput


async def _import(world: CaseWorld, *, weeks: int, steps: list[tuple[str, int]], hold: bool) -> None:
    """Start the case as the import does: first sick day ``weeks`` ago, each step ``(kind, days after
    the first sick day)``."""
    intake = await world.intake(days_ago=7 * weeks)
    first = intake.first_sick_day
    imported = RunningCaseImport(
        external_ref="HR-2026-001",
        steps=tuple(DoneStep(kind=kind, on=first + timedelta(days=days)) for kind, days in steps),
        hold_invitations=hold,
    )
    start = CaseInput(intake=intake, rules_version=states.RULES_VERSION, imported=imported)
    await world.client.start_workflow(ReintegrationCase.run, start, id=world.case_id, task_queue=world.task_queue)
    world.handle = world.client.get_workflow_handle_for(ReintegrationCase.run, world.case_id)
    await world.settle()


DONE_BY_WEEK_20 = [
    ("arbodienst_report", 5),
    ("probleemanalyse", 35),
    ("plan_van_aanpak", 49),
    ("evaluation", 84),
    ("evaluation", 126),
]


async def _release(world: CaseWorld) -> CommandResult:
    assert world.handle is not None
    result: Any = await world.handle.execute_update(
        "release_invitations", ReleaseInvitations(actor=HR_ACTOR, at=await world.now()), result_type=CommandResult
    )
    await world.settle()
    assert isinstance(result, CommandResult)
    return result


async def test_held_invitations_wait_for_hr_and_past_steps_send_nothing(
    time_skipping_server: object, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:  # type: ignore[arg-type]
        await _import(world, weeks=20, steps=DONE_BY_WEEK_20, hold=True)
        assert world.sent() == [], "nothing about the steps done, no invitation before HR confirms"
        facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
        assert facts.plan_signed_on is not None and len(facts.evaluations) == 2
        assert {s.kind for s in facts.series if s.active} >= {"checkin", "evaluation"}

        await world.advance(timedelta(days=3))
        assert world.invitations() == [], "still held"

        result = await _release(world)
        assert result.effects, "every open series goes out"
        for person in (EMPLOYEE, MANAGER):
            invitations = world.invitations(person.email)
            assert invitations and all(m.method == "REQUEST" for m in invitations)
            assert len({m.uid for m in invitations}) == len(invitations), "each series once"
        past = [m for m in world.sent() if "plan van aanpak" in m.subject.lower() and "onderteken" in m.subject.lower()]
        assert past == []

        audit = [entry.action for entry in await (await world.store()).audit_trail(world.case_id)]
        assert "case_imported" in audit and "invitations_released" in audit

        with pytest.raises(WorkflowUpdateFailedError) as again:
            await _release(world)
        assert "already" in str(again.value.cause)


async def test_sent_at_once_only_the_step_not_done_alarms(
    time_skipping_server: object, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:  # type: ignore[arg-type]
        steps = [step for step in DONE_BY_WEEK_20 if step[0] != "arbodienst_report"]
        await _import(world, weeks=20, steps=steps, hold=False)
        assert world.invitations(EMPLOYEE.email), "the talks to come are sent at once"
        notices = world.notices(CASEMANAGER.email)
        assert len(notices) == 1, [m.subject for m in notices]
        assert "arbodienst" in notices[0].subject.lower() or b"arbodienst" in notices[0].raw.lower()
        signals = await world.handle.query(ReintegrationCase.signals)  # type: ignore[union-attr]
        assert [s.key for s in signals] == ["deadline_overdue:arbodienst_report"]
