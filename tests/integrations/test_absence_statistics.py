"""The arithmetic of the absence figures (integrations.absence_statistics) against examples worked
out by hand, the numbers in the comments. The standard: DOMAIN.md, "Absence statistics"."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.absence import AbsenceRecord, AbsenceSpan, PhaseSince, SickReport, StepDue
from integrations.absence_statistics import CaseFigures, Figures, Granularity, Period, Staff, figures, periods, table

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "2026-03")  # 31 calendar days
TODAY = date(2026, 6, 30)
UNIT = "Logistiek"
# The register for March: 10 people, 9.0 FTE.
STAFF = [Staff(month=date(2026, 3, 1), org_unit=UNIT, headcount=10, fte=9.0)]


def case(
    employee: str,
    reports: list[tuple[date, date | None, bool]],
    spans: list[tuple[date, date | None, float]],
    *,
    hours: float = 36.0,
    phases: list[tuple[str, date]] | None = None,
    steps: list[tuple[str, date, date | None]] | None = None,
    outcome: str | None = None,
    tweede_spoor: date | None = None,
    unit: str | None = UNIT,
) -> CaseFigures:
    return CaseFigures(
        org_unit=unit,
        record=AbsenceRecord(
            employee_key=employee,
            contract_hours_per_week=hours,
            reports=tuple(SickReport(start=s, end=e, recovered=r) for s, e, r in reports),
            spans=tuple(AbsenceSpan(start=s, end=e, fraction=f) for s, e, f in spans),
            phases=tuple(PhaseSince(phase=p, since=d) for p, d in (phases or [("ziekgemeld", reports[0][0])])),
            steps=tuple(StepDue(key=k, due=d, done_on=o) for k, d, o in (steps or [])),
            outcome=outcome,
            tweede_spoor_started_on=tweede_spoor,
        ),
    )


# A: a full-timer (36 of 36 hours), fully sick 1-10 March, then working 18 of 36 hours (absent 0.5)
#    11-20 March, fully back on 21 March.  Sick FTE-days: 10 x 1.0 + 10 x 0.5 = 15.  One report,
#    ended by recovery: 1..20 March = 20 days.
PARTIAL = case(
    "a",
    [(date(2026, 3, 1), date(2026, 3, 20), True)],
    [(date(2026, 3, 1), date(2026, 3, 10), 1.0), (date(2026, 3, 11), date(2026, 3, 20), 0.5)],
)
# B: a part-timer (18 of 36 hours: factor 0.5), sick from 16 March, still sick.  In March 16..31 = 16
#    days x 1.0 x 0.5 = 8 FTE-days.  One report, not ended.  Its report to the arbodienst was due
#    22 March and done 25 March: late.
PART_TIMER = case(
    "b",
    [(date(2026, 3, 16), None, False)],
    [(date(2026, 3, 16), None, 1.0)],
    hours=18.0,
    steps=[("arbodienst_report", date(2026, 3, 22), date(2026, 3, 25))],
)
# C: sick 20 February..5 March (9 + 5 = 14 days), back at work, sick again 19..25 March (7 days): a
#    relapse within 4 weeks (samentelling: the law's clock continues) but a new report by the
#    standard.  In March: 5 + 7 = 12 FTE-days; 1 new report (the first began in February); 2 reports
#    ended by recovery in March, of 14 and 7 days.  Its probleemanalyse, due 10 March, was not done:
#    missing.
RELAPSE = case(
    "c",
    [(date(2026, 2, 20), date(2026, 3, 5), True), (date(2026, 3, 19), date(2026, 3, 25), True)],
    [(date(2026, 2, 20), date(2026, 3, 5), 1.0), (date(2026, 3, 19), date(2026, 3, 25), 1.0)],
    steps=[("probleemanalyse", date(2026, 3, 10), None)],
)
# D: sick 15 February..10 April, fully: crosses both ends of March.  In March: all 31 days = 31
#    FTE-days; no new report in March, none ended in March.  On 31 March in probleemanalyse (since
#    10 March, done on time: due 22 March).
CROSSING = case(
    "d",
    [(date(2026, 2, 15), date(2026, 4, 10), True)],
    [(date(2026, 2, 15), date(2026, 4, 10), 1.0)],
    phases=[("ziekgemeld", date(2026, 2, 15)), ("probleemanalyse", date(2026, 3, 10))],
    steps=[("probleemanalyse", date(2026, 3, 22), date(2026, 3, 10)), ("plan_van_aanpak", date(2026, 4, 11), None)],
)


def test_partial_absence_counts_the_share_of_hours_not_worked() -> None:
    result = figures(MARCH, [PARTIAL], STAFF, TODAY)
    assert result.sick_fte_days == pytest.approx(15.0)
    # 15 / (9.0 FTE x 31 days = 279) x 100 = 5.376 %
    assert result.percentage == pytest.approx(15 / 279 * 100)
    assert result.reports == 1
    assert result.ended_reports == 1
    assert result.average_duration == pytest.approx(20.0)  # partial days count whole


def test_a_part_timer_counts_by_the_part_time_factor_and_as_one_head() -> None:
    result = figures(MARCH, [PART_TIMER], STAFF, TODAY)
    assert result.sick_fte_days == pytest.approx(8.0)  # 16 days x 0.5
    assert result.percentage == pytest.approx(8 / 279 * 100)  # 2.867 %
    # 1 report / 10 heads x 365 / 31 = 1.177 reports per head per year
    assert result.frequency == pytest.approx(1 / 10 * 365 / 31)
    assert result.average_duration is None  # nothing ended: not known, no division by zero
    assert (result.steps_on_time, result.steps_late, result.steps_missing) == (0, 1, 0)


def test_a_relapse_within_four_weeks_is_a_new_report() -> None:
    result = figures(MARCH, [RELAPSE], STAFF, TODAY)
    assert result.sick_fte_days == pytest.approx(12.0)
    assert result.reports == 1  # the relapse on 19 March; the first report began in February
    assert result.ended_reports == 2
    assert result.average_duration == pytest.approx((14 + 7) / 2)  # 10.5 days
    assert result.recovered_within == {"6_weeks": 2, "6_months": 2, "1_year": 2}
    assert result.steps_missing == 1


def test_a_case_crossing_the_period_counts_only_its_days_inside() -> None:
    result = figures(MARCH, [CROSSING], STAFF, TODAY)
    assert result.sick_fte_days == pytest.approx(31.0)
    assert result.reports == 0
    assert result.ended_reports == 0
    assert result.phases["probleemanalyse"] == 1
    assert result.steps_on_time == 1  # the plan van aanpak is due in April: not March's


def test_all_four_together() -> None:
    result = figures(MARCH, [PARTIAL, PART_TIMER, RELAPSE, CROSSING], STAFF, TODAY)
    # 15 + 8 + 12 + 31 = 66 sick FTE-days of 279: 23.656 %
    assert result.sick_fte_days == pytest.approx(66.0)
    assert result.available_fte_days == pytest.approx(279.0)
    assert result.percentage == pytest.approx(66 / 279 * 100)
    assert round(result.percentage or 0, 2) == 23.66
    # reports: A, B and C's relapse = 3; 3 / 10 x 365 / 31 = 3.532
    assert result.reports == 3
    assert result.frequency == pytest.approx(3 / 10 * 365 / 31)
    # ended by recovery in March: A (20 days), C (14 and 7): (20 + 14 + 7) / 3 = 13.67 days
    assert result.average_duration == pytest.approx(41 / 3)
    # sick on 31 March: B (ziekgemeld) and D (probleemanalyse)
    assert result.phases["ziekgemeld"] == 1 and result.phases["probleemanalyse"] == 1
    assert sum(result.phases.values()) == 2
    assert (result.steps_on_time, result.steps_late, result.steps_missing) == (1, 1, 1)


def test_recoveries_are_counted_within_6_weeks_6_months_and_1_year() -> None:
    # Three reports ended in March: after 42 days (within 6 weeks), 43 days (6 months) and 200 days (1 year).
    def ended(key: str, days: int) -> CaseFigures:
        end = date(2026, 3, 20)
        start = date.fromordinal(end.toordinal() - days + 1)
        return case(key, [(start, end, True)], [(start, end, 1.0)])

    result = figures(MARCH, [ended("x", 42), ended("y", 43), ended("z", 200)], STAFF, TODAY)
    assert result.recovered_within == {"6_weeks": 1, "6_months": 2, "1_year": 3}


def test_an_empty_period_and_no_register_give_not_known_never_a_division_by_zero() -> None:
    empty = figures(MARCH, [], [], TODAY)
    assert (empty.sick_fte_days, empty.reports, empty.ended_reports) == (0.0, 0, 0)
    assert empty.percentage is None and empty.frequency is None and empty.average_duration is None
    zero_staff = [Staff(month=date(2026, 3, 1), org_unit=UNIT, headcount=0, fte=0.0)]
    nobody = figures(MARCH, [PARTIAL], zero_staff, TODAY)
    assert nobody.percentage is None and nobody.frequency is None
    assert nobody.sick_fte_days == pytest.approx(15.0)


def test_a_period_still_to_come_counts_nothing_and_a_running_one_stops_today() -> None:
    assert figures(MARCH, [PART_TIMER], STAFF, date(2026, 2, 28)).days == 0
    # On 20 March: B sick 16..20 March = 5 days x 0.5 = 2.5; available 9.0 x 20 days = 180.
    result = figures(MARCH, [PART_TIMER], STAFF, date(2026, 3, 20))
    assert result.days == 20
    assert result.sick_fte_days == pytest.approx(2.5)
    assert result.percentage == pytest.approx(2.5 / 180 * 100)


def test_withdrawn_cases_count_nowhere_and_a_report_in_two_cases_counts_once() -> None:
    withdrawn = case(
        "w",
        [(date(2026, 3, 2), date(2026, 3, 3), False)],
        [(date(2026, 3, 2), date(2026, 3, 3), 1.0)],
        outcome="ingetrokken",
    )
    twice = [PART_TIMER, case("b", [(date(2026, 3, 16), None, False)], [])]
    assert figures(MARCH, [withdrawn], STAFF, TODAY).sick_fte_days == 0
    assert figures(MARCH, twice, STAFF, TODAY).reports == 1


def test_a_quarter_needs_every_month_of_the_register() -> None:
    q1 = periods(date(2026, 1, 1), date(2026, 3, 1), Granularity.quarter)
    assert [(p.first, p.last, p.label) for p in q1] == [(date(2026, 1, 1), date(2026, 3, 31), "2026-Q1")]
    assert figures(q1[0], [CROSSING], STAFF, TODAY).percentage is None  # January and February missing
    staff = [Staff(month=date(2026, m, 1), org_unit=UNIT, headcount=10, fte=9.0) for m in (1, 2, 3)]
    result = figures(q1[0], [CROSSING], staff, TODAY)
    # D: 14 days in February (15..28) + 31 in March = 45; available 9.0 x 90 days = 810
    assert result.percentage == pytest.approx(45 / 810 * 100)
    # Average headcount 10: D's report (15 February) is in Q1: 1 / 10 x 365 / 90
    assert result.frequency == pytest.approx(1 / 10 * 365 / 90)


def test_the_table_splits_per_org_unit_and_filters_on_one() -> None:
    other = case("e", [(date(2026, 3, 1), None, False)], [(date(2026, 3, 1), None, 1.0)], unit="Kantoor")
    staff = [*STAFF, Staff(month=date(2026, 3, 1), org_unit="Kantoor", headcount=4, fte=4.0)]
    totals, per_unit = table([MARCH], [PARTIAL, other], staff, TODAY)
    assert totals[0].sick_fte_days == pytest.approx(15 + 31)
    assert totals[0].available_fte_days == pytest.approx((9 + 4) * 31)
    by_unit: dict[str | None, Figures] = {item.org_unit: item for item in per_unit}
    assert by_unit["Kantoor"].percentage == pytest.approx(31 / (4 * 31) * 100)  # one of four people all month: 25 %
    assert by_unit["Kantoor"].sick_fte_days == pytest.approx(31.0)
    only, none = table([MARCH], [PARTIAL, other], staff, TODAY, org_unit="Kantoor")
    assert none == [] and only[0].sick_fte_days == pytest.approx(31.0)
