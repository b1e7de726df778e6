"""Real peers for the integration tests: an aiosmtpd server, SQLite and PostgreSQL, Radicale."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller

from integrations.calendar import CalendarSeries, Participant
from tests.support import POSTGRES_ADMIN_URL, free_port, missing_peer

AMS = ZoneInfo("Europe/Amsterdam")
DTSTAMP = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)
PG_ADMIN_URL = POSTGRES_ADMIN_URL


# --------------------------------------------------------------------------------------------------
# Every calendar object built during these tests also passes the full, parsing iTIP check


@pytest.fixture(autouse=True, scope="session")
def full_itip_self_check() -> Iterator[None]:
    """The builders always run the cheap line check; here they also run :func:`check_itip` on
    everything they make, so the guarantee stays proven for every object a test builds."""
    from integrations import calendar

    calendar.set_full_self_check(True)
    yield
    calendar.set_full_self_check(False)


def icalendar_reference(series: CalendarSeries, *, dtstamp: datetime, method: str = "REQUEST") -> bytes:
    """What :func:`calendar.series_request` / :func:`calendar.series_cancel` wrote before their
    shortcuts (VTIMEZONE spliced in as bytes, folding only long lines): icalendar alone."""
    from integrations import calendar as cal
    from integrations.vtimezone import amsterdam_vtimezone

    calendar = cal._calendar(method)
    calendar.add_component(amsterdam_vtimezone())
    if method == "CANCEL":
        calendar.add_component(cal._master(series, dtstamp=dtstamp, status="CANCELLED"))
        return calendar.to_ical()
    calendar.add_component(cal._master(series, dtstamp=dtstamp))
    for move in cal.live_overrides(series):
        calendar.add_component(cal._override(series, move, dtstamp=dtstamp))
    return calendar.to_ical()


# --------------------------------------------------------------------------------------------------
# Calendar data


@pytest.fixture
def organizer() -> Participant:
    return Participant("verzuim@example.nl", "Carla de Casemanager", role="CHAIR")


@pytest.fixture
def manager() -> Participant:
    return Participant("mia.manager@example.com", "Mia Manager")


@pytest.fixture
def employee() -> Participant:
    return Participant("jan.werknemer@example.com", "Jan Werknemer", language="en")


@pytest.fixture
def progress_series(organizer: Participant, manager: Participant, employee: Participant) -> CalendarSeries:
    """Every two weeks on Monday 10:00 Amsterdam, from winter time into summer time and back."""
    return CalendarSeries(
        uid="6f1c2b9e-0d7a-4c1e-9b7e-2f3a4b5c6d7e",
        sequence=0,
        kind="progress_talk",
        summary="Voortgangsgesprek",
        location="Kantoor Utrecht, kamer 2.14",
        start=datetime(2026, 3, 16, 10, 0, tzinfo=AMS),  # DST starts 29 March 2026
        duration_minutes=45,
        interval_weeks=2,
        until=datetime(2026, 11, 9, 10, 0, tzinfo=AMS),  # DST ends 25 October 2026
        organizer=organizer,
        attendees=(manager, employee),
    )


@pytest.fixture
def checkin_series(organizer: Participant, manager: Participant, employee: Participant) -> CalendarSeries:
    return CalendarSeries(
        uid="0b2d7c55-8a51-4f0e-a0a1-3c0a9e1d2f44",
        sequence=0,
        kind="checkin",
        summary="Check-in",
        location="https://meet.example.nl/r/checkin-42",
        start=datetime(2026, 10, 5, 10, 0, tzinfo=AMS),
        duration_minutes=15,
        interval_weeks=1,
        until=datetime(2026, 11, 2, 10, 0, tzinfo=AMS),
        organizer=organizer,
        attendees=(manager, employee),
    )


# --------------------------------------------------------------------------------------------------
# SMTP: a real aiosmtpd server that records what it received


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes  # exactly the bytes after DATA, CRLF line ends, dot-unstuffed
    peer: Any


@dataclass
class RecordingHandler:
    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> reply, e.g. "550 5.1.1 no such user"
    data_reply: str | None = None  # e.g. "451 4.3.0 try again later" instead of 250
    drop_after_data: bool = False  # record the message, then close the connection without a reply
    hang_after_data: bool = False  # record the message, then never answer
    release: threading.Event = field(default_factory=threading.Event)
    quits: int = 0  # QUIT commands seen (a client closing its connection politely)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        self.quits += 1
        return "221 Bye"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content), session.peer)
        )
        if self.drop_after_data:
            server.transport.close()
            return "250 OK"  # never reaches the client
        if self.hang_after_data:
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        if self.data_reply is not None:
            self.messages.pop()
            return self.data_reply
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd Controller on 127.0.0.1 that can be stopped and started on the same port."""

    def __init__(self, port: int, **kwargs: Any) -> None:
        self.port = port
        self.handler = RecordingHandler()
        self.kwargs = kwargs
        self.controller: Controller | None = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.kwargs)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.handler.release.set()
            self.controller.stop()
            self.controller = None
            self.handler.release = threading.Event()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """A server that is not running yet: ``start()`` it when the test wants it up."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        missing_peer("the openssl command is needed to make a certificate for the TLS tests")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def server_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    return context


@pytest.fixture
def client_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(tls_files[0]))
    return context


# --------------------------------------------------------------------------------------------------
# SQL: a temporary SQLite file and a fresh PostgreSQL database per session


def _postgres_missing(reason: str) -> None:
    missing_peer(
        f"PostgreSQL at {PG_ADMIN_URL} is unreachable ({reason}); start it with "
        "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
    )


def _in_thread(coroutine_function, *args):
    """Run a coroutine on its own loop in a helper thread (keeps the tests' loop untouched)."""
    result: list = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine_function(*args)))
        except BaseException as exc:
            result.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


