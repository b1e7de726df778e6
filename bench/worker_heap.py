"""Where a cached case's memory is: Python objects traced by tracemalloc in a worker with N open cases.

    .venv/bin/python -m bench.worker_heap [--cases 200]

The worker runs in this process (as `reintegratie worker` would) against the dev server in memory,
with real activities, an aiosmtpd sink and SQLite. Prints the Python heap that the open cases added,
per case and by file. Compare with bench.worker_memory (resident memory per case): what is not here
is outside Python's heap (the SDK's core keeps each cached run; the allocator's slack).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import tracemalloc
import uuid
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from bench.common import header, sink_process
from reintegratie.config.settings import Settings
from reintegratie.config.temporal import DATA_CONVERTER
from tests.faults.support import open_case
from tests.support import BIN
from worker import running_worker
from workflows import search_attributes


async def run(cases: int) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"),
        search_attributes=search_attributes.ALL,
        data_converter=DATA_CONVERTER,
        dev_server_log_level="error",
    )
    try:
        with sink_process() as (host, port), tempfile.TemporaryDirectory() as folder:
            task_queue = f"heap-{uuid.uuid4().hex[:8]}"
            settings = Settings(
                temporal_address=env.client.service_client.config.target_host,
                task_queue=task_queue,
                database_url=f"sqlite+aiosqlite:///{Path(folder) / 'store.db'}",
                smtp_host=host,
                smtp_port=port,
                smtp_tls="none",
                mail_from="verzuim@example.nl",
                worker_max_cached_workflows=cases + 10,
            )
            async with running_worker(settings, env.client):
                await open_case(env.client, task_queue, 0)  # imports and caches paid before the baseline
                await asyncio.sleep(3)
                gc.collect()
                tracemalloc.start()
                before = tracemalloc.take_snapshot()
                limit = asyncio.Semaphore(50)

                async def one(number: int) -> None:
                    async with limit:
                        await open_case(env.client, task_queue, number)

                await asyncio.gather(*(one(n) for n in range(1, cases + 1)))
                await asyncio.sleep(20)  # every case sent its first mail and waits on its timer
                gc.collect()
                after = tracemalloc.take_snapshot()
            by_file = after.compare_to(before, "filename")
            print(
                f"Python heap added by {cases} open cases: {sum(s.size_diff for s in by_file) / 1024 / cases:.1f} KB per case"
            )
            for stat in by_file[:12]:
                print(f"{stat.size_diff / 1024 / cases:7.1f} KB per case  {stat.traceback[0].filename}")
    finally:
        await env.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description="Python heap per open case")
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()
    header(f"Python heap of a worker with {args.cases} open cases (tracemalloc)")
    asyncio.run(run(args.cases))


if __name__ == "__main__":
    main()
