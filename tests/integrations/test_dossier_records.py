"""The dossier's records in the SQL store, on SQLite and PostgreSQL: versions per part, idempotent
writes, the RIV's order, the author's name, and one transaction with the audit trail."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, select

from contracts.dossier import DossierEntry, DossierField
from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker, run_write
from integrations.dossier_records import records, write_entries
from integrations.schema import DossierRecordRow
from integrations.store import AuditEntry, CaseRecord, CaseStore, write_progress
from tests.support import create_tables

AT = datetime(2027, 1, 4, 10, tzinfo=UTC)
HR = "Carla@Example.nl"


def _entry(key: str, part: str, *, on: date, kind: str = "", case_id: str = "case-1", **fields: str) -> DossierEntry:
    return DossierEntry(
        case_id=case_id,
        key=key,
        part=part,
        on=on,
        recorded_by=HR,
        recorded_at=AT,
        kind=kind,
        fields=tuple(DossierField(name, text) for name, text in fields.items()),
        participants=("mark@example.nl", "sanne@example.nl") if part == "gespreksverslag" else (),
    )


PLAN = _entry(
    "plan_van_aanpak:000012:plan_van_aanpak_signed",
    "plan_van_aanpak",
    on=date(2027, 1, 4),
    kind="signed",
    hours_per_week="8",
    employee_view="Ik wil rustig opbouwen.",
)
ANALYSIS = _entry(
    "probleemanalyse:000009:probleemanalyse_received",
    "probleemanalyse",
    on=date(2026, 12, 21),
    limitations="Niet lang staan",
)
TALK = _entry(
    "gespreksverslag:000020:evaluation_held",
    "gespreksverslag",
    on=date(2027, 2, 8),
    kind="evaluation",
    agreed="Uren naar 12",
)
REVISED = _entry(
    "plan_van_aanpak:000020:evaluation_held",
    "plan_van_aanpak",
    on=date(2027, 2, 8),
    kind="revised",
    hours_per_week="12",
    changes="Meer uren: de opbouw gaat goed",
)


async def test_records_are_versioned_per_part_idempotent_and_in_the_rivs_order(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        await AccountStore(sessionmaker).add(email="carla@example.nl", name="Carla Visser", role="hr")

        assert await run_write(sessionmaker, lambda c: write_entries(c, [PLAN, ANALYSIS])) == 2
        # A retried delivery writes the same records again: nothing is added, no version moves.
        assert await run_write(sessionmaker, lambda c: write_entries(c, [PLAN, ANALYSIS])) == 0
        # The evaluation's verslag and the bijstelling, and (retried together) the plan once more.
        assert await run_write(sessionmaker, lambda c: write_entries(c, [TALK, REVISED, PLAN])) == 2
        other_case = replace(PLAN, case_id="case-2")
        assert await run_write(sessionmaker, lambda c: write_entries(c, [other_case])) == 1

        found = await records(sessionmaker, "case-1")
        assert [(r.part, r.kind, r.version) for r in found] == [
            ("probleemanalyse", "", 1),
            ("plan_van_aanpak", "signed", 1),
            ("plan_van_aanpak", "revised", 2),
            ("gespreksverslag", "evaluation", 1),
        ]
        plan, revised = found[1], found[2]
        assert plan.key == PLAN.key and plan.on == date(2027, 1, 4)
        assert plan.fields == (
            DossierField("hours_per_week", "8"),
            DossierField("employee_view", "Ik wil rustig opbouwen."),
        )
        assert revised.fields[-1] == DossierField("changes", "Meer uren: de opbouw gaat goed")
        assert plan.recorded_by == "Carla Visser"  # the account's name, found by the address in any case
        assert plan.recorded_at == AT
        assert found[3].participants == ("mark@example.nl", "sanne@example.nl")
        assert [(r.part, r.version) for r in await records(sessionmaker, "case-2")] == [("plan_van_aanpak", 1)]
        assert await records(sessionmaker, "case-404") == []
    finally:
        await engine.dispose()


async def test_the_author_without_an_account_is_named_by_what_the_record_says(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        await run_write(
            sessionmaker, lambda c: write_entries(c, [replace(ANALYSIS, recorded_by="bedrijfsarts@arbo.nl")])
        )
        (found,) = await records(sessionmaker, "case-1")
        assert found.recorded_by == "bedrijfsarts@arbo.nl"
    finally:
        await engine.dispose()


async def test_records_and_their_audit_entries_are_written_together_or_not_at_all(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        case = CaseRecord(
            case_id="case-1",
            employee_name="Sanne de Vries",
            employee_email="sanne@example.nl",
            manager_name="Mark Jansen",
            manager_email="mark@example.nl",
            org_unit=None,
            first_sick_day=date(2026, 11, 2),
            phase="plan_van_aanpak",
        )
        audit = [AuditEntry("case-1", "000012:plan_van_aanpak_signed", AT, HR, "plan_van_aanpak_signed", {})]

        class Interrupted(Exception):
            pass

        def interrupted(connection: Connection) -> None:
            write_progress(connection, case, {}, audit)
            write_entries(connection, [PLAN])
            raise Interrupted  # the worker dies before the commit

        try:
            await run_write(sessionmaker, interrupted)
        except Interrupted:
            pass
        assert await records(sessionmaker, "case-1") == []
        assert await CaseStore(sessionmaker).audit_trail("case-1") == []

        closed = replace(case, phase="hersteld", closed_on=date(2027, 3, 1))

        def whole(connection: Connection) -> None:
            write_progress(connection, closed, {}, audit)
            write_entries(connection, [PLAN])

        await run_write(sessionmaker, whole)
        assert [r.key for r in await records(sessionmaker, "case-1")] == [PLAN.key]
        assert len(await CaseStore(sessionmaker).audit_trail("case-1")) == 1
        row = await CaseStore(sessionmaker).get_case("case-1")
        assert row is not None and row.closed_on == date(2027, 3, 1)
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(DossierRecordRow)) == 1
    finally:
        await engine.dispose()
