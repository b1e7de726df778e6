"""Payloads of the case's updates and queries that are not the rules' own events.

The rules' events (states.events) are the payloads of the rule-bound updates; the commands here
change who takes part, which the rules do not decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from contracts import Person


@dataclass(frozen=True, kw_only=True)
class AssignCoach:
    """An independent coach is assigned to (or replaced in) the case."""

    actor: str
    at: datetime
    coach: Person


@dataclass(frozen=True, kw_only=True)
class ChooseBuddy:
    """The buddy the employee agreed to (None: no buddy, or the buddy stops)."""

    actor: str
    at: datetime
    buddy: Person | None


@dataclass(frozen=True)
class CommandResult:
    """What an accepted command changed: the phase now, and what the case does next."""

    phase: str
    effects: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineEntry:
    """One step of the case in plain words: when, who, what (no health data)."""

    at: datetime
    actor: str
    action: str
    text: str


@dataclass(frozen=True)
class CaseSummary:
    """Answer of the ``status`` query."""

    case_id: str
    phase: str
    first_sick_day: date
    closed: bool
    outcome: str | None
    next_deadline: date | None
    overdue: bool
    stagnation: bool
    work_pending: int = 0  # effects decided and records not yet written (0: the case is idle)
