"""What the benchmarks share: a sink in its own process, percentiles, the machine, printing."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from datetime import timedelta
from typing import Iterator, Sequence

from temporalio import workflow

from tests.support import free_port


def machine() -> str:
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GB, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_kb(pid: int) -> int:
    """Resident memory of a process (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


@contextmanager
def sink_process() -> Iterator[tuple[str, int]]:
    """aiosmtpd's Sink handler (accepts and drops every message) in its own process, on loopback."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import socket

        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the aiosmtpd sink did not start") from None
                time.sleep(0.05)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(10)


def header(title: str) -> None:
    print(f"# {title}\n# {time.strftime('%Y-%m-%d %H:%M')} on {machine()}", flush=True)


@workflow.defn
class Sleeper:
    """The floor: one workflow task per timer and nothing else."""

    @workflow.run
    async def run(self, tasks: int) -> None:
        for _ in range(tasks - 1):
            await workflow.sleep(timedelta(days=1))
