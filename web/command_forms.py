"""Commands as short HTML forms: the fields of a command's model, and a flat form back to its data.

The form of a command is derived from the same pydantic model the API validates with, so a page
and the API accept exactly the same thing. Nested fields are named with dots (``plan.hours_per_week``);
lists are one item per line (a build-up schedule: ``2026-03-02 8`` per line). An empty field is left
out, so the model's default applies. Optional nested objects that only the API offers (a revised
plan) are not on the form.
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Union

from pydantic import BaseModel, ValidationError

from web.command_models import _FREE_TEXT
from web.intake import PersonIn

Kind = Literal["text", "free_text", "date", "number", "choice", "yes_no", "lines", "dates", "schedule"]


@dataclass(frozen=True)
class FormField:
    name: str  # dotted form name
    label_key: str  # i18n key of the label
    kind: Kind
    required: bool
    choices: tuple[str, ...] = ()
    default: str = ""
    choice_labels: tuple[str, ...] = ()
    """What a person reads for each of ``choices`` (same order); empty: the choices' own words."""


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, optional) with Annotated and ``X | None`` peeled off."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            optional = optional or len(members) < len(typing.get_args(annotation))
            annotation = members[0]
        else:
            return annotation, optional


def _default_text(value: Any) -> str:
    if value is None or value is typing.Any:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (int, float, str, date)):
        return str(value) if not isinstance(value, date) else value.isoformat()
    return ""


def fields_of(model: type[BaseModel], prefix: str = "") -> list[FormField]:
    found: list[FormField] = []
    for name, info in model.model_fields.items():
        inner, optional = _unwrap(info.annotation)
        full = f"{prefix}{name}"
        required = info.is_required() and not optional
        default = "" if info.is_required() else _default_text(info.get_default(call_default_factory=False))
        label = f"field.{name}"
        if typing.get_origin(inner) is list:
            item, _ = _unwrap(typing.get_args(inner)[0])
            kind: Kind = (
                "dates"
                if item is date
                else "schedule"
                if isinstance(item, type) and issubclass(item, BaseModel)
                else "lines"
            )
            found.append(FormField(full, label, kind, required))
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            if optional and inner is not PersonIn:
                continue  # e.g. a revised plan: API only
            found.extend(fields_of(inner, prefix=f"{full}."))
        elif inner is bool:
            found.append(FormField(full, label, "yes_no", required, ("yes", "no"), default))
        elif isinstance(inner, type) and issubclass(inner, enum.Enum):
            found.append(FormField(full, label, "choice", required, tuple(str(m.value) for m in inner), default))
        elif inner is date:
            found.append(FormField(full, label, "date", required))
        elif inner in (int, float):
            found.append(FormField(full, label, "number", required, default=default))
        else:
            found.append(
                FormField(full, label, "free_text" if name in _FREE_TEXT else "text", required, default=default)
            )
    return found


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]


def parse(model: type[BaseModel], form: dict[str, str]) -> dict[str, Any]:
    """The form's values as the model's input (not yet validated)."""
    data: dict[str, Any] = {}
    for field in fields_of(model):
        raw = form.get(field.name, "").strip()
        if field.kind == "free_text":
            raw = form.get(field.name, "").strip()
        if raw == "":
            continue
        if field.kind == "yes_no":
            value: Any = {"yes": True, "no": False}.get(raw, raw)
        elif field.kind in ("lines", "dates"):
            value = (
                _lines(raw) if field.kind == "dates" else [line.strip() for line in raw.splitlines() if line.strip()]
            )
        elif field.kind == "schedule":
            value = []
            for line in raw.splitlines():
                parts = line.replace(";", " ").split()
                if parts:
                    value.append({"from_date": parts[0], "hours_per_week": parts[1] if len(parts) > 1 else ""})
        else:
            value = raw
        _set(data, field.name, value)
    return data


def errors_by_field(model: type[BaseModel], exc: ValidationError) -> dict[str, str]:
    """Each error on the form field it belongs to (the nearest named field), as a plain message."""
    names = {field.name for field in fields_of(model)}
    errors: dict[str, str] = {}
    for error in exc.errors():
        parts = [str(part) for part in error["loc"] if not isinstance(part, int)]
        name = ".".join(parts)
        while name and name not in names:
            name = name.rpartition(".")[0]
        errors.setdefault(name or "_form", str(error["msg"]).removeprefix("Value error, "))
    return errors
