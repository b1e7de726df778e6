"""A case world for workflow tests: the workflow and its real activities on a Temporal server,
an aiosmtpd sink, a SQLite store; helpers to send commands at the server's (skipped) time."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
)
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import states
from activities.case_activities import CaseActivities
from contracts import CaseIntake, Person
from integrations.db import make_engine, make_sessionmaker
from integrations.outbox import OutboxEntry, list_outbox
from integrations.smtp import SmtpSender
from integrations.store import CaseStore
from reintegratie.config.settings import Settings
from reintegratie.config.temporal import WORKFLOW_RUNNER
from tests.support import SmtpSink, create_tables
from web.cases import start_case
from workflows.case import ReintegrationCase
from workflows.commands import CommandResult
from workflows.memory import CaseInput

MANAGER = Person("Mark Jansen", "mark@example.nl")
EMPLOYEE = Person("Sanne de Vries", "sanne@example.nl")
CASEMANAGER = Person("Carla Visser", "carla@example.nl")
COACH = Person("Cor Bakker", "cor@example.nl")
BUDDY = Person("Bram Smit", "bram@example.nl")
HR_ACTOR = "carla@example.nl"


# What a completed workflow task writes after itself: these wake nothing.
_COMMAND_EVENTS = frozenset(
    {
        EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
        EventType.EVENT_TYPE_TIMER_STARTED,
        EventType.EVENT_TYPE_TIMER_CANCELED,
        EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
        EventType.EVENT_TYPE_MARKER_RECORDED,
        EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
    }
)
# The last event of a run that ended (continue-as-new: the next run goes on).
_CLOSED = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    }
)
_ACTIVITY_ENDS = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_task_completed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_task_failed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_task_timed_out_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity_task_canceled_event_attributes",
}


@dataclass(frozen=True)
class SentMessage:
    recipient: str
    subject: str
    method: str | None
    uid: str | None
    sequence: int | None
    summary: str | None
    rrule: str | None
    raw: bytes
    start: datetime | None = None


def parse(recipient: str, raw: bytes) -> SentMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    method = uid = summary = rrule = None
    sequence = None
    start: datetime | None = None
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            method = str(calendar["METHOD"])
            event = calendar.walk("VEVENT")[0]
            uid = str(event["UID"])
            sequence = int(event.get("SEQUENCE", 0))
            summary = str(event["SUMMARY"]) if "SUMMARY" in event else None  # a DECLINECOUNTER has none
            rrule = event["RRULE"].to_ical().decode() if "RRULE" in event else None
            start = event.decoded("DTSTART") if "DTSTART" in event else None
    return SentMessage(recipient, str(message["Subject"]), method, uid, sequence, summary, rrule, raw, start)


@dataclass
class CaseWorld:
    env: WorkflowEnvironment
    client: Client
    task_queue: str
    sink: SmtpSink
    sessionmaker: async_sessionmaker[AsyncSession]
    handle: WorkflowHandle[Any, Any] | None = None
    case_id: str = field(default_factory=lambda: f"case-{uuid.uuid4().hex}")
    rules_version: int = states.RULES_VERSION
    """The rules version :meth:`open` starts the case with unless it is given one."""

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def today(self) -> date:
        from states.clock import local_date

        return local_date(await self.now())

    async def open(
        self,
        *,
        days_ago: int = 0,
        history_limit: int | None = None,
        rules_version: int | None = None,
        **intake: Any,
    ) -> WorkflowHandle[Any, Any]:
        """Start the case as HR's intake does; with a history limit or an older rules version, with that start input."""
        rules_version = self.rules_version if rules_version is None else rules_version
        case_intake = await self.intake(days_ago=days_ago, **intake)
        if history_limit is None and rules_version == states.RULES_VERSION:
            await start_case(self.client, task_queue=self.task_queue, intake=case_intake, now=await self.now())
        else:
            start = CaseInput(intake=case_intake, rules_version=rules_version)
            if history_limit is not None:
                start = replace(start, history_limit=history_limit)
            await self.client.start_workflow(ReintegrationCase.run, start, id=self.case_id, task_queue=self.task_queue)
        self.handle = self.client.get_workflow_handle_for(ReintegrationCase.run, self.case_id)
        await self.settle()
        return self.handle

    async def intake(self, *, days_ago: int = 0, **intake: Any) -> CaseIntake:
        first_sick_day = (await self.today()) - timedelta(days=days_ago)
        values: dict[str, Any] = {
            "case_id": self.case_id,
            "employee": EMPLOYEE,
            "manager": MANAGER,
            "first_sick_day": first_sick_day,
            "reported_by": HR_ACTOR,
            "casemanager": CASEMANAGER,
            "team_notice_to": ("team@example.nl",),
            "buddy_candidates": (BUDDY,),
        }
        values.update(intake)
        return CaseIntake(**values)

    async def command(self, name: str, event_type: type, /, **fields: Any) -> CommandResult:
        """Send one command (a Temporal update) as the casemanager, at the server's current time."""
        assert self.handle is not None
        event = event_type(actor=fields.pop("actor", HR_ACTOR), at=await self.now(), **fields)
        result = await self.handle.execute_update(name, event, result_type=CommandResult)
        await self.settle()
        return result

    async def refused(self, name: str, event_type: type, /, **fields: Any) -> str:
        """Send a command that must be refused; return the refusal message."""
        try:
            await self.command(name, event_type, **fields)
        except WorkflowUpdateFailedError as exc:
            return str(exc.cause)
        raise AssertionError(f"{name} was accepted but should have been refused")

    async def advance(self, duration: timedelta) -> None:
        """Skip time. The time-skipping server moves its clock on only while no workflow or activity
        task is outstanding, so what the skipped time set off is done when the sleep returns, unless
        a timer was due at the very instant it ended: ``settle`` waits for the rest. In 105 skips of
        the scenarios the history read right after the sleep was settled every time."""
        await self.env.sleep(duration)
        await self.settle()

    async def settle(self) -> None:
        """Wait until the workflow has carried out everything it decided.

        Read from the latest run's history, never asked of the workflow: the case is settled when
        its run ended, or no activity is open and its last workflow task completed with nothing
        after it that wakes it. (A query would be simpler, but one that races a continue-as-new is
        handed to the closed run by the time-skipping server and holds its clock until it times
        out. Nor from the description: the time-skipping server leaves out the pending workflow
        task.) The history is read again after a short pause, longer each time up to 50 ms, for
        what is still open: an activity, the workflow task after it, a retry's backoff.
        """
        assert self.handle is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        pause = 0.002
        while loop.time() < deadline:
            if await self._state() == "settled":
                return
            await asyncio.sleep(pause)
            pause = min(2 * pause, 0.05)
        raise AssertionError("the case did not settle")

    async def _state(self) -> str:
        """One consistent read of the latest run's history: "settled" when the run ended, or when no
        activity is open and the history ends in a completed workflow task and the commands it gave
        (nothing after it wakes the workflow); else "activity open" or "task pending"."""
        events = [event async for event in self.client.get_workflow_handle(self.case_id).fetch_history_events()]
        if events and events[-1].event_type in _CLOSED:
            return "settled"
        open_activities = set()
        for event in events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                open_activities.add(event.event_id)
            elif event.event_type in _ACTIVITY_ENDS:
                open_activities.discard(getattr(event, _ACTIVITY_ENDS[event.event_type]).scheduled_event_id)
        if open_activities:
            return "activity open"
        for event in reversed(events):
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                return "settled"
            if event.event_type not in _COMMAND_EVENTS:
                break  # a task scheduled or running, or something that wakes the workflow
        return "task pending"

    async def describe(self) -> DescribeWorkflowExecutionResponse:
        """The raw description (the time-skipping server's datetime search attributes do not decode)."""
        request = DescribeWorkflowExecutionRequest(
            namespace=self.client.namespace, execution=WorkflowExecution(workflow_id=self.case_id)
        )
        return await self.client.workflow_service.describe_workflow_execution(request)

    async def execution_status(self) -> WorkflowExecutionStatus:
        return WorkflowExecutionStatus((await self.describe()).workflow_execution_info.status)

    def sent(self) -> list[SentMessage]:
        return [parse(rcpts[0], raw) for _sender, rcpts, raw in self.sink.messages]

    def invitations(self, recipient: str | None = None) -> list[SentMessage]:
        return [m for m in self.sent() if m.method and (recipient is None or m.recipient == recipient)]

    def notices(self, recipient: str | None = None) -> list[SentMessage]:
        return [m for m in self.sent() if not m.method and (recipient is None or m.recipient == recipient)]

    async def outbox(self) -> list[OutboxEntry]:
        return list(reversed(await list_outbox(self.sessionmaker, limit=10_000)))

    async def store(self) -> CaseStore:
        return CaseStore(self.sessionmaker)


@asynccontextmanager
async def case_world(env: WorkflowEnvironment, sink: SmtpSink, tmp_path: Path) -> AsyncIterator[CaseWorld]:
    settings = Settings(
        temporal_address="unused:1",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
    )
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    sessionmaker = make_sessionmaker(engine)
    activities = CaseActivities(
        sessionmaker=sessionmaker, sender=SmtpSender.from_settings(settings), mail_from=settings.mail_from
    )
    task_queue = f"cases-{uuid.uuid4().hex[:8]}"
    worker = Worker(
        env.client,
        task_queue=task_queue,
        workflows=[ReintegrationCase],
        workflow_runner=WORKFLOW_RUNNER,
        activities=activities.all(),
    )
    try:
        async with worker:
            world = CaseWorld(env=env, client=env.client, task_queue=task_queue, sink=sink, sessionmaker=sessionmaker)
            try:
                yield world
            finally:
                # A case left running without its worker would hold up time skipping for the next test.
                if world.handle is not None and await world.execution_status() == WorkflowExecutionStatus.RUNNING:
                    await world.handle.terminate("test finished")
    finally:
        await engine.dispose()
