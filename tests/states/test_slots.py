"""Issue 18, finding 3: talks are placed in free slots, never on top of another event of their people.

The pure search (states.slots), the rules' own talks (states.cadence from rules version 3) and the
placement among other cases' events (states.placement), including daylight saving time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from states import (
    ContactPreference,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    PreferenceChanged,
    ProbleemanalyseReceived,
    SendSeries,
    UpdateSeries,
    decide,
    tick,
)
from states.clock import local
from states.facts import CaseFacts
from states.placement import place, to_place
from states.slots import WORKDAY_END, WORKDAY_START, Busy, BusyCalendar, free_start, nearest_free, overlaps
from states.workdays import is_working_day
from tests.states.helpers import at, ev, of_type, opened

NOW = at(2026, 1, 5, 8)  # Monday 5 January 2026
MONDAY = at(2026, 1, 12, 10)  # the next Monday, 10:00 (the default preference)


def weekly(start: datetime, minutes: int = 15, *, every: int = 1, until: date | None = None) -> Busy:
    return Busy(start=start, duration_minutes=minutes, interval_weeks=every, until=until)


def once(start: datetime, minutes: int = 60) -> Busy:
    return Busy(start=start, duration_minutes=minutes)


# ------------------------------------------------------------------------------------- the search


def test_a_managers_new_series_goes_beside_the_weekly_checkin_of_another_case() -> None:
    other_case = weekly(MONDAY)  # the manager's other employee, every Monday 10:00-10:15
    new = weekly(MONDAY, until=date(2026, 7, 27))
    assert nearest_free(new, [other_case], now=NOW) == at(2026, 1, 12, 10, 15)
    # Free: the preferred start stays.
    assert nearest_free(new, [], now=NOW) == MONDAY


def test_a_later_occurrence_counts_too() -> None:
    # The other case's check-in starts only in March: the new series would meet it from then on.
    other_case = weekly(at(2026, 3, 2, 10))
    new = weekly(MONDAY, until=date(2026, 7, 27))
    assert nearest_free(new, [other_case], now=NOW) == at(2026, 1, 12, 10, 15)
    # ...unless the new series has ended by then.
    short = weekly(MONDAY, until=date(2026, 2, 23))
    assert nearest_free(short, [other_case], now=NOW) == MONDAY


def test_weekly_recurrences_of_different_intervals() -> None:
    fortnightly = weekly(MONDAY, 45, every=2)  # 12 Jan, 26 Jan, 9 Feb, ...
    # Every two weeks in the other weeks: never together.
    assert not overlaps(weekly(at(2026, 1, 19, 10), every=2), fortnightly, since=NOW, before=at(2027, 1, 1))
    # Every three weeks from the week after: 19 Jan, 9 Feb: together on 9 Feb, and every six weeks after.
    assert overlaps(weekly(at(2026, 1, 19, 10), every=3), fortnightly, since=NOW, before=at(2027, 1, 1))
    # Weekly: together every other week.
    assert overlaps(weekly(at(2026, 1, 19, 10)), fortnightly, since=NOW, before=at(2027, 1, 1))
    # The search sees the meeting on 9 February and keeps the three-weekly series off it.
    three_weekly = weekly(at(2026, 1, 19, 10), every=3, until=date(2026, 6, 30))
    placed = nearest_free(three_weekly, [fortnightly], now=NOW)
    assert placed == at(2026, 1, 19, 9, 45)  # 10:15 would meet the other series' 45 minutes on 9 February


def test_a_cancelled_or_moved_occurrence_is_free() -> None:
    busy = Busy(
        start=MONDAY,
        duration_minutes=15,
        interval_weeks=1,
        skipped=(at(2026, 1, 19, 10),),  # cancelled (EXDATE), or moved elsewhere
    )
    assert nearest_free(once(at(2026, 1, 19, 10), 15), [busy], now=NOW) == at(2026, 1, 19, 10)
    assert nearest_free(once(at(2026, 1, 26, 10), 15), [busy], now=NOW) == at(2026, 1, 26, 10, 15)


def test_the_nearest_time_of_the_same_day_first_then_the_next_working_days() -> None:
    evaluation = once(at(2026, 4, 24, 10))  # Friday 24 April 2026, one hour
    # 09:00-10:00 touches the check-in's start: free; but 10:15 is nearer to 10:00.
    assert nearest_free(evaluation, [once(at(2026, 4, 24, 10), 15)], now=NOW) == at(2026, 4, 24, 10, 15)
    # 10:00-11:00 taken: 11:00 and 09:00 are as near; the later one.
    assert nearest_free(evaluation, [once(at(2026, 4, 24, 10))], now=NOW) == at(2026, 4, 24, 11)
    # The whole working day taken: Monday 27 April is Koningsdag, so Tuesday 28 April at 10:00.
    whole_day = once(at(2026, 4, 24, 7), 13 * 60)
    assert nearest_free(evaluation, [whole_day], now=NOW) == at(2026, 4, 28, 10)


def test_never_before_now_nor_before_the_rules_day() -> None:
    evaluation = once(at(2026, 1, 12, 10))
    taken = once(at(2026, 1, 12, 7), 12 * 60)  # Monday 07:00-19:00
    now = at(2026, 1, 12, 9)
    assert nearest_free(evaluation, [taken], now=now) == at(2026, 1, 12, 19)
    # Nothing is ever placed on an earlier day than the rules chose, even with that day full.
    full = once(at(2026, 1, 12, 7), 13 * 60)
    assert nearest_free(evaluation, [full], now=NOW) == at(2026, 1, 13, 10)


def test_a_calendar_full_for_the_whole_range_keeps_the_rules_start() -> None:
    series = weekly(MONDAY, until=date(2026, 3, 30))
    every_working_hour = [weekly(at(2026, 1, 12 + day, 7), 13 * 60) for day in range(5)]
    assert nearest_free(series, every_working_hour, now=NOW) == MONDAY


def test_out_of_hours_is_never_chosen() -> None:
    # A preference from before the working-hours check: Sunday 23:30. The nearest working start.
    late = weekly(at(2026, 1, 11, 23, 30), until=date(2026, 6, 28))
    assert nearest_free(late, [], now=NOW) == at(2026, 1, 12, 19, 45)
    early = once(at(2026, 1, 14, 6, 0))
    assert nearest_free(early, [], now=NOW) == at(2026, 1, 14, 7)
    # Pushed to the end of the day, then to the next working day, never into the evening.
    evening = once(at(2026, 1, 14, 19, 0))
    assert nearest_free(evening, [once(at(2026, 1, 14, 19, 0), 60)], now=NOW) == at(2026, 1, 14, 18)
    assert nearest_free(evening, [once(at(2026, 1, 14, 7), 13 * 60)], now=NOW) == at(2026, 1, 15, 19)
    # A Friday afternoon full: the next working day is Monday, not Saturday.
    friday = once(at(2026, 1, 16, 14))
    assert nearest_free(friday, [once(at(2026, 1, 16, 7), 13 * 60)], now=NOW) == at(2026, 1, 19, 14)


_STARTS = st.builds(
    lambda day, minutes: at(2026, 1, 5, 0) + timedelta(days=day, minutes=minutes),
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=24 * 60 - 1).map(lambda m: m - m % 5),
)
_BUSY = st.builds(
    Busy,
    start=_STARTS,
    duration_minutes=st.sampled_from([15, 45, 60, 240, 600]),
    interval_weeks=st.sampled_from([None, 1, 2, 3]),
    until=st.sampled_from([None, date(2026, 3, 1), date(2026, 12, 31)]),
)


@settings(max_examples=150, deadline=None)
@given(
    start=_STARTS,
    minutes=st.sampled_from([15, 45, 60]),
    every=st.sampled_from([None, 1, 2]),
    busy=st.lists(_BUSY, max_size=8),
)
def test_a_chosen_start_is_free_within_hours_on_a_working_day_or_the_rules_own(
    start: datetime, minutes: int, every: int | None, busy: list[Busy]
) -> None:
    wanted = Busy(start=start, duration_minutes=minutes, interval_weeks=every, until=date(2026, 6, 30))
    chosen = nearest_free(wanted, busy, now=NOW)
    if chosen == start:
        return  # free where the rules wanted it, or nothing free in range
    moment = local(chosen)
    assert WORKDAY_START <= moment.time() < WORKDAY_END
    assert moment.weekday() < 5 if every else is_working_day(moment.date())
    assert chosen > NOW and moment.date() >= local(start).date()
    placed = Busy(start=chosen, duration_minutes=minutes, interval_weeks=every, until=wanted.until)
    assert BusyCalendar(busy, NOW).fits(placed)
    assert not any(overlaps(placed, item, since=NOW, before=at(2027, 1, 1)) for item in busy)


def test_a_series_with_a_horizon_counts_as_running_on() -> None:
    facts = opened().facts
    facts.rules_version = 3
    # Another case's Monday check-ins run to a horizon in March; the rules extend them in place later.
    other = weekly(MONDAY, until=date(2026, 3, 30))
    evaluation = dict(except_slots={"checkin"}, duration_minutes=60, interval_weeks=None, until=None, now=NOW)
    assert free_start(facts, start=at(2026, 4, 13, 10), elsewhere=[other], **evaluation) == at(2026, 4, 13, 10, 15)
    # A series ended for good (its last day passed) leaves the slot free.
    ended = weekly(at(2025, 11, 3, 10), until=date(2025, 12, 29))
    assert free_start(facts, start=at(2026, 4, 13, 10), elsewhere=[ended], **evaluation) == at(2026, 4, 13, 10)
    # A new series with a horizon is checked as running on too: it meets a talk placed after its horizon.
    later_talk = once(at(2026, 9, 7, 10))
    series = dict(except_slots={"checkin"}, duration_minutes=15, interval_weeks=1, until=date(2026, 3, 30), now=NOW)
    assert free_start(facts, start=MONDAY, elsewhere=[later_talk], **series) == at(2026, 1, 12, 9, 45)
    # Before rules version 3 nothing moves.
    facts.rules_version = 2
    assert free_start(facts, start=at(2026, 4, 13, 10), elsewhere=[other], **evaluation) == at(2026, 4, 13, 10)


# ------------------------------------------------------------------------------ daylight saving time


def test_weekly_series_keep_their_wall_clock_time_across_daylight_saving_time() -> None:
    # Monday 10:00 from 16 March (winter time); the new series from 30 March (summer time, since 29
    # March). As instants a week apart they would miss each other by an hour; on the wall clock they meet.
    winter = weekly(at(2026, 3, 16, 10))
    summer = weekly(at(2026, 3, 30, 10), until=date(2026, 6, 29))
    assert nearest_free(summer, [winter], now=NOW) == at(2026, 3, 30, 10, 15)
    # And a series from winter time does not meet an event at 11:00 summer time (10:00 + 7 days in UTC).
    eleven = once(at(2026, 4, 13, 11))
    series = weekly(at(2026, 3, 23, 10), 60, until=date(2026, 6, 29))
    assert nearest_free(series, [eleven], now=NOW) == at(2026, 3, 23, 10)
    # Back to winter time in October: still 10:00 on the wall clock.
    autumn = weekly(at(2026, 10, 19, 10))
    winter_again = weekly(at(2026, 10, 26, 10), until=date(2026, 12, 28))
    assert nearest_free(winter_again, [autumn], now=NOW) == at(2026, 10, 26, 10, 15)


# ------------------------------------------------------------------------------- the rules, one case


def _with_plan(version: int, moments: list[date]) -> tuple[CaseFacts, datetime, list[object]]:
    facts = opened().facts  # sick from Monday 5 January 2026: check-ins on Mondays 10:00
    facts.rules_version = version
    now = at(2026, 2, 2)
    facts = decide(facts, ev(ProbleemanalyseReceived, now), now).facts
    now = at(2026, 2, 10)
    plan = PlanVanAanpak(hours_per_week=0, tasks=["archief"], evaluation_moments=moments)
    decision = decide(facts, ev(PlanVanAanpakSigned, now, plan=plan), now)
    return decision.facts, now, list(decision.effects)


def test_a_one_off_evaluation_never_lands_on_the_employees_own_checkin() -> None:
    facts, now, effects = _with_plan(3, [date(2026, 3, 2)])  # a Monday: the check-in's day
    (evaluation,) = of_type(effects, SendSeries)
    assert evaluation.kind == "evaluation"
    assert evaluation.start == at(2026, 3, 2, 10, 15)  # right after the 15 minutes of the check-in
    checkin = next(s for s in facts.series if s.kind == "checkin")
    assert not overlaps(
        Busy(start=evaluation.start, duration_minutes=evaluation.duration_minutes),
        Busy(start=checkin.start, duration_minutes=15, interval_weeks=1, until=checkin.until),
        since=now,
        before=at(2026, 4, 1),
    )
    # Remembered: later decisions keep it there, no update goes out.
    later = tick(facts, at(2026, 2, 20))
    assert not of_type(later.effects, UpdateSeries)
    assert next(s for s in later.facts.series if s.kind == "evaluation").start == evaluation.start


def test_before_rules_version_3_the_evaluation_stays_on_the_checkin() -> None:
    _facts, _now, effects = _with_plan(2, [date(2026, 3, 2)])
    (evaluation,) = of_type(effects, SendSeries)
    assert evaluation.start == at(2026, 3, 2, 10)


def test_a_new_preference_moves_the_checkin_off_the_planned_evaluation() -> None:
    facts, now, _effects = _with_plan(3, [date(2026, 3, 4)])  # a Wednesday, 10:00
    decision = decide(
        facts, ev(PreferenceChanged, now, actor="employee-1", preference=ContactPreference(weekday=2, hour=10)), now
    )
    checkin = next(s for s in decision.facts.series if s.kind == "checkin" and s.active)
    evaluation = next(s for s in decision.facts.series if s.kind == "evaluation" and s.active)
    # The weekly check-in takes the new preferred time; the evaluation, which moves too, goes beside it.
    assert checkin.start == at(2026, 2, 11, 10)
    assert evaluation.start == at(2026, 3, 4, 10, 15)
    assert not overlaps(
        Busy(start=checkin.start, duration_minutes=15, interval_weeks=1, until=checkin.until),
        Busy(start=evaluation.start, duration_minutes=evaluation.duration_minutes),
        since=now,
        before=at(2026, 6, 1),
    )


# ---------------------------------------------------------------------------- among other cases


def test_placed_among_other_cases_moves_the_series_and_its_invitation_and_keeps_it_there() -> None:
    decision = opened()  # check-ins on Mondays 10:00 from 12 January
    facts = decision.facts
    facts.rules_version = 3  # as the workflow sets it for a new case
    ids = to_place(None, facts)
    assert ids == [facts.series[0].series_id]
    other_case = weekly(MONDAY)  # the manager's other employee at the same time
    placed = place(facts, list(decision.effects), {ids[0]: [other_case]}, NOW)
    (send,) = of_type(placed.effects, SendSeries)
    assert send.start == at(2026, 1, 12, 10, 15) and send.start.tzinfo is not None
    assert placed.facts.series[0].start == at(2026, 1, 12, 10, 15)
    assert facts.series[0].start == MONDAY, "the facts given are not changed"
    assert placed.deferred == []
    # The next decisions keep the placed start: nothing drifts back to 10:00.
    later = tick(placed.facts, at(2026, 1, 20, 9))
    assert not of_type(later.effects, UpdateSeries)
    assert later.facts.series[0].start == at(2026, 1, 12, 10, 15)
    assert to_place(placed.facts, later.facts) == []


def test_a_series_changed_again_meanwhile_is_placed_with_its_later_update() -> None:
    decision = opened()
    facts = decision.facts
    facts.rules_version = 3
    series_id = facts.series[0].series_id
    now = at(2026, 1, 6, 9)
    changed = decide(facts, ev(PreferenceChanged, now, preference=ContactPreference(weekday=1, hour=9)), now)
    # The first invitation (SEQUENCE 0) is still to go out, and the update (SEQUENCE 1) after it.
    placed = place(changed.facts, list(decision.effects), {series_id: [weekly(MONDAY)]}, now)
    assert placed.deferred == [series_id] and placed.effects == decision.effects
    placed = place(changed.facts, list(changed.effects), {series_id: [weekly(at(2026, 1, 13, 9))]}, now)
    (update,) = of_type(placed.effects, UpdateSeries)
    assert update.start == at(2026, 1, 13, 9, 15) and placed.deferred == []


def test_nothing_is_placed_before_rules_version_3() -> None:
    decision = opened()
    assert decision.facts.rules_version < 3
    assert to_place(None, decision.facts) == []
