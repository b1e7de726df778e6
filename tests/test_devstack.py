"""`reintegratie dev` as a newcomer runs it: start, intake with HTTP, invitation at /outbox, Ctrl-C, start again."""

from __future__ import annotations

import asyncio
import base64
import email.parser
import os
import signal
import socket
import stat
import subprocess
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from reintegratie.app.devstack import RETENTION, DevPorts, DevStackError, hold_ports, namespace_retention
from tests.support import BIN, bearer, free_port


class DevStack:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.web, self.temporal, self.ui, self.smtp = free_port(), free_port(), free_port(), free_port()
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REINTEGRATIE_")}
        self.process = subprocess.Popen(
            [
                str(BIN / "reintegratie"),
                "dev",
                "--data-dir",
                str(self.data_dir),
                "--web-port",
                str(self.web),
                "--temporal-port",
                str(self.temporal),
                "--ui-port",
                str(self.ui),
                "--smtp-port",
                str(self.smtp),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )

    async def wait_ready(self, http: httpx.AsyncClient) -> None:
        async with asyncio.timeout(90):
            while True:
                assert self.process is not None and self.process.poll() is None, self.output()
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)

    def hr_token(self) -> str:
        """A personal API token of the seeded demo HR account, made with the command line."""
        result = subprocess.run(
            [
                str(BIN / "reintegratie"),
                "users",
                "token",
                "--data-dir",
                str(self.data_dir),
                "--email",
                "hr@demo.reintegratie.localhost",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def interrupt(self) -> str:
        """Ctrl-C, as a terminal sends it; returns everything the stack printed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, output
        return output

    def output(self) -> str:
        if self.process is None or self.process.poll() is None:
            return ""
        return self.process.communicate()[0]

    def invitations(self) -> int:
        return sum(1 for path in (self.data_dir / "mail").glob("*.eml") if b"text/calendar" in path.read_bytes())

    def message_ids(self) -> list[str]:
        """The Message-ID of every caught message, one per file."""
        parser = email.parser.BytesHeaderParser()
        return [
            str(parser.parsebytes(path.read_bytes())["Message-ID"]) for path in (self.data_dir / "mail").glob("*.eml")
        ]

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


async def test_dev_stack_runs_a_case_and_finds_it_again_after_ctrl_c(tmp_path: Path) -> None:
    stack = DevStack(tmp_path / "data")
    intake = {
        "employee": {"name": "Sanne de Vries", "email": "sanne@example.nl"},
        "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
        "first_sick_day": (date.today() - timedelta(days=2)).isoformat(),
    }
    try:
        stack.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.web}", timeout=30) as http:
            await stack.wait_ready(http)
            http.headers.update(bearer(stack.hr_token()))
            created = await http.post("/api/cases", json=intake)
            assert created.status_code == 201, created.text
            case_id = created.json()["case_id"]
            async with asyncio.timeout(30):
                # Both invitations, not only the first: they are sent one after the other.
                while stack.invitations() < 2:
                    await asyncio.sleep(0.2)
            outbox = (await http.get("/outbox")).text
            assert "uitnodiging (REQUEST)" in outbox and "mark@example.nl" in outbox
            assert stack.invitations() == 2  # manager and employee; HR's reminders are plain notices
            mail_before_restart = len(list((stack.data_dir / "mail").glob("*.eml")))
            client = await Client.connect(f"127.0.0.1:{stack.temporal}")
            assert await namespace_retention(client, "default") == RETENTION
            await _payloads_are_encrypted_and_the_ui_decodes_them(stack, http, client, case_id)
        first_output = stack.interrupt()
        key = (stack.data_dir / "payload_keys").read_text().strip()
        assert key.split(":", 1)[1] not in first_output, "the payload key was printed"
        assert f"http://127.0.0.1:{stack.web}/" in first_output
        assert f"http://127.0.0.1:{stack.ui}/" in first_output
        assert f"127.0.0.1:{stack.smtp}" in first_output
        assert "Stopped." in first_output
        assert "hr@demo.reintegratie.localhost" in first_output and "users totp" in first_output

        stack.start()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.web}", timeout=30) as http:
            await stack.wait_ready(http)
            assert (await http.get(f"/api/cases/{case_id}")).status_code == 401  # not signed in
            http.headers.update(bearer(stack.hr_token()))
            shown = await http.get(f"/api/cases/{case_id}")
            assert shown.status_code == 200 and shown.json()["phase"] == "ziekgemeld"
            client = await Client.connect(f"127.0.0.1:{stack.temporal}")
            description = await client.get_workflow_handle(case_id).describe()
            assert description.status == WorkflowExecutionStatus.RUNNING
            # Nothing was sent twice by the restart (mail of the first run may still have been on
            # its way when it was counted: compare the messages, not only their number).
            await asyncio.sleep(1)
            message_ids = stack.message_ids()
            assert len(message_ids) >= mail_before_restart
            assert len(message_ids) == len(set(message_ids)), "a message went out twice"
        assert "Stopped." in stack.interrupt()
    finally:
        stack.kill()


def test_worker_and_web_refuse_to_start_without_configuration() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REINTEGRATIE_")}
    env["REINTEGRATIE_SMTP_TLS"] = "sometimes"
    for command in ("worker", "web"):
        result = subprocess.run(
            [str(BIN / "reintegratie"), command], capture_output=True, text=True, env=env, timeout=60
        )
        assert result.returncode != 0
        assert "REINTEGRATIE_TEMPORAL_ADDRESS: is required but not set" in result.stderr
        assert "REINTEGRATIE_DATABASE_URL: is required but not set" in result.stderr
        assert "REINTEGRATIE_SMTP_TLS" in result.stderr and "none" in result.stderr
        assert "Traceback" not in result.stderr
        # Only the web app signs sign-in cookies, so only it asks for the key.
        assert ("REINTEGRATIE_SECRET_KEY: is required" in result.stderr) == (command == "web")
        # Outside the dev stack nothing runs without the payload keys (cases would go to Temporal in plain text).
        assert "REINTEGRATIE_PAYLOAD_KEYS: is required but not set" in result.stderr


async def _payloads_are_encrypted_and_the_ui_decodes_them(
    stack: DevStack, http: httpx.AsyncClient, plain_client: Client, case_id: str
) -> None:
    """The codec is on by default: the dev stack made a key (mode 0600) and encrypts with it; its
    Temporal UI asks the web app's /codec, which gives HR the plain payloads."""
    key_file = stack.data_dir / "payload_keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    history = await plain_client.get_workflow_handle(case_id).fetch_history()  # without the codec
    raw = b"".join(event.SerializeToString() for event in history.events)
    assert b"Sanne de Vries" not in raw and b"sanne@example.nl" not in raw and b"mark@example.nl" not in raw
    (started,) = history.events[0].workflow_execution_started_event_attributes.input.payloads
    assert started.metadata["encoding"] == b"binary/encrypted"
    assert started.metadata["encryption-key-id"] == key_file.read_text().split(":", 1)[0].encode()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.ui}", timeout=30) as ui:
        ui_settings = (await ui.get("/api/v1/settings")).json()
    assert ui_settings["Codec"]["Endpoint"] == f"http://127.0.0.1:{stack.web}/codec"
    body = {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in started.metadata.items()},
                "data": base64.b64encode(started.data).decode(),
            }
        ]
    }
    decoded = await http.post("/codec/decode", json=body, headers={"origin": f"http://127.0.0.1:{stack.ui}"})
    assert decoded.status_code == 200, decoded.text
    assert decoded.headers["access-control-allow-origin"] == f"http://127.0.0.1:{stack.ui}"
    assert b"Sanne de Vries" in base64.b64decode(decoded.json()["payloads"][0]["data"])
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.web}", timeout=30) as anonymous:
        assert (await anonymous.post("/codec/decode", json=body)).status_code == 401


def _can_bind(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_the_web_and_smtp_ports_are_held_from_the_start_until_their_servers_take_them() -> None:
    ports = DevPorts(web=free_port(), temporal=free_port(), temporal_ui=free_port(), smtp=free_port())
    held = hold_ports(ports)
    try:
        # Nothing started in between (the Temporal server's internal services, a client connection) can take them.
        assert not _can_bind(ports.web) and not _can_bind(ports.smtp)
        assert _can_bind(ports.temporal) and _can_bind(ports.temporal_ui)  # the Temporal server binds these itself
        held.release_smtp()
        assert _can_bind(ports.smtp) and not _can_bind(ports.web)
    finally:
        held.close()
    assert _can_bind(ports.web)


def test_a_port_in_use_stops_the_stack_before_it_starts_anything_and_says_which() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", free_port()))
        taken.listen()
        busy = taken.getsockname()[1]
        ports = DevPorts(web=free_port(), temporal=busy, temporal_ui=free_port(), smtp=free_port())
        with pytest.raises(
            DevStackError, match=rf"In use already: Temporal port {busy}\. Is another `reintegratie dev` running\?"
        ):
            hold_ports(ports)
    assert _can_bind(ports.web) and _can_bind(ports.smtp)  # nothing is left held
