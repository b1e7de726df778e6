"""The single dataclass argument of each activity; every message carries a stable key made by the workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from workflows.inputs import Person


@dataclass(frozen=True)
class RecordCase:
    """The case's row in the SQL read model (insert or update)."""

    case_id: str
    employee: Person
    manager: Person
    first_sick_day: date
    phase: str
    org_unit: str | None = None
    next_deadline: date | None = None


@dataclass(frozen=True)
class RecordAudit:
    """One step of the case for the SQL audit trail; ``event_key`` makes the write idempotent."""

    case_id: str
    event_key: str
    at: datetime
    actor: str
    action: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RolePeople:
    """The people who hold one role in the case now (coach, buddy, casemanager...)."""

    role: str
    emails: tuple[str, ...]


@dataclass(frozen=True)
class RecordProgress:
    """Everything the read model learns from one decision, written in one activity."""

    case: RecordCase
    audit: tuple[RecordAudit, ...] = ()
    people: tuple[RolePeople, ...] = ()


@dataclass(frozen=True)
class SeriesMessage:
    """One calendar series to each attendee: new, updated, ended early (UNTIL) or cancelled."""

    key: str
    case_id: str
    change: str  # "new", "update", "ended" (REQUEST) or "cancelled" (CANCEL)
    uid: str
    sequence: int
    kind: str
    summary: str
    location: str
    start: datetime
    duration_minutes: int
    interval_weeks: int | None
    until: datetime | None  # last kept start
    organizer_name: str
    attendees: tuple[Person, ...]
    dtstamp: datetime
    description: str = ""


@dataclass(frozen=True)
class Notice:
    """A plain notice (no calendar) of one kind to each recipient.

    With no recipient known (no casemanager recorded), ``to_mailbox_if_nobody`` sends it to the
    product's own mailbox, so an HR reminder is never dropped silently.
    """

    key: str
    case_id: str
    kind: str
    recipients: tuple[Person, ...]
    context: dict[str, str | list[str]]
    dates: dict[str, date] = field(default_factory=dict)  # written in the reader's language
    to_mailbox_if_nobody: bool = False


@dataclass(frozen=True)
class Delivery:
    """Everything one decision of the case sends and records, carried out by one activity.

    One activity per decision rather than one per message: activities are what a case costs (each
    is a billable action) and what delays the next one. Invitations go first (people wait for
    them), then notices, then the read-model write, so the read model never shows a step whose mail
    has not gone out. Each message is idempotent by its key (the outbox), the write by its keys, so
    a retried delivery sends nothing twice.
    """

    case_id: str
    invitations: tuple[SeriesMessage, ...] = ()
    notices: tuple[Notice, ...] = ()
    progress: RecordProgress | None = None
