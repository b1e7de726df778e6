"""Every stored history replays against today's workflow code: a change that would break running
cases (non-determinism) fails here, and so does one that would have them decide differently (an
activity scheduled with another input). Record new fixtures with `python -m tests.workflows.record_histories`.

Each history replays with the workers' runner (the SDK's unsandboxed one) and under the SDK's
sandbox, which refuses the clock, randomness, threads and I/O in the workflow's code at run time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import (
    Interceptor,
    Replayer,
    StartActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)
from temporalio.workflow import ActivityHandle

from reintegratie.config.payload_codec import ENCODING, EncryptionCodec
from reintegratie.config.temporal import (
    DATA_CONVERTER,
    SANDBOXED_RUNNER,
    WORKFLOW_RUNNER,
    encrypted_converter,
)
from tests.payload_keys import TEST_PAYLOAD_KEYS
from workflows.case import ReintegrationCase

HISTORIES = Path(__file__).resolve().parent / "histories"
FIXTURES = sorted(HISTORIES.glob("*.json"))
RUNNERS = {"unsandboxed": WORKFLOW_RUNNER, "sandboxed": SANDBOXED_RUNNER}
# Recorded with the payload codec and the fixed test key: python -m tests.workflows.record_encrypted_history
ENCRYPTED = sorted((HISTORIES / "encrypted").glob("*.json"))


def test_there_are_histories_of_every_kind_of_case() -> None:
    names = {path.name.split(".")[0] for path in FIXTURES}
    scenarios = {"short_recovery", "standard_return", "two_year_wia", "continued_as_new", "stagnation"}
    assert scenarios | {"riv_complete"} <= names
    assert {f"{name}_rules_v3" for name in scenarios} <= names  # running cases of rules version 3 stay guarded
    last_events = {path.name: json.loads(path.read_text())["events"][-1]["eventType"] for path in FIXTURES}
    assert last_events["two_year_wia.run1.json"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"
    assert last_events["riv_complete.run1.json"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"
    assert any(kind == "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW" for kind in last_events.values())


class _ActivityInputs(Interceptor):
    """Notes the input of every activity the workflow schedules, encoded as the worker would send it."""

    def __init__(self) -> None:
        self.inputs: list[list[bytes]] = []

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        noted = self.inputs

        class Outbound(WorkflowOutboundInterceptor):
            def start_activity(self, input: StartActivityInput) -> ActivityHandle[object]:
                noted.append(
                    [payload.data for payload in DATA_CONVERTER.payload_converter.to_payloads(list(input.args))]
                )
                return super().start_activity(input)

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(Outbound(outbound))

        return Inbound


def _recorded_inputs(history: WorkflowHistory) -> list[list[bytes]]:
    return [
        [payload.data for payload in event.activity_task_scheduled_event_attributes.input.payloads]
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


@pytest.mark.parametrize("runner", list(RUNNERS))
@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
async def test_stored_history_replays(path: Path, runner: str) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    noted = _ActivityInputs()
    replayer = Replayer(
        workflows=[ReintegrationCase],
        data_converter=DATA_CONVERTER,
        workflow_runner=RUNNERS[runner],
        interceptors=[noted],
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"
    # Replay checks each activity's type and id, not its input: a rule change would pass it while
    # the running cases it replays then decide otherwise than their histories (and the calendars
    # people hold) say. Such a change gets a new states.RULES_VERSION, which only new cases follow.
    recorded = _recorded_inputs(history)
    differing = [
        number for number, (was, now) in enumerate(zip(recorded, noted.inputs, strict=False), start=1) if was != now
    ]
    assert len(noted.inputs) == len(recorded) and not differing, (
        f"{path.name}: {len(differing)} of {len(recorded)} activities (the first: number {differing[:1]}) are scheduled with "
        "another input than the history recorded. A change of what a running case decides needs a new states.RULES_VERSION "
        "(and this history then stays as it is); a change of only the form of the input, the same decisions, is recorded "
        "again (python -m tests.workflows.record_histories)"
    )


@pytest.mark.parametrize("runner", list(RUNNERS))
@pytest.mark.parametrize("path", ENCRYPTED, ids=[path.stem for path in ENCRYPTED])
async def test_stored_encrypted_history_replays_with_the_codec(path: Path, runner: str) -> None:
    """A history that a worker with the payload codec wrote replays with the codec, and its
    activities are scheduled with the same (decrypted) inputs."""
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    (started,) = history.events[0].workflow_execution_started_event_attributes.input.payloads
    assert started.metadata["encoding"] == ENCODING
    codec = EncryptionCodec.from_text(TEST_PAYLOAD_KEYS)
    noted = _ActivityInputs()
    replayer = Replayer(
        workflows=[ReintegrationCase],
        data_converter=encrypted_converter(codec),
        workflow_runner=RUNNERS[runner],
        interceptors=[noted],
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"
    recorded = [
        [payload.data for payload in await codec.decode(event.activity_task_scheduled_event_attributes.input.payloads)]
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert recorded and recorded == noted.inputs, f"{path.name}: activities scheduled with other inputs"


def test_there_is_an_encrypted_history() -> None:
    assert [path.name for path in ENCRYPTED] == ["short_recovery.run1.json"]
