"""Payloads of the case workflow: what starts a case and what it answers.

Plain dataclasses, serialised by the pydantic data converter. They carry ids, names, addresses and
dates, never health data (no diagnosis, cause or treatment: the law forbids storing them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from states.kinds import Channel, Place


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    language: str = "nl"


@dataclass(frozen=True)
class ContactPreference:
    """When, how and where the employee prefers the short regular contact (weekday 0 = Monday)."""

    weekday: int = 0
    hour: int = 10
    minute: int = 0
    channel: Channel = Channel.phone
    place: Place = Place.online
    location: str = ""  # an address, a neutral place or a video link; never medical information


@dataclass(frozen=True)
class CaseIntake:
    """What HR records when a case starts (the sick report): only what the law allows."""

    case_id: str
    employee: Person
    manager: Person
    first_sick_day: date
    reported_by: str
    org_unit: str | None = None
    casemanager: Person | None = None
    employee_phone: str | None = None
    team: str | None = None
    contract_hours_per_week: float = 36.0
    contract_days_per_week: int = 5
    expected_duration_weeks: int | None = None
    contact: ContactPreference = field(default_factory=ContactPreference)
    team_notice_to: tuple[str, ...] = ()  # team members' or the team's address, for the factual notice
    buddy_candidates: tuple[Person, ...] = ()
    coach: Person | None = None
    arbodienst_email: str | None = None
    # The three yes/no questions the privacy rules allow (None: not known yet).
    work_accident: bool | None = None
    third_party_liable: bool | None = None
    safety_net_applies: bool | None = None
    case_url: str | None = None  # where HR finds the case, for links in reminders
