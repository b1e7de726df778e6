"""A case world for workflow tests: the workflow and its real activities on a Temporal server,
an aiosmtpd sink, a SQLite store; helpers to send commands at the server's (skipped) time."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, AsyncIterator

import icalendar
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor, Worker

from activities.case_activities import CaseActivities
from integrations.db import create_schema, make_engine, make_sessionmaker
from integrations.outbox import OutboxEntry, list_outbox
from integrations.smtp import SmtpSender
from integrations.store import CaseStore
from reintegratie.config.settings import Settings
from reintegratie.config.temporal import WORKFLOW_RUNNER
import states
from tests.support import SmtpSink
from web.cases import start_case
from workflows.case import ReintegrationCase
from workflows.commands import CommandResult
from contracts import CaseIntake, Person
from workflows.memory import CaseInput

MANAGER = Person("Mark Jansen", "mark@example.nl")
EMPLOYEE = Person("Sanne de Vries", "sanne@example.nl")
CASEMANAGER = Person("Carla Visser", "carla@example.nl")
COACH = Person("Cor Bakker", "cor@example.nl")
BUDDY = Person("Bram Smit", "bram@example.nl")
HR_ACTOR = "carla@example.nl"


# What a completed workflow task writes after itself: these wake nothing.
_COMMAND_EVENTS = frozenset({
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_TIMER_CANCELED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
})  # fmt: skip
# The last event of a run that ended (continue-as-new: the next run goes on).
_CLOSED = frozenset({
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
})  # fmt: skip
# Completion commands after which the run is over (continue-as-new: the next run goes on).
_RUN_ENDS = frozenset({
    "complete_workflow_execution", "fail_workflow_execution", "continue_as_new_workflow_execution", "cancel_workflow_execution",
})  # fmt: skip
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
            summary = str(event["SUMMARY"])
            rrule = event["RRULE"].to_ical().decode() if "RRULE" in event else None
            start = event.decoded("DTSTART")
    return SentMessage(recipient, str(message["Subject"]), method, uid, sequence, summary, rrule, raw, start)


class _Counter:
    """A count that can be awaited: ``changed_since(seen, timeout)``."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    def add(self) -> None:
        self.count += 1
        self._changed.set()

    async def changed_since(self, seen: int, timeout: float) -> bool:
        """Whether the count moved on from ``seen``, waiting up to ``timeout`` seconds."""
        if self.count != seen:
            return True
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        return True


class WorkerWatch(Interceptor):
    """Tells the harness what its worker did, so that ``settle`` reads the history when there is
    something new in it instead of after a pause, and after a command need not read it at all: an
    activity ended, and the workflow task that followed was completed (the SDK hands the completion
    to sdk-core, which returns once the server took it, so the history then holds it); and what
    each completion told the server (activities scheduled, updates answered, the run ended)."""

    def __init__(self) -> None:
        self.running = 0
        self.ended = _Counter()  # activity attempts
        self.tasks = _Counter()  # workflow activations completed, with the server's answer
        self.tasks_at_end = 0  # ``tasks.count`` when the last activity ended
        self.scheduled = 0  # activities the completions scheduled
        self.answered = 0  # updates the completions answered (completed or rejected)
        self.unsure = 0  # what only the history can tell: an attempt failed, the run ended, a task failed
        self.moved = asyncio.Event()  # set on any of the above

    def watch_tasks(self, worker: Worker) -> None:
        """Count the worker's completed activations and note what each told the server (wraps the
        SDK's private activation handler and bridge worker; temporalio is pinned below 1.36, see
        ``reintegratie/temporal.py``)."""
        workflows = worker._workflow_worker  # noqa: SLF001
        assert workflows is not None
        handle = workflows._handle_activation  # noqa: SLF001
        bridge_of = workflows._bridge_worker  # noqa: SLF001
        watch = self

        async def counted(activation: Any) -> None:
            try:
                await handle(activation)
            finally:
                self.tasks.add()
                self.moved.set()

        class _Noted:
            """The bridge worker, noting each completion once the server took it."""

            def __init__(self, bridge: Any) -> None:
                self._bridge = bridge

            def __getattr__(self, name: str) -> Any:
                return getattr(self._bridge, name)

            async def complete_workflow_activation(self, completion: Any) -> None:
                await self._bridge.complete_workflow_activation(completion)
                watch._note(completion)

        workflows._handle_activation = counted  # type: ignore[method-assign]  # noqa: SLF001
        workflows._bridge_worker = lambda: _Noted(bridge_of())  # noqa: SLF001

    def _note(self, completion: Any) -> None:
        if not completion.HasField("successful"):
            self.unsure += 1
        for command in completion.successful.commands:
            variant = command.WhichOneof("variant")
            if variant == "schedule_activity":
                self.scheduled += 1
            elif variant == "update_response" and command.update_response.WhichOneof("response") in ("completed", "rejected"):
                self.answered += 1
            elif variant in _RUN_ENDS:
                self.unsure += 1
        self.moved.set()

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        watch = self

        class _Watched(ActivityInboundInterceptor):
            async def execute_activity(self, input: ExecuteActivityInput) -> Any:
                watch.running += 1
                try:
                    return await super().execute_activity(input)
                except BaseException:
                    watch.unsure += 1  # retried, or the workflow handles it: the history tells
                    raise
                finally:
                    watch.running -= 1
                    watch.tasks_at_end = watch.tasks.count
                    watch.ended.add()
                    watch.moved.set()

        return _Watched(next)

    def settled_since(self, answers: int | None, unsure: int) -> bool | None:
        """True when the worker shows everything done: the update answered (when ``answers`` is
        the count before a command), every activity scheduled ended, and the workflow task after
        the last end completed; False when only the history can tell; None: not yet."""
        if self.unsure != unsure or self.ended.count > self.scheduled:
            return False
        answered = answers is None or self.answered > answers
        done = answered and self.running == 0 and self.scheduled == self.ended.count
        return True if done and (self.ended.count == 0 or self.tasks.count > self.tasks_at_end) else None


