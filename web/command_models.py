"""The commands people give a case, as the web edge accepts them: one pydantic model per command.

Each model is derived from the workflow update's payload dataclass (the rules' event, or one of
:data:`PEOPLE_UPDATES`: who takes part) minus ``actor`` and ``at``, which the web sets itself. The
derivation adds the bounds the edge checks before the rules see anything (dates in a sane range,
hours and counts bounded, free text short and without control characters), so a wrong shape is a
422 naming the field and never reaches the workflow.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError

from contracts import Person
from states.events import BuildUpStep, ContactPreference, Recovered, TherapeuticWorkStarted
from states.workdays import is_working_day
from web.intake import (
    IsoDate,
    PersonIn,
    WorkingWeekday,
    check_contact_time,
    no_invisible_controls,
    no_medical_place,
    no_medical_terms,
)
from workflows.case import RULE_UPDATES
from workflows.commands import (
    AssignCoach,
    ChangeCasemanager,
    ChangeManager,
    ChangeWorkplace,
    ChooseBuddy,
    RemoveCoach,
)

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_LIST = 30

# Free text: a short summary, never medical details; new lines allowed, other control characters not.
# Every text a person types is checked for medical terms (web.intake.no_medical_terms), but names and keys.
FreeText = Annotated[
    str,
    StringConstraints(max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"),
    AfterValidator(no_invisible_controls),
    AfterValidator(no_medical_terms),
]
Line = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"),
    AfterValidator(no_invisible_controls),
]
TextLine = Annotated[Line, AfterValidator(no_medical_terms)]
PlaceLine = Annotated[Line, AfterValidator(no_medical_place)]
SignalKey = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9:_.\-]+$")]
DATE_RANGE = f"{EARLIEST} to {LATEST}"


def within_date_range(day: date) -> date:
    """A date the product takes: from :data:`EARLIEST` to :data:`LATEST` (a typo of the century,
    or a year 1899, would count tens of thousands of sick days)."""
    if not EARLIEST <= day <= LATEST:
        raise PydanticCustomError(
            "date_range",
            "{day} is out of range: give a date from {range}",
            {"day": day.isoformat(), "range": DATE_RANGE},
        )
    return day


Day = Annotated[
    IsoDate,
    AfterValidator(within_date_range),
    # JSON Schema has no bounds for a date string: stated in words and as formatMinimum/formatMaximum
    # (the vocabulary validators such as ajv read), and checked by within_date_range.
    Field(
        description=f"a date (YYYY-MM-DD) from {DATE_RANGE}",
        json_schema_extra={"formatMinimum": EARLIEST.isoformat(), "formatMaximum": LATEST.isoformat()},
    ),
]
_DAY = TypeAdapter(Day)


def date_problem(text: str) -> str | None:
    """What is wrong with ``text`` as a date the API takes (its words), or None when it is one."""
    try:
        _DAY.validate_python(text)
    except ValidationError as exc:
        return "; ".join(str(error["msg"]) for error in exc.errors())
    return None


Hours = Annotated[float, Field(ge=0, le=80, allow_inf_nan=False, description="hours per week, 0 to 80")]

_FREE_TEXT = frozenset(
    {"summary", "employer_view", "employee_view", "reason", "note"}
    # rules version 4: the content of the dossier's records (several lines each)
    | {"limitations", "capabilities", "expected_duration", "work_advice", "agreed", "next_steps", "changes"}
    | {"view", "activity", "late_reason"}
)
#: Lines that are not prose, so not checked for medical terms: names and the keys of things.
_NAMES_AND_KEYS = frozenset({"contact_person", "casemanager", "about", "signal_key", "series_id"})
_PLACES = frozenset({"location", "workplace"})
_INT_BOUNDS: dict[str, tuple[int, int]] = {
    "lasting_days": (0, 730),
    "weeks": (1, 52),
    "weekday": (0, 6),
    "hour": (0, 23),
    "minute": (0, 59),
}


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def working_day(day: date | None) -> date | None:
    """A day someone works (again) on: Monday to Friday and no public holiday (states.workdays)."""
    if day is not None and not is_working_day(day):
        what = "a public holiday" if day.weekday() < 5 else f"a {_WEEKDAYS[day.weekday()]}"
        raise PydanticCustomError(
            "working_day",
            "{day} is {what}, not a working day: choose a working day (Monday to Friday, not a public holiday)",
            {"day": day.isoformat(), "what": what},
        )
    return day


#: The dates on which someone works (again): a build-up step's first day, the first day of
#: arbeidstherapeutisch werken, the first day back after a recovery. The rules take any day; the
#: edge refuses a weekend or a public holiday there (a typo, and a team told "begint weer op zondag").
#: Only a date given is checked: without one, the rules take the day the command is given.
WORKING_DAY_FIELDS: dict[type, frozenset[str]] = {
    BuildUpStep: frozenset({"from_date"}),
    TherapeuticWorkStarted: frozenset({"on"}),
    Recovered: frozenset({"on"}),
}


def _contact_within_working_hours(model: Any) -> Any:
    check_contact_time(model.hour, model.minute, field="hour")
    return model


#: Checks of a whole payload, by its type: the contact moment of `preference_changed` is checked as
#: the intake checks it (web.intake, one definition for both).
_MODEL_CHECKS: dict[type, dict[str, Any]] = {
    ContactPreference: {"_within_working_hours": model_validator(mode="after")(_contact_within_working_hours)},
}


@dataclass(frozen=True)
class CommandSpec:
    """One command: its update name, the payload type the workflow takes, and the edge's model."""

    name: str
    payload: type
    model: type[BaseModel]


