"""Schema migrations on SQLite and PostgreSQL (each test on a fresh, empty database of each).

- A database from before migrations (made from a frozen DDL snapshot, not from today's models) and
  filled with rows is upgraded to the head: its rows are intact and it can be written to.
- Revision 0001 is exactly that snapshot's schema; the head is exactly the models' schema (Alembic's
  autogenerate finds no difference).
- Who migrates and who refuses: `reintegratie db upgrade|current`, the web app, the worker, `users`.
"""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, MetaData, String, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations import migrate
from integrations.db import make_engine
from integrations.schema import Base
from tests.support import BIN, TEST_SECRET_KEY

SNAPSHOTS = Path(__file__).with_name("pre_migrations_schema")
AT = datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=UTC)


def dialect_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def snapshot_statements(dialect: str) -> list[str]:
    lines = [line for line in (SNAPSHOTS / f"{dialect}.sql").read_text().splitlines() if not line.startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


async def make_pre_migrations_database(engine: AsyncEngine) -> None:
    """Today's schema as create_all made it before migrations: no alembic_version."""
    async with engine.begin() as connection:
        for statement in snapshot_statements(connection.dialect.name):
            await connection.exec_driver_sql(statement)


# --------------------------------------------------------------------------------------------------
# Rows in every table, written through the reflected tables (not the models, which move on)


def _fill(connection: Connection) -> None:
    tables = MetaData()
    tables.reflect(connection)
    t = tables.tables
    connection.execute(
        insert(t["cases"]),
        [
            dict(
                case_id="case-1",
                employee_name="Sanne de Vries",
                employee_email="sanne@example.nl",
                manager_name="Mark Jansen",
                manager_email="mark@example.nl",
                org_unit="team-zorg",
                first_sick_day=date(2026, 10, 5),
                phase="ziekgemeld",
                next_deadline=date(2026, 11, 16),
                opened_at=AT,
                updated_at=AT,
            ),
            dict(
                case_id="case-2",
                employee_name="Jan Bakker",
                employee_email="jan@example.nl",
                manager_name="Mia Manager",
                manager_email="mia@example.nl",
                org_unit=None,
                first_sick_day=date(2025, 1, 6),
                phase="plan_van_aanpak",
                next_deadline=None,
                opened_at=AT,
                updated_at=AT,
            ),
        ],
    )
    connection.execute(
        insert(t["audit_trail"]),
        [
            dict(
                case_id="case-1",
                event_key="000001:case_opened",
                at=AT,
                actor="hr@example.nl",
                action="case_opened",
                detail={"phase": "ziekgemeld", "n": [1, 2]},
            ),
            dict(
                case_id="case-2",
                event_key="000001:case_opened",
                at=AT,
                actor="hr@example.nl",
                action="case_opened",
                detail={},
            ),
        ],
    )
    connection.execute(
        insert(t["case_people"]),
        [
            dict(case_id="case-1", role="employee", email="sanne@example.nl"),
            dict(case_id="case-1", role="manager", email="mark@example.nl"),
            dict(case_id="case-2", role="coach", email="cora@example.nl"),
        ],
    )
    connection.execute(
        insert(t["users"]),
        [
            dict(
                email="hanna@example.nl",
                name="Hanna HR",
                role="hr",
                language="nl",
                password_hash="$argon2id$v=19$m=65536,t=3,p=4$x$y",
                totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                totp_last_step=59_000_000,
                active=True,
                demo=False,
                created_at=AT,
            ),
            dict(
                email="ex@example.nl",
                name="Ex",
                role="manager",
                language="en",
                password_hash=None,
                totp_secret=None,
                totp_last_step=0,
                active=False,
                demo=True,
                created_at=AT,
            ),
        ],
    )
    hanna = connection.execute(select(t["users"].c.id).where(t["users"].c.email == "hanna@example.nl")).scalar_one()
    connection.execute(
        insert(t["api_tokens"]),
        [
            dict(user_id=hanna, digest="a" * 64, label="cli", created_at=AT, revoked_at=None),
            dict(user_id=hanna, digest="b" * 64, label="old", created_at=AT, revoked_at=AT),
        ],
    )
    connection.execute(
        insert(t["outbox"]),
        [
            dict(
                key="case-1:checkin:uid-1:0",
                recipient="mark@example.nl",
                kind="checkin",
                series_uid="uid-1",
                recurrence_id=None,
                sequence=0,
                method="REQUEST",
                status="sent",
                message_id="<m1@example.nl>",
                subject="Check-in",
                attempts=1,
                last_error=None,
                error_code=None,
                created_at=AT,
                updated_at=AT,
                sent_at=AT,
                claimed_until=None,
            ),
            dict(
                key="case-1:notice:1",
                recipient="hr@example.nl",
                kind="notice",
                series_uid=None,
                recurrence_id="20261109T090000Z",
                sequence=None,
                method=None,
                status="pending",
                message_id=None,
                subject=None,
                attempts=3,
                last_error="451 try again",
                error_code=451,
                created_at=AT,
                updated_at=AT,
                sent_at=None,
                claimed_until=AT,
            ),
        ],
    )
    connection.execute(
        insert(t["calendar_feed_tokens"]),
        [
            dict(person="mark@example.nl", token_hash="c" * 64, created_at=AT, revoked_at=None, last_used_at=AT),
        ],
    )
    connection.execute(
        insert(t["calendar_series"]),
        [
            dict(
                uid="uid-1",
                case_id="case-1",
                sequence=2,
                cancelled=False,
                data={"summary": "Check-in", "attendees": ["mark@example.nl"]},
                updated_at=AT,
            ),
            dict(uid="uid-2", case_id="case-2", sequence=0, cancelled=True, data={}, updated_at=AT),
        ],
    )
    connection.execute(
        insert(t["calendar_series_people"]),
        [
            dict(uid="uid-1", email="mark@example.nl"),
            dict(uid="uid-1", email="sanne@example.nl"),
        ],
    )


def _contents(connection: Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of ours (alembic_version aside), in primary key order."""
    tables = MetaData()
    tables.reflect(connection)
    return {
        name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
        for name, table in sorted(tables.tables.items())
        if name != migrate.VERSION_TABLE
    }


def _kept(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    """The rows of ``after`` in the tables and columns ``before`` had. Columns a later revision added at
    the end of a table (cases.closed_on, issue 19) must be empty, or hold their default (cases.open_signals
    0, issue 21)."""
    width = {name: len(rows[0]) for name, rows in before.items()}
    assert all(value in (None, 0) for name in before for row in after[name] for value in row[width[name] :])
    return {name: [row[: width[name]] for row in rows] for name, rows in after.items() if name in before}


class _SearchTexts(dict[str, str]):
    column: int  # where cases.search_text is in a row of the cases table


def _search_texts(connection: Connection) -> _SearchTexts:
    found = _SearchTexts(connection.execute(text("SELECT case_id, search_text FROM cases")).all())
    found.column = [column["name"] for column in inspect(connection).get_columns("cases")].index("search_text")
    return found


def _without_search_text(contents: dict[str, list[tuple[Any, ...]]], column: int) -> dict[str, list[tuple[Any, ...]]]:
    return contents | {"cases": [row[:column] + row[column + 1 :] for row in contents["cases"]]}


def _version(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def test_a_database_from_before_migrations_keeps_every_row_through_the_upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await make_pre_migrations_database(engine)
        async with engine.begin() as connection:
            await connection.run_sync(_fill)
        async with engine.connect() as connection:
            before = await connection.run_sync(_contents)
        assert set(before) == migrate.BASELINE_TABLES and all(before.values()), "every table has rows"
        found = await migrate.state(engine)
        assert found.before_migrations and not found.at_head

        was, now = await migrate.upgrade(engine)

        assert was.before_migrations and now.at_head and now.revision == migrate.head()
        async with engine.connect() as connection:
            assert await connection.run_sync(_version) == migrate.head()
            after = await connection.run_sync(_contents)
            searched = await connection.run_sync(_search_texts)
        # Issue 21: revision 0009 fills cases.search_text from each row's name and address (folded).
        assert searched == {"case-1": "sanne de vries sanne@example.nl", "case-2": "jan bakker jan@example.nl"}
        after = _without_search_text(after, searched.column)
        # Later revisions add tables of their own (issue 18: invitation replies, mail preferences; issue
        # 19: the dossier), empty here, and columns at the end of a table (cases.closed_on), empty too.
        assert _kept(before, after) == before
        assert not any(rows for name, rows in after.items() if name not in before)
        # The values as the product reads them, on each database (JSON, booleans, dates, UTC times).
        cases = {row[0]: row for row in after["cases"]}
        assert cases["case-1"][6] == date(2026, 10, 5) and cases["case-2"][5] is None
        assert after["outbox"][0][14] == (
            AT if dialect_of(database_url) == "postgresql" else AT.replace(tzinfo=None)
        )  # UTC, to the microsecond
        assert [row[-1] for row in after["audit_trail"]] == [{"phase": "ziekgemeld", "n": [1, 2]}, {}]
        assert [(row[8], row[9]) for row in after["users"]] == [(True, False), (False, True)]
        # The database goes on working: new rows get new ids (PostgreSQL's sequences untouched).
        async with engine.begin() as connection:
            new_id = (
                await connection.execute(
                    text(
                        "INSERT INTO case_people (case_id, role, email) VALUES ('case-2', 'buddy', 'bob@example.nl') RETURNING id"
                    )
                )
            ).scalar_one()
        assert new_id == max(row[0] for row in before["case_people"]) + 1
        assert await migrate.upgrade(engine) == (now, now), "a second upgrade changes nothing"
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------------------------------
# The schema the migrations make


def _structure(connection: Connection) -> dict[str, Any]:
    """Everything about our tables that the schema decides, as the database reports it."""
    inspector = inspect(connection)
    dialect = connection.dialect
    described: dict[str, Any] = {}
    for name in sorted(set(inspector.get_table_names()) - {migrate.VERSION_TABLE}):
        described[name] = dict(
            columns=[
                (c["name"], c["type"].compile(dialect=dialect), c["nullable"], c.get("default"), c.get("autoincrement"))
                for c in inspector.get_columns(name)
            ],
            primary_key=inspector.get_pk_constraint(name),
            foreign_keys=sorted(
                (str(fk.get("name")), fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
                for fk in inspector.get_foreign_keys(name)
            ),
            indexes=sorted((str(ix["name"]), ix["column_names"], ix["unique"]) for ix in inspector.get_indexes(name)),
            unique=sorted((str(uq["name"]), uq["column_names"]) for uq in inspector.get_unique_constraints(name)),
        )
    return described


def _drop_everything(connection: Connection) -> None:
    tables = MetaData()
    tables.reflect(connection)
    tables.drop_all(connection)


def _upgrade_to(revision: str):  # type: ignore[no-untyped-def]
    return lambda connection: command.upgrade(migrate.config(connection), revision)


async def test_revision_0001_is_exactly_the_schema_from_before_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await make_pre_migrations_database(engine)
        async with engine.connect() as connection:
            snapshot = await connection.run_sync(_structure)
        async with engine.begin() as connection:
            await connection.run_sync(_drop_everything)
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_to(migrate.BASELINE))
        async with engine.connect() as connection:
            assert await connection.run_sync(_version) == migrate.BASELINE
            migrated = await connection.run_sync(_structure)
        assert set(migrated) == migrate.BASELINE_TABLES
        assert migrated == snapshot
    finally:
        await engine.dispose()


def _differences(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    return compare_metadata(context, metadata)


async def test_the_migrations_make_exactly_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        was, now = await migrate.upgrade(engine)
        assert was.empty and now.at_head
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences, Base.metadata) == []
            # The comparison does see a difference when there is one.
            changed = MetaData()
            for table in Base.metadata.sorted_tables:
                table.to_metadata(changed)
            changed.tables["cases"].append_column(Column("extra", String(10), nullable=True))
            assert [difference[0] for difference in await connection.run_sync(_differences, changed)] == ["add_column"]
    finally:
        await engine.dispose()


async def test_two_upgrades_at_once_take_turns(database_url: str) -> None:
    """Several web apps starting together on one new database: one migrates, the others find the head."""
    engines = [make_engine(database_url) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate.upgrade(engine) for engine in engines))
        assert sum(was.empty for was, _now in results) == 1
        assert all(now.at_head for _was, now in results)
    finally:
        for engine in engines:
            await engine.dispose()


# --------------------------------------------------------------------------------------------------
# Who migrates, who refuses


async def _set_version(engine: AsyncEngine, revision: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})


async def test_the_worker_and_users_make_an_empty_database_but_refuse_one_behind(
    sqlite_url: str, tmp_path: Path
) -> None:
    from reintegratie.config.settings import Settings
    from worker import running_worker

    assert (await migrate.ensure_current(sqlite_url)).at_head  # empty: the schema is made
    assert (await migrate.ensure_current(sqlite_url)).at_head

    old = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(old)
    try:
        await make_pre_migrations_database(engine)
        with pytest.raises(migrate.SchemaError, match="reintegratie db upgrade"):
            await migrate.ensure_current(engine)
        settings = Settings(
            temporal_address="unused:1",
            database_url=old,
            smtp_host="127.0.0.1",
            smtp_port=25,
            smtp_tls="none",
            mail_from="verzuim@example.nl",
        )
        with pytest.raises(migrate.SchemaError, match="not at the head.*reintegratie db upgrade"):
            async with running_worker(settings, client=object()):  # type: ignore[arg-type] - refused before it is used
                pass
        assert (await migrate.state(engine)).before_migrations, "refusing changed nothing"
        await migrate.upgrade(engine)
        await _set_version(engine, "ffff")  # a newer version's revision
        with pytest.raises(migrate.SchemaError, match="newer version"):
            await migrate.ensure_current(engine)
        with pytest.raises(migrate.SchemaError, match="newer version"):
            await migrate.upgrade(engine)
    finally:
        await engine.dispose()

    added = await asyncio.to_thread(
        subprocess.run,
        [
            str(BIN / "reintegratie"),
            "users",
            "add",
            "--database-url",
            old,
            "--email",
            "x@example.nl",
            "--role",
            "coach",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert added.returncode == 1 and "does not know" in added.stderr and "Traceback" not in added.stderr


async def test_the_web_app_upgrades_a_database_from_before_migrations_on_start(tmp_path: Path) -> None:
    from reintegratie.config.settings import Settings
    from web.app import create_app

    url = f"sqlite+aiosqlite:///{tmp_path / 'web.db'}"
    engine = make_engine(url)
    try:
        await make_pre_migrations_database(engine)
        async with engine.begin() as connection:
            await connection.run_sync(_fill)
        async with engine.connect() as connection:
            before = await connection.run_sync(_contents)
    finally:
        await engine.dispose()
    settings = Settings(
        temporal_address="unused:1",
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_port=25,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
        secret_key=TEST_SECRET_KEY,
    )
    app = create_app(settings, client=object())  # type: ignore[arg-type] - no Temporal needed to start
    async with app.router.lifespan_context(app):
        case = await app.state.store.get_case("case-1")
        assert case is not None and case.phase == "ziekgemeld"
    engine = make_engine(url)
    try:
        assert (await migrate.state(engine)).at_head
        async with engine.connect() as connection:
            after = await connection.run_sync(_contents)
            searched = await connection.run_sync(_search_texts)
        assert _kept(before, _without_search_text(after, searched.column)) == before
        await _set_version(engine, "ffff")
    finally:
        await engine.dispose()
    app = create_app(settings, client=object())  # type: ignore[arg-type]
    with pytest.raises(migrate.SchemaError, match="newer version"):
        async with app.router.lifespan_context(app):
            pass


# --------------------------------------------------------------------------------------------------
# The command line


def test_db_upgrade_and_current_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reintegratie.app.cli import main

    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    head = migrate.head()

    assert main(["db", "current", "--database-url", url]) == 1
    assert "no database yet" in capsys.readouterr().out
    assert not (tmp_path / "cli.db").exists(), "looking does not make a database"

    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert f"upgraded from an empty database to {head} (head)" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main(["db", "current", "--database-url", url]) == 0
    assert capsys.readouterr().out.strip().endswith(f"{head} (head)")

    # The dev stack's data folder, as `reintegratie users` finds it.
    assert main(["db", "upgrade", "--data-dir", str(tmp_path / "data")]) == 0
    assert (tmp_path / "data" / "reintegratie.db").exists()
    capsys.readouterr()

    old = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(old)
    asyncio.run(make_pre_migrations_database(engine))
    asyncio.run(engine.dispose())
    assert main(["db", "current", "--database-url", old]) == 1
    out = capsys.readouterr().out
    assert "tables made before migrations" in out and "reintegratie db upgrade" in out
    assert main(["db", "upgrade", "--database-url", old]) == 0
    assert f"marked {migrate.BASELINE}, upgraded to {head} (head)" in capsys.readouterr().out

    assert main(["db", "current", "--database-url", "postgresql+asyncpg://someone:secret@127.0.0.1:1/nowhere"]) == 1
    err = capsys.readouterr().err
    assert (
        "cannot use the database at postgresql+asyncpg://someone:***@127.0.0.1:1/nowhere" in err and "secret" not in err
    )


def test_db_upgrade_as_the_installed_command(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'installed.db'}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "reintegratie"), "db", *args], capture_output=True, text=True, timeout=60, check=False
        )

    helped = run("upgrade", "--help")
    assert helped.returncode == 0 and "--database-url" in helped.stdout
    upgraded = run("upgrade", "--database-url", url)
    assert upgraded.returncode == 0, upgraded.stderr
    current = run("current", "--database-url", url)
    assert current.returncode == 0 and current.stdout.strip().endswith(f"{migrate.head()} (head)")
