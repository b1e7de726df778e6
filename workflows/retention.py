"""`RetentionSweep`: the daily job that deletes the dossiers whose retention ended.

A Temporal schedule starts it every night (worker.retention). It asks one activity,
``delete_expired_dossiers`` (activities.retention_activities), to delete every case whose retention
ended by the workflow's day in Europe/Amsterdam, and returns what went (counts). Deterministic, no
I/O: the day comes from ``workflow.now()``, the activity is named as a string (workflows import no
activities).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from states.clock import local_date

ACTIVITY = "delete_expired_dossiers"
SWEEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=6,
)
"""A store or Temporal that is away for a while is waited for; one that stays away fails tonight's
run (an error in the worker's log, a failed run in Temporal), and tomorrow's deletes what tonight's
left (a case is deleted whole or not at all)."""
SWEEP_TIMEOUT = timedelta(hours=1)
"""One attempt: enough for a backlog of many cases (each a few statements and an RPC or two)."""
SWEEP_HEARTBEAT = timedelta(minutes=2)
"""The activity beats before each case: a worker that died is noticed long before the hour is up."""


@workflow.defn(name="RetentionSweep")
class RetentionSweep:
    @workflow.run
    async def run(self) -> dict[str, int]:
        today = local_date(workflow.now())
        try:
            counts: dict[str, int] = await workflow.execute_activity(
                ACTIVITY,
                today,
                result_type=dict[str, int],
                start_to_close_timeout=SWEEP_TIMEOUT,
                heartbeat_timeout=SWEEP_HEARTBEAT,
                retry_policy=SWEEP_RETRY,
                summary=f"delete the dossiers whose retention ended by {today.isoformat()}",
            )
        except ActivityError:
            # The retries are over: the operator's alert (the run fails too, visible in Temporal).
            workflow.logger.error("retention sweep of %s gave up after its retries; tomorrow's run goes on", today)
            raise
        return counts
