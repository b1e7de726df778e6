"""The case's deadlines and its time-driven agenda: reminders, first day back, team notices, the
end of the two years and the end of the samentelling window.

Each agenda item has a stable key, the moment it is due (``at``) and, where a late delivery makes no
sense, the moment it expires (a reminder is pointless once the deadline passed; then the overdue
signal speaks). :func:`states.case.tick` performs the due items in time order and remembers their
keys in ``facts.emitted``, so ticking twice sends nothing twice.

Rules version 3 (``CaseFacts.rules_version``), so that people can trust what they are told:

- A reminder is sent once per *deadline instance* (:func:`deadline_instance`): its key names the
  instance, not the date. Every statutory deadline has one instance per case, except the rolling
  evaluation: each evaluation (the one after the plan van aanpak, or after the latest evaluation)
  is one. When the date of an instance HR was told (by a reminder or an overdue alert) moves, HR
  gets one :class:`~states.effects.DeadlineMoved` with the old and the new date
  (:func:`deadline_moves`), never a second reminder or alert. A deadline that moved into the future
  after its alert shows as overdue again on the case page once its new date passes (its signal opens
  again, :mod:`states.signals`), without a second alert: the notice of the move told the new date.
- No reminder of the plan van aanpak before the probleemanalyse exists: the plan can only be made
  after it (``states.rules`` refuses it before), so the probleemanalyse's own reminder and overdue
  alert are the ones that ask for action. The plan's overdue alert still comes when week 8 passes
  without one: the law's latest date holds whatever the cause.
- A team notice only for a step that changes what the team sees (other hours, or present or not),
  and each says which (:class:`~states.kinds.TeamNoticeKind`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from states.clock import at_local, local_date, start_of
from states.config import CACHE_SIZE, SAMENTELLING_GAP_DAYS
from states.effects import AlertHROverdue, DeadlineMoved, Effect, RemindHR
from states.facts import Announcement, CaseFacts
from states.kinds import OPEN_PHASES, Phase, TeamNoticeKind
from states.timeline import Deadline, DeadlineKey, PeriodsKey, StepDates, periods_key, timeline_of
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
    return list(case_deadlines_of(facts))


class DeadlineInputs(NamedTuple):
    """Everything :func:`case_deadlines` reads from the facts, as one immutable value: the key of
    the caches of everything derived from the deadlines alone.

    ``number_types``: a cache key must not make 12 and 12.0 weeks of loonsanctie the same (they are
    equal but print differently); ``functools.lru_cache(typed=True)`` only looks at the top level.
    """

    periods: PeriodsKey
    probleemanalyse_on: date | None
    plan_signed_on: date | None
    last_evaluation_on: date | None
    eerstejaarsevaluatie_on: date | None
    structural_return_expected: bool
    loonsanctie_weeks: int
    arbodienst_report_day: int
    structural_return_months_weeks: int
    recorded: tuple[tuple[str, date], ...]
    """(key, on) of every recorded step."""
    tweede_spoor_started_on: date | None
    number_types: tuple[type, ...]


def deadline_inputs(facts: CaseFacts) -> DeadlineInputs:
    config = facts.config
    return DeadlineInputs(
        periods_key(facts.periods),
        facts.probleemanalyse_on,
        facts.plan_signed_on,
        facts.evaluations[-1].on if facts.evaluations else None,
        facts.eerstejaarsevaluatie_on,
        facts.structural_return_expected,
        facts.loonsanctie_weeks,
        config.arbodienst_report_day,
        config.structural_return_months_weeks,
        tuple((record.key, record.on) for record in facts.steps),
        facts.tweede_spoor_started_on,
        (
            type(facts.structural_return_expected),
            type(facts.loonsanctie_weeks),
            type(config.arbodienst_report_day),
            type(config.structural_return_months_weeks),
        ),
    )


def case_deadlines_of(facts: CaseFacts) -> tuple[CaseDeadline, ...]:
    """:func:`case_deadlines` as a shared tuple (cached by value: never rely on its identity)."""
    return case_deadlines_of_inputs(deadline_inputs(facts))


@lru_cache(maxsize=CACHE_SIZE)
def case_deadlines_of_inputs(inputs: DeadlineInputs) -> tuple[CaseDeadline, ...]:
    """The deadlines of the facts :func:`deadline_inputs` was taken of.

    Cached (profile: ``bench.rules_speed``, its three scenarios, CPU time, best of 8 runs: 434 ms
    with the rules' four caches, 758 ms without this one): every call of the rules asks for them
    several times, and the next call mostly for the same."""
    done: dict[str, date] = dict(inputs.recorded)
    if inputs.probleemanalyse_on:
        done[DeadlineKey.probleemanalyse] = inputs.probleemanalyse_on
    if inputs.plan_signed_on:
        done[DeadlineKey.plan_van_aanpak] = inputs.plan_signed_on
    if inputs.eerstejaarsevaluatie_on:
        done[DeadlineKey.eerstejaarsevaluatie] = inputs.eerstejaarsevaluatie_on
    if inputs.tweede_spoor_started_on:
        done[DeadlineKey.tweede_spoor] = inputs.tweede_spoor_started_on
    steps = StepDates(
        probleemanalyse_on=inputs.probleemanalyse_on,
        plan_signed_on=inputs.plan_signed_on,
        last_evaluation_on=inputs.last_evaluation_on,
        eerstejaarsevaluatie_on=inputs.eerstejaarsevaluatie_on,
        structural_return_expected=inputs.structural_return_expected,
        loonsanctie_weeks=inputs.loonsanctie_weeks,
    )
    timeline = timeline_of(inputs.periods, steps, inputs.arbodienst_report_day, inputs.structural_return_months_weeks)
    return tuple(CaseDeadline(deadline=deadline, done_on=done.get(deadline.key)) for deadline in timeline)


def watched(facts: CaseFacts, case_deadline: CaseDeadline) -> bool:
    """Does this deadline get reminders and overdue alerts now? Not when done, never for the end of
    wage continuation's alert (the case ends then), and the rolling evaluation only once a plan van
    aanpak exists (before that the plan's own deadline is the one that counts)."""
    return is_watched(case_deadline, plan_signed=facts.plan_signed_on is not None)


def is_watched(case_deadline: CaseDeadline, *, plan_signed: bool) -> bool:
    """:func:`watched`, from whether the plan van aanpak is signed."""
    if case_deadline.done_on is not None:
        return False
    if case_deadline.key == DeadlineKey.evaluation:
        return plan_signed
    return True


def deadline_instance(key: str, last_evaluation_on: date | None, plan_signed_on: date | None) -> str:
    """The instance of a deadline a reminder or alert is sent once for (rules version 3): the
    deadline's key, and for the rolling evaluation the evaluation after the day it is counted from
    (the latest evaluation, else the signing of the plan van aanpak)."""
    if key == DeadlineKey.evaluation:
        basis = last_evaluation_on or plan_signed_on
        return f"{key}:{basis.isoformat()}" if basis is not None else str(key)
    return str(key)


def instance_in(facts: CaseFacts, key: str) -> str:
    """:func:`deadline_instance` of ``key`` in the case as it stands."""
    return deadline_instance(key, facts.evaluations[-1].on if facts.evaluations else None, facts.plan_signed_on)


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
    team: str = ""
    """A team item: what changes for the team (a :class:`TeamNoticeKind` value)."""
    hours: float = 0.0


def _lead_before(lead_working_days: int, day: date) -> date:
    """The working day ``lead_working_days`` (``first_day_lead_working_days``) before ``day``
    (preparation time)."""
    result = day
    for _ in range(lead_working_days):
        result = working_day_on_or_before(result - timedelta(days=1))
    return result


def agenda_items(facts: CaseFacts) -> list[AgendaItem]:
    """Every time-driven item of the case, emitted or not, sorted by moment and key."""
    return list(agenda_of(facts))


def agenda_of(facts: CaseFacts) -> tuple[AgendaItem, ...]:
    """:func:`agenda_items` as a shared tuple (cached by value: never rely on its identity)."""
    if facts.closed:
        return ()
    if facts.phase == Phase.hersteld and facts.recovered_on is not None:
        end = facts.recovered_on + timedelta(days=SAMENTELLING_GAP_DAYS)
        return (AgendaItem(key="samentelling_end", kind="samentelling_end", at=start_of(end), day=end),)
    if facts.phase not in OPEN_PHASES:
        return ()
    config = facts.config
    return _running_agenda(
        deadline_inputs(facts),
        facts.working_since,
        # with the type: 8 and 8.0 hours are equal keys but the items carry the value as given
        tuple((step.from_date, type(step.hours_per_week), step.hours_per_week) for step in facts.agreed_hours),
        config.agenda_hour,
        config.reminder_lead_days,
        config.first_day_lead_working_days,
        _therapeutic_spans(facts),
        facts.rules_version >= 3,
    )


def _therapeutic_spans(facts: CaseFacts) -> tuple[tuple[date, date | None], ...]:
    """(from, until before) of each stretch of ``arbeidstherapeutisch`` in the phase history, so a
    team item knows whether a step is therapeutic work (the employee stays sick) or a return."""
    spans: list[tuple[date, date | None]] = []
    for change in facts.history:
        if spans and spans[-1][1] is None and change.to_phase != Phase.arbeidstherapeutisch:
            spans[-1] = (spans[-1][0], change.on)
        elif change.to_phase == Phase.arbeidstherapeutisch and (not spans or spans[-1][1] is not None):
            spans.append((change.on, None))
    return tuple(spans)


def _team_kind(hours: float, previous: float | None, therapeutic: bool) -> TeamNoticeKind:
    if hours <= 0:
        return TeamNoticeKind.absent_for_now
    if therapeutic:
        return TeamNoticeKind.therapeutic
    if not previous:
        return TeamNoticeKind.returns
    return TeamNoticeKind.hours_change


@lru_cache(maxsize=CACHE_SIZE, typed=True)
def _running_agenda(
    inputs: DeadlineInputs,
    working_since: date | None,
    agreed_hours: tuple[tuple[date, type, float], ...],
    agenda_hour: int,
    reminder_lead_days: int,
    first_day_lead_working_days: int,
    therapeutic: tuple[tuple[date, date | None], ...] = (),
    per_instance: bool = False,
) -> tuple[AgendaItem, ...]:
    """The agenda of a running case from immutable values (what :func:`agenda_of` reads);
    ``per_instance``: rules version 3 (see the module docstring).

    Cached (profile: ``bench.rules_speed``, its three scenarios, CPU time, best of 8 runs: 434 ms
    with the rules' four caches, 618 ms without this one): ``next_due``, ``tick`` and ``decide``
    each ask for the pending items, and the agenda changes only with the deadlines or the hours."""
    items: list[AgendaItem] = []
    plan_signed = inputs.plan_signed_on is not None
    for case_deadline in case_deadlines_of_inputs(inputs):
        d = case_deadline.deadline
        if not is_watched(case_deadline, plan_signed=plan_signed):
            continue
        if per_instance and d.key == DeadlineKey.plan_van_aanpak and inputs.probleemanalyse_on is None:
            continue
        overdue_at = at_local(d.due + timedelta(days=1), agenda_hour)
        instance = deadline_instance(d.key, inputs.last_evaluation_on, inputs.plan_signed_on)
        items.append(
            AgendaItem(
                key=f"remind:{instance}" if per_instance else f"remind:{d.key}:{d.due.isoformat()}",
                kind="reminder",
                at=at_local(d.due - timedelta(days=reminder_lead_days), agenda_hour),
                expires=overdue_at,
                deadline_key=str(d.key),
                due=d.due,
            )
        )
        if d.window_start is not None:
            items.append(
                AgendaItem(
                    key=(
                        f"remind:{instance}:window"
                        if per_instance
                        else f"remind:{d.key}:window:{d.window_start.isoformat()}"
                    ),
                    kind="reminder",
                    at=at_local(d.window_start - timedelta(days=reminder_lead_days), agenda_hour),
                    expires=at_local(d.window_start, agenda_hour),
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

    if working_since is not None:
        first = working_since
        hours: float = 0.0  # hours_on(facts, first)
        for from_date, _, hours_per_week in agreed_hours:
            if from_date <= first:
                hours = hours_per_week
        items.append(
            AgendaItem(
                key=f"first_day:{first.isoformat()}",
                kind="first_day",
                at=at_local(_lead_before(first_day_lead_working_days, first), agenda_hour),
                expires=start_of(first + timedelta(days=1)),
                day=first,
                hours=hours,
            )
        )
    previous: float | None = None
    for from_date, _, hours_per_week in agreed_hours:
        unchanged = hours_per_week == previous or (hours_per_week <= 0 and not previous)
        kind = _team_kind(
            hours_per_week,
            previous,
            any(start <= from_date and (end is None or from_date < end) for start, end in therapeutic),
        )
        previous = hours_per_week
        if per_instance and unchanged:
            continue  # nothing changes for the team
        items.append(
            AgendaItem(
                key=f"team:{from_date.isoformat()}:{hours_per_week:g}",
                kind="team",
                at=at_local(_lead_before(first_day_lead_working_days, from_date), agenda_hour),
                expires=start_of(from_date + timedelta(days=7)),
                day=from_date,
                hours=hours_per_week,
                team=str(kind),
            )
        )
    items.sort(key=lambda item: (item.at, item.key))
    return tuple(items)


def pending_items(facts: CaseFacts, now: datetime) -> list[AgendaItem]:
    """Items not emitted yet and not expired at ``now`` (some may be due already)."""
    emitted = set(facts.emitted)
    return [
        item for item in agenda_of(facts) if item.key not in emitted and (item.expires is None or now < item.expires)
    ]


def deadline_moves(facts: CaseFacts, effects: list[Effect], now: datetime) -> list[Effect]:
    """Rules version 3: note the dates HR was just told (the reminders and overdue alerts among
    ``effects``), then one :class:`DeadlineMoved` for every deadline instance whose date moved since
    HR was last told it (mutates ``facts``). Before version 3: nothing."""
    if facts.rules_version < 3:
        return []
    for effect in effects:
        if isinstance(effect, (RemindHR, AlertHROverdue)):
            how = "reminder" if isinstance(effect, RemindHR) else "overdue"
            instance = instance_in(facts, effect.deadline_key)
            facts.announced.append(
                Announcement(instance=instance, deadline_key=effect.deadline_key, due=effect.due, told=how)
            )
    if not facts.announced or not is_running(facts):
        return []  # a case that does not run (recovered for now, closed) has nothing to move
    last: dict[str, Announcement] = {}
    moves: dict[str, int] = {}
    for announcement in facts.announced:
        last[announcement.instance] = announcement
        if announcement.told == "moved":
            moves[announcement.instance] = moves.get(announcement.instance, 0) + 1
    today = local_date(now)
    result: list[Effect] = []
    plan_signed = facts.plan_signed_on is not None
    for case_deadline in case_deadlines_of(facts):
        d = case_deadline.deadline
        if not is_watched(case_deadline, plan_signed=plan_signed):
            continue
        instance = instance_in(facts, d.key)
        told = last.get(instance)
        if told is None or told.due == d.due:
            continue
        number = moves.get(instance, 0) + 1
        facts.announced.append(Announcement(instance=instance, deadline_key=str(d.key), due=d.due, told="moved"))
        overdue = d.due < today
        late_nl = " De nieuwe datum is al voorbij." if overdue else ""
        late_en = " The new date has passed already." if overdue else ""
        result.append(
            DeadlineMoved(
                key=f"{facts.case_id}:moved:{instance}:{number}",
                case_id=facts.case_id,
                deadline_key=str(d.key),
                was=told.due,
                now_due=d.due,
                overdue=overdue,
                text_nl=f"Verschoven van {told.due.isoformat()} naar {d.due.isoformat()}: {d.label_nl}.{late_nl}",
                text_en=f"Moved from {told.due.isoformat()} to {d.due.isoformat()}: {d.label_en}.{late_en}",
            )
        )
    return result
