"""Invitations per second to a local aiosmtpd, with and without connection reuse.

    .venv/bin/python -m bench.mail_throughput [--count 1000]

Three ways, each 1,000 iMIP invitations (one REQUEST of a weekly series to one attendee each):
a new SMTP connection per message; one connection for the batch (``async with SmtpSender``);
and the activity's real path, one connection plus the SQL outbox (SQLite, WAL) per message.
Target: at least 200 invitations per second with connection reuse.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.common import header, sink_process
from integrations import calendar as cal
from integrations.calendar import CalendarSeries, Participant
from integrations.db import create_schema, make_engine, make_sessionmaker
from integrations.invitations import plan, send_invitations
from integrations.mail import invitation_message
from integrations.outbox import invitation_key
from integrations.smtp import SmtpSender

MAIL_FROM = "verzuim@example.nl"


def _series(number: int) -> CalendarSeries:
    start = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc) + timedelta(minutes=number % 60)
    return CalendarSeries(
        uid=f"{uuid.uuid4()}@bench", sequence=0, kind="checkin", summary=f"Kort contactmoment: Werknemer {number}",
        location="Online", start=start, duration_minutes=15, interval_weeks=1, until=None,
        organizer=Participant(email=MAIL_FROM, name="Carla Visser"),
        attendees=(Participant(email=f"manager{number}@example.nl", name=f"Manager {number}"),),
    )  # fmt: skip


def _message(series: CalendarSeries, dtstamp: datetime):  # type: ignore[no-untyped-def]
    person = series.attendees[0]
    data = cal.series_request(series, dtstamp=dtstamp)
    key = invitation_key(series.uid, None, 0, "REQUEST", person.email)
    return invitation_message(series, method="REQUEST", calendar=data, recipient=person, mail_from=MAIL_FROM, message_key=key, change="new")


async def run(count: int) -> dict[str, float]:
    now = datetime.now(timezone.utc)
    series = [_series(n) for n in range(count)]
    results: dict[str, float] = {}
    with sink_process() as (host, port):
        started = time.perf_counter()
        messages = [_message(s, now) for s in series]
        results["build only (icalendar + MIME)"] = count / (time.perf_counter() - started)

        sender = SmtpSender(host, port, tls="none")
        started = time.perf_counter()
        for message in messages:
            await sender.send(message)  # outside `async with`: connect, send, QUIT each time
        results["new connection per message"] = count / (time.perf_counter() - started)

        started = time.perf_counter()
        async with sender:
            for message in messages:
                await sender.send(message)
        results["one connection (reuse)"] = count / (time.perf_counter() - started)

        started = time.perf_counter()
        async with sender:
            for s in series:
                await sender.send(_message(s, now))
        results["build + send, one connection"] = count / (time.perf_counter() - started)

        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite+aiosqlite:///{Path(folder) / 'store.db'}")
            await create_schema(engine)
            sessionmaker = make_sessionmaker(engine)
            started = time.perf_counter()
            async with sender:
                for s in series:
                    await send_invitations(sessionmaker, sender, s, plan(s, change="new", dtstamp=now), mail_from=MAIL_FROM)
            results["activity path: build + outbox (SQLite) + send, one connection"] = count / (time.perf_counter() - started)
            await engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="invitations per second to a local aiosmtpd")
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    header(f"mail: {args.count} invitations to aiosmtpd (Sink handler, own process, loopback)")
    for name, rate in asyncio.run(run(args.count)).items():
        print(f"{name:<62} {rate:8.0f} msg/s")
    print("target: >= 200 msg/s with connection reuse")


if __name__ == "__main__":
    main()
