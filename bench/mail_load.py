"""Mail load: messages per person per week outside invitations, from the rules over realistic cases.

    .venv/bin/python -m bench.mail_load [--weeks 26] [--seed 18]

No server, no SMTP: the rules alone (``states.open_case``/``decide``/``tick``, driven like
``workflows/case.py`` and ``bench.rules_speed``) over two portfolios whose mail is counted in the same
26 weeks (from Monday 5 January 2026):

- **a manager with 5 cases**: two short absences, a standard return through a build-up, a long case
  that is still running and a case with a relapse (and complaints that pause the build-up); the
  manager forgets to record one progress talk in five;
- **HR (the casemanager) with 50 cases**: ten managers with five cases each, drawn (seeded, the same
  every run) from short absences (most), standard returns, long cases, relapses, neglected cases
  (steps late, talks not recorded) and old cases taken in late (intake months after the first sick
  day: the overdue alerts all at once).

Some cases start before the 26 weeks (they run from their start; only mail inside the weeks counts),
some during them. People behave as people do: the manager records each progress talk, evaluation
and driegesprek right after it (a neglected case's manager forgets half of the progress talks),
reports the hours every Monday, and HR records the statutory steps, late in a neglected case.

Each decision's effects become the notices ``workflows.dispatch`` sends: one to each person of the
effect's roles (``to``), the team's notice to the team. Invitations (new, updated, cancelled
series) are calendar objects and always go at once; they are counted apart. The notices are then
counted four ways:

- **direct, one per notice**: the floor, measured in the same run (what was sent before issue 18);
- **combined per decision**: a person's HR alerts of one decision in one message (the activity,
  :mod:`integrations.digest`);
- **combined in the window**: also the HR alerts of other cases within
  :data:`integrations.digest.HR_BATCH_WINDOW` of a person's first alert (the product's worker);
- **daily summary**: everything for a person in the summary at 08:00 on the next working day
  (:func:`integrations.digest.next_summary_at`).

And twice over: under the rules of version 2 (the cases opened before issue 18 go on under them) and
version 3. Printed per person: messages per week (mean, and the busiest week) and each policy's ratio
to the floor, with the issue's target for the manager: at most 3 a week outside invitations, or 1 with
the daily summary.
"""

from __future__ import annotations

import argparse
import heapq
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import states
from integrations.digest import HR_ALERTS, HR_BATCH_WINDOW, next_summary_at
from states import (
    BuildUpResumed,
    BuildUpStarted,
    BuildUpStep,
    CaseFacts,
    CaseOpened,
    ComplaintsReported,
    ContactPreference,
    DriegesprekHeld,
    EvaluationHeld,
    EvaluationOutcome,
    HoursReported,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    ProbleemanalyseReceived,
    ProgressTalkHeld,
    Recovered,
    Refused,
    Relapse,
    StepKey,
    StepRecorded,
    TalkMood,
    TherapeuticWorkStarted,
)
from states import effects as fx
from states.config import TZ

START = date(2026, 1, 5)  # a Monday: week 1 of the count
MIN_AGENDA_WAIT = timedelta(minutes=1)  # as in workflows/case.py
SERIES_EFFECTS = (fx.SendSeries, fx.UpdateSeries, fx.CancelSeries)
#: The kind of notice each effect becomes (workflows.dispatch), for the HR alerts that are combined.
NOTICE_KIND: dict[type, str] = {
    fx.RemindHR: "hr_reminder",
    fx.AlertHROverdue: "hr_overdue",
    fx.NotifyTeam: "team_notice",
    fx.AskBuddyConsent: "buddy_request",
    fx.InviteBuddy: "buddy_invite",
    fx.PrepareFirstDay: "first_day",
    fx.LoopInCoach: "coach_signal",
    fx.PauseBuildUp: "buildup_paused",
}
NOTICE_KIND.update(
    {
        effect_type: kind
        for name, kind in (("RemindManagerToRecord", "record_talk"), ("DeadlineMoved", "deadline_moved"))
        if (effect_type := getattr(fx, name, None)) is not None
    }
)
MANAGER_TARGET = {"direct": 3.0, "daily": 1.0}  # messages a week outside invitations (issue 18)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(UTC)


# ------------------------------------------------------------------------------------ the cases


@dataclass(frozen=True)
class Command:
    at: datetime
    order: int
    event: Any


