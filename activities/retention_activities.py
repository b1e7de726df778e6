"""The retention job's activity: delete the dossiers whose retention ended, and their workflow executions.

``delete_expired_dossiers`` runs once a day (the ``RetentionSweep`` workflow, started by a Temporal
schedule; worker.retention). For each case whose retention ended (integrations.retention), first its
workflow execution goes (``DeleteWorkflowExecution``, every run of it the server still keeps), then
its rows in the store, in one transaction. A case whose workflow still runs is kept for a later
day, execution and rows: something still happens in it, and deleting the execution would end it.
An execution already gone (the namespace's own retention removed it) is fine.

Idempotent: a retried attempt finds the deleted cases gone and deletes the rest. Each run leaves a
``retention_runs`` row with the counts (and ``workflow_executions``: the runs deleted in Temporal).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.workflowservice.v1 import (
    DeleteWorkflowExecutionRequest,
    DescribeWorkflowExecutionRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from integrations.retention import delete_expired

logger = logging.getLogger(__name__)

EXECUTIONS = "workflow_executions"
"""The count of deleted workflow runs in a run's counts."""
_LISTABLE_ID = re.compile(r"^[A-Za-z0-9_.:-]+$")
"""A workflow id that can stand in a visibility query as it is (a case id: ``case-<hex>``)."""


class RetentionActivities:
    """Holds the store and the retention; the worker registers :meth:`all`."""

    def __init__(self, *, sessionmaker: async_sessionmaker[AsyncSession], retention_years: int) -> None:
        self._sessionmaker = sessionmaker
        self._retention_years = retention_years

    def all(self) -> list[Callable[..., object]]:
        return [self.delete_expired_dossiers]

    @activity.defn(name="delete_expired_dossiers")
    async def delete_expired_dossiers(self, today: date) -> dict[str, int]:
        """Delete every case whose retention ended by ``today`` (the workflow's day, Europe/Amsterdam);
        return what went: ``cases`` and the rows of each table (counts, no ids, no names)."""
        client = activity.client()

        async def before_delete(case_id: str) -> Mapping[str, int] | None:
            activity.heartbeat()
            runs = await delete_case_execution(client, case_id)
            return None if runs is None else {EXECUTIONS: runs}

        report = await delete_expired(
            self._sessionmaker, today=today, retention_years=self._retention_years, before_delete=before_delete
        )
        return {"cases": report.cases_deleted, EXECUTIONS: 0, **report.counts}


async def delete_case_execution(client: Client, case_id: str) -> int | None:
    """Delete the case's workflow execution (workflow id = case id), every run of it the server
    still keeps; how many runs went (0: already gone). None when it still runs: then nothing is
    deleted (``DeleteWorkflowExecution`` would end it), and the case waits for a later day."""
    service = client.workflow_service
    try:
        described = await service.describe_workflow_execution(
            DescribeWorkflowExecutionRequest(
                namespace=client.namespace, execution=WorkflowExecution(workflow_id=case_id)
            )
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return 0
        raise
    if described.workflow_execution_info.status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING:
        logger.warning("case %s is closed in the store but its workflow still runs: kept for a later day", case_id)
        return None
    run_ids = [described.workflow_execution_info.execution.run_id]
    run_ids += [run_id for run_id in await _earlier_runs(client, case_id) if run_id not in run_ids]
    deleted = 0
    for run_id in run_ids:
        request = DeleteWorkflowExecutionRequest(
            namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=case_id, run_id=run_id)
        )
        try:
            await service.delete_workflow_execution(request)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                continue
            if exc.status == RPCStatusCode.UNIMPLEMENTED:
                # Temporal's time-skipping test server has no DeleteWorkflowExecution; every real
                # server does. The namespace's retention removes the closed execution there.
                logger.warning("this Temporal server cannot delete workflow executions; case %s's stays", case_id)
                return deleted
            raise
        deleted += 1
    return deleted


async def _earlier_runs(client: Client, case_id: str) -> list[str]:
    """The runs of the case the server's visibility still lists (a case continues as new before its
    history grows large); none where the server has no visibility (the time-skipping test server)."""
    if not _LISTABLE_ID.match(case_id):
        return []
    try:
        return [execution.run_id async for execution in client.list_workflows(f"WorkflowId = '{case_id}'")]
    except RPCError as exc:
        if exc.status == RPCStatusCode.UNIMPLEMENTED:
            return []
        raise
