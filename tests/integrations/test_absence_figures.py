"""The absence figures summed by the store (integrations.absence_figures) give what the definition
(integrations.absence_statistics.table) gives: on the hand-worked examples and on random caseloads,
per period and org unit, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import asdict, replace
from datetime import date, timedelta

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import Person, RecordCase, RecordProgress
from contracts.absence import AbsenceRecord, AbsenceSpan, PhaseSince, SickReport, StepDue
from integrations.absence_figures import case_org_units, keep_past_sums, table_from_store
from integrations.absence_parts import TABLES, replace_parts
from integrations.absence_records import as_row, records_between, write_absence
from integrations.absence_snapshots import EVERY, SUMS, changed_from, keep
from integrations.absence_snapshots import read as read_sums
from integrations.absence_statistics import (
    SICK_PHASES_ORDER,
    WITHDRAWN,
    CaseFigures,
    Figures,
    Granularity,
    Staff,
    periods,
    table,
)
from integrations.db import make_engine, make_sessionmaker, run_write
from integrations.schema import AbsenceRecordRow, Base
from tests.integrations.test_absence_statistics import CROSSING, PART_TIMER, PARTIAL, RELAPSE, STAFF, TODAY, case
from tests.support import create_tables

RECORDS = Base.metadata.tables[AbsenceRecordRow.__tablename__]


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _store(sessionmaker: async_sessionmaker[AsyncSession], cases: list[CaseFigures]) -> None:
    def write(connection: Connection) -> None:
        for number, item in enumerate(cases):
            case_id = f"case-{number:05d}"
            connection.execute(RECORDS.insert(), as_row(case_id, item.org_unit, item.record))
            replace_parts(connection, case_id, item.org_unit, item.record)

    await run_write(sessionmaker, write)


def _plain(items: list[Figures]) -> list[dict[str, object]]:
    def rounded(value: object) -> object:
        return round(value, 6) if isinstance(value, float) else value

    return [{key: rounded(value) for key, value in asdict(item).items()} for item in items]


async def _both(
    sessionmaker: async_sessionmaker[AsyncSession],
    cases: list[CaseFigures],
    staff: list[Staff],
    first: date,
    last: date,
    granularity: Granularity,
    today: date,
    org_unit: str | None = None,
) -> tuple[tuple[list[Figures], list[Figures]], tuple[list[Figures], list[Figures]]]:
    chosen = periods(first, last, granularity)
    # the definition over every case in the store (a step may fall due after its case's last sick day)
    every = [CaseFigures(c.org_unit, c.record) for c in await records_between(sessionmaker, date.min, date.max)]
    expected = table(chosen, every, staff, today, org_unit=org_unit)
    units = sorted({c.org_unit for c in every if c.org_unit})
    summed = await table_from_store(sessionmaker, chosen, staff, today, case_units=units, org_unit=org_unit)
    return expected, summed


async def test_the_hand_worked_examples_sum_alike(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    other = case("e", [(date(2026, 3, 1), None, False)], [(date(2026, 3, 1), None, 1.0)], unit="Kantoor")
    withdrawn = case("f", [(date(2026, 3, 2), None, False)], [(date(2026, 3, 2), None, 1.0)], outcome=WITHDRAWN)
    twice = case("a", [(date(2026, 3, 1), date(2026, 3, 20), True)], [(date(2026, 3, 1), date(2026, 3, 20), 1.0)])
    cases = [PARTIAL, PART_TIMER, RELAPSE, CROSSING, other, withdrawn, twice]
    await _store(sessionmaker, cases)
    staff = [*STAFF, Staff(month=date(2026, 3, 1), org_unit="Kantoor", headcount=4, fte=4.0)]
    expected, summed = await _both(
        sessionmaker, cases, staff, date(2026, 2, 1), date(2026, 7, 1), Granularity.month, TODAY
    )
    assert _plain(summed[0]) == _plain(expected[0])
    assert _plain(summed[1]) == _plain(expected[1])
    march = next(item for item in summed[0] if item.period.label == "2026-03")
    assert march.sick_fte_days == pytest.approx(66 + 31 + 20)  # the four, Kantoor's 31 days, the twin's 20
    assert march.reports == 4  # A, B, C's relapse, Kantoor's; A's twin and the withdrawn one count nowhere
    only = await _both(
        sessionmaker, cases, staff, date(2026, 1, 1), date(2026, 6, 1), Granularity.quarter, TODAY, "Kantoor"
    )
    assert _plain(only[1][0]) == _plain(only[0][0]) and only[1][1] == []


def _random_case(chance: random.Random, number: int, units: list[str | None], today: date) -> CaseFigures:
    start = today - timedelta(days=chance.randrange(0, 500))
    reports: list[tuple[date, date | None, bool]] = []
    spans: list[tuple[date, date | None, float]] = []
    phases: list[tuple[str, date]] = []
    day = start
    for _ in range(chance.randrange(1, 4)):
        length = chance.randrange(1, 200)
        end: date | None = day + timedelta(days=length)
        if end is not None and end >= today or chance.random() < 0.2:
            end = None
        reports.append((day, end, end is not None and chance.random() < 0.8))
        spans.append((day, end, chance.choice([1.0, 1.0, 0.5, 0.25])))
        for phase in chance.sample(SICK_PHASES_ORDER, chance.randrange(1, 4)):
            phases.append((phase, day + timedelta(days=chance.randrange(0, 90))))
        if end is None:
            break
        day = end + timedelta(days=chance.randrange(1, 60))
        if day >= today:
            break
    if chance.random() < 0.3:
        phases.append(("hersteld", reports[-1][1] or today))
    steps = [
        (
            f"step{n}",
            start + timedelta(days=7 * n * 6),
            chance.choice([None, start + timedelta(days=7 * n * 6 + chance.randrange(-10, 20))]),
        )
        for n in range(1, chance.randrange(2, 6))
    ]
    return CaseFigures(
        org_unit=chance.choice(units),
        record=AbsenceRecord(
            employee_key=f"e{number}",
            contract_hours_per_week=chance.choice([36.0, 32.0, 18.0, 24.0]),
            reports=tuple(SickReport(start=s, end=e, recovered=r) for s, e, r in reports),
            spans=tuple(AbsenceSpan(start=s, end=e, fraction=f) for s, e, f in spans),
            phases=tuple(PhaseSince(phase=p, since=d) for p, d in phases),
            steps=tuple(StepDue(key=k, due=d, done_on=o) for k, d, o in steps),
            outcome=chance.choice([None, None, None, WITHDRAWN, "hersteld"]),
            tweede_spoor_started_on=chance.choice([None, None, start + timedelta(days=400)]),
        ),
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_caseloads_sum_alike(sessionmaker: async_sessionmaker[AsyncSession], seed: int) -> None:
    chance = random.Random(seed)
    today = date(2026, 11, 17)
    units: list[str | None] = ["Logistiek", "Kantoor", "Zorg", None]
    cases = [_random_case(chance, number, units, today) for number in range(300)]
    # the same reports in a second case (moved to another unit): one report, counted once in the totals
    cases += [CaseFigures(org_unit=chance.choice(units), record=c.record) for c in chance.sample(cases, 15)]
    await _store(sessionmaker, cases)
    staff = [
        Staff(month=month, org_unit=unit, headcount=chance.randrange(5, 50), fte=chance.randrange(40, 400) / 10)
        for month in [date(2025 + (m // 12), m % 12 + 1, 1) for m in range(12, 24)]
        for unit in ("Logistiek", "Kantoor", "Zorg")
        if chance.random() < 0.9
    ]
    for granularity in Granularity:
        expected, summed = await _both(
            sessionmaker, cases, staff, date(2025, 12, 1), date(2026, 12, 1), granularity, today
        )
        assert _plain(summed[0]) == _plain(expected[0])
        assert _plain(summed[1]) == _plain(expected[1])
        assert any(item.reports and item.ended_reports and item.steps_late for item in summed[0])


async def test_a_record_written_again_replaces_its_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _store(sessionmaker, [PARTIAL])

    def withdraw(connection: Connection) -> None:
        record = PARTIAL.record
        replace_parts(connection, "case-00000", PARTIAL.org_unit, replace(record, outcome=WITHDRAWN))

    def count(connection: Connection) -> int:
        return sum(len(connection.execute(t.select()).all()) for t in TABLES)

    assert await run_write(sessionmaker, count) > 0
    await run_write(sessionmaker, withdraw)
    assert await run_write(sessionmaker, count) == 0


async def test_the_units_of_a_window_are_those_of_its_cases(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    early = case(
        "g", [(date(2025, 1, 6), date(2025, 1, 20), True)], [(date(2025, 1, 6), date(2025, 1, 20), 1.0)], unit="Vroeg"
    )
    await _store(sessionmaker, [PARTIAL, early])
    assert await case_org_units(sessionmaker, date(2026, 3, 1), date(2026, 3, 31)) == ["Logistiek"]
    assert await case_org_units(sessionmaker, date(2025, 1, 1), date(2026, 3, 31)) == ["Logistiek", "Vroeg"]


def _progress(case_id: str, unit: str | None, record: AbsenceRecord) -> RecordProgress:
    person = Person("Sanne de Vries", "sanne@example.nl")
    first = record.reports[0].start
    case = RecordCase(
        case_id=case_id, employee=person, manager=person, first_sick_day=first, phase="ziekgemeld", org_unit=unit
    )
    return RecordProgress(case=case, absence=record)


async def _written(sessionmaker: async_sessionmaker[AsyncSession], case_id: str, item: CaseFigures) -> None:
    await run_write(
        sessionmaker, lambda connection: write_absence(connection, _progress(case_id, item.org_unit, item.record))
    )


async def _kept_periods(sessionmaker: async_sessionmaker[AsyncSession]) -> set[date]:
    async with sessionmaker() as session:
        rows = await session.execute(select(SUMS.c.last_day_no).where(SUMS.c.scope == EVERY))
        return {date.fromordinal(last) for (last,) in rows}


async def test_past_periods_are_kept_and_summed_again_after_a_write_that_changes_them(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The sums of months wholly past are kept; a record that changes a day of them removes them from
    that day on (a step recorded late in March), one that changes only today keeps them."""
    cases = [PARTIAL, PART_TIMER, RELAPSE, CROSSING]
    for number, item in enumerate(cases):
        await _written(sessionmaker, f"case-{number:05d}", item)
    today = date.today()
    first = date(2026, 1, 1)

    async def check() -> None:
        expected, summed = await _both(sessionmaker, cases, STAFF, first, today, Granularity.month, today)
        assert _plain(summed[0]) == _plain(expected[0]) and _plain(summed[1]) == _plain(expected[1])

    await check()
    past_months = {p.last for p in periods(first, today, Granularity.month) if p.last < today}
    assert await _kept_periods(sessionmaker) == past_months
    await check()  # read back: the same figures

    # B's arbodienst report, due 22 March: done on 20 March after all, not on the 25th (late before)
    steps = (StepDue(key="arbodienst_report", due=date(2026, 3, 22), done_on=date(2026, 3, 20)),)
    cases[1] = CaseFigures(PART_TIMER.org_unit, replace(PART_TIMER.record, steps=steps))
    await _written(sessionmaker, "case-00001", cases[1])
    assert await _kept_periods(sessionmaker) == {last for last in past_months if last < date(2026, 3, 31)}
    await check()
    assert await _kept_periods(sessionmaker) == past_months

    # A new phase from today changes no day of a past month
    phases = (*CROSSING.record.phases, PhaseSince(phase="plan_van_aanpak", since=today))
    cases[3] = CaseFigures(CROSSING.org_unit, replace(CROSSING.record, phases=phases))
    await _written(sessionmaker, "case-00003", cases[3])
    assert await _kept_periods(sessionmaker) == past_months
    await check()


