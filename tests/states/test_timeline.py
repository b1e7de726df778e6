from datetime import date

import pytest

from states.config import RulesConfig
from states.timeline import (
    DeadlineKey,
    PeriodError,
    Responsible,
    SickPeriod,
    StepDates,
    continues_case,
    counted_days,
    date_of_day,
    gap_days,
    statutory_timeline,
)

K = DeadlineKey


def dues(periods: list[SickPeriod], steps: StepDates | None = None, **config: object) -> dict[str, str]:
    return {str(d.key): d.due.isoformat() for d in statutory_timeline(periods, steps, RulesConfig(**config))}


def test_every_key_once_in_order_with_labels() -> None:
    deadlines = statutory_timeline([SickPeriod(start=date(2026, 1, 5))])
    assert [d.key for d in deadlines] == list(DeadlineKey)
    for d in deadlines:
        assert d.label_nl and d.label_en
        assert isinstance(d.responsible, Responsible)
    assert [d.key for d in deadlines if d.window_start] == [K.eerstejaarsevaluatie]


def test_every_key_for_a_case_starting_2026_01_05() -> None:
    assert dues([SickPeriod(start=date(2026, 1, 5))]) == {
        "arbodienst_report": "2026-01-11",  # day 7
        "probleemanalyse": "2026-02-15",  # day 42
        "plan_van_aanpak": "2026-03-01",  # day 56
        "evaluation": "2026-04-12",  # 6 weeks after the plan's deadline
        "uwv_42_week_report": "2026-10-26",  # day 294 is Sunday 25 October: Monday
        "eerstejaarsevaluatie": "2027-01-03",  # day 364
        "tweede_spoor": "2027-02-14",  # 6 weeks after day 364
        "actueel_oordeel": "2027-10-03",  # day 637
        "riv_to_employee": "2027-10-03",
        "wia_application": "2027-10-17",  # day 651
        "end_of_wage_continuation": "2028-01-02",  # day 728
    }
    eje = statutory_timeline([SickPeriod(start=date(2026, 1, 5))])[5]
    assert eje.window_start == date(2026, 11, 16)  # day 316, start of week 46


def test_across_a_year_end() -> None:
    assert dues([SickPeriod(start=date(2025, 12, 15))]) == {
        "arbodienst_report": "2025-12-21",
        "probleemanalyse": "2026-01-25",
        "plan_van_aanpak": "2026-02-08",
        "evaluation": "2026-03-22",
        "uwv_42_week_report": "2026-10-05",
        "eerstejaarsevaluatie": "2026-12-13",
        "tweede_spoor": "2027-01-24",
        "actueel_oordeel": "2027-09-12",
        "riv_to_employee": "2027-09-12",
        "wia_application": "2027-09-26",
        "end_of_wage_continuation": "2027-12-12",
    }


def test_across_a_leap_day() -> None:
    # 2028 is a leap year: 29 February falls inside the first weeks and inside the two years.
    assert dues([SickPeriod(start=date(2027, 12, 20))]) == {
        "arbodienst_report": "2027-12-26",
        "probleemanalyse": "2028-01-30",
        "plan_van_aanpak": "2028-02-13",
        "evaluation": "2028-03-26",
        "uwv_42_week_report": "2028-10-09",
        "eerstejaarsevaluatie": "2028-12-17",
        "tweede_spoor": "2029-01-28",
        "actueel_oordeel": "2029-09-16",
        "riv_to_employee": "2029-09-16",
        "wia_application": "2029-09-30",
        "end_of_wage_continuation": "2029-12-16",
    }
    starting_on_leap_day = dues([SickPeriod(start=date(2024, 2, 29))])
    assert starting_on_leap_day["probleemanalyse"] == "2024-04-10"
    assert starting_on_leap_day["end_of_wage_continuation"] == "2026-02-25"


def test_across_dst_changes_dates_are_calendar_days() -> None:
    # From before the spring change (29 March 2026) past the autumn change (25 October 2026).
    result = dues([SickPeriod(start=date(2026, 3, 2))])
    assert result["probleemanalyse"] == "2026-04-12"
    assert result["uwv_42_week_report"] == "2026-12-21"
    assert result["eerstejaarsevaluatie"] == "2027-02-28"


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        (date(2026, 6, 8), "2027-03-30"),  # week 42 ends on Easter Sunday 2027; Easter Monday is free
        (date(2026, 3, 6), "2026-12-28"),  # week 42 ends Thursday 24 December; Christmas, weekend
        (date(2026, 1, 8), "2026-10-29"),  # week 42 ends Wednesday: the next day
    ],
)
def test_uwv_report_is_the_first_working_day_after_week_42(first: date, expected: str) -> None:
    assert dues([SickPeriod(start=first)])["uwv_42_week_report"] == expected


def test_arbodienst_day_is_configurable() -> None:
    assert dues([SickPeriod(start=date(2026, 1, 5))], arbodienst_report_day=3)["arbodienst_report"] == "2026-01-07"


