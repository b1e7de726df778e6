"""Outages of the product's peers: the SMTP server, the Temporal dev server, the SQL store.

Each test is bounded in time, runs on loopback only, and asserts what happened, never how fast.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from aiosmtpd.controller import Controller
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

import states
from integrations.db import make_engine, make_sessionmaker
from integrations.outbox import OutboxStatus, list_outbox
from integrations.store import CaseStore
from reintegratie.app.devstack import (
    DevPorts,
    namespace_retention,
    set_retention,
    start_temporal,
    stop_process,
    wait_for_temporal,
)
from reintegratie.config.settings import Settings
from tests.faults.support import HR_ACTOR, arrivals, invitation_counts, open_case, pending_attempts, wait_settled
from tests.support import POSTGRES_ADMIN_URL, SmtpSink, free_port
from worker import running_worker
from workflows.case import ReintegrationCase


def _settings(address: str, database_url: str, sink: SmtpSink, namespace: str = "default") -> Settings:
    return Settings(
        temporal_address=address,
        temporal_namespace=namespace,
        task_queue=f"outage-{uuid.uuid4().hex[:8]}",
        database_url=database_url,
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
    )


async def _outbox(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    try:
        return await list_outbox(make_sessionmaker(engine), limit=10_000)
    finally:
        await engine.dispose()


async def _wait_for(condition, *, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"within {timeout:.0f} s: {what}")
        await asyncio.sleep(0.2)


def _exactly_once(sink: SmtpSink) -> None:
    counts = invitation_counts(arrivals(sink))
    assert counts and all(count == 1 for count in counts.values()), {k: c for k, c in counts.items() if c > 1}
    notices = [a.message_id for a in arrivals(sink) if not a.method]
    assert len(notices) == len(set(notices))


async def test_smtp_down_then_up_delivers_everything_once_and_the_outbox_shows_it(
    dev_server: WorkflowEnvironment, tmp_path: Path
) -> None:
    sink = SmtpSink(host="127.0.0.1", port=free_port())  # nothing listens there yet
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    settings = _settings(dev_server.client.service_client.config.target_host, database_url, sink)
    client = dev_server.client
    async with running_worker(settings, client):
        case_id = await open_case(client, settings.task_queue, 1, days_ago=36)  # HR's reminder is due too

        async def failed_twice() -> bool:
            rows = await _outbox(database_url)
            return any(row.attempts >= 2 and row.last_error for row in rows)

        await _wait_for(failed_twice, timeout=60, what="the first message was tried twice while SMTP was down")
        assert sink.messages == []
        during = await _outbox(database_url)
        assert all(row.status == OutboxStatus.pending for row in during)
        assert any("connect" in (row.last_error or "") for row in during), [row.last_error for row in during]

        controller = Controller(sink, hostname=sink.host, port=sink.port)
        controller.start()
        try:
            await wait_settled(client, [case_id], timeout=120)
        finally:
            controller.stop()
    after = await _outbox(database_url)
    assert after and all(row.status == OutboxStatus.sent and row.last_error is None for row in after)
    assert any(row.attempts >= 2 for row in after), "the outbox keeps how often it was tried"
    assert {row.message_id for row in after} == {a.message_id for a in arrivals(sink)}
    _exactly_once(sink)


async def test_dev_server_restarted_on_the_same_file_keeps_open_and_closed_cases(
    smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    ports = DevPorts(web=free_port(), temporal=free_port(), temporal_ui=free_port(), smtp=smtp_sink.port)
    address = f"127.0.0.1:{ports.temporal}"
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    settings = _settings(address, database_url, smtp_sink)
    log = tmp_path / "temporal.log"

    async def start() -> tuple[object, Client]:
        server = start_temporal(tmp_path, ports, settings.temporal_namespace)
        return server, await wait_for_temporal(server, address, settings.temporal_namespace, log)

    server, client = await start()
    try:
        await set_retention(client, settings.temporal_namespace)
        async with running_worker(settings, client):
            open_id = await open_case(client, settings.task_queue, 1)
            closed_id = await open_case(client, settings.task_queue, 2)
            await wait_settled(client, [open_id, closed_id], timeout=60)
            ended = states.EmploymentEnded(actor=HR_ACTOR, at=datetime.now(UTC))
            await client.get_workflow_handle(closed_id).execute_update("employment_ended", ended)
            closed_result = await client.get_workflow_handle_for(ReintegrationCase.run, closed_id).result()
            assert closed_result.outcome == "uit_dienst"
            closed_events = len((await client.get_workflow_handle(closed_id).fetch_history()).events)
        stop_process(server)  # type: ignore[arg-type]

        server, client = await start()
        assert await namespace_retention(client, settings.temporal_namespace) >= timedelta(days=3650)
        async with running_worker(settings, client):
            # The open case continues: it takes a command and carries out what follows.
            handle = client.get_workflow_handle(open_id)
            received = states.ProbleemanalyseReceived(actor=HR_ACTOR, at=datetime.now(UTC))
            await handle.execute_update("probleemanalyse_received", received)
            await wait_settled(client, [open_id], timeout=60)
            assert (await handle.query(ReintegrationCase.status)).phase == "probleemanalyse"
            assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
            # The closed case's history is still there, whole.
            closed = client.get_workflow_handle(closed_id)
            assert (await closed.describe()).status == WorkflowExecutionStatus.COMPLETED
            assert len((await closed.fetch_history()).events) == closed_events
        engine = make_engine(database_url)
        try:
            row = await CaseStore(make_sessionmaker(engine)).get_case(open_id)
        finally:
            await engine.dispose()
        assert row is not None and row.phase == "probleemanalyse"
        _exactly_once(smtp_sink)
    finally:
        stop_process(server)  # type: ignore[arg-type]


async def _block_postgres(database_url: str, allow: bool) -> None:
    name = database_url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allow else "false"}')
        if not allow:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
    finally:
        await connection.close()


async def test_store_briefly_unavailable_activities_retry_and_nothing_is_lost(
    database_url: str, dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """On both stores (conftest's database_url). SQLite: another connection holds the write lock
    longer than the busy timeout. PostgreSQL: the database refuses connections, the open ones are cut."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    settings = _settings(dev_server.client.service_client.config.target_host, database_url, smtp_sink)
    client = dev_server.client
    lock: sqlite3.Connection | None = None
    async with running_worker(settings, client):  # the schema is made while the store is there
        if backend == "sqlite":
            lock = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
            lock.execute("BEGIN EXCLUSIVE")
        else:
            await _block_postgres(database_url, allow=False)
        try:
            case_id = await open_case(client, settings.task_queue, 1, days_ago=36)

            async def retried() -> bool:
                return await pending_attempts(client, case_id) >= 2

            await _wait_for(retried, timeout=90, what="an activity was retried while the store was away")
            assert smtp_sink.messages == [], "nothing leaves before the outbox has its row"
        finally:
            if lock is not None:
                lock.rollback()
                lock.close()
            else:
                await _block_postgres(database_url, allow=True)
        await wait_settled(client, [case_id], timeout=120)
        status = await client.get_workflow_handle(case_id).query(ReintegrationCase.status)
    assert status.phase == "ziekgemeld" and status.work_pending == 0
    outbox = await _outbox(database_url)
    assert outbox and all(row.status == OutboxStatus.sent for row in outbox)
    assert {row.message_id for row in outbox} == {a.message_id for a in arrivals(smtp_sink)}
    _exactly_once(smtp_sink)
    engine = make_engine(database_url)
    try:
        store = CaseStore(make_sessionmaker(engine))
        row = await store.get_case(case_id)
        assert row is not None and row.phase == "ziekgemeld"
        audit = await store.audit_trail(case_id)
        assert audit and audit[0].action == "case_opened"
        keys = [entry.event_key for entry in audit]
        assert len(keys) == len(set(keys)), "a retried write adds no audit entry twice"
    finally:
        await engine.dispose()
