"""The SQL read model on SQLite and PostgreSQL: upserts, idempotent audit, manager filter."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from integrations.db import Transaction, create_schema, make_engine, make_sessionmaker, run_write
from integrations.store import AuditEntry, CaseRecord, CaseStore, write_progress


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
        await create_schema(engine)
        await create_schema(engine)  # a second start finds the tables and changes nothing
        store = CaseStore(make_sessionmaker(engine))

        await store.upsert_case(_record("case-1"))
        await store.upsert_case(_record("case-2", manager="other@example.nl"))
        await store.upsert_case(_record("case-1", phase="probleemanalyse"))  # retried / later write
        await store.upsert_case(replace(_record("case-2", manager="other@example.nl", phase="plan_van_aanpak"), next_deadline=date(2026, 12, 28)))

        one = await store.get_case("case-1")
        assert one is not None and one.phase == "probleemanalyse"
        assert one.first_sick_day == date(2026, 11, 2)
        two = await store.get_case("case-2")
        assert two is not None and two.next_deadline == date(2026, 12, 28)
        assert [row.case_id for row in await store.list_cases(manager_email="m@example.nl")] == ["case-1"]
        assert await store.get_case("case-404") is None

        entry = AuditEntry("case-1", "opened", datetime(2026, 11, 2, 9, tzinfo=timezone.utc), "hr@example.nl", "case_opened", {"first_sick_day": "2026-11-02"})
        assert await store.append_audit(entry) is True
        assert await store.append_audit(entry) is False  # a retried activity writes nothing twice
        trail = await store.audit_trail("case-1")
        assert [(row.event_key, row.actor, row.detail) for row in trail] == [("opened", "hr@example.nl", {"first_sick_day": "2026-11-02"})]
    finally:
        await engine.dispose()


async def test_people_decide_who_takes_part(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_schema(engine)
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
        await create_schema(engine)
        store = CaseStore(make_sessionmaker(engine))
        at = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
        opened = AuditEntry(case_id="case-9", event_key="000001:case_opened", at=at, actor="hr@example.nl", action="case_opened", detail={})
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
        assert [r.event_key for r in await store.audit_trail("case-9")] == ["000001:case_opened", "000002:progress_talk_held"]
    finally:
        await engine.dispose()


async def test_a_write_that_fails_half_way_leaves_nothing_and_the_store_goes_on(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_schema(engine)
        sessionmaker = make_sessionmaker(engine)
        store = CaseStore(sessionmaker)
        at = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
        opened = AuditEntry("case-5", "000001:case_opened", at, "hr@example.nl", "case_opened", {"first_sick_day": "2026-11-02"})

        class Interrupted(Exception):
            pass

        async def interrupted_write(tx: Transaction) -> None:
            await write_progress(tx, _record("case-5"), {"employee": ["sanne@example.nl"]}, [opened])
            raise Interrupted  # the worker dies between two statements

        try:
            await run_write(sessionmaker, interrupted_write)
        except Interrupted:
            pass
        assert await store.get_case("case-5") is None
        assert await store.audit_trail("case-5") == []
        assert await store.roles_in_case("case-5", "sanne@example.nl") == set()

        await store.record(replace(_record("case-5"), next_deadline=date(2027, 1, 4)), {"employee": ["sanne@example.nl"]}, [opened])
        row = await store.get_case("case-5")
        assert row is not None and (row.first_sick_day, row.next_deadline) == (date(2026, 11, 2), date(2027, 1, 4))
        assert row.opened_at is not None and row.updated_at >= row.opened_at
        trail = await store.audit_trail("case-5")
        assert [(r.at.replace(tzinfo=timezone.utc) if r.at.tzinfo is None else r.at, r.detail) for r in trail] == [(at, {"first_sick_day": "2026-11-02"})]
    finally:
        await engine.dispose()


async def test_a_store_writer_that_awaits_anything_else_is_refused_on_sqlite_and_writes_nothing(tmp_path: Path) -> None:
    """On SQLite a writer runs in one hop to the driver's thread, where nothing but the
    transaction may be awaited; a writer that awaits something else is a bug, said at once."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    try:
        await create_schema(engine)
        sessionmaker = make_sessionmaker(engine)

        async def waits_halfway(tx: Transaction) -> None:
            await write_progress(tx, _record("case-6"), {"employee": ["sanne@example.nl"]}, [])
            await asyncio.sleep(0)

        with pytest.raises(RuntimeError, match="awaited something other than its transaction"):
            await run_write(sessionmaker, waits_halfway)
        store = CaseStore(sessionmaker)
        assert await store.get_case("case-6") is None
        await store.upsert_case(_record("case-6"))  # the connection went back clean
        assert (await store.get_case("case-6")) is not None
    finally:
        await engine.dispose()