@dataclass
class Case:
    """One case of a portfolio: who, when, and what people do in it."""

    case_id: str
    manager: str
    profile: str
    first_sick_day: date
    opened: datetime
    hours: float
    preference: ContactPreference
    records_talks: float = 1.0  # the share of talks the manager records (the rest is forgotten)
    script: list[Command] = field(default_factory=list)

    def add(self, day: date, hour: int, cls: type, **fields: Any) -> None:
        moment = at(day, hour)
        actor = "hr" if cls in (StepRecorded, ProbleemanalyseReceived, PlanVanAanpakSigned) else self.manager
        self.script.append(Command(moment, len(self.script), cls(actor=actor, at=moment, **fields)))


def _weeks(d0: date) -> Callable[[int, int], date]:
    def week(n: int, weekday: int = 0) -> date:
        """Day ``weekday`` of sick week ``n`` (week 1 starts on the first sick day's Monday)."""
        monday = d0 - timedelta(days=d0.weekday())
        return monday + timedelta(days=7 * (n - 1) + weekday)

    return week


def _build_up(case: Case, week: Callable[[int, int], date], first: int, start: float, top: float, until: int) -> None:
    """The therapeutic start, a build-up of 4 hours every two weeks to ``top``, hours every Monday."""
    case.add(week(first - 1, 2), 10, TherapeuticWorkStarted, hours_per_week=start, on=week(first, 0))
    steps = []
    hours = start
    n = first + 3
    while hours < top:
        hours = min(top, hours + 4)
        steps.append(BuildUpStep(from_date=week(n, 0), hours_per_week=hours))
        n += 2
    case.add(week(first + 2, 2), 10, BuildUpStarted, schedule=steps)
    agreed = [(week(first, 0), start)] + [(step.from_date, step.hours_per_week) for step in steps]
    for n in range(first + 1, until):
        week_of = week(n - 1, 0)
        worked = max([h for d, h in agreed if d <= week_of], default=0.0)
        case.add(week(n, 0), 11, HoursReported, week_of=week_of, hours=worked)


def short(case: Case, days: int) -> Case:
    """Back in full after ``days``; the sick report to the arbodienst on time."""
    case.add(case.first_sick_day + timedelta(days=2), 10, StepRecorded, step=StepKey.arbodienst_report)
    back = case.first_sick_day + timedelta(days=days)
    case.add(back, 9, Recovered, full=True, on=back)
    return case


def standard(case: Case, back_week: int | None, *, late: int = 0, top: float | None = None) -> Case:
    """Steps on time (``late`` weeks late each), a build-up, back in full in ``back_week`` (None: not)."""
    week = _weeks(case.first_sick_day)
    case.add(case.first_sick_day + timedelta(days=3 + 7 * late), 10, StepRecorded, step=StepKey.arbodienst_report)
    case.add(week(5 + late, 1), 10, ProbleemanalyseReceived)
    plan = PlanVanAanpak(hours_per_week=4, tasks=["post", "archief"], contact_person=case.manager, casemanager="hr")
    case.add(week(7 + late, 2), 10, PlanVanAanpakSigned, plan=plan)
    last = back_week or 120
    _build_up(case, week, 9 + late, 4.0, top or case.hours, last)
    if back_week is not None:
        case.add(week(back_week, 0), 9, Recovered, full=True, on=week(back_week, 0))
    return case


def relapse(case: Case) -> Case:
    """A standard return that slips back: fewer hours for a while, then on again."""
    standard(case, back_week=30)
    week = _weeks(case.first_sick_day)
    case.add(week(13, 2), 10, ComplaintsReported, lasting_days=8)  # the build-up pauses
    case.add(week(14, 2), 10, BuildUpResumed)
    case.add(week(16, 1), 10, Relapse, hours_per_week=4)
    restart = [BuildUpStep(from_date=week(19 + 2 * n, 0), hours_per_week=8.0 + 4 * n) for n in range(6)]
    case.add(week(18, 2), 10, BuildUpStarted, schedule=restart)
    return case


