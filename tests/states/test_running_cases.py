"""A running case brought in with its history (issue 21): the steps done are history, without alarms;
the steps not done and overdue alarm as in any case; the first alarm after the import is for the next
step not done (states.running)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from states import (
    RULES_VERSION,
    AlertHROverdue,
    CaseOpened,
    EvaluationHeld,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    ProbleemanalyseReceived,
    Recovered,
    RemindHR,
    SendSeries,
    StepRecorded,
    open_case,
    upcoming_deadlines,
)
from states.kinds import EvaluationOutcome, StepKey
from states.running import HistoryRefused, open_running_case
from states.timeline import SickPeriod
from tests.states.helpers import at, of_type, run_until

FIRST_SICK_DAY = date(2026, 1, 12)
NOW = at(2026, 8, 3, 10)  # week 30 of the case


def _intake(**fields: object) -> CaseOpened:
    return CaseOpened(
        actor="hr-1",
        at=NOW,
        case_id="case-running",
        first_sick_day=FIRST_SICK_DAY,
        contract_hours_per_week=36.0,
        **fields,  # type: ignore[arg-type]
    )


def _week(weeks: int, days: int = 0) -> date:
    return FIRST_SICK_DAY + timedelta(weeks=weeks, days=days)


def _done(**extra: object) -> list[object]:
    """Everything due by week 30 done, each on its own day in the past."""
    return [
        ProbleemanalyseReceived(actor="hr-1", at=NOW, on=_week(5)),
        StepRecorded(actor="hr-1", at=NOW, on=_week(0, 5), step=StepKey.arbodienst_report),
        PlanVanAanpakSigned(actor="hr-1", at=NOW, on=_week(7), plan=PlanVanAanpak(hours_per_week=0.0)),
        EvaluationHeld(actor="hr-1", at=NOW, on=_week(12), outcome=EvaluationOutcome.continue_plan),
        EvaluationHeld(actor="hr-1", at=NOW, on=_week(18), outcome=EvaluationOutcome.continue_plan),
        EvaluationHeld(actor="hr-1", at=NOW, on=_week(24), outcome=EvaluationOutcome.continue_plan),
        EvaluationHeld(actor="hr-1", at=NOW, on=_week(28, 4), outcome=EvaluationOutcome.continue_plan),
    ]


def test_the_steps_done_raise_no_alarm_where_a_plain_opening_would() -> None:
    plain = open_case(_intake(), NOW, rules_version=RULES_VERSION)
    assert {e.deadline_key for e in of_type(plain.effects, AlertHROverdue)} == {
        "arbodienst_report",
        "probleemanalyse",
        "plan_van_aanpak",
    }, "opened without its history, the same case alarms for the steps it did"

    decision = open_running_case(_intake(), _done(), NOW, rules_version=RULES_VERSION)  # type: ignore[arg-type]

    assert of_type(decision.effects, AlertHROverdue) == []
    assert of_type(decision.effects, RemindHR) == []
    assert [s.kind for s in of_type(decision.effects, SendSeries)] == ["checkin", "evaluation"]
    facts = decision.facts
    assert facts.phase == "plan_van_aanpak"
    assert facts.probleemanalyse_on == _week(5) and facts.plan_signed_on == _week(7)
    assert [e.on for e in facts.evaluations] == [_week(12), _week(18), _week(24), _week(28, 4)]
    assert not [s for s in facts.signals if s.is_open]
    assert not any(item.overdue for item in upcoming_deadlines(facts, NOW))


def test_the_first_alarm_after_the_import_is_for_the_next_step_not_done() -> None:
    decision = open_running_case(_intake(), _done(), NOW, rules_version=RULES_VERSION)  # type: ignore[arg-type]
    facts, effects = run_until(decision.facts, NOW + timedelta(weeks=5), NOW)
    alarms = [e for e in effects if isinstance(e, (RemindHR, AlertHROverdue))]
    assert alarms, "the next step not done is reminded of"
    first = alarms[0]
    assert isinstance(first, RemindHR) and first.deadline_key == "evaluation"
    assert first.due == _week(28, 4) + timedelta(weeks=6)  # six weeks after the last evaluation
    assert {a.deadline_key for a in alarms} <= {"evaluation"}  # no step done ever alarms


def test_a_step_not_done_and_overdue_alarms_at_once() -> None:
    history = [h for h in _done() if not isinstance(h, StepRecorded)]  # no report to the arbodienst
    decision = open_running_case(_intake(), history, NOW, rules_version=RULES_VERSION)  # type: ignore[arg-type]
    (alert,) = of_type(decision.effects, AlertHROverdue)
    assert alert.deadline_key == "arbodienst_report"
    assert alert.days_overdue > 0


def test_earlier_periods_count_with_the_case() -> None:
    earlier = [SickPeriod(start=date(2025, 12, 1), end=date(2025, 12, 31))]  # 11 days before: samentelling
    decision = open_running_case(_intake(earlier_periods=earlier), _done(), NOW, rules_version=RULES_VERSION)  # type: ignore[arg-type]
    assert decision.facts.periods[0].start == date(2025, 12, 1)
    plain = open_running_case(_intake(), _done(), NOW, rules_version=RULES_VERSION)  # type: ignore[arg-type]
    wage_end = [d for d in upcoming_deadlines(decision.facts, NOW) if d.key == "end_of_wage_continuation"]
    plain_end = [d for d in upcoming_deadlines(plain.facts, NOW) if d.key == "end_of_wage_continuation"]
    assert wage_end[0].due < plain_end[0].due  # the earlier period uses up part of the 104 weeks


@pytest.mark.parametrize(
    ("history", "index", "code"),
    [
        # a plan signed before its probleemanalyse: the plan (index 1) is named
        (
            [
                ProbleemanalyseReceived(actor="hr-1", at=NOW, on=_week(8)),
                PlanVanAanpakSigned(actor="hr-1", at=NOW, on=_week(7), plan=PlanVanAanpak(hours_per_week=0.0)),
            ],
            1,
            "plan_before_probleemanalyse",
        ),
        ([ProbleemanalyseReceived(actor="hr-1", at=NOW, on=NOW.date() + timedelta(days=3))], 0, "date_in_future"),
        ([ProbleemanalyseReceived(actor="hr-1", at=NOW, on=FIRST_SICK_DAY - timedelta(days=1))], 0, None),
    ],
)
def test_a_step_the_rules_refuse_is_named(history: list[object], index: int, code: str | None) -> None:
    with pytest.raises(HistoryRefused) as refused:
        open_running_case(_intake(), history, NOW, rules_version=RULES_VERSION)  # type: ignore[arg-type]
    assert refused.value.index == index
    if code is not None:
        assert refused.value.code == code
    assert refused.value.reason_nl and refused.value.reason_en


def test_only_the_steps_of_the_process_are_history() -> None:
    with pytest.raises(TypeError):
        open_running_case(_intake(), [Recovered(actor="hr-1", at=NOW, on=_week(3))], NOW)  # type: ignore[list-item]


def test_the_same_import_decides_the_same() -> None:
    first = open_running_case(_intake(), _done(), NOW, rules_version=RULES_VERSION)  # type: ignore[arg-type]
    again = open_running_case(_intake(), list(reversed(_done())), NOW, rules_version=RULES_VERSION)  # type: ignore[arg-type]
    assert first.effects == again.effects
    assert first.facts.evaluations == again.facts.evaluations
