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
class RemoveCoach:
    """The coach stops: they no longer take part in the case or its talks."""

    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ChangeCasemanager:
    """Another casemanager (HR) takes over the case and its evaluations."""

    actor: str
    at: datetime
    casemanager: Person


@dataclass(frozen=True, kw_only=True)
class ChangeManager:
    """Another manager takes over: they see the case and its talks from now on, the previous one no longer."""

    actor: str
    at: datetime
    manager: Person


@dataclass(frozen=True, kw_only=True)
class ChangeWorkplace:
    """Where the employee works (an address, a building, a department), for the first day back. Not
    the place of the contact talks: that is the contact preference's location (preference_changed)."""

    actor: str
    at: datetime
    workplace: str


@dataclass(frozen=True, kw_only=True)
class ChooseBuddy:
    """The buddy HR chose, once the employee agreed to have one (None: no buddy, or the buddy stops).
    From rules version 3 the buddy is invited only now, never on the employee's consent alone."""

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


@dataclass(frozen=True, kw_only=True)
class InvitationReplied:
    """A person answered an invitation from their own calendar (an iTIP REPLY or COUNTER read from
    the product's mailbox by integrations.replies). ``key`` is stable per answer."""

    actor: str  # the person's address
    at: datetime  # when the answer was read
    key: str
    series_id: str
    kind: str  # the talk: checkin, progress_talk, evaluation, driegesprek
    person: Person
    answer: str  # accepted, tentative, declined or counter
    talk_start: datetime | None = None
    proposed_start: datetime | None = None  # counter: the time the person proposes
    free_slot: datetime | None = None  # declined statutory talk: the next slot every attendee is free


@dataclass(frozen=True, kw_only=True)
class CounterAnswered:
    """HR accepted or declined a proposed new time for a talk."""

    actor: str
    at: datetime
    series_id: str
    kind: str
    person: Person  # who proposed it
    proposed_start: datetime
    accepted: bool
    recurrence_id: datetime | None = None  # the occurrence the proposal was about (its original start); None: the talk
