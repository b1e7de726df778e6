"""Time to replay stored case histories (tests/workflows/histories) with today's workflow code.

    .venv/bin/python -m bench.replay [--repeat 5] [--pairs 15]

Target: the full two-year case (two_year_wia) replays in under 100 ms.

Also the longest history replayed ten times in one replay worker, as a running worker replays a case
it had evicted from its cache (no worker set-up per replay). For scale, the SDK's own floor: a
workflow that does nothing but sleep, with as many workflow tasks as the two-year case, recorded on
the time-skipping server and replayed the same way.

Last, two_year_wia and the floor replayed in turn (--pairs times each, in one process): the same
code's replay moved between 105 and 258 ms within an hour on one machine (2026-12-01), its CPU time
moving with it, while the floor moved less. Replayed in turn, both meet the same moments of the
machine: the ratio of the two says how far our workflow is from the SDK's own cost, whatever the
machine's speed at that moment; the minimum says what the replay costs when nothing interferes.
The floor is the SDK's cheapest: its unsandboxed runner and default converter. In the same turns,
two_year_wia also replays under the SDK's sandbox (``SANDBOXED_RUNNER``, which the replay test
uses too), and so does the floor (its module passed through: the sandbox's own cost).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import (
    SandboxedWorkflowRunner,
    SandboxRestrictions,
)

from bench.common import Sleeper, header
from reintegratie.config.temporal import (
    DATA_CONVERTER,
    SANDBOXED_RUNNER,
    WORKFLOW_RUNNER,
)
from tests.workflows.record_histories import HISTORIES, time_skipping
from workflows.case import ReintegrationCase

TARGET = "two_year_wia.run1"
SDK_RUNNER = UnsandboxedWorkflowRunner()
# The sandbox with nothing of the floor's to import per run: what the sandbox itself costs.
SANDBOXED_FLOOR_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("bench.common")
)


def _workflow_tasks(history: WorkflowHistory) -> int:
    return sum(1 for event in history.events if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)


async def _floor_history(tasks: int) -> WorkflowHistory:
    async with (
        time_skipping() as env,
        Worker(env.client, task_queue="floor", workflows=[Sleeper], workflow_runner=SDK_RUNNER),
    ):
        handle = await env.client.start_workflow(Sleeper.run, tasks, id="floor", task_queue="floor")
        await handle.result()
        return await handle.fetch_history()


async def _timed(
    replayer: Replayer, name: str, history: WorkflowHistory, repeat: int
) -> tuple[str, int, int, float, float]:
    times = []
    for _ in range(repeat + 1):  # the first replay also pays for the first use of the workflow's modules
        started = time.perf_counter()
        await replayer.replay_workflow(history)
        times.append(time.perf_counter() - started)
    return name, len(history.events), _workflow_tasks(history), times[0] * 1000, statistics.median(times[1:]) * 1000


async def _in_one_worker(
    replayer: Replayer, name: str, history: WorkflowHistory, times: int = 10
) -> tuple[str, int, int, float, float]:
    """Per replay, when one replay worker replays the same history ``times`` times (after a warm-up)."""

    async def histories() -> AsyncIterator[WorkflowHistory]:
        for _ in range(times):
            yield history

    await replayer.replay_workflow(history)
    started = time.perf_counter()
    async with replayer.workflow_replay_iterator(histories()) as results:
        async for result in results:
            if result.replay_failure is not None:
                raise result.replay_failure
    per_replay = (time.perf_counter() - started) / times * 1000
    return f"{name} x{times}, one worker", len(history.events), _workflow_tasks(history), per_replay, per_replay


FLOOR = "floor"


@dataclass
class InTurn:
    """Replays of each contender (the floor among them), taken in turn (milliseconds)."""

    times: dict[str, list[float]]

    def ratios(self, name: str) -> list[float]:
        return [ours / floor for ours, floor in zip(self.times[name], self.times[FLOOR], strict=True)]


async def _in_turn(contenders: dict[str, tuple[Replayer, WorkflowHistory]], pairs: int) -> InTurn:
    """``contenders`` must hold FLOOR; each round replays every contender once, in turn."""

    async def once(by: Replayer, of: WorkflowHistory) -> float:
        started = time.perf_counter()
        await by.replay_workflow(of)
        return (time.perf_counter() - started) * 1000

    for replayer, history in contenders.values():
        await once(replayer, history)
    result = InTurn({name: [] for name in contenders})
    order = list(contenders)
    for number in range(pairs):
        for name in reversed(order) if number % 2 else order:  # alternate which goes first
            result.times[name].append(await once(*contenders[name]))
    return result


async def run(repeat: int, pairs: int) -> tuple[list[tuple[str, int, int, float, float]], InTurn]:
    replayer = Replayer(workflows=[ReintegrationCase], data_converter=DATA_CONVERTER, workflow_runner=WORKFLOW_RUNNER)
    histories = {
        path.stem: WorkflowHistory.from_json(path.stem, path.read_text()) for path in sorted(HISTORIES.glob("*.json"))
    }
    rows = [await _timed(replayer, name, history, repeat) for name, history in histories.items()]
    longest = max(rows, key=lambda row: row[2])
    rows.append(await _in_one_worker(replayer, longest[0], histories[longest[0]]))
    floor = await _floor_history(longest[2])
    floor_replayer = Replayer(workflows=[Sleeper], workflow_runner=SDK_RUNNER)
    rows.append(await _timed(floor_replayer, f"floor: {longest[2]} sleeps", floor, repeat))
    sandboxed = Replayer(workflows=[ReintegrationCase], data_converter=DATA_CONVERTER, workflow_runner=SANDBOXED_RUNNER)
    sandboxed_floor = Replayer(workflows=[Sleeper], workflow_runner=SANDBOXED_FLOOR_RUNNER)
    contenders = {
        TARGET: (replayer, histories[TARGET]),
        f"{TARGET}, sandboxed": (sandboxed, histories[TARGET]),
        FLOOR: (floor_replayer, floor),
        "floor, sandboxed": (sandboxed_floor, floor),
    }
    return rows, await _in_turn(contenders, pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description="replay time of stored histories")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--pairs", type=int, default=15, help=f"{TARGET} and the floor replayed in turn, this many times each"
    )
    args = parser.parse_args()
    header("replay of stored histories")
    print(f"{'history':<32} {'events':>7} {'wf tasks':>8} {'first ms':>9} {'median ms':>10}")
    rows, in_turn = asyncio.run(run(args.repeat, args.pairs))
    for name, events, tasks, first, median in rows:
        print(f"{name:<32} {events:>7} {tasks:>8} {first:>9.1f} {median:>10.1f}")
    print(
        f"in turn, {args.pairs} rounds (runners: ours {type(WORKFLOW_RUNNER).__name__}, floor {type(SDK_RUNNER).__name__}):"
    )
    for name, times in in_turn.times.items():
        ratios = in_turn.ratios(name)
        print(
            f"  {name:<32} median {statistics.median(times):7.1f} ms (min {min(times):7.1f}), ratio to the floor median "
            f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})"
        )
    print(f"target: {TARGET} at most 2.5 times the floor (in turn, median)")


if __name__ == "__main__":
    main()
