"""The arithmetic of absence statistics: the Standaard Berekening van Ziekteverzuim (1996, CBS follows
it; DOMAIN.md, "Absence statistics"), and the numbers the law's process adds. Pure: no store, no clock.

Per period (a month or a quarter, never past ``today``) and org unit:

- **verzuimpercentage**: sick FTE-days / available FTE-days x 100, in *calendar days*. A sick day
  counts as its absence fraction (partial absence: the share of the contract hours not worked;
  therapeutic work counts as full) times the part-time factor (contract hours / ``full_time_hours``).
  Available: the register's FTE of each month times its calendar days in the period. Every case
  running in the period counts, only its days inside it.
- **meldingsfrequentie**: new sick reports in the period / the average headcount (part-timers count
  as 1) x 365 / the period's days. Every sick period is a report, a relapse within 4 weeks included
  (the law's clock continues, the standard counts it anew); going from full to partial is not. The
  same employee's report on the same first day in two cases counts once.
- **gemiddelde verzuimduur**: over the reports that ended by recovery in the period, the calendar
  days from the first sick day to the last (weekends included; partial days count whole).
- The process: cases per phase at the end of the period (those sick then), statutory steps due in it
  on time / late / missing (done after the deadline / not done and the deadline passed), second-track
  starts, recoveries within 6 weeks (42 days), 6 months (182) and 1 year (365).

Withdrawn cases (the report was taken back) count nowhere. A figure whose divisor is 0 or unknown (no
register for a month) is None: "not known", never a division by zero.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from contracts.absence import AbsenceRecord

FULL_TIME_HOURS = 36.0
"""The hours of a full-time week: a part-timer's factor is contract hours / this (the register's FTE
must use the same week)."""
RECOVERY_WITHIN = (("6_weeks", 42), ("6_months", 182), ("1_year", 365))
SICK_PHASES_ORDER = (
    "ziekgemeld",
    "probleemanalyse",
    "plan_van_aanpak",
    "arbeidstherapeutisch",
    "opbouw",
    "evaluatie",
    "tweede_spoor",
)
WITHDRAWN = "ingetrokken"


class Granularity(enum.StrEnum):
    month = "month"
    quarter = "quarter"


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` inclusive; ``label``: 2026-03 or 2026-Q1."""

    first: date
    last: date
    label: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class CaseFigures:
    """One case as the arithmetic needs it."""

    org_unit: str | None
    record: AbsenceRecord


@dataclass(frozen=True)
class Staff:
    """One register row: an org unit's headcount and FTE in a month (its first day)."""

    month: date
    org_unit: str
    headcount: int
    fte: float


