"""The case workflow's scenarios under time skipping, with real activities against aiosmtpd and SQLite."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

import states
from tests.support import SmtpSink
from tests.workflows.harness import BUDDY, CASEMANAGER, COACH, EMPLOYEE, MANAGER, case_world
from workflows.case import ReintegrationCase
from workflows.commands import AssignCoach, ChooseBuddy
from workflows.memory import CaseInput


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
            await world.refused(
                "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=8)
            ),
            await world.refused(
                "build_up_started",
                states.BuildUpStarted,
                schedule=[states.BuildUpStep(from_date=await world.today(), hours_per_week=4)],
            ),
            await world.refused("hours_reported", states.HoursReported, week_of=await world.today(), hours=-3),
            await world.refused(
                "probleemanalyse_received",
                states.ProbleemanalyseReceived,
                on=(await world.today()) + timedelta(days=30),
            ),
            await world.refused("choose_buddy", ChooseBuddy, buddy=BUDDY),
        ]
        assert all(reason for reason in reasons)
        assert "probleemanalyse" in reasons[0].lower()
        assert "consent" in reasons[4].lower() or "instemt" in reasons[4]

        assert len((await handle.fetch_history()).events) == history_before  # a rejected update writes nothing
        assert await handle.query(ReintegrationCase.facts) == facts_before
        assert len(world.sent()) == sent_before


def _subjects(messages: list) -> list[str]:  # type: ignore[type-arg]
    return [message.subject for message in messages]


async def test_standard_return_invites_updates_and_cancels_every_series(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open()
        await world.advance(timedelta(weeks=4, days=3))  # week 5
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        await world.advance(timedelta(weeks=2))  # week 7
        today = await world.today()
        plan = states.PlanVanAanpak(
            hours_per_week=6,
            tasks=["post sorteren"],
            contact_person="Mark Jansen",
            casemanager="Carla Visser",
            employer_view="rustig beginnen",
            employee_view="eens",
        )
        await world.command("plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=plan)
        first_day = today + timedelta(days=14 - today.weekday())  # a Monday in week 9
        await world.command("therapeutic_work_started", states.TherapeuticWorkStarted, hours_per_week=6, on=first_day)
        assert any("buddy" in subject.lower() for subject in _subjects(world.notices(EMPLOYEE.email)))
        await world.command("buddy_consent", states.BuddyConsent, given=True)
        assert not world.notices(BUDDY.email), "consent alone invites nobody (rules version 3)"
        await world.command("choose_buddy", ChooseBuddy, buddy=BUDDY)
        assert len(world.notices(BUDDY.email)) == 1, "the buddy HR chose is asked once the employee agreed"

        await world.advance(timedelta(weeks=2))  # week 9: the first day back has come
        assert world.notices("team@example.nl"), "the team hears that the colleague starts again"
        assert any("eerste dag" in subject for subject in _subjects(world.notices(MANAGER.email)))

        await world.advance(timedelta(weeks=3))  # week 12: build-up from the bedrijfsarts's advice
        monday = (await world.today()) - timedelta(days=(await world.today()).weekday())
        schedule = [
            states.BuildUpStep(from_date=monday + timedelta(weeks=2 * n), hours_per_week=8 + 6 * n) for n in range(5)
        ]
        await world.command("build_up_started", states.BuildUpStarted, schedule=schedule)
        for week in range(12, 30):
            await world.advance(timedelta(weeks=1))
            week_of = (await world.today()) - timedelta(days=(await world.today()).weekday() + 7)
            hours = (
                next(step.hours_per_week for step in reversed(schedule) if step.from_date <= week_of)
                if week_of >= schedule[0].from_date
                else 6
            )
            await world.command("hours_reported", states.HoursReported, week_of=week_of, hours=hours)
            if week % 2 == 0:
                await world.command("progress_talk_held", states.ProgressTalkHeld, went=states.TalkMood.good)
        await world.command("recovered", states.Recovered, full=True)

        series = {}
        for message in world.invitations(MANAGER.email):
            series.setdefault(message.uid, []).append(message)
        kinds = {messages[0].summary.split(":")[0] for messages in series.values()}
        assert {"Kort contactmoment", "Voortgangsgesprek re-integratie", "Evaluatie plan van aanpak"} <= kinds
        for messages in series.values():
            sequences = [m.sequence for m in messages]
            assert sequences == sorted(set(sequences)), "every update and the end raise SEQUENCE"
        # Nothing recurring stays open after the recovery: each series ended (UNTIL) or was cancelled.
        for uid, messages in series.items():
            last = messages[-1]
            assert last.method == "CANCEL" or last.rrule is None or "UNTIL=" in last.rrule, (uid, last.summary)
        # Every logical message reached the SMTP server exactly once.
        delivered = [(m.recipient, m.uid, m.sequence, m.method) for m in world.invitations()]
        assert len(delivered) == len(set(delivered))
        facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
        assert facts.phase == "hersteld" and len(facts.hours) >= 15


async def test_stagnation_loops_in_the_coach_with_evidence_and_pauses_the_build_up(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(days_ago=60)
        await world.command(
            "probleemanalyse_received", states.ProbleemanalyseReceived, on=(await world.today()) - timedelta(days=30)
        )
        await world.command(
            "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=8)
        )
        await world.command("assign_coach", AssignCoach, coach=COACH)
        await world.command(
            "build_up_started",
            states.BuildUpStarted,
            schedule=[states.BuildUpStep(from_date=await world.today(), hours_per_week=8)],
        )
        for _ in range(5):  # hours flat at 8 for more than 4 weeks
            await world.advance(timedelta(weeks=1))
            week_of = (await world.today()) - timedelta(days=(await world.today()).weekday() + 7)
            await world.command("hours_reported", states.HoursReported, week_of=week_of, hours=8)
        flat = await world.handle.query(ReintegrationCase.signals)  # type: ignore[union-attr]
        assert "hours_not_increased" in {str(signal.kind) for signal in flat}
        assert all(signal.evidence for signal in flat)
        assert (await world.handle.query(ReintegrationCase.status)).stagnation  # type: ignore[union-attr]
        await world.command("complaints_reported", states.ComplaintsReported, lasting_days=8)

        coach_mail = world.notices(COACH.email)
        assert coach_mail, "the coach gets the signal"
        body = coach_mail[0].raw.decode(errors="replace")
        assert "8" in body  # the evidence: the hours that stayed flat
        assert any(m.summary and m.summary.startswith("Driegesprek") for m in world.invitations(COACH.email))
        assert any("plaats" in m.subject or "hold" in m.subject for m in world.notices(MANAGER.email))
        facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
        assert facts.buildup_paused_since is not None
        signals = await world.handle.query(ReintegrationCase.signals)  # type: ignore[union-attr]
        assert "complaints_lasting" in {str(signal.kind) for signal in signals}


async def test_missed_probleemanalyse_reminds_then_alerts_hr_and_shows_overdue(
    dev_server: WorkflowEnvironment, time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open()
        await world.advance(timedelta(days=35))  # day 36: 7 days before day 42
        reminders = [s for s in _subjects(world.notices(CASEMANAGER.email)) if "probleemanalyse" in s.lower()]
        assert reminders and all(s.startswith("Herinnering") for s in reminders)
        await world.advance(timedelta(days=8))  # day 44: passed
        alerts = [
            s
            for s in _subjects(world.notices(CASEMANAGER.email))
            if "probleemanalyse" in s.lower() and not s.startswith("Herinnering")
        ]
        assert alerts, "HR is alerted once the probleemanalyse is overdue"
        status = await world.handle.query(ReintegrationCase.status)  # type: ignore[union-attr]
        assert status.overdue
        raw = (await world.describe()).workflow_execution_info.search_attributes.indexed_fields
        assert raw["Overdue"].data == b"true"


async def test_long_case_runs_two_years_through_the_second_track_and_ends_as_wia(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open()
        first_sick_day = await world.today()

        async def week() -> int:
            """The current sick week (week 1 = days 1-7)."""
            return ((await world.today()) - first_sick_day).days // 7 + 1

        async def evaluate() -> None:
            await world.command(
                "evaluation_held", states.EvaluationHeld, outcome=states.EvaluationOutcome.continue_plan
            )

        async def evaluate_until(last_week: int) -> None:
            while await week() + 5 <= last_week:
                await world.advance(timedelta(weeks=5))
                await evaluate()

        async def advance_to(target_week: int) -> None:
            """To the first day of ``target_week``."""
            elapsed = ((await world.today()) - first_sick_day).days
            await world.advance(timedelta(days=(target_week - 1) * 7 - elapsed))

        await world.advance(timedelta(days=3))
        await world.command("step_recorded", states.StepRecorded, step=states.StepKey.arbodienst_report)
        await world.advance(timedelta(weeks=4))  # week 5
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        await world.advance(timedelta(weeks=2))  # week 7
        await world.command(
            "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=4)
        )
        await evaluate_until(42)
        await advance_to(43)  # the reminder came in week 42; the report goes out on the first working day after it
        await world.command("step_recorded", states.StepRecorded, step=states.StepKey.uwv_42_week_report)
        await evaluate()
        await evaluate_until(48)
        await advance_to(50)
        await world.command("eerstejaarsevaluatie_held", states.EerstejaarsevaluatieHeld)  # week 50
        await evaluate()
        await world.advance(timedelta(weeks=4))
        await world.command("tweede_spoor_started", states.TweedeSpoorStarted)  # week 54: before week 56
        await evaluate()
        await evaluate_until(91)
        await advance_to(91)
        for step in (states.StepKey.actueel_oordeel, states.StepKey.riv_to_employee):
            await world.command("step_recorded", states.StepRecorded, step=step)  # in week 91
        await evaluate()
        await advance_to(93)
        await world.command("step_recorded", states.StepRecorded, step=states.StepKey.wia_application)  # in week 93
        await evaluate()
        while (await world.execution_status()) == WorkflowExecutionStatus.RUNNING and await week() < 110:
            await world.advance(timedelta(weeks=5))
            if (await world.execution_status()) == WorkflowExecutionStatus.RUNNING:
                await evaluate()

        summary = await world.handle.result()  # type: ignore[union-attr]
        assert summary.phase == "wia" and summary.outcome == "wia"
        facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
        assert (
            facts.ended_on is not None and (facts.ended_on - first_sick_day).days == 104 * 7 - 1
        )  # the last day of week 104
        hr = _subjects(world.notices(CASEMANAGER.email))
        assert any("42" in s and s.startswith("Herinnering") for s in hr), hr  # the 42nd-week report was announced
        assert any("WIA" in s and s.startswith("Herinnering") for s in hr), hr
        assert not [s for s in hr if s.startswith("Te laat")], hr  # every step was on time: no overdue alert
        row = await (await world.store()).get_case(world.case_id)
        assert row is not None and row.phase == "wia"


async def test_relapse_within_four_weeks_of_recovery_reopens_the_same_case(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        handle = await world.open()
        first_sick_day = (await handle.query(ReintegrationCase.status)).first_sick_day
        await world.advance(timedelta(days=16))
        await world.command("recovered", states.Recovered, full=True)
        await world.advance(timedelta(days=12))
        result = await world.command("relapse", states.Relapse)
        assert result.phase not in ("hersteld",)
        status = await handle.query(ReintegrationCase.status)
        assert status.case_id == world.case_id and status.first_sick_day == first_sick_day
        facts = await handle.query(ReintegrationCase.facts)
        assert len(facts.periods) == 2 and facts.periods[0].start == first_sick_day
        # The statutory calendar moved by the gap: the probleemanalyse is now due later than day 42.
        due = next(d.due for d in states.case_timeline(facts) if str(d.key) == "probleemanalyse")
        gap = (facts.periods[1].start - facts.periods[0].end).days - 1
        assert due == first_sick_day + timedelta(days=41 + gap)
        checkin_uids = {
            m.uid for m in world.invitations(MANAGER.email) if m.summary and m.summary.startswith("Kort contactmoment")
        }
        assert len(checkin_uids) == 2  # the check-ins start again as a new series
        await world.advance(timedelta(weeks=5))
        assert await world.execution_status() == WorkflowExecutionStatus.RUNNING  # the case goes on, not closed


async def test_continue_as_new_carries_the_facts(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        handle = await world.open(history_limit=60)
        first_run = (await world.describe()).workflow_execution_info.execution.run_id
        await world.advance(timedelta(weeks=4, days=3))
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        for _ in range(6):
            await world.command("employee_feedback", states.EmployeeFeedback)
        await world.advance(timedelta(weeks=2))
        await world.command(
            "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=4)
        )
        await world.advance(timedelta(days=1))
        description = await world.describe()
        assert description.workflow_execution_info.execution.run_id != first_run, "the case continued as new"
        facts = await handle.query(ReintegrationCase.facts)
        assert facts.phase == "plan_van_aanpak" and facts.probleemanalyse_on is not None
        timeline = await handle.query(ReintegrationCase.timeline)
        assert [entry.action for entry in timeline][0] == "case_opened"  # the memory came along
        assert len(world.invitations(MANAGER.email)) == len(
            {(m.uid, m.sequence) for m in world.invitations(MANAGER.email)}
        )


@pytest.mark.parametrize("rules_version", [1, states.RULES_VERSION])
async def test_an_evaluation_held_before_its_day_moves_the_planned_one_from_rules_version_2(
    rules_version: int, time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """Version 2 updates the planned event to the next evaluation (one message per person); a case
    opened with version 1 (started before it) goes on cancelling it beside a new invitation."""
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(rules_version=rules_version)
        await world.advance(timedelta(weeks=4, days=3))
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        await world.advance(timedelta(weeks=2))
        await world.command(
            "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=4)
        )
        (planned,) = [m for m in world.invitations(MANAGER.email) if m.summary and m.summary.startswith("Evaluatie")]
        await world.advance(timedelta(weeks=1))
        before = len(world.invitations(MANAGER.email))
        await world.command("evaluation_held", states.EvaluationHeld, outcome=states.EvaluationOutcome.continue_plan)
        after = world.invitations(MANAGER.email)[before:]
        assert planned.start is not None and all(
            m.start is not None and m.start > planned.start for m in after if m.method == "REQUEST"
        )
        if rules_version >= 2:
            (moved,) = after
            assert (moved.method, moved.uid, moved.sequence) == ("REQUEST", planned.uid, planned.sequence + 1)  # type: ignore[operator]
        else:
            assert sorted((m.method, m.uid == planned.uid) for m in after) == [("CANCEL", True), ("REQUEST", False)]
        facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
        assert facts.rules_version == rules_version
        assert [s.slot for s in facts.series if s.kind == "evaluation" and s.active] == ["evaluation:2"]


async def test_a_case_on_newer_rules_than_the_worker_knows_waits_for_a_newer_worker(
    dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """As in a rolling deployment, when the web app is newer than a worker: the case's first
    workflow task fails (and is retried), the case does not fail and nothing is sent.

    On the dev server: on the shared time-skipping test server, a workflow task that failed kept
    time from skipping for every later test even after the case was terminated (the next test to
    skip time, tests/workflows/test_work_queue_case.py, got "Timeout expired")."""
    async with case_world(dev_server, smtp_sink, tmp_path) as world:
        start = CaseInput(intake=await world.intake(), rules_version=states.RULES_VERSION + 1)
        world.handle = await world.client.start_workflow(
            ReintegrationCase.run, start, id=world.case_id, task_queue=world.task_queue
        )
        failures: list[str] = []
        async with asyncio.timeout(30):
            while not failures:
                history = await world.handle.fetch_history()
                failures = [
                    event.workflow_task_failed_event_attributes.failure.message
                    for event in history.events
                    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
                ]
                await asyncio.sleep(0.1)
        assert f"rules version {states.RULES_VERSION + 1}" in failures[0] and "Deploy the newer worker" in failures[0]
        assert not [e for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
        assert await world.execution_status() == WorkflowExecutionStatus.RUNNING
        assert world.sent() == []
