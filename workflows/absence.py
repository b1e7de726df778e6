"""What the statistics of absence learn from the facts of a case (:class:`contracts.absence.AbsenceRecord`).

Pure: the workflow calls :func:`absence_record` for every read-model write and sends it only when it
changed. The 1996 standard (DOMAIN.md, "Absence statistics") counts, per day of a sick period, the
share of the contract hours the employee was absent: all of it while not working or while working
therapeutically (no wage value), else ``1 - agreed hours / contract hours`` (the build-up schedule,
a partial recovery, a relapse to fewer hours). Each sick period is a report of its own, a relapse
within 4 weeks included; going from full to partial absence is not.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from contracts.absence import AbsenceRecord, AbsenceSpan, PhaseSince, SickReport, StepDue
from states.agenda import case_deadlines_of
from states.facts import CaseFacts
from states.kinds import Outcome, Phase

_NEVER_DONE = ("evaluation", "end_of_wage_continuation")
"""Deadlines that are no step of their own (the rolling evaluation, the end of wage continuation)."""


def employee_key(email: str) -> str:
    """The employee as the statistics know them: a hash of the address, never the address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def _phase_on(facts: CaseFacts, day: date) -> str:
    phase = str(Phase.ziekgemeld)
    for change in facts.history:
        if change.on <= day:
            phase = change.to_phase
    return phase


def _fraction_on(facts: CaseFacts, day: date, period_start: date) -> float:
    if _phase_on(facts, day) == Phase.arbeidstherapeutisch:
        return 1.0
    hours = 0.0
    for step in facts.agreed_hours:
        if period_start <= step.from_date <= day:
            hours = step.hours_per_week
    contract = facts.contract_hours_per_week
    if contract <= 0:
        return 1.0
    return round(min(1.0, max(0.0, 1.0 - hours / contract)), 4)


def spans(facts: CaseFacts) -> tuple[AbsenceSpan, ...]:
    """Each sick period cut where the agreed hours or therapeutic work change, equal neighbours merged;
    days absent for no hour are left out."""
    out: list[AbsenceSpan] = []
    for period in facts.periods:
        end = period.end
        cuts = {period.start}
        cuts.update(s.from_date for s in facts.agreed_hours if s.from_date > period.start)
        cuts.update(c.on for c in facts.history if c.on > period.start)
        starts = sorted(day for day in cuts if end is None or day <= end)
        current: list[AbsenceSpan] = []
        for index, start in enumerate(starts):
            stop = starts[index + 1] - timedelta(days=1) if index + 1 < len(starts) else end
            fraction = _fraction_on(facts, start, period.start)
            if current and current[-1].fraction == fraction:
                current[-1] = AbsenceSpan(start=current[-1].start, end=stop, fraction=fraction)
            else:
                current.append(AbsenceSpan(start=start, end=stop, fraction=fraction))
        out.extend(span for span in current if span.fraction > 0)
    return tuple(out)


def reports(facts: CaseFacts) -> tuple[SickReport, ...]:
    """The sick periods as reports; one ended by full recovery unless the case closed otherwise."""
    periods = facts.periods
    last = len(periods) - 1
    closed_otherwise = facts.closed and facts.outcome != Outcome.hersteld
    return tuple(
        SickReport(
            start=period.start,
            end=period.end,
            recovered=period.end is not None and not (index == last and closed_otherwise),
        )
        for index, period in enumerate(periods)
    )


def phases(facts: CaseFacts) -> tuple[PhaseSince, ...]:
    out = [PhaseSince(phase=str(Phase.ziekgemeld), since=facts.periods[0].start)]
    for change in facts.history:
        if out[-1].since == change.on:
            out[-1] = PhaseSince(phase=change.to_phase, since=change.on)
        elif out[-1].phase != change.to_phase:
            out.append(PhaseSince(phase=change.to_phase, since=change.on))
    return tuple(out)


def steps(facts: CaseFacts) -> tuple[StepDue, ...]:
    """The statutory steps, done or due while the employee was sick (not those projected past the
    recovery or the end of the case)."""
    last_sick_day = facts.periods[-1].end
    return tuple(
        StepDue(key=str(item.key), due=item.due, done_on=item.done_on)
        for item in case_deadlines_of(facts)
        if str(item.key) not in _NEVER_DONE
        and (item.done_on is not None or last_sick_day is None or item.due <= last_sick_day)
    )


def absence_record(facts: CaseFacts, employee_email: str) -> AbsenceRecord:
    return AbsenceRecord(
        employee_key=employee_key(employee_email),
        contract_hours_per_week=facts.contract_hours_per_week,
        reports=reports(facts),
        spans=spans(facts),
        phases=phases(facts),
        steps=steps(facts),
        outcome=facts.outcome,
        tweede_spoor_started_on=facts.tweede_spoor_started_on,
    )
