"""What the benchmarks share: a sink in its own process, percentiles, the machine, printing."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from temporalio import workflow

from tests.support import free_port


def machine() -> str:
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return f"{os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GB, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def python_loop_ms(repeat: int = 5) -> float:
    """Best of ``repeat`` runs of a fixed pure-Python loop: how fast this machine runs our kind of code now."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number % 7
        best = min(best, time.perf_counter() - started)
    return best * 1000


def process_round_trip_us(trips: int = 2000) -> float:
    """Median time for a byte to go to another process and back through pipes: the wake-ups that
    every SMTP command, SQLite hop and Temporal call pays (14–72 µs seen on these VMs)."""
    to_child, from_parent = os.pipe()
    to_parent, from_child = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only echoes
        try:
            for _ in range(trips):
                os.read(to_child, 1)
                os.write(from_child, b"x")
        finally:
            os._exit(0)
    times = []
    try:
        for _ in range(trips):
            started = time.perf_counter()
            os.write(from_parent, b"x")
            os.read(to_parent, 1)
            times.append(time.perf_counter() - started)
    finally:
        os.waitpid(child, 0)
        for fd in (to_child, from_parent, to_parent, from_child):
            os.close(fd)
    return percentile(times, 50) * 1_000_000


def speed() -> str:
    """The machine's speed at the moment of the run. The machines are shared VMs: the same code's
    figures moved by a factor of up to five between sessions (bench/RESULTS.md), so each run says
    how fast the machine was while it ran."""
    return f"Python loop {python_loop_ms():.0f} ms (best of 5), process round trip {process_round_trip_us():.0f} µs (median)"


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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def sink_process() -> Iterator[tuple[str, int]]:
    """aiosmtpd's Sink handler (accepts and drops every message) in its own process, on loopback."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
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
    print(f"# {title}\n# {time.strftime('%Y-%m-%d %H:%M')} on {machine()}\n# speed: {speed()}", flush=True)


@workflow.defn
class Sleeper:
    """The floor: one workflow task per timer and nothing else."""

    @workflow.run
    async def run(self, tasks: int) -> None:
        for _ in range(tasks - 1):
            await workflow.sleep(timedelta(days=1))
