"""The intake (sick report) as the web edge accepts it, validated before any case starts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from contracts import CaseIntake, ContactPreference, Person
from integrations import sanitize
from integrations.accounts import DEMO_DOMAIN
from integrations.medical_terms import medical_terms_in, quoted
from states.kinds import Channel, Place
from states.slots import WORKDAY_END, WORKDAY_START

# Names reach mail headers and calendar lines: no control characters, no encoded-word openers.
_NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"
_SPACES = re.compile(r" {2,}")


def _exact_name(value: str) -> str:
    """A name that every message can carry exactly as it is (integrations.sanitize.display_name
    changes nothing): runs of spaces become one (a header reads them as one anyway); what the
    messages would have to leave out (invisible formatting characters, ``=?``) is refused."""
    value = _SPACES.sub(" ", value)
    problem = sanitize.name_problem(value)
    if problem is not None:
        raise ValueError(f"a name takes {problem}")
    return value


# Text that is shown on a page or written into a message: the characters that would show it other than it
# was typed are refused (not stripped), in every field a person types. Names refuse more (every control
# and formatting character, integrations.sanitize); free text keeps its new lines and tabs.
_INVISIBLE_CONTROLS = re.compile("[\u0080-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def no_invisible_controls(value: str) -> str:
    """Refuse C1 controls, the Unicode line and paragraph separators, and the direction marks,
    embeddings, overrides and isolates (a right-to-left override shows text reversed on a page)."""
    found = _INVISIBLE_CONTROLS.search(value)
    if found is not None:
        char = found.group()
        described = f"U+{ord(char):04X}" + (f" ({unicodedata.name(char)})" if unicodedata.name(char, "") else "")
        raise PydanticCustomError(
            "invisible_control",
            "contains {char}, an invisible control character (a direction override or mark, a line or "
            "paragraph separator, or a C1 control): remove it, or type the text again",
            {"char": described},
        )
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=sanitize.NAME_MAX, pattern=_NAME_PATTERN),
    AfterValidator(_exact_name),
]
OrgUnit = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()./-]{6,24}$")]


# Medical terms (integrations.medical_terms) are refused in everything a person types but names and
# keys: the intake's team and places here, every command's text (web.command_models). The error is on
# the field, so a form shows it there; it names the words and says what to write instead.
_NO_MEDICAL = (
    "Noem geen diagnose, oorzaak of behandeling: {terms}. {instead_nl} "
    "(Do not name a diagnosis, cause or treatment: {terms}. {instead_en})"
)


def refuse_medical_terms(instead_nl: str, instead_en: str) -> Callable[[str], str]:
    """A check (pydantic AfterValidator) of a text field that refuses medical terms, saying what to
    write ``instead`` (a sentence in Dutch and in English)."""

    def check(value: str) -> str:
        terms = medical_terms_in(value)
        if terms:
            context = {"terms": quoted(terms), "instead_nl": instead_nl, "instead_en": instead_en}
            raise PydanticCustomError("medical_terms", _NO_MEDICAL, context)
        return value

    return check


no_medical_terms = refuse_medical_terms(
    "Beschrijf wat de werknemer wel en niet kan.", "Describe what the employee can and cannot do."
)
"""Free text: what the employee can and cannot do, never why."""
no_medical_place = refuse_medical_terms("Noem alleen het adres of de plek.", "Give only the address or the place.")
"""A place: where the talks are, where the employee works."""


ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=_NAME_PATTERN),
    AfterValidator(no_invisible_controls),
    AfterValidator(refuse_medical_terms("Noem alleen de naam van het team.", "Give only the team's name.")),
]
Location = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=300, pattern=r"^[^\x00-\x1f\x7f]*$"),
    AfterValidator(no_invisible_controls),
    AfterValidator(no_medical_place),
]

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_day_text(value: object) -> object:
    """A date is text in ISO form (or a date, from Python): never a number, which pydantic would read
    as seconds since 1970, nor digits in a string, which it reads the same way."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value.strip()):
        return value.strip()
    raise PydanticCustomError("date_text", "give a date as text in the form YYYY-MM-DD, for example 2026-01-05", {})


IsoDate = Annotated[date, BeforeValidator(_iso_day_text)]
"""A date as the edge takes it: ``YYYY-MM-DD`` text only (strict: no numbers, no timestamps)."""

