"""Resident memory of a worker with 1,000 open cases (each cached by the worker), per case.

    .venv/bin/python -m bench.worker_memory [--cases 1000] [--no-floor | --floor-only]

The worker runs as its own process (`reintegratie worker`, sticky cache of --cases workflows)
against the dev server (in memory: the SQLite dev server times out around 1,000 concurrent
workflows, temporal#9686), an aiosmtpd sink in its own process and SQLite. Figures: the worker's
RSS once idle, after every case has opened and settled, and the difference per case.
Target: under 100 KB per open case (1,000 cases under 100 MB above the idle worker).

For scale, the SDK's own floor in the same setup: a worker process with the same cache, slots and
workflow-task threads that runs only `bench.common.Sleeper` (one workflow task, then a timer), once
with the SDK's unsandboxed runner (the product's, `reintegratie.config.temporal.WORKFLOW_RUNNER`)
and once with the SDK's sandbox (Sleeper's module passed through: what the sandbox itself keeps per
cached run), measured the same way. What a case costs above the first floor is ours.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TypeVar

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from bench.common import Sleeper, header, rss_kb, sink_process
from integrations.db import make_engine, make_sessionmaker
from integrations.outbox import list_outbox
from reintegratie.config.temporal import DATA_CONVERTER
from tests.faults.support import open_case
from tests.support import BIN
from worker import MALLOC_TRIM_SECONDS
from workflows import search_attributes

T = TypeVar("T")
R = TypeVar("R")
Row = tuple[str, int, float, int, int]  # name, workflows cached, seconds to open, idle KiB, loaded KiB
# RSS is read once the worker has handed freed memory back at least once (worker.MALLOC_TRIM_SECONDS).
SETTLE_SECONDS = MALLOC_TRIM_SECONDS + 5


async def _settle_rss(pid: int, seconds: float = SETTLE_SECONDS) -> int:
    await asyncio.sleep(seconds)
    return rss_kb(pid)


async def _gather_limited(call: Callable[[T], Awaitable[R]], items: Iterable[T]) -> list[R]:
    """``call`` on every item, at most 50 at a time."""
    limit = asyncio.Semaphore(50)

    async def one(item: T) -> R:
        async with limit:
            return await call(item)

    return await asyncio.gather(*(one(item) for item in items))


async def product(env: WorkflowEnvironment, cases: int) -> Row:
    with sink_process() as (host, port), tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite+aiosqlite:///{Path(folder) / 'store.db'}"
        task_queue = f"memory-{uuid.uuid4().hex[:8]}"
        worker_env = {k: v for k, v in os.environ.items() if not k.startswith("REINTEGRATIE_")}
        worker_env.update(
            REINTEGRATIE_TEMPORAL_ADDRESS=env.client.service_client.config.target_host,
            REINTEGRATIE_TASK_QUEUE=task_queue,
            REINTEGRATIE_DATABASE_URL=database_url,
            REINTEGRATIE_SMTP_HOST=host,
            REINTEGRATIE_SMTP_PORT=str(port),
            REINTEGRATIE_SMTP_TLS="none",
            REINTEGRATIE_MAIL_FROM="verzuim@example.nl",
            REINTEGRATIE_WORKER_MAX_CACHED_WORKFLOWS=str(cases),
            REINTEGRATIE_LOG_LEVEL="WARNING",
        )
        if "REINTEGRATIE_WORKER_WORKFLOW_THREADS" in os.environ:  # the one setting a caller may vary
            worker_env["REINTEGRATIE_WORKER_WORKFLOW_THREADS"] = os.environ["REINTEGRATIE_WORKER_WORKFLOW_THREADS"]
        worker = subprocess.Popen([str(BIN / "reintegratie"), "worker"], env=worker_env, stdout=subprocess.DEVNULL)
        try:
            await asyncio.sleep(3)
            # Warm up: one case, so imports and caches are paid for before the baseline.
            await open_case(env.client, task_queue, 0)
            idle = await _settle_rss(worker.pid)
            started = time.perf_counter()
            await _gather_limited(lambda n: open_case(env.client, task_queue, n), range(1, cases + 1))
            engine = make_engine(database_url)
            sessionmaker = make_sessionmaker(engine)
            # Settled: each case has sent its check-in to manager and employee (outbox rows sent).
            while True:
                rows = await list_outbox(sessionmaker, limit=10_000)
                managers = {
                    r.recipient for r in rows if r.method and r.recipient.startswith("manager") and r.status == "sent"
                }
                if len(managers) >= cases + 1 or time.perf_counter() - started > 600:
                    break
                await asyncio.sleep(1)
            await engine.dispose()
            opened = time.perf_counter() - started
            loaded = await _settle_rss(worker.pid)
            return "product: ReintegrationCase", cases + 1, opened, idle, loaded
        finally:
            worker.terminate()
            worker.wait(20)


async def _timer_started(client: Client, workflow_id: str) -> bool:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return any(event.event_type == EventType.EVENT_TYPE_TIMER_STARTED for event in history.events)


async def floor(env: WorkflowEnvironment, cases: int, sandboxed: bool) -> Row:
    """The SDK's floor: a worker process that runs only Sleeper, cached the same way."""
    task_queue = f"floor-{uuid.uuid4().hex[:8]}"
    address = env.client.service_client.config.target_host
    command = [sys.executable, "-m", "bench.worker_memory", "--serve-floor", "sandbox" if sandboxed else "sdk"]
    command += ["--address", address, "--task-queue", task_queue, "--cases", str(cases)]
    worker = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    client = env.client

    async def start(number: int) -> str:
        workflow_id = f"sleeper-{task_queue}-{number}"
        await client.start_workflow(Sleeper.run, 2, id=workflow_id, task_queue=task_queue)
        return workflow_id

    try:
        await asyncio.sleep(3)
        first = await start(0)
        while not await _timer_started(client, first):
            await asyncio.sleep(0.2)
        idle = await _settle_rss(worker.pid)
        started = time.perf_counter()
        remaining = await _gather_limited(start, range(1, cases + 1))
        while remaining and time.perf_counter() - started < 600:
            done = await _gather_limited(lambda workflow_id: _timer_started(client, workflow_id), remaining)
            remaining = [w for w, d in zip(remaining, done, strict=True) if not d]
            if remaining:
                await asyncio.sleep(1)
        opened = time.perf_counter() - started
        loaded = await _settle_rss(worker.pid)
        name = "SDK floor: Sleeper, sandboxed" if sandboxed else "SDK floor: Sleeper, unsandboxed"
        return name, cases + 1, opened, idle, loaded
    finally:
        worker.terminate()
        worker.wait(20)


