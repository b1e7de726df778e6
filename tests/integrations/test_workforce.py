"""The workforce register and the cases' absence records in the SQL store, on SQLite and PostgreSQL:
a good file is imported, a month imported again is replaced, and a file with bad rows names each
of them and imports nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import Person, RecordCase, RecordProgress
from contracts.absence import AbsenceRecord, AbsenceSpan, PhaseSince, SickReport, StepDue
from integrations.absence_records import records_between, write_absence
from integrations.db import make_engine, make_sessionmaker, run_write
from integrations.workforce import (
    WorkforceRejected,
    import_rows,
    parse_csv,
    parse_rows,
    register,
    staff_between,
)
from tests.support import create_tables

GOOD = b"month,org_unit,headcount,fte\r\n2026-01,Logistiek,42,37.5\r\n2026-01,Kantoor,10,8\r\n2026-02,Logistiek,41,36.8\r\n"


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_a_good_file_is_imported_and_a_month_imported_again_is_replaced(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    months = await import_rows(sessionmaker, parse_csv(GOOD), by="hr@example.nl")
    assert months == [date(2026, 1, 1), date(2026, 2, 1)]
    staff = await staff_between(sessionmaker, date(2026, 1, 1), date(2026, 2, 28))
    assert [(s.month, s.org_unit, s.headcount, s.fte) for s in staff] == [
        (date(2026, 1, 1), "Kantoor", 10, 8.0),
        (date(2026, 1, 1), "Logistiek", 42, 37.5),
        (date(2026, 2, 1), "Logistiek", 41, 36.8),
    ]
    # January again, with only Logistiek (a Dutch spreadsheet: semicolons and a decimal comma): the
    # whole of January is replaced, February stays.
    again = b"month;org_unit;headcount;fte\n2026-01;Logistiek;40;35,5\n"
    assert await import_rows(sessionmaker, parse_csv(again), by="hr@example.nl") == [date(2026, 1, 1)]
    rows = await register(sessionmaker)
    assert [(r.month, r.org_unit, r.headcount, r.fte) for r in rows] == [
        (date(2026, 2, 1), "Logistiek", 41, 36.8),
        (date(2026, 1, 1), "Logistiek", 40, 35.5),
    ]


async def test_bad_rows_are_each_named_and_nothing_is_imported(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await import_rows(sessionmaker, parse_csv(GOOD), by="hr@example.nl")
    bad = (
        b"month,org_unit,headcount,fte\n"
        b"2026-01,Logistiek,1,1\n"  # row 2: good, and January would be replaced...
        b"2026-13,Logistiek,5,4\n"  # row 3: no month 13
        b"2026-02,,5,4\n"  # row 4: no org unit
        b"2026-02,Kantoor,vijf,4\n"  # row 5: headcount in words
        b"2026-02,Kantoor,5,-1\n"  # row 6: negative FTE
        b"2026-01,logistiek,2,2\n"  # row 7: the same unit and month as row 2
        b"2026-02,Inkoop,5\n"  # row 8: a field short
        b"2026-02,Verkoop,2,20\n"  # row 9: FTE ten times the headcount
    )
    with pytest.raises(WorkforceRejected) as caught:
        parse_csv(bad)
    named = [(e.row, e.column) for e in caught.value.errors]
    assert named == [(3, "month"), (4, "org_unit"), (5, "headcount"), (6, "fte"), (7, "org_unit"), (8, ""), (9, "fte")]
    for error in caught.value.errors:  # what is wrong and how to fix it, in both languages
        assert error.problem_nl and error.fix_nl and error.problem_en and error.fix_en
    assert "2026-13" in caught.value.errors[0].text("en") and "2026-03" in caught.value.errors[0].text("en")
    assert "row 2" in caught.value.errors[4].text("en")
    # ... but nothing was imported: January is as it was.
    staff = await staff_between(sessionmaker, date(2026, 1, 1), date(2026, 1, 31))
    assert [(s.org_unit, s.headcount) for s in staff] == [("Kantoor", 10), ("Logistiek", 42)]


def test_the_header_json_rows_and_an_empty_file_are_checked() -> None:
    with pytest.raises(WorkforceRejected) as caught:
        parse_csv(b"maand,afdeling,headcount,fte\n2026-01,X,1,1\n")
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "month, org_unit")]
    assert "month,org_unit,headcount,fte" in caught.value.errors[0].fix_en
    with pytest.raises(WorkforceRejected) as caught:
        parse_csv(b"month,org_unit,headcount,fte\n")
    assert "no rows" in caught.value.errors[0].problem_en
    with pytest.raises(WorkforceRejected) as caught:
        parse_csv(b"\xff\xfe\x00m")
    assert "UTF-8" in caught.value.errors[0].problem_en
    rows = parse_rows([{"month": "2026-03", "org_unit": "Kantoor", "headcount": 4, "fte": 3.5}])
    assert [(r.month, r.org_unit, r.headcount, r.fte) for r in rows] == [(date(2026, 3, 1), "Kantoor", 4, 3.5)]
    with pytest.raises(WorkforceRejected) as caught:
        parse_rows([{"month": "2026-03", "org_unit": "Kantoor", "headcount": 4.5, "fte": True}])
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "headcount"), (1, "fte")]


def _progress(case_id: str, absence: AbsenceRecord | None) -> RecordProgress:
    person = Person(name="Jan", email="jan@example.nl")
    case = RecordCase(
        case_id=case_id,
        employee=person,
        manager=person,
        first_sick_day=date(2026, 1, 5),
        phase="ziekgemeld",
        org_unit="Kantoor",
    )
    return RecordProgress(case=case, absence=absence)


async def test_a_case_absence_record_is_kept_replaced_and_selected_by_period(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = AbsenceRecord(
        employee_key="abc",
        contract_hours_per_week=24.0,
        reports=(SickReport(start=date(2026, 1, 5), end=None, recovered=False),),
        spans=(AbsenceSpan(start=date(2026, 1, 5), end=None, fraction=1.0),),
        phases=(PhaseSince(phase="ziekgemeld", since=date(2026, 1, 5)),),
        steps=(StepDue(key="probleemanalyse", due=date(2026, 2, 15), done_on=None),),
    )
    await run_write(sessionmaker, lambda c: write_absence(c, _progress("case-1", first)))
    await run_write(sessionmaker, lambda c: write_absence(c, _progress("case-1", None)))  # unchanged: kept
    [kept] = await records_between(sessionmaker, date(2026, 1, 1), date(2026, 1, 31))
    assert (kept.case_id, kept.org_unit, kept.record) == ("case-1", "Kantoor", first)
    ended = AbsenceRecord(
        employee_key="abc",
        contract_hours_per_week=24.0,
        reports=(SickReport(start=date(2026, 1, 5), end=date(2026, 1, 20), recovered=True),),
        spans=(AbsenceSpan(start=date(2026, 1, 5), end=date(2026, 1, 20), fraction=0.5),),
        phases=(PhaseSince(phase="hersteld", since=date(2026, 1, 21)),),
        steps=(),
        outcome="hersteld",
    )
    await run_write(sessionmaker, lambda c: write_absence(c, _progress("case-1", ended)))
    assert [r.record for r in await records_between(sessionmaker, date(2026, 1, 1), date(2026, 1, 31))] == [ended]
    assert await records_between(sessionmaker, date(2026, 2, 1), date(2026, 2, 28)) == []
    assert await records_between(sessionmaker, date(2026, 1, 1), date(2026, 1, 31), "Logistiek") == []
