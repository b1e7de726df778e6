"""The dossier's retention on SQLite and PostgreSQL: an expired case goes with every row it has, and
nothing else does; each run is recorded with counts only; a second run deletes nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.absence import AbsenceRecord, AbsenceSpan, PhaseSince, SickReport, StepDue
from integrations.absence_parts import replace_parts
from integrations.absence_records import as_row
from integrations.db import make_engine, make_sessionmaker, run_write
from integrations.retention import (
    TABLES,
    DueCase,
    delete_expired,
    delete_on,
    due_for_deletion,
    recent_runs,
)
from integrations.schema import Base, RetentionRunRow
from tests.support import create_tables

AT = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
YEARS = 2
EXPIRED = "case-" + "a" * 32  # closed 2024-03-01: deleted on 2026-03-01
NOT_YET = "case-" + "b" * 32  # closed 2024-03-03: deleted on 2026-03-03
OPEN = "case-" + "c" * 32  # never closed
LEAP = "case-" + "d" * 32  # closed 2024-02-29: deleted on 2026-02-28
NAMES = {EXPIRED: "Anna Verlopen", NOT_YET: "Bert Bijna", OPEN: "Cees Open", LEAP: "Dirk Schrikkel"}
#: Rows of nobody's case in particular (a person's daily summary and its bounce warning to the mailbox).
PERSON_OUTBOX_KEYS = ("summary:anna@example.nl:2024-03-04:1", "notice:summary:x:bounce:verzuim@example.nl")


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _seed(connection: Connection, case_id: str, closed_on: date | None) -> None:
    """One case with a row in every table a case has rows in."""
    tag = case_id[5]
    uid = f"{tag}" * 8 + "-0000-4000-8000-" + f"{tag}" * 12
    employee = f"{tag}@example.nl"
    connection.execute(
        insert(_table("cases")).values(
            case_id=case_id,
            employee_name=NAMES[case_id],
            employee_email=employee,
            manager_name="Mark Jansen",
            manager_email="mark@example.nl",
            first_sick_day=date(2023, 1, 2),
            phase="hersteld" if closed_on else "ziekgemeld",
            closed_on=closed_on,
            opened_at=AT,
            updated_at=AT,
        )
    )
    connection.execute(
        insert(_table("case_people")),
        [
            {"case_id": case_id, "role": "employee", "email": employee},
            {"case_id": case_id, "role": "manager", "email": "mark@example.nl"},
        ],
    )
    connection.execute(
        insert(_table("case_work_items")).values(
            case_id=case_id,
            kind="step",
            key="probleemanalyse",
            label_nl="Probleemanalyse",
            label_en="Probleemanalyse",
            actor_role="hr",
        )
    )
    connection.execute(
        insert(_table("audit_trail")),
        [
            {
                "case_id": case_id,
                "event_key": "000001:case_opened",
                "at": AT,
                "actor": "hr@example.nl",
                "action": "case_opened",
                "detail": {},
            },
            {
                "case_id": case_id,
                "event_key": "000002:recovered",
                "at": AT,
                "actor": "hr@example.nl",
                "action": "recovered",
                "detail": {},
            },
        ],
    )
    connection.execute(
        insert(_table("dossier_records")).values(
            case_id=case_id,
            key="plan_van_aanpak:000003:plan_van_aanpak_signed",
            part="plan_van_aanpak",
            kind="signed",
            version=1,
            on=date(2023, 3, 1),
            recorded_by="hr@example.nl",
            recorded_at=AT,
            fields=[["agreed", "Twee dagen per week"]],
            participants=[],
            about="",
        )
    )
    connection.execute(
        insert(_table("dossier_documents")).values(
            case_id=case_id,
            part="plan_van_aanpak",
            name="plan.pdf",
            version=1,
            media_type="application/pdf",
            size=8,
            sha256="0" * 64,
            content=b"%PDF-1.4",
            uploaded_by="hr@example.nl",
            uploaded_at=AT,
        )
    )
    connection.execute(
        insert(_table("calendar_series")).values(
            uid=uid, case_id=case_id, sequence=1, cancelled=False, data={"kind": "progress_talk"}, updated_at=AT
        )
    )
    connection.execute(
        insert(_table("calendar_series_people")),
        [{"uid": uid, "email": employee}, {"uid": uid, "email": "mark@example.nl"}],
    )
    connection.execute(
        insert(_table("invitation_replies")).values(
            uid=uid,
            recurrence_id="",
            attendee=employee,
            case_id=case_id,
            kind="progress_talk",
            partstat="ACCEPTED",
            sequence=1,
            dtstamp=AT,
            received_at=AT,
            announced=True,
        )
    )
    connection.execute(
        insert(_table("invitation_counters")).values(
            uid=uid,
            recurrence_id="",
            attendee=employee,
            case_id=case_id,
            kind="progress_talk",
            proposed_start=AT,
            proposed_end=None,
            sequence=1,
            dtstamp=AT,
            received_at=AT,
            status="declined",
        )
    )
    held = f"notice:{case_id}:remind:evaluation:mark@example.nl"
    connection.execute(
        insert(_table("digest_items")).values(
            key=held,
            recipient="mark@example.nl",
            recipient_name="Mark Jansen",
            language="nl",
            kind="reminder",
            reason="batch",
            case_id=case_id,
            subject=f"Herinnering: {NAMES[case_id]}",
            body="",
            url=None,
            queued_at=AT,
            due_at=AT,
            digest_key=None,
        )
    )
    outbox = [
        {"key": f"notice:{case_id}:close:{employee}", "recipient": employee, "kind": "case_closed"},
        {
            "key": f"notice:{case_id}:000004:notice:bounce:x@example.nl:hr@example.nl",
            "recipient": "hr@example.nl",
            "kind": "bounce_warning",
        },
        {"key": held, "recipient": "mark@example.nl", "kind": "reminder"},
        {
            "key": f"itip:{uid}:-:1:REQUEST:{employee}",
            "recipient": employee,
            "kind": "invitation:progress_talk",
            "series_uid": uid,
            "sequence": 1,
            "method": "REQUEST",
        },
    ]
    connection.execute(
        insert(_table("outbox")),
        [
            {
                "series_uid": None,
                "sequence": None,
                "method": None,
                **row,
                "status": "sent",
                "subject": NAMES[case_id],
                "created_at": AT,
                "updated_at": AT,
            }
            for row in outbox
        ],
    )
    record = AbsenceRecord(
        employee_key=tag * 16,
        contract_hours_per_week=36.0,
        reports=(SickReport(start=date(2023, 1, 2), end=closed_on, recovered=closed_on is not None),),
        spans=(AbsenceSpan(start=date(2023, 1, 2), end=closed_on, fraction=1.0),),
        phases=(PhaseSince(phase="ziekgemeld", since=date(2023, 1, 2)),),
        steps=(StepDue(key="probleemanalyse", due=date(2023, 2, 13), done_on=date(2023, 2, 10)),),
    )
    connection.execute(insert(_table("absence_records")), as_row(case_id, "Logistiek", record))
    replace_parts(connection, case_id, "Logistiek", record)


def _seed_people_rows(connection: Connection) -> None:
    connection.execute(
        insert(_table("outbox")),
        [
            {
                "key": key,
                "recipient": "anna@example.nl",
                "kind": "summary:daily",
                "status": "sent",
                "created_at": AT,
                "updated_at": AT,
            }
            for key in PERSON_OUTBOX_KEYS
        ],
    )


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    await create_tables(engine)
    maker = make_sessionmaker(engine)

    def seed(connection: Connection) -> None:
        _seed(connection, EXPIRED, date(2024, 3, 1))
        _seed(connection, NOT_YET, date(2024, 3, 3))
        _seed(connection, OPEN, None)
        _seed_people_rows(connection)

    await run_write(maker, seed)
    try:
        yield maker
    finally:
        await engine.dispose()


async def _rows(maker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """How many rows each table of a case holds, over all cases."""
    async with maker() as session:
        return {
            name: int((await session.execute(select(func.count()).select_from(_table(name)))).scalar_one())
            for name in TABLES
        }


async def _mentions(maker: async_sessionmaker[AsyncSession], case_id: str) -> dict[str, int]:
    """Rows that still name ``case_id`` (in a case_id column, or in an outbox key), per table."""
    found: dict[str, int] = {}
    async with maker() as session:
        for name in TABLES:
            table = _table(name)
            if "case_id" in table.c:
                condition: Any = table.c.case_id == case_id
            elif name == "outbox":
                condition = table.c.key.contains(case_id) | table.c.subject.contains(NAMES[case_id])
            else:  # calendar_series_people: by the series' uid
                condition = table.c.uid.startswith(case_id[5] * 8)
            found[name] = int(
                (await session.execute(select(func.count()).select_from(table).where(condition))).scalar_one()
            )
    return found


EACH_CASE = {
    "dossier_records": 1,
    "dossier_documents": 1,
    "audit_trail": 2,
    "case_people": 2,
    "case_work_items": 1,
    "outbox": 4,
    "calendar_series": 1,
    "calendar_series_people": 2,
    "invitation_replies": 1,
    "invitation_counters": 1,
    "digest_items": 1,
    "absence_spans": 1,
    "absence_reports": 1,
    "absence_phases": 1,
    "absence_steps": 1,
    "absence_records": 1,
    "cases": 1,
}


async def test_an_expired_case_goes_with_every_row_and_nothing_else_does(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    before = await _rows(sessionmaker)
    assert before["outbox"] == 3 * EACH_CASE["outbox"] + len(PERSON_OUTBOX_KEYS)

    report = await delete_expired(sessionmaker, today=TODAY, retention_years=YEARS)

    assert report.case_ids == (EXPIRED,)
    assert report.counts == EACH_CASE
    assert await _mentions(sessionmaker, EXPIRED) == dict.fromkeys(TABLES, 0)
    for kept in (NOT_YET, OPEN):
        assert await _mentions(sessionmaker, kept) == EACH_CASE, kept
    after = await _rows(sessionmaker)
    assert {name: before[name] - after[name] for name in TABLES} == EACH_CASE  # the people's summaries stay
    async with sessionmaker() as session:
        keys = set((await session.execute(select(_table("outbox").c.key))).scalars())
    assert set(PERSON_OUTBOX_KEYS) <= keys


async def test_each_run_is_recorded_with_counts_only_and_a_second_run_deletes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    first = await delete_expired(sessionmaker, today=TODAY, retention_years=YEARS)
    second = await delete_expired(sessionmaker, today=TODAY, retention_years=YEARS)

    assert first.cases_deleted == 1
    assert second.case_ids == ()
    assert second.counts == dict.fromkeys(TABLES, 0)
    runs = await recent_runs(sessionmaker)
    assert [(run.cases_deleted, run.counts) for run in runs] == [(0, second.counts), (1, EACH_CASE)]
    assert runs[0].ran_at == second.ran_at and runs[0].ran_at.tzinfo is not None
    async with sessionmaker() as session:
        stored = (await session.execute(select(RetentionRunRow))).scalars().all()
    text = json.dumps([row.counts for row in stored])
    assert EXPIRED not in text and NAMES[EXPIRED] not in text  # no ids, no names: counts


async def test_the_day_retention_ends_the_case_goes_and_not_a_day_before(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    day_before = await delete_expired(sessionmaker, today=date(2026, 2, 28), retention_years=YEARS)
    assert day_before.case_ids == ()
    on_the_day = await delete_expired(sessionmaker, today=date(2026, 3, 1), retention_years=YEARS)
    assert on_the_day.case_ids == (EXPIRED,)
    later = await delete_expired(sessionmaker, today=date(2026, 3, 3), retention_years=YEARS)
    assert later.case_ids == (NOT_YET,)  # the open case stays, however late
    assert await _mentions(sessionmaker, OPEN) == EACH_CASE


async def test_the_auditor_sees_the_cases_due_and_soon_due(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    due = await due_for_deletion(sessionmaker, today=TODAY, retention_years=YEARS)
    assert due == [
        DueCase(EXPIRED, NAMES[EXPIRED], date(2024, 3, 1), date(2026, 3, 1)),
        DueCase(NOT_YET, NAMES[NOT_YET], date(2024, 3, 3), date(2026, 3, 3)),
    ]
    assert [
        case.case_id for case in await due_for_deletion(sessionmaker, today=TODAY, retention_years=YEARS, within_days=0)
    ] == [EXPIRED]
    # With a longer retention nothing is due yet; listing changes nothing.
    assert await due_for_deletion(sessionmaker, today=TODAY, retention_years=3) == []
    assert (await _rows(sessionmaker))["cases"] == 3


async def test_a_wrong_retention_is_refused_with_a_clear_error_and_changes_nothing(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    before = await _rows(sessionmaker)
    for wrong in (0, -1):
        with pytest.raises(ValueError, match="REINTEGRATIE_RETENTION_YEARS"):
            await delete_expired(sessionmaker, today=TODAY, retention_years=wrong)
    assert await _rows(sessionmaker) == before
    assert await recent_runs(sessionmaker) == []


def test_retention_ends_on_the_same_day_and_29_february_on_28_february() -> None:
    assert delete_on(date(2024, 3, 1), 2) == date(2026, 3, 1)
    assert delete_on(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert delete_on(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert delete_on(date(2023, 12, 31), 1) == date(2024, 12, 31)


async def test_a_case_closed_on_29_february_is_listed_and_deleted_on_28_february(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        maker = make_sessionmaker(engine)
        leap = LEAP
        await run_write(maker, lambda connection: _seed(connection, leap, date(2024, 2, 29)))
        soon = await due_for_deletion(maker, today=date(2026, 2, 27), retention_years=2, within_days=1)
        assert [(case.case_id, case.delete_on) for case in soon] == [(leap, date(2026, 2, 28))]
        assert (await delete_expired(maker, today=date(2026, 2, 27), retention_years=2)).case_ids == ()
        assert (await delete_expired(maker, today=date(2026, 2, 28), retention_years=2)).case_ids == (leap,)
    finally:
        await engine.dispose()


async def test_before_delete_adds_its_counts_or_keeps_a_case_for_later(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def executions(case_id: str) -> dict[str, int] | None:
        return None if case_id == NOT_YET else {"workflow_executions": 2}

    report = await delete_expired(sessionmaker, today=date(2026, 3, 3), retention_years=YEARS, before_delete=executions)

    assert report.case_ids == (EXPIRED,)
    assert report.counts == {**EACH_CASE, "workflow_executions": 2}
    assert await _mentions(sessionmaker, NOT_YET) == EACH_CASE
    assert (await recent_runs(sessionmaker))[0].counts["workflow_executions"] == 2


async def test_a_run_that_fails_halfway_records_what_it_deleted(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def unreachable(case_id: str) -> dict[str, int]:
        if case_id == NOT_YET:
            raise ConnectionError("Temporal is away")
        return {}

    with pytest.raises(ConnectionError):
        await delete_expired(sessionmaker, today=date(2026, 3, 3), retention_years=YEARS, before_delete=unreachable)

    (run,) = await recent_runs(sessionmaker)
    assert run.cases_deleted == 1 and run.counts == EACH_CASE
    assert await _mentions(sessionmaker, EXPIRED) == dict.fromkeys(TABLES, 0)
    assert await _mentions(sessionmaker, NOT_YET) == EACH_CASE  # whole: the next run deletes it
    again = await delete_expired(sessionmaker, today=date(2026, 3, 3), retention_years=YEARS)
    assert again.case_ids == (NOT_YET,)
