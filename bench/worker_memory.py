"""Resident memory of a worker with 1,000 open cases (each cached by the worker), per case.

    .venv/bin/python -m bench.worker_memory [--cases 1000]

The worker runs as its own process (`reintegratie worker`, sticky cache of --cases workflows)
against the dev server (in memory: the SQLite dev server times out around 1,000 concurrent
workflows, temporal#9686), an aiosmtpd sink in its own process and SQLite. Figures: the worker's
RSS once idle, after every case has opened and settled, and the difference per case.
Target: under 100 KB per open case (1,000 cases under 100 MB above the idle worker).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from bench.common import header, rss_kb, sink_process
from integrations.db import make_engine, make_sessionmaker
from integrations.outbox import list_outbox
from reintegratie.temporal import DATA_CONVERTER
from tests.faults.support import open_case
from tests.support import BIN
from workflows import search_attributes


async def _settle_rss(pid: int, seconds: float = 5.0) -> int:
    await asyncio.sleep(seconds)
    return rss_kb(pid)


async def run(cases: int) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"), search_attributes=search_attributes.ALL,
        data_converter=DATA_CONVERTER, dev_server_log_level="error",
    )  # fmt: skip
    try:
        with sink_process() as (host, port), tempfile.TemporaryDirectory() as folder:
            database_url = f"sqlite+aiosqlite:///{Path(folder) / 'store.db'}"
            task_queue = f"memory-{uuid.uuid4().hex[:8]}"
            worker_env = {k: v for k, v in os.environ.items() if not k.startswith("REINTEGRATIE_")}
            worker_env.update(
                REINTEGRATIE_TEMPORAL_ADDRESS=env.client.service_client.config.target_host, REINTEGRATIE_TASK_QUEUE=task_queue,
                REINTEGRATIE_DATABASE_URL=database_url, REINTEGRATIE_SMTP_HOST=host, REINTEGRATIE_SMTP_PORT=str(port),
                REINTEGRATIE_SMTP_TLS="none", REINTEGRATIE_MAIL_FROM="verzuim@example.nl",
                REINTEGRATIE_WORKER_MAX_CACHED_WORKFLOWS=str(cases), REINTEGRATIE_LOG_LEVEL="WARNING",
            )  # fmt: skip
            worker = subprocess.Popen([str(BIN / "reintegratie"), "worker"], env=worker_env, stdout=subprocess.DEVNULL)
            try:
                await asyncio.sleep(3)
                # Warm up: one case, so imports and the sandbox are paid for before the baseline.
                await open_case(env.client, task_queue, 0)
                idle = await _settle_rss(worker.pid)
                limit = asyncio.Semaphore(50)

                async def one(number: int) -> str:
                    async with limit:
                        return await open_case(env.client, task_queue, number)

                started = time.perf_counter()
                await asyncio.gather(*(one(n) for n in range(1, cases + 1)))
                engine = make_engine(database_url)
                sessionmaker = make_sessionmaker(engine)
                # Settled: each case has sent its check-in to manager and employee (outbox rows sent).
                while True:
                    rows = await list_outbox(sessionmaker, limit=10_000)
                    managers = {r.recipient for r in rows if r.method and r.recipient.startswith("manager") and r.status == "sent"}
                    if len(managers) >= cases + 1 or time.perf_counter() - started > 600:
                        break
                    await asyncio.sleep(1)
                await engine.dispose()
                opened = time.perf_counter() - started
                loaded = await _settle_rss(worker.pid, 10)
                print(f"cases open and cached          {cases + 1} (opened and settled in {opened:.0f} s)")
                print(f"worker RSS idle (1 case)       {idle / 1024:8.1f} MB")
                print(f"worker RSS with {cases + 1} cases     {loaded / 1024:8.1f} MB")
                print(f"difference                     {(loaded - idle) / 1024:8.1f} MB = {(loaded - idle) / cases:6.1f} KB per open case")
                print("target: < 100 KB per open case")
            finally:
                worker.terminate()
                worker.wait(20)
    finally:
        await env.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description="worker memory with many open cases")
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    header(f"worker memory with {args.cases} open cases")
    asyncio.run(run(args.cases))


if __name__ == "__main__":
    main()
