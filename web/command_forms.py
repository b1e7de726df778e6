"""Commands as short HTML forms: the fields of a command's model, and a flat form back to its data.

The form of a command is derived from the same pydantic model the API validates with, so a page
and the API accept exactly the same thing. Nested fields are named with dots (``plan.hours_per_week``);
lists are one item per line (a build-up schedule: ``2026-03-02 8`` per line), a list of choices is a
set of check boxes. An empty field is left out, so the model's default applies. An optional nested
object (the bedrijfsarts's advice, a talk's verslag, a revised plan) is a group of its own on the form,
with no defaults: left empty, it is not sent at all.
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

Kind = Literal["text", "free_text", "date", "number", "choice", "yes_no", "lines", "dates", "schedule", "multi"]


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
    group: str = ""
    """The i18n key of the optional group the field belongs to (``group.advice``); "" for none."""


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


def _choices(kind: type[enum.Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in kind)


def fields_of(model: type[BaseModel], prefix: str = "", group: str = "") -> list[FormField]:
    """The form's fields. Within an optional ``group`` nothing is required and nothing has a default,
    so a group left empty sends nothing (a default choice would send half an object)."""
    found: list[FormField] = []
    for name, info in model.model_fields.items():
        inner, optional = _unwrap(info.annotation)
        full = f"{prefix}{name}"
        required = info.is_required() and not optional and not group
        default = "" if info.is_required() or group else _default_text(info.get_default(call_default_factory=False))
        label = f"field.{name}"
        if typing.get_origin(inner) is list:
            item, _ = _unwrap(typing.get_args(inner)[0])
            if isinstance(item, type) and issubclass(item, enum.Enum):
                found.append(FormField(full, label, "multi", required, _choices(item), group=group))
                continue
            kind: Kind = (
                "dates"
                if item is date
                else "schedule"
                if isinstance(item, type) and issubclass(item, BaseModel)
                else "lines"
            )
            found.append(FormField(full, label, kind, required, group=group))
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            nested = f"group.{name}" if optional and inner is not PersonIn and not group else group
            found.extend(fields_of(inner, prefix=f"{full}.", group=nested))
        elif inner is bool:
            found.append(FormField(full, label, "yes_no", required, ("yes", "no"), default, group=group))
        elif isinstance(inner, type) and issubclass(inner, enum.Enum):
            found.append(FormField(full, label, "choice", required, _choices(inner), default, group=group))
        elif inner is date:
            found.append(FormField(full, label, "date", required, group=group))
        elif inner in (int, float):
            found.append(FormField(full, label, "number", required, default=default, group=group))
        else:
            text_kind: Kind = "free_text" if name in _FREE_TEXT else "text"
            found.append(FormField(full, label, text_kind, required, default=default, group=group))
    return found


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]


def form_values(items: list[tuple[str, Any]], *, leave_out: tuple[str, ...] = ()) -> dict[str, str]:
    """A posted form as :func:`parse` takes it: a name given more than once (check boxes) becomes its
    values one per line. ``items``: Starlette's ``FormData.multi_items()``."""
    values: dict[str, str] = {}
    for key, value in items:
        if key in leave_out:
            continue
        values[key] = f"{values[key]}\n{value}" if key in values else str(value)
    return values


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
        elif field.kind == "multi":  # check boxes: the values come one per line (form_values)
            value = [line.strip() for line in raw.splitlines() if line.strip()]
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
