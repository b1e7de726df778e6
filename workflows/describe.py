"""Plain words for the timeline and the audit trail: what happened, without free text or health data.

Free-text fields of events (talk summaries, each side's view, reasons) stay in the workflow history
only; the audit trail records the structured facts (dates, hours, outcomes).
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime

from states import effects as fx

FREE_TEXT_FIELDS = frozenset({"summary", "employer_view", "employee_view", "reason", "note", "tasks", "contact_person"})

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
    fx.CloseCase: "Zaak gesloten",
}


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _plain(value: object) -> str | None:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (bool, int, float, str)):
        return str(value)
    return None


def event_detail(event: object) -> dict[str, str]:
    """The structured fields of an event (no free text), flattened one level for nested plans."""
    detail: dict[str, str] = {}
    for field in dataclasses.fields(event):  # type: ignore[arg-type]
        if field.name in FREE_TEXT_FIELDS or field.name in ("actor", "at"):
            continue
        value = getattr(event, field.name)
        if dataclasses.is_dataclass(value):
            for name, inner in event_detail(value).items():
                detail[f"{field.name}.{name}"] = inner
        elif isinstance(value, list):
            plain = [_plain(item) for item in value if _plain(item) is not None]
            if plain:
                detail[field.name] = ", ".join(p for p in plain if p)
        elif (text := _plain(value)) is not None:
            detail[field.name] = text
    return detail


def effect_text(effect: fx.Effect) -> str:
    text = _EFFECT_TEXT.get(type(effect), type(effect).__name__)
    kind = getattr(effect, "kind", None) or getattr(effect, "deadline_key", None)
    return f"{text} ({kind})" if kind else text


def effect_detail(effect: fx.Effect) -> dict[str, str]:
    return {key: value for key, value in event_detail(effect).items() if not key.startswith(("text_", "signal.text", "reason_"))}