@dataclass
class Figures:
    """The figures of one period for one org unit (None: all of them)."""

    period: Period
    org_unit: str | None
    days: int
    sick_fte_days: float = 0.0
    available_fte_days: float | None = None
    percentage: float | None = None
    reports: int = 0
    average_headcount: float | None = None
    frequency: float | None = None
    ended_reports: int = 0
    average_duration: float | None = None
    recovered_within: dict[str, int] = field(default_factory=lambda: {name: 0 for name, _ in RECOVERY_WITHIN})
    phases: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SICK_PHASES_ORDER, 0))
    steps_on_time: int = 0
    steps_late: int = 0
    steps_missing: int = 0
    second_track_starts: int = 0


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def periods(first_month: date, last_month: date, granularity: Granularity) -> list[Period]:
    """The months (or quarters) from ``first_month`` to ``last_month`` (both included); none when
    the first comes after the last."""
    out: list[Period] = []
    if granularity is Granularity.quarter:
        start = date(first_month.year, 3 * ((first_month.month - 1) // 3) + 1, 1)
        while start <= last_month:
            end = next_month(next_month(next_month(start)))
            out.append(Period(start, end - timedelta(days=1), f"{start.year}-Q{(start.month - 1) // 3 + 1}"))
            start = end
        return out
    start = month_start(first_month)
    while start <= last_month:
        end = next_month(start)
        out.append(Period(start, end - timedelta(days=1), f"{start:%Y-%m}"))
        start = end
    return out


def overlap(start: date, end: date | None, first: date, last: date) -> int:
    """Days of ``start``..``end`` (None: still running, up to ``last``) inside ``first``..``last``."""
    stop = last if end is None else min(end, last)
    return max(0, (stop - max(start, first)).days + 1)


def _ratio(top: float, bottom: float | None, scale: float = 1.0) -> float | None:
    return None if not bottom else top / bottom * scale


def staff_of_period(staff: Sequence[Staff], period: Period) -> tuple[float | None, float | None]:
    """(available FTE-days, average headcount) of the period; None when a month has no register."""
    available = 0.0
    headcounts: list[int] = []
    month = month_start(period.first)
    while month <= period.last:
        rows = [row for row in staff if row.month == month]
        if not rows:
            return None, None
        end = min(next_month(month) - timedelta(days=1), period.last)
        days = (end - max(month, period.first)).days + 1
        available += sum(row.fte for row in rows) * days
        headcounts.append(sum(row.headcount for row in rows))
        month = next_month(month)
    return available, (sum(headcounts) / len(headcounts) if headcounts else None)


def figures(
    period: Period,
    cases: Iterable[CaseFigures],
    staff: Sequence[Staff],
    today: date,
    *,
    org_unit: str | None = None,
    full_time_hours: float = FULL_TIME_HOURS,
) -> Figures:
    """The figures of ``period`` (cut at ``today``) for the given cases and register rows (already
    selected for ``org_unit``; None: all)."""
    counted = counted_period(period, today)
    if counted is None:  # a period still to come
        return Figures(period=period, org_unit=org_unit, days=0)
    last = counted.last
    out = Figures(period=period, org_unit=org_unit, days=counted.days)
    out.available_fte_days, out.average_headcount = staff_of_period(staff, counted)
    reports: dict[tuple[str, date], int] = {}
    ended: dict[tuple[str, date], int] = {}
    for case in cases:
        record = case.record
        if record.outcome == WITHDRAWN:
            continue
        factor = record.contract_hours_per_week / full_time_hours if full_time_hours > 0 else 1.0
        for span in record.spans:
            out.sick_fte_days += overlap(span.start, span.end, counted.first, last) * span.fraction * factor
        for report in record.reports:
            key = (record.employee_key, report.start)
            if counted.first <= report.start <= last:
                reports[key] = 1
            if report.recovered and report.end is not None and counted.first <= report.end <= last:
                ended[key] = (report.end - report.start).days + 1
            if report.start <= last and (report.end is None or report.end >= last):
                phase = _phase_on(record, last)
                if phase in out.phases:
                    out.phases[phase] += 1
        for step in record.steps:
            if not counted.first <= step.due <= last:
                continue
            if step.done_on is not None:
                if step.done_on <= step.due:
                    out.steps_on_time += 1
                else:
                    out.steps_late += 1
            elif step.due < today:
                out.steps_missing += 1
        started = record.tweede_spoor_started_on
        if started is not None and counted.first <= started <= last:
            out.second_track_starts += 1
    out.reports = len(reports)
    finish(out, list(ended.values()))
    return out


def counted_period(period: Period, today: date) -> Period | None:
    """``period`` cut at ``today``; None for a period still to come."""
    last = min(period.last, today)
    return None if last < period.first else Period(period.first, last, period.label)


def finish(out: Figures, ended_durations: Sequence[int]) -> None:
    """The figures made of the counts: durations, recoveries within, the percentage and the
    frequency (``out.days``, the register's figures, ``sick_fte_days`` and ``reports`` filled in)."""
    out.ended_reports = len(ended_durations)
    out.average_duration = _ratio(sum(ended_durations), len(ended_durations))
    durations = Counter(ended_durations)
    for name, limit in RECOVERY_WITHIN:
        out.recovered_within[name] = sum(n for days, n in durations.items() if days <= limit)
    out.percentage = _ratio(out.sick_fte_days, out.available_fte_days, 100.0)
    out.frequency = _ratio(out.reports * 365 / out.days, out.average_headcount) if out.days else None


def _phase_on(record: AbsenceRecord, day: date) -> str:
    phase = ""
    for change in record.phases:
        if change.since <= day:
            phase = change.phase
    return phase


def table(
    chosen: Sequence[Period],
    cases: Sequence[CaseFigures],
    staff: Sequence[Staff],
    today: date,
    *,
    org_unit: str | None = None,
    full_time_hours: float = FULL_TIME_HOURS,
) -> tuple[list[Figures], list[Figures]]:
    """(the totals per period, the figures per period and org unit). With ``org_unit`` the totals are
    that unit's and there are no per-unit rows."""
    if org_unit is not None:
        cases = [case for case in cases if case.org_unit == org_unit]
        staff = [row for row in staff if row.org_unit == org_unit]
    totals = [figures(p, cases, staff, today, org_unit=org_unit, full_time_hours=full_time_hours) for p in chosen]
    if org_unit is not None:
        return totals, []
    cases_of: dict[str, list[CaseFigures]] = {}
    staff_of: dict[str, list[Staff]] = {}
    for case in cases:
        if case.org_unit:
            cases_of.setdefault(case.org_unit, []).append(case)
    for row in staff:
        staff_of.setdefault(row.org_unit, []).append(row)
    per_unit = [
        figures(
            p,
            cases_of.get(unit, []),
            staff_of.get(unit, []),
            today,
            org_unit=unit,
            full_time_hours=full_time_hours,
        )
        for unit in sorted(cases_of.keys() | staff_of.keys())
        for p in chosen
    ]
    return totals, per_unit
