"""The work queue in the SQL read model (issue 21) on SQLite and PostgreSQL: a case's items are
written with its row and replaced by the next write; the queue reads them most urgent first, with
"overdue" and "this week and next" decided by the day it is read, and each reader sees their own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Connection, insert, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import WorkItem
from integrations.db import make_engine, make_sessionmaker, run_write
from integrations.schema import CalendarSeriesRow, InvitationReplyRow
from integrations.store import CaseRecord, CaseStore, write_progress
from integrations.work_items import COMING, OPEN, OVERDUE, Reader, end_of_next_week, work_queue
from tests.support import create_tables

MONDAY = date(2026, 12, 7)


def _case(case_id: str, name: str, manager: str = "mark@example.nl") -> CaseRecord:
    return CaseRecord(
        case_id=case_id,
        employee_name=name,
        employee_email=f"{case_id}@example.nl",
        manager_name="Mark Jansen",
        manager_email=manager,
        org_unit=None,
        first_sick_day=date(2026, 10, 5),
        phase="probleemanalyse",
    )


def _step(key: str, due: date, actor: str = "hr", command: str = "step_recorded") -> WorkItem:
    return WorkItem(kind="step", key=key, label_nl=key, label_en=key, actor_role=actor, due=due, command=command)


async def _write(
    sessionmaker: async_sessionmaker[AsyncSession],
    record: CaseRecord,
    items: list[WorkItem] | None,
    people: dict[str, list[str]],
) -> None:
    await run_write(sessionmaker, lambda connection: write_progress(connection, record, people, [], items))


async def test_items_are_written_replaced_and_read_most_urgent_first(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        store = CaseStore(sessionmaker)
        signal = WorkItem(
            kind="signal",
            key="hours_not_increased:2026-11-02",
            label_nl="De opbouw staat stil",
            label_en="The build-up has stalled",
            actor_role="coach",
            command="signal_resolved",
            since=date(2026, 11, 30),
        )
        sanne = replace(
            _case("case-1", "Sanne de Vries"),
            next_step="probleemanalyse",
            next_step_label_nl="Probleemanalyse",
            next_step_label_en="Probleemanalyse (problem analysis)",
            open_signals=1,
        )
        await _write(
            sessionmaker,
            sanne,
            [
                _step("probleemanalyse", date(2026, 12, 4), command="probleemanalyse_received"),  # overdue on Monday
                _step("plan_van_aanpak", date(2026, 12, 18)),  # next week: coming
                _step("uwv_42_week_report", date(2027, 7, 20)),  # far away: not on the queue yet
                signal,
            ],
            {"employee": ["case-1@example.nl"], "manager": ["mark@example.nl"]},
        )
        await _write(
            sessionmaker,
            _case("case-2", "Jan Bakker", manager="mia@example.nl"),
            [_step("evaluation", date(2026, 12, 9), actor="manager", command="evaluation_held")],
            {"employee": ["case-2@example.nl"], "manager": ["mia@example.nl"]},
        )
        row = await store.get_case("case-1")
        assert row is not None and (row.next_step, row.open_signals) == ("probleemanalyse", 1)
        assert row.next_step_label_en == "Probleemanalyse (problem analysis)"

        queue = await work_queue(sessionmaker, Reader(), MONDAY)
        assert [(item.employee_name, item.key, item.group) for item in queue] == [
            ("Sanne de Vries", "probleemanalyse", OVERDUE),
            ("Sanne de Vries", "hours_not_increased:2026-11-02", OPEN),
            ("Jan Bakker", "evaluation", COMING),
            ("Sanne de Vries", "plan_van_aanpak", COMING),
        ]
        assert queue[0].overdue and not queue[2].overdue
        assert queue[0].command == "probleemanalyse_received" and queue[0].due == date(2026, 12, 4)
        # "overdue" is the day's, not the write's: the Friday before, the step was still coming
        earlier = await work_queue(sessionmaker, Reader(), date(2026, 12, 4))
        assert [(item.key, item.group) for item in earlier][:1] == [("hours_not_increased:2026-11-02", OPEN)]
        assert ("probleemanalyse", COMING) in [(item.key, item.group) for item in earlier]
        # the far step comes on the queue two weeks ahead
        later = await work_queue(sessionmaker, Reader(), date(2027, 7, 12))
        assert "uwv_42_week_report" in [item.key for item in later]

        # a manager sees the items of their own cases only; an employee only their own to do
        mark = await work_queue(sessionmaker, Reader("MARK@example.nl", ("manager",)), MONDAY)
        assert {item.case_id for item in mark} == {"case-1"}
        mia = await work_queue(sessionmaker, Reader("mia@example.nl", ("manager",)), MONDAY)
        assert [item.key for item in mia] == ["evaluation"]
        employee = await work_queue(sessionmaker, Reader("case-1@example.nl", ("employee",), ("employee",)), MONDAY)
        assert employee == []

        # the next write replaces the case's items: the done step and the resolved signal are gone
        await _write(sessionmaker, replace(sanne, open_signals=0), [_step("plan_van_aanpak", date(2026, 12, 18))], {})
        assert [item.key for item in await work_queue(sessionmaker, Reader(), MONDAY)] == [
            "evaluation",
            "plan_van_aanpak",
        ]
        # a write that does not know the items (None) leaves them as they are
        await _write(sessionmaker, sanne, None, {})
        assert [item.key for item in await work_queue(sessionmaker, Reader(), MONDAY)] == [
            "evaluation",
            "plan_van_aanpak",
        ]
        # a closed case has nothing to do
        await _write(sessionmaker, replace(sanne, closed_on=MONDAY), [], {})
        assert [item.case_id for item in await work_queue(sessionmaker, Reader(), MONDAY)] == ["case-2"]
        assert end_of_next_week(MONDAY) == date(2026, 12, 20)
    finally:
        await engine.dispose()


async def test_a_declined_invitation_is_on_the_queue_until_the_talk_is_moved(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        await _write(
            sessionmaker,
            _case("case-1", "Sanne de Vries"),
            [],
            {"employee": ["case-1@example.nl"], "manager": ["mark@example.nl"]},
        )
        at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)

        def seed(connection: Connection) -> None:
            connection.execute(
                insert(CalendarSeriesRow),
                [
                    {
                        "uid": "uid-1",
                        "case_id": "case-1",
                        "sequence": 0,
                        "cancelled": False,
                        "data": {},
                        "updated_at": at,
                    }
                ],
            )
            connection.execute(
                insert(InvitationReplyRow),
                [
                    {
                        "uid": "uid-1",
                        "recurrence_id": "",
                        "attendee": "case-1@example.nl",
                        "case_id": "case-1",
                        "kind": "progress_talk",
                        "partstat": "DECLINED",
                        "sequence": 0,
                        "dtstamp": at,
                        "received_at": at,
                        "announced": True,
                    },
                    {
                        "uid": "uid-1",
                        "recurrence_id": "20261130T090000Z",  # an occurrence already past
                        "attendee": "mark@example.nl",
                        "case_id": "case-1",
                        "kind": "progress_talk",
                        "partstat": "DECLINED",
                        "sequence": 0,
                        "dtstamp": at,
                        "received_at": at,
                        "announced": True,
                    },
                ],
            )

        await run_write(sessionmaker, seed)
        queue = await work_queue(sessionmaker, Reader(), MONDAY)
        assert [(item.kind, item.key, item.who, item.actor_role) for item in queue] == [
            ("declined", "progress_talk", "employee", "hr")
        ]
        assert await work_queue(sessionmaker, Reader("mark@example.nl", ("manager",)), MONDAY) != []
        assert await work_queue(sessionmaker, Reader("mia@example.nl", ("manager",)), MONDAY) == []

        def moved(connection: Connection) -> None:
            connection.execute(update(CalendarSeriesRow).values(sequence=1))

        await run_write(sessionmaker, moved)  # HR moved the talk: the answer was to the old time
        assert await work_queue(sessionmaker, Reader(), MONDAY) == []
    finally:
        await engine.dispose()


async def test_everyones_queue_read_kind_by_kind_is_the_first_items_of_all(database_url: str) -> None:
    """HR's queue is read one kind at a time (each kind's first ``limit`` items); it must be the
    first ``limit`` of every item in the queue's order, whatever mix of kinds and dates."""
    import random

    chance = random.Random(21)
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        horizon = end_of_next_week(MONDAY)
        expected: list[tuple[int, date, str, str, str]] = []
        for number in range(60):
            name = chance.choice(["Anna", "Bram", "Cor", "Daan", "Eva"]) + f" {number % 7}"
            items = []
            for index in range(chance.randrange(0, 8)):
                kind = chance.choice(["step", "step", "signal", "talk", "riv_gap"])
                day = MONDAY + timedelta(days=chance.randrange(-60, 30))
                key = f"{kind}-{number}-{index}"
                if kind == "signal":
                    items.append(
                        WorkItem(kind=kind, key=key, label_nl=key, label_en=key, actor_role="coach", since=day)
                    )
                else:
                    items.append(WorkItem(kind=kind, key=key, label_nl=key, label_en=key, actor_role="hr", due=day))
                if kind == "step" and day <= horizon:
                    expected.append((OVERDUE if day < MONDAY else COMING, day, name, f"c{number:03d}", key))
                elif kind in ("signal", "riv_gap") or (kind == "talk" and day <= MONDAY):
                    expected.append((OPEN, day, name, f"c{number:03d}", key))
            await _write(sessionmaker, _case(f"c{number:03d}", name), items, {})
        expected.sort(key=lambda line: line[:3])
        for limit in (1, 10, 25, 1000):
            queue = await work_queue(sessionmaker, Reader(), MONDAY, limit=limit)
            got = [(item.group, item.day, item.employee_name, item.case_id, item.key) for item in queue]
            assert [line[:3] for line in got] == [line[:3] for line in expected[:limit]]
            assert {line[3:] for line in got} <= {line[3:] for line in expected}
        assert len(await work_queue(sessionmaker, Reader(), MONDAY, limit=1000)) == len(expected)
    finally:
        await engine.dispose()


async def test_an_item_of_an_unknown_kind_is_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        odd = WorkItem(kind="chore", key="x", label_nl="x", label_en="x", actor_role="hr", due=MONDAY)
        with pytest.raises(ValueError, match="WORK_ITEM_KINDS"):
            await _write(sessionmaker, _case("c1", "Anna"), [odd], {})
    finally:
        await engine.dispose()
