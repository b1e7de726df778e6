"""What keeps workflow code deterministic, and what the workflow runner still does.

The runner (reintegratie.config.temporal.WORKFLOW_RUNNER) runs workflows without the SDK's sandbox: our
modules are imported once, and nothing refuses ``datetime.now``, ``random``, ``open`` ... at run
time. What keeps them deterministic is this module's source check of every module the case workflow
runs. The runner's serialization contexts are checked against a payload codec that uses the
context, and the skipped payload walks (without a codec) against the SDK's own walks (with one).
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Sequence

import pytest
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from reintegratie.config import payload_walks
from reintegratie.config.temporal import WORKFLOW_RUNNER

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_ATTRIBUTES = {
    "datetime.now", "datetime.utcnow", "datetime.today", "date.today", "time.time", "time.time_ns",
    "time.monotonic", "time.perf_counter", "time.sleep", "uuid.uuid1", "uuid.uuid4", "os.urandom",
    "os.environ", "os.getenv", "threading.Thread", "threading.Timer", "asyncio.get_event_loop",
}  # fmt: skip
FORBIDDEN_MODULES = {"random", "secrets", "socket", "subprocess", "time", "os", "urllib", "http", "sqlalchemy", "aiosmtplib"}
FORBIDDEN_CALLS = {"open", "input", "print", "breakpoint", "exec", "eval"}


OURS = {"states", "workflows", "activities"}


def _source(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def _imported(path: Path) -> set[str]:
    """The modules of ours that a file imports, parents included (``a.b`` runs ``a/__init__.py``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    found = set()
    for name in names:
        parts = name.split(".")
        if parts[0] in OURS:
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return found


def _workflow_modules() -> list[Path]:
    """Our source files that the case workflow imports, directly or not (and so runs in its tasks)."""
    seen: dict[str, Path] = {}
    todo = ["workflows.case"]
    while todo:
        module = todo.pop()
        path = _source(module)
        if module in seen or path is None:
            continue
        seen[module] = path
        todo.extend(_imported(path))
    return sorted(set(seen.values()))


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and f"{node.value.id}.{node.attr}" in FORBIDDEN_ATTRIBUTES:
            found.append(f"{path.name}:{node.lineno} {node.value.id}.{node.attr}")
        elif isinstance(node, ast.Import):
            found += [f"{path.name}:{node.lineno} import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"{path.name}:{node.lineno} from {node.module} import ...")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            found.append(f"{path.name}:{node.lineno} {node.func.id}()")
    return sorted(found, key=lambda offence: int(offence.split(":")[1].split(" ")[0]))


def test_the_check_sees_every_module_the_workflow_runs() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in _workflow_modules()}
    assert {"workflows/case.py", "states/rules.py", "states/agenda.py", "activities/inputs.py"} <= names
    assert "activities/case_activities.py" not in names, "the workflow must not import the activities' I/O"


@pytest.mark.parametrize("path", _workflow_modules(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_workflow_code_has_no_clock_randomness_or_io(path: Path) -> None:
    assert _offences(path) == [], "use workflow.now() / workflow.random() / an activity instead"


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import random\nfrom datetime import datetime\nx = datetime.now()\nopen('f')\nfrom os import path\n")
    assert [offence.split(" ", 1)[1] for offence in _offences(sample)] == ["import random", "datetime.now", "open()", "from os import ..."]


@activity.defn
async def echo(text: str) -> str:
    return text


@workflow.defn
class CallsAnActivity:
    @workflow.run
    async def run(self, text: str) -> str:
        return await workflow.execute_activity(echo, text, start_to_close_timeout=timedelta(seconds=30))


class _ContextMarkingCodec(PayloadCodec, WithSerializationContext):
    """Marks each payload with the activity type of its serialization context (``-``: none)."""

    def __init__(self, context: SerializationContext | None = None) -> None:
        self._context = context

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        mark = self._context.activity_type if isinstance(self._context, ActivitySerializationContext) else "-"
        marked = []
        for payload in payloads:
            copy = Payload()
            copy.CopyFrom(payload)
            copy.metadata["context"] = mark.encode()
            marked.append(copy)
        return marked

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    def with_context(self, context: SerializationContext) -> _ContextMarkingCodec:
        return _ContextMarkingCodec(context)


def _with_marking_codec(client: Client) -> Client:
    converter = dataclasses.replace(DataConverter.default, payload_codec=_ContextMarkingCodec())
    return Client(**{**client.config(), "data_converter": converter})


async def _run_calls_an_activity(client: Client) -> list[HistoryEvent]:
    """Run CallsAnActivity on a worker of our runner; its history."""
    task_queue = f"sandbox-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=task_queue, workflows=[CallsAnActivity], activities=[echo], workflow_runner=WORKFLOW_RUNNER):
        handle = await client.start_workflow(CallsAnActivity.run, "hallo", id=f"echo-{uuid.uuid4().hex}", task_queue=task_queue)
        assert await handle.result() == "hallo"
        return [event async for event in handle.fetch_history_events()]


async def test_activity_payloads_carry_their_serialization_context(dev_server: WorkflowEnvironment) -> None:
    history = await _run_calls_an_activity(_with_marking_codec(dev_server.client))
    scheduled = [
        event.activity_task_scheduled_event_attributes.input.payloads[0].metadata["context"]
        for event in history
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == [b"echo"], "the workflow encoded the activity's input with the activity's context"


class _CountedWalks:
    """Counts the SDK's own payload walks (reintegratie.config.payload_walks calls them only when they matter)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.decoded = self.encoded = 0
        sdk_decode, sdk_encode = payload_walks._sdk_decode_activation, payload_walks._sdk_encode_completion

        async def decode(*args: object, **kwargs: object) -> object:
            self.decoded += 1
            return await sdk_decode(*args, **kwargs)  # type: ignore[arg-type]

        async def encode(*args: object, **kwargs: object) -> object:
            self.encoded += 1
            return await sdk_encode(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(payload_walks, "_sdk_decode_activation", decode)
        monkeypatch.setattr(payload_walks, "_sdk_encode_completion", encode)


async def test_without_a_codec_the_payload_walks_are_skipped(dev_server: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch) -> None:
    walks = _CountedWalks(monkeypatch)
    await _run_calls_an_activity(dev_server.client)  # the project's converter: no codec, no external storage
    assert (walks.decoded, walks.encoded) == (0, 0)


async def test_with_a_codec_every_activation_is_walked(dev_server: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch) -> None:
    walks = _CountedWalks(monkeypatch)
    history = await _run_calls_an_activity(_with_marking_codec(dev_server.client))
    assert walks.decoded >= 2 and walks.encoded >= 2, "the start and the activity's result were decoded, both completions encoded"
    completed = next(e for e in history if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
    assert completed.workflow_execution_completed_event_attributes.result.payloads[0].metadata["context"] == b"-"


@workflow.defn
class RollsDice:
    """Asks for randomness after the first workflow task, so the lean instance makes its generator late."""

    def __init__(self) -> None:
        self._numbers: list[int] = []

    @workflow.run
    async def run(self) -> list[int]:
        await workflow.sleep(timedelta(milliseconds=10))
        self._numbers = [workflow.random().randint(1, 1_000_000) for _ in range(3)] + [int(workflow.uuid4().int % 1_000_000)]
        return self._numbers

    @workflow.query
    def numbers(self) -> list[int]:
        return self._numbers


async def test_randomness_is_the_sdks_own(dev_server: WorkflowEnvironment) -> None:
    """Our runner makes the run's random generator only when asked, from the same seed: a worker
    with the SDK's own workflow instance replays the closed run to answer a query, and draws the
    same numbers."""
    task_queue = f"sandbox-{uuid.uuid4().hex[:8]}"
    client = dev_server.client
    async with Worker(client, task_queue=task_queue, workflows=[RollsDice], workflow_runner=WORKFLOW_RUNNER):
        handle = await client.start_workflow(RollsDice.run, id=f"dice-{uuid.uuid4().hex}", task_queue=task_queue)
        numbers = await handle.result()
    async with Worker(client, task_queue=task_queue, workflows=[RollsDice], workflow_runner=UnsandboxedWorkflowRunner()):
        replayed = await handle.query(RollsDice.numbers)
    assert len(set(numbers)) == 4
    assert replayed == numbers


@workflow.defn
class AddsAnUpdateHandler:
    @workflow.run
    async def run(self) -> None:
        workflow.set_update_handler("late", lambda: None)


async def test_an_update_handler_added_at_run_time_fails_loudly(dev_server: WorkflowEnvironment) -> None:
    """Runs share the class's update table (read-only); a handler added at run time must not leak
    into other runs: the workflow task fails instead, and the run stays open to be fixed."""
    task_queue = f"sandbox-{uuid.uuid4().hex[:8]}"
    client = dev_server.client
    async with Worker(client, task_queue=task_queue, workflows=[AddsAnUpdateHandler], workflow_runner=WORKFLOW_RUNNER):
        handle = await client.start_workflow(AddsAnUpdateHandler.run, id=f"late-{uuid.uuid4().hex}", task_queue=task_queue)
        failed = False
        for _ in range(100):
            async for event in handle.fetch_history_events():
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                    failed = "does not support item assignment" in event.workflow_task_failed_event_attributes.failure.message
            if failed:
                break
            await asyncio.sleep(0.1)
        assert failed, "the workflow task failed on the read-only update table"
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await handle.terminate()
    assert "late" not in AddsAnUpdateHandler.__temporal_workflow_definition.updates  # type: ignore[attr-defined]