async def test_sums_summed_while_a_write_removed_some_are_not_kept(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await _written(sessionmaker, "case-00000", PARTIAL)
    march = periods(date(2026, 3, 1), date(2026, 3, 1), Granularity.month)[0]
    async with sessionmaker() as session:
        epoch, kept = await read_sums(session, {0: march}, 36.0)
    assert kept == {}
    await _written(sessionmaker, "case-00001", RELAPSE)  # a case reported late: its past months change
    assert not await keep(sessionmaker, epoch, [(march, {EVERY: {"sick": 1.0}})], 36.0)
    assert await _kept_periods(sessionmaker) == set()


def test_what_a_write_changes_from() -> None:
    record = PARTIAL.record
    assert changed_from(None, None, record, "Logistiek") == date(2026, 3, 1)
    assert changed_from(record, "Logistiek", record, "Logistiek") is None
    assert changed_from(record, "Logistiek", record, "Kantoor") == date(2026, 3, 1)
    running = replace(record, reports=(SickReport(date(2026, 3, 1), None, False),))
    assert changed_from(running, None, record, None) == date(2026, 3, 20)  # recovered on the 20th
    later = replace(record, steps=(StepDue("probleemanalyse", date(2026, 4, 12), None),))
    assert changed_from(record, None, later, None) == date(2026, 4, 12)


async def test_months_kept_with_gaps_between_them_sum_alike(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Pages that asked for other months leave kept sums with months between them; a step due in a
    kept month counts there only."""
    chance = random.Random(7)
    today = date(2026, 11, 17)
    cases = [_random_case(chance, number, ["Logistiek", "Kantoor"], today) for number in range(120)]
    for number, item in enumerate(cases):
        await _written(sessionmaker, f"case-{number:05d}", item)
    await _both(sessionmaker, cases, [], date(2026, 1, 1), date(2026, 3, 1), Granularity.month, today)
    await _both(sessionmaker, cases, [], date(2026, 5, 1), date(2026, 5, 1), Granularity.month, today)
    assert await _kept_periods(sessionmaker) == {
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 5, 31),
    }
    expected, summed = await _both(
        sessionmaker, cases, [], date(2026, 1, 1), date(2026, 11, 1), Granularity.month, today
    )
    assert _plain(summed[0]) == _plain(expected[0]) and _plain(summed[1]) == _plain(expected[1])


async def test_the_keeper_keeps_every_past_month_and_quarter_and_again_after_a_write(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The worker's keeper sums every wholly past month and quarter since the earliest sick day, so a
    page of a past year reads them back; after a write that changed a past day it sums those again."""
    today = date(2026, 11, 17)
    assert await keep_past_sums(sessionmaker, today) == 0  # an empty store: nothing to sum
    cases = [PARTIAL, PART_TIMER, RELAPSE, CROSSING]
    for number, item in enumerate(cases):
        await _written(sessionmaker, f"case-{number:05d}", item)
    earliest = min(item.record.reports[0].start for item in cases)
    past = [p for granularity in Granularity for p in periods(earliest, today, granularity) if p.last < today]
    wanted = {p.last for p in past}  # a quarter ends with its last month
    assert date(2026, 10, 31) in wanted and date(2026, 9, 30) in wanted and date(2026, 11, 30) not in wanted
    assert await keep_past_sums(sessionmaker, today, batch=4) == len(past)
    assert await _kept_periods(sessionmaker) == wanted
    assert await keep_past_sums(sessionmaker, today) == 0  # all kept: nothing summed again
    for granularity in Granularity:  # read back, they give the definition's figures
        expected, summed = await _both(sessionmaker, cases, STAFF, earliest, today, granularity, today)
        assert _plain(summed[0]) == _plain(expected[0]) and _plain(summed[1]) == _plain(expected[1])

    steps = (StepDue(key="arbodienst_report", due=date(2026, 3, 22), done_on=date(2026, 3, 20)),)
    cases[1] = CaseFigures(PART_TIMER.org_unit, replace(PART_TIMER.record, steps=steps))
    await _written(sessionmaker, "case-00001", cases[1])
    removed = [p for p in past if p.last >= date(2026, 3, 22)]
    assert await _kept_periods(sessionmaker) == wanted - {p.last for p in removed}
    assert await keep_past_sums(sessionmaker, today) == len(removed)
    assert await _kept_periods(sessionmaker) == wanted
    expected, summed = await _both(sessionmaker, cases, STAFF, earliest, today, Granularity.month, today)
    assert _plain(summed[0]) == _plain(expected[0]) and _plain(summed[1]) == _plain(expected[1])
