"""The single entry point of the rules: open a case, decide on an event, tick the clock.

Every function is pure: the same facts, event and ``now`` give the same result, the input facts are
never changed, and time comes only from ``now`` (an aware datetime; the rules read it as
Europe/Amsterdam wall-clock time).

A workflow uses it as an agenda::

    decision = open_case(intake, now)            # carry out decision.effects
    while not decision.facts.closed:
        due = next_due(facts, now)               # wait until then, or for a command
        decision = decide(facts, command, now)   # a command (validate first with check())
        decision = tick(facts, now)              # or the moment came

``decide`` also performs whatever is due at ``now``, so a command arriving late never hides a
reminder. When ``next_due`` returns a moment at or before ``now``, call ``tick`` at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from states import phases
from states.agenda import (
    AgendaItem,
    CaseDeadline,
    case_deadlines,
    case_deadlines_of,
    deadline_moves,
    is_running,
    pending_items,
)
from states.cadence import _TITLES, next_occurrence, reconcile, series_extensions  # the titles live with the cadence
from states.clock import local_date, require_aware, utc
from states.config import DEFAULT_CONFIG, TZ
from states.effects import Effect, NotifyTeam, PrepareFirstDay, RemindHR
from states.events import CaseOpened, Event
from states.facts import CaseFacts, PhaseChange, Signal, private_copy
from states.kinds import Outcome, Phase, SeriesKind
from states.refusals import Refused
from states.rules import apply, close_case, validate_preference
from states.signals import candidates, refresh_signals, settled_keys
from states.timeline import SickPeriod, continues_case

__all__ = [
    "Decision",
    "UpcomingItem",
    "check",
    "decide",
    "next_due",
    "open_case",
    "open_signals",
    "tick",
    "case_timeline",
    "upcoming",
]

_MAX_AGENDA_STEPS = 10_000


@dataclass(frozen=True)
class Decision:
    """The new facts (the input is untouched) and what must happen now."""

    facts: CaseFacts
    effects: list[Effect]


@dataclass(frozen=True, kw_only=True)
class UpcomingItem:
    """A deadline or talk still to come (or a deadline overdue), for queries and views."""

    kind: str  # "deadline" | series kind
    key: str
    due: date
    at: datetime | None
    label_nl: str
    label_en: str
    days_left: int
    overdue: bool = False
    window_start: date | None = None


# -------------------------------------------------------------------------------------- opening


def _intake_periods(intake: CaseOpened) -> list[SickPeriod]:
    """The periods of the case: earlier periods that chain to the new one by samentelling."""
    chain: list[SickPeriod] = []
    next_start = intake.first_sick_day
    for earlier in sorted(intake.earlier_periods, key=lambda p: p.start, reverse=True):
        if earlier.end is None or earlier.end < earlier.start or earlier.end >= next_start:
            raise Refused(
                f"De eerdere ziekteperiode vanaf {earlier.start.isoformat()} moet afgesloten zijn en vóór "
                f"{next_start.isoformat()} eindigen.",
                f"The earlier sick period from {earlier.start.isoformat()} must be closed and end before "
                f"{next_start.isoformat()}.",
                "earlier_period_invalid",
            )
        if not continues_case(earlier.end, next_start):
            break
        chain.insert(0, SickPeriod(start=earlier.start, end=earlier.end))
        next_start = earlier.start
    return [*chain, SickPeriod(start=intake.first_sick_day)]


def open_case(intake: CaseOpened, now: datetime, *, rules_version: int = 1) -> Decision:
    """The first sick report: the facts of a new case, the check-in series and what is already due.

    ``rules_version``: the version the case follows (``CaseFacts.rules_version``; the workflow passes
    the one its start input names), set before the first effects are decided."""
    facts = opened_facts(intake, now, rules_version=rules_version)
    return Decision(facts=facts, effects=_refresh(facts, now))


def opened_facts(intake: CaseOpened, now: datetime, *, rules_version: int = 1) -> CaseFacts:
    """The facts of a case just opened, before anything time-driven is decided (:func:`open_case`
    decides that at once; :func:`states.running.open_running_case` first adds the steps already done)."""
    require_aware(now)
    require_aware(intake.at, "intake.at")
    today = local_date(now)
    if not intake.case_id.strip():
        raise Refused("Een zaak heeft een id nodig.", "A case needs an id.", "case_id_missing")
    if intake.first_sick_day > today:
        raise Refused(
            f"De eerste ziektedag {intake.first_sick_day.isoformat()} ligt in de toekomst.",
            f"The first sick day {intake.first_sick_day.isoformat()} lies in the future.",
            "date_in_future",
        )
    hours = intake.contract_hours_per_week
    if not (0 < hours <= 80):
        raise Refused(
            "Vul de contracturen per week in (meer dan 0, hoogstens 80).",
            "Enter the contract hours per week (more than 0, at most 80).",
            "hours_invalid",
        )
    validate_preference(intake.preference)
    periods = _intake_periods(intake)
    facts = CaseFacts(
        case_id=intake.case_id,
        phase=str(Phase.ziekgemeld),
        config=intake.config or DEFAULT_CONFIG,
        opened_at=utc(intake.at),
        opened_by=intake.actor,
        periods=periods,
        contract_hours_per_week=float(hours),
        preference=intake.preference,
        rules_version=rules_version,
        phase_since=periods[0].start,
        history=[
            PhaseChange(
                from_phase="",
                to_phase=str(Phase.ziekgemeld),
                on=intake.first_sick_day,
                trigger="case_opened",
                actor=intake.actor,
                at=utc(intake.at),
            )
        ],
    )
    wage_end = case_timeline(facts)[-1].due
    if wage_end < today:
        raise Refused(
            f"De 104 weken loondoorbetaling zijn al voorbij ({wage_end.isoformat()}).",
            f"The 104 weeks of wage continuation are already over ({wage_end.isoformat()}).",
            "past_104_weeks",
        )
    return facts


# ------------------------------------------------------------------------------------- deciding


def decide(facts: CaseFacts, event: Event, now: datetime) -> Decision:
    """Apply a person's event at ``now``. Raises :class:`Refused` (nothing changes) when the rules
    refuse it."""
    require_aware(now)
    if isinstance(event, CaseOpened):
        raise Refused("Deze zaak is al geopend.", "This case is already open.", "already_open")
    new = private_copy(facts)
    effects = apply(new, event, now)
    effects += _refresh(new, now)
    return Decision(facts=new, effects=effects)


def check(facts: CaseFacts, event: Event, now: datetime) -> None:
    """Raise :class:`Refused` when :func:`decide` would; change nothing (for update validators).

    Only the event's own step can refuse: what :func:`decide` does after it (due agenda items,
    signals, the calendar) never raises :class:`Refused`, so ``check`` stops there. The workflow
    calls ``check`` and then ``decide`` for every command; the second half would be paid twice.
    """
    require_aware(now)
    if isinstance(event, CaseOpened):
        raise Refused("Deze zaak is al geopend.", "This case is already open.", "already_open")
    apply(private_copy(facts), event, now)


def tick(facts: CaseFacts, now: datetime) -> Decision:
    """Perform everything time-driven that is due at ``now``. Idempotent."""
    require_aware(now)
    new = private_copy(facts)
    return Decision(facts=new, effects=_refresh(new, now))


def next_due(facts: CaseFacts, now: datetime) -> datetime | None:
    """The next moment something time-driven is due (possibly <= ``now``: then tick at once);
    None when nothing ever will be (a closed case)."""
    require_aware(now)
    moments = [item.at for item in pending_items(facts, now)]
    known = settled_keys(facts)
    moments += [c.active_from for c in candidates(facts, now) if c.key not in known]
    moments += series_extensions(facts)
    return min(moments).astimezone(TZ) if moments else None


# --------------------------------------------------------------------------------------- queries


def case_timeline(facts: CaseFacts) -> list[CaseDeadline]:
    """The eleven statutory deadlines of the case with their done dates."""
    return case_deadlines(facts)


def open_signals(facts: CaseFacts) -> list[Signal]:
    return [signal for signal in facts.signals if signal.is_open]


def upcoming(facts: CaseFacts, now: datetime) -> list[UpcomingItem]:
    """Deadlines not done yet (overdue ones included) and the next occurrence of each talk series,
    sorted by date. Empty when the case is not running (also while ``hersteld``)."""
    items = upcoming_deadlines(facts, now)
    today = local_date(now)
    for series in facts.series:
        if not series.active:
            continue
        moment = next_occurrence(series, now)
        if moment is None:
            continue
        title_nl, title_en = _TITLES[SeriesKind(series.kind)]
        items.append(
            UpcomingItem(
                kind=str(series.kind),
                key=series.series_id,
                due=moment.date(),
                at=moment,
                label_nl=title_nl,
                label_en=title_en,
                days_left=(moment.date() - today).days,
            )
        )
    items.sort(key=lambda item: (item.due, item.kind, item.key))
    return items


def upcoming_deadlines(facts: CaseFacts, now: datetime) -> list[UpcomingItem]:
    """The deadlines of :func:`upcoming` alone, sorted by date (the workflow asks after every
    decision, for its read model and search attributes; the talks' next dates are not needed)."""
    require_aware(now)
    if not is_running(facts):
        return []
    today = local_date(now)
    items = []
    for case_deadline in case_deadlines_of(facts):
        if case_deadline.done_on is not None:
            continue
        d = case_deadline.deadline
        items.append(
            UpcomingItem(
                kind="deadline",
                key=str(d.key),
                due=d.due,
                at=None,
                label_nl=d.label_nl,
                label_en=d.label_en,
                days_left=(d.due - today).days,
                overdue=d.due < today,
                window_start=d.window_start,
            )
        )
    items.sort(key=lambda item: (item.due, item.key))
    return items


# ------------------------------------------------------------------------------------- internals


def _refresh(facts: CaseFacts, now: datetime) -> list[Effect]:
    """Due agenda items in time order, then signals, then the calendar (mutates ``facts``); from rules
    version 4, when the calendar changed, the signals once more and the calendar they call for."""
    effects: list[Effect] = []
    for _ in range(_MAX_AGENDA_STEPS):
        due = [item for item in pending_items(facts, now) if item.at <= now]
        if not due:
            break
        item = due[0]
        facts.emitted.append(item.key)
        effects += _perform(facts, item, now)
    effects += refresh_signals(facts, now)
    effects += deadline_moves(facts, effects, now)
    calendar = reconcile(facts, now)
    effects += calendar
    if calendar and facts.rules_version >= 4:
        # Rules version 4: what the calendar's changes bring to light is raised now, not at the next
        # tick (a series extended over weeks a late tick skipped has occurrences that passed already).
        more = refresh_signals(facts, now)
        if more:
            more += deadline_moves(facts, more, now)
            more += reconcile(facts, now)
            effects += more
    return effects


def _perform(facts: CaseFacts, item: AgendaItem, now: datetime) -> list[Effect]:
    today = local_date(now)
    key = f"{facts.case_id}:{item.key}"
    if item.kind == "reminder":
        assert item.due is not None
        label = next(d.deadline for d in case_deadlines(facts) if d.key == item.deadline_key)
        if item.window and item.day is not None:
            text_nl = (
                f"Het venster voor de eerstejaarsevaluatie opent op {item.day.isoformat()} "
                f"(uiterlijk {item.due.isoformat()}): plan haar in."
            )
            text_en = (
                f"The window for the eerstejaarsevaluatie opens on {item.day.isoformat()} "
                f"(due {item.due.isoformat()}): schedule it."
            )
        else:
            days = (item.due - today).days
            text_nl = f"Over {days} dagen, op {item.due.isoformat()}: {label.label_nl}."
            text_en = f"In {days} days, on {item.due.isoformat()}: {label.label_en}."
        return [
            RemindHR(
                key=key,
                case_id=facts.case_id,
                deadline_key=item.deadline_key,
                due=item.due,
                days_left=(item.due - today).days,
                text_nl=text_nl,
                text_en=text_en,
            )
        ]
    if item.kind == "first_day":
        assert item.day is not None
        place = facts.plan.place if facts.plan is not None else facts.preference.place
        return [
            PrepareFirstDay(
                key=key,
                case_id=facts.case_id,
                first_day=item.day,
                hours_per_week=item.hours,
                place=place,
                text_nl=(
                    f"Op {item.day.isoformat()} begint je medewerker weer ({item.hours:g} uur per week). "
                    "Zorg voor opvang en tijd op de eerste dag en een werkplek die klaarstaat."
                ),
                text_en=(
                    f"On {item.day.isoformat()} your employee starts again ({item.hours:g} hours a week). "
                    "Arrange a welcome and time on the first day, and a workplace that is ready."
                ),
            )
        ]
    if item.kind == "team":
        assert item.day is not None
        if item.hours > 0:
            text_nl = (
                f"Vanaf {item.day.isoformat()} werkt je collega {item.hours:g} uur per week. "
                "Vragen over werk gaan naar de leidinggevende, niet naar je collega."
            )
            text_en = (
                f"From {item.day.isoformat()} your colleague works {item.hours:g} hours a week. "
                "Questions about work go to the manager, not to your colleague."
            )
        else:
            text_nl = f"Vanaf {item.day.isoformat()} is je collega voorlopig niet aanwezig."
            text_en = f"From {item.day.isoformat()} your colleague is not at work for the time being."
        return [
            NotifyTeam(
                key=key,
                case_id=facts.case_id,
                from_date=item.day,
                hours_per_week=item.hours,
                text_nl=text_nl,
                text_en=text_en,
                present=item.hours > 0,
                kind=item.team,
            )
        ]
    if item.kind == "wage_end":
        assert item.day is not None
        before = facts.phase
        after = phases.fire(facts.phase, "wage_continuation_ended", Phase.wia)
        end_day = item.day + timedelta(days=1)
        facts.phase = str(after)
        facts.phase_since = end_day
        facts.history.append(
            PhaseChange(
                from_phase=before,
                to_phase=str(after),
                on=end_day,
                trigger="wage_continuation_ended",
                actor="system",
                at=utc(now),
            )
        )
        return [close_case(facts, Outcome.wia, item.day)]
    if item.kind == "samentelling_end":
        assert facts.recovered_on is not None
        return [close_case(facts, Outcome.hersteld, facts.recovered_on)]
    raise AssertionError(f"unknown agenda item {item.kind}")  # pragma: no cover
