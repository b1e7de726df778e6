"""Builders for cases that follow a given rules version (``CaseFacts.rules_version``), to show that a
version-3 change leaves the cases of versions 1 and 2 as they were."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from states import (
    BuildUpStarted,
    BuildUpStep,
    CaseFacts,
    CaseOpened,
    ContactPreference,
    Decision,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    ProbleemanalyseReceived,
    TherapeuticWorkStarted,
    decide,
    open_case,
)
from tests.states.helpers import at, ev


def opened_as(
    version: int,
    first_sick_day: date = date(2026, 1, 5),
    now: datetime | None = None,
    *,
    preference: ContactPreference | None = None,
    **fields: Any,
) -> Decision:
    """A case opened under rules ``version`` (as the workflow opens it: the version is known from the start)."""
    now = now or at(first_sick_day.year, first_sick_day.month, first_sick_day.day, 8)
    intake = CaseOpened(
        actor="hr-1",
        at=now,
        case_id="case-1",
        first_sick_day=first_sick_day,
        contract_hours_per_week=36.0,
        preference=preference or ContactPreference(),
        **fields,
    )
    return open_case(intake, now, rules_version=version)


PHASES = ("ziekgemeld", "probleemanalyse", "plan_van_aanpak", "arbeidstherapeutisch", "opbouw")


def case_as(version: int, phase: str) -> tuple[CaseFacts, datetime]:
    """A case (first sick day Monday 5 January 2026) under rules ``version`` standing in ``phase``,
    the way :func:`tests.states.helpers.case_in` builds it: probleemanalyse 2 February, plan van
    aanpak 10 February, therapeutic work (4 hours) from 16 February, build-up 8 hours from 2 March
    and 12 from 16 March. Returns the facts and the moment of the last step."""
    facts = opened_as(version).facts
    now = at(2026, 1, 20)
    if phase == "ziekgemeld":
        return facts, now
    now = at(2026, 2, 2)
    facts = decide(facts, ev(ProbleemanalyseReceived, now), now).facts
    if phase == "probleemanalyse":
        return facts, now
    now = at(2026, 2, 10)
    plan = PlanVanAanpak(hours_per_week=0, tasks=["archief"], contact_person="m-1", casemanager="hr-1")
    facts = decide(facts, ev(PlanVanAanpakSigned, now, plan=plan), now).facts
    if phase == "plan_van_aanpak":
        return facts, now
    now = at(2026, 2, 16)
    facts = decide(facts, ev(TherapeuticWorkStarted, now, hours_per_week=4), now).facts
    if phase == "arbeidstherapeutisch":
        return facts, now
    now = at(2026, 3, 2)
    schedule = [
        BuildUpStep(from_date=date(2026, 3, 2), hours_per_week=8),
        BuildUpStep(from_date=date(2026, 3, 16), hours_per_week=12),
    ]
    facts = decide(facts, ev(BuildUpStarted, now, schedule=schedule), now).facts
    if phase == "opbouw":
        return facts, now
    raise ValueError(phase)
