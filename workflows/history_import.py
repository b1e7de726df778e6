"""A running case brought in with its history (issue 21): what the workflow and the web's check share.

- :func:`open_decision`: the rules' decision that opens a case, with the steps already done applied
  as history when the case was imported (:func:`states.running.open_running_case`), else as any case
  opens (:func:`states.open_case`).
- :func:`history_events`: the import's steps as the rules' events, each on the day it was done.
- Invitations held: an import may ask that no calendar invitation goes out until HR confirms the case
  (``RunningCaseImport.hold_invitations``). The workflow then keeps every series as the rules plan it
  but sends none (``CaseMemory.invitations_held``); :class:`ReleaseInvitations` ends the hold and
  :func:`release_effects` sends every open series as it stands then, once.

Pure and deterministic: it runs inside the workflow.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from contracts.imports import RunningCaseImport
from states.cadence import series_effect
from states.case import Decision, open_case
from states.effects import SendSeries
from states.events import (
    CaseOpened,
    EerstejaarsevaluatieHeld,
    EvaluationHeld,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    ProbleemanalyseReceived,
    StepRecorded,
    TweedeSpoorStarted,
)
from states.facts import CaseFacts
from states.kinds import EvaluationOutcome, StepKey
from states.running import HistoryEvent, open_running_case
from states.timeline import SickPeriod

IMPORTED_ACTION = "case_imported"
RELEASED_ACTION = "invitations_released"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReleaseInvitations:
    """HR confirms an imported case: its calendar invitations, held until now, go out."""

    actor: str
    at: datetime


def history_events(imported: RunningCaseImport, *, actor: str, at: datetime) -> list[HistoryEvent]:
    """The import's steps as the rules' events, in the order given (each ``on`` its day)."""
    events: list[HistoryEvent] = []
    for step in imported.steps:
        kind, on = step.kind, step.on
        if kind == "probleemanalyse":
            events.append(ProbleemanalyseReceived(actor=actor, at=at, on=on))
        elif kind == "plan_van_aanpak":
            # The plan's content is not imported, only its hours (0 when not given).
            plan = PlanVanAanpak(hours_per_week=step.hours_per_week)
            events.append(PlanVanAanpakSigned(actor=actor, at=at, on=on, plan=plan))
        elif kind == "evaluation":
            outcome = EvaluationOutcome(step.outcome or EvaluationOutcome.continue_plan)
            events.append(EvaluationHeld(actor=actor, at=at, on=on, outcome=outcome))
        elif kind == "eerstejaarsevaluatie":
            events.append(EerstejaarsevaluatieHeld(actor=actor, at=at, on=on))
        elif kind == "tweede_spoor":
            events.append(TweedeSpoorStarted(actor=actor, at=at, on=on))
        else:
            events.append(StepRecorded(actor=actor, at=at, on=on, step=StepKey(kind), reference=step.reference))
    return events


def open_decision(
    opened: CaseOpened, imported: RunningCaseImport | None, now: datetime, *, rules_version: int
) -> Decision:
    """The decision that opens the case: with its history when it was imported."""
    if imported is None:
        return open_case(opened, now, rules_version=rules_version)
    opened = dataclasses.replace(
        opened, earlier_periods=[SickPeriod(start=p.start, end=p.end) for p in imported.earlier_periods]
    )
    history = history_events(imported, actor=opened.actor, at=opened.at)
    return open_running_case(opened, history, now, rules_version=rules_version)


def imported_detail(imported: RunningCaseImport) -> dict[str, str]:
    """The audit entry's detail of an imported case: its reference and the steps it brought, with dates."""
    return {
        "external_ref": imported.external_ref,
        "steps": "; ".join(f"{step.kind} {step.on.isoformat()}" for step in imported.steps),
        "earlier_periods": "; ".join(f"{p.start.isoformat()}..{p.end.isoformat()}" for p in imported.earlier_periods),
        "invitations": "held" if imported.hold_invitations else "sent",
    }


def release_effects(facts: CaseFacts) -> list[SendSeries]:
    """Every open series as it stands, to send now that the hold ends (each key names the release
    and the series' sequence, so the outbox sends it once)."""
    effects = []
    for series in facts.series:
        if not series.active:
            continue
        effect = series_effect(SendSeries, facts, series)
        assert isinstance(effect, SendSeries)
        effects.append(
            dataclasses.replace(effect, key=f"{facts.case_id}:released:{series.series_id}:seq{series.sequence}")
        )
    return effects
