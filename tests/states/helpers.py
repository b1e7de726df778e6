"""Builders shared by the tests of states/."""

from __future__ import annotations

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
    **fields: Any,
) -> Decision:
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
    return open_case(intake, now)


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
