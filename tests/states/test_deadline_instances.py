"""Finding 8 of issue 18: a reminder or overdue alert goes out once per deadline instance; a deadline
that moves after HR was told its date gives one "moved" notice, never a second alarm (rules version 3).
Versions 1 and 2 keep their behaviour (the same deadline mailed twice with different dates)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from states import (
    AlertHROverdue,
    CaseFacts,
    EerstejaarsevaluatieHeld,
    ProbleemanalyseReceived,
    Recovered,
    Relapse,
    RemindHR,
    decide,
    open_signals,
)
from states.effects import DeadlineMoved
from tests.states.helpers import at, ev, of_type, run_until
from tests.states.versions import case_as, opened_as


def _of_deadline(effects: list[Any], cls: type, key: str) -> list[Any]:
    return [effect for effect in of_type(effects, cls) if effect.deadline_key == key]


def _until(facts: CaseFacts, until: datetime, now: datetime) -> tuple[CaseFacts, list[Any]]:
    return run_until(facts, until, now)


@pytest.mark.parametrize("version", [2, 3])
def test_the_plan_van_aanpak_is_reminded_once_and_only_after_the_probleemanalyse(version: int) -> None:
    # Day 56 (1 March) is the plan's latest date while no probleemanalyse exists.
    facts, effects = _until(opened_as(version).facts, at(2026, 2, 23, 8), at(2026, 1, 5, 8))
    # The probleemanalyse arrives on 23 February, dated 10 February: the plan is due 14 days later.
    now = at(2026, 2, 23, 10)
    decision = decide(facts, ev(ProbleemanalyseReceived, now, on=date(2026, 2, 10)), now)
    effects += decision.effects
    facts, later = _until(decision.facts, at(2026, 2, 25, 12), now)
    effects += later
    reminders = [r.due for r in _of_deadline(effects, RemindHR, "plan_van_aanpak")]
    if version < 3:  # as found: "Herinnering: Plan van aanpak" twice, the first before any probleemanalyse
        assert reminders == [date(2026, 3, 1), date(2026, 2, 24)]
    else:
        assert reminders == [date(2026, 2, 24)]
        assert not of_type(effects, DeadlineMoved)  # HR was never told the first date
    assert _of_deadline(effects, AlertHROverdue, "plan_van_aanpak")  # late on the 25th either way


def _recovered_and_sick_again(version: int, recovered: date, sick_again: date) -> tuple[CaseFacts, list[Any]]:
    """A case with a plan signed 10 February (evaluation due 24 March) that recovers on ``recovered``
    and is sick again on ``sick_again`` (samentelling: every later deadline moves by the days worked)."""
    facts, now = case_as(version, "plan_van_aanpak")
    back = at(recovered.year, recovered.month, recovered.day, 10)
    facts, effects = _until(facts, back, now)
    decision = decide(facts, ev(Recovered, back, full=True, on=recovered), back)
    effects += decision.effects
    again = at(sick_again.year, sick_again.month, sick_again.day, 10)
    facts, later = _until(decision.facts, again, back)
    effects += later
    decision = decide(facts, ev(Relapse, again, on=sick_again), again)
    return decision.facts, effects + decision.effects


@pytest.mark.parametrize("version", [2, 3])
def test_a_reminded_deadline_that_moves_is_told_once_as_moved(version: int) -> None:
    # Reminded on 17 March of the evaluation due 24 March; back at work 18-24 March: due 31 March.
    facts, effects = _recovered_and_sick_again(version, date(2026, 3, 18), date(2026, 3, 25))
    facts, later = _until(facts, at(2026, 4, 10), at(2026, 3, 25, 10))
    effects += later
    reminders = [r.due for r in _of_deadline(effects, RemindHR, "evaluation")]
    alerts = [a.due for a in _of_deadline(effects, AlertHROverdue, "evaluation")]
    assert alerts == [date(2026, 3, 31)]  # one alert: the step is late at its new date
    if version < 3:
        assert reminders == [date(2026, 3, 24), date(2026, 3, 31)]
        assert not of_type(effects, DeadlineMoved)
        return
    assert reminders == [date(2026, 3, 24)]
    (moved,) = of_type(effects, DeadlineMoved)
    assert (moved.deadline_key, moved.was, moved.now_due, moved.overdue) == (
        "evaluation",
        date(2026, 3, 24),
        date(2026, 3, 31),
        False,
    )
    assert moved.to == ("casemanager",) and "2026-03-31" in moved.text_nl
    assert moved.key == "case-1:moved:evaluation:2026-02-10:1"


@pytest.mark.parametrize("version", [2, 3])
def test_an_overdue_deadline_that_moves_is_never_alerted_twice(version: int) -> None:
    """As found: "Te laat: Tweede spoor" twice, due 15 Nov and then 9 Nov. Here: while no
    eerstejaarsevaluatie is recorded, the second track is due 6 weeks after week 52 (14 February
    2027); recorded late, dated 28 December, it moves to 8 February: still past."""
    facts, now = case_as(version, "plan_van_aanpak")
    facts, effects = _until(facts, at(2027, 2, 16, 8), now)
    assert [a.due for a in _of_deadline(effects, AlertHROverdue, "tweede_spoor")] == [date(2027, 2, 14)]
    now = at(2027, 2, 16, 10)
    decision = decide(facts, ev(EerstejaarsevaluatieHeld, now, on=date(2026, 12, 28)), now)
    facts, later = _until(decision.facts, at(2027, 3, 1), now)
    effects += decision.effects + later
    alerts = [a.due for a in _of_deadline(effects, AlertHROverdue, "tweede_spoor")]
    if version < 3:
        assert alerts == [date(2027, 2, 14), date(2027, 2, 8)]
        assert not of_type(effects, DeadlineMoved)
        return
    assert alerts == [date(2027, 2, 14)]
    (moved,) = of_type(decision.effects, DeadlineMoved)
    assert (moved.deadline_key, moved.was, moved.now_due, moved.overdue) == (
        "tweede_spoor",
        date(2027, 2, 14),
        date(2027, 2, 8),
        True,
    )
    assert not [m for m in of_type(later, DeadlineMoved) if m.deadline_key == "tweede_spoor"]
    # Still late: the case page shows it with the new date, without a second message.
    (signal,) = [s for s in open_signals(facts) if s.key.startswith("deadline_overdue:tweede_spoor")]
    assert signal.key == "deadline_overdue:tweede_spoor"
    assert signal.evidence[0].on == date(2027, 2, 8) and "2027-02-08" in signal.text_nl


def test_an_alerted_deadline_that_moves_into_the_future_and_passes_again_is_shown_not_mailed() -> None:
    """Alerted, then moved later by samentelling (recovered and sick again within 4 weeks): HR is
    told the new date once; when it passes, the signal opens again on the case page, no mail."""
    facts, now = case_as(3, "plan_van_aanpak")  # evaluation due 24 March, alerted on the 25th
    facts, effects = _until(facts, at(2026, 3, 25, 10), now)
    assert [a.due for a in _of_deadline(effects, AlertHROverdue, "evaluation")] == [date(2026, 3, 24)]
    # Recovered from 23 March (recorded late), sick again 30 March: the evaluation moves to 31 March.
    now = at(2026, 3, 25, 11)
    facts = decide(facts, ev(Recovered, now, full=True, on=date(2026, 3, 23)), now).facts
    assert not [s for s in open_signals(facts) if s.kind == "deadline_overdue"]
    now = at(2026, 3, 30, 10)
    decision = decide(facts, ev(Relapse, now, on=date(2026, 3, 30)), now)
    (moved,) = [m for m in of_type(decision.effects, DeadlineMoved) if m.deadline_key == "evaluation"]
    assert (moved.was, moved.now_due, moved.overdue) == (date(2026, 3, 24), date(2026, 3, 31), False)
    assert not [s for s in open_signals(decision.facts) if "evaluation" in s.key]
    facts, later = _until(decision.facts, at(2026, 4, 3), now)
    assert not _of_deadline(later, AlertHROverdue, "evaluation") and not of_type(later, DeadlineMoved)
    (signal,) = [s for s in open_signals(facts) if "evaluation" in s.key]
    assert signal.evidence[0].on == date(2026, 3, 31)


def test_a_deadline_a_person_resolved_stays_resolved() -> None:
    from states import SignalResolved

    facts, now = case_as(3, "plan_van_aanpak")
    facts, _ = _until(facts, at(2026, 3, 25, 10), now)
    now = at(2026, 3, 25, 11)
    facts = decide(facts, ev(SignalResolved, now, signal_key="deadline_overdue:evaluation:2026-02-10"), now).facts
    facts, effects = _until(facts, at(2026, 4, 10), now)
    assert not [s for s in open_signals(facts) if "evaluation" in s.key]
    assert not _of_deadline(effects, AlertHROverdue, "evaluation")


def test_every_evaluation_is_its_own_instance() -> None:
    """The rolling evaluation: each evaluation (counted from the previous one) is reminded once."""
    from states import EvaluationHeld, EvaluationOutcome

    facts, now = case_as(3, "plan_van_aanpak")
    facts, effects = _until(facts, at(2026, 3, 20), now)
    held = at(2026, 3, 20, 10)
    decision = decide(facts, ev(EvaluationHeld, held, outcome=EvaluationOutcome.continue_plan), held)
    facts, later = _until(decision.facts, at(2026, 5, 1), held)
    reminders = [(r.key, r.due) for r in _of_deadline(effects + decision.effects + later, RemindHR, "evaluation")]
    assert reminders == [
        ("case-1:remind:evaluation:2026-02-10", date(2026, 3, 24)),
        ("case-1:remind:evaluation:2026-03-20", date(2026, 5, 1)),
    ]
    assert not of_type(effects + decision.effects + later, DeadlineMoved)


def test_the_moved_notice_and_what_was_told_survive_the_data_converter() -> None:
    from temporalio.contrib.pydantic import pydantic_data_converter

    converter = pydantic_data_converter.payload_converter
    facts, effects = _recovered_and_sick_again(3, date(2026, 3, 18), date(2026, 3, 25))
    (moved,) = of_type(effects, DeadlineMoved)
    assert facts.announced  # what HR was told, kept in the facts
    for value, kind in ((moved, DeadlineMoved), (facts, CaseFacts)):
        (payload,) = converter.to_payloads([value])
        (restored,) = converter.from_payloads([payload], [kind])
        assert restored == value


def test_a_case_follows_the_version_it_was_opened_with_from_its_first_effects() -> None:
    decision = opened_as(3)
    assert decision.facts.rules_version == 3
    (reminder,) = of_type(decision.effects, RemindHR)
    assert reminder.key == "case-1:remind:arbodienst_report"  # once per instance, from the start
    assert opened_as(1).facts.rules_version == 1


def test_no_version_3_call_changes_facts_handed_out_before() -> None:
    """What version 3 adds (what HR was told, moved notices, reminders to record a talk, a signal
    opened again, series extended) changes only the facts it returns, never those handed out before."""
    import copy

    from states import next_due, tick

    facts, now = case_as(3, "opbouw")
    handed_out = [(facts, copy.deepcopy(facts))]

    def keep(decision_facts: CaseFacts) -> CaseFacts:
        handed_out.append((decision_facts, copy.deepcopy(decision_facts)))
        return decision_facts

    def ticks(until: datetime) -> None:
        nonlocal facts, now
        for _ in range(300):
            due = next_due(facts, now)
            if due is None or due > until:
                return
            now = max(now, due)
            facts = keep(tick(facts, now).facts)

    ticks(at(2026, 3, 26, 12))  # the evaluation due 24 March alerted, a talk reminded
    now = at(2026, 3, 26, 12)
    facts = keep(decide(facts, ev(Recovered, now, full=True, on=date(2026, 3, 23)), now).facts)
    now = at(2026, 3, 30, 10)
    facts = keep(decide(facts, ev(Relapse, now, on=date(2026, 3, 30)), now).facts)  # moved: 31 March
    ticks(at(2026, 7, 1))  # overdue again (its signal opens again), check-ins extended
    assert any(s.key == "deadline_overdue:evaluation:2026-02-10" and s.is_open for s in facts.signals)
    assert [a.told for a in facts.announced if a.instance == "evaluation:2026-02-10"] == [
        "reminder",
        "overdue",
        "moved",
    ]
    assert any(s.kind == "checkin" and s.sequence > 0 and s.active for s in facts.series)
    assert any(key.startswith("record_talk:") for key in facts.emitted)
    for handed, snapshot in handed_out:
        assert handed == snapshot
