"""`reintegratie dev` under faults: a worker killed outright comes back, and a stop always ends."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
from datetime import date, timedelta
from pathlib import Path

import httpx

from tests.support import bearer
from tests.test_devstack import DevStack


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (the stack starts Temporal and the worker in their own sessions)."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running, not gone and not a zombie waiting to be reaped."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def worker_pid(data_dir: Path) -> int | None:
    path = data_dir / "worker.pid"
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


async def wait_until_running(stack: DevStack) -> None:
    """Until the stack has printed its banner: the worker is up and polling, start-up is over."""
    assert stack.process is not None and stack.process.stdout is not None
    stdout = stack.process.stdout

    def read() -> None:
        for line in stdout:
            if "reintegratie is running" in line:
                return
        raise AssertionError("the dev stack ended before it was running")

    async with asyncio.timeout(120):
        await asyncio.to_thread(read)


async def test_a_worker_killed_outright_is_started_again_and_cases_still_run(tmp_path: Path) -> None:
    stack = DevStack(tmp_path / "data")
    try:
        stack.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.web}", timeout=30) as http:
            await stack.wait_ready(http)
            await wait_until_running(stack)
            first = worker_pid(stack.data_dir)
            assert first is not None and alive(first), "the dev stack should write its worker's pid to worker.pid"
            os.kill(first, signal.SIGKILL)
            async with asyncio.timeout(60):
                while (second := worker_pid(stack.data_dir)) in (None, first) or not alive(second):
                    assert stack.process is not None and stack.process.poll() is None, stack.output()
                    await asyncio.sleep(0.2)
            log = (stack.data_dir / "worker.log").read_text(errors="replace")
            assert "The worker stopped (exit -9); starting it again in" in log

            http.headers.update(bearer(stack.hr_token()))
            intake = {
                "employee": {"name": "Sanne de Vries", "email": "sanne@example.nl"},
                "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
                "first_sick_day": (date.today() - timedelta(days=2)).isoformat(),
            }
            created = await http.post("/api/cases", json=intake)
            assert created.status_code == 201, created.text
            async with asyncio.timeout(60):
                while stack.invitations() < 2:  # sent by the new worker
                    await asyncio.sleep(0.2)
        output = stack.interrupt()
        assert "starting it again in" in output
        assert not alive(second)
    finally:
        stack.kill()


async def test_sigterm_ends_the_whole_stack_while_a_request_is_held_open(tmp_path: Path) -> None:
    stack = DevStack(tmp_path / "data")
    try:
        stack.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.web}", timeout=30) as http:
            await stack.wait_ready(http)
            await wait_until_running(stack)
        assert stack.process is not None
        children = children_of(stack.process.pid)
        assert len(children) >= 2, children  # Temporal and the worker
        # A slow client: it announces a body and sends only its first byte.
        slow = socket.create_connection(("127.0.0.1", stack.web))
        try:
            slow.sendall(
                b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ne"
            )
            await asyncio.sleep(1)  # let the server take the request up
            stack.process.send_signal(signal.SIGTERM)
            try:
                stack.process.wait(timeout=90)  # generous: the point is that it ends at all
            except subprocess.TimeoutExpired:
                raise AssertionError("the dev stack did not stop on SIGTERM while a request was open") from None
        finally:
            slow.close()
        async with asyncio.timeout(30):
            while [pid for pid in children if alive(pid)]:
                await asyncio.sleep(0.2)
    finally:
        stack.kill()
