"""The absence figures of :mod:`integrations.absence_statistics`, summed by the SQL store over the rows
of :mod:`integrations.absence_parts`: a handful of grouped queries per page, whatever the number of
cases, instead of every case's record read into Python.

:func:`integrations.absence_statistics.table` stays the definition; the tests hold this module to the
same answers on the hand-worked examples and on random caseloads, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations import absence_snapshots as snapshots
from integrations.absence_parts import PHASES, REPORTS, SPANS, STEPS
from integrations.absence_statistics import (
    FULL_TIME_HOURS,
    WITHDRAWN,
    Figures,
    Granularity,
    Period,
    Staff,
    counted_period,
    finish,
    month_start,
    periods,
    staff_of_period,
)
from integrations.rounds import in_rounds
from integrations.schema import AbsenceRecordRow, Base
from states.clock import local_date

RECORDS = Base.metadata.tables[AbsenceRecordRow.__tablename__]
EVERY_UNIT = "\x00every unit"
"""The key of the figures over every unit together (not a name an org unit can have: cases without a
unit have None, and count there)."""
Key = tuple[int, str | None]  # (the period's position, the org unit or EVERY_UNIT)
KEEP_BATCH = 6
"""How many past periods :func:`keep_past_sums` sums in one go."""
KEEP_SECONDS = 300.0
"""How often the worker keeps the sums of past periods that are not kept (:func:`run_sums_keeper`):
after a write that changed a past day, the page sums those periods itself until then."""

logger = logging.getLogger(__name__)


async def table_from_store(
    sessionmaker: async_sessionmaker[AsyncSession],
    chosen: Sequence[Period],
    staff: Sequence[Staff],
    today: date,
    *,
    case_units: Sequence[str],
    org_unit: str | None = None,
    full_time_hours: float = FULL_TIME_HOURS,
) -> tuple[list[Figures], list[Figures]]:
    """What :func:`integrations.absence_statistics.table` gives for every case in the store;
    ``case_units``: the org units of the cases of the periods (:func:`case_org_units`)."""
    counted = {i: c for i, period in enumerate(chosen) if (c := counted_period(period, today)) is not None}
    sums, _ = await _summed(sessionmaker, counted, today, full_time_hours)
    if org_unit is not None:
        staff = [row for row in staff if row.org_unit == org_unit]
    units = sorted(set(case_units) | {row.org_unit for row in staff}) if org_unit is None else []
    whole = EVERY_UNIT if org_unit is None else org_unit
    totals = [sums.figures(i, p, counted.get(i), whole, staff, org_unit) for i, p in enumerate(chosen)]
    per_unit = [
        sums.figures(i, p, counted.get(i), unit, [row for row in staff if row.org_unit == unit], unit)
        for unit in units
        for i, p in enumerate(chosen)
    ]
    return totals, per_unit


async def _summed(
    sessionmaker: async_sessionmaker[AsyncSession], counted: dict[int, Period], today: date, full_time_hours: float
) -> tuple[_Sums, int]:
    """The sums of ``counted`` (by position): the kept ones read back, the others summed, and those of
    them wholly past kept; with how many were kept anew."""
    past = {i: c for i, c in counted.items() if c.last < today}  # wholly past: their sums are kept
    sums = _Sums()
    async with sessionmaker() as session:
        epoch, kept = await snapshots.read(session, past, full_time_hours)
        live = {i: c for i, c in counted.items() if i not in kept}
        if live:
            await sums.read(session, live, today, full_time_hours)
    for i, scopes in kept.items():
        sums.load(i, scopes)
    fresh = [(past[i], sums.export(i)) for i in live if i in past]
    stored = bool(fresh) and await snapshots.keep(sessionmaker, epoch, fresh, full_time_hours)
    return sums, len(fresh) if stored else 0


async def keep_past_sums(
    sessionmaker: async_sessionmaker[AsyncSession],
    today: date,
    *,
    full_time_hours: float = FULL_TIME_HOURS,
    batch: int = KEEP_BATCH,
) -> int:
    """Sum and keep every wholly past month and quarter since the earliest sick day in the store whose
    sums are not kept (never summed, or removed by a write); returns how many were kept.

    So that the statistics page of a past year reads kept sums instead of summing twelve months at
    once; :func:`run_sums_keeper` calls it in the worker. ``batch`` periods are summed per query, to
    keep each one short beside the writes."""
    async with sessionmaker() as session:
        earliest = (await session.execute(select(func.min(RECORDS.c.first_day)))).scalar_one_or_none()
    if earliest is None:
        return 0
    kept = 0
    for granularity in Granularity:  # one at a time: the periods summed together must not overlap
        past = [p for p in periods(month_start(earliest), month_start(today), granularity) if p.last < today]
        for start in range(0, len(past), batch):
            chosen = dict(enumerate(past[start : start + batch]))
            _, fresh = await _summed(sessionmaker, chosen, today, full_time_hours)
            kept += fresh
    return kept


async def run_sums_keeper(sessionmaker: async_sessionmaker[AsyncSession], *, every: float = KEEP_SECONDS) -> None:
    """:func:`keep_past_sums` every ``every`` seconds, the first round after ``every`` too (a worker
    that starts has its cases to catch up on first), until cancelled. A round that fails is logged;
    a page sums what is not kept meanwhile."""

    async def one_round() -> None:
        kept = await keep_past_sums(sessionmaker, local_date(datetime.now(UTC)))
        if kept:
            logger.info("kept the absence sums of %d past periods", kept)

    await in_rounds(
        one_round, every=every, what="keeping the absence sums of past periods", logger=logger, first_after=every
    )


async def case_org_units(sessionmaker: async_sessionmaker[AsyncSession], first: date, last: date) -> list[str]:
    """The org units of the cases with a day between ``first`` and ``last``."""
    query = (
        select(RECORDS.c.org_unit)
        .where(RECORDS.c.org_unit.is_not(None), RECORDS.c.org_unit != "")
        .where(RECORDS.c.first_day <= last, or_(RECORDS.c.last_day.is_(None), RECORDS.c.last_day >= first))
        .distinct()
    )
    async with sessionmaker() as session:
        return sorted(str(unit) for unit in (await session.execute(query)).scalars())


def _period_of(day: ColumnElement[Any], window: _Window) -> ColumnElement[Any]:
    """The position (in ``window.periods``) of the period ``day`` falls in; -1 for none (the periods
    summed need not follow each other: the ones kept are left out; they must not overlap: a day
    falls in the first that holds it)."""
    return case(
        *((day.between(period.first_no, period.last_no), n) for n, period in enumerate(window.periods)), else_=-1
    )


def _least(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a < b, a), else_=b)


def _greatest(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a > b, a), else_=b)


@dataclass(frozen=True)
class _DayNumbers:
    first_no: int
    last_no: int


class _Window:
    """The counted periods as day numbers, in their order, and the days they span together."""

    def __init__(self, counted: dict[int, Period]) -> None:
        self.positions = list(counted)
        self.periods = [_DayNumbers(p.first.toordinal(), p.last.toordinal()) for p in counted.values()]
        self.first_no = min(p.first_no for p in self.periods)
        self.last_no = max(p.last_no for p in self.periods)


class _Sums:
    """The sums read from the store, per (period, org unit) and, where counting once matters, per
    period over every unit."""

    def __init__(self) -> None:
        self.sick: dict[Key, float] = defaultdict(float)
        self.reports: dict[Key, int] = defaultdict(int)
        self.ended: dict[Key, list[int]] = defaultdict(list)
        self.phases: dict[Key, dict[str, int]] = defaultdict(dict)
        self.steps: dict[Key, tuple[int, int, int]] = {}
        self.second_track: dict[Key, int] = defaultdict(int)

    async def read(self, session: AsyncSession, counted: dict[int, Period], today: date, hours: float) -> None:
        """Sum the periods ``counted`` (by position) over every org unit."""
        window = _Window(counted)

        # sick FTE-days: each span's days inside the period x its fraction x the part-time factor.
        # One pass over the spans of the window, a sum per period (a join with the periods would
        # pair every running case with every period: 600,000 rows at 50,000 cases and 12 months).
        factor = SPANS.c.contract_hours / hours if hours > 0 else literal(1.0)
        span_first, span_last = SPANS.c.first_day_no, SPANS.c.last_day_no
        sick = [
            func.sum(
                case(
                    (
                        and_(span_first <= period.last_no, or_(span_last.is_(None), span_last >= period.first_no)),
                        (
                            _least(func.coalesce(span_last, period.last_no), literal(period.last_no))
                            - _greatest(span_first, literal(period.first_no))
                            + 1
                        )
                        * SPANS.c.fraction
                        * factor,
                    ),
                    else_=0.0,
                )
            )
            for period in window.periods
        ]
        spans = (
            select(SPANS.c.org_unit, *sick)
            .where(span_first <= window.last_no, or_(span_last.is_(None), span_last >= window.first_no))
            .group_by(SPANS.c.org_unit)
        )
        for unit, *totals in await session.execute(spans):
            for i, total in zip(window.positions, totals, strict=True):
                self.sick[(i, unit)] += float(total or 0.0)
                self.sick[(i, EVERY_UNIT)] += float(total or 0.0)

        # reports begun in the period, one per employee and first day
        began = REPORTS.c.first_day_no
        begun = (
            select(_period_of(began, window).label("n"), REPORTS.c.org_unit, REPORTS.c.employee_key, began)
            .where(began.between(window.first_no, window.last_no))
            .distinct()
        ).subquery()
        in_a_period = begun.c.n >= 0
        per_unit = select(begun.c.n, begun.c.org_unit, func.count()).where(in_a_period)
        for n, unit, count in await session.execute(per_unit.group_by(begun.c.n, begun.c.org_unit)):
            self.reports[(window.positions[n], unit)] = int(count)
        everyone = (
            select(begun.c.n, begun.c.employee_key, begun.c.first_day_no).where(in_a_period).distinct().subquery()
        )
        for n, count in await session.execute(select(everyone.c.n, func.count()).group_by(everyone.c.n)):
            self.reports[(window.positions[n], EVERY_UNIT)] = int(count)

        # reports ended by recovery in the period: their durations (few: the recoveries of the periods)
        ended_in = _period_of(REPORTS.c.last_day_no, window)
        ended = (
            select(
                ended_in,
                REPORTS.c.org_unit,
                REPORTS.c.employee_key,
                began,
                func.max(REPORTS.c.last_day_no - began + 1),
            )
            .where(REPORTS.c.recovered.is_(True), REPORTS.c.last_day_no.between(window.first_no, window.last_no))
            .group_by(ended_in, REPORTS.c.org_unit, REPORTS.c.employee_key, began)
        )
        once: dict[tuple[int, str, int], int] = {}
        for n, unit, employee, first_day, duration in await session.execute(ended):
            if n < 0:
                continue  # ended in a period between those summed (one whose sums are kept)
            i = window.positions[n]
            self.ended[(i, unit)].append(int(duration))
            once[(i, employee, first_day)] = max(int(duration), once.get((i, employee, first_day), 0))
        for (i, _, _), duration in once.items():
            self.ended[(i, EVERY_UNIT)].append(duration)

        # cases sick at the end of the period, by the phase they were in then (one pass, as above)
        ends = [period.last_no for period in window.periods]
        phase_first, phase_last = PHASES.c.first_day_no, PHASES.c.last_day_no
        in_phase = [
            func.sum(case((and_(phase_first <= end, or_(phase_last.is_(None), phase_last >= end)), 1), else_=0))
            for end in ends
        ]
        phases = (
            select(PHASES.c.org_unit, PHASES.c.phase, *in_phase)
            .where(phase_first <= window.last_no, or_(phase_last.is_(None), phase_last >= ends[0]))
            .group_by(PHASES.c.org_unit, PHASES.c.phase)
        )
        for unit, phase, *counts in await session.execute(phases):
            for i, count in zip(window.positions, counts, strict=True):
                for key in ((i, unit), (i, EVERY_UNIT)):
                    self.phases[key][phase] = self.phases[key].get(phase, 0) + int(count or 0)

        # statutory steps due in the period: done on time, late, or not done with the day passed
        due, done = STEPS.c.due_day_no, STEPS.c.done_day_no
        position = _period_of(due, window)
        steps = (
            select(
                STEPS.c.org_unit,
                position,
                func.sum(case((and_(done.is_not(None), done <= due), 1), else_=0)),
                func.sum(case((and_(done.is_not(None), done > due), 1), else_=0)),
                func.sum(case((and_(done.is_(None), due < today.toordinal()), 1), else_=0)),
            )
            .where(due.between(window.first_no, window.last_no))
            .group_by(STEPS.c.org_unit, position)
        )
        for unit, n, on_time, late, missing in await session.execute(steps):
            if n < 0:
                continue  # due in a period between those summed (one whose sums are kept)
            for key in ((window.positions[int(n)], unit), (window.positions[int(n)], EVERY_UNIT)):
                before = self.steps.get(key, (0, 0, 0))
                self.steps[key] = (before[0] + int(on_time), before[1] + int(late), before[2] + int(missing))

        # second-track starts (few: read as they are)
        started = RECORDS.c.tweede_spoor_started_on
        query = select(RECORDS.c.org_unit, started).where(
            started.between(date.fromordinal(window.first_no), date.fromordinal(window.last_no)),
            or_(RECORDS.c.outcome.is_(None), RECORDS.c.outcome != WITHDRAWN),
        )
        for unit, day in await session.execute(query):
            for i, within in counted.items():
                if within.first <= day <= within.last:
                    self.second_track[(i, unit)] += 1
                    self.second_track[(i, EVERY_UNIT)] += 1

    def export(self, i: int) -> dict[str, snapshots.Sums]:
        """Period ``i``'s sums by scope (every unit, and each named unit), to keep."""
        keys = {key for table in self._tables() for key in table if key[0] == i}
        keys.add((i, EVERY_UNIT))
        return {
            snapshots.EVERY if unit == EVERY_UNIT else snapshots.scope_of(unit): {
                "sick": self.sick.get((i, unit), 0.0),
                "reports": self.reports.get((i, unit), 0),
                "ended": self.ended.get((i, unit), []),
                "phases": self.phases.get((i, unit), {}),
                "steps": list(self.steps.get((i, unit), (0, 0, 0))),
                "second_track": self.second_track.get((i, unit), 0),
            }
            for _, unit in keys
            if unit  # cases without an org unit count in the every-unit sums only
        }

    def load(self, i: int, scopes: dict[str, snapshots.Sums]) -> None:
        """Period ``i``'s sums as kept (:meth:`export`)."""
        for scope, values in scopes.items():
            key = (i, EVERY_UNIT if scope == snapshots.EVERY else snapshots.unit_of(scope))
            self.sick[key] = float(values["sick"])
            self.reports[key] = int(values["reports"])
            self.ended[key] = [int(days) for days in values["ended"]]
            self.phases[key] = {str(phase): int(count) for phase, count in values["phases"].items()}
            on_time, late, missing = (int(n) for n in values["steps"])
            self.steps[key] = (on_time, late, missing)
            self.second_track[key] = int(values["second_track"])

    def _tables(self) -> tuple[Mapping[Key, Any], ...]:
        return (self.sick, self.reports, self.ended, self.phases, self.steps, self.second_track)

    def figures(
        self,
        i: int,
        period: Period,
        counted: Period | None,
        unit: str,
        staff: Sequence[Staff],
        org_unit: str | None,
    ) -> Figures:
        """The figures of period ``i`` for ``unit`` (or EVERY_UNIT), named ``org_unit``."""
        if counted is None:
            return Figures(period=period, org_unit=org_unit, days=0)
        key = (i, unit)
        out = Figures(period=period, org_unit=org_unit, days=counted.days)
        out.available_fte_days, out.average_headcount = staff_of_period(staff, counted)
        out.sick_fte_days = self.sick.get(key, 0.0)
        out.reports = self.reports.get(key, 0)
        for phase, count in self.phases.get(key, {}).items():
            if phase in out.phases:
                out.phases[phase] += count
        out.steps_on_time, out.steps_late, out.steps_missing = self.steps.get(key, (0, 0, 0))
        out.second_track_starts = self.second_track.get(key, 0)
        finish(out, self.ended.get(key, []))
        return out
