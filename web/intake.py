"""The intake (sick report) as the web edge accepts it, validated before any case starts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator, model_validator

from workflows.inputs import CaseIntake, Person

# Names reach mail headers and calendar lines: no control characters, no encoded-word openers.
_NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_NAME_PATTERN)]
OrgUnit = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,64}$")]

LONGEST_CASE = timedelta(weeks=104)


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: EmailStr
    language: Annotated[str, StringConstraints(pattern=r"^(nl|en)$")] = "nl"

    @model_validator(mode="after")
    def _no_encoded_words(self) -> "PersonIn":
        if "=?" in self.name:
            raise ValueError("name must not contain '=?'")
        return self

    def to_person(self) -> Person:
        return Person(name=self.name, email=str(self.email).lower(), language=self.language)


class IntakeRequest(BaseModel):
    """A sick report. Never ask or store the diagnosis, the cause or the treatment."""

    model_config = ConfigDict(extra="forbid")

    employee: PersonIn
    manager: PersonIn
    first_sick_day: date = Field(description="Day 1 of the absence (YYYY-MM-DD); today or earlier.")
    org_unit: OrgUnit | None = None
    casemanager: PersonIn | None = None

    @field_validator("first_sick_day")
    @classmethod
    def _plausible_day(cls, value: date) -> date:
        today = date.today()
        if value > today:
            raise ValueError(f"{value} lies in the future; a sick report starts today or earlier")
        if value < today - LONGEST_CASE:
            raise ValueError(f"{value} is more than 104 weeks ago; wage continuation has ended")
        return value

    @model_validator(mode="after")
    def _different_people(self) -> "IntakeRequest":
        if self.employee.email.lower() == self.manager.email.lower():
            raise ValueError("employee.email and manager.email are the same; the manager must be someone else")
        return self

    def to_intake(self, *, case_id: str, reported_by: str) -> CaseIntake:
        return CaseIntake(
            case_id=case_id,
            employee=self.employee.to_person(),
            manager=self.manager.to_person(),
            first_sick_day=self.first_sick_day,
            reported_by=reported_by,
            org_unit=self.org_unit,
            casemanager=self.casemanager.to_person() if self.casemanager else None,
        )


_CASE_ID = re.compile(r"^case-[0-9a-f]{32}$")


def is_case_id(value: str) -> bool:
    return bool(_CASE_ID.match(value))
