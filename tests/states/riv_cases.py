"""A case told week by week, for the tests of the re-integratiedossier (rules version 4): the clock
runs (every reminder, signal and talk on its way) up to each event, as the workflow would run it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from states import (
    CaseFacts,
    EerstejaarsevaluatieHeld,
    EindevaluatieHeld,
    EmployeeViewGiven,
    EvaluationHeld,
    EvaluationOutcome,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    ProbleemanalyseReceived,
    StepKey,
    StepRecorded,
    TweedeSpoorActivityRecorded,
    TweedeSpoorStarted,
    decide,
)
from states.timeline import date_of_day
from tests.states.helpers import at, opened, run_until

FIRST_SICK_DAY = date(2026, 1, 5)  # a Monday: week N starts on a Monday


class Story:
    """A case under rules ``version`` from :data:`FIRST_SICK_DAY`; ``effects`` holds everything it did."""

    def __init__(self, version: int = 4, first: date = FIRST_SICK_DAY) -> None:
        self.now = at(first.year, first.month, first.day, 8)
        decision = opened(first, self.now, rules_version=version)
        self.facts: CaseFacts = decision.facts
        self.effects: list[Any] = list(decision.effects)

    def week(self, number: int, day: int = 1) -> date:
        """Day ``day`` (1 to 7) of counted sick week ``number``."""
        return date_of_day(self.facts.periods, 7 * (number - 1) + day)

    def moment(self, day: date, hour: int = 12) -> datetime:
        return at(day.year, day.month, day.day, hour)

    def until(self, day: date, hour: int = 12) -> list[Any]:
        """Let the clock run up to ``hour`` on ``day``; the effects it had on the way."""
        when = self.moment(day, hour)
        self.facts, effects = run_until(self.facts, when, self.now)
        self.now = max(self.now, when)
        self.effects += effects
        return effects

    def do(self, kind: type, day: date, *, hour: int = 12, **fields: Any) -> list[Any]:
        """Run the clock to ``day`` and tell the case ``kind`` (by HR), on that day."""
        assert self.moment(day, hour) >= self.now, "a story is told in order"
        effects = self.until(day, hour)
        decision = decide(self.facts, kind(actor="hr-1", at=self.now, **fields), self.now)
        self.facts = decision.facts
        self.effects += decision.effects
        return effects + decision.effects


def started(version: int = 4) -> Story:
    """Probleemanalyse in week 5, the plan van aanpak signed in week 6 (Monday 9 February 2026)."""
    story = Story(version)
    story.do(StepRecorded, story.week(1, 2), step=StepKey.arbodienst_report)
    story.do(ProbleemanalyseReceived, story.week(5))
    story.do(PlanVanAanpakSigned, story.week(6), plan=PlanVanAanpak(hours_per_week=0, tasks=["archief"]))
    return story


def evaluate(story: Story, weeks: range) -> None:
    for week in weeks:
        story.do(EvaluationHeld, story.week(week), outcome=EvaluationOutcome.continue_plan, summary="loopt")


def complete_case(version: int = 4) -> Story:
    """Every part of the RIV, each in time, up to the copy for the employee in week 91."""
    story = started(version)
    v4 = version >= 4
    evaluate(story, range(11, 42, 5))  # weeks 11 ... 41
    reference: dict[str, Any] = {"reference": "UWV-42-0001"} if v4 else {}
    story.do(StepRecorded, story.week(43), step=StepKey.uwv_42_week_report, **reference)
    evaluate(story, range(46, 47))
    reason: dict[str, Any] = {"reason": "geen terugkeer in eigen werk"} if v4 else {}
    story.do(EerstejaarsevaluatieHeld, story.week(48), **reason)
    story.do(TweedeSpoorStarted, story.week(49))
    if v4:
        story.do(TweedeSpoorActivityRecorded, story.week(50), activity="intake re-integratiebureau", by="bureau")
    evaluate(story, range(51, 87, 5))  # weeks 51 ... 86
    story.do(StepRecorded, story.week(90), step=StepKey.actueel_oordeel)
    if v4:
        story.do(EindevaluatieHeld, story.week(90, 2), summary="tweede spoor loopt")
        story.do(EmployeeViewGiven, story.week(90, 3), agrees=True, view="eens met het verslag")
    evaluate(story, range(91, 92))
    story.do(StepRecorded, story.week(91, 2), step=StepKey.riv_to_employee)
    return story