def old_intake(case: Case, weeks_late: int) -> Case:
    """Taken in ``weeks_late`` weeks after the first sick day; HR then records what was done."""
    case.opened = at(case.first_sick_day + timedelta(weeks=weeks_late), 9)
    day = case.opened.astimezone(TZ).date()
    case.add(day + timedelta(days=1), 10, StepRecorded, step=StepKey.arbodienst_report)
    case.add(day + timedelta(days=8), 10, ProbleemanalyseReceived)
    case.add(day + timedelta(days=15), 10, PlanVanAanpakSigned, plan=PlanVanAanpak(hours_per_week=8))
    return case


def manager_portfolio(manager: str = "manager-1") -> list[Case]:
    """The manager with 5 cases (module docstring)."""

    def case(n: int, d0: date, profile: str, weekday: int, hour: int) -> Case:
        return Case(
            case_id=f"{manager}-case-{n}",
            manager=manager,
            profile=profile,
            first_sick_day=d0,
            opened=at(d0, 9),
            hours=36.0,
            preference=ContactPreference(weekday=weekday, hour=hour),
            records_talks=0.8,  # one progress talk in five goes unrecorded
        )

    return [
        short(case(1, START + timedelta(weeks=2, days=1), "short", 0, 10), days=9),
        short(case(2, START + timedelta(weeks=11, days=3), "short", 1, 11), days=16),
        standard(case(3, START - timedelta(weeks=4), "standard", 2, 10), back_week=24),
        standard(case(4, START - timedelta(weeks=30), "long", 3, 14), back_week=None, top=24.0),
        relapse(case(5, START + timedelta(weeks=6), "relapse", 4, 10)),
    ]


PROFILES = (("short", 40), ("standard", 25), ("long", 15), ("relapse", 10), ("neglected", 5), ("old_intake", 5))


def hr_portfolio(seed: int, managers: int = 10, per_manager: int = 5) -> list[Case]:
    """HR's 50 cases: ten managers with five cases each, drawn with the seed (module docstring)."""
    rng = random.Random(seed)
    names, weights = zip(*PROFILES, strict=True)
    cases = []
    for m in range(managers):
        manager = f"manager-{m + 1}"
        for n in range(per_manager):
            profile = rng.choices(names, weights)[0]
            start = START + timedelta(days=rng.randrange(-7 * 40, 7 * 22))
            case = Case(
                case_id=f"{manager}-case-{n + 1}",
                manager=manager,
                profile=profile,
                first_sick_day=start,
                opened=at(start, 9),
                hours=rng.choice((24.0, 32.0, 36.0, 40.0)),
                preference=ContactPreference(weekday=rng.randrange(5), hour=rng.choice((9, 10, 11, 14, 15))),
            )
            if profile == "short":
                short(case, days=rng.randrange(3, 35))
            elif profile == "standard":
                standard(case, back_week=rng.randrange(14, 40))
            elif profile == "long":
                standard(case, back_week=None, top=case.hours * rng.choice((0.5, 0.66, 0.75)))
            elif profile == "relapse":
                relapse(case)
            elif profile == "neglected":
                case.records_talks = 0.5
                standard(case, back_week=None, late=3, top=case.hours / 2)
            else:
                old_intake(case, weeks_late=rng.randrange(12, 40))
            cases.append(case)
    return cases


# ---------------------------------------------------------------------------------------- driving


@dataclass(frozen=True)
class Sent:
    """One message to one person (a notice, or an invitation counted apart)."""

    moment: datetime
    person: str
    role: str
    kind: str  # notice kind, or "invitation"
    decision: tuple[str, int]  # (case, decision number): what one delivery carries


@dataclass
class Run:
    sent: list[Sent] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    unmapped: Counter[str] = field(default_factory=Counter)
    decisions: int = 0


def people_of(case: Case) -> dict[str, str]:
    """Role -> person (an address-like name) of one case."""
    return {
        "manager": case.manager,
        "employee": f"{case.case_id}-employee",
        "casemanager": "hr",
        "coach": "coach",
        "buddy": f"{case.case_id}-buddy",
    }


def record(run: Run, case: Case, moment: datetime, effects: list[Any]) -> None:
    run.decisions += 1
    decision = (case.case_id, run.decisions)
    people = people_of(case)
    for effect in effects:
        if isinstance(effect, SERIES_EFFECTS):
            for role in effect.attendees:
                run.sent.append(Sent(moment, people[str(role)], str(role), "invitation", decision))
        elif isinstance(effect, fx.NotifyTeam):
            run.sent.append(Sent(moment, f"{case.case_id}-team", "team", "team_notice", decision))
        elif isinstance(effect, fx.CloseCase):
            continue
        elif hasattr(effect, "to"):
            kind = NOTICE_KIND.get(type(effect), type(effect).__name__)
            for role in dict.fromkeys(effect.to):
                run.sent.append(Sent(moment, people[str(role)], str(role), kind, decision))
        else:
            run.unmapped[type(effect).__name__] += 1