async def _admin(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def outbox_postgres_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL for this test session (dropped afterwards).

    Missing PostgreSQL: skipped locally, a failure in CI (CI=true)."""
    import asyncpg

    name = f"integrations_{uuid.uuid4().hex[:12]}"
    try:
        _in_thread(_admin, f'CREATE DATABASE "{name}"')
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:  # no peer
        _postgres_missing(f"{type(exc).__name__}: {exc}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    yield f"{base}/{name}"
    _in_thread(_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _tables(url: str):
    from integrations import feeds, outbox  # noqa: F401  (registers the tables)
    from integrations.db import make_engine, make_sessionmaker
    from integrations.schema import Base

    engine = make_engine(url)
    tables = [
        Base.metadata.tables[name]
        for name in ("outbox", "calendar_feed_tokens", "calendar_series", "calendar_series_people")
        if name in Base.metadata.tables
    ]
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: Base.metadata.drop_all(sync, tables=tables))
        await connection.run_sync(lambda sync: Base.metadata.create_all(sync, tables=tables))
    return engine, make_sessionmaker(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
async def sessionmaker(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("outbox_postgres_url")
    engine, maker = await _tables(url)
    yield maker
    await engine.dispose()


# --------------------------------------------------------------------------------------------------
# Radicale: a real CalDAV server in a subprocess


@dataclass
class RadicaleServer:
    url: str
    process: subprocess.Popen


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    import importlib.util

    if importlib.util.find_spec("radicale") is None:
        missing_peer("Radicale is not installed: pip install -e '.[test]'")
    folder = tmp_path_factory.mktemp("radicale")
    port = free_port()
    log = open(folder / "radicale.log", "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--config",
            "",
            f"--storage-filesystem-folder={folder / 'collections'}",
            "--auth-type=none",
            f"--server-hosts=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError("radicale exited: " + (folder / "radicale.log").read_text(errors="replace"))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("radicale did not start") from None
                time.sleep(0.05)
        yield RadicaleServer(f"http://127.0.0.1:{port}/", process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
