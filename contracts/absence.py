"""What the statistics of absence (issue 21) learn from a case: its sick periods, how much of each
day the employee was absent, its phases over time and its statutory steps.

Written by the workflow (``workflows.absence``) into ``RecordProgress.absence`` whenever it changed,
kept by ``integrations.absence_records`` as one row per case, read by ``integrations.statistics``.
Dates and fractions only: no diagnosis, cause or treatment, no name or address (the employee is a
hash of the address, to count one report once when two cases name the same period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class AbsenceSpan:
    """Days ``start`` to ``end`` (inclusive; None: still running) absent for ``fraction`` of the
    contract hours (1.0: fully absent; therapeutic work without wage value counts as full)."""

    start: date
    end: date | None
    fraction: float


@dataclass(frozen=True)
class SickReport:
    """One sick period: a report (melding) of its own under the 1996 standard, even a relapse within
    4 weeks that continues the law's clock. ``recovered``: it ended by full recovery."""

    start: date
    end: date | None
    recovered: bool


@dataclass(frozen=True)
class PhaseSince:
    phase: str
    since: date


@dataclass(frozen=True)
class StepDue:
    """A statutory step: when it was due and when it was done (None: not done)."""

    key: str
    due: date
    done_on: date | None


@dataclass(frozen=True)
class AbsenceRecord:
    """Everything the statistics need of one case, replaced as a whole when it changes."""

    employee_key: str
    contract_hours_per_week: float
    reports: tuple[SickReport, ...]
    spans: tuple[AbsenceSpan, ...]
    phases: tuple[PhaseSince, ...]
    steps: tuple[StepDue, ...]
    outcome: str | None = None
    tweede_spoor_started_on: date | None = None
