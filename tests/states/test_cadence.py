"""Calendar series: check-ins while sick, progress talks from the return, tapering evaluations,
the driegesprek; stable UIDs, updates with a higher sequence, cancellations; DST."""

from datetime import UTC, date, timedelta
from itertools import pairwise

from states import (
    BuildUpStarted,
    BuildUpStep,
    CancelSeries,
    Channel,
    ContactPreference,
    EvaluationHeld,
    EvaluationOutcome,
    LoonsanctieImposed,
    Place,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    PreferenceChanged,
    SendSeries,
    UpdateSeries,
    decide,
    tick,
)
from states.cadence import next_occurrence, series_uid
from states.config import TZ
from tests.states.helpers import at, case_in, ev, of_type, opened


def test_series_uids_are_stable_and_distinct() -> None:
    assert series_uid("case-1", "checkin", 1) == series_uid("case-1", "checkin", 1)
    assert (
        len(
            {
                series_uid("case-1", "checkin", 1),
                series_uid("case-1", "checkin", 2),
                series_uid("case-2", "checkin", 1),
                series_uid("case-1", "progress_talk", 1),
            }
        )
        == 4
    )
    first = opened(case_id="case-9").effects
    again = opened(case_id="case-9").effects
    assert first == again
    assert of_type(first, SendSeries)[0].series_id == series_uid("case-9", "checkin", 1)


def test_checkin_on_the_employees_preferred_day_time_and_place() -> None:
    preference = ContactPreference(weekday=3, hour=16, minute=30, channel=Channel.in_person, place=Place.neutral)
    (series,) = of_type(opened(preference=preference).effects, SendSeries)
    assert series.start == at(2026, 1, 8, 16, 30)  # the first Thursday after the sick report
    assert (series.channel, series.place, series.duration_minutes) == (Channel.in_person, Place.neutral, 15)


def test_preference_change_updates_the_same_series_with_a_higher_sequence() -> None:
    facts = opened().facts
    now = at(2026, 1, 14)
    decision = decide(
        facts, ev(PreferenceChanged, now, actor="employee-1", preference=ContactPreference(weekday=4, hour=9)), now
    )
    (update,) = of_type(decision.effects, UpdateSeries)
    assert update.series_id == facts.series[0].series_id and update.sequence == 1
    assert update.start == at(2026, 1, 16, 9)
    assert update.key == "case-1:checkin:1:seq1"
    # Same preference again: nothing to send.
    same = decide(decision.facts, ev(PreferenceChanged, now, preference=ContactPreference(weekday=4, hour=9)), now)
    assert not of_type(same.effects, UpdateSeries)


def test_return_to_work_swaps_checkins_for_two_weekly_progress_talks() -> None:
    facts, now = case_in("plan_van_aanpak")
    schedule = [BuildUpStep(from_date=date(2026, 2, 16), hours_per_week=8)]
    decision = decide(facts, ev(BuildUpStarted, now, schedule=schedule), now)
    (cancel,) = of_type(decision.effects, CancelSeries)
    assert cancel.kind == "checkin" and cancel.sequence == 1 and cancel.effective_from == now
    (send,) = of_type(decision.effects, SendSeries)
    assert send.kind == "progress_talk" and send.interval_weeks == 2
    assert send.start == at(2026, 3, 2, 10)  # two weeks after the first day back
    assert send.attendees == ("manager", "employee")


def test_evaluations_taper_off_and_never_exceed_six_weeks() -> None:
    facts, now = case_in("probleemanalyse")
    signed = decide(facts, ev(PlanVanAanpakSigned, now, plan=PlanVanAanpak(hours_per_week=0)), now)
    (first,) = of_type(signed.effects, SendSeries)
    assert first.kind == "evaluation" and first.interval_weeks is None
    assert first.start.date() == date(2026, 2, 16)  # signed 2 February + 2 weeks
    assert first.attendees == ("casemanager", "employee", "manager")
    facts = signed.facts
    starts = [first.start.date()]
    when = first.start
    for _ in range(4):
        held = decide(facts, ev(EvaluationHeld, when, outcome=EvaluationOutcome.continue_plan), when)
        (nxt,) = [e for e in of_type(held.effects, SendSeries) if e.kind == "evaluation"]
        starts.append(nxt.start.date())
        facts, when = held.facts, nxt.start
    gaps = [(b - a).days for a, b in pairwise(starts)]
    assert all(gap <= 42 for gap in gaps)
    assert gaps[0] <= gaps[1] <= gaps[2]  # tapering off: 4 weeks, then 6
    assert gaps[2] >= 35


def test_an_evaluation_held_early_cancels_the_planned_one() -> None:
    facts, now = case_in("plan_van_aanpak")  # evaluation planned 24 February
    early = at(2026, 2, 20)
    decision = decide(facts, ev(EvaluationHeld, early, outcome=EvaluationOutcome.continue_plan), early)
    assert [e.kind for e in of_type(decision.effects, CancelSeries)] == ["evaluation"]
    assert [e.kind for e in of_type(decision.effects, SendSeries)] == ["evaluation"]


