"""What the work queue is told of a case (workflows.work_items), from the rules' facts alone: the steps
with who records them, a progress talk to record once its day has come and until it is recorded, the
signals without the overdue deadline's double, and the RIV's gaps with the form that fills each."""

from __future__ import annotations

from datetime import date, datetime

from states import (
    DriegesprekHeld,
    HoursReported,
    ProgressTalkHeld,
    SendSeries,
    TalkMood,
    decide,
    open_signals,
    tick,
    upcoming_deadlines,
)
from states.facts import CaseFacts
from tests.states.helpers import at, case_in, ev, of_type
from tests.states.riv_cases import started
from tests.states.test_signals import build_up
from workflows.work_items import CaseWork, case_work


def _work(facts: CaseFacts, now: datetime, *, coach: bool = False) -> CaseWork:
    return case_work(facts, upcoming_deadlines(facts, now), open_signals(facts), now, has_coach=coach)


def test_steps_name_who_records_them_and_the_case_row_its_next_step() -> None:
    facts, now = case_in("ziekgemeld", rules_version=3)
    work = _work(facts, now)
    steps = {item.key: item for item in work.items if item.kind == "step"}
    assert steps["probleemanalyse"].command == "probleemanalyse_received"
    assert steps["probleemanalyse"].actor_role == "hr" and steps["probleemanalyse"].label_nl == "Probleemanalyse"
    assert "end_of_wage_continuation" not in steps  # a date, not a step anyone takes
    first = upcoming_deadlines(facts, now)[0]
    assert (work.next_step, work.next_step_label_nl) == (first.key, steps[first.key].label_nl)
    assert work.open_signals == 0


def test_a_progress_talk_is_to_record_from_its_day_until_it_is_recorded() -> None:
    facts, _ = case_in("opbouw", rules_version=3)  # progress talks every other Monday from 2 March
    facts = tick(facts, at(2026, 3, 3, 12)).facts
    (talk,) = [item for item in _work(facts, at(2026, 3, 3, 12)).items if item.kind == "talk"]
    assert (talk.due, talk.command, talk.actor_role) == (date(2026, 3, 2), "progress_talk_held", "manager")
    recorded = ev(ProgressTalkHeld, at(2026, 3, 3, 13), actor="manager-1", went=TalkMood.good, on=date(2026, 3, 2))
    facts = decide(facts, recorded, at(2026, 3, 3, 13)).facts
    (talk,) = [item for item in _work(facts, at(2026, 3, 3, 13)).items if item.kind == "talk"]
    assert talk.due == date(2026, 3, 16)  # the next one: the queue shows it once its day has come


def test_signals_go_to_the_coach_when_there_is_one_and_riv_gaps_to_hr_with_their_form() -> None:
    story = started()
    story.until(story.week(80), 10)
    facts, now = story.facts, story.now
    signals = open_signals(facts)
    work = _work(facts, now, coach=True)
    assert work.open_signals == len(signals)
    gaps = {item.key: item for item in work.items if item.kind == "riv_gap"}
    assert gaps["riv_gap:eerstejaarsevaluatie"].command == "eerstejaarsevaluatie_held"
    assert gaps["riv_gap:eerstejaarsevaluatie"].actor_role == "hr"
    assert gaps["riv_gap:eerstejaarsevaluatie"].label_nl == "RIV: eerstejaarsevaluatie ontbreekt"
    assert not [item for item in work.items if item.key.startswith("deadline_overdue")]
    for item in work.items:
        if item.kind == "signal":
            assert item.actor_role == "coach" and item.command == "signal_resolved"


def test_a_planned_driegesprek_is_for_the_coach_to_record_until_it_is_held() -> None:
    facts, now = build_up([(date(2026, 3, 2), 8)])
    facts = decide(facts, ev(HoursReported, now, week_of=date(2026, 3, 2), hours=8), at(2026, 3, 9)).facts
    looped = tick(facts, at(2026, 3, 30, 9))  # the build-up stalled: the coach is looped in, a driegesprek planned
    (planned,) = [e for e in of_type(looped.effects, SendSeries) if e.kind == "driegesprek"]
    (item,) = [i for i in _work(looped.facts, at(2026, 3, 30, 9), coach=True).items if i.command == "driegesprek_held"]
    assert (item.kind, item.actor_role, item.due) == ("talk", "coach", planned.start.date())
    assert item.label_nl == "Driegesprek vastleggen"
    held = decide(looped.facts, ev(DriegesprekHeld, planned.start), planned.start).facts
    left = [i for i in _work(held, planned.start, coach=True).items if i.command == "driegesprek_held"]
    assert item.key not in {i.key for i in left}, "held: no longer to record"
    # the build-up is still stalled, so the rules plan the next driegesprek: that one is to record
    assert [i.due for i in left] == [s.start.date() for s in held.series if s.active and s.kind == "driegesprek"]
