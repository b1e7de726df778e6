"""The single dataclass argument of each activity, each with a stable key made by the workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from workflows.inputs import Person


@dataclass(frozen=True)
class RecordCase:
    """Write (insert or update) the case's row in the SQL read model."""

    case_id: str
    employee: Person
    manager: Person
    first_sick_day: date
    phase: str
    org_unit: str | None = None
    next_deadline: date | None = None


@dataclass(frozen=True)
class RecordAudit:
    """Mirror one step of the case into the SQL audit trail; ``event_key`` makes it idempotent."""

    case_id: str
    event_key: str
    at: datetime
    actor: str
    action: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendSeries:
    """Send (or re-send with a higher sequence) one calendar series to each attendee."""

    case_id: str
    uid: str
    sequence: int
    kind: str
    summary: str
    location: str
    start: datetime
    duration_minutes: int
    interval_weeks: int | None
    until: datetime | None
    organizer_name: str
    attendees: tuple[Person, ...]
    dtstamp: datetime
    description: str = ""
