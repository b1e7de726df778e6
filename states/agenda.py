"""The case's deadlines and its time-driven agenda: reminders, first day back, team notices, the
end of the two years and the end of the samentelling window.

Each agenda item has a stable key, the moment it is due (``at``) and, where a late delivery makes no
sense, the moment it expires (a reminder is pointless once the deadline passed; then the overdue
signal speaks). :func:`states.case.tick` performs the due items in time order and remembers their
keys in ``facts.emitted``, so ticking twice sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from states.clock import at_local, start_of
from states.config import SAMENTELLING_GAP_DAYS
from states.facts import CaseFacts
from states.kinds import OPEN_PHASES, Phase
from states.timeline import Deadline, DeadlineKey, StepDates, statutory_timeline
from states.workdays import working_day_on_or_before


@dataclass(frozen=True, kw_only=True)
class CaseDeadline:
    """A statutory deadline of a running case, with the day its step was done (if it was)."""

    deadline: Deadline
    done_on: date | None

    @property
    def key(self) -> DeadlineKey:
        return self.deadline.key

    @property
    def due(self) -> date:
        return self.deadline.due


_STEP_KEYS = {
    DeadlineKey.arbodienst_report,
    DeadlineKey.uwv_42_week_report,
    DeadlineKey.actueel_oordeel,
    DeadlineKey.riv_to_employee,
    DeadlineKey.wia_application,
}


def step_dates(facts: CaseFacts) -> StepDates:
    return StepDates(
        probleemanalyse_on=facts.probleemanalyse_on,
        plan_signed_on=facts.plan_signed_on,
        last_evaluation_on=facts.evaluations[-1].on if facts.evaluations else None,
        eerstejaarsevaluatie_on=facts.eerstejaarsevaluatie_on,
        structural_return_expected=facts.structural_return_expected,
        loonsanctie_weeks=facts.loonsanctie_weeks,
    )


def case_deadlines(facts: CaseFacts) -> list[CaseDeadline]:
    """All eleven statutory deadlines of the case, each with its done date when done.

    ``evaluation`` is rolling (always the next one) and ``end_of_wage_continuation`` is an end, not a
    step: neither is ever done.
    """
    done: dict[str, date] = {record.key: record.on for record in facts.steps}
    if facts.probleemanalyse_on:
        done[DeadlineKey.probleemanalyse] = facts.probleemanalyse_on
    if facts.plan_signed_on:
        done[DeadlineKey.plan_van_aanpak] = facts.plan_signed_on
    if facts.eerstejaarsevaluatie_on:
        done[DeadlineKey.eerstejaarsevaluatie] = facts.eerstejaarsevaluatie_on
    if facts.tweede_spoor_started_on:
        done[DeadlineKey.tweede_spoor] = facts.tweede_spoor_started_on
    result = []
    for deadline in statutory_timeline(facts.periods, step_dates(facts), facts.config):
        result.append(CaseDeadline(deadline=deadline, done_on=done.get(deadline.key)))
    return result


def watched(facts: CaseFacts, case_deadline: CaseDeadline) -> bool:
    """Does this deadline get reminders and overdue alerts now? Not when done, never for the end of
    wage continuation's alert (the case ends then), and the rolling evaluation only once a plan van
    aanpak exists (before that the plan's own deadline is the one that counts)."""
    if case_deadline.done_on is not None:
        return False
    if case_deadline.key == DeadlineKey.evaluation:
        return facts.plan_signed_on is not None
    return True


def deadline(facts: CaseFacts, key: DeadlineKey) -> CaseDeadline:
    return next(d for d in case_deadlines(facts) if d.key == key)


def is_running(facts: CaseFacts) -> bool:
    """The case runs: open phase, not closed (in ``hersteld`` the clock stands still)."""
    return not facts.closed and facts.phase in OPEN_PHASES


def hours_on(facts: CaseFacts, day: date) -> float:
    """The agreed hours per week in force on ``day`` (0 before any agreement)."""
    hours = 0.0
    for step in facts.agreed_hours:
        if step.from_date <= day:
            hours = step.hours_per_week
    return hours


@dataclass(frozen=True, kw_only=True)
class AgendaItem:
    key: str
    kind: str  # reminder | first_day | team | wage_end | samentelling_end
    at: datetime
    expires: datetime | None = None
    deadline_key: str = ""
    due: date | None = None
    window: bool = False
    day: date | None = None
    hours: float = 0.0


def _lead_before(facts: CaseFacts, day: date) -> date:
    """The working day ``first_day_lead_working_days`` before ``day`` (preparation time)."""
    result = day
    for _ in range(facts.config.first_day_lead_working_days):
        result = working_day_on_or_before(result - timedelta(days=1))
    return result


def agenda_items(facts: CaseFacts) -> list[AgendaItem]:
    """Every time-driven item of the case, emitted or not, sorted by moment and key."""
    config = facts.config
    items: list[AgendaItem] = []
    if facts.closed:
        return items
    if facts.phase == Phase.hersteld and facts.recovered_on is not None:
        end = facts.recovered_on + timedelta(days=SAMENTELLING_GAP_DAYS)
        items.append(AgendaItem(key="samentelling_end", kind="samentelling_end", at=start_of(end), day=end))
        return items
    if facts.phase not in OPEN_PHASES:
        return items

    for case_deadline in case_deadlines(facts):
        d = case_deadline.deadline
        if not watched(facts, case_deadline):
            continue
        overdue_at = at_local(d.due + timedelta(days=1), config.agenda_hour)
        items.append(
            AgendaItem(
                key=f"remind:{d.key}:{d.due.isoformat()}",
                kind="reminder",
                at=at_local(d.due - timedelta(days=config.reminder_lead_days), config.agenda_hour),
                expires=overdue_at,
                deadline_key=str(d.key),
                due=d.due,
            )
        )
        if d.window_start is not None:
            items.append(
                AgendaItem(
                    key=f"remind:{d.key}:window:{d.window_start.isoformat()}",
                    kind="reminder",
                    at=at_local(d.window_start - timedelta(days=config.reminder_lead_days), config.agenda_hour),
                    expires=at_local(d.window_start, config.agenda_hour),
                    deadline_key=str(d.key),
                    due=d.due,
                    window=True,
                    day=d.window_start,
                )
            )
        if d.key == DeadlineKey.end_of_wage_continuation:
            items.append(
                AgendaItem(
                    key=f"wage_end:{d.due.isoformat()}",
                    kind="wage_end",
                    at=start_of(d.due + timedelta(days=1)),
                    day=d.due,
                )
            )

    if facts.working_since is not None:
        first = facts.working_since
        items.append(
            AgendaItem(
                key=f"first_day:{first.isoformat()}",
                kind="first_day",
                at=at_local(_lead_before(facts, first), config.agenda_hour),
                expires=start_of(first + timedelta(days=1)),
                day=first,
                hours=hours_on(facts, first),
            )
        )
    for step in facts.agreed_hours:
        items.append(
            AgendaItem(
                key=f"team:{step.from_date.isoformat()}:{step.hours_per_week:g}",
                kind="team",
                at=at_local(_lead_before(facts, step.from_date), config.agenda_hour),
                expires=start_of(step.from_date + timedelta(days=7)),
                day=step.from_date,
                hours=step.hours_per_week,
            )
        )
    items.sort(key=lambda item: (item.at, item.key))
    return items


def pending_items(facts: CaseFacts, now: datetime) -> list[AgendaItem]:
    """Items not emitted yet and not expired at ``now`` (some may be due already)."""
    emitted = set(facts.emitted)
    return [
        item
        for item in agenda_items(facts)
        if item.key not in emitted and (item.expires is None or now < item.expires)
    ]
