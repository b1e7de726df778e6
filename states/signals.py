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

Every signal has a headline (``headline_nl``/``headline_en``): what happened, in a few words, for a
subject line. It names the situation, not the rule: a relapse to not working is "Terugval: werkt
voorlopig niet", never stagnation of a build-up that did not exist.

Rules version 3 (``CaseFacts.rules_version``):

- ``talk_not_recorded`` first reminds the manager, once (:class:`~states.effects.RemindManagerToRecord`,
  at the end of ``talk_recording_grace_working_days``); only when the talk is still not recorded
  ``talk_reminder_grace_working_days`` later is the signal raised and the coach looped in, and it
  plans no driegesprek: a missing form is no reason to call the employee to a three-way talk.
- ``deadline_overdue`` is keyed by the deadline instance (:func:`states.agenda.deadline_instance`),
  not its date: a deadline that moves while overdue keeps its one signal (its text follows the new
  date) and HR gets one notice that it moved (:func:`states.agenda.deadline_moves`), not a second alert.
  One that moved into the future (the rules resolved its signal) and passes again opens its signal
  again, silently; a signal a person resolved stays resolved.

Rules version 4:

- ``riv_gap``: from the first day of week ``riv_check_from_week`` (default 80), at the agenda hour,
  every gap of the re-integratieverslag (:func:`states.riv.riv_check`: a part missing, or late without
  a recorded reason) is a signal to HR (:class:`~states.effects.AlertHRRivGap`, not the coach: a
  missing document is HR's to mend), keyed ``riv_gap:<item key>``, with the item's words and the
  command that fills it. It resolves itself once the part is recorded, and opens again (silently) if
  the part goes missing again while the rules had resolved it. A part still to come wakes the case
  the day after its due date (and the week's start wakes it first), so nothing waits for another event.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise

from states.agenda import case_deadlines_of, deadline_instance, hours_on, is_running, is_watched
from states.clock import at_local, local_date, start_of, utc
from states.config import CACHE_SIZE, TZ, RulesConfig
from states.effects import (
    AlertHROverdue,
    AlertHRRivGap,
    Effect,
    EvidenceItem,
    LoopInCoach,
    RemindManagerToRecord,
    SignalView,
)
from states.facts import CaseFacts, Driegesprek, Evidence, HoursEntry, SeriesState, Signal, Statement, own
from states.kinds import SICK_PHASES, DossierPart, Pace, Phase, SeriesKind, SignalKind
from states.riv import RivItem, gap_headline, riv_check
from states.timeline import SHORT_LABELS, DeadlineKey, date_of_day
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
    headline_nl: str = ""
    headline_en: str = ""
    reminder: bool = False
    """Rules version 3: not a signal but the manager's reminder to record a progress talk, due at
    ``active_from``, pointless from ``expires`` on (the coach is called in then)."""
    expires: datetime | None = None
    record_by: date | None = None
    part: str = ""
    """Rules version 4, a ``riv_gap``: the part of the RIV (a :class:`DossierPart` value)."""
    command: str = ""
    """Rules version 4, a ``riv_gap``: the command that fills the gap ("" when none can)."""


HEADLINES: dict[SignalKind, tuple[str, str]] = {
    SignalKind.hours_not_increased: ("De opbouw staat stil", "The build-up has stalled"),
    SignalKind.hours_decreasing: ("Minder uren gewerkt", "Fewer hours worked"),
    SignalKind.complaints_lasting: ("Pas op de plaats: de opbouw is gepauzeerd", "The build-up is paused for now"),
    SignalKind.talk_not_recorded: ("Voortgangsgesprek niet vastgelegd", "Progress talk not recorded"),
    SignalKind.deadline_overdue: ("Wettelijke termijn verstreken", "Statutory deadline passed"),
    SignalKind.pace_wrong: ("Het tempo past niet", "The pace does not fit"),
    SignalKind.conflict_at_work: ("Conflict op het werk gemeld", "Conflict at work reported"),
    SignalKind.relapse: ("Terugval", "Relapse"),
    SignalKind.riv_gap: ("RIV onvolledig", "RIV incomplete"),
}
"""Each kind's headline when nothing more precise is known (signals raised before headlines existed)."""


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


_OVERDUE_HEADLINES = {key: (f"Te laat: {nl}", f"Overdue: {en}") for key, (nl, en) in SHORT_LABELS.items()}


def _deadline_overdue(facts: CaseFacts) -> list[Candidate]:
    agenda_hour = facts.config.agenda_hour
    result = []
    plan_signed = facts.plan_signed_on is not None
    per_instance = facts.rules_version >= 3
    last_evaluation_on = facts.evaluations[-1].on if facts.evaluations else None
    for case_deadline in case_deadlines_of(facts):
        d = case_deadline.deadline
        if not is_watched(case_deadline, plan_signed=plan_signed) or d.key == DeadlineKey.end_of_wage_continuation:
            continue
        since = d.due + timedelta(days=1)
        headline_nl, headline_en = _OVERDUE_HEADLINES[d.key]
        if per_instance:
            key = f"deadline_overdue:{deadline_instance(d.key, last_evaluation_on, facts.plan_signed_on)}"
        else:
            key = f"deadline_overdue:{d.key}:{d.due.isoformat()}"
        result.append(
            Candidate(
                key=key,
                kind=SignalKind.deadline_overdue,
                since=since,
                active_from=at_local(since, agenda_hour),
                text_nl=f"Wettelijke termijn verstreken: {d.label_nl}, uiterlijk {d.due.isoformat()}.",
                text_en=f"Statutory deadline passed: {d.label_en}, due {d.due.isoformat()}.",
                evidence=[Evidence(fact="deadline", value=str(d.key), on=d.due)],
                deadline_key=str(d.key),
                due=d.due,
                headline_nl=headline_nl,
                headline_en=headline_en,
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
            headline_nl=f"De opbouw staat stil: {stagnation} weken geen uren erbij",
            headline_en=f"The build-up has stalled: no more hours for {stagnation} weeks",
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
            headline_nl=f"Minder uren gewerkt: van {peak.hours:g} naar {latest.hours:g} per week",
            headline_en=f"Fewer hours worked: from {peak.hours:g} to {latest.hours:g} a week",
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
            headline_nl=HEADLINES[SignalKind.complaints_lasting][0],
            headline_en=HEADLINES[SignalKind.complaints_lasting][1],
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
    config = facts.config
    grace = config.talk_recording_grace_working_days
    # Version 3: the manager is reminded first; the signal comes this many working days later.
    reminder_grace = config.talk_reminder_grace_working_days if facts.rules_version >= 3 else 0
    bounded = _schedule_of(series, config)
    if bounded is None:
        occurrences = tuple(_talk_occurrences(facts, now))
        found = _unrecorded_talks(
            series.series_id,
            series.interval_weeks,
            grace,
            occurrences,
            talk_days,
            reminder_grace,
            config.agenda_hour,
        )
    else:
        count = _due_count(_talk_schedule(*bounded), now)
        found = _unrecorded_scheduled_talks(series.series_id, *bounded, count, talk_days, reminder_grace)
    if not reminder_grace:
        return list(found)
    # A reminder only until the coach is called in, and once (its key stays in ``facts.emitted``).
    return [
        candidate
        for candidate in found
        if not candidate.reminder
        or (candidate.expires is not None and now < candidate.expires and candidate.key not in facts.emitted)
    ]


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
    reminder_grace: int = 0,
) -> tuple[Candidate, ...]:
    """:func:`_unrecorded_talks` of the first ``count`` occurrences of a bounded series.

    Cached (profile: ``bench.rules_speed``, its three scenarios, CPU time, best of 8 runs: 434 ms
    with the rules' four caches, 485 ms without this one): the answer changes only when a talk is
    recorded or an occurrence's grace ends."""
    occurrences = _talk_schedule(first, interval, until, grace, hour)[:count]
    return _unrecorded_talks(series_id, interval, grace, occurrences, talk_days, reminder_grace, hour)


def _unrecorded_talks(
    series_id: str,
    interval_weeks: int,
    grace: int,
    occurrences: tuple[tuple[date, datetime], ...],
    talk_days: tuple[date, ...],
    reminder_grace: int = 0,
    hour: int = 0,
) -> tuple[Candidate, ...]:
    """A candidate for every occurrence without a talk recorded from a week before it until the
    next one (``talk_days`` sorted). With ``reminder_grace`` (rules version 3) two: the manager's
    reminder at the end of the grace, and the signal ``reminder_grace`` working days later (at
    ``hour``)."""
    interval_days = 7 * interval_weeks
    result = []
    for occurrence, moment in occurrences:
        window_start = occurrence - timedelta(days=6)
        window_end = occurrence + timedelta(days=interval_days - 1)
        first_on_or_after = bisect_left(talk_days, window_start)
        if first_on_or_after < len(talk_days) and talk_days[first_on_or_after] <= window_end:
            continue  # a talk was recorded in the window
        evidence = [Evidence(fact="progress_talk_planned", value=series_id, on=occurrence)]
        headline_nl, headline_en = HEADLINES[SignalKind.talk_not_recorded]
        days = grace
        if reminder_grace:
            # ``moment`` is the morning after the grace's last working day
            record_by = add_working_days(moment.astimezone(TZ).date() - timedelta(days=1), reminder_grace)
            signal_at = at_local(record_by + timedelta(days=1), hour)
            result.append(
                Candidate(
                    key=f"record_talk:{occurrence.isoformat()}",
                    kind=SignalKind.talk_not_recorded,
                    since=occurrence,
                    active_from=moment,
                    text_nl=(
                        f"Het voortgangsgesprek van {occurrence.isoformat()} is nog niet vastgelegd. "
                        f"Leg het uiterlijk {record_by.isoformat()} vast."
                    ),
                    text_en=(
                        f"The progress talk of {occurrence.isoformat()} has not been recorded yet. "
                        f"Please record it by {record_by.isoformat()}."
                    ),
                    evidence=evidence,
                    headline_nl=headline_nl,
                    headline_en=headline_en,
                    reminder=True,
                    expires=signal_at,
                    record_by=record_by,
                )
            )
            moment = signal_at
            days = grace + reminder_grace
        result.append(
            Candidate(
                key=f"talk_not_recorded:{occurrence.isoformat()}",
                kind=SignalKind.talk_not_recorded,
                since=occurrence,
                active_from=moment,
                text_nl=f"Het voortgangsgesprek van {occurrence.isoformat()} is niet binnen {days} werkdagen vastgelegd.",
                text_en=f"The progress talk of {occurrence.isoformat()} was not recorded within {days} working days.",
                evidence=evidence,
                headline_nl=headline_nl,
                headline_en=headline_en,
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
            headline_nl=f"Het tempo is {words_nl[Pace(latest)]}",
            headline_en=f"The pace is {words_en[Pace(latest)]}",
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
            headline_nl=HEADLINES[SignalKind.conflict_at_work][0],
            headline_en=HEADLINES[SignalKind.conflict_at_work][1],
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
        headline_nl, headline_en = _relapse_headline(record.from_phase, record.to_phase, record.hours_per_week)
        result.append(
            Candidate(
                key=f"relapse:{record.on.isoformat()}:{index}",
                kind=SignalKind.relapse,
                since=record.on,
                active_from=start_of(record.on),
                text_nl=f"Terugval op {record.on.isoformat()} van {record.from_phase}{detail_nl}{hours_nl}.",
                text_en=f"Relapse on {record.on.isoformat()} from {record.from_phase}{detail_en}{hours_en}.",
                evidence=[Evidence(fact="relapse", value=f"{record.from_phase}->{record.to_phase}", on=record.on)],
                headline_nl=headline_nl,
                headline_en=headline_en,
            )
        )
    return result


def _relapse_headline(from_phase: str, to_phase: str, hours: float | None) -> tuple[str, str]:
    """What a relapse means for the work, in a few words: not working for now, back to therapeutic
    work, fewer hours, or sick again after recovering. Never "stagnation": that is a build-up that
    stands still, and a relapse may come without any build-up."""
    if from_phase == Phase.hersteld:
        return ("Opnieuw ziek na herstel", "Sick again after recovering")
    if to_phase in SICK_PHASES or hours == 0:
        return ("Terugval: werkt voorlopig niet", "Relapse: not working for the time being")
    if to_phase == Phase.arbeidstherapeutisch and from_phase != Phase.arbeidstherapeutisch:
        return ("Terugval: terug naar arbeidstherapeutisch werken", "Relapse: back to therapeutic work")
    if hours is not None:
        return (f"Terugval: minder uren ({hours:g} per week)", f"Relapse: fewer hours ({hours:g} a week)")
    if to_phase == Phase.opbouw and from_phase != Phase.opbouw:
        return ("Terugval: terug naar de opbouw", "Relapse: back to the build-up")
    return HEADLINES[SignalKind.relapse]


_RIV_DEADLINES = {
    DossierPart.probleemanalyse: DeadlineKey.probleemanalyse,
    DossierPart.plan_van_aanpak: DeadlineKey.plan_van_aanpak,
    DossierPart.gespreksverslag: DeadlineKey.evaluation,
    DossierPart.eerstejaarsevaluatie: DeadlineKey.eerstejaarsevaluatie,
    DossierPart.melding_42e_week: DeadlineKey.uwv_42_week_report,
    DossierPart.tweede_spoor: DeadlineKey.tweede_spoor,
    DossierPart.actueel_oordeel: DeadlineKey.actueel_oordeel,
}
"""The statutory step each part of the RIV is due with (the evidence names it as a ``deadline``); the
eindevaluatie and the employee's view are named by their part."""


def riv_check_start(facts: CaseFacts) -> datetime:
    """The moment the RIV check starts to raise signals: the first day of week
    ``riv_check_from_week`` (counted sick days), at the agenda hour."""
    config = facts.config
    first_day = date_of_day(facts.periods, 7 * (max(1, config.riv_check_from_week) - 1) + 1)
    return at_local(first_day, config.agenda_hour)


def _riv_evidence(item: RivItem) -> list[Evidence]:
    """The facts behind a gap: its deadline, when the evaluation gap began, when it was done (late)."""
    step = str(_RIV_DEADLINES.get(item.part, item.part))
    evidence: list[Evidence] = []
    if item.key.startswith("evaluation_gap:"):
        evidence.append(Evidence(fact="last_evaluation", value="", on=date.fromisoformat(item.key.split(":", 1)[1])))
    if item.due is not None:
        evidence.append(Evidence(fact="deadline", value=step, on=item.due))
    if item.done_on is not None:
        evidence.append(Evidence(fact="riv_done", value=step, on=item.done_on))
    return evidence


def _riv_gaps(facts: CaseFacts, now: datetime) -> list[Candidate]:
    """Rules version 4: a candidate for every gap of the RIV check (active from the check's start, or
    from the day after the part's due date), and one still to come for every part not yet due (the
    day after its due date, to wake the case then; never active while it is still to come, since its
    key is then a gap's or nothing). Before the check starts: one, at its start."""
    start = riv_check_start(facts)
    hour = facts.config.agenda_hour
    if now < start:
        day = start.date()
        return [
            Candidate(
                key="riv_gap:check", kind=SignalKind.riv_gap, since=day, active_from=start, text_nl="", text_en=""
            )
        ]
    today = local_date(now)
    result = []
    for item in riv_check(facts, now).items:
        key = f"riv_gap:{item.key}"
        if item.is_gap:
            since = item.due + timedelta(days=1) if item.due is not None else today
            headline_nl, headline_en = gap_headline(item)
            result.append(
                Candidate(
                    key=key,
                    kind=SignalKind.riv_gap,
                    since=since,
                    active_from=at_local(max(since, start.date()), hour),
                    text_nl=item.text_nl,
                    text_en=item.text_en,
                    evidence=_riv_evidence(item),
                    due=item.due,
                    headline_nl=headline_nl,
                    headline_en=headline_en,
                    part=str(item.part),
                    command=item.command,
                )
            )
        elif item.due is not None and item.due >= today:
            since = item.due + timedelta(days=1)
            result.append(
                Candidate(
                    key=key,
                    kind=SignalKind.riv_gap,
                    since=since,
                    active_from=at_local(since, hour),
                    text_nl="",
                    text_en="",
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
        *(_riv_gaps(facts, now) if facts.rules_version >= 4 else ()),
    ]
    return sorted(found, key=lambda c: (c.active_from, c.key))


_NO_LONGER = "condition no longer holds"
_NOT_RUNNING = "case not running"
"""How the rules word the resolution of a signal they resolved (a person's has their note)."""


_REOPENING = (SignalKind.deadline_overdue, SignalKind.riv_gap)
"""The kinds a signal the rules resolved opens again when its condition holds again (a ``riv_gap``
exists from rules version 4 on only)."""


def _may_reopen(facts: CaseFacts, signal: Signal) -> bool:
    """Rules version 3: an overdue deadline the rules saw resolved (it moved into the future, or the
    case stopped running for a while) opens again once it is overdue again, without a second alert
    (HR was told it moved). One a person resolved stays resolved. Rules version 4: a gap of the RIV
    likewise."""
    return (
        facts.rules_version >= 3
        and signal.kind in _REOPENING
        and not signal.is_open
        and (signal.resolution == _NO_LONGER or signal.resolution.startswith(_NOT_RUNNING))
    )


def settled_keys(facts: CaseFacts) -> set[str]:
    """The keys of the signals a candidate can no longer raise or open again (for
    :func:`states.case.next_due`: a candidate with another key is still to come)."""
    if facts.rules_version < 3:
        return {signal.key for signal in facts.signals}
    return {signal.key for signal in facts.signals if not _may_reopen(facts, signal)}


def _reopen(facts: CaseFacts, index: int, candidate: Candidate) -> None:
    """Open again a signal :func:`_may_reopen` allows, with the candidate's current facts."""
    if not _may_reopen(facts, facts.signals[index]):
        return
    signal = own(facts.signals, index)
    signal.resolved_at = None
    signal.resolution = ""
    signal.evidence = list(candidate.evidence)
    signal.text_nl, signal.text_en = candidate.text_nl, candidate.text_en
    signal.headline_nl, signal.headline_en = candidate.headline_nl, candidate.headline_en


def refresh_signals(facts: CaseFacts, now: datetime) -> list[Effect]:
    """Raise new active candidates, resolve open signals whose condition is gone (mutates facts).

    A raised ``deadline_overdue`` alerts HR; every other signal loops in the coach and, when no
    driegesprek is pending, asks for one (the cadence then plans it).
    """
    found = [c for c in candidates(facts, now) if c.active_from <= now]
    by_key = {c.key: c for c in found}
    running = is_running(facts)
    reopen = facts.rules_version >= 3
    for index, signal in enumerate(facts.signals):
        if not signal.is_open:
            if reopen and signal.key in by_key:
                _reopen(facts, index, by_key[signal.key])
            continue
        candidate = by_key.get(signal.key)
        if candidate is None:
            signal = own(facts.signals, index)
            signal.resolved_at = utc(now)
            signal.resolution = _NO_LONGER if running else f"{_NOT_RUNNING} ({facts.phase})"
        elif signal.evidence != candidate.evidence or (  # equal evidence: nothing to change (or copy)
            signal.kind == SignalKind.riv_gap and signal.text_nl != candidate.text_nl  # what to do changed
        ):
            signal = own(facts.signals, index)
            signal.evidence = list(candidate.evidence)
            if facts.rules_version >= 3:  # a deadline that moved while overdue: its text follows
                signal.text_nl, signal.text_en = candidate.text_nl, candidate.text_en
                signal.headline_nl, signal.headline_en = candidate.headline_nl, candidate.headline_en
    known = {signal.key for signal in facts.signals}
    effects: list[Effect] = []
    today = local_date(now)
    for candidate in found:
        if candidate.key in known:
            continue
        if candidate.reminder:
            assert candidate.record_by is not None
            facts.emitted.append(candidate.key)
            effects.append(
                RemindManagerToRecord(
                    key=f"{facts.case_id}:{candidate.key}",
                    case_id=facts.case_id,
                    series_id=candidate.evidence[0].value,
                    occurrence=candidate.since,
                    record_by=candidate.record_by,
                    text_nl=candidate.text_nl,
                    text_en=candidate.text_en,
                )
            )
            continue
        signal = Signal(
            key=candidate.key,
            kind=candidate.kind,
            since=candidate.since,
            raised_at=utc(now),
            evidence=list(candidate.evidence),
            text_nl=candidate.text_nl,
            text_en=candidate.text_en,
            headline_nl=candidate.headline_nl,
            headline_en=candidate.headline_en,
        )
        facts.signals.append(signal)
        if candidate.kind == SignalKind.riv_gap:
            effects.append(
                AlertHRRivGap(
                    key=f"{facts.case_id}:signal:{candidate.key}",
                    case_id=facts.case_id,
                    signal=view(signal),
                    part=candidate.part,
                    command=candidate.command,
                    due=candidate.due,
                    text_nl=candidate.text_nl,
                    text_en=candidate.text_en,
                )
            )
            continue
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
        missing_form = facts.rules_version >= 3 and candidate.kind == SignalKind.talk_not_recorded
        if not missing_form and all(talk.held_on is not None for talk in facts.driegesprekken):
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
    default_nl, default_en = HEADLINES.get(SignalKind(signal.kind), ("", ""))
    return SignalView(
        key=signal.key,
        kind=signal.kind,
        since=signal.since,
        evidence=tuple(f"{e.on.isoformat()} {e.fact}={e.value}" for e in signal.evidence),
        text_nl=signal.text_nl,
        text_en=signal.text_en,
        headline_nl=signal.headline_nl or default_nl,
        headline_en=signal.headline_en or default_en,
        evidence_items=tuple(EvidenceItem(fact=e.fact, value=e.value, on=e.on) for e in signal.evidence),
    )
