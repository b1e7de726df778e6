"""Findings 11 and 13 of issue 18. A check-in or progress-talk series runs to a horizon (12 weeks by
default), its UNTIL falls on an occurrence, and it is extended in place as the horizon comes near
(rules version 3; before it, to the end of the two years). Every update and cancellation says why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from states import (
    BuildUpStarted,
    BuildUpStep,
    CancelSeries,
    Channel,
    ContactPreference,
    PreferenceChanged,
    Recovered,
    SendSeries,
    UpdateSeries,
    decide,
    next_due,
)
from states.kinds import SeriesChangeReason
from tests.states.helpers import at, ev, of_type, run_until
from tests.states.versions import case_as, opened_as


@pytest.mark.parametrize("version", [2, 3])
def test_a_series_runs_to_a_horizon_and_its_until_falls_on_an_occurrence(version: int) -> None:
    preference = ContactPreference(weekday=1, hour=14, minute=30)  # Tuesdays 14:30
    (checkin,) = of_type(opened_as(version, preference=preference).effects, SendSeries)
    assert checkin.start == at(2026, 1, 6, 14, 30)
    if version < 3:  # as found: to the end of the wage continuation, a Sunday
        assert checkin.until == date(2028, 1, 2) and checkin.until.weekday() != checkin.start.weekday()
        return
    assert checkin.until == date(2026, 3, 31)  # 12 weeks on, a Tuesday: the last occurrence
    assert checkin.until.weekday() == checkin.start.weekday()
    assert (checkin.until - checkin.start.date()).days % 7 == 0


def test_a_series_is_extended_in_place_as_its_horizon_comes_near() -> None:
    decision = opened_as(3)
    (checkin,) = of_type(decision.effects, SendSeries)
    assert (checkin.start, checkin.until) == (at(2026, 1, 12, 10), date(2026, 4, 6))
    extend_at = at(2026, 3, 23, 9)  # two weeks before the last occurrence, at the agenda hour
    facts, effects = run_until(decision.facts, extend_at - timedelta(minutes=1), at(2026, 1, 5, 8))
    assert not of_type(effects, UpdateSeries)
    assert next_due(facts, extend_at - timedelta(minutes=1)) == extend_at  # the case wakes for it
    facts, effects = run_until(facts, extend_at, extend_at - timedelta(minutes=1))
    (update,) = of_type(effects, UpdateSeries)
    assert (update.series_id, update.sequence, update.start) == (checkin.series_id, 1, checkin.start)
    assert update.until == date(2026, 6, 29)  # the next horizon, again a Monday
    assert update.reason_key == SeriesChangeReason.horizon_extended and update.previous_start is None
    assert update.key == "case-1:checkin:1:seq1"


def test_a_series_is_extended_up_to_the_end_of_the_wage_continuation_and_no_further() -> None:
    decision = opened_as(3)
    facts, effects = run_until(decision.facts, at(2028, 1, 3), at(2026, 1, 5, 8))
    untils = [e.until for e in of_type(decision.effects + effects, SendSeries | UpdateSeries) if e.kind == "checkin"]
    assert len(untils) > 2 and untils == sorted(untils)
    assert all(until.weekday() == 0 for until in untils)  # each on a Monday occurrence
    assert untils[-1] == date(2027, 12, 27)  # the last Monday before the end (Sunday 2 January 2028)
    assert facts.closed


def test_progress_talks_are_extended_and_their_later_occurrences_still_watched() -> None:
    from states.effects import RemindManagerToRecord

    facts, now = case_as(3, "opbouw")
    (series,) = [s for s in facts.series if s.kind == "progress_talk" and s.active]
    assert series.start == at(2026, 3, 2, 10) and series.until == date(2026, 5, 25)
    facts, effects = run_until(facts, at(2026, 6, 20), now)
    (update,) = [e for e in of_type(effects, UpdateSeries) if e.kind == "progress_talk"]
    assert update.until == date(2026, 8, 17) and update.reason_key == "horizon_extended"
    reminded = [e.occurrence for e in of_type(effects, RemindManagerToRecord)]
    assert date(2026, 6, 8) in reminded  # an occurrence past the first horizon: watched as well


def test_a_cancellation_says_why() -> None:
    facts, now = case_as(3, "plan_van_aanpak")
    schedule = [BuildUpStep(from_date=date(2026, 2, 16), hours_per_week=8)]
    started = decide(facts, ev(BuildUpStarted, now, schedule=schedule), now)
    (cancel,) = of_type(started.effects, CancelSeries)
    assert (cancel.kind, cancel.reason_key) == ("checkin", SeriesChangeReason.back_at_work)
    now = at(2026, 3, 20)
    recovered = decide(started.facts, ev(Recovered, now, full=True), now)
    reasons = {(e.kind, e.reason_key) for e in of_type(recovered.effects, CancelSeries)}
    assert ("progress_talk", SeriesChangeReason.recovered) in reasons
    assert all(reason == SeriesChangeReason.recovered for _, reason in reasons)


def test_an_update_says_why_and_from_when() -> None:
    facts, now = case_as(3, "ziekgemeld")  # check-ins on Mondays 10:00
    now = at(2026, 1, 21)  # a Wednesday: the next check-in is Monday 26 January
    preference = ContactPreference(weekday=3, hour=14, minute=30, channel=Channel.video)
    decision = decide(facts, ev(PreferenceChanged, now, actor="employee-1", preference=preference), now)
    (update,) = [e for e in of_type(decision.effects, UpdateSeries) if e.kind == "checkin"]
    assert update.reason_key == SeriesChangeReason.preference_changed
    assert update.previous_start == at(2026, 1, 26, 10)  # "verplaatst van maandag 10:00 ..."
    assert update.start == at(2026, 1, 22, 14, 30)  # "... naar donderdag 14:30"
    assert update.until is not None and update.until.weekday() == 3


def test_old_payloads_of_changed_effects_still_load() -> None:
    from pydantic import TypeAdapter

    from states.effects import CancelSeries as Cancel
    from states.effects import UpdateSeries as Update

    common = {
        "key": "k",
        "case_id": "case-1",
        "series_id": "s",
        "kind": "checkin",
        "sequence": 1,
        "attendees": ["manager", "employee"],
    }
    cancel = TypeAdapter(Cancel).validate_python(
        {**common, "effective_from": "2026-01-05T10:00:00+01:00", "reason_nl": "x", "reason_en": "y"}
    )
    assert cancel.reason_key == ""
    update = TypeAdapter(Update).validate_python(
        {
            **common,
            "start": "2026-01-05T10:00:00+01:00",
            "duration_minutes": 15,
            "interval_weeks": 1,
            "until": "2028-01-02",
            "channel": "phone",
            "place": "online",
            "title_nl": "a",
            "title_en": "b",
        }
    )
    assert update.reason_key == "" and update.previous_start is None


@pytest.mark.parametrize("version", [1, 2, 3, 4])
@pytest.mark.parametrize("days_back", [420, 600, 700, 714, 721, 724, 727])
def test_a_case_reported_late_in_its_two_years_never_sends_a_series_that_ends_before_it_starts(
    version: int, days_back: int
) -> None:
    """Found by bench/scale.py: a case reported days before its 104 weeks are over got a check-in
    series whose UNTIL (the end of the wage continuation) lay before its first talk; the mail could
    not be made and the case's delivery was retried for hours. A series with no talk before the end
    is not sent at all."""
    now = at(2026, 1, 5, 8)
    decision = opened_as(version, date(2026, 1, 5) - timedelta(days=days_back), now)
    sent = of_type(decision.effects, SendSeries)
    assert all(series.until is None or series.until >= series.start.date() for series in sent)
    wage_end = date(2026, 1, 5) - timedelta(days=days_back) + timedelta(weeks=104) - timedelta(days=1)
    checkins = [series for series in sent if series.kind == "checkin"]
    if checkins:
        assert checkins[0].start.date() <= wage_end
    else:
        assert days_back >= 721, "a check-in series with a talk before the end is sent"
