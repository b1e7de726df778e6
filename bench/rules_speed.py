"""Cost of the rules (``states``) per call, driven the way the case workflow drives them.

    .venv/bin/python -m bench.rules_speed [--scenario NAME ...] [--repeat N] [--no-verify]

No Temporal here: a loop that does what ``workflows/case.py`` does with the rules. Open the case;
then per iteration ``upcoming`` twice and ``open_signals`` (carrying out effects: the read model and
the search attributes), stop when closed, ``next_due``, ``tick`` when due (once per moment), else wait
until the due moment (at least a minute) or the next command, whichever comes first. A command is
``check`` (the update's validator) and, when not refused, ``decide`` (the update's handler).

Scenarios (fixed dates, fixed events; nothing random, nothing from the wall clock):

- ``two_year_wia``: a full two-year case to WIA: probleemanalyse, plan van aanpak, therapeutic work,
  a build-up with hours reported every week and progress talks every two weeks, evaluations, a
  stagnation with a driegesprek, an adjusted plan, the 42nd-week report, the eerstejaarsevaluatie,
  the second track, the week-91/93 steps, until the end of the wage continuation closes it.
- ``relapse``: recovery and sick again within 4 weeks (samentelling, twice), complaints pausing the
  build-up, a relapse to fewer hours, a partial recovery, a conflict, a changed contact preference,
  until the employment ends.
- ``stagnating``: a neglected case: steps late (overdue alerts), talks not recorded, hours flat and
  falling, pace and conflict signals, a loonsanctie that extends the two years, to WIA.

Printed per scenario: calls per entry point, total and per-call milliseconds of wall time and the
total of CPU time of this thread (less disturbed by other processes on a busy machine), for the run
with the lowest wall total of ``--repeat``; every run starts with the caches of ``states`` cleared
(as in a fresh worker process; only the per-thread ``transitions`` machine survives); and the
sha256 of the canonical ``repr`` of every output in order (facts and effects after each call, the
due moments, the upcoming lists, the open signals, every refusal). An optimisation of the rules must
leave the digests unchanged. ``--no-verify`` skips the check that no call changed its input facts.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import states
from states import (
    BuddyConsent,
    BuildUpResumed,
    BuildUpStarted,
    BuildUpStep,
    CaseFacts,
    CaseOpened,
    ComplaintsReported,
    ContactPreference,
    DriegesprekHeld,
    EerstejaarsevaluatieHeld,
    EmployeeFeedback,
    EmploymentEnded,
    EvaluationHeld,
    EvaluationOutcome,
    HoursReported,
    LoonsanctieImposed,
    Pace,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    PreferenceChanged,
    ProbleemanalyseReceived,
    ProgressTalkHeld,
    Recovered,
    Refused,
    Relapse,
    SignalResolved,
    StepKey,
    StepRecorded,
    TalkMood,
    TherapeuticWorkStarted,
    TweedeSpoorStarted,
)
from states.config import TZ

MIN_AGENDA_WAIT = timedelta(minutes=1)  # as in workflows/case.py
ENTRY_POINTS = ("open_case", "next_due", "tick", "check", "decide", "upcoming", "open_signals")


# ------------------------------------------------------------------------------------ scenarios


@dataclass(frozen=True)
class Command:
    at: datetime
    event: Any


@dataclass
class Scenario:
    name: str
    intake: CaseOpened
    commands: list[Command] = field(default_factory=list)

    def add(self, day: date, hour: int, cls: type, **fields: Any) -> None:
        """A command told on ``day`` at ``hour`` (local time); ``at`` and ``now`` are that moment in UTC."""
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)
        self.commands.append(Command(at=moment, event=cls(actor="hr-1", at=moment, **fields)))

    def sorted_commands(self) -> list[Command]:
        return sorted(self.commands, key=lambda c: c.at)  # stable: same moment keeps the order added


def _intake(case_id: str, first_sick_day: date, hours: float = 36.0) -> CaseOpened:
    moment = datetime(first_sick_day.year, first_sick_day.month, first_sick_day.day, 9, tzinfo=TZ).astimezone(UTC)
    return CaseOpened(
        actor="hr-1",
        at=moment,
        case_id=case_id,
        first_sick_day=first_sick_day,
        contract_hours_per_week=hours,
        preference=ContactPreference(),
    )


def _hours_at(schedule: list[tuple[date, float]], day: date) -> float:
    hours = 0.0
    for start, value in schedule:
        if start <= day:
            hours = value
    return hours


def two_year_wia() -> Scenario:
    d0 = date(2026, 1, 5)  # a Monday

    def week(n: int, weekday: int = 0) -> date:
        return d0 + timedelta(days=7 * (n - 1) + weekday)

    s = Scenario("two_year_wia", _intake("bench-two-year", d0))
    s.add(d0 + timedelta(days=3), 10, StepRecorded, step=StepKey.arbodienst_report)
    s.add(week(5), 10, ProbleemanalyseReceived)
    plan = PlanVanAanpak(
        hours_per_week=4,
        tasks=["post sorteren", "archief"],
        contact_person="m-1",
        casemanager="hr-1",
        employer_view="rustig beginnen",
        employee_view="eens",
    )
    s.add(week(7, 1), 10, PlanVanAanpakSigned, plan=plan)
    s.add(week(7, 2), 10, TherapeuticWorkStarted, hours_per_week=4, on=week(9))
    s.add(week(7, 3), 10, BuddyConsent, given=True)
    first = [(week(9), 4.0)] + [(week(13 + 2 * n), 8.0 + 4 * n) for n in range(5)]  # 8..24
    s.add(week(12, 2), 10, BuildUpStarted, schedule=[BuildUpStep(from_date=d, hours_per_week=h) for d, h in first[1:]])
    second = [(week(31), 28.0), (week(33), 32.0)]
    s.add(week(30, 2), 10, BuildUpStarted, schedule=[BuildUpStep(from_date=d, hours_per_week=h) for d, h in second])
    agreed = first + second
    for n in range(10, 105):  # every Monday: the hours of the week before
        s.add(week(n), 11, HoursReported, week_of=week(n - 1), hours=_hours_at(agreed, week(n - 1)))
    for n in range(11, 104, 2):  # progress talks every two weeks
        pace = Pace.too_slow if n == 25 else Pace.ok
        s.add(week(n, 1), 14, ProgressTalkHeld, went=TalkMood.good if n != 25 else TalkMood.mixed, pace=pace)
    for n in [9, 13, *range(18, 104, 5)]:
        if n == 28:
            revised = PlanVanAanpak(
                hours_per_week=24, tasks=["post sorteren", "balie"], contact_person="m-1", casemanager="hr-1"
            )
            s.add(week(n, 3), 15, EvaluationHeld, outcome=EvaluationOutcome.adjust_plan, revised_plan=revised)
        else:
            s.add(week(n, 3), 15, EvaluationHeld, outcome=EvaluationOutcome.continue_plan)
    s.add(week(26, 2), 10, EmployeeFeedback, pace=Pace.too_slow)
    s.add(week(26, 4), 10, DriegesprekHeld, summary="uren en taken besproken")
    s.add(week(38, 4), 10, DriegesprekHeld, summary="tweede spoor verkend")
    s.add(week(38, 4), 11, SignalResolved, signal_key=f"hours_not_increased:{week(33).isoformat()}", note="besproken")
    s.add(week(43), 10, StepRecorded, step=StepKey.uwv_42_week_report)
    s.add(week(50, 2), 10, EerstejaarsevaluatieHeld, summary="terugkeer in eigen werk niet verwacht")
    s.add(week(54, 2), 10, TweedeSpoorStarted)
    s.add(week(60, 1), 10, ComplaintsReported, lasting_days=3)
    s.add(week(91, 2), 10, StepRecorded, step=StepKey.actueel_oordeel)
    s.add(week(91, 3), 10, StepRecorded, step=StepKey.riv_to_employee)
    s.add(week(93, 2), 10, StepRecorded, step=StepKey.wia_application)
    return s


def relapse() -> Scenario:
    r0 = date(2026, 3, 2)  # a Monday; the case crosses the spring DST change

    def day(n: int) -> date:
        return r0 + timedelta(days=n)

    s = Scenario("relapse", _intake("bench-relapse", r0, hours=32.0))
    s.add(day(3), 10, StepRecorded, step=StepKey.arbodienst_report)
    s.add(day(11), 10, Recovered, full=True)  # back on day 11
    s.add(day(25), 10, Relapse)  # sick again after 14 days: samentelling
    s.add(day(44), 10, ProbleemanalyseReceived)
    s.add(day(52), 10, PlanVanAanpakSigned, plan=PlanVanAanpak(hours_per_week=6, contact_person="m-1"))
    monday = day(63)  # Monday
    schedule = [(monday + timedelta(weeks=n), 6.0 + 4 * n) for n in range(4)]  # 6, 10, 14, 18
    s.add(day(58), 10, BuildUpStarted, schedule=[BuildUpStep(from_date=d, hours_per_week=h) for d, h in schedule])
    s.add(day(60), 10, BuddyConsent, given=False)
    agreed = list(schedule)
    for n in range(1, 8):
        week_of = monday + timedelta(weeks=n - 1)
        s.add(week_of + timedelta(weeks=1), 11, HoursReported, week_of=week_of, hours=_hours_at(agreed, week_of))
    for n in range(2, 20, 2):
        s.add(monday + timedelta(weeks=n, days=1), 14, ProgressTalkHeld, went=TalkMood.good)
    s.add(monday + timedelta(weeks=3, days=2), 10, ComplaintsReported, lasting_days=8)  # pause
    s.add(monday + timedelta(weeks=4, days=2), 10, BuildUpResumed)
    s.add(monday + timedelta(weeks=5, days=1), 10, Relapse, hours_per_week=6)  # fewer hours
    restart = monday + timedelta(weeks=7)
    again = [(restart + timedelta(weeks=n), 8.0 + 4 * n) for n in range(3)]  # 8, 12, 16
    s.add(
        monday + timedelta(weeks=6, days=2),
        10,
        BuildUpStarted,
        schedule=[BuildUpStep(from_date=d, hours_per_week=h) for d, h in again],
    )
    agreed = [(d, h) for d, h in agreed if d < monday + timedelta(weeks=5, days=1)]
    agreed += [(monday + timedelta(weeks=5, days=1), 6.0)] + again
    for n in range(8, 13):
        week_of = monday + timedelta(weeks=n - 1)
        s.add(week_of + timedelta(weeks=1), 11, HoursReported, week_of=week_of, hours=_hours_at(agreed, week_of))
    s.add(monday + timedelta(weeks=8, days=3), 15, EvaluationHeld, outcome=EvaluationOutcome.continue_plan)
    s.add(monday + timedelta(weeks=10, days=1), 10, Recovered, full=False, hours_per_week=20)
    s.add(monday + timedelta(weeks=12, days=3), 15, EvaluationHeld, outcome=EvaluationOutcome.continue_plan)
    back = monday + timedelta(weeks=13)
    s.add(back, 10, Recovered, full=True)
    s.add(back + timedelta(days=20), 10, Relapse)  # samentelling again: back to the plan van aanpak
    s.add(
        back + timedelta(days=22),
        10,
        PreferenceChanged,
        preference=ContactPreference(weekday=2, hour=14, minute=30, channel=states.Channel.video),
    )
    s.add(back + timedelta(days=27), 10, TherapeuticWorkStarted, hours_per_week=4, on=back + timedelta(days=35))
    s.add(back + timedelta(days=45), 10, EmployeeFeedback, conflict_at_work=True)
    s.add(back + timedelta(days=50), 10, Relapse, back_to=states.Phase.plan_van_aanpak)
    for n in range(3):
        s.add(back + timedelta(days=56 + 35 * n), 15, EvaluationHeld, outcome=EvaluationOutcome.continue_plan)
    s.add(back + timedelta(days=60), 10, DriegesprekHeld)
    s.add(back + timedelta(days=140), 10, EmploymentEnded)
    return s


def stagnating() -> Scenario:
    s0 = date(2026, 9, 7)  # a Monday; crosses the autumn DST change and the turn of the year

    def week(n: int, weekday: int = 0) -> date:
        return s0 + timedelta(days=7 * (n - 1) + weekday)

    s = Scenario("stagnating", _intake("bench-stagnating", s0, hours=24.0))
    s.add(week(2, 4), 10, StepRecorded, step=StepKey.arbodienst_report)  # late: day 12
    s.add(week(8, 1), 10, ProbleemanalyseReceived)  # late
    s.add(week(11, 2), 10, PlanVanAanpakSigned, plan=PlanVanAanpak(hours_per_week=2))  # late
    s.add(week(12, 1), 10, TherapeuticWorkStarted, hours_per_week=2, on=week(13))
    s.add(week(16, 2), 10, BuildUpStarted, schedule=[BuildUpStep(from_date=week(17), hours_per_week=4)])
    reported = {n: 2.0 for n in range(13, 17)} | {n: 4.0 for n in range(17, 24)} | {24: 3.0, 25: 2.0, 26: 2.0}
    reported |= {n: 4.0 for n in range(27, 110)}
    for n, hours in reported.items():
        if n % 3 == 0:
            continue  # some weeks nobody reports
        s.add(week(n + 1, 2), 11, HoursReported, week_of=week(n), hours=hours)
    for n in range(20, 110, 4):  # talks only every four weeks: many go unrecorded
        s.add(
            week(n, 1),
            14,
            ProgressTalkHeld,
            went=TalkMood.difficult,
            pace=Pace.too_fast if n < 40 else Pace.ok,
            conflict_at_work=20 <= n < 30,
        )
    s.add(week(22, 3), 10, EmployeeFeedback, pace=Pace.too_fast, conflict_at_work=True)
    s.add(week(23, 3), 10, ComplaintsReported, lasting_days=10)
    s.add(week(27, 3), 10, BuildUpResumed)
    s.add(week(30, 3), 10, DriegesprekHeld)
    for n in range(14, 110, 8):
        s.add(week(n, 3), 15, EvaluationHeld, outcome=EvaluationOutcome.continue_plan)
    s.add(week(44, 2), 10, StepRecorded, step=StepKey.uwv_42_week_report)  # late
    s.add(week(54, 2), 10, EerstejaarsevaluatieHeld)  # late
    s.add(week(62, 2), 10, TweedeSpoorStarted)  # late
    s.add(week(70, 2), 10, DriegesprekHeld)
    s.add(week(92, 2), 10, StepRecorded, step=StepKey.actueel_oordeel)
    s.add(week(92, 3), 10, StepRecorded, step=StepKey.riv_to_employee)
    s.add(week(94, 2), 10, StepRecorded, step=StepKey.wia_application)
    s.add(week(96, 2), 10, LoonsanctieImposed, weeks=12)
    return s


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "two_year_wia": two_year_wia,
    "relapse": relapse,
    "stagnating": stagnating,
}


# ---------------------------------------------------------------------------------------- driver


def canonical(value: Any) -> str:
    """The repr the digest is taken of (dataclass reprs, datetimes with their tzinfo); a refusal by
    its code and both reasons."""
    if isinstance(value, Refused):
        return f"Refused({value.code!r}, {value.reason_nl!r}, {value.reason_en!r})"
    return repr(value)


@dataclass
class Run:
    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENTRY_POINTS, 0))
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ENTRY_POINTS, 0.0))
    cpu: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ENTRY_POINTS, 0.0))
    digest: Any = field(default_factory=hashlib.sha256)
    refused: list[str] = field(default_factory=list)
    verify: bool = True
    facts_repr: str = ""

    def call(self, name: str, facts: CaseFacts | None, fn: Callable[..., Any], *args: Any) -> Any:
        cpu_started = time.thread_time()
        started = time.perf_counter()
        try:
            result: Any = fn(*args)
        except Refused as exc:
            result = exc
        self.seconds[name] += time.perf_counter() - started
        self.cpu[name] += time.thread_time() - cpu_started
        self.calls[name] += 1
        self.digest.update(f"{name}\n{canonical(result)}\n".encode())
        if self.verify and facts is not None and repr(facts) != self.facts_repr:
            raise AssertionError(f"{name} changed its input facts")
        return result

    def adopt(self, facts: CaseFacts) -> None:
        """``facts`` are the case's facts from now on (remember them to check they stay untouched)."""
        if self.verify:
            self.facts_repr = repr(facts)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    @property
    def total_cpu(self) -> float:
        return sum(self.cpu.values())