async def _serve_floor(address: str, task_queue: str, cases: int, sandboxed: bool) -> None:
    """The floor's worker process: Sleeper only, with the product worker's cache, slots and threads."""
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker
    from temporalio.worker.workflow_sandbox import (
        SandboxedWorkflowRunner,
        SandboxRestrictions,
    )

    from reintegratie.config.settings import Settings
    from worker import give_back_memory, scale_options

    sandbox = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules("bench.common"))

    settings = Settings(
        temporal_address=address,
        task_queue=task_queue,
        database_url="sqlite+aiosqlite:///unused.db",
        smtp_host="unused",
        smtp_port=25,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
        worker_max_cached_workflows=cases,
    )  # only the scale options are read
    client = await Client.connect(address)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[Sleeper],
        workflow_runner=sandbox if sandboxed else UnsandboxedWorkflowRunner(),
        **scale_options(settings),
    )
    async with worker:
        await give_back_memory()  # as the product's worker does


async def run(cases: int, *, with_floor: bool, with_product: bool) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"),
        search_attributes=search_attributes.ALL,
        data_converter=DATA_CONVERTER,
        dev_server_log_level="error",
    )
    rows: list[Row] = []
    try:
        if with_floor:
            rows.append(await floor(env, cases, sandboxed=False))
            rows.append(await floor(env, cases, sandboxed=True))
        if with_product:
            rows.append(await product(env, cases))
    finally:
        await env.shutdown()
        await asyncio.sleep(1)  # let the SDK's runtime threads finish before the interpreter does (else: abort at exit)
    print(f"{'worker':34} {'cached':>6} {'open s':>6} {'idle MB':>8} {'loaded MB':>9} {'KB per cached workflow':>23}")
    for name, cached, opened, idle, loaded in rows:
        print(
            f"{name:34} {cached:6} {opened:6.0f} {idle / 1024:8.1f} {loaded / 1024:9.1f} {(loaded - idle) / (cached - 1):23.1f}"
        )
    print("target: at most 120 KB per open case")


def main() -> None:
    parser = argparse.ArgumentParser(description="worker memory with many open cases")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--no-floor", action="store_true", help="only the product's worker")
    parser.add_argument("--floor-only", action="store_true", help="only the SDK's floor")
    parser.add_argument("--serve-floor", choices=["sdk", "sandbox"], help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    parser.add_argument("--task-queue", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        asyncio.run(_serve_floor(args.address, args.task_queue, args.cases, args.serve_floor == "sandbox"))
        return
    header(f"worker memory with {args.cases} open cases")
    asyncio.run(run(args.cases, with_floor=not args.no_floor, with_product=not args.floor_only))


if __name__ == "__main__":
    main()