MIN_CONTRACT_HOURS = 1
MAX_CONTRACT_HOURS = 60
ContractHours = Annotated[
    float,
    Field(
        ge=MIN_CONTRACT_HOURS,
        le=MAX_CONTRACT_HOURS,
        allow_inf_nan=False,
        description=f"hours a week in the contract, {MIN_CONTRACT_HOURS} to {MAX_CONTRACT_HOURS}",
    ),
]
"""The contract's hours a week, one definition for the API and the intake form (which uses this model)."""

LONGEST_CASE = timedelta(weeks=104)

_DEMO_ADDRESS = re.compile(r"^[a-z0-9._+-]{1,64}@" + re.escape(DEMO_DOMAIN) + r"$")


def _address(value: str) -> str:
    """An e-mail address as pydantic's EmailStr checks it; the dev stack's demo accounts
    (``...@demo.reintegratie.localhost``, a reserved name that never delivers) are allowed too, so a
    demo manager or employee can take part in a case started from the form.

    An internationalised address is accepted: a domain in another script is kept in its ASCII
    form (IDNA), which every mail server takes; a local part beyond ASCII (``jörg@example.nl``) goes
    out with SMTPUTF8 where the mail server offers it, and is otherwise refused by it for good, which
    HR is told (integrations.smtp). What the mail code cannot send at all is refused here."""
    text = value.strip()
    if _DEMO_ADDRESS.match(text.lower()):
        return text.lower()
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"value is not a valid email address: {exc}") from None
    address = checked.ascii_email or checked.normalized
    if not sanitize.is_address(address):
        raise ValueError("value is not an e-mail address mail can be sent to: use letters, digits and . _ + -")
    return address


EmailStr = Annotated[str, AfterValidator(_address), WithJsonSchema({"type": "string", "format": "email"})]


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: EmailStr
    language: Annotated[str, StringConstraints(pattern=r"^(nl|en)$")] = "nl"

    def to_person(self) -> Person:
        return Person(name=self.name, email=str(self.email).lower(), language=self.language)


def _problem(kind: str, field: str, message: str) -> PydanticCustomError:
    """A whole-model error that still names its field (``ctx.field``), so a form can show it there."""
    return PydanticCustomError(kind, "{field}: " + message, {"field": field})


# --------------------------------------------------------------------------------------------------
# The contact moment: one definition of when it may be, for the intake and for `preference_changed`

WORKING_WEEKDAYS = range(5)
"""The days a regular contact moment may fall on: Monday (0) to Friday (4)."""
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LAST_START = (datetime.combine(date.min, WORKDAY_END) - timedelta(minutes=1)).time()
HOURS_TEXT = f"{WORKDAY_START:%H:%M} to {_LAST_START:%H:%M}"
"""The times a contact moment may start, in words (the rules' working hours, states.slots)."""


def working_weekday(weekday: int) -> int:
    """A contact moment's weekday (0 = Monday), if it is a working day."""
    if weekday not in WORKING_WEEKDAYS:
        raise PydanticCustomError(
            "working_day",
            "{day} is not a working day: choose 0 (Monday) to 4 (Friday)",
            {"day": _DAYS[weekday] if 0 <= weekday < len(_DAYS) else str(weekday)},
        )
    return weekday


def check_contact_time(hour: int, minute: int, *, field: str) -> None:
    """A contact moment starts within working hours (the rules plan talks only there, states.slots);
    ``field`` names the field in the error, for a form to show it there."""
    if not WORKDAY_START <= time(hour, minute) < WORKDAY_END:
        raise PydanticCustomError(
            "working_hours",
            "{field}: {at} is outside working hours: choose a time from {hours}",
            {"field": field, "at": f"{hour:02d}:{minute:02d}", "hours": HOURS_TEXT},
        )


WorkingWeekday = Annotated[
    int, Field(ge=0, le=6, description="0 (Monday) to 4 (Friday): working days only"), AfterValidator(working_weekday)
]


