"""The HTML intake form: from posted fields to the intake payload, and pydantic's errors to the fields.

Errors are returned as text keys (web/i18n.py) by field name, so the page shows each next to its
field in the reader's language (Dutch by default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

PEOPLE_REQUIRED = ("employee", "manager")
PEOPLE_OPTIONAL = ("casemanager", "coach", "buddy_candidates.0", "buddy_candidates.1", "buddy_candidates.2")
BUDDY_ROWS = 3
SCALARS = (
    "employee_phone",
    "first_sick_day",
    "expected_duration_weeks",
    "contract_hours_per_week",
    "contract_days_per_week",
    "org_unit",
    "team",
    "arbodienst_email",
    "contact.weekday",
    "contact.channel",
    "contact.place",
    "contact.location",
    "workplace",
)
YES_NO = ("work_accident", "third_party_liable", "safety_net_applies")
_MODEL_LEVEL = {"same_person", "hours_per_day", "place_channel", "location_needed", "working_hours"}
#: Errors of the shared contact-moment check (web.intake) and the text keys the form shows for them.
_CONTACT_KEYS = {"working_hours": "err.time", "working_day": "err.choice"}
_ADDRESS_SPLIT = re.compile(r"[\s,;]+")
_TIME = re.compile(r"^([0-2]?[0-9]):([0-5][0-9])$")


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node: Any = data
    for index, part in enumerate(parts[:-1]):
        following = parts[index + 1]
        if part.isdigit():
            part_index = int(part)
            while len(node) <= part_index:
                node.append({})
            node = node[part_index]
        else:
            node = node.setdefault(part, [] if following.isdigit() else {})
    node[parts[-1]] = value


def parse(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The payload for :class:`web.intake.IntakeRequest`, and errors found before validation."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def value(name: str) -> str:
        return form.get(name, "").strip()

    for group in PEOPLE_REQUIRED:
        person = {key: value(f"{group}.{key}") for key in ("name", "email", "language") if value(f"{group}.{key}")}
        _set(data, group, person)
    buddies: list[dict[str, str]] = []
    for group in PEOPLE_OPTIONAL:
        name, address = value(f"{group}.name"), value(f"{group}.email")
        if not name and not address:
            continue
        if not name or not address:
            errors[f"{group}.{'name' if not name else 'email'}"] = "err.person_pair"
            continue
        person = {"name": name, "email": address}
        if value(f"{group}.language"):
            person["language"] = value(f"{group}.language")
        if group.startswith("buddy_candidates."):
            buddies.append(person)
        else:
            _set(data, group, person)
    if buddies:
        data["buddy_candidates"] = buddies
    for name in SCALARS:
        if value(name):
            text = value(name)
            _set(data, name, text.replace(",", ".") if name == "contract_hours_per_week" else text)
    moment = value("contact.time")
    if moment:
        match = _TIME.match(moment)
        if match is None:
            errors["contact.time"] = "err.time"
        else:
            _set(data, "contact.hour", int(match.group(1)))
            _set(data, "contact.minute", int(match.group(2)))
    addresses = [part for part in _ADDRESS_SPLIT.split(value("team_notice_to")) if part]
    if addresses:
        data["team_notice_to"] = addresses
    for name in YES_NO:
        if value(name) in ("yes", "no"):
            data[name] = value(name) == "yes"
    return data, errors


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts[:1] == ["contact"] and parts[1:2] in (["hour"], ["minute"]):
        return "contact.time"
    if parts[:1] == ["team_notice_to"]:
        return "team_notice_to"
    return ".".join(parts) or "body"


def _key(field: str, kind: str) -> str:
    if kind in _CONTACT_KEYS:
        return _CONTACT_KEYS[kind]
    if kind in _MODEL_LEVEL:
        return f"err.{kind}"
    if kind in ("missing", "string_too_short"):
        return "err.required"
    if field == "first_sick_day":
        return "err.sick_day" if kind == "value_error" else "err.date"
    if field == "team_notice_to":
        return "err.too_many" if kind == "too_long" else "err.emails"
    if kind == "value_error":
        return "err.email" if field.endswith("email") else "err.chars"
    if kind == "string_pattern_mismatch":
        return "err.phone" if field == "employee_phone" else "err.chars"
    if kind in ("int_parsing", "float_parsing", "int_from_float", "finite_number"):
        return "err.number"
    if kind.startswith(("greater_than", "less_than")):
        return "err.time" if field == "contact.time" else "err.range"
    if kind in ("enum", "literal_error"):
        return "err.choice"
    if kind in ("too_long", "string_too_long"):
        return "err.too_many" if kind == "too_long" else "err.too_long_text"
    return "err.invalid"


def errors_by_field(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        kind = error["type"]
        ctx = error.get("ctx") or {}
        field = str(ctx["field"]) if kind in _MODEL_LEVEL and "field" in ctx else _field(tuple(error["loc"]))
        if kind == "missing" and field in PEOPLE_REQUIRED:
            for sub in ("name", "email"):
                errors.setdefault(f"{field}.{sub}", "err.required")
            continue
        if kind == "medical_terms":  # the message names the words found (web.intake), not a fixed text
            errors.setdefault(field, str(error["msg"]))
            continue
        errors.setdefault(field, _key(field, kind))
    return errors
