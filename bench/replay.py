"""Time to replay stored case histories (tests/workflows/histories) with today's workflow code.

    .venv/bin/python -m bench.replay [--repeat 5]

Target: the full two-year case (two_year_wia) replays in under 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from bench.common import header
from reintegratie.temporal import DATA_CONVERTER, WORKFLOW_RUNNER
from tests.workflows.record_histories import HISTORIES
from workflows.case import ReintegrationCase


async def run(repeat: int) -> list[tuple[str, int, float, float]]:
    replayer = Replayer(workflows=[ReintegrationCase], data_converter=DATA_CONVERTER, workflow_runner=WORKFLOW_RUNNER)
    rows = []
    for path in sorted(HISTORIES.glob("*.json")):
        history = WorkflowHistory.from_json(path.stem, path.read_text())
        times = []
        for _ in range(repeat + 1):  # the first replay also imports the workflow into a fresh sandbox
            started = time.perf_counter()
            await replayer.replay_workflow(history)
            times.append(time.perf_counter() - started)
        rows.append((path.stem, len(history.events), times[0] * 1000, statistics.median(times[1:]) * 1000))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="replay time of stored histories")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    header("replay of stored histories")
    print(f"{'history':<32} {'events':>7} {'first ms':>9} {'median ms':>10}")
    for name, events, first, median in asyncio.run(run(args.repeat)):
        print(f"{name:<32} {events:>7} {first:>9.1f} {median:>10.1f}")
    print("target: two_year_wia under 100 ms")


if __name__ == "__main__":
    main()
