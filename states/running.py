"""Opening a case that was already running before the product came (issue 21: bringing in running cases).

An employer who starts using the product has cases that are months old: a first sick day long past,
perhaps earlier periods that count with it (samentelling), and steps already done on their own dates
(the probleemanalyse, the plan van aanpak, evaluations, the 42e-weeksmelding, the
eerstejaarsevaluatie...). :func:`open_running_case` opens such a case and records those steps as
history *before* anything time-driven is decided, so:

- a step that was done raises no reminder and no overdue alert (it is done: the agenda and the
  signals never watch it);
- a step not done whose deadline passed is overdue and alerts HR at once, as it would in any case;
- what the steps themselves would have said (a notice when a plan was signed in May) is not said:
  their effects speak of the past and are dropped. What the case needs from now on (its talks, the
  next evaluation, the reminder of the next step) comes from the same agenda every case follows.

Pure, like the rest of :mod:`states`: the same intake, history and ``now`` give the same decision. It
changes no rule of a running case, so it needs no new rules version: a case opened this way follows
the rules version it is opened with, and its history replays like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from states.case import Decision, opened_facts, tick
from states.clock import require_aware
from states.events import (
    CaseOpened,
    EerstejaarsevaluatieHeld,
    EvaluationHeld,
    PlanVanAanpakSigned,
    ProbleemanalyseReceived,
    StepRecorded,
    TweedeSpoorStarted,
)
from states.kinds import EvaluationOutcome
from states.refusals import Refused
from states.rules import apply, event_day

__all__ = ["HISTORY_EVENTS", "HistoryEvent", "HistoryRefused", "open_running_case"]

HistoryEvent = (
    ProbleemanalyseReceived
    | PlanVanAanpakSigned
    | EvaluationHeld
    | StepRecorded
    | EerstejaarsevaluatieHeld
    | TweedeSpoorStarted
)
"""The steps a running case can bring with it: the documents and talks of the law's process."""

HISTORY_EVENTS: tuple[type, ...] = (
    ProbleemanalyseReceived,
    StepRecorded,
    PlanVanAanpakSigned,
    EvaluationHeld,
    EerstejaarsevaluatieHeld,
    TweedeSpoorStarted,
)
"""In the order steps of one day are applied (a plan signed the day its probleemanalyse came)."""


class HistoryRefused(Refused):
    """The rules refuse one step of the history; ``index`` is its place in the history as given."""

    def __init__(self, index: int, refused: Refused) -> None:
        super().__init__(refused.reason_nl, refused.reason_en, refused.code)
        self.index = index


def open_running_case(
    intake: CaseOpened, history: Sequence[HistoryEvent], now: datetime, *, rules_version: int = 1
) -> Decision:
    """Open a running case with the steps already done (each event's ``on`` is the day it was done),
    then decide what is due at ``now``. Raises :class:`Refused` when the intake cannot open, or
    :class:`HistoryRefused` naming the step the rules refuse (nothing is opened then)."""
    require_aware(now)
    facts = opened_facts(intake, now, rules_version=rules_version)
    for event in history:
        if type(event) not in HISTORY_EVENTS:
            raise TypeError(f"not a step a running case brings: {type(event).__name__}")
    order = sorted(
        range(len(history)),
        key=lambda i: (event_day(history[i]), HISTORY_EVENTS.index(type(history[i])), i),
    )
    for index in order:
        event = history[index]
        if isinstance(event, EvaluationHeld) and EvaluationOutcome(event.outcome) == EvaluationOutcome.recovered:
            raise HistoryRefused(
                index,
                Refused(
                    "Een hersteld gemelde werknemer heeft geen lopende zaak: breng die niet in.",
                    "An employee reported recovered has no running case: do not bring it in.",
                    "history_recovered",
                ),
            )
        try:
            apply(facts, event, now)  # what the step would have said then is not said now
        except Refused as refused:
            raise HistoryRefused(index, refused) from None
    return tick(facts, now)