def drive(case: Case, rules_version: int, until: datetime, run: Run) -> CaseFacts:
    """The workflow's loop (bench.rules_speed.drive) with people who answer the talks they see coming."""
    rng = random.Random(case.case_id)
    queue: list[tuple[datetime, int, Any]] = [(c.at, c.order, c.event) for c in case.script]
    heapq.heapify(queue)
    order = len(case.script)
    answered: set[tuple[str, datetime]] = set()
    now = case.opened
    opened = CaseOpened(
        actor="hr",
        at=now,
        case_id=case.case_id,
        first_sick_day=case.first_sick_day,
        contract_hours_per_week=case.hours,
        preference=case.preference,
    )
    decision = states.open_case(opened, now, rules_version=rules_version)  # as workflows/case.py _open
    facts = decision.facts
    record(run, case, now, decision.effects)
    last_tick: datetime | None = None
    while not facts.closed and now < until:
        for item in states.upcoming(facts, now):
            if item.at is None or item.kind not in ("progress_talk", "evaluation", "driegesprek"):
                continue
            if (item.key, item.at) in answered or item.at > until:
                continue
            answered.add((item.key, item.at))
            if item.kind == "progress_talk" and rng.random() >= case.records_talks:
                continue  # forgotten
            event = _talk_held(item.kind, case.manager, item.at + timedelta(hours=1))
            order += 1
            heapq.heappush(queue, (item.at + timedelta(hours=1), order, event))
        due = states.next_due(facts, now)
        if due is not None and due <= now and now != last_tick:
            last_tick = now
            decision = states.tick(facts, now)
            facts = decision.facts
            record(run, case, now, decision.effects)
            continue
        wake = now + max(due - now, MIN_AGENDA_WAIT) if due is not None else None
        if queue and (wake is None or queue[0][0] <= wake):
            moment, _order, event = heapq.heappop(queue)
            if moment < now:
                event = _moved(event, now)
            now = max(now, moment)
            try:
                states.check(facts, event, now)
                decision = states.decide(facts, event, now)
            except Refused as refused:
                run.refused[f"{type(event).__name__}: {refused.code}"] += 1
                continue
            facts = decision.facts
            record(run, case, now, decision.effects)
            continue
        if wake is None:
            break
        now = wake
    return facts


def _talk_held(kind: str, manager: str, moment: datetime) -> Any:
    if kind == "progress_talk":
        return ProgressTalkHeld(actor=manager, at=moment, went=TalkMood.good)
    if kind == "evaluation":
        return EvaluationHeld(actor=manager, at=moment, outcome=EvaluationOutcome.continue_plan)
    return DriegesprekHeld(actor="coach", at=moment)


def _moved(event: Any, now: datetime) -> Any:
    """A command whose moment passed while the case was busy is told now."""
    import dataclasses

    return dataclasses.replace(event, at=now)


# ---------------------------------------------------------------------------------------- counting


def week_of(moment: datetime) -> int:
    return (moment.astimezone(TZ).date() - START).days // 7


def messages(sent: list[Sent], policy: str) -> list[tuple[datetime, str]]:
    """(moment, person) of each message a person receives outside invitations, under ``policy``."""
    notices = [s for s in sent if s.kind != "invitation"]
    if policy == "direct":
        return [(s.moment, s.person) for s in notices]
    if policy == "daily":
        return sorted({(next_summary_at(s.moment), s.person) for s in notices})
    out: list[tuple[datetime, str]] = []
    alerts: dict[tuple[tuple[str, int], str], datetime] = {}
    for s in notices:
        if s.kind in HR_ALERTS:
            alerts.setdefault((s.decision, s.person), s.moment)  # one message per decision and person
        else:
            out.append((s.moment, s.person))
    if policy == "decision":
        return out + [(moment, person) for (_decision, person), moment in alerts.items()]
    # window: a person's first alert opens it; every alert until its end joins that message
    by_person: dict[str, list[datetime]] = defaultdict(list)
    for (_decision, person), moment in alerts.items():
        by_person[person].append(moment)
    for person, moments in by_person.items():
        closes: datetime | None = None
        for moment in sorted(moments):
            if closes is None or moment > closes:
                closes = moment + HR_BATCH_WINDOW
                out.append((closes, person))
    return out