class ContactIn(BaseModel):
    """The employee's preferred short, regular contact moment (weekday 0 = Monday)."""

    model_config = ConfigDict(extra="forbid")

    weekday: WorkingWeekday = 0
    hour: int = Field(default=10, ge=0, le=23, description=f"local time; the moment starts from {HOURS_TEXT}")
    minute: int = Field(default=0, ge=0, le=59)
    channel: Channel = Channel.phone
    place: Place = Place.online
    location: Location = Field(
        default="", description="address, neutral place or video link; never medical information"
    )

    @model_validator(mode="after")
    def _within_working_hours(self) -> ContactIn:
        check_contact_time(self.hour, self.minute, field="contact.time")
        return self

    @model_validator(mode="after")
    def _place_fits_channel(self) -> ContactIn:
        if self.channel == Channel.in_person and self.place == Place.online:
            raise _problem(
                "place_channel",
                "contact.place",
                "an in-person contact needs a place (office, neutral place or home), not online",
            )
        if self.channel != Channel.in_person and self.place != Place.online:
            raise _problem("place_channel", "contact.place", "a phone or video contact takes place online")
        if self.place == Place.neutral and not self.location:
            raise _problem("location_needed", "contact.location", "say where the neutral place is")
        return self

    def to_preference(self) -> ContactPreference:
        return ContactPreference(
            weekday=self.weekday,
            hour=self.hour,
            minute=self.minute,
            channel=self.channel,
            place=self.place,
            location=self.location,
        )


class IntakeRequest(BaseModel):
    """A sick report. Never ask or store the diagnosis, the cause or the treatment."""

    model_config = ConfigDict(extra="forbid")

    employee: PersonIn
    manager: PersonIn
    first_sick_day: IsoDate = Field(
        description="Day 1 of the absence (YYYY-MM-DD): today or earlier, and at most 104 weeks ago."
    )
    org_unit: OrgUnit | None = None
    casemanager: PersonIn | None = None
    employee_phone: Phone | None = Field(default=None, description="phone number while sick")
    team: ShortText | None = None
    contract_hours_per_week: ContractHours = 36.0
    contract_days_per_week: int = Field(default=5, ge=1, le=7)
    expected_duration_weeks: int | None = Field(default=None, ge=1, le=104, description="only if known")
    contact: ContactIn = Field(default_factory=ContactIn)
    workplace: Location = Field(
        default="", description="where the employee works (address, building or department); not the contact place"
    )
    team_notice_to: list[EmailStr] = Field(
        default_factory=list, max_length=50, description="team members or the team's address"
    )
    buddy_candidates: list[PersonIn] = Field(default_factory=list, max_length=5)
    coach: PersonIn | None = None
    arbodienst_email: EmailStr | None = None
    work_accident: bool | None = None
    third_party_liable: bool | None = None
    safety_net_applies: bool | None = Field(
        default=None, description="whether a safety-net provision applies (never which)"
    )

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
    def _different_people(self) -> IntakeRequest:
        employee = self.employee.email.lower()
        if employee == self.manager.email.lower():
            raise _problem(
                "same_person",
                "manager.email",
                "employee.email and manager.email are the same; the manager must be someone else",
            )
        if self.coach is not None and self.coach.email.lower() == employee:
            raise _problem("same_person", "coach.email", "the coach must be someone other than the employee")
        for index, buddy in enumerate(self.buddy_candidates):
            if buddy.email.lower() == employee:
                raise _problem(
                    "same_person", f"buddy_candidates.{index}.email", "a buddy must be someone other than the employee"
                )
        if self.contract_hours_per_week > 12 * self.contract_days_per_week:
            raise _problem(
                "hours_per_day",
                "contract_hours_per_week",
                "more than 12 hours a day: check the contract hours and days",
            )
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
            employee_phone=self.employee_phone,
            team=self.team,
            contract_hours_per_week=self.contract_hours_per_week,
            contract_days_per_week=self.contract_days_per_week,
            expected_duration_weeks=self.expected_duration_weeks,
            contact=self.contact.to_preference(),
            workplace=self.workplace,
            team_notice_to=tuple(dict.fromkeys(str(address).lower() for address in self.team_notice_to)),
            buddy_candidates=tuple(buddy.to_person() for buddy in self.buddy_candidates),
            coach=self.coach.to_person() if self.coach else None,
            arbodienst_email=str(self.arbodienst_email).lower() if self.arbodienst_email else None,
            work_accident=self.work_accident,
            third_party_liable=self.third_party_liable,
            safety_net_applies=self.safety_net_applies,
        )


_CASE_ID = re.compile(r"^case-[0-9a-f]{32}$")


def is_case_id(value: str) -> bool:
    return bool(_CASE_ID.match(value))
