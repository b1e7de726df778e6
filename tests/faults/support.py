"""Helpers of the fault tests: cases started the way the web app starts them, waiting (bounded) until
they have carried out all they decided, and what reached the SMTP sink, keyed the way calendars see it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from contracts import CaseIntake, Person
from states.clock import local_date
from tests.support import SmtpSink
from web.cases import start_case
from workflows.case import ReintegrationCase

CASEMANAGER = Person("Carla Visser", "carla@example.nl")
HR_ACTOR = CASEMANAGER.email


def intake(case_id: str, number: int, *, days_ago: int = 0, today: date | None = None) -> CaseIntake:
    """A case with people of its own (so every message's recipient tells the case)."""
    today = today or local_date(datetime.now(UTC))
    return CaseIntake(
        case_id=case_id,
        employee=Person(f"Werknemer {number}", f"employee{number}@example.nl"),
        manager=Person(f"Manager {number}", f"manager{number}@example.nl"),
        first_sick_day=today - timedelta(days=days_ago),
        reported_by=HR_ACTOR,
        casemanager=CASEMANAGER,
        team_notice_to=(f"team{number}@example.nl",),
    )


async def open_case(client: Client, task_queue: str, number: int, *, days_ago: int = 0) -> str:
    case_id = f"case-{uuid.uuid4().hex}"
    await start_case(client, task_queue=task_queue, intake=intake(case_id, number, days_ago=days_ago))
    return case_id


async def _describe(client: Client, case_id: str) -> Any:
    request = DescribeWorkflowExecutionRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=case_id)
    )
    return await client.workflow_service.describe_workflow_execution(request)


async def settled(client: Client, case_id: str) -> bool:
    """The case has nothing left to do now: no activity pending and nothing decided but not carried out."""
    try:
        description = await _describe(client, case_id)
        if description.workflow_execution_info.status != WorkflowExecutionStatus.RUNNING.value:
            return True
        if description.pending_activities:
            return False
        status = await client.get_workflow_handle(case_id).query(
            ReintegrationCase.status, rpc_timeout=timedelta(seconds=5)
        )
        return status.work_pending == 0
    except RPCError:
        return False  # e.g. a query while no worker is there


async def wait_settled(client: Client, case_ids: list[str], *, timeout: float) -> None:
    """Wait, at most ``timeout`` seconds, until every case has settled; fail naming those that did not."""
    remaining = list(case_ids)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while remaining:
        results = await asyncio.gather(*(settled(client, case_id) for case_id in remaining))
        remaining = [case_id for case_id, done in zip(remaining, results, strict=True) if not done]
        if not remaining:
            return
        if loop.time() > deadline:
            raise AssertionError(
                f"{len(remaining)} of {len(case_ids)} cases did not settle within {timeout:.0f} s: {remaining[:5]}"
            )
        await asyncio.sleep(1.0)


async def pending_attempts(client: Client, case_id: str) -> int:
    """The highest attempt number among the case's pending activities (0: none pending)."""
    description = await _describe(client, case_id)
    return max((activity.attempt for activity in description.pending_activities), default=0)


@dataclass(frozen=True)
class Arrival:
    """One message as the SMTP sink received it."""

    recipient: str
    message_id: str
    method: str | None
    uid: str | None
    sequence: int | None
    subject: str


def arrivals(sink: SmtpSink) -> list[Arrival]:
    found = []
    for _sender, rcpts, raw in list(sink.messages):
        message = email.message_from_bytes(raw, policy=email.policy.default)
        method = uid = None
        sequence = None
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
                method = str(calendar["METHOD"])
                event = calendar.walk("VEVENT")[0]
                uid, sequence = str(event["UID"]), int(event.get("SEQUENCE", 0))
        for recipient in rcpts:
            found.append(
                Arrival(recipient.lower(), str(message["Message-ID"]), method, uid, sequence, str(message["Subject"]))
            )
    return found


def invitation_counts(found: list[Arrival]) -> Counter[tuple[str | None, int | None, str | None, str]]:
    """How often each logical invitation (UID, SEQUENCE, METHOD, recipient) arrived."""
    return Counter((a.uid, a.sequence, a.method, a.recipient) for a in found if a.method)
