"""What the statistics learn from the facts of a case (workflows.absence): sick periods as reports,
partial absence from the agreed hours, therapeutic work as full absence, and the steps."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.absence import AbsenceSpan
from states import Recovered, Relapse, decide
from tests.states.helpers import at, case_in, ev, opened
from workflows.absence import absence_record, employee_key


def test_therapeutic_work_is_full_absence_and_the_build_up_partial() -> None:
    # First sick day 5 January (36 contract hours); therapeutic work 4 hours from 16 February (still
    # fully absent: no wage value), build-up 8 hours from 2 March (absent 1 - 8/36 = 0.7778) and 12
    # hours from 16 March (1 - 12/36 = 0.6667).
    facts, _ = case_in("opbouw")
    record = absence_record(facts, "Jan@Example.org")
    assert record.spans == (
        AbsenceSpan(start=date(2026, 1, 5), end=date(2026, 3, 1), fraction=1.0),
        AbsenceSpan(start=date(2026, 3, 2), end=date(2026, 3, 15), fraction=pytest.approx(0.7778)),
        AbsenceSpan(start=date(2026, 3, 16), end=None, fraction=pytest.approx(0.6667)),
    )
    assert [(r.start, r.end, r.recovered) for r in record.reports] == [(date(2026, 1, 5), None, False)]
    assert [p.phase for p in record.phases] == [
        "ziekgemeld",
        "probleemanalyse",
        "plan_van_aanpak",
        "arbeidstherapeutisch",
        "opbouw",
    ]
    assert record.employee_key == employee_key("jan@example.org") != "jan@example.org"
    done = {s.key: s.done_on for s in record.steps}
    assert done["probleemanalyse"] == date(2026, 2, 2)
    assert "evaluation" not in done and "end_of_wage_continuation" not in done


def test_a_relapse_within_four_weeks_is_a_second_report_of_the_same_case() -> None:
    # A part-timer (18 hours) sick from 5 January, fully back on 19 January (last sick day 18
    # January), sick again on 2 February: 13 days at work, under 4 weeks.
    facts = opened(date(2026, 1, 5), hours=18.0).facts
    now = at(2026, 1, 19)
    facts = decide(facts, ev(Recovered, now, on=date(2026, 1, 19)), now).facts
    now = at(2026, 2, 2)
    facts = decide(facts, ev(Relapse, now, on=date(2026, 2, 2)), now).facts
    record = absence_record(facts, "a@example.org")
    assert record.contract_hours_per_week == 18.0
    assert [(r.start, r.end, r.recovered) for r in record.reports] == [
        (date(2026, 1, 5), date(2026, 1, 18), True),
        (date(2026, 2, 2), None, False),
    ]
    assert record.spans == (
        AbsenceSpan(start=date(2026, 1, 5), end=date(2026, 1, 18), fraction=1.0),
        AbsenceSpan(start=date(2026, 2, 2), end=None, fraction=1.0),
    )
    # The law's clock continued: the probleemanalyse (end of week 6, 15 February) moved by the 14
    # days at work (19 January..1 February) to 1 March.
    due = {s.key: s.due for s in record.steps}
    assert due["probleemanalyse"] == date(2026, 3, 1)
    assert due["arbodienst_report"] == date(2026, 1, 11)