POLICIES = ("direct", "decision", "window", "daily")
POLICY_NAMES = {
    "direct": "direct, one per notice (floor)",
    "decision": "HR alerts combined per decision",
    "window": f"+ within {HR_BATCH_WINDOW.total_seconds() / 60:.0f} min across cases",
    "daily": "daily summary at 08:00",
}


def per_week(found: list[tuple[datetime, str]], person: str, weeks: int) -> list[int]:
    counts = [0] * weeks
    for moment, who in found:
        n = week_of(moment)
        if who == person and 0 <= n < weeks:
            counts[n] += 1
    return counts


def portfolio(cases: list[Case], rules_version: int, weeks: int) -> Run:
    run = Run()
    until = at(START + timedelta(weeks=weeks), 0)
    for case in cases:
        drive(case, rules_version, until, run)
    return run


def report(title: str, run: Run, person: str, role: str, weeks: int, target: bool = False) -> None:
    inside = [s for s in run.sent if 0 <= week_of(s.moment) < weeks]
    invitations = per_week([(s.moment, s.person) for s in inside if s.kind == "invitation"], person, weeks)
    kinds = Counter(s.kind for s in inside if s.person == person and s.kind != "invitation")
    print(f"\n### {title}: {role} ({person})")
    print(f"notices by kind over {weeks} weeks: {dict(sorted(kinds.items()))}")
    mean = statistics.mean(invitations)
    print(f"invitations (always at once, not counted below): {sum(invitations)}, {mean:.2f}/week")
    print(f"{'policy':<38} {'mean/week':>9} {'busiest':>8} {'weeks>3':>8} {'total':>6} {'ratio':>6}")
    floor = None
    for policy in POLICIES:
        counts = per_week(messages(run.sent, policy), person, weeks)
        total = sum(counts)
        floor = total if floor is None else floor
        ratio = total / floor if floor else float("nan")
        over = sum(1 for c in counts if c > 3)
        line = (
            f"{POLICY_NAMES[policy]:<38} {statistics.mean(counts):>9.2f} {max(counts):>8} {over:>8} {total:>6} "
            f"{ratio:>6.2f}"
        )
        if target and policy in ("direct", "daily"):
            goal = MANAGER_TARGET[policy]
            on_average = "met" if statistics.mean(counts) <= goal else "missed"
            busiest = "met" if max(counts) <= goal else "missed"
            line += f"   target ≤ {goal:g}/week: {on_average} on average, {busiest} in the busiest week"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description="mails per person per week, from the rules over realistic cases")
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    from bench.common import header

    header(f"mail load: messages per person per week outside invitations, {args.weeks} weeks from {START}")
    print(f"# rules version now: {states.RULES_VERSION}; HR alerts: {sorted(HR_ALERTS)}; window {HR_BATCH_WINDOW}")
    manager_cases = manager_portfolio()
    hr_cases = hr_portfolio(args.seed)
    print(f"# HR's cases by profile: {dict(Counter(case.profile for case in hr_cases))}")
    for version in sorted({2, states.RULES_VERSION}):
        started = time.perf_counter()
        mine = portfolio(manager_cases, version, args.weeks)
        everyone = portfolio(hr_cases, version, args.weeks)
        took = time.perf_counter() - started
        print(f"\n## rules version {version} ({mine.decisions + everyone.decisions} decisions in {took:.1f} s)")
        report("5 cases", mine, "manager-1", "manager", args.weeks, target=True)
        report("50 cases", everyone, "hr", "HR", args.weeks)
        report("50 cases", everyone, "coach", "coach", args.weeks)
        for name, run in (("manager's cases", mine), ("HR's cases", everyone)):
            if run.unmapped:
                print(f"effects without addressees ({name}): {dict(run.unmapped)}")
            if run.refused:
                print(f"commands the rules refused ({name}): {dict(run.refused.most_common(6))}")


if __name__ == "__main__":
    main()
