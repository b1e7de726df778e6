"""The case list's search, counts and keyset paging in SQL (issue 21), on SQLite and PostgreSQL.

A few hundred cases are written straight into the read model (cases and case_people); every filter
is compared with the same filter worked out in Python over the same rows, page by page: each case
exactly once, newest first (ties on ``opened_at`` broken by the case id), and the counts right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from integrations.case_search import BadCursor, CaseQuery, CaseSearch, Cursor, Viewer
from integrations.db import make_engine, make_sessionmaker
from integrations.migrate import upgrade
from integrations.schema import CasePersonRow, CaseRow
from integrations.search_text import case_search_text, fold
from integrations.store import CaseRecord, CaseStore

DAY = date(2026, 12, 3)
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
PHASES = ["ziekgemeld", "probleemanalyse", "plan_van_aanpak", "opbouw", "hersteld"]
FIRST = ["Sanne", "Jan", "Élodie", "Mehmet", "Anouk", "Özil", "Pieter", "Fatima"]
LAST = ["de Vries", "Bakker", "Jansen", "van den Berg", "Smit_Ö", "Visser", "Otten"]
MANAGERS = [f"manager{n}@example.nl" for n in range(8)]
FULL = frozenset({"employee", "manager", "casemanager", "coach"})
PRACTICAL = frozenset({"buddy"})
N = 300


@dataclass(frozen=True)
class Case:
    case_id: str
    name: str
    email: str
    manager: str
    org_unit: str | None
    phase: str
    first_sick_day: date
    next_deadline: date | None
    open_signals: int
    opened_at: datetime
    buddy: str | None


def _cases() -> list[Case]:
    cases = []
    for i in range(N):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}"
        deadline = None if i % 5 == 0 else DAY + timedelta(days=(i % 11) - 5)
        cases.append(
            Case(
                case_id=f"case-{i:04d}-{(i * 7919) % 1000:03d}",
                name=name.upper() if i % 13 == 0 else name,
                email=f"{fold(name).replace(' ', '.')}{i}@example.nl",
                manager=MANAGERS[i % len(MANAGERS)],
                org_unit=None if i % 9 == 0 else f"unit-{i % 4}",
                phase=PHASES[i % len(PHASES)],
                first_sick_day=date(2025, 1, 1) + timedelta(days=(i * 37) % 700),
                next_deadline=deadline,
                open_signals=(i % 7 == 0) + (i % 14 == 0),
                opened_at=START + timedelta(minutes=i // 3),  # three cases share each moment
                buddy="bob@example.nl" if i % 10 == 3 else None,
            )
        )
    return cases


CASES = _cases()


async def _fill(search_url: str) -> Any:
    engine = make_engine(search_url)
    await upgrade(engine)
    async with engine.begin() as connection:
        await connection.execute(
            insert(CaseRow),
            [
                dict(
                    case_id=c.case_id,
                    employee_name=c.name,
                    employee_email=c.email,
                    manager_name="Manager",
                    manager_email=c.manager,
                    org_unit=c.org_unit,
                    first_sick_day=c.first_sick_day,
                    phase=c.phase,
                    next_deadline=c.next_deadline,
                    open_signals=c.open_signals,
                    opened_at=c.opened_at,
                    updated_at=c.opened_at,
                )
                for c in CASES
            ],
        )
        people = [dict(case_id=c.case_id, role="employee", email=c.email) for c in CASES]
        people += [dict(case_id=c.case_id, role="manager", email=c.manager) for c in CASES]
        people += [dict(case_id=c.case_id, role="buddy", email=c.buddy) for c in CASES if c.buddy]
        await connection.execute(insert(CasePersonRow), people)
    return engine


@pytest.fixture
async def search(database_url: str) -> Any:
    engine = await _fill(database_url)
    try:
        yield CaseSearch(make_sessionmaker(engine))
    finally:
        await engine.dispose()


def _newest_first(cases: list[Case]) -> list[str]:
    return [c.case_id for c in sorted(cases, key=lambda c: (c.opened_at, c.case_id), reverse=True)]


async def _all_pages(search: CaseSearch, viewer: Viewer, query: CaseQuery, limit: int) -> list[tuple[str, bool]]:
    found: list[tuple[str, bool]] = []
    after: Cursor | None = None
    for _ in range(N + 2):
        page = await search.page(viewer, query, day=DAY, after=after, limit=limit)
        assert len(page.cases) <= limit
        found.extend((listed.row.case_id, listed.full) for listed in page.cases)
        if page.next is None:
            return found
        assert len(page.cases) == limit, "a page before the last is full"
        after = Cursor.decode(page.next.encode())  # through the opaque text, as a client sends it
    raise AssertionError("the pages never ended")


def _overdue(c: Case) -> bool:
    return c.next_deadline is not None and c.next_deadline < DAY


FILTERS: list[tuple[str, CaseQuery, Callable[[Case], bool]]] = [
    ("everything", CaseQuery(), lambda c: True),
    ("a surname, any case", CaseQuery(text="VRIES"), lambda c: "vries" in c.name.lower()),
    ("accents folded", CaseQuery(text="ozil"), lambda c: "özil" in c.name.lower()),
    ("accented term", CaseQuery(text="élodie"), lambda c: "élodie" in c.name.lower()),
    (
        "two words, each contained",
        CaseQuery(text="jan  berg"),
        lambda c: "jan" in fold(c.name + " " + c.email) and "berg" in fold(c.name + " " + c.email),
    ),
    ("part of an e-mail address", CaseQuery(text="bakker1"), lambda c: "bakker1" in c.email),
    ("an underscore is a character", CaseQuery(text="t_o"), lambda c: "t_o" in fold(c.name)),
    ("a percent sign is a character", CaseQuery(text="%"), lambda c: False),
    ("manager", CaseQuery(manager_email="Manager3@example.nl"), lambda c: c.manager == "manager3@example.nl"),
    ("phase", CaseQuery(phase="opbouw"), lambda c: c.phase == "opbouw"),
    ("org unit", CaseQuery(org_unit="unit-2"), lambda c: c.org_unit == "unit-2"),
    ("overdue", CaseQuery(overdue=True), _overdue),
    ("not overdue", CaseQuery(overdue=False), lambda c: not _overdue(c)),
    ("open signal", CaseQuery(open_signal=True), lambda c: c.open_signals > 0),
    ("no open signal", CaseQuery(open_signal=False), lambda c: c.open_signals == 0),
    (
        "first sick day range",
        CaseQuery(sick_from=date(2025, 6, 1), sick_to=date(2025, 9, 30)),
        lambda c: date(2025, 6, 1) <= c.first_sick_day <= date(2025, 9, 30),
    ),
    ("from only", CaseQuery(sick_from=date(2026, 10, 1)), lambda c: c.first_sick_day >= date(2026, 10, 1)),
    (
        "everything at once",
        CaseQuery(text="sanne", phase="ziekgemeld", overdue=False, open_signal=False, org_unit="unit-0"),
        lambda c: (
            "sanne" in c.name.lower()
            and c.phase == "ziekgemeld"
            and not _overdue(c)
            and c.open_signals == 0
            and c.org_unit == "unit-0"
        ),
    ),
]


@pytest.mark.parametrize("name,query,wanted", FILTERS, ids=[name for name, _, _ in FILTERS])
async def test_every_filter_pages_through_each_matching_case_once_in_order_with_its_counts(
    search: CaseSearch, name: str, query: CaseQuery, wanted: Callable[[Case], bool]
) -> None:
    hr = Viewer(every_case=True)
    expected = [c for c in CASES if wanted(c)]
    assert name == "a percent sign is a character" or expected, "the data has cases for this filter"

    found = await _all_pages(search, hr, query, limit=17)

    assert [case_id for case_id, _ in found] == _newest_first(expected)
    assert all(full for _, full in found)
    counts = await search.counts(hr, query, day=DAY)
    assert counts.total == len(expected)
    assert counts.by_phase == {
        phase: sum(c.phase == phase for c in expected) for phase in PHASES if any(c.phase == phase for c in expected)
    }
    assert counts.overdue == sum(_overdue(c) for c in expected)
    assert counts.open_signals == sum(c.open_signals > 0 for c in expected)


async def test_a_manager_sees_only_their_own_cases_on_every_page(search: CaseSearch) -> None:
    manager = Viewer(every_case=False, email="MANAGER5@example.nl", full_roles=FULL, practical_roles=PRACTICAL)
    own = [c for c in CASES if c.manager == "manager5@example.nl"]

    found = await _all_pages(search, manager, CaseQuery(), limit=7)

    assert [case_id for case_id, _ in found] == _newest_first(own)
    assert all(full for _, full in found)
    assert (await search.counts(manager, CaseQuery(), day=DAY)).total == len(own)
    # A filter that would find other managers' cases finds none of them.
    overdue = await _all_pages(search, manager, CaseQuery(overdue=True), limit=7)
    assert [case_id for case_id, _ in overdue] == _newest_first([c for c in own if _overdue(c)])
    other = await _all_pages(search, manager, CaseQuery(manager_email="manager1@example.nl"), limit=7)
    assert other == []
    assert (await search.counts(manager, CaseQuery(manager_email="manager1@example.nl"), day=DAY)).total == 0


async def test_a_buddy_sees_names_only_and_nothing_to_filter_on(search: CaseSearch) -> None:
    buddy = Viewer(every_case=False, email="bob@example.nl", full_roles=FULL, practical_roles=PRACTICAL)
    theirs = [c for c in CASES if c.buddy]

    found = await _all_pages(search, buddy, CaseQuery(), limit=9)

    assert [case_id for case_id, _ in found] == _newest_first(theirs)
    assert not any(full for _, full in found)
    counts = await search.counts(buddy, CaseQuery(), day=DAY)
    assert (counts.total, counts.by_phase, counts.overdue, counts.open_signals) == (len(theirs), {}, 0, 0)
    assert await _all_pages(search, buddy, CaseQuery(text=theirs[0].name), limit=9) == []
    assert await _all_pages(search, buddy, CaseQuery(phase=theirs[0].phase), limit=9) == []
    nobody = Viewer(every_case=False, email="stranger@example.nl", full_roles=FULL, practical_roles=PRACTICAL)
    assert await _all_pages(search, nobody, CaseQuery(), limit=9) == []


async def test_a_case_opened_between_two_pages_shifts_nothing(database_url: str) -> None:
    engine = await _fill(database_url)
    try:
        search = CaseSearch(make_sessionmaker(engine))
        hr = Viewer(every_case=True)
        first = await search.page(hr, CaseQuery(), day=DAY, limit=50)
        store = CaseStore(make_sessionmaker(engine))
        await store.upsert_case(
            CaseRecord("case-new", "Nieuwe Naam", "new@example.nl", "M", "m@example.nl", None, DAY, "ziekgemeld")
        )
        second = await search.page(hr, CaseQuery(), day=DAY, after=first.next, limit=50)
        assert [c.row.case_id for c in first.cases + second.cases] == _newest_first(CASES)[:100]
        newest = await search.page(hr, CaseQuery(), day=DAY, limit=1)
        assert newest.cases[0].row.case_id == "case-new"
    finally:
        await engine.dispose()


async def test_every_write_keeps_the_search_text(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await upgrade(engine)
        sessionmaker = make_sessionmaker(engine)
        store = CaseStore(sessionmaker)
        record = CaseRecord(
            "case-1", "Zoë Ångström", "ZOE@Example.nl", "Mark", "mark@example.nl", None, DAY, "ziekgemeld"
        )
        await store.upsert_case(record)
        await store.record(replace(record, employee_name="Zoë de Wit"), {}, [])  # a later write renames

        async with sessionmaker() as session:
            text = (await session.scalars(select(CaseRow.search_text))).one()
        assert text == case_search_text("Zoë de Wit", "ZOE@Example.nl") == "zoe de wit zoe@example.nl"
        hr = Viewer(every_case=True)
        search = CaseSearch(sessionmaker)
        assert [c.row.case_id for c in (await search.page(hr, CaseQuery(text="ZOË WIT"), day=DAY)).cases] == ["case-1"]
        assert (await search.page(hr, CaseQuery(text="angstrom"), day=DAY)).cases == []
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "text",
    ["", "not base64!", "bm90IGpzb24", "WyJ4Il0", "WyIyMDI2LTAxLTA1VDA4OjAwOjAwIiwiY2FzZS0xIl0", "W251bGwsMV0"],
)
def test_a_cursor_this_list_did_not_make_is_refused(text: str) -> None:
    with pytest.raises(BadCursor):
        Cursor.decode(text)


def test_a_cursor_holds_a_moment_and_an_id_only() -> None:
    cursor = Cursor(datetime(2026, 1, 5, 8, 0, 1, 123456), "case-0001-919")  # SQLite's naive UTC
    text = cursor.encode()
    assert "@" not in text and "=" not in text
    assert Cursor.decode(text) == Cursor(datetime(2026, 1, 5, 8, 0, 1, 123456, tzinfo=UTC), "case-0001-919")
