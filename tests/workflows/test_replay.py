"""Every stored history replays against today's workflow code: a change that would break running
cases (non-determinism) fails here. Record new fixtures with `python -m tests.workflows.record_histories`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from reintegratie.temporal import DATA_CONVERTER, WORKFLOW_RUNNER
from workflows.case import ReintegrationCase

HISTORIES = Path(__file__).resolve().parent / "histories"
FIXTURES = sorted(HISTORIES.glob("*.json"))


def test_there_are_histories_of_every_kind_of_case() -> None:
    names = {path.name.split(".")[0] for path in FIXTURES}
    assert {"short_recovery", "standard_return", "two_year_wia", "continued_as_new", "stagnation"} <= names
    last_events = {path.name: json.loads(path.read_text())["events"][-1]["eventType"] for path in FIXTURES}
    assert last_events["two_year_wia.run1.json"] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED"
    assert any(kind == "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW" for kind in last_events.values())


@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
async def test_stored_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[ReintegrationCase], data_converter=DATA_CONVERTER, workflow_runner=WORKFLOW_RUNNER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"
