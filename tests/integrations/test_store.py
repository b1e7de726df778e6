"""The SQL read model on SQLite and PostgreSQL: upserts, idempotent audit, manager filter."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, event, select, text

from integrations.db import make_engine, make_sessionmaker, run_write, write_session
from integrations.migrate import upgrade
from integrations.schema import CasePersonRow, CaseRow
from integrations.store import AuditEntry, CaseRecord, CaseStore, write_progress
from tests.support import create_tables


def _record(case_id: str, manager: str = "m@example.nl", phase: str = "ziekgemeld") -> CaseRecord:
    return CaseRecord(
        case_id=case_id,
        employee_name="Sanne de Vries",
        employee_email="sanne@example.nl",
        manager_name="Mark Jansen",
        manager_email=manager,
        org_unit="team-a",
        first_sick_day=date(2026, 11, 2),
        phase=phase,
    )


async def test_cases_upsert_filter_and_audit_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        await upgrade(engine)  # a start finds the schema at the head and changes nothing
        store = CaseStore(make_sessionmaker(engine))

        await store.upsert_case(_record("case-1"))
        await store.upsert_case(_record("case-2", manager="other@example.nl"))
        await store.upsert_case(_record("case-1", phase="probleemanalyse"))  # retried / later write
        await store.upsert_case(
            replace(
                _record("case-2", manager="other@example.nl", phase="plan_van_aanpak"), next_deadline=date(2026, 12, 28)
            )
        )

        one = await store.get_case("case-1")
        assert one is not None and one.phase == "probleemanalyse"
        assert one.first_sick_day == date(2026, 11, 2)
        two = await store.get_case("case-2")
        assert two is not None and two.next_deadline == date(2026, 12, 28)
        assert [row.case_id for row in await store.list_cases(manager_email="m@example.nl")] == ["case-1"]
        assert await store.get_case("case-404") is None

        entry = AuditEntry(
            "case-1",
            "opened",
            datetime(2026, 11, 2, 9, tzinfo=UTC),
            "hr@example.nl",
            "case_opened",
            {"first_sick_day": "2026-11-02"},
        )
        assert await store.append_audit(entry) is True
        assert await store.append_audit(entry) is False  # a retried activity writes nothing twice
        trail = await store.audit_trail("case-1")
        assert [(row.event_key, row.actor, row.detail) for row in trail] == [
            ("opened", "hr@example.nl", {"first_sick_day": "2026-11-02"})
        ]
    finally:
        await engine.dispose()


async def test_people_decide_who_takes_part(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        store = CaseStore(make_sessionmaker(engine))
        await store.upsert_case(_record("case-1"))
        await store.upsert_case(_record("case-2"))
        await store.set_people("case-1", "coach", ["Coach@Example.nl"])
        await store.set_people("case-1", "coach", ["coach@example.nl"])  # a retry changes nothing
        await store.set_people("case-2", "buddy", ["coach@example.nl"])
        assert await store.roles_in_case("case-1", "coach@example.nl") == {"coach"}
        assert [row.case_id for row in await store.cases_of_person("coach@example.nl", role="coach")] == ["case-1"]
        assert {row.case_id for row in await store.cases_of_person("coach@example.nl")} == {"case-1", "case-2"}
        await store.set_people("case-1", "coach", ["other@example.nl"])  # coach replaced
        assert await store.roles_in_case("case-1", "coach@example.nl") == set()
    finally:
        await engine.dispose()


async def test_one_decisions_write_is_idempotent_and_replaces_only_the_roles_named(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        store = CaseStore(make_sessionmaker(engine))
        at = datetime(2026, 11, 2, 9, tzinfo=UTC)
        opened = AuditEntry(
            case_id="case-9",
            event_key="000001:case_opened",
            at=at,
            actor="hr@example.nl",
            action="case_opened",
            detail={},
        )
        people = {"employee": ["Sanne@example.nl"], "manager": ["m@example.nl"], "coach": ["cor@example.nl"]}

        await store.record(_record("case-9"), people, [opened])
        await store.record(_record("case-9"), people, [opened])  # a retried delivery
        assert [row.event_key for row in await store.audit_trail("case-9")] == ["000001:case_opened"]
        assert await store.roles_in_case("case-9", "sanne@example.nl") == {"employee"}

        # A later decision: a new coach, one more step; roles it does not name stay as they were.
        talk = replace(opened, event_key="000002:progress_talk_held", action="progress_talk_held")
        await store.record(_record("case-9", phase="probleemanalyse"), {"coach": ["new-coach@example.nl"]}, [talk])
        await store.record(_record("case-9", phase="probleemanalyse"), {}, [talk])
        row = await store.get_case("case-9")
        assert row is not None and row.phase == "probleemanalyse"
        assert await store.roles_in_case("case-9", "cor@example.nl") == set()
        assert await store.roles_in_case("case-9", "new-coach@example.nl") == {"coach"}
        assert await store.roles_in_case("case-9", "m@example.nl") == {"manager"}
        assert [r.event_key for r in await store.audit_trail("case-9")] == [
            "000001:case_opened",
            "000002:progress_talk_held",
        ]
    finally:
        await engine.dispose()


async def test_a_write_that_fails_half_way_leaves_nothing_and_the_store_goes_on(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        store = CaseStore(sessionmaker)
        at = datetime(2026, 11, 2, 9, tzinfo=UTC)
        opened = AuditEntry(
            "case-5", "000001:case_opened", at, "hr@example.nl", "case_opened", {"first_sick_day": "2026-11-02"}
        )

        class Interrupted(Exception):
            pass

        def interrupted_write(connection: Connection) -> None:
            write_progress(connection, _record("case-5"), {"employee": ["sanne@example.nl"]}, [opened])
            raise Interrupted  # the worker dies between two statements

        try:
            await run_write(sessionmaker, interrupted_write)
        except Interrupted:
            pass
        assert await store.get_case("case-5") is None
        assert await store.audit_trail("case-5") == []
        assert await store.roles_in_case("case-5", "sanne@example.nl") == set()

        await store.record(
            replace(_record("case-5"), next_deadline=date(2027, 1, 4)), {"employee": ["sanne@example.nl"]}, [opened]
        )
        row = await store.get_case("case-5")
        assert row is not None and (row.first_sick_day, row.next_deadline) == (date(2026, 11, 2), date(2027, 1, 4))
        assert row.opened_at is not None and row.updated_at >= row.opened_at
        trail = await store.audit_trail("case-5")
        assert [(r.at.replace(tzinfo=UTC) if r.at.tzinfo is None else r.at, r.detail) for r in trail] == [
            (at, {"first_sick_day": "2026-11-02"})
        ]
    finally:
        await engine.dispose()


async def test_two_connections_writing_at_once_wait_for_each_other_instead_of_failing(tmp_path: Path) -> None:
    """SQLite, two engines on one file (the web app and the worker are two processes, each with its
    own connection): transactions that read first (the people of a case) and then write, at the same
    time. A write transaction takes the write lock at its start (BEGIN IMMEDIATE); begun deferred,
    one that read before the other committed would fail at once with "database is locked"
    (SQLITE_BUSY_SNAPSHOT), which busy_timeout does not wait out."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    engines = [make_engine(url), make_engine(url)]
    try:
        await create_tables(engines[0])
        sessionmakers = [make_sessionmaker(engine) for engine in engines]
        at = datetime(2026, 11, 2, 9, tzinfo=UTC)

        def reads_then_writes(connection: Connection, writer: int, step: int) -> None:
            case_id = f"case-{step % 4}"
            connection.execute(select(CasePersonRow.email).where(CasePersonRow.case_id == case_id))
            time.sleep(0.002)  # the other connection's turn
            entry = AuditEntry(case_id, f"{writer}:{step:06d}", at, "hr@example.nl", "progress_talk_held", {})
            people = {"coach": [f"coach-{writer}-{step}@example.nl"], "employee": ["sanne@example.nl"]}
            write_progress(connection, _record(case_id, phase=f"phase-{writer}-{step}"), people, [entry])

        async def decisions(writer: int) -> None:
            for step in range(20):
                await run_write(sessionmakers[writer], functools.partial(reads_then_writes, writer=writer, step=step))
                await CaseStore(sessionmakers[writer]).set_people(
                    f"case-{step % 4}", "buddy", [f"buddy-{writer}@example.nl"]
                )

        await asyncio.gather(decisions(0), decisions(1))
        store = CaseStore(sessionmakers[0])
        assert sum([len(await store.audit_trail(f"case-{n}")) for n in range(4)]) == 40
        async with sessionmakers[1]() as session:
            coaches = (
                (await session.execute(select(CasePersonRow.case_id).where(CasePersonRow.role == "coach")))
                .scalars()
                .all()
            )
        assert sorted(coaches) == [f"case-{n}" for n in range(4)]  # each write replaced the coach as a whole
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_reader_does_not_hold_up_a_writer_on_sqlite(tmp_path: Path) -> None:
    """Reads begin deferred: a read transaction left open on one connection does not keep another
    connection from writing (WAL), nor sees that write until it ends."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    reader_engine, writer_engine = make_engine(url), make_engine(url)
    try:
        await create_tables(writer_engine)
        writer = CaseStore(make_sessionmaker(writer_engine))
        await writer.upsert_case(_record("case-1"))
        async with make_sessionmaker(reader_engine)() as session:
            before = (await session.execute(select(CaseRow.phase))).scalars().all()
            await asyncio.wait_for(writer.upsert_case(_record("case-1", phase="probleemanalyse")), 5)
            assert (await session.execute(select(CaseRow.phase))).scalars().all() == before == ["ziekgemeld"]
        row = await CaseStore(make_sessionmaker(reader_engine)).get_case("case-1")
        assert row is not None and row.phase == "probleemanalyse"
    finally:
        await reader_engine.dispose()
        await writer_engine.dispose()


async def test_a_write_transaction_holds_the_write_lock_from_its_start(tmp_path: Path) -> None:
    """On SQLite a write transaction begins IMMEDIATE, before its first statement: while it is
    open, another connection cannot begin one (it waits)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    first, second = make_engine(url), make_engine(url)
    try:
        await create_tables(first)
        holding, release = threading.Event(), threading.Event()

        def reads_then_waits(connection: Connection) -> None:
            connection.execute(text("SELECT 1"))
            holding.set()
            release.wait(10)

        held = asyncio.create_task(run_write(make_sessionmaker(first), reads_then_waits))
        assert await asyncio.to_thread(holding.wait, 5)
        store = CaseStore(make_sessionmaker(second))
        waiting = asyncio.create_task(store.upsert_case(_record("case-1")))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # waits for the lock (busy_timeout) instead of failing
        release.set()
        await asyncio.wait_for(held, 5)
        await asyncio.wait_for(waiting, 5)
        assert await store.get_case("case-1") is not None
    finally:
        await first.dispose()
        await second.dispose()


async def test_writes_begin_immediate_and_reads_deferred_on_sqlite(tmp_path: Path) -> None:
    """Which BEGIN each kind of transaction says: run_write and write_session (the ORM's writes,
    such as the accounts') take the write lock at once; a read session begins deferred."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    try:
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        began: list[str] = []

        def note(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
            if statement.startswith("BEGIN"):
                began.append(statement)

        event.listen(Engine, "before_cursor_execute", note)  # every engine: run_write's is one of its own
        try:
            await CaseStore(sessionmaker).upsert_case(_record("case-1"))
            async with write_session(sessionmaker) as session:
                row = await session.get(CaseRow, "case-1")
                assert row is not None
                row.phase = "probleemanalyse"
            async with sessionmaker() as session:
                assert (await session.get(CaseRow, "case-1")).phase == "probleemanalyse"  # type: ignore[union-attr]
        finally:
            event.remove(Engine, "before_cursor_execute", note)
        assert began == ["BEGIN IMMEDIATE", "BEGIN IMMEDIATE", "BEGIN"]
    finally:
        await engine.dispose()