def clear_caches() -> None:
    """Empty every ``functools`` cache of the rules' modules (whatever caches the code has)."""
    for name, module in list(sys.modules.items()):
        if name == "states" or name.startswith("states."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def drive(scenario: Scenario, verify: bool = True) -> tuple[Run, CaseFacts]:
    """The workflow's loop (workflows/case.py ``run``) over the rules alone."""
    clear_caches()
    run = Run(verify=verify)
    commands = deque(scenario.sorted_commands())
    now = scenario.intake.at
    decision = run.call("open_case", None, states.open_case, scenario.intake, now)
    facts = decision.facts
    run.adopt(facts)
    last_tick: datetime | None = None
    for _ in range(100_000):
        run.call("upcoming", facts, states.upcoming, facts, now)  # carrying out: the read model
        run.call("upcoming", facts, states.upcoming, facts, now)  # the search attributes
        run.call("open_signals", facts, states.open_signals, facts)
        if facts.closed:
            return run, facts
        due = run.call("next_due", facts, states.next_due, facts, now)
        if due is not None and due <= now and now != last_tick:
            last_tick = now
            facts = run.call("tick", facts, states.tick, facts, now).facts
            run.adopt(facts)
            continue
        wake = now + max(due - now, MIN_AGENDA_WAIT) if due is not None else None
        if commands and (wake is None or commands[0].at <= wake):
            command = commands.popleft()
            now = max(now, command.at)
            refusal = run.call("check", facts, states.check, facts, command.event, now)
            if isinstance(refusal, Refused):
                run.refused.append(f"{now.date()} {type(command.event).__name__}: {refusal.code}")
                continue
            facts = run.call("decide", facts, states.decide, facts, command.event, now).facts
            run.adopt(facts)
            continue
        if wake is None:
            break
        now = wake
    raise AssertionError(f"{scenario.name}: the case never closed")


def report(name: str, runs: list[Run], facts: CaseFacts, commands: int) -> None:
    best = min(runs, key=lambda r: r.total)
    digests = {r.digest.hexdigest() for r in runs}
    assert len(digests) == 1, f"{name}: the digest differs between runs"
    print(
        f"\n## {name}: {commands} commands, {len(best.refused)} refused, closed as {facts.outcome} "
        f"on {facts.ended_on}, {len(facts.emitted)} agenda items, {len(facts.signals)} signals"
    )
    print(f"{'entry point':<14} {'calls':>6} {'total ms':>9} {'ms/call':>8} {'cpu ms':>8}")
    for entry in ENTRY_POINTS:
        calls = best.calls[entry]
        ms = best.seconds[entry] * 1000
        print(f"{entry:<14} {calls:>6} {ms:>9.1f} {ms / calls if calls else 0:>8.3f} {best.cpu[entry] * 1000:>8.1f}")
    calls = sum(best.calls.values())
    print(
        f"{'total':<14} {calls:>6} {best.total * 1000:>9.1f} {best.total * 1000 / calls:>8.3f} "
        f"{best.total_cpu * 1000:>8.1f}"
    )
    totals = [r.total * 1000 for r in runs]
    cpu = [r.total_cpu * 1000 for r in runs]
    print(
        f"runs: wall first {totals[0]:.1f} ms, best {min(totals):.1f}, median {statistics.median(totals):.1f}; "
        f"cpu best {min(cpu):.1f}, median {statistics.median(cpu):.1f} ms; {len(runs)} runs, caches cleared before each"
    )
    for line in best.refused:
        print(f"refused: {line}")
    print(f"digest sha256:{digests.pop()}")


def main() -> None:
    parser = argparse.ArgumentParser(description="cost of the rules per call, driven like the case workflow")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-verify", action="store_true", help="skip the input-untouched check")
    args = parser.parse_args()
    from bench.common import header

    header("rules speed (states/ driven like workflows/case.py)")
    for name in args.scenario or list(SCENARIOS):
        scenario = SCENARIOS[name]()
        runs = []
        facts = None
        for _ in range(max(1, args.repeat)):
            run, facts = drive(scenario, verify=not args.no_verify)
            runs.append(run)
        assert facts is not None
        report(name, runs, facts, len(scenario.commands))


if __name__ == "__main__":
    main()