def test_from_rules_version_2_an_evaluation_held_early_moves_the_planned_one_to_the_next() -> None:
    facts, now = case_in("plan_van_aanpak")  # evaluation planned 24 February
    facts.rules_version = 2
    (planned,) = [s for s in facts.series if s.kind == "evaluation" and s.active]
    early = at(2026, 2, 20)
    decision = decide(facts, ev(EvaluationHeld, early, outcome=EvaluationOutcome.continue_plan), early)
    assert of_type(decision.effects, CancelSeries) == [] and of_type(decision.effects, SendSeries) == []
    (moved,) = of_type(decision.effects, UpdateSeries)
    assert (moved.kind, moved.series_id, moved.sequence) == ("evaluation", planned.series_id, planned.sequence + 1)
    assert moved.start.date() > planned.start.date()
    assert moved.key == f"{facts.case_id}:evaluation:{planned.counter}:seq{planned.sequence + 1}"
    (active,) = [s for s in decision.facts.series if s.kind == "evaluation" and s.active]
    assert (active.slot, active.series_id, active.start) == ("evaluation:2", planned.series_id, moved.start)
    assert [s.slot for s in facts.series if s.kind == "evaluation"] == [
        "evaluation:1"
    ]  # the facts decided on are unchanged
    # The next one held on its planned day stays in the calendars; the one after it is new.
    on_the_day = moved.start
    after = decide(decision.facts, ev(EvaluationHeld, on_the_day, outcome=EvaluationOutcome.continue_plan), on_the_day)
    assert of_type(after.effects, CancelSeries) == [] and of_type(after.effects, UpdateSeries) == []
    (new,) = of_type(after.effects, SendSeries)
    assert new.kind == "evaluation" and new.series_id != planned.series_id


def test_from_rules_version_2_an_evaluation_that_ends_the_evaluations_is_still_cancelled() -> None:
    facts, now = case_in("plan_van_aanpak")
    facts.rules_version = 2
    early = at(2026, 2, 20)
    decision = decide(facts, ev(EvaluationHeld, early, outcome=EvaluationOutcome.recovered), early)
    assert "evaluation" in [e.kind for e in of_type(decision.effects, CancelSeries)]
    assert not [e for e in of_type(decision.effects, UpdateSeries) if e.kind == "evaluation"]


def test_an_evaluation_held_on_its_day_stays_in_the_calendars() -> None:
    facts, now = case_in("plan_van_aanpak")  # evaluation planned 24 February, 10:00
    (planned,) = [s for s in facts.series if s.kind == "evaluation" and s.active]
    morning = at(2026, 2, 24, 8)  # held earlier that day (or recorded before its planned end)
    decision = decide(facts, ev(EvaluationHeld, morning, outcome=EvaluationOutcome.continue_plan), morning)
    assert of_type(decision.effects, CancelSeries) == []
    assert [e.kind for e in of_type(decision.effects, SendSeries)] == ["evaluation"]  # the next one
    (ended,) = [s for s in decision.facts.series if s.series_id == planned.series_id]
    assert not ended.active and ended.sequence == planned.sequence


def test_plan_evaluation_moments_are_used() -> None:
    facts, now = case_in("probleemanalyse")
    plan = PlanVanAanpak(hours_per_week=0, evaluation_moments=[date(2026, 2, 12), date(2026, 3, 5)])
    decision = decide(facts, ev(PlanVanAanpakSigned, now, plan=plan), now)
    (send,) = of_type(decision.effects, SendSeries)
    assert send.start.date() == date(2026, 2, 12)


def test_loonsanctie_updates_the_end_of_running_series() -> None:
    facts, now = case_in("opbouw")
    decision = decide(facts, ev(LoonsanctieImposed, now, actor="hr-1", weeks=10), now)
    updates = of_type(decision.effects, UpdateSeries)
    assert {u.kind for u in updates} == {"progress_talk"}
    assert updates[0].until == date(2028, 1, 2) + timedelta(weeks=10)


def test_weekly_series_keeps_local_time_across_dst() -> None:
    facts = opened(date(2026, 3, 16), at(2026, 3, 16, 8)).facts  # DST starts Sunday 29 March 2026
    (series,) = facts.series
    before = next_occurrence(series, at(2026, 3, 24))
    after = next_occurrence(series, at(2026, 3, 31))
    assert before == at(2026, 3, 30, 10)
    assert after == at(2026, 4, 6, 10)
    assert before.astimezone(TZ).utcoffset() == timedelta(hours=2)
    assert at(2026, 3, 23, 10).utcoffset() == timedelta(hours=1)


def test_reminders_at_nine_local_across_dst() -> None:
    from datetime import datetime

    from states import RemindHR, StepKey, StepRecorded, next_due

    # First sick day 23 February 2026: the probleemanalyse is due Sunday 5 April; its reminder falls
    # on Sunday 29 March, the day summer time starts: 09:00 local is 07:00 UTC, not 08:00.
    facts = opened(date(2026, 2, 23), at(2026, 2, 23, 8)).facts
    facts = decide(facts, ev(StepRecorded, at(2026, 2, 24), step=StepKey.arbodienst_report), at(2026, 2, 24)).facts
    utc_now = datetime(2026, 3, 2, 12, tzinfo=UTC)  # any aware time zone will do
    due = next_due(facts, utc_now)
    assert due == datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert due.astimezone(TZ).hour == 9
    assert not tick(facts, datetime(2026, 3, 29, 6, 59, tzinfo=UTC)).effects
    (reminder,) = of_type(tick(facts, due).effects, RemindHR)
    assert reminder.deadline_key == "probleemanalyse" and reminder.days_left == 7


def test_local_date_of_now_decides_the_day() -> None:
    from datetime import datetime

    from states import Refused

    # 23:30 UTC on 4 January is already 5 January in Amsterdam: the sick report is not in the future.
    decision = opened(date(2026, 1, 5), datetime(2026, 1, 4, 23, 30, tzinfo=UTC))
    assert decision.facts.phase == "ziekgemeld"
    import pytest

    with pytest.raises(Refused):
        opened(date(2026, 1, 5), datetime(2026, 1, 4, 22, 30, tzinfo=UTC))


def test_nothing_is_sent_twice_when_nothing_changed() -> None:
    facts, now = case_in("opbouw")
    assert tick(facts, now).effects == []
    assert tick(tick(facts, now + timedelta(minutes=1)).facts, now + timedelta(minutes=1)).effects == []