@dataclass
class CaseWorld:
    env: WorkflowEnvironment
    client: Client
    task_queue: str
    sink: SmtpSink
    sessionmaker: async_sessionmaker[AsyncSession]
    worker: WorkerWatch = field(default_factory=WorkerWatch)
    handle: WorkflowHandle[Any, Any] | None = None
    case_id: str = field(default_factory=lambda: f"case-{uuid.uuid4().hex}")

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def today(self) -> date:
        from states.clock import local_date

        return local_date(await self.now())

    async def open(
        self, *, days_ago: int = 0, history_limit: int | None = None, rules_version: int = states.RULES_VERSION, **intake: Any
    ) -> WorkflowHandle[Any, Any]:
        """Start the case as HR's intake does; with a history limit or an older rules version, with that start input."""
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
        values: dict[str, Any] = dict(
            case_id=self.case_id, employee=EMPLOYEE, manager=MANAGER, first_sick_day=first_sick_day,
            reported_by=HR_ACTOR, casemanager=CASEMANAGER, team_notice_to=("team@example.nl",),
            buddy_candidates=(BUDDY,),
        )  # fmt: skip
        values.update(intake)
        return CaseIntake(**values)

    async def command(self, name: str, event_type: type, /, **fields: Any) -> CommandResult:
        """Send one command (a Temporal update) as the casemanager, at the server's current time."""
        assert self.handle is not None
        event = event_type(actor=fields.pop("actor", HR_ACTOR), at=await self.now(), **fields)
        answers, unsure = self.worker.answered, self.worker.unsure
        result = await self.handle.execute_update(name, event, result_type=CommandResult)
        if not await self._settled_by_worker(answers, unsure):
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
        a timer was due at the very instant it ended; the worker's view catches the rest (a failed
        attempt, the run ended). In 105 skips of the scenarios the history read right after the
        sleep was settled every time."""
        unsure = self.worker.unsure
        await self.env.sleep(duration)
        if not await self._settled_by_worker(None, unsure):
            await self.settle()

    async def settle(self) -> None:
        """Wait until the workflow has carried out everything it decided.

        Read from the latest run's history, never asked of the workflow: the case is settled when
        its run ended, or no activity is open and its last workflow task completed with nothing
        after it that wakes it. (A query would be simpler, but one that races a continue-as-new is
        handed to the closed run by the time-skipping server and holds its clock until it times
        out. Nor from the description: the time-skipping server leaves out the pending workflow
        task.) Between reads it waits for its worker to finish what the last read found open: an
        activity and the workflow task after it, or a pending workflow task; a short pause at most,
        for what happens elsewhere (a retry's backoff, a timer).
        """
        assert self.handle is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        watch = self.worker
        while loop.time() < deadline:
            ended, tasks = watch.ended.count, watch.tasks.count
            if watch.running:
                state = "activity open"  # nothing to read until it ends
            elif (state := await self._state()) == "settled":
                return
            if state == "activity open":
                # (an activity may have ended just before the read, its completion not yet written)
                its_task_to_come = watch.ended.count and watch.tasks.count == watch.tasks_at_end
                if its_task_to_come or await watch.ended.changed_since(ended, 0.05):
                    await watch.tasks.changed_since(watch.tasks_at_end, 0.05)  # the task the end woke
            else:
                await watch.tasks.changed_since(tasks, 0.05)
        raise AssertionError("the case did not settle")

    async def _settled_by_worker(self, answers: int | None, unsure: int) -> bool:
        """After a command or a skip, settled by what the worker saw, without reading the history
        (a read of a long case's history costs more than a command's update); False: read it, also
        when the worker did nothing for a second (a retry's backoff, a task it cannot see)."""
        watch = self.worker
        while True:
            watch.moved.clear()
            if (settled := watch.settled_since(answers, unsure)) is not None:
                return settled
            try:
                await asyncio.wait_for(watch.moved.wait(), 1.0)
            except TimeoutError:
                return False

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
        request = DescribeWorkflowExecutionRequest(namespace=self.client.namespace, execution=WorkflowExecution(workflow_id=self.case_id))
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
        temporal_address="unused:1", database_url=f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        smtp_host=sink.host, smtp_port=sink.port, smtp_tls="none", mail_from="verzuim@example.nl",
    )  # fmt: skip
    engine = make_engine(settings.database_url)
    await create_schema(engine)
    sessionmaker = make_sessionmaker(engine)
    activities = CaseActivities(sessionmaker=sessionmaker, sender=SmtpSender.from_settings(settings), mail_from=settings.mail_from)
    task_queue = f"cases-{uuid.uuid4().hex[:8]}"
    watch = WorkerWatch()
    worker = Worker(
        env.client, task_queue=task_queue, workflows=[ReintegrationCase], workflow_runner=WORKFLOW_RUNNER,
        activities=activities.all(), interceptors=[watch],
    )  # fmt: skip
    watch.watch_tasks(worker)
    try:
        async with worker:
            world = CaseWorld(env=env, client=env.client, task_queue=task_queue, sink=sink, sessionmaker=sessionmaker, worker=watch)
            try:
                yield world
            finally:
                # A case left running without its worker would hold up time skipping for the next test.
                if world.handle is not None and await world.execution_status() == WorkflowExecutionStatus.RUNNING:
                    await world.handle.terminate("test finished")
    finally:
        await engine.dispose()
