"""Payloads of the case workflow: what starts a case and what it answers.

Plain dataclasses, serialised by the pydantic data converter. They carry ids, names, addresses and
dates, never health data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    language: str = "nl"


@dataclass(frozen=True)
class CaseIntake:
    """What HR records when a case starts (the sick report)."""

    case_id: str
    employee: Person
    manager: Person
    first_sick_day: date
    reported_by: str
    org_unit: str | None = None
    casemanager: Person | None = None


@dataclass(frozen=True)
class CaseInput:
    """The workflow's single argument."""

    intake: CaseIntake


@dataclass(frozen=True)
class CaseStatus:
    """Answer of the ``status`` query."""

    case_id: str
    phase: str
    first_sick_day: date
