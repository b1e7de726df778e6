"""Stagnation signals: our own rules (no statute defines them), with configurable defaults.

A detector looks at the facts at a moment and returns *candidates*: a signal with a stable key (kind
plus "since when"), the moment it becomes active and the evidence behind it. Refreshing a case raises
each active candidate whose key it has not seen before (once: the key stays in the facts, resolved or
not) and resolves each open signal whose condition no longer holds. A person can also resolve a
signal by hand (:class:`states.events.SignalResolved`); its key then never fires again.

Signals:

- ``hours_not_increased``: in ``opbouw``, not paused, below contract hours, and the reported hours
  did not go up for ``stagnation_weeks`` (default 4) since the last increase (or the start of the
  build-up, or its resumption after a pause).
- ``hours_decreasing``: the latest reported week is below the highest week of the current return.
- ``complaints_lasting``: complaints reported as lasting ``complaints_pause_days`` (7) or more while
  working; the build-up is paused ("pas op de plaats") until it is resumed.
- ``talk_not_recorded``: a progress-talk occurrence with no talk recorded (within a week before it
  or before the next one) by the end of ``talk_recording_grace_working_days`` (3) working days.
- ``deadline_overdue``: a statutory deadline passed without its step (alerts HR, not the coach).
- ``pace_wrong`` / ``conflict_at_work``: the latest statement (talk or the employee's own report)
  says the pace is wrong / a conflict at work is in the way.
- ``relapse``: a step back (earlier phase, fewer hours, or sick again within the samentelling
  window) not yet answered by a step forward or a new build-up schedule.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise

from states.agenda import case_deadlines_of, hours_on, is_running, is_watched
from states.clock import at_local, local_date, start_of, utc
from states.config import CACHE_SIZE, TZ, RulesConfig
from states.effects import AlertHROverdue, Effect, LoopInCoach, SignalView
from states.facts import CaseFacts, Driegesprek, Evidence, HoursEntry, SeriesState, Signal, Statement, own
from states.kinds import Pace, Phase, SeriesKind, SignalKind
from states.timeline import DeadlineKey
from states.workdays import add_working_days


@dataclass(frozen=True, kw_only=True)
class Candidate:
    key: str
    kind: SignalKind
    since: date
    active_from: datetime
    text_nl: str
    text_en: str
    evidence: list[Evidence] = field(default_factory=list)
    deadline_key: str = ""
    due: date | None = None


def weekly_hours(facts: CaseFacts, since: date | None = None) -> list[HoursEntry]:
    """The latest report per week, sorted by week; only weeks ending on/after ``since``."""
    latest: dict[date, HoursEntry] = {}
    for entry in facts.hours:
        latest[entry.week_of] = entry
    weeks = sorted(latest)  # one entry per week: sorting the weeks sorts the entries
    if since is not None:
        # the first week ending on/after ``since``; the rest end later
        weeks = weeks[bisect_left(weeks, since - timedelta(days=6)) :]
    return [latest[week] for week in weeks]


def _hours_evidence(entries: list[HoursEntry]) -> list[Evidence]:
    return [Evidence(fact="hours_reported", value=f"{e.hours:g}", on=e.week_of) for e in entries]


def _deadline_overdue(facts: CaseFacts) -> list[Candidate]:
    agenda_hour = facts.config.agenda_hour
    result = []
    plan_signed = facts.plan_signed_on is not None
    for case_deadline in case_deadlines_of(facts):
        d = case_deadline.deadline
        if not is_watched(case_deadline, plan_signed=plan_signed) or d.key == DeadlineKey.end_of_wage_continuation:
            continue
        since = d.due + timedelta(days=1)
        result.append(
            Candidate(
                key=f"deadline_overdue:{d.key}:{d.due.isoformat()}",
                kind=SignalKind.deadline_overdue,
                since=since,
                active_from=at_local(since, agenda_hour),
                text_nl=f"Wettelijke termijn verstreken: {d.label_nl}, uiterlijk {d.due.isoformat()}.",
                text_en=f"Statutory deadline passed: {d.label_en}, due {d.due.isoformat()}.",
                evidence=[Evidence(fact="deadline", value=str(d.key), on=d.due)],
                deadline_key=str(d.key),
                due=d.due,
            )
        )
    return result


def effective_weeks(facts: CaseFacts, base: date, today: date) -> list[tuple[date, float, str]]:
    """(Monday, hours, source) for every week from the week of ``base`` to the week of ``today``:
    the reported hours where a report exists, else the agreed hours at the end of that week."""
    reported = {entry.week_of: entry.hours for entry in facts.hours}  # the latest report per week
    monday = base - timedelta(days=base.weekday())
    result = []
    while monday <= today:
        if monday in reported:
            result.append((monday, reported[monday], "hours_reported"))
        else:
            result.append((monday, hours_on(facts, monday + timedelta(days=6)), "hours_agreed"))
        monday += timedelta(weeks=1)
    return result


def _hours_not_increased(facts: CaseFacts, now: datetime) -> list[Candidate]:
    config = facts.config
    if facts.phase != Phase.opbouw or facts.working_since is None or facts.buildup_paused_since is not None:
        return []
    base = max(d for d in (facts.phase_since, facts.working_since, facts.buildup_resumed_on) if d is not None)
    weeks = effective_weeks(facts, base, local_date(now))
    since = base
    for (_, previous, _), (monday, current, _) in pairwise(weeks):
        if current > previous and monday > since:
            since = monday
    if weeks and weeks[-1][1] >= facts.contract_hours_per_week:
        return []
    stagnation = config.stagnation_weeks
    shown = [
        Evidence(fact=source, value=f"{hours:g}", on=monday)
        for monday, hours, source in weeks
        if monday + timedelta(days=6) >= since
    ]
    return [
        Candidate(
            key=f"hours_not_increased:{since.isoformat()}",
            kind=SignalKind.hours_not_increased,
            since=since,
            active_from=at_local(since + timedelta(weeks=stagnation), config.agenda_hour),
            text_nl=f"De uren in de opbouw zijn sinds {since.isoformat()} {stagnation} weken niet verhoogd.",
            text_en=f"The build-up hours have not increased for {stagnation} weeks since {since.isoformat()}.",
            evidence=[Evidence(fact="build_up_since", value=str(facts.phase), on=base), *shown],
        )
    ]


def _hours_decreasing(facts: CaseFacts) -> list[Candidate]:
    if facts.working_since is None:
        return []
    entries = weekly_hours(facts, facts.working_since)
    if len(entries) < 2:
        return []
    before_latest = [entry.hours for entry in entries[:-1]]
    highest = max(before_latest)
    # the last week at the highest hours before the latest week
    peak_index = len(before_latest) - 1 - before_latest[::-1].index(highest)
    peak = entries[peak_index]
    latest = entries[-1]
    if latest.hours >= peak.hours:
        return []
    first_below = entries[peak_index + 1]
    return [
        Candidate(
            key=f"hours_decreasing:{first_below.week_of.isoformat()}",
            kind=SignalKind.hours_decreasing,
            since=first_below.week_of,
            active_from=start_of(first_below.week_of),
            text_nl=f"De gewerkte uren gaan omlaag: van {peak.hours:g} naar {latest.hours:g} per week.",
            text_en=f"Hours worked are going down: from {peak.hours:g} to {latest.hours:g} a week.",
            evidence=_hours_evidence(entries[peak_index:]),
        )
    ]


def _complaints_lasting(facts: CaseFacts) -> list[Candidate]:
    since = facts.buildup_paused_since
    if since is None or facts.working_since is None:
        return []
    records = [c for c in facts.complaints if c.on >= since]
    return [
        Candidate(
            key=f"complaints_lasting:{since.isoformat()}",
            kind=SignalKind.complaints_lasting,
            since=since,
            active_from=start_of(since),
            text_nl="Klachten houden een week of langer aan: pas op de plaats, de uren niet uitbreiden.",
            text_en="Complaints have lasted a week or more: pause the build-up, do not extend the hours.",
            evidence=[Evidence(fact="complaints_lasting_days", value=str(c.lasting_days), on=c.on) for c in records],
        )
    ]


_SCHEDULE_MAX_OCCURRENCES = 400
"""Longer progress-talk series (a far ``until``) are walked occurrence by occurrence, not cached."""


@lru_cache(maxsize=CACHE_SIZE, typed=True)
def _talk_schedule(
    first: date, interval_weeks: int, until: date, grace_working_days: int, agenda_hour: int
) -> tuple[tuple[date, datetime], ...]:
    """(occurrence date, moment the grace ends) of every occurrence of a series up to ``until``.
    The moments never go down (a later occurrence's grace cannot end earlier).

    Cached (profile: ``bench.rules_speed``, its three scenarios, CPU time, best of 8 runs: 434 ms
    with the rules' four caches, 1,769 ms without this one): every ``next_due`` and every refresh
    walks the series, a working-day count per occurrence, and the series seldom changes."""
    result = []
    index = 0
    while True:
        occurrence = first + timedelta(weeks=interval_weeks * index)
        if occurrence > until:
            break
        check = add_working_days(occurrence, grace_working_days) + timedelta(days=1)
        result.append((occurrence, at_local(check, agenda_hour)))
        index += 1
    return tuple(result)


def _progress_talks(facts: CaseFacts) -> SeriesState | None:
    return next((s for s in facts.series if s.active and s.kind == SeriesKind.progress_talk), None)


def _schedule_of(series: SeriesState, config: RulesConfig) -> tuple[date, int, date, int, int] | None:
    """The arguments of :func:`_talk_schedule` for ``series``; None when the series is not bounded
    (no ``until``, or too far away) and must be walked occurrence by occurrence."""
    first = series.start.astimezone(TZ).date()
    interval = series.interval_weeks
    if (
        series.until is None
        or not interval
        or interval < 0
        or (series.until - first).days >= 7 * interval * _SCHEDULE_MAX_OCCURRENCES
    ):
        return None
    return first, interval, series.until, config.talk_recording_grace_working_days, config.agenda_hour


def _due_count(schedule: tuple[tuple[date, datetime], ...], now: datetime) -> int:
    """How many occurrences :func:`_talk_occurrences` returns: every one whose moment is <= now,
    and the one after it (when there is one)."""
    return min(len(schedule), bisect_right(schedule, now, key=lambda entry: entry[1]) + 1)


def _talk_occurrences(facts: CaseFacts, now: datetime) -> list[tuple[date, datetime]]:
    """(occurrence date, moment the grace ends) of the active progress-talk series: every one whose
    grace ended by ``now``, plus the first one still to come (for the agenda)."""
    series = _progress_talks(facts)
    if series is None or not series.interval_weeks:
        return []
    config = facts.config
    bounded = _schedule_of(series, config)
    if bounded is not None:
        schedule = _talk_schedule(*bounded)
        return list(schedule[: _due_count(schedule, now)])
    first = series.start.astimezone(TZ).date()
    result = []
    index = 0
    while True:
        occurrence = first + timedelta(weeks=series.interval_weeks * index)
        if series.until is not None and occurrence > series.until:
            break
        check = add_working_days(occurrence, config.talk_recording_grace_working_days) + timedelta(days=1)
        moment = at_local(check, config.agenda_hour)
        result.append((occurrence, moment))
        if moment > now:
            break
        index += 1
    return result


def _talk_not_recorded(facts: CaseFacts, now: datetime) -> list[Candidate]:
    series = _progress_talks(facts)
    if series is None or not series.interval_weeks:
        return []
    talk_days = tuple(sorted(talk.on for talk in facts.talks))
    grace = facts.config.talk_recording_grace_working_days
    bounded = _schedule_of(series, facts.config)
    if bounded is None:
        occurrences = tuple(_talk_occurrences(facts, now))
        return list(_unrecorded_talks(series.series_id, series.interval_weeks, grace, occurrences, talk_days))
    count = _due_count(_talk_schedule(*bounded), now)
    return list(_unrecorded_scheduled_talks(series.series_id, *bounded, count, talk_days))


@lru_cache(maxsize=CACHE_SIZE, typed=True)
def _unrecorded_scheduled_talks(
    series_id: str,
    first: date,
    interval: int,
    until: date,
    grace: int,
    hour: int,
    count: int,
    talk_days: tuple[date, ...],
) -> tuple[Candidate, ...]:
    """:func:`_unrecorded_talks` of the first ``count`` occurrences of a bounded series.

    Cached (profile: ``bench.rules_speed``, its three scenarios, CPU time, best of 8 runs: 434 ms
    with the rules' four caches, 485 ms without this one): the answer changes only when a talk is
    recorded or an occurrence's grace ends."""
    occurrences = _talk_schedule(first, interval, until, grace, hour)[:count]
    return _unrecorded_talks(series_id, interval, grace, occurrences, talk_days)


def _unrecorded_talks(
    series_id: str,
    interval_weeks: int,
    grace: int,
    occurrences: tuple[tuple[date, datetime], ...],
    talk_days: tuple[date, ...],
) -> tuple[Candidate, ...]:
    """A candidate for every occurrence without a talk recorded from a week before it until the
    next one (``talk_days`` sorted)."""
    interval_days = 7 * interval_weeks
    result = []
    for occurrence, moment in occurrences:
        window_start = occurrence - timedelta(days=6)
        window_end = occurrence + timedelta(days=interval_days - 1)
        first_on_or_after = bisect_left(talk_days, window_start)
        if first_on_or_after < len(talk_days) and talk_days[first_on_or_after] <= window_end:
            continue  # a talk was recorded in the window
        result.append(
            Candidate(
                key=f"talk_not_recorded:{occurrence.isoformat()}",
                kind=SignalKind.talk_not_recorded,
                since=occurrence,
                active_from=moment,
                text_nl=f"Het voortgangsgesprek van {occurrence.isoformat()} is niet binnen {grace} werkdagen vastgelegd.",
                text_en=f"The progress talk of {occurrence.isoformat()} was not recorded within {grace} working days.",
                evidence=[Evidence(fact="progress_talk_planned", value=series_id, on=occurrence)],
            )
        )
    return tuple(result)


def _trailing(statements: list[Statement], predicate: Callable[[Statement], bool]) -> list[Statement]:
    run: list[Statement] = []
    for statement in reversed(statements):
        if not predicate(statement):
            break
        run.append(statement)
    return list(reversed(run))


def _statements(facts: CaseFacts) -> list[Statement]:
    return sorted(facts.statements, key=lambda s: (s.on, s.at))


def _pace_wrong(facts: CaseFacts, statements: list[Statement] | None = None) -> list[Candidate]:
    """``statements``: :func:`_statements` of ``facts`` when the caller has them already."""
    run = _trailing(_statements(facts) if statements is None else statements, lambda s: s.pace != Pace.ok)
    if not run:
        return []
    since = run[0].on
    latest = run[-1].pace
    words_nl = {Pace.too_slow: "te langzaam", Pace.too_fast: "te snel"}
    words_en = {Pace.too_slow: "too slow", Pace.too_fast: "too fast"}
    return [
        Candidate(
            key=f"pace_wrong:{since.isoformat()}",
            kind=SignalKind.pace_wrong,
            since=since,
            active_from=start_of(since),
            text_nl=f"De werknemer vindt het tempo {words_nl[Pace(latest)]}.",
            text_en=f"The employee finds the pace {words_en[Pace(latest)]}.",
            evidence=[Evidence(fact=f"pace_from_{s.source}", value=str(s.pace), on=s.on) for s in run],
        )
    ]


def _conflict(facts: CaseFacts, statements: list[Statement] | None = None) -> list[Candidate]:
    """``statements``: :func:`_statements` of ``facts`` when the caller has them already."""
    run = _trailing(_statements(facts) if statements is None else statements, lambda s: s.conflict_at_work)
    if not run:
        return []
    since = run[0].on
    return [
        Candidate(
            key=f"conflict_at_work:{since.isoformat()}",
            kind=SignalKind.conflict_at_work,
            since=since,
            active_from=start_of(since),
            text_nl="Er is een conflict op het werk gemeld dat de terugkeer in de weg staat.",
            text_en="A conflict at work was reported that stands in the way of the return.",
            evidence=[Evidence(fact=f"conflict_from_{s.source}", value="yes", on=s.on) for s in run],
        )
    ]


def _relapse(facts: CaseFacts) -> list[Candidate]:
    result = []
    for index, record in enumerate(facts.relapses):
        if record.answered:
            continue
        detail_nl = f" naar {record.to_phase}" if record.to_phase != record.from_phase else ""
        detail_en = f" to {record.to_phase}" if record.to_phase != record.from_phase else ""
        hours_nl = f", {record.hours_per_week:g} uur per week" if record.hours_per_week is not None else ""
        hours_en = f", {record.hours_per_week:g} hours a week" if record.hours_per_week is not None else ""
        result.append(
            Candidate(
                key=f"relapse:{record.on.isoformat()}:{index}",
                kind=SignalKind.relapse,
                since=record.on,
                active_from=start_of(record.on),
                text_nl=f"Terugval op {record.on.isoformat()} van {record.from_phase}{detail_nl}{hours_nl}.",
                text_en=f"Relapse on {record.on.isoformat()} from {record.from_phase}{detail_en}{hours_en}.",
                evidence=[Evidence(fact="relapse", value=f"{record.from_phase}->{record.to_phase}", on=record.on)],
            )
        )
    return result


def candidates(facts: CaseFacts, now: datetime) -> list[Candidate]:
    """All signal candidates of a running case at ``now`` (active or still to come)."""
    if not is_running(facts):
        return []
    statements = _statements(facts)
    found = [
        *_deadline_overdue(facts),
        *_hours_not_increased(facts, now),
        *_hours_decreasing(facts),
        *_complaints_lasting(facts),
        *_talk_not_recorded(facts, now),
        *_pace_wrong(facts, statements),
        *_conflict(facts, statements),
        *_relapse(facts),
    ]
    return sorted(found, key=lambda c: (c.active_from, c.key))


def refresh_signals(facts: CaseFacts, now: datetime) -> list[Effect]:
    """Raise new active candidates, resolve open signals whose condition is gone (mutates facts).

    A raised ``deadline_overdue`` alerts HR; every other signal loops in the coach and, when no
    driegesprek is pending, asks for one (the cadence then plans it).
    """
    found = [c for c in candidates(facts, now) if c.active_from <= now]
    by_key = {c.key: c for c in found}
    running = is_running(facts)
    for index, signal in enumerate(facts.signals):
        if not signal.is_open:
            continue
        candidate = by_key.get(signal.key)
        if candidate is None:
            signal = own(facts.signals, index)
            signal.resolved_at = utc(now)
            signal.resolution = "condition no longer holds" if running else f"case not running ({facts.phase})"
        elif signal.evidence != candidate.evidence:  # equal evidence: nothing to change (or copy)
            own(facts.signals, index).evidence = list(candidate.evidence)
    known = {signal.key for signal in facts.signals}
    effects: list[Effect] = []
    today = local_date(now)
    for candidate in found:
        if candidate.key in known:
            continue
        signal = Signal(
            key=candidate.key,
            kind=candidate.kind,
            since=candidate.since,
            raised_at=utc(now),
            evidence=list(candidate.evidence),
            text_nl=candidate.text_nl,
            text_en=candidate.text_en,
        )
        facts.signals.append(signal)
        if candidate.kind == SignalKind.deadline_overdue:
            assert candidate.due is not None
            effects.append(
                AlertHROverdue(
                    key=f"{facts.case_id}:signal:{candidate.key}",
                    case_id=facts.case_id,
                    deadline_key=candidate.deadline_key,
                    due=candidate.due,
                    days_overdue=(today - candidate.due).days,
                    text_nl=candidate.text_nl,
                    text_en=candidate.text_en,
                )
            )
            continue
        if facts.coach_since is None:
            facts.coach_since = today
        if all(talk.held_on is not None for talk in facts.driegesprekken):
            facts.driegesprekken.append(Driegesprek(requested_on=today))
        effects.append(
            LoopInCoach(
                key=f"{facts.case_id}:signal:{candidate.key}",
                case_id=facts.case_id,
                signal=view(signal),
                text_nl=f"Signaal voor de coach: {candidate.text_nl}",
                text_en=f"Signal for the coach: {candidate.text_en}",
            )
        )
    return effects


def view(signal: Signal) -> SignalView:
    return SignalView(
        key=signal.key,
        kind=signal.kind,
        since=signal.since,
        evidence=tuple(f"{e.on.isoformat()} {e.fact}={e.value}" for e in signal.evidence),
        text_nl=signal.text_nl,
        text_en=signal.text_en,
    )
