"""What a case carries from one run to the next (continue-as-new) and what starts it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from contracts import CaseIntake, Person
from contracts.imports import RunningCaseImport
from states.effects import InviteBuddy
from states.facts import CaseFacts
from workflows.commands import CommandResult, TimelineEntry
from workflows.people import CasePeople

# Our own threshold, well below the server's suggestion (4,096 events): small histories replay fast.
DEFAULT_HISTORY_LIMIT = 1_500


@dataclass
class SearchValues:
    """The search attributes as last written, so only changes are upserted (each upsert is billed)."""

    phase: str | None = None
    next_deadline: datetime | None = None
    overdue: bool | None = None
    stagnation: bool | None = None


@dataclass
class CaseMemory:
    facts: CaseFacts
    people: CasePeople
    timeline: list[TimelineEntry] = field(default_factory=list)
    audit_counter: int = 0
    search: SearchValues = field(default_factory=SearchValues)
    runs: int = 1
    buddy_invite_waiting: InviteBuddy | None = None  # consent given, no buddy chosen yet (rules version 1 and 2)
    sent_to: dict[str, tuple[Person, ...]] = field(default_factory=dict)
    """Rules version 3: the people each open series (by UID) was last sent to (workflows.attendees)."""
    coach_told: dict[str, list[str]] = field(default_factory=dict)
    """A coach's address (lower case) -> the keys of the signals they were told of (workflows.briefing)."""
    workplace: str | None = None
    """Where the employee works, once changed (change_workplace); None: the intake's."""
    invitations_held: bool = False
    """An imported case whose calendar invitations wait until HR confirms it (workflows.history_import)."""
    answered: dict[str, CommandResult] = field(default_factory=dict)
    """The answers of the last keyed commands (workflows.idempotency): a repeat gets the first answer."""


@dataclass(frozen=True)
class CaseInput:
    """The workflow's single argument: the intake, and on continue-as-new the memory of the case."""

    intake: CaseIntake
    memory: CaseMemory | None = None
    history_limit: int = DEFAULT_HISTORY_LIMIT
    rules_version: int = 1
    """The rules version a new case follows (``CaseFacts.rules_version``); the starter passes
    ``states.RULES_VERSION``. In the start input, not decided by the workflow, so that a case
    started before a new version replays, and goes on, with the version it was opened with (a
    start input from before this field reads as 1); on continue-as-new the facts carry it."""
    imported: RunningCaseImport | None = None
    """A running case brought in with the steps already done (workflows.history_import); None for a
    case that starts with its sick report (and in every start input from before imports existed)."""
