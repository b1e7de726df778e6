"""Each stagnation signal firing and not firing, with its evidence."""

from datetime import date, datetime, timedelta

import pytest

from states import (
    AlertHROverdue,
    BuildUpResumed,
    BuildUpStarted,
    BuildUpStep,
    CancelSeries,
    CaseFacts,
    ComplaintsReported,
    DriegesprekHeld,
    EmployeeFeedback,
    HoursReported,
    LoopInCoach,
    Pace,
    PauseBuildUp,
    ProgressTalkHeld,
    Refused,
    Relapse,
    SendSeries,
    SignalResolved,
    StepKey,
    StepRecorded,
    TalkMood,
    decide,
    next_due,
    open_signals,
    tick,
)
from tests.states.helpers import at, case_in, ev, of_type, opened, run_until


def build_up(schedule: list[tuple[date, float]]) -> tuple[CaseFacts, datetime]:
    """A case in opbouw from the first step on (plan signed 10 February 2026)."""
    facts, _ = case_in("plan_van_aanpak")
    now = at(2026, 3, 2, 8)
    facts = decide(facts, ev(StepRecorded, now, step=StepKey.arbodienst_report, on=date(2026, 1, 6)), now).facts
    assert not open_signals(facts)
    steps = [BuildUpStep(from_date=day, hours_per_week=hours) for day, hours in schedule]
    return decide(facts, ev(BuildUpStarted, now, schedule=steps), now).facts, now


def raised(facts: CaseFacts, kind: str) -> list[str]:
    return [s.key for s in facts.signals if s.kind == kind]


def coach_keys(effects: list) -> list[str]:
    return [e.signal.key for e in of_type(effects, LoopInCoach)]


# --------------------------------------------------------------------------- hours not increased


def test_flat_build_up_fires_after_four_weeks_with_evidence() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    assert not raised(facts, "hours_not_increased")
    facts = decide(facts, ev(HoursReported, now, week_of=date(2026, 3, 2), hours=8), at(2026, 3, 9)).facts
    assert not raised(tick(facts, at(2026, 3, 30, 8, 59)).facts, "hours_not_increased")
    decision = tick(facts, at(2026, 3, 30, 9))
    assert "hours_not_increased:2026-03-02" in coach_keys(decision.effects)
    (signal,) = [s for s in open_signals(decision.facts) if s.kind == "hours_not_increased"]
    assert signal.since == date(2026, 3, 2)
    facts_shown = {(e.fact, e.value, e.on) for e in signal.evidence}
    assert ("hours_reported", "8", date(2026, 3, 2)) in facts_shown
    assert ("hours_agreed", "8", date(2026, 3, 23)) in facts_shown
    assert of_type(decision.effects, SendSeries)[0].kind == "driegesprek"  # the coach's three-way talk


def test_a_driegesprek_held_on_its_day_stays_in_the_calendars_and_one_held_early_is_cancelled() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    facts = decide(facts, ev(HoursReported, now, week_of=date(2026, 3, 2), hours=8), at(2026, 3, 9)).facts
    looped = tick(facts, at(2026, 3, 30, 9))
    (talk,) = [e for e in of_type(looped.effects, SendSeries) if e.kind == "driegesprek"]
    on_the_day = talk.start - timedelta(hours=1)
    held = decide(looped.facts, ev(DriegesprekHeld, on_the_day), on_the_day)
    assert of_type(held.effects, CancelSeries) == []
    day_before = talk.start - timedelta(days=1)
    early = decide(looped.facts, ev(DriegesprekHeld, day_before), day_before)
    assert [e.kind for e in of_type(early.effects, CancelSeries)] == ["driegesprek"]


def test_increasing_build_up_does_not_fire() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8), (date(2026, 3, 16), 12), (date(2026, 3, 30), 16)])
    facts, effects = run_until(facts, at(2026, 4, 26), now)
    assert not raised(facts, "hours_not_increased")
    facts, effects = run_until(facts, at(2026, 4, 27, 9), at(2026, 4, 26))
    assert raised(facts, "hours_not_increased") == ["hours_not_increased:2026-03-30"]


