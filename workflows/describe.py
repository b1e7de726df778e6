"""Plain words for the timeline and the audit trail: what happened, without free text or health data.

Free-text fields of events (talk summaries, each side's view, reasons) stay in the workflow history
only (from rules version 4 also in the dossier's records, :mod:`workflows.dossier`); the audit trail
records the structured facts (dates, hours, outcomes).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from states import effects as fx

FREE_TEXT_FIELDS = frozenset(
    {
        "summary",
        "employer_view",
        "employee_view",
        "reason",
        "note",
        "tasks",
        "contact_person",
        # rules version 4: the content of the dossier's records (workflows.dossier keeps it there)
        "changes",
        "late_reason",
        "reference",
        "limitations",
        "capabilities",
        "expected_duration",
        "work_advice",
        "agreed",
        "next_steps",
        "view",
        "activity",
        "by",
    }
)
"""Fields a person types: never in the audit detail (by name, also inside a nested plan, advice or report)."""

_EFFECT_TEXT: dict[type, str] = {
    fx.SendSeries: "Uitnodiging verstuurd",
    fx.UpdateSeries: "Uitnodiging bijgewerkt",
    fx.CancelSeries: "Afspraken beëindigd",
    fx.NotifyTeam: "Team geïnformeerd",
    fx.AskBuddyConsent: "Medewerker gevraagd naar een buddy",
    fx.InviteBuddy: "Buddy uitgenodigd",
    fx.PrepareFirstDay: "Eerste werkdag voorbereid",
    fx.LoopInCoach: "Coach ingeschakeld",
    fx.PauseBuildUp: "Opbouw gepauzeerd",
    fx.RemindHR: "HR herinnerd",
    fx.AlertHROverdue: "HR gewaarschuwd: termijn verstreken",
    fx.AlertHRRivGap: "HR gewaarschuwd: re-integratieverslag niet compleet",
    fx.CloseCase: "Zaak gesloten",
}


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _enum_text(value: enum.Enum) -> str:
    return str(value.value)


@functools.cache
def _to_text(value_type: type) -> Callable[[Any], str] | None:
    """How a value of this type is written in the audit detail (None: it is not a plain value)."""
    if issubclass(value_type, enum.Enum):
        return _enum_text
    if issubclass(value_type, (date, datetime)):
        return value_type.isoformat
    if issubclass(value_type, (bool, int, float, str)):
        return str
    return None


def _plain(value: object) -> str | None:
    value_type: type = type(value)  # plain `type` (not type[object]) is Hashable for lru_cache
    to_text = _to_text(value_type)
    return to_text(value) if to_text is not None else None


@functools.cache
def _described_fields(event_type: type) -> tuple[str, ...]:
    """The names of the fields of an event type that its detail may show (computed once per type)."""
    skipped = FREE_TEXT_FIELDS | {"actor", "at"}
    return tuple(field.name for field in dataclasses.fields(event_type) if field.name not in skipped)


def event_detail(event: object) -> dict[str, str]:
    """The structured fields of an event (no free text), flattened one level for nested plans."""
    detail: dict[str, str] = {}
    event_type: type = type(event)  # plain `type` (not type[object]) is Hashable for lru_cache
    for name in _described_fields(event_type):
        value = getattr(event, name)
        if (text := _plain(value)) is not None:
            detail[name] = text
        elif isinstance(value, list):
            plain = [p for p in map(_plain, value) if p is not None]
            if plain:
                detail[name] = ", ".join(p for p in plain if p)
        elif dataclasses.is_dataclass(value):
            for inner_name, inner in event_detail(value).items():
                detail[f"{name}.{inner_name}"] = inner
    return detail


def effect_text(effect: fx.Effect) -> str:
    # An effect of the workflow's own (workflows.briefing.BriefCoach) reads as the rules' effect it extends.
    found = (_EFFECT_TEXT.get(cls) for cls in type(effect).__mro__)
    text = next((text for text in found if text), type(effect).__name__)
    kind = getattr(effect, "kind", None) or getattr(effect, "deadline_key", None)
    return f"{text} ({kind})" if kind else text


def effect_detail(effect: fx.Effect) -> dict[str, str]:
    return {
        key: value
        for key, value in event_detail(effect).items()
        if not key.startswith(("text_", "signal.text", "reason_"))
    }
