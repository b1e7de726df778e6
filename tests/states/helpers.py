"""Builders shared by the tests of states/."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from states import CaseFacts, CaseOpened, ContactPreference, Decision, decide, open_case, tick
from states.config import TZ


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """An aware Europe/Amsterdam moment."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def ev(cls: type, now: datetime, actor: str = "hr-1", **fields: Any) -> Any:
    """An event of ``cls`` told by ``actor`` at ``now``."""
    return cls(actor=actor, at=now, **fields)


def opened(
    first_sick_day: date = date(2026, 1, 5),
    now: datetime | None = None,
    *,
    case_id: str = "case-1",
    hours: float = 36.0,
    preference: ContactPreference | None = None,
    rules_version: int = 1,
    **fields: Any,
) -> Decision:
    """A case opened under ``rules_version`` (as the workflow opens it: the version is known from the start)."""
    now = now or at(first_sick_day.year, first_sick_day.month, first_sick_day.day, 8)
    intake = CaseOpened(
        actor="hr-1",
        at=now,
        case_id=case_id,
        first_sick_day=first_sick_day,
        contract_hours_per_week=hours,
        preference=preference or ContactPreference(),
        **fields,
    )
    return open_case(intake, now, rules_version=rules_version)


def step(facts: CaseFacts, event: Any, now: datetime) -> Decision:
    return decide(facts, event, now)


def kinds(effects: list[Any]) -> list[str]:
    return [type(effect).__name__ for effect in effects]


def of_type(effects: list[Any], cls: type) -> list[Any]:
    return [effect for effect in effects if isinstance(effect, cls)]


def run_until(facts: CaseFacts, until: datetime, now: datetime) -> tuple[CaseFacts, list[Any]]:
    """Tick at every due moment from ``now`` up to ``until``; return the facts and all effects."""
    from states import next_due

    effects: list[Any] = []
    for _ in range(2000):
        due = next_due(facts, now)
        if due is None or due > until:
            break
        decision = tick(facts, max(due, now))
        facts = decision.facts
        effects += decision.effects
        now = max(due, now)
    return facts, effects


def case_in(phase: str, rules_version: int = 1) -> tuple[CaseFacts, datetime]:
    """Facts of a case (first sick day Monday 5 January 2026) under ``rules_version`` standing in
    ``phase``, and a moment shortly after it got there: probleemanalyse 2 February, plan van aanpak 10
    February, therapeutic work (4 hours) from 16 February, build-up 8 hours from 2 March and 12 from 16
    March. (A private copy: built once per phase and version.)"""
    import copy

    facts, now = _case_in(phase, rules_version)
    return copy.deepcopy(facts), now


@functools.cache
def _case_in(phase: str, rules_version: int) -> tuple[CaseFacts, datetime]:
    from datetime import timedelta

    from states import (
        BuildUpStarted,
        BuildUpStep,
        EmploymentEnded,
        EvaluationHeld,
        EvaluationOutcome,
        PlanVanAanpak,
        PlanVanAanpakSigned,
        ProbleemanalyseReceived,
        Recovered,
        TherapeuticWorkStarted,
        TweedeSpoorStarted,
        Withdrawn,
    )

    facts = opened(rules_version=rules_version).facts
    if phase == "ziekgemeld":
        return facts, at(2026, 1, 20)
    if phase in ("uit_dienst", "ingetrokken"):
        now = at(2026, 1, 20)
        event = ev(EmploymentEnded, now) if phase == "uit_dienst" else ev(Withdrawn, now, reason="in error")
        return decide(facts, event, now).facts, now + timedelta(hours=1)
    now = at(2026, 2, 2)
    facts = decide(facts, ev(ProbleemanalyseReceived, now), now).facts
    if phase == "probleemanalyse":
        return facts, now
    now = at(2026, 2, 10)
    plan = PlanVanAanpak(hours_per_week=0, tasks=["archief"], contact_person="m-1", casemanager="hr-1")
    facts = decide(facts, ev(PlanVanAanpakSigned, now, plan=plan), now).facts
    if phase == "plan_van_aanpak":
        return facts, now
    if phase == "tweede_spoor":
        now = at(2026, 2, 20)
        return decide(facts, ev(TweedeSpoorStarted, now), now).facts, now
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
    if phase == "evaluatie":
        now = at(2026, 3, 20)
        event = ev(EvaluationHeld, now, outcome=EvaluationOutcome.adjust_plan)
        return decide(facts, event, now).facts, now
    now = at(2026, 4, 1)
    facts = decide(facts, ev(Recovered, now, full=True), now).facts
    if phase == "hersteld":
        return facts, now
    if phase == "wia":  # a case that ran its two years: jump to the end of week 104
        from states import next_due

        facts = case_in("tweede_spoor", rules_version)[0]
        end = at(2028, 1, 3, 0, 1)
        facts = tick(facts, end).facts
        assert next_due(facts, end) is None
        return facts, end
    raise ValueError(phase)
