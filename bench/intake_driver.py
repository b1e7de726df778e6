"""The intake benchmark's load: one run of POSTs from a process of its own.

    .venv/bin/python -m bench.intake_driver URL TOKEN KIND MODE N RATE SECONDS TAG

Started by bench.intake_throughput, as the load would come from people's browsers: in the process of
the web app under test the load generator took most of that process's CPU (py-spy: httpx's
connection pool), and the app's requests waited behind it. Prints the run's figures as JSON. Times
are time.monotonic(), the same clock in every process on this machine. Imports nothing of the
product, so the process starts light.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx


@dataclass
class Run:
    started: dict[str, float] = field(default_factory=dict)  # recipient -> POST sent
    errors: int = 0
    answered_in: float = 0.0


def _request(kind: str, number: int, tag: str) -> tuple[str, str, dict[str, object]]:
    recipient = f"manager-{tag}-{number}@example.nl"
    if kind == "product":
        body: dict[str, object] = {
            "employee": {"name": f"Werknemer {number}", "email": f"employee-{tag}-{number}@example.nl"},
            "manager": {"name": f"Manager {number}", "email": recipient},
            "first_sick_day": (date.today() - timedelta(days=1)).isoformat(),
        }
        return recipient, "/api/cases", body
    return recipient, "/floor", {"recipient": recipient}


class _Clients:
    """At most ``size`` requests in flight, each on a client with one kept connection of its own
    (one shared pool of many connections costs the driver more CPU than the app it measures)."""

    def __init__(self, base_url: str, token: str | None, size: int) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        self._all = [
            httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120, limits=httpx.Limits(max_connections=1))
            for _ in range(size)
        ]
        for client in self._all:
            self._free.put_nowait(client)

    async def post(self, kind: str, number: int, run: Run, tag: str) -> None:
        recipient, path, body = _request(kind, number, tag)
        client = await self._free.get()
        run.started[recipient] = time.monotonic()
        try:
            response = await client.post(path, json=body)
            if response.status_code != 201:
                run.errors += 1
                del run.started[recipient]
        except httpx.HTTPError:
            run.errors += 1
            del run.started[recipient]
        finally:
            self._free.put_nowait(client)

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self._all))


async def burst(clients: _Clients, kind: str, count: int, tag: str) -> Run:
    run = Run()
    started = time.monotonic()
    await asyncio.gather(*(clients.post(kind, n, run, tag) for n in range(count)))
    run.answered_in = time.monotonic() - started
    return run


async def paced(clients: _Clients, kind: str, rate: float, seconds: float, tag: str) -> Run:
    run, tasks = Run(), []
    started = time.monotonic()
    for number in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + number / rate - time.monotonic()))
        tasks.append(asyncio.create_task(clients.post(kind, number, run, tag)))
    await asyncio.gather(*tasks)
    run.answered_in = time.monotonic() - started
    return run


async def drive(
    base_url: str, token: str | None, kind: str, mode: str, count: int, rate: float, seconds: float, tag: str
) -> None:
    """One run, then its figures as JSON on stdout."""
    clients = _Clients(base_url, token, size=50)
    try:
        run = await (burst(clients, kind, count, tag) if mode == "burst" else paced(clients, kind, rate, seconds, tag))
    finally:
        await clients.aclose()
    print(json.dumps({"started": run.started, "errors": run.errors, "answered_in": run.answered_in}))


def main() -> None:
    url, token, kind, mode, count, rate, seconds, tag = sys.argv[1:9]
    asyncio.run(drive(url, None if token == "-" else token, kind, mode, int(count), float(rate), float(seconds), tag))


if __name__ == "__main__":
    main()
