"""The worker: every workflow and activity of reintegratie on one task queue."""

from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.worker import Worker

from activities.case_activities import CaseActivities
from activities.retention_activities import RetentionActivities
from integrations.absence_figures import run_sums_keeper
from integrations.db import make_engine, make_sessionmaker
from integrations.digest import HR_BATCH_WINDOW, SETTINGS_PATH, run_summaries
from integrations.migrate import ensure_current
from integrations.smtp import SmtpSender
from reintegratie.config.observability import temporal_runtime
from reintegratie.config.settings import Settings
from reintegratie.config.temporal import WORKFLOW_RUNNER, connect
from worker.replies import read_mailbox
from worker.retention import ensure_retention_schedule
from workflows.case import ReintegrationCase
from workflows.retention import RetentionSweep

WORKFLOWS = [ReintegrationCase, RetentionSweep]
# How often the worker hands the C allocator's free pages back to the system (see give_back_memory).
MALLOC_TRIM_SECONDS = 30.0

logger = logging.getLogger(__name__)


@functools.cache
def _malloc_trim_function() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``; None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


def _malloc_trim() -> None:
    trim = _malloc_trim_function()
    if trim is not None:
        trim(0)


async def give_back_memory(every: float = MALLOC_TRIM_SECONDS) -> None:
    """Return freed memory to the system now and then.

    A burst of workflow tasks and deliveries (activations and completions, SQL, mail) leaves free
    chunks scattered between the cached cases' memory; glibc's malloc keeps them resident and only
    gives back the top of its heaps. ``malloc_trim`` releases the free pages inside them too (a few
    milliseconds, in a thread). Measured with bench.worker_memory: about 7 KB per cached case.
    """
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(_malloc_trim)
        except Exception:  # never let housekeeping stop the worker
            logger.exception("malloc_trim failed")


def scale_options(settings: Settings) -> dict[str, Any]:
    """The worker's slots, workflow-task threads and cache (also used by bench.worker_memory's floor)."""
    return dict(
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
        # The SDK's default is one thread per workflow task slot (100). Under load those threads
        # take turns at the GIL with the event loop that runs the activities, so a case's first
        # invitation waited behind other cases' workflow tasks; a few threads keep the loop going.
        workflow_task_executor=ThreadPoolExecutor(
            settings.worker_workflow_threads, thread_name_prefix="workflow-task-"
        ),
        max_cached_workflows=settings.worker_max_cached_workflows,
    )


@asynccontextmanager
async def running_worker(
    settings: Settings, client: Client | None = None, *, runtime: Runtime | None = None
) -> AsyncIterator[Worker]:
    """Run a worker until the block ends.

    The worker does not migrate: a database at the head is used, an empty one gets the schema, any
    other raises :class:`integrations.migrate.SchemaError` naming `reintegratie db upgrade` (with
    several workers and the web app on one database, the upgrade is one deliberate step). The schema
    is checked before Temporal is connected to (``client`` None: with ``runtime``), so that a refused
    schema is the one thing a starting worker says."""
    engine = make_engine(settings.database_url)
    try:
        await ensure_current(engine)
        client = client or await connect(settings, runtime=runtime)
    except BaseException:
        await engine.dispose()
        raise
    sender = SmtpSender.from_settings(settings)
    activities = CaseActivities(
        sessionmaker=make_sessionmaker(engine),
        sender=sender,
        mail_from=settings.mail_from,
        hr_batch_wait=HR_BATCH_WINDOW,
    )
    # The nightly deletion of the dossiers whose retention ended (worker.retention, activities.retention_activities).
    retention = RetentionActivities(sessionmaker=make_sessionmaker(engine), retention_years=settings.retention_years)
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        workflow_runner=WORKFLOW_RUNNER,
        activities=activities.all() + retention.all(),
        **scale_options(settings),
    )
    try:
        async with worker:
            await ensure_retention_schedule(client, task_queue=settings.task_queue)
            # With REINTEGRATIE_IMAP_HOST, calendar replies are read from the product's mailbox (worker.replies).
            mailbox = asyncio.create_task(read_mailbox(settings, client, make_sessionmaker(engine)))
            mailbox.add_done_callback(_mailbox_stopped)
            # The daily summaries at 08:00 and the combined HR alerts (integrations.digest: why a loop here).
            summaries = asyncio.create_task(
                run_summaries(
                    make_sessionmaker(engine),
                    sender,
                    mail_from=settings.mail_from,
                    settings_url=f"{settings.public_url}{SETTINGS_PATH}",
                )
            )
            # The statistics' sums of past months and quarters, kept ahead of the pages (integrations.absence_figures).
            sums = asyncio.create_task(run_sums_keeper(make_sessionmaker(engine)))
            try:
                yield worker
            finally:
                for task in (mailbox, summaries, sums):
                    task.cancel()
                await asyncio.gather(mailbox, summaries, sums, return_exceptions=True)
    finally:
        await engine.dispose()


def _mailbox_stopped(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the mailbox reader stopped: calendar replies are not read", exc_info=task.exception())


async def run_worker(settings: Settings) -> None:
    """Run until cancelled (Ctrl-C); with the SDK's Prometheus metrics when configured."""
    async with running_worker(settings, runtime=temporal_runtime(settings)):
        await give_back_memory()
