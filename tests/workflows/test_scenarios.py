"""The case workflow's scenarios under time skipping, with real activities against aiosmtpd and SQLite."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

import states
from tests.support import SmtpSink
from tests.workflows.harness import BUDDY, CASEMANAGER, COACH, EMPLOYEE, MANAGER, case_world
from workflows import search_attributes
from workflows.case import ReintegrationCase
from workflows.commands import AssignCoach, ChooseBuddy


async def test_short_absence_checkins_sent_then_cancelled_and_quiet_after_recovery(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open()
        checkins = world.invitations(MANAGER.email)
        assert [(m.method, m.sequence) for m in checkins] == [("REQUEST", 0)]
        assert "FREQ=WEEKLY" in (checkins[0].rrule or "")
        assert [m.method for m in world.invitations(EMPLOYEE.email)] == ["REQUEST"]

        await world.advance(timedelta(days=16))  # week 3
        result = await world.command("recovered", states.Recovered, full=True)
        assert result.phase == "hersteld"
        after = world.invitations(MANAGER.email)
        assert after[-1].uid == checkins[0].uid and after[-1].sequence is not None and after[-1].sequence > 0
        assert after[-1].method in ("CANCEL", "REQUEST")  # cancelled, or ended after the last held check-in
        if after[-1].method == "REQUEST":
            assert "UNTIL=" in (after[-1].rrule or "")
        sent_before = len(world.sent())

        await world.advance(timedelta(weeks=10))  # past the samentelling window
        assert len(world.sent()) == sent_before  # no reminders, no alerts after recovery
        assert await world.execution_status() == WorkflowExecutionStatus.COMPLETED
        summary = await world.handle.result()  # type: ignore[union-attr]
        assert summary.phase == "hersteld" and summary.outcome == "hersteld"
        row = await (await world.store()).get_case(world.case_id)
        assert row is not None and row.phase == "hersteld"


async def test_bad_commands_are_refused_with_a_reason_and_change_nothing(
    dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    # On the real dev server: the time-skipping test server writes workflow-task events even for a
    # rejected update, which the real server does not.
    async with case_world(dev_server, smtp_sink, tmp_path) as world:
        handle = await world.open()
        history_before = len((await handle.fetch_history()).events)
        facts_before = await handle.query(ReintegrationCase.facts)
        sent_before = len(world.sent())

        reasons = [
            await world.refused("plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=8)),
            await world.refused("build_up_started", states.BuildUpStarted, schedule=[states.BuildUpStep(from_date=await world.today(), hours_per_week=4)]),
            await world.refused("hours_reported", states.HoursReported, week_of=await world.today(), hours=-3),
            await world.refused("probleemanalyse_received", states.ProbleemanalyseReceived, on=(await world.today()) + timedelta(days=30)),
            await world.refused("choose_buddy", ChooseBuddy, buddy=BUDDY),
        ]
        assert all(reason for reason in reasons)
        assert "probleemanalyse" in reasons[0].lower()
        assert "consent" in reasons[4].lower() or "instemt" in reasons[4]

        assert len((await handle.fetch_history()).events) == history_before  # a rejected update writes nothing
        assert await handle.query(ReintegrationCase.facts) == facts_before
        assert len(world.sent()) == sent_before
