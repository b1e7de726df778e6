"""Mail kept calm (issue 18): a manager who does not record a progress talk is reminded once, before
the coach is called in; the employee is not pulled into a driegesprek because a form was not filled
in (rules version 3). Before version 3 the coach and a driegesprek come at once."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from states import (
    CaseFacts,
    LoopInCoach,
    ProgressTalkHeld,
    SendSeries,
    SignalKind,
    TalkMood,
    decide,
    next_due,
    open_signals,
    tick,
)
from states.effects import RemindManagerToRecord
from tests.states.helpers import at, ev, of_type
from tests.states.versions import case_as


def _talk_signals(facts: CaseFacts) -> list[str]:
    return [s.key for s in open_signals(facts) if s.kind == SignalKind.talk_not_recorded]


def _build_up() -> tuple[CaseFacts, datetime]:
    """A v3 case in build-up, its progress talks every other Monday from 2 March 10:00 (two weeks
    after the therapeutic work began); the one of 2 March recorded, that of 16 March not. Its grace
    (3 working days) ends on Thursday 19 March."""
    facts, now = case_as(3, "opbouw")
    (series,) = [s for s in facts.series if s.kind == "progress_talk" and s.active]
    assert series.start == at(2026, 3, 2, 10)
    facts = tick(facts, at(2026, 3, 13, 12)).facts  # the talk of 2 March: recorded below
    talk = ev(ProgressTalkHeld, at(2026, 3, 3), actor="manager-1", went=TalkMood.good, on=date(2026, 3, 2))
    return decide(facts, talk, at(2026, 3, 13, 12)).facts, at(2026, 3, 13, 12)


@pytest.mark.parametrize("version", [2, 3])
def test_a_talk_not_recorded_reminds_the_manager_first(version: int) -> None:
    facts, now = case_as(version, "opbouw")
    talk = ev(ProgressTalkHeld, at(2026, 3, 3), actor="manager-1", went=TalkMood.good, on=date(2026, 3, 2))
    facts = decide(facts, talk, at(2026, 3, 13, 12)).facts
    assert next_due(facts, at(2026, 3, 13, 12)) <= at(2026, 3, 20, 9)
    decision = tick(facts, at(2026, 3, 20, 9))  # the talk of Monday 16 March, 3 working days on
    if version < 3:  # as found: the coach at once, and a driegesprek with the employee
        assert [e.signal.key for e in of_type(decision.effects, LoopInCoach)] == ["talk_not_recorded:2026-03-16"]
        assert len(decision.facts.driegesprekken) == 1
        return
    (reminder,) = of_type(decision.effects, RemindManagerToRecord)
    assert (reminder.occurrence, reminder.record_by, reminder.to) == (
        date(2026, 3, 16),
        date(2026, 3, 24),  # 3 more working days: Monday, Tuesday
        ("manager",),
    )
    assert reminder.key == "case-1:record_talk:2026-03-16"
    assert not of_type(decision.effects, LoopInCoach) and not _talk_signals(decision.facts)
    assert decision.facts.driegesprekken == []
    # Once: ticking again sends nothing more, and the case next wakes when the coach would be called.
    again = tick(decision.facts, at(2026, 3, 20, 15))
    assert not of_type(again.effects, RemindManagerToRecord)
    assert next_due(again.facts, at(2026, 3, 20, 15)) == at(2026, 3, 25, 9)


def test_a_talk_recorded_after_the_reminder_calls_nobody_in() -> None:
    facts, _ = _build_up()
    reminded = tick(facts, at(2026, 3, 20, 9))
    assert of_type(reminded.effects, RemindManagerToRecord)
    now = at(2026, 3, 23, 11)
    talk = ev(ProgressTalkHeld, now, actor="manager-1", went=TalkMood.mixed, on=date(2026, 3, 16))
    recorded = decide(reminded.facts, talk, now)
    later = tick(recorded.facts, at(2026, 3, 25, 9))
    assert not of_type(later.effects, LoopInCoach) and not _talk_signals(later.facts)


def test_still_not_recorded_the_coach_is_looped_in_without_a_driegesprek() -> None:
    facts, _ = _build_up()
    reminded = tick(facts, at(2026, 3, 20, 9))
    quiet = tick(reminded.facts, at(2026, 3, 25, 8, 59))
    assert not of_type(quiet.effects, LoopInCoach)
    late = tick(reminded.facts, at(2026, 3, 25, 9))
    (loop,) = of_type(late.effects, LoopInCoach)
    assert loop.signal.kind == SignalKind.talk_not_recorded and loop.to == ("coach", "casemanager")
    assert loop.signal.headline_nl == "Voortgangsgesprek niet vastgelegd"
    assert late.facts.driegesprekken == []  # a missing form is no reason for a three-way talk
    assert not [e for e in of_type(late.effects, SendSeries) if e.kind == "driegesprek"]
    assert not of_type(late.effects, RemindManagerToRecord)


def test_a_late_look_skips_the_reminder_that_came_too_late() -> None:
    """When the case is first looked at after the coach's moment (a worker down for days), the
    reminder is not sent afterwards: the coach is looped in, once."""
    facts, _ = _build_up()
    late = tick(facts, at(2026, 3, 26, 9))
    assert not of_type(late.effects, RemindManagerToRecord)
    assert [e.signal.key for e in of_type(late.effects, LoopInCoach)] == ["talk_not_recorded:2026-03-16"]


def test_a_real_signal_still_plans_a_driegesprek() -> None:
    from states import Relapse

    facts, _ = _build_up()
    now = at(2026, 3, 18)
    decision = decide(facts, ev(Relapse, now, hours_per_week=4), now)
    assert [e.signal.kind for e in of_type(decision.effects, LoopInCoach)] == [SignalKind.relapse]
    assert len(decision.facts.driegesprekken) == 1
    assert [e.kind for e in of_type(decision.effects, SendSeries)] == ["driegesprek"]


def test_the_reminder_and_the_facts_behind_it_survive_the_data_converter() -> None:
    from temporalio.contrib.pydantic import pydantic_data_converter

    converter = pydantic_data_converter.payload_converter
    facts, _ = _build_up()
    reminded = tick(facts, at(2026, 3, 20, 9))
    (reminder,) = of_type(reminded.effects, RemindManagerToRecord)
    for value, kind in ((reminder, RemindManagerToRecord), (reminded.facts, CaseFacts)):
        (payload,) = converter.to_payloads([value])
        (restored,) = converter.from_payloads([payload], [kind])
        assert restored == value
    assert tick(restored, at(2026, 3, 25, 9)) == tick(reminded.facts, at(2026, 3, 25, 9))
