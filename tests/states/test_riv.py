"""The RIV check (states.riv): every part present in a complete two-year case, each gap named with
what to do, parts not yet due "to_come", and the same check from the dates of an older case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from states import (
    DossierPart,
    EerstejaarsevaluatieHeld,
    EvaluationHeld,
    EvaluationOutcome,
    Recovered,
    Relapse,
    RivCheck,
    RivItem,
    StepKey,
    StepRecorded,
    TweedeSpoorStarted,
    riv_check,
)
from states.riv import gap_headline
from tests.states.riv_cases import Story, complete_case, evaluate, started

ALL_KEYS = [
    "probleemanalyse",
    "plan_van_aanpak",
    "evaluations",
    "eerstejaarsevaluatie",
    "melding_42e_week",
    "tweede_spoor",
    "actueel_oordeel",
    "eindevaluatie",
    "mening_werknemer",
]
COMMANDS = {
    "probleemanalyse": "probleemanalyse_received",
    "plan_van_aanpak": "plan_van_aanpak_signed",
    "evaluations": "evaluation_held",
    "eerstejaarsevaluatie": "eerstejaarsevaluatie_held",
    "melding_42e_week": "step_recorded",
    "tweede_spoor": "tweede_spoor_started",
    "actueel_oordeel": "step_recorded",
    "eindevaluatie": "eindevaluatie_held",
    "mening_werknemer": "employee_view_given",
}


def items(check: RivCheck) -> dict[str, RivItem]:
    return {item.key: item for item in check.items}


def assert_plain_words(item: RivItem) -> None:
    """What a person reads: no keys, no fact=value."""
    for text in (item.text_nl, item.text_en):
        assert text and "=" not in text and "_" not in text, text


def test_a_complete_two_year_case_is_present_everywhere() -> None:
    story = complete_case()
    check = riv_check(story.facts, story.now)
    assert [item.key for item in check.items] == ALL_KEYS
    assert {item.key: item.status for item in check.items} == dict.fromkeys(ALL_KEYS, "present")
    assert check.complete and check.gaps == ()
    assert {item.key: item.command for item in check.items} == COMMANDS
    parts = [item.part for item in check.items]
    assert parts == sorted(parts, key=list(DossierPart).index)  # in the order of the RIV
    found = items(check)
    assert found["melding_42e_week"].done_on == story.week(43)
    assert "UWV-42-0001" in found["melding_42e_week"].text_nl
    assert found["evaluations"].done_on == story.week(91)
    assert found["tweede_spoor"].done_on == story.week(49)
    for item in check.items:
        assert_plain_words(item)


def test_before_anything_is_due_every_part_is_to_come_and_nothing_is_a_gap() -> None:
    story = Story()
    story.until(story.week(2))
    check = riv_check(story.facts, story.now)
    assert {item.status for item in check.items} == {"to_come"}
    assert check.complete  # nothing is missing yet
    found = items(check)
    assert found["probleemanalyse"].due == story.week(6, 7)
    assert found["eerstejaarsevaluatie"].due == story.week(52, 7)
    assert "week 46 tot 52" in found["eerstejaarsevaluatie"].text_nl


def test_in_week_30_only_what_was_due_counts() -> None:
    story = started()
    evaluate(story, range(11, 30, 5))
    check = riv_check(story.facts, story.moment(story.week(30)))
    statuses = {item.key: item.status for item in check.items}
    assert statuses == {
        "probleemanalyse": "present",
        "plan_van_aanpak": "present",
        "evaluations": "present",
        "eerstejaarsevaluatie": "to_come",
        "melding_42e_week": "to_come",
        "tweede_spoor": "to_come",
        "actueel_oordeel": "to_come",
        "eindevaluatie": "to_come",
        "mening_werknemer": "to_come",
    }
    assert check.complete
    assert items(check)["evaluations"].due == story.week(26) + timedelta(days=42)  # the next one


def test_a_case_with_gaps_names_each_missing_part_and_what_to_do() -> None:
    story = started()
    story.until(story.week(92))
    check = riv_check(story.facts, story.now)
    plan_day = story.week(6).isoformat()
    missing = {item.key for item in check.items if item.status == "missing"}
    assert missing == {
        f"evaluation_gap:{plan_day}",
        "eerstejaarsevaluatie",
        "melding_42e_week",
        "tweede_spoor",
        "actueel_oordeel",
        "eindevaluatie",
        "mening_werknemer",
    }
    assert not check.complete and {item.key for item in check.gaps} == missing
    found = items(check)
    assert "evaluations" not in found  # the gap stands for the evaluations
    assert found["probleemanalyse"].status == found["plan_van_aanpak"].status == "present"
    assert found["actueel_oordeel"].text_nl.startswith("Het actueel oordeel van de bedrijfsarts ontbreekt")
    assert "Vraag het op bij de bedrijfsarts" in found["actueel_oordeel"].text_nl
    assert "Ask the bedrijfsarts" in found["actueel_oordeel"].text_en
    assert "mening" in found["mening_werknemer"].text_nl and "view" in found["mening_werknemer"].text_en
    assert found[f"evaluation_gap:{plan_day}"].command == "evaluation_held"
    for item in check.gaps:
        assert_plain_words(item)
        assert item.command == COMMANDS.get(item.key, "evaluation_held")
    assert gap_headline(found["actueel_oordeel"]) == (
        "RIV: actueel oordeel ontbreekt",
        "RIV: current judgement missing",
    )


def test_an_evaluation_more_than_six_weeks_after_the_last_is_a_gap_of_its_own() -> None:
    story = started()
    evaluate(story, range(11, 12))  # five weeks after the plan: in time
    story.do(EvaluationHeld, story.week(20), outcome=EvaluationOutcome.continue_plan)  # nine weeks later
    evaluate(story, range(25, 30, 4))
    check = riv_check(story.facts, story.moment(story.week(30)))
    gap_from = story.week(11)
    (gap,) = check.gaps
    assert gap.key == f"evaluation_gap:{gap_from.isoformat()}" and gap.part == DossierPart.gespreksverslag
    assert gap.status == "late" and gap.done_on == story.week(20) and gap.due == gap_from + timedelta(days=42)
    assert "meer dan 6 weken" in gap.text_nl and "more than 6 weeks" in gap.text_en
    assert gap_headline(gap) == (
        "RIV: meer dan 6 weken zonder evaluatie",
        "RIV: more than 6 weeks without an evaluation",
    )
    assert not check.complete


def test_an_evaluation_still_missing_is_a_gap_from_the_last_one_until_it_is_held() -> None:
    story = started()
    evaluate(story, range(11, 12))
    last = story.week(11)
    in_time = riv_check(story.facts, story.moment(last + timedelta(days=42)))
    assert in_time.complete and items(in_time)["evaluations"].due == last + timedelta(days=42)
    overdue = riv_check(story.facts, story.moment(last + timedelta(days=43)))
    (gap,) = overdue.gaps
    assert gap.key == f"evaluation_gap:{last.isoformat()}" and gap.status == "missing" and gap.done_on is None
    assert "zo snel mogelijk" in gap.text_nl


def test_days_back_at_work_do_not_count_in_the_six_weeks() -> None:
    """Samentelling: recovered for three weeks and sick again, the evaluation rhythm counts sick days."""
    story = started()
    evaluate(story, range(11, 12))
    last = story.week(11)
    story.do(Recovered, last + timedelta(weeks=2), full=True)
    story.do(Relapse, last + timedelta(weeks=5))  # back at work for three weeks: the case goes on
    # eight weeks after the last evaluation, five of them sick: in time
    story.do(EvaluationHeld, last + timedelta(weeks=8), outcome=EvaluationOutcome.continue_plan)
    check = riv_check(story.facts, story.now)
    assert [item.key for item in check.items if item.part == DossierPart.gespreksverslag] == ["evaluations"]
    # the next is due six weeks after this one (sick weeks all: nothing to skip)
    assert items(check)["evaluations"].due == last + timedelta(weeks=14)


def test_the_eerstejaarsevaluatie_after_week_52_is_late() -> None:
    story = started()
    story.do(EerstejaarsevaluatieHeld, story.week(54), reason="besluit: tweede spoor")
    story.do(TweedeSpoorStarted, story.week(55))
    check = riv_check(story.facts, story.now)
    eje = items(check)["eerstejaarsevaluatie"]
    assert eje.status == "late" and eje.is_gap and eje.done_on == story.week(54) and eje.due == story.week(52, 7)
    assert "na week 52" in eje.text_nl and "after week 52" in eje.text_en
    assert items(check)["tweede_spoor"].status == "present"  # 6 weeks after the (late) evaluation


def test_the_second_track_started_late_without_a_reason_is_a_gap() -> None:
    story = started()
    story.do(EerstejaarsevaluatieHeld, story.week(48), reason="geen terugkeer verwacht")
    story.do(TweedeSpoorStarted, story.week(56))  # 8 weeks after it
    second = items(riv_check(story.facts, story.now))["tweede_spoor"]
    assert second.status == "late" and second.is_gap and second.done_on == story.week(56)
    assert second.due == story.week(48) + timedelta(days=42)
    assert "na de termijn" in second.text_nl and "Explain why" in second.text_en


def test_a_structural_return_expected_with_its_reason_lets_the_second_track_wait_13_weeks() -> None:
    story = started()
    story.do(
        EerstejaarsevaluatieHeld,
        story.week(48),
        structural_return_expected=True,
        reason="terugkeer in eigen werk op 32 uur verwacht",
    )
    eje_day = story.week(48)
    waiting = items(riv_check(story.facts, story.moment(story.week(56))))["tweede_spoor"]
    assert waiting.status == "present" and waiting.done_on == eje_day
    assert waiting.due == eje_day + timedelta(weeks=13)
    assert "structurele terugkeer" in waiting.text_nl
    after = items(riv_check(story.facts, story.moment(eje_day + timedelta(weeks=13, days=1))))["tweede_spoor"]
    assert after.status == "missing" and after.is_gap


def test_a_structural_return_expected_without_a_reason_keeps_the_six_weeks() -> None:
    story = started()
    story.do(EerstejaarsevaluatieHeld, story.week(48), structural_return_expected=True)
    second = items(riv_check(story.facts, story.moment(story.week(55))))["tweede_spoor"]
    assert second.status == "missing" and second.due == story.week(48) + timedelta(days=42)
    assert "zonder reden" in second.text_nl and "no reason" in second.text_en


def test_a_late_step_with_its_reason_recorded_is_late_but_no_gap() -> None:
    story = started()
    story.do(
        StepRecorded,
        story.week(45),
        step=StepKey.uwv_42_week_report,
        reference="UWV-7",
        late_reason="melding bleef liggen tijdens vakantie",
    )
    report = items(riv_check(story.facts, story.now))["melding_42e_week"]
    assert report.status == "late" and report.late_reason == "melding bleef liggen tijdens vakantie"
    assert not report.is_gap and "de reden is vastgelegd" in report.text_nl


def test_a_42nd_week_report_without_its_reference_is_missing_that_reference() -> None:
    story = started()
    story.do(StepRecorded, story.week(43), step=StepKey.uwv_42_week_report)
    report = items(riv_check(story.facts, story.now))["melding_42e_week"]
    assert report.status == "missing" and report.done_on == story.week(43) and report.is_gap
    assert "kenmerk" in report.text_nl and "reference" in report.text_en
    assert gap_headline(report)[0] == "RIV: kenmerk van de 42e-weekmelding ontbreekt"


@pytest.mark.parametrize("version", [1, 2, 3])
def test_an_older_case_gets_the_check_from_its_dates(version: int) -> None:
    story = complete_case(version)
    story.until(story.week(92))
    check = riv_check(story.facts, story.now)
    found = items(check)
    assert [item.key for item in check.items] == ALL_KEYS
    assert {key for key, item in found.items() if item.status == "present"} == set(ALL_KEYS) - {
        "eindevaluatie",
        "mening_werknemer",
    }
    for key in ("eindevaluatie", "mening_werknemer"):
        assert found[key].status == "missing" and found[key].command == ""  # no command can fill it
        assert "document" in found[key].text_nl and "document" in found[key].text_en
    assert found["melding_42e_week"].status == "present"  # no reference asked of an older case
    assert not check.complete


def test_a_closed_case_is_judged_on_its_last_day() -> None:
    from states import EmploymentEnded

    story = started()
    evaluate(story, range(11, 12))
    story.do(EmploymentEnded, story.week(14))
    later = riv_check(story.facts, story.moment(story.week(40)))
    assert later.complete  # nothing was due while it ran
    assert items(later)["evaluations"].status == "present"


def test_now_must_be_aware() -> None:
    from datetime import datetime

    story = Story()
    with pytest.raises(ValueError):
        riv_check(story.facts, datetime(2026, 3, 1, 12))