def test_plan_two_weeks_after_an_early_probleemanalyse() -> None:
    periods = [SickPeriod(start=date(2026, 1, 5))]
    assert dues(periods, StepDates(probleemanalyse_on=date(2026, 1, 20)))["plan_van_aanpak"] == "2026-02-03"
    # A late probleemanalyse does not push the plan beyond week 8.
    assert dues(periods, StepDates(probleemanalyse_on=date(2026, 2, 25)))["plan_van_aanpak"] == "2026-03-01"


def test_evaluation_rolls_from_the_plan_and_the_last_evaluation() -> None:
    periods = [SickPeriod(start=date(2026, 1, 5))]
    assert dues(periods, StepDates(plan_signed_on=date(2026, 2, 20)))["evaluation"] == "2026-04-03"
    steps = StepDates(plan_signed_on=date(2026, 2, 20), last_evaluation_on=date(2026, 3, 10))
    assert dues(periods, steps)["evaluation"] == "2026-04-21"


def test_tweede_spoor_after_the_eerstejaarsevaluatie() -> None:
    periods = [SickPeriod(start=date(2026, 1, 5))]
    held = StepDates(eerstejaarsevaluatie_on=date(2026, 12, 1))
    assert dues(periods, held)["tweede_spoor"] == "2027-01-12"
    expected_back = StepDates(eerstejaarsevaluatie_on=date(2026, 12, 1), structural_return_expected=True)
    assert dues(periods, expected_back)["tweede_spoor"] == "2027-03-02"  # 13 weeks


def test_loonsanctie_moves_only_the_end_of_wage_continuation() -> None:
    periods = [SickPeriod(start=date(2026, 1, 5))]
    plain = dues(periods)
    sanctioned = dues(periods, StepDates(loonsanctie_weeks=52))
    assert sanctioned["end_of_wage_continuation"] == "2028-12-31"  # 52 weeks = 364 days, 2028 is a leap year
    assert {k: v for k, v in sanctioned.items() if k != "end_of_wage_continuation"} == {
        k: v for k, v in plain.items() if k != "end_of_wage_continuation"
    }


# ------------------------------------------------------------------------------------ samentelling


def test_gap_days_and_continuation() -> None:
    assert gap_days(date(2026, 1, 20), date(2026, 1, 21)) == 0
    assert gap_days(date(2026, 1, 20), date(2026, 1, 22)) == 1
    assert continues_case(date(2026, 1, 20), date(2026, 2, 17))  # gap 27
    assert not continues_case(date(2026, 1, 20), date(2026, 2, 18))  # gap 28


@pytest.mark.parametrize("gap", [1, 27])
def test_samentelling_moves_later_deadlines_by_the_gap(gap: int) -> None:
    from datetime import timedelta

    first = SickPeriod(start=date(2026, 1, 5), end=date(2026, 1, 20))  # 16 sick days
    second = SickPeriod(start=date(2026, 1, 20) + timedelta(days=gap + 1))
    base = statutory_timeline([SickPeriod(start=date(2026, 1, 5))])
    moved = statutory_timeline([first, second])
    for before, after in zip(base, moved, strict=False):
        if before.key == K.arbodienst_report:  # day 7 lies in the first period: unchanged
            assert after.due == before.due
        elif before.key == K.uwv_42_week_report:
            assert after.due >= before.due + timedelta(days=gap)
        else:
            assert after.due == before.due + timedelta(days=gap), before.key


def test_samentelling_gap_of_28_days_is_a_new_case() -> None:
    with pytest.raises(PeriodError, match="nieuwe zaak"):
        statutory_timeline(
            [SickPeriod(start=date(2026, 1, 5), end=date(2026, 1, 20)), SickPeriod(start=date(2026, 2, 18))]
        )


def test_counting_sick_days_over_periods() -> None:
    periods = [SickPeriod(start=date(2026, 1, 5), end=date(2026, 1, 20)), SickPeriod(start=date(2026, 2, 1))]
    assert counted_days(periods, date(2026, 1, 4)) == 0
    assert counted_days(periods, date(2026, 1, 25)) == 16
    assert counted_days(periods, date(2026, 3, 1)) == 16 + 29
    assert date_of_day(periods, 16) == date(2026, 1, 20)
    assert date_of_day(periods, 17) == date(2026, 2, 1)
    with pytest.raises(ValueError):
        date_of_day(periods, 0)


@pytest.mark.parametrize(
    "periods",
    [
        [],
        [SickPeriod(start=date(2026, 1, 5), end=date(2026, 1, 4))],
        [SickPeriod(start=date(2026, 1, 5)), SickPeriod(start=date(2026, 2, 5))],
        [SickPeriod(start=date(2026, 1, 5), end=date(2026, 1, 20)), SickPeriod(start=date(2026, 1, 19))],
    ],
)
def test_bad_periods_are_refused_in_words(periods: list[SickPeriod]) -> None:
    with pytest.raises(PeriodError) as raised:
        statutory_timeline(periods)
    assert " / " in str(raised.value)  # Dutch / English
