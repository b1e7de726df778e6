"""The retention job's Temporal schedule: ``RetentionSweep`` every night at 03:00, Europe/Amsterdam.

Every worker makes sure the schedule exists when it starts (:func:`ensure_retention_schedule`); the
first one creates it, the others find it there. One schedule per task queue: the sweep runs on the
workers that hold that queue's store. A night the server missed (it was down) is made up once when
it is back, not once per missed night.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)
from temporalio.service import RPCError, RPCStatusCode

from workflows.retention import RetentionSweep

logger = logging.getLogger(__name__)

HOUR = 3
TIME_ZONE = "Europe/Amsterdam"
CATCHUP = timedelta(days=1)


def schedule_id(task_queue: str) -> str:
    """The schedule's id, and the id its workflows start with (the server adds the moment)."""
    return f"retention-sweep-{task_queue}"


def retention_schedule(task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionSweep.run,
            id=schedule_id(task_queue),
            task_queue=task_queue,
            execution_timeout=timedelta(hours=23),
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(HOUR)], minute=[ScheduleRange(0)])],
            time_zone_name=TIME_ZONE,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP),
    )


async def ensure_retention_schedule(client: Client, *, task_queue: str) -> bool:
    """Create the schedule unless it exists; whether this call created it.

    A server without schedules (Temporal's time-skipping test server) or one that refuses gets a
    logged error, not a worker that will not start: the cases must go on. The error names what to do."""
    try:
        await client.create_schedule(schedule_id(task_queue), retention_schedule(task_queue))
    except ScheduleAlreadyRunningError:
        return False
    except RPCError as exc:
        hint = "this server has no schedules" if exc.status == RPCStatusCode.UNIMPLEMENTED else str(exc)
        logger.error(
            "the retention schedule %s could not be created (%s): expired dossiers are not deleted until a "
            "worker starts against a Temporal server that creates it",
            schedule_id(task_queue),
            hint,
        )
        return False
    logger.info("created the retention schedule %s (daily %02d:00 %s)", schedule_id(task_queue), HOUR, TIME_ZONE)
    return True
