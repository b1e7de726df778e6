"""The cadence of a case as calendar series, and how a change of facts becomes send/update/cancel.

Declarative: :func:`wishes` says which series the facts call for right now; :func:`reconcile`
compares that with the series as last sent (``facts.series``) and yields the effects.

- ``checkin``: while the case runs and the employee does not work; weekly (configurable) on the
  employee's preferred weekday and time, from the day after it starts; manager and employee.
- ``progress_talk``: from the start of a return (arbeidstherapeutisch, build-up, partial recovery);
  every two weeks, the first two weeks after the first day back; manager and employee.
- ``evaluation``: once the plan van aanpak is signed; one event at a time, for the next evaluation:
  the plan's own evaluation moments first, else ``evaluation_gaps_weeks`` after the previous one
  (often at the start, tapering off), never more than 6 weeks apart; moved back to a working day;
  casemanager, employee and manager.
- ``driegesprek``: when the coach is looped in; one event ``driegesprek_lead_days`` after, on a
  working day; coach, employee and manager.

Identity: a series is identified by its *slot* (``checkin``, ``evaluation:3``, ``driegesprek:1``).
A new slot gets the next counter of its kind and the UID ``uuid5(namespace, case/kind/counter)``,
so retries and replays produce the same UID. A wish for an existing slot updates it when something
differs (sequence + 1); its start is kept as long as the facts it was derived from (``basis``) are
the same, so a start computed "from now" does not drift. A series no longer wished is cancelled from
``now`` on, unless it is already over, or it is a one-off talk recorded as held on its planned day
(then it just ends, silently). From rules version 2 (``CaseFacts.rules_version``), a planned
evaluation that will not take place (held on another day) moves to the next evaluation: its slot
changes and it is updated, rather than cancelled with a new invitation beside it.

From rules version 3 a recurring series (check-ins, progress talks) no longer runs to the end of the
wage continuation: it runs to a horizon (``series_horizon_weeks``, 12 by default) and its ``until``
is its last occurrence within it, so the stated end is a day the talk takes place. As the end comes
near (``series_extend_lead_days``) the series is extended in place: an update, same UID, SEQUENCE
+ 1 (:func:`_until`; :func:`series_extensions` wakes the case for it). Every update carries why
(``reason_key``, a :class:`~states.kinds.SeriesChangeReason`) and, when its time moved, the occurrence
people expected (``previous_start``); every cancellation carries its ``reason_key``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from states.agenda import case_deadlines, case_deadlines_of, is_running
from states.clock import at_local, local_date, next_weekday_on_or_after, utc
from states.config import TZ
from states.effects import CancelSeries, Effect, SendSeries, UpdateSeries
from states.facts import CaseFacts, SeriesState, own
from states.kinds import Channel, Outcome, Phase, Place, Role, SeriesChangeReason, SeriesKind
from states.slots import PLACING_VERSION, free_start
from states.timeline import DeadlineKey
from states.workdays import next_working_day_after, working_day_on_or_after, working_day_on_or_before

SERIES_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://reintegratie.invalid/calendar-series")

_TITLES = {
    SeriesKind.checkin: ("Kort contactmoment", "Short check-in"),
    SeriesKind.progress_talk: ("Voortgangsgesprek re-integratie", "Re-integration progress talk"),
    SeriesKind.evaluation: ("Evaluatie plan van aanpak", "Evaluation of the plan van aanpak"),
    SeriesKind.driegesprek: ("Driegesprek met de coach", "Three-way talk with the coach"),
}
_ATTENDEES = {
    SeriesKind.checkin: (Role.manager, Role.employee),
    SeriesKind.progress_talk: (Role.manager, Role.employee),
    SeriesKind.evaluation: (Role.casemanager, Role.employee, Role.manager),
    SeriesKind.driegesprek: (Role.coach, Role.employee, Role.manager),
}


def series_uid(case_id: str, kind: SeriesKind, counter: int) -> str:
    return str(uuid.uuid5(SERIES_NAMESPACE, f"{case_id}/{kind}/{counter}"))


@dataclass(frozen=True, kw_only=True)
class Wish:
    kind: SeriesKind
    slot: str
    basis: str
    anchor: date
    """Earliest day of the first occurrence."""
    weekday: int | None
    """Recurring series: align to this weekday; single events: None (working day on/after)."""
    hour: int
    minute: int
    duration_minutes: int
    interval_weeks: int | None
    until: date | None
    channel: Channel
    place: Place


def _wage_end(facts: CaseFacts) -> date:
    return next(d.due for d in case_deadlines_of(facts) if d.key == DeadlineKey.end_of_wage_continuation)


def next_evaluation_target(facts: CaseFacts) -> date | None:
    """The day the next evaluation is planned (None before the plan van aanpak)."""
    if facts.plan is None or facts.plan_signed_on is None:
        return None
    config = facts.config
    last = facts.evaluations[-1].on if facts.evaluations else facts.plan_signed_on
    latest = last + timedelta(weeks=min(6, config.evaluation_max_weeks))
    moments = sorted(m for m in facts.plan.evaluation_moments if m > last)
    if moments:
        target = moments[0]
    else:
        index = len(facts.evaluations)
        gaps = config.evaluation_gaps_weeks
        weeks = gaps[index] if index < len(gaps) else config.evaluation_max_weeks
        target = last + timedelta(weeks=weeks)
    statutory = next(d.due for d in case_deadlines(facts) if d.key == DeadlineKey.evaluation)
    target = min(target, latest, statutory)
    on_working_day = working_day_on_or_before(target)
    return on_working_day if on_working_day > last else target


def wishes(facts: CaseFacts, now: datetime) -> list[Wish]:
    if not is_running(facts):
        return []
    config = facts.config
    pref = facts.preference
    until = _wage_end(facts)
    today = local_date(now)
    preference_basis = _preference_basis(facts)
    result: list[Wish] = []

    if facts.working_since is None:
        interval = config.checkin_interval_weeks
        result.append(
            Wish(
                kind=SeriesKind.checkin,
                slot="checkin",
                basis=f"checkin|{preference_basis}|{interval}",
                anchor=today + timedelta(days=1),
                weekday=pref.weekday,
                hour=pref.hour,
                minute=pref.minute,
                duration_minutes=config.checkin_duration_minutes,
                interval_weeks=interval,
                until=until,
                channel=pref.channel,
                place=pref.place,
            )
        )
    else:
        interval = config.progress_talk_interval_weeks
        result.append(
            Wish(
                kind=SeriesKind.progress_talk,
                slot="progress_talk",
                basis=f"progress|{facts.working_since.isoformat()}|{preference_basis}|{interval}",
                anchor=facts.working_since + timedelta(weeks=interval),
                weekday=pref.weekday,
                hour=pref.hour,
                minute=pref.minute,
                duration_minutes=config.progress_talk_duration_minutes,
                interval_weeks=interval,
                until=until,
                channel=pref.channel,
                place=pref.place,
            )
        )

    target = next_evaluation_target(facts)
    if target is not None:
        number = len(facts.evaluations) + 1
        result.append(
            Wish(
                kind=SeriesKind.evaluation,
                slot=f"evaluation:{number}",
                basis=f"evaluation|{number}|{target.isoformat()}|{preference_basis}",
                anchor=target,
                weekday=None,
                hour=pref.hour,
                minute=pref.minute,
                duration_minutes=config.evaluation_duration_minutes,
                interval_weeks=None,
                until=None,
                channel=pref.channel,
                place=pref.place,
            )
        )

    for number, talk in enumerate(facts.driegesprekken, start=1):
        if talk.held_on is not None:
            continue
        result.append(
            Wish(
                kind=SeriesKind.driegesprek,
                slot=f"driegesprek:{number}",
                basis=f"driegesprek|{number}|{talk.requested_on.isoformat()}|{preference_basis}",
                anchor=working_day_on_or_after(talk.requested_on + timedelta(days=config.driegesprek_lead_days)),
                weekday=None,
                hour=pref.hour,
                minute=pref.minute,
                duration_minutes=config.driegesprek_duration_minutes,
                interval_weeks=None,
                until=None,
                channel=pref.channel,
                place=pref.place,
            )
        )
    return result


def first_start(wish: Wish, now: datetime) -> datetime:
    """The first occurrence on/after the anchor that lies after ``now``."""
    if wish.weekday is not None:
        day = next_weekday_on_or_after(wish.anchor, wish.weekday)
        start = at_local(day, wish.hour, wish.minute)
        while start <= now:
            day += timedelta(weeks=1)
            start = at_local(day, wish.hour, wish.minute)
        return start
    day = wish.anchor
    start = at_local(day, wish.hour, wish.minute)
    if start <= now:
        day = next_working_day_after(local_date(now))
        start = at_local(day, wish.hour, wish.minute)
    return start


def _free_first_start(facts: CaseFacts, wish: Wish, now: datetime, wanted: list[Wish]) -> datetime:
    """:func:`first_start`, moved off the case's own other talks (rules version 3,
    :func:`states.slots.free_start`; the workflow then places it among other cases' events,
    :mod:`states.placement`). The talks of later wishes that get a new start in this same
    reconciliation do not count: they are placed after this one, around it."""
    start = first_start(wish, now)
    if facts.rules_version < PLACING_VERSION:
        return start
    later = wanted[wanted.index(wish) + 1 :]
    moving = {w.slot for w in later if any(s.active and s.slot == w.slot and s.basis != w.basis for s in facts.series)}
    return free_start(
        facts,
        except_slots={wish.slot, *moving},
        start=start,
        duration_minutes=wish.duration_minutes,
        interval_weeks=wish.interval_weeks,
        until=wish.until,
        now=now,
    )


def until_for(facts: CaseFacts, series: SeriesState, now: datetime) -> Callable[[datetime], date | None] | None:
    """For a recurring series the workflow moves (:mod:`states.placement`): the ``until`` it gets
    from a new start, as :func:`reconcile` gives it to a new start (its last occurrence within the
    horizon, :func:`_until`); None when nothing calls for the series any more, or it does not recur."""
    wish = next((w for w in wishes(facts, now) if w.slot == series.slot), None)
    if wish is None or not wish.interval_weeks:
        return None
    return lambda start: _until(facts, wish, start, None, now)


def _is_over(series: SeriesState, now: datetime) -> bool:
    if series.interval_weeks is None:
        return series.start + timedelta(minutes=series.duration_minutes) <= now
    return series.until is not None and series.until < local_date(now)


def _held_as_planned(facts: CaseFacts, series: SeriesState) -> bool:
    """A one-off talk recorded as held on the day it was planned for: the event in people's
    calendars is the talk that took place (perhaps earlier that day, or recorded before its planned
    end), so it stays there; a cancellation would tell them a talk they just had was called off.
    Held on another day, the planned one will not happen and is cancelled."""
    held_on: list[date | None]
    if series.kind == SeriesKind.evaluation:
        held_on = [evaluation.on for evaluation in facts.evaluations]
    elif series.kind == SeriesKind.driegesprek:
        held_on = [talk.held_on for talk in facts.driegesprekken]
    else:
        return False
    number = int(series.slot.rpartition(":")[2])  # the slots are "evaluation:3", "driegesprek:1"
    return number <= len(held_on) and held_on[number - 1] == local_date(series.start)


def series_effect(
    cls: type[SendSeries] | type[UpdateSeries],
    facts: CaseFacts,
    series: SeriesState,
    *,
    reason_key: str = "",
    previous_start: datetime | None = None,
) -> SendSeries | UpdateSeries:
    """The effect that sends ``series`` as it stands; an update also says why (``reason_key``, a
    :class:`SeriesChangeReason`) and, when its time moved, from when (``previous_start``)."""
    title_nl, title_en = _TITLES[series.kind]
    effect = cls(
        key=f"{facts.case_id}:{series.kind}:{series.counter}:seq{series.sequence}",
        case_id=facts.case_id,
        series_id=series.series_id,
        kind=series.kind,
        sequence=series.sequence,
        start=series.start.astimezone(TZ),
        duration_minutes=series.duration_minutes,
        interval_weeks=series.interval_weeks,
        until=series.until,
        attendees=tuple(series.attendees),
        channel=series.channel,
        place=series.place,
        title_nl=title_nl,
        title_en=title_en,
    )
    if isinstance(effect, UpdateSeries) and (reason_key or previous_start is not None):
        effect = replace(effect, reason_key=reason_key, previous_start=previous_start)
    return effect


def reconcile(facts: CaseFacts, now: datetime, reason: tuple[str, str] | None = None) -> list[Effect]:
    """Bring ``facts.series`` in line with the wishes (mutates ``facts``); return the effects."""
    effects: list[Effect] = []
    wanted = wishes(facts, now)
    wanted_slots = {wish.slot for wish in wanted}
    # Version 2: the evaluation wishes no active series serves yet, for a planned one to move to.
    unserved = [
        wish
        for wish in wanted
        if facts.rules_version >= 2
        and wish.kind == SeriesKind.evaluation
        and not any(s.active and s.slot == wish.slot for s in facts.series)
    ]
    moved: set[str] = set()  # series ids of planned evaluations moved to the next one

    for index, series in enumerate(facts.series):
        if not series.active or series.slot in wanted_slots:
            continue
        series = own(facts.series, index)
        series.active = False
        if _is_over(series, now) or _held_as_planned(facts, series):
            continue
        successor = _successor(series, unserved)
        if successor is not None:
            # Its event moves to the next one: the loop below sends it as an update (same UID,
            # SEQUENCE + 1), one message per person instead of a cancellation and a new invitation.
            series.active = True
            series.slot = successor.slot
            unserved.remove(successor)
            moved.add(series.series_id)
            continue
        series.sequence += 1
        reason_nl, reason_en = reason or _cancel_reason(facts, series.kind)
        reason_key = "" if reason else str(_cancel_reason_key(facts, series.kind))
        effects.append(
            CancelSeries(
                key=f"{facts.case_id}:{series.kind}:{series.counter}:cancel",
                case_id=facts.case_id,
                series_id=series.series_id,
                kind=series.kind,
                sequence=series.sequence,
                effective_from=now.astimezone(TZ),
                attendees=tuple(series.attendees),
                reason_nl=reason_nl,
                reason_en=reason_en,
                reason_key=reason_key,
            )
        )

    for wish in wanted:
        serving = next((i for i, s in enumerate(facts.series) if s.active and s.slot == wish.slot), None)
        attendees = list(_ATTENDEES[wish.kind])
        if serving is None:
            counter = 1 + sum(1 for s in facts.series if s.kind == wish.kind)
            start = _free_first_start(facts, wish, now, wanted)
            if _past_the_end(wish, start):
                continue
            series = SeriesState(
                kind=wish.kind,
                counter=counter,
                series_id=series_uid(facts.case_id, wish.kind, counter),
                slot=wish.slot,
                basis=wish.basis,
                sequence=0,
                start=utc(start),
                duration_minutes=wish.duration_minutes,
                interval_weeks=wish.interval_weeks,
                until=_until(facts, wish, start, None, now),
                attendees=attendees,
                channel=wish.channel,
                place=wish.place,
            )
            facts.series.append(series)
            effects.append(series_effect(SendSeries, facts, series))
            continue
        existing = facts.series[serving]
        kept = existing.basis == wish.basis
        start = existing.start if kept else _free_first_start(facts, wish, now, wanted)
        if _past_the_end(wish, start):
            continue  # the series as sent keeps its last occurrences; the new wish has none left
        until = _until(facts, wish, start, existing if kept else None, now)
        changed = (
            utc(start) != existing.start
            or wish.duration_minutes != existing.duration_minutes
            or wish.interval_weeks != existing.interval_weeks
            or until != existing.until
            or attendees != list(existing.attendees)
            or wish.channel != existing.channel
            or wish.place != existing.place
        )
        if not changed:
            if existing.basis != wish.basis:
                own(facts.series, serving).basis = wish.basis
            continue
        reason_key = _update_reason(facts, existing, wish, utc(start), until, attendees, moved)
        previous_start = _expected_next(existing, now) if utc(start) != existing.start else None
        existing = own(facts.series, serving)
        existing.basis = wish.basis
        existing.start = utc(start)
        existing.duration_minutes = wish.duration_minutes
        existing.interval_weeks = wish.interval_weeks
        existing.until = until
        existing.attendees = attendees
        existing.channel = wish.channel
        existing.place = wish.place
        existing.sequence += 1
        effects.append(
            series_effect(UpdateSeries, facts, existing, reason_key=str(reason_key), previous_start=previous_start)
        )
    return effects


# ------------------------------------------------------------------ horizons (rules version 3)


def _last_occurrence(first: date, interval_weeks: int, limit: date) -> date | None:
    """The last day of a series from ``first``, every ``interval_weeks`` weeks, on or before ``limit``."""
    if limit < first:
        return None
    return first + timedelta(weeks=interval_weeks * ((limit - first).days // (7 * interval_weeks)))


def _extension_moment(until: date, facts: CaseFacts) -> datetime:
    """When a recurring series ending on ``until`` is extended (rules version 3)."""
    config = facts.config
    return at_local(until - timedelta(days=config.series_extend_lead_days), config.agenda_hour)


def _past_the_end(wish: Wish, start: datetime) -> bool:
    """A recurring series whose first talk would fall after its end (the end of the wage
    continuation): a case reported, or brought in, days before its 104 weeks are over. No series is
    sent then; a series ending before it starts is no event a calendar can hold."""
    return wish.interval_weeks is not None and wish.until is not None and local_date(start) > wish.until


def _until(facts: CaseFacts, wish: Wish, start: datetime, kept: SeriesState | None, now: datetime) -> date | None:
    """The last day of the series ``wish`` calls for, starting at ``start``. ``kept``: the series as
    sent, when its start stays.

    Before rules version 3 (and for one-off talks): the wish's own ``until``, the end of the wage
    continuation. From version 3 a recurring series runs to a horizon, ``series_horizon_weeks``
    ahead, and its ``until`` is its last occurrence within it (never past the end of the wage
    continuation): the stated end date is a day the talk takes place. The same ``until`` is kept
    until ``series_extend_lead_days`` before it; then the series is extended in place (an update,
    same UID) to the next horizon. :func:`series_extensions` wakes the case for that moment."""
    if facts.rules_version < 3 or not wish.interval_weeks or wish.until is None:
        return wish.until
    interval = wish.interval_weeks
    first = local_date(start)
    cap = _last_occurrence(first, interval, wish.until)
    if cap is None:
        # no occurrence before the end (a series moved past it, :mod:`states.placement`): the one
        # talk at its start, so that the series never ends before it begins
        return first
    today = local_date(now)
    base = max(first, today)
    if kept is not None and kept.until is not None and _last_occurrence(first, interval, kept.until) == kept.until:
        if now < _extension_moment(kept.until, facts):
            return min(kept.until, cap)
        base = max(kept.until, today)
    config = facts.config
    # at least one interval past the moment of the next extension, so that every extension moves on
    weeks = max(config.series_horizon_weeks, interval + config.series_extend_lead_days // 7 + 1)
    horizon = _last_occurrence(first, interval, base + timedelta(weeks=weeks))
    assert horizon is not None
    return min(horizon, cap)


def series_extensions(facts: CaseFacts) -> list[datetime]:
    """The moments at which a recurring series is due to be extended (rules version 3; none before):
    :func:`states.case.next_due` wakes the case then, and :func:`reconcile` extends it."""
    if facts.rules_version < 3 or not is_running(facts):
        return []
    result: list[datetime] = []
    wage_end: date | None = None
    for series in facts.series:
        if not series.active or not series.interval_weeks or series.until is None:
            continue
        if wage_end is None:
            wage_end = _wage_end(facts)
        cap = _last_occurrence(local_date(series.start), series.interval_weeks, wage_end)
        if cap is not None and series.until < cap:
            result.append(_extension_moment(series.until, facts))
    return result


def _expected_next(series: SeriesState, now: datetime) -> datetime:
    """The occurrence people expect next of ``series`` as sent (for ``UpdateSeries.previous_start``):
    a one-off talk's start; a recurring series' next occurrence after ``now``, else its start."""
    if series.interval_weeks is None:
        return series.start.astimezone(TZ)
    return next_occurrence(series, now) or series.start.astimezone(TZ)


def _preference_basis(facts: CaseFacts) -> str:
    pref = facts.preference
    return f"{pref.weekday}|{pref.hour:02d}:{pref.minute:02d}|{pref.channel}|{pref.place}"


def _update_reason(
    facts: CaseFacts,
    existing: SeriesState,
    wish: Wish,
    start: datetime,
    until: date | None,
    attendees: list[Role],
    moved: set[str],
) -> SeriesChangeReason:
    """Why ``existing`` (as sent) is updated to what the wish gives."""
    if existing.series_id in moved:
        return SeriesChangeReason.next_evaluation
    if _preference_basis(facts) not in existing.basis:
        return SeriesChangeReason.preference_changed
    if start == existing.start and existing.until is not None and until is not None and until > existing.until:
        return SeriesChangeReason.horizon_extended
    if attendees != list(existing.attendees):
        return SeriesChangeReason.attendees_changed
    return SeriesChangeReason.rescheduled


def _cancel_reason_key(facts: CaseFacts, kind: SeriesKind) -> SeriesChangeReason:
    """The key of :func:`_cancel_reason`, a little more precise about why the case stopped running."""
    if not is_running(facts):
        if facts.phase == Phase.hersteld or facts.outcome == Outcome.hersteld:
            return SeriesChangeReason.recovered
        if facts.outcome == Outcome.uit_dienst:
            return SeriesChangeReason.employment_ended
        if facts.outcome == Outcome.ingetrokken:
            return SeriesChangeReason.withdrawn
        return SeriesChangeReason.case_closed
    if kind == SeriesKind.checkin:
        return SeriesChangeReason.back_at_work
    if kind == SeriesKind.progress_talk:
        return SeriesChangeReason.not_working
    return SeriesChangeReason.held


def _successor(series: SeriesState, unserved: list[Wish]) -> Wish | None:
    """The wish a planned evaluation that will not take place moves to (rules version 2): the next
    evaluation, when no series serves it yet (``unserved`` is empty before version 2)."""
    return unserved[0] if unserved and series.kind == SeriesKind.evaluation else None


def _cancel_reason(facts: CaseFacts, kind: SeriesKind) -> tuple[str, str]:
    if not is_running(facts):
        return ("De zaak loopt niet meer.", "The case is no longer running.")
    if kind == SeriesKind.checkin:
        return (
            "De werknemer is weer (deels) aan het werk: voortaan voortgangsgesprekken.",
            "The employee is (partly) back at work: progress talks from now on.",
        )
    if kind == SeriesKind.progress_talk:
        return (
            "De werknemer werkt op dit moment niet: voortaan korte contactmomenten.",
            "The employee is not working at the moment: short check-ins from now on.",
        )
    if kind == SeriesKind.evaluation:
        return ("De evaluatie is al gehouden.", "The evaluation has already been held.")
    return ("Het driegesprek is al gehouden.", "The three-way talk has already been held.")


def next_occurrence(series: SeriesState, now: datetime) -> datetime | None:
    """The next occurrence of an active series after ``now`` (for the upcoming view)."""
    start = series.start.astimezone(TZ)
    if series.interval_weeks is None:
        return start if start > now else None
    day = start.date()
    moment = start
    if moment <= now and series.interval_weeks > 0:
        # Skip the occurrences that lie whole weeks before today: each one lies on an earlier local
        # date than ``now``, so the walk below would pass it anyway.
        skip = (local_date(now) - day).days // (7 * series.interval_weeks) - 1
        if skip > 0:
            day += timedelta(weeks=series.interval_weeks * skip)
    while moment <= now:
        day += timedelta(weeks=series.interval_weeks)
        moment = at_local(day, start.hour, start.minute)
    if series.until is not None and day > series.until:
        return None
    return moment