def _scalar(name: str, kind: Any) -> Any:
    if kind is date:
        return Day
    if kind is float:
        return Hours
    if kind is int:
        low, high = _INT_BOUNDS.get(name, (0, 10_000))
        return Annotated[int, Field(ge=low, le=high)]
    if kind is str:
        if name in _FREE_TEXT:
            return FreeText
        if name == "signal_key":
            return SignalKey
        if name in _PLACES:
            return PlaceLine
        return Line if name in _NAMES_AND_KEYS else TextLine
    if kind is bool or (isinstance(kind, type) and issubclass(kind, enum.Enum)):
        return kind
    if kind is Person:
        return PersonIn
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        return model_for(kind)
    raise TypeError(f"no web type for {name}: {kind!r}")


def _field_type(name: str, annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        assert len(members) == 1, f"{name}: only 'X | None' unions are supported"
        return _field_type(name, members[0]) | None
    if origin in (list, tuple):
        (item,) = typing.get_args(annotation)[:1]
        return Annotated[list[_field_type(name, item)], Field(max_length=MAX_LIST)]  # type: ignore[misc]  # an item type computed at run time
    return _scalar(name, annotation)


#: The payload dataclass each derived model stands for (filled by :func:`model_for`).
_PAYLOADS: dict[type[BaseModel], type] = {}


@cache
def model_for(payload: type, *, title: str | None = None) -> type[BaseModel]:
    """The pydantic model of a payload dataclass without ``actor`` and ``at`` (cached per type)."""
    hints = typing.get_type_hints(payload)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(payload):
        if field.name in ("actor", "at"):
            continue
        annotation = _field_type(field.name, hints[field.name])
        if field.name in WORKING_DAY_FIELDS.get(payload, ()):
            annotation = Annotated[annotation, AfterValidator(working_day)]
        if payload is ContactPreference and field.name == "weekday":
            annotation = WorkingWeekday
        if field.default is not dataclasses.MISSING:
            fields[field.name] = (annotation, field.default)
        elif field.default_factory is not dataclasses.MISSING:
            fields[field.name] = (annotation, Field(default_factory=field.default_factory))
        else:
            fields[field.name] = (annotation, ...)
    # The fields come as **dict[str, Any], so more than one overload matches and mypy says Any.
    model: type[BaseModel] = create_model(
        title or f"{payload.__name__}Fields",
        __config__=ConfigDict(extra="forbid"),
        __doc__=(payload.__doc__ or "").strip() or None,
        __validators__=_MODEL_CHECKS.get(payload),
        **fields,
    )
    _PAYLOADS[model] = payload
    return model


def _value(value: Any) -> Any:
    if isinstance(value, PersonIn):
        return value.to_person()
    if isinstance(value, BaseModel):
        payload = _PAYLOADS[type(value)]
        return payload(**{name: _value(getattr(value, name)) for name in type(value).model_fields})
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def to_payload(spec: CommandSpec, body: BaseModel, *, actor: str, at: datetime) -> Any:
    """The workflow update's payload: the validated fields, plus who gives the command and when."""
    return spec.payload(actor=actor, at=at, **{name: _value(getattr(body, name)) for name in type(body).model_fields})


PEOPLE_UPDATES: dict[str, type] = {
    "assign_coach": AssignCoach,
    "remove_coach": RemoveCoach,
    "change_casemanager": ChangeCasemanager,
    "change_manager": ChangeManager,
    "choose_buddy": ChooseBuddy,
}
"""The commands that change who takes part (not the rules' events): HR's alone (web.access)."""

CASE_UPDATES: dict[str, type] = {"change_workplace": ChangeWorkplace}
"""The commands that change a detail of the case the rules do not decide on (HR's alone)."""


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _specs() -> dict[str, CommandSpec]:
    payloads: dict[str, type] = {**RULE_UPDATES, **PEOPLE_UPDATES, **CASE_UPDATES}
    return {
        name: CommandSpec(name, payload, model_for(payload, title=f"{_camel(name)}Command"))
        for name, payload in payloads.items()
    }


COMMANDS: dict[str, CommandSpec] = _specs()
"""Every command by its update name (the snake_case of the payload's class)."""
