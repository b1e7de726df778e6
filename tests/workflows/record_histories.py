"""Record the histories of representative cases as JSON fixtures for the replay test.

    .venv/bin/python -m tests.workflows.record_histories            # every scenario
    .venv/bin/python -m tests.workflows.record_histories two_year_wia
    .venv/bin/python -m tests.workflows.record_histories --rules-version 2   # as <scenario>_rules_v2

Kept so: ``two_year_wia`` of rules version 1, every scenario of 2 and 3 (``<scenario>_rules_v<N>``), and
every scenario of the current version under its own name; ``riv_complete`` exists from rules version 4
(:data:`SINCE_RULES_VERSION`).

Each scenario runs the real workflow and activities under time skipping (aiosmtpd, SQLite), as the
scenario tests do; every run of the case (continue-as-new makes several) is stored as
``histories/<scenario>.run<N>.json`` in the format of ``temporal workflow show --output json``.
Re-record after a change that is *meant* to alter histories, and guard the old ones (a new
``states.RULES_VERSION`` for a change of the rules, ``workflow.patched`` for one of the workflow's
commands), keeping an old history as a fixture under another name; never to make the replay test
pass. Each scenario opens on a Monday at 09:05 (:func:`to_monday_morning`). ``bench.case_cost``
drives the same scenarios to count what a case costs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from temporalio.client import WorkflowExecutionStatus, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

import states
from reintegratie.config.temporal import DATA_CONVERTER
from states.clock import at_local, local_date
from tests.support import BIN, SmtpSink, free_port
from tests.workflows.harness import BUDDY, CASEMANAGER, COACH, EMPLOYEE, MANAGER, CaseWorld, case_world
from workflows import search_attributes
from workflows.case import ReintegrationCase
from workflows.commands import AssignCoach, ChooseBuddy

HISTORIES = Path(__file__).resolve().parent / "histories"

Scenario = Callable[[CaseWorld], Awaitable[None]]


async def _week(world: CaseWorld, first_sick_day: object) -> int:
    return ((await world.today()) - first_sick_day).days // 7 + 1  # type: ignore[operator]


async def short_recovery(world: CaseWorld) -> None:
    """Sick for two weeks, fully recovered, closed after the samentelling window."""
    await world.open()
    await world.advance(timedelta(days=16))
    await world.command("recovered", states.Recovered, full=True)
    await world.advance(timedelta(weeks=10))


async def missed_probleemanalyse(world: CaseWorld) -> None:
    """Nobody acts: reminders, then the overdue alert and the Overdue search attribute."""
    await world.open()
    await world.advance(timedelta(days=44))


async def stagnation(world: CaseWorld) -> None:
    """Build-up hours stay flat, complaints last: the coach is looped in, the build-up paused."""
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
    for _ in range(5):
        await world.advance(timedelta(weeks=1))
        week_of = (await world.today()) - timedelta(days=(await world.today()).weekday() + 7)
        await world.command("hours_reported", states.HoursReported, week_of=week_of, hours=8)
    await world.command("complaints_reported", states.ComplaintsReported, lasting_days=8)


async def standard_return(world: CaseWorld) -> None:
    """Probleemanalyse, plan, therapeutic work, buddy, build-up with weekly hours, recovery."""
    await world.open()
    await world.advance(timedelta(weeks=4, days=3))
    await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
    await world.advance(timedelta(weeks=2))
    today = await world.today()
    await world.command(
        "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=6)
    )
    first_day = today + timedelta(days=14 - today.weekday())
    await world.command("therapeutic_work_started", states.TherapeuticWorkStarted, hours_per_week=6, on=first_day)
    await world.command("buddy_consent", states.BuddyConsent, given=True)
    await world.command("choose_buddy", ChooseBuddy, buddy=BUDDY)  # from rules version 3 the buddy is invited now
    await world.advance(timedelta(weeks=5))
    monday = (await world.today()) - timedelta(days=(await world.today()).weekday())
    schedule = [
        states.BuildUpStep(from_date=monday + timedelta(weeks=2 * n), hours_per_week=8 + 6 * n) for n in range(5)
    ]
    await world.command("build_up_started", states.BuildUpStarted, schedule=schedule)
    for week in range(12, 24):
        await world.advance(timedelta(weeks=1))
        week_of = (await world.today()) - timedelta(days=(await world.today()).weekday() + 7)
        hours = next((s.hours_per_week for s in reversed(schedule) if s.from_date <= week_of), 6)
        await world.command("hours_reported", states.HoursReported, week_of=week_of, hours=hours)
        if week % 2 == 0:
            await world.command("progress_talk_held", states.ProgressTalkHeld, went=states.TalkMood.good)
    await world.command("recovered", states.Recovered, full=True)


async def two_year_wia(world: CaseWorld) -> None:
    """The full two years, every step on time, through the second track to WIA (the long case)."""
    await world.open()
    first = await world.today()

    async def evaluate_until(last_week: int) -> None:
        while await _week(world, first) < last_week:
            await world.advance(timedelta(weeks=5))
            await world.command(
                "evaluation_held", states.EvaluationHeld, outcome=states.EvaluationOutcome.continue_plan
            )
            if await _week(world, first) >= 43:
                facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
                if not any(s.key == "uwv_42_week_report" for s in facts.steps):
                    await world.command("step_recorded", states.StepRecorded, step=states.StepKey.uwv_42_week_report)

    await world.advance(timedelta(days=3))
    await world.command("step_recorded", states.StepRecorded, step=states.StepKey.arbodienst_report)
    await world.advance(timedelta(weeks=4))
    await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
    await world.advance(timedelta(weeks=2))
    await world.command(
        "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=4)
    )
    await evaluate_until(47)
    await world.advance(timedelta(weeks=50 - await _week(world, first)))
    await world.command("eerstejaarsevaluatie_held", states.EerstejaarsevaluatieHeld)
    await world.advance(timedelta(weeks=4))
    await world.command("tweede_spoor_started", states.TweedeSpoorStarted)
    await evaluate_until(89)
    await world.advance(timedelta(weeks=90 - await _week(world, first)))
    for step in (states.StepKey.actueel_oordeel, states.StepKey.riv_to_employee, states.StepKey.wia_application):
        await world.command("step_recorded", states.StepRecorded, step=step)
    while await world.execution_status() == WorkflowExecutionStatus.RUNNING and await _week(world, first) < 110:
        await world.advance(timedelta(weeks=4))
        if await world.execution_status() == WorkflowExecutionStatus.RUNNING:
            await world.command(
                "evaluation_held", states.EvaluationHeld, outcome=states.EvaluationOutcome.continue_plan
            )


RIV_ADVICE = states.events.OccupationalAdvice(
    limitations="Niet langer dan een uur achter elkaar staan; niet tillen",
    capabilities="Kantoorwerk, vier uur per dag",
    expected_duration="Drie tot zes maanden",
    work_advice="Opbouw in stappen van vier uur, elke twee weken",
)
RIV_REPORT = states.events.TalkReport(
    present=[states.Role.manager, states.Role.employee],
    agreed="De uren blijven zoals afgesproken",
    next_steps="Volgende evaluatie over vijf weken",
)


async def riv_complete(world: CaseWorld) -> None:
    """Rules version 4: the two years with every part of the re-integratieverslag recorded on time, with
    its content: the probleemanalyse with advice and an update, the plan signed and revised, a
    progress talk and an evaluation at most 5 weeks apart with their verslagen, a driegesprek, the
    42e-weeksmelding with its reference, the eerstejaarsevaluatie with its reason, the second track
    and an activity of it, the actueel oordeel, the eindevaluatie, the employee's views, and the copy
    of the RIV to the employee (its notice); then WIA. The RIV check finds no gap."""
    await world.open()
    first = await world.today()
    report = RIV_REPORT
    await world.command("assign_coach", AssignCoach, coach=COACH)
    await world.advance(timedelta(days=3))
    await world.command("step_recorded", states.StepRecorded, step=states.StepKey.arbodienst_report)
    await world.advance(timedelta(weeks=4))
    await world.command("probleemanalyse_received", states.ProbleemanalyseReceived, advice=RIV_ADVICE)
    await world.advance(timedelta(weeks=2))
    today = await world.today()
    plan = states.PlanVanAanpak(
        hours_per_week=4,
        tasks=["Administratie", "Telefoon"],
        evaluation_moments=[today + timedelta(weeks=5)],
        contact_person=MANAGER.name,
        casemanager=CASEMANAGER.name,
        employer_view="Rustig opbouwen in het eigen werk",
        employee_view="Ik wil graag beginnen met de administratie",
        signed_by_employer_on=today,
        signed_by_employee_on=today,
    )
    await world.command("plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=plan)
    await world.command(
        "employee_view_given",
        states.events.EmployeeViewGiven,
        about=f"plan_van_aanpak:{await _audit_key(world, 'plan_van_aanpak_signed')}",
        agrees=True,
        view="Dit plan past bij wat ik kan",
        actor=EMPLOYEE.email,
    )
    await world.advance(timedelta(weeks=3))
    # The pace is too fast: a signal, the coach is called in and a driegesprek planned.
    await world.command(
        "progress_talk_held",
        states.ProgressTalkHeld,
        went=states.TalkMood.mixed,
        pace=states.Pace.too_fast,
        summary="Het gaat te snel",
        report=report,
        actor=MANAGER.email,
    )
    await world.advance(timedelta(weeks=1))
    await world.command(
        "driegesprek_held",
        states.DriegesprekHeld,
        summary="Tempo besproken",
        report=states.events.TalkReport(
            present=[states.Role.manager, states.Role.employee, states.Role.coach],
            agreed="Het tempo gaat omlaag",
            next_steps="Evaluatie met een bijgesteld plan",
        ),
        actor=COACH.email,
    )
    await world.advance(timedelta(weeks=1))
    today = await world.today()
    revised = replace(
        plan,
        hours_per_week=3,
        evaluation_moments=[today + timedelta(weeks=5)],
        changes="Minder uren: het tempo was te hoog (driegesprek)",
        signed_by_employer_on=today,
        signed_by_employee_on=today,
    )
    await world.command(
        "evaluation_held",
        states.EvaluationHeld,
        outcome=states.EvaluationOutcome.adjust_plan,
        summary="Plan bijgesteld",
        revised_plan=revised,
        report=report,
    )
    await world.command(
        "progress_talk_held",
        states.ProgressTalkHeld,
        went=states.TalkMood.good,
        pace=states.Pace.ok,
        summary="Tempo past nu",
        report=report,
        actor=MANAGER.email,
    )
    done: set[str] = set()
    while await _week(world, first) < 85:
        # Every 5 weeks a progress talk and an evaluation, each with its verslag; between them, what
        # is due in those weeks.
        await world.advance(timedelta(weeks=3))
        await world.command(
            "progress_talk_held",
            states.ProgressTalkHeld,
            went=states.TalkMood.good,
            summary="Rustig verder",
            report=report,
            actor=MANAGER.email,
        )
        week = await _week(world, first)
        if week >= 20 and "update" not in done:
            done.add("update")
            advice = replace(RIV_ADVICE, expected_duration="Langer dan een jaar")
            await world.command("probleemanalyse_received", states.ProbleemanalyseReceived, advice=advice)
        if week >= 39 and "melding" not in done:
            done.add("melding")
            await world.command(
                "step_recorded", states.StepRecorded, step=states.StepKey.uwv_42_week_report, reference="UWV-42-000123"
            )
        if week >= 47 and "eerstejaarsevaluatie" not in done:
            done.add("eerstejaarsevaluatie")
            await world.command(
                "eerstejaarsevaluatie_held",
                states.EerstejaarsevaluatieHeld,
                structural_return_expected=False,
                reason="Terugkeer in het eigen werk is binnen drie maanden niet te verwachten",
                summary="Tweede spoor starten",
                report=report,
            )
        await world.advance(timedelta(weeks=2))
        if "eerstejaarsevaluatie" in done and "tweede_spoor" not in done:
            done.add("tweede_spoor")
            await world.command("tweede_spoor_started", states.TweedeSpoorStarted)
            await world.command(
                "tweede_spoor_activity_recorded",
                states.events.TweedeSpoorActivityRecorded,
                activity="Intake en arbeidsmarktoriëntatie",
                by="Re-integratiebureau De Brug",
            )
        await world.command(
            "evaluation_held",
            states.EvaluationHeld,
            outcome=states.EvaluationOutcome.continue_plan,
            summary="Plan loopt",
            report=report,
        )
    await world.command("step_recorded", states.StepRecorded, step=states.StepKey.actueel_oordeel, advice=RIV_ADVICE)
    await world.command(
        "eindevaluatie_held", states.events.EindevaluatieHeld, summary="Beide sporen doorlopen", report=report
    )
    await world.command(
        "employee_view_given",
        states.events.EmployeeViewGiven,
        agrees=True,
        view="Ik ben goed begeleid",
        actor=EMPLOYEE.email,
    )
    await world.advance(timedelta(weeks=1))
    for step in (states.StepKey.riv_to_employee, states.StepKey.wia_application):
        await world.command("step_recorded", states.StepRecorded, step=step)
    while await world.execution_status() == WorkflowExecutionStatus.RUNNING and await _week(world, first) < 110:
        await world.advance(timedelta(weeks=4))
        if await world.execution_status() == WorkflowExecutionStatus.RUNNING:
            await world.command(
                "evaluation_held", states.EvaluationHeld, outcome=states.EvaluationOutcome.continue_plan, report=report
            )


async def _audit_key(world: CaseWorld, action: str) -> str:
    """The audit key of the latest step ``action`` of the case (as the dossier's records are keyed)."""
    trail = await (await world.store()).audit_trail(world.case_id)
    return next(row.event_key for row in reversed(trail) if row.action == action)


async def continued_as_new(world: CaseWorld) -> None:
    """A low history limit: the case continues as new twice, carrying its facts."""
    await world.open(history_limit=60)
    await world.advance(timedelta(weeks=4, days=3))
    await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
    for _ in range(6):
        await world.command("employee_feedback", states.EmployeeFeedback)
    await world.advance(timedelta(weeks=2))
    await world.command(
        "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=4)
    )
    await world.advance(timedelta(weeks=3))


SCENARIOS: dict[str, Scenario] = {
    "short_recovery": short_recovery,
    "missed_probleemanalyse": missed_probleemanalyse,
    "stagnation": stagnation,
    "standard_return": standard_return,
    "two_year_wia": two_year_wia,
    "continued_as_new": continued_as_new,
    "riv_complete": riv_complete,
}
"""Every scenario; those of :data:`SINCE_RULES_VERSION` only from that version on."""
SINCE_RULES_VERSION: dict[str, int] = {"riv_complete": 4}


async def run_histories(world: CaseWorld) -> list[WorkflowHistory]:
    """Every run of the world's case, first to last: from the latest run back along continue-as-new."""
    latest = (await world.describe()).workflow_execution_info.execution.run_id  # raw: see CaseWorld.describe
    histories: list[WorkflowHistory] = []
    run_id: str | None = latest
    while run_id:
        history = await world.client.get_workflow_handle(world.case_id, run_id=run_id).fetch_history()
        histories.insert(0, history)
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
    return histories


@asynccontextmanager
async def scenario_world(env: WorkflowEnvironment) -> AsyncIterator[CaseWorld]:
    """A case world outside pytest: its own aiosmtpd sink and a temporary SQLite store."""
    sink = SmtpSink(host="127.0.0.1", port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with case_world(env, sink, Path(folder)) as world:
                yield world
    finally:
        controller.stop()


@asynccontextmanager
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=DATA_CONVERTER
    )
    await search_attributes.register(env.client, env.client.namespace)
    try:
        yield env
    finally:
        await env.shutdown()


async def to_monday_morning(env: WorkflowEnvironment) -> datetime:
    """Skip the server's clock to the first Monday 09:05 local time after now, and return that moment:
    a scenario opened there, as HR opens a case in office hours, records the same steps whatever the
    hour of the run (at 00:05 the scenario's evaluations would come before the reminders of 09:00)."""
    now = await env.get_current_time()
    today = local_date(now)
    monday = today + timedelta(days=(7 - today.weekday()) % 7)  # today when it is a Monday
    start = at_local(monday, 9, 5)
    if start <= now:
        start = at_local(monday + timedelta(weeks=1), 9, 5)
    await env.sleep(start - now)
    return start


async def record(names: list[str], rules_version: int = states.RULES_VERSION) -> None:
    """Record ``names``; cases on an older rules version than the current one are stored as
    ``<scenario>_rules_v<N>``, so the histories of running cases of that version stay guarded."""
    HISTORIES.mkdir(exist_ok=True)
    for scenario in names:
        name = scenario if rules_version == states.RULES_VERSION else f"{scenario}_rules_v{rules_version}"
        # A fresh server per scenario: the skipped time of one must not put the next one's intake
        # in the future (web.cases.start_case checks the intake against the wall clock).
        async with time_skipping() as env, scenario_world(env) as world:
            await to_monday_morning(env)
            world.rules_version = rules_version
            await SCENARIOS[scenario](world)
            histories = await run_histories(world)
        for old in HISTORIES.glob(f"{name}.run*.json"):
            old.unlink()
        for number, history in enumerate(histories, start=1):
            path = HISTORIES / f"{name}.run{number}.json"
            path.write_text(history.to_json() + "\n")
            print(
                f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}: {len(history.events)} events"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", choices=[[], *SCENARIOS], help="default: all")  # type: ignore[list-item]
    parser.add_argument(
        "--rules-version", type=int, default=states.RULES_VERSION, help="the rules version the cases open with"
    )
    args = parser.parse_args(argv)
    every = [name for name in SCENARIOS if SINCE_RULES_VERSION.get(name, 1) <= args.rules_version]
    asyncio.run(record(list(args.scenarios) or every, args.rules_version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