def test_a_paused_build_up_is_not_stagnation() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    facts = decide(facts, ev(ComplaintsReported, now, lasting_days=7), now).facts
    facts, _ = run_until(facts, at(2026, 4, 30), now)
    assert not raised(facts, "hours_not_increased")


# ------------------------------------------------------------------------------- hours decreasing


def test_hours_going_down_fires_and_back_up_resolves() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8), (date(2026, 3, 16), 12)])
    for week, hours in [(date(2026, 3, 2), 8), (date(2026, 3, 9), 8), (date(2026, 3, 16), 12)]:
        facts = decide(facts, ev(HoursReported, now, week_of=week, hours=hours), at(2026, 3, 22)).facts
    assert not raised(facts, "hours_decreasing")
    decision = decide(facts, ev(HoursReported, now, week_of=date(2026, 3, 23), hours=9), at(2026, 3, 29))
    assert coach_keys(decision.effects) == ["hours_decreasing:2026-03-23"]
    (signal,) = [s for s in open_signals(decision.facts) if s.kind == "hours_decreasing"]
    assert [(e.value, e.on) for e in signal.evidence] == [("12", date(2026, 3, 16)), ("9", date(2026, 3, 23))]
    back = decide(decision.facts, ev(HoursReported, now, week_of=date(2026, 3, 30), hours=12), at(2026, 4, 5))
    assert not [s for s in open_signals(back.facts) if s.kind == "hours_decreasing"]


# ------------------------------------------------------------------------------ complaints lasting


@pytest.mark.parametrize(("days", "fires"), [(6, False), (7, True), (14, True)])
def test_complaints_lasting_a_week_pause_the_build_up(days: int, fires: bool) -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    decision = decide(facts, ev(ComplaintsReported, now, actor="employee-1", lasting_days=days), now)
    assert bool(of_type(decision.effects, PauseBuildUp)) is fires
    assert bool(raised(decision.facts, "complaints_lasting")) is fires
    if not fires:
        return
    more = [BuildUpStep(from_date=date(2026, 3, 9), hours_per_week=12)]
    with pytest.raises(Refused) as refused:
        decide(decision.facts, ev(BuildUpStarted, now, schedule=more), now)
    assert refused.value.code == "build_up_paused"
    resumed = decide(decision.facts, ev(BuildUpResumed, now), now)
    assert not open_signals(resumed.facts)
    decide(resumed.facts, ev(BuildUpStarted, now, schedule=more), now)  # allowed again


def test_complaints_while_not_working_do_not_pause() -> None:
    facts, now = case_in("plan_van_aanpak")
    decision = decide(facts, ev(ComplaintsReported, now, lasting_days=10), now)
    assert not of_type(decision.effects, PauseBuildUp)
    assert not raised(decision.facts, "complaints_lasting")


# ------------------------------------------------------------------------------- talk not recorded


def test_progress_talk_not_recorded_within_three_working_days() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    (series,) = [s for s in facts.series if s.kind == "progress_talk" and s.active]
    assert series.start == at(2026, 3, 16, 10)  # two weeks after the first day back, Monday 10:00
    assert next_due(facts, now) <= at(2026, 3, 20, 9)
    quiet = tick(facts, at(2026, 3, 19, 23))
    assert not raised(quiet.facts, "talk_not_recorded")
    late = tick(facts, at(2026, 3, 20, 9))  # Mon 16 + 3 working days = Thu 19; signal on Friday
    assert coach_keys(late.effects) == ["talk_not_recorded:2026-03-16"]
    recorded = decide(
        late.facts,
        ev(ProgressTalkHeld, at(2026, 3, 20, 10), actor="manager-1", went=TalkMood.mixed, on=date(2026, 3, 16)),
        at(2026, 3, 20, 10),
    )
    assert not raised(recorded.facts, "talk_not_recorded") or not open_signals(recorded.facts)


def test_progress_talk_recorded_in_time_gives_no_signal() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    talk = ev(ProgressTalkHeld, at(2026, 3, 17), actor="manager-1", went=TalkMood.good, summary="goed")
    facts = decide(facts, talk, at(2026, 3, 17)).facts
    assert not raised(tick(facts, at(2026, 3, 20, 9)).facts, "talk_not_recorded")


