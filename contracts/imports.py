"""What a case brought in while it was already running carries into its workflow (issue 21).

An import opens a case whose first sick day lies months back, with the steps already done on their
own dates. :class:`RunningCaseImport` rides in the case's start input (``CaseInput.imported``); the
workflow hands its steps to the rules as history (:mod:`states.running`). Dates and kinds only:
never the content of a document, never health data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

STEP_KINDS: tuple[str, ...] = (
    "probleemanalyse",
    "arbodienst_report",
    "plan_van_aanpak",
    "evaluation",
    "uwv_42_week_report",
    "eerstejaarsevaluatie",
    "tweede_spoor",
    "actueel_oordeel",
    "riv_to_employee",
    "wia_application",
)
"""The steps a running case can bring, in the order of the law's process."""

EVALUATION_OUTCOMES: tuple[str, ...] = ("continue", "adjust_plan", "second_track")
"""How an imported evaluation ended (a recovery ends the case: such a case is not brought in)."""


@dataclass(frozen=True)
class EarlierPeriod:
    """An earlier sick period of the same employee that counts with this case (samentelling)."""

    start: date
    end: date


@dataclass(frozen=True)
class DoneStep:
    """A step already done: its kind (one of :data:`STEP_KINDS`) and the day it was done.
    ``outcome``: an evaluation's (one of :data:`EVALUATION_OUTCOMES`, "" for ``continue``);
    ``reference``: a reference that goes with it (the 42e-weeksmelding's at UWV, say);
    ``hours_per_week``: the plan van aanpak's."""

    kind: str
    on: date
    outcome: str = ""
    reference: str = ""
    hours_per_week: float = 0.0
    """The plan van aanpak's hours a week (0 when not given: agreed again at the next evaluation)."""


@dataclass(frozen=True)
class RunningCaseImport:
    """The history of a running case, and whether its invitations wait for HR (``hold_invitations``).

    ``external_ref``: the employer's own reference of the case, unique per import (the case's id is
    derived from it, so importing it twice opens one case)."""

    external_ref: str
    steps: tuple[DoneStep, ...] = ()
    earlier_periods: tuple[EarlierPeriod, ...] = ()
    hold_invitations: bool = False
