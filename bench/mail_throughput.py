"""Invitations per second to a local aiosmtpd, from building alone to the activity's whole path.

    .venv/bin/python -m bench.mail_throughput [--count 1000] [--callers 20 50]

Each figure is ``--count`` iMIP invitations (one REQUEST of a weekly series to one attendee each):
building only; sending prebuilt messages over a new connection each, and over kept connections;
building and sending; and the activity's real path (``plan`` + ``send_invitations``: build, the
SQL outbox on SQLite with WAL, send) with one caller and with many concurrent callers, as a worker
with many activities in flight runs it. The sender is one :class:`SmtpSender` with its defaults, as
the worker makes it. Next to each rate: the CPU time of this process per message (the sink runs in
its own process).
Target: at least 200 invitations per second on the activity path, also with concurrent callers.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from bench.common import header, sink_process
from integrations import calendar as cal
from integrations.calendar import CalendarSeries, Participant
from integrations.db import make_engine, make_sessionmaker
from integrations.invitations import plan, send_invitations
from integrations.mail import invitation_message
from integrations.outbox import invitation_key
from integrations.smtp import SmtpSender
from tests.support import create_tables

MAIL_FROM = "verzuim@example.nl"
TARGET = 200.0


def _series(number: int) -> CalendarSeries:
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC) + timedelta(minutes=number % 60)
    return CalendarSeries(
        uid=f"{uuid.uuid4()}@bench",
        sequence=0,
        kind="checkin",
        summary=f"Kort contactmoment: Werknemer {number}",
        location="Online",
        start=start,
        duration_minutes=15,
        interval_weeks=1,
        until=None,
        organizer=Participant(email=MAIL_FROM, name="Carla Visser"),
        attendees=(Participant(email=f"manager{number}@example.nl", name=f"Manager {number}"),),
    )


def _message(series: CalendarSeries, dtstamp: datetime) -> EmailMessage:
    person = series.attendees[0]
    data = cal.series_request(series, dtstamp=dtstamp)
    key = invitation_key(series.uid, None, 0, "REQUEST", person.email)
    return invitation_message(
        series, method="REQUEST", calendar=data, recipient=person, mail_from=MAIL_FROM, message_key=key, change="new"
    )


class Timer:
    """Wall clock and this process's CPU time of one measured run."""

    def __init__(self, count: int) -> None:
        self.count = count

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.rate = self.count / (time.perf_counter() - self.wall)
        self.cpu_ms = (time.process_time() - self.cpu) * 1000 / self.count


async def _callers(calls: Iterable[Callable[[], Awaitable[object]]], callers: int) -> None:
    """Run the calls with ``callers`` of them in flight at any time (activities in one worker)."""
    pending = iter(calls)

    async def caller() -> None:
        for call in pending:
            await call()

    await asyncio.gather(*(caller() for _ in range(callers)))


async def _activity_path(host: str, port: int, series: list[CalendarSeries], dtstamp: datetime, callers: int) -> Timer:
    """``plan`` + ``send_invitations`` for every series on a fresh SQLite store and a fresh sender."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'store.db'}")
        await create_tables(engine)
        sessionmaker = make_sessionmaker(engine)
        sender = SmtpSender(host, port, tls="none")
        calls = [
            lambda s=s: send_invitations(
                sessionmaker, sender, s, plan(s, change="new", dtstamp=dtstamp), mail_from=MAIL_FROM
            )
            for s in series
        ]
        with Timer(len(series)) as timer:
            await _callers(calls, callers)
        await sender.aclose()
        await engine.dispose()
    return timer


async def run(count: int, concurrency: list[int]) -> dict[str, Timer]:
    now = datetime.now(UTC)
    series = [_series(n) for n in range(count)]
    results: dict[str, Timer] = {}
    with sink_process() as (host, port):
        with Timer(count) as results["build only (icalendar + MIME)"]:
            messages = [_message(s, now) for s in series]

        fresh = SmtpSender(host, port, tls="none", idle_timeout=0)
        with Timer(count) as results["send only, new connection per message"]:
            for message in messages:
                await fresh.send(message)

        sender = SmtpSender(host, port, tls="none")
        with Timer(count) as results["send only, kept connection"]:
            for message in messages:
                await sender.send(message)

        with Timer(count) as results["build + send, kept connection"]:
            for s in series:
                await sender.send(_message(s, now))
        await sender.aclose()

        for callers in [1, *concurrency]:
            name = f"activity path (build + outbox on SQLite + send), {callers} caller{'s' if callers > 1 else ''}"
            results[name] = await _activity_path(host, port, [_series(n) for n in range(count)], now, callers)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="invitations per second to a local aiosmtpd")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument(
        "--callers", type=int, nargs="*", default=[20, 50], help="concurrent callers of the activity path"
    )
    args = parser.parse_args()
    header(f"mail: {args.count} invitations to aiosmtpd (Sink handler, own process, loopback)")
    for name, timer in asyncio.run(run(args.count, args.callers)).items():
        print(f"{name:<72} {timer.rate:6.0f} msg/s  {timer.cpu_ms:5.2f} ms CPU/msg")
    print(f"target: >= {TARGET:.0f} msg/s on the activity path, with one caller and with concurrent callers")


if __name__ == "__main__":
    main()