def test_working_days_count_over_holidays() -> None:
    # Occurrence Monday 4 May 2026: 5 May is a holiday, so the grace runs to Friday 8 May.
    facts, _ = case_in("plan_van_aanpak")
    now = at(2026, 4, 20, 8)
    facts = decide(
        facts, ev(BuildUpStarted, now, schedule=[BuildUpStep(from_date=date(2026, 4, 20), hours_per_week=8)]), now
    ).facts
    assert not raised(tick(facts, at(2026, 5, 8, 12)).facts, "talk_not_recorded")
    assert raised(tick(facts, at(2026, 5, 9, 9)).facts, "talk_not_recorded") == ["talk_not_recorded:2026-05-04"]


# -------------------------------------------------------------------------------- deadline overdue


def test_deadline_overdue_alerts_hr_not_the_coach() -> None:
    facts = opened().facts
    decision = tick(facts, at(2026, 1, 12, 9))
    (alert,) = of_type(decision.effects, AlertHROverdue)
    assert alert.deadline_key == "arbodienst_report" and alert.days_overdue == 1
    assert not of_type(decision.effects, LoopInCoach)
    done = decide(
        decision.facts, ev(StepRecorded, at(2026, 1, 12, 10), step=StepKey.arbodienst_report), at(2026, 1, 12, 10)
    )
    assert not open_signals(done.facts)


def test_a_step_in_time_gives_no_alert() -> None:
    facts = opened().facts
    facts = decide(facts, ev(StepRecorded, at(2026, 1, 8), step=StepKey.arbodienst_report), at(2026, 1, 8)).facts
    assert not of_type(tick(facts, at(2026, 1, 12, 9)).effects, AlertHROverdue)


# ------------------------------------------------------------------------- pace wrong and conflict


@pytest.mark.parametrize(("pace", "fires"), [(Pace.ok, False), (Pace.too_fast, True), (Pace.too_slow, True)])
def test_pace_wrong(pace: Pace, fires: bool) -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    decision = decide(facts, ev(EmployeeFeedback, now, actor="employee-1", pace=pace), now)
    assert bool(coach_keys(decision.effects)) is fires
    if fires:
        (signal,) = open_signals(decision.facts)
        assert signal.kind == "pace_wrong" and signal.evidence[0].value == str(pace)
        ok = decide(decision.facts, ev(EmployeeFeedback, now, pace=Pace.ok), now)
        assert not open_signals(ok.facts)


@pytest.mark.parametrize("conflict", [False, True])
def test_conflict_at_work(conflict: bool) -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    talk = ev(ProgressTalkHeld, now, went=TalkMood.difficult, conflict_at_work=conflict)
    decision = decide(facts, talk, now)
    assert coach_keys(decision.effects) == (["conflict_at_work:2026-03-02"] if conflict else [])


# ---------------------------------------------------------------------------------------- relapse


def test_relapse_fires_and_a_new_schedule_answers_it() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8), (date(2026, 3, 9), 12)])
    later = at(2026, 3, 12)
    decision = decide(facts, ev(Relapse, later, hours_per_week=6), later)
    assert coach_keys(decision.effects) == ["relapse:2026-03-12:0"]
    schedule = [BuildUpStep(from_date=date(2026, 3, 16), hours_per_week=6)]
    answered = decide(decision.facts, ev(BuildUpStarted, later, schedule=schedule), later)
    assert not [s for s in open_signals(answered.facts) if s.kind == "relapse"]


def test_no_relapse_no_signal() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    assert not open_signals(facts)


# ------------------------------------------------------------------------------ manual resolution


def test_a_signal_resolved_by_hand_does_not_come_back() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    facts = decide(facts, ev(EmployeeFeedback, now, pace=Pace.too_slow), now).facts
    (signal,) = open_signals(facts)
    facts = decide(facts, ev(SignalResolved, now, actor="coach-1", signal_key=signal.key, note="besproken"), now).facts
    assert not open_signals(facts)
    assert not open_signals(tick(facts, now + timedelta(days=1)).facts)
    assert next(s for s in facts.signals if s.key == signal.key).resolution == "besproken"
