"""A stopped worker (SIGSTOP): commands answer within their bound and count once; reads come from the
read model and say how fresh they are.

The worker runs as its own process (`reintegratie worker`), the web app in-process on the same SQLite
store and task queue, against the dev server. The command bound is set low
(``REINTEGRATIE_COMMAND_TIMEOUT_SECONDS``), so a command to a stopped worker gets its 503 quickly.
Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.faults.support import wait_settled
from tests.payload_keys import TEST_PAYLOAD_KEYS, with_codec
from tests.support import BIN, SmtpSink
from tests.web.conftest import WebApp, eventually, open_live_case, web_settings
from web.app import create_app

BOUND_SECONDS = 6.0  # the command bound in these tests (15 s in production)
NO_HANG = 60  # a command that does not answer within this fails the test (before the fix: 733 s)


@dataclass
class Stack:
    web: WebApp
    worker: subprocess.Popen[bytes]
    client: Any

    def stop_worker(self) -> None:
        os.kill(self.worker.pid, signal.SIGSTOP)

    def resume_worker(self) -> None:
        os.kill(self.worker.pid, signal.SIGCONT)


@pytest.fixture
async def stack(dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path) -> AsyncIterator[Stack]:
    settings = web_settings(dev_server, tmp_path).model_copy(
        update={
            "smtp_host": smtp_sink.host,
            "smtp_port": smtp_sink.port,
            "command_timeout_seconds": BOUND_SECONDS,
        }
    )
    # The worker encrypts payloads (without keys it refuses to start); the web's client has its keys.
    client = with_codec(dev_server.client)
    app = create_app(settings, client=client)
    env = {key: value for key, value in os.environ.items() if not key.startswith("REINTEGRATIE_")}
    env.update(
        REINTEGRATIE_TEMPORAL_ADDRESS=settings.temporal_address,
        REINTEGRATIE_TEMPORAL_NAMESPACE=dev_server.client.namespace,
        REINTEGRATIE_TASK_QUEUE=settings.task_queue,
        REINTEGRATIE_DATABASE_URL=settings.database_url,
        REINTEGRATIE_SMTP_HOST=smtp_sink.host,
        REINTEGRATIE_SMTP_PORT=str(smtp_sink.port),
        REINTEGRATIE_SMTP_TLS="none",
        REINTEGRATIE_MAIL_FROM="verzuim@example.nl",
        REINTEGRATIE_LOG_LEVEL="WARNING",
        REINTEGRATIE_PAYLOAD_KEYS=TEST_PAYLOAD_KEYS,
    )
    async with app.router.lifespan_context(app):  # the store's schema first, then the worker on it
        with open(tmp_path / "worker.log", "ab") as log:
            worker = subprocess.Popen(
                [str(BIN / "reintegratie"), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        web = WebApp(app, settings, app.state.accounts, app.state.store)
        try:
            yield Stack(web=web, worker=worker, client=client)
        finally:
            if worker.poll() is None:
                os.kill(worker.pid, signal.SIGCONT)
                worker.terminate()
                try:
                    worker.wait(15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(10)
            for http in web.clients:
                await http.aclose()


async def _post(http: httpx.AsyncClient, url: str, key: str | None, body: dict[str, Any]) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    async with asyncio.timeout(NO_HANG):
        return await http.post(url, json=body, headers=headers)


async def _talks(hr: httpx.AsyncClient, case_id: str) -> int:
    """The talks in the case's own timeline (read again until the case answers itself, not the read model)."""
    answer = await eventually(
        lambda: hr.get(f"/api/cases/{case_id}/timeline"),
        lambda answer: answer.status_code == 200 and answer.json()["live"],
    )
    return sum(1 for entry in answer.json()["entries"] if entry["action"] == "progress_talk_held")


async def test_a_command_to_a_stopped_worker_answers_503_and_is_never_applied_late(stack: Stack) -> None:
    web = stack.web
    manager_email = f"mark-{uuid.uuid4().hex[:6]}@example.nl"
    hr = await web.token_client(await web.user("hr"))
    manager = await web.token_client(await web.user("manager", manager_email))
    hr_page = await web.signed_in(await web.user("hr"))
    case_id = await open_live_case(hr, manager_email)
    await wait_settled(stack.client, [case_id], timeout=60)
    url = f"/api/cases/{case_id}/commands/progress_talk_held"
    talk = {"went": "good", "summary": "Goed gesprek over de taken."}

    stack.stop_worker()
    try:
        # The command answers within its bound: 503, nothing recorded, try again (nl and en).
        busy = await _post(manager, url, "first-try", talk)
        assert busy.status_code == 503, busy.text
        assert busy.json()["code"] == "busy"
        assert "niets vastgelegd" in busy.json()["nl"] and "Nothing was recorded" in busy.json()["en"]
        assert busy.headers["retry-after"]

        # A read answers from the read model, and says from when.
        read = await hr.get(f"/api/cases/{case_id}")
        assert read.status_code == 200, read.text
        body = read.json()
        assert body["live"] is False and body["phase"] == "ziekgemeld" and body["employee_name"]
        assert body["as_of"] is not None
        as_of = datetime.fromisoformat(body["as_of"])
        assert as_of <= datetime.now(UTC)
        timeline = await hr.get(f"/api/cases/{case_id}/timeline")
        assert timeline.json()["live"] is False and timeline.json()["as_of"] == body["as_of"]
        page = await hr_page.get(f"/cases/{case_id}")
        assert page.status_code == 200 and 'id="stale"' in page.text and "Bijgewerkt om" in page.text
    finally:
        stack.resume_worker()

    # Back: the same command again, with a key of its own, until the case answers (a 503 meanwhile
    # is safe to repeat with the same key); then once more with that key.
    second = await eventually(
        lambda: _post(manager, url, "second-try", talk), lambda answer: answer.status_code != 503, timeout=NO_HANG
    )
    assert second.status_code == 200, second.text
    again = await _post(manager, url, "second-try", talk)
    assert again.status_code == 200 and again.json() == second.json()
    await wait_settled(stack.client, [case_id], timeout=60)

    # One talk: the one that timed out was refused when the worker came back, the repeat changed nothing.
    assert await _talks(hr, case_id) == 1
    read = await eventually(lambda: hr.get(f"/api/cases/{case_id}"), lambda answer: answer.json()["live"])
    assert read.json()["as_of"] is not None


async def test_a_retry_after_the_worker_is_back_is_applied_once(stack: Stack) -> None:
    """The same Idempotency-Key, first while the worker is stopped (503), then after it is back:
    the command is applied exactly once."""
    web = stack.web
    manager_email = f"mark-{uuid.uuid4().hex[:6]}@example.nl"
    hr = await web.token_client(await web.user("hr"))
    manager = await web.token_client(await web.user("manager", manager_email))
    case_id = await open_live_case(hr, manager_email)
    await wait_settled(stack.client, [case_id], timeout=60)
    url = f"/api/cases/{case_id}/commands/progress_talk_held"
    talk = {"went": "good", "summary": "Goed gesprek."}

    stack.stop_worker()
    try:
        busy = await _post(manager, url, "the-one-talk", talk)
        assert busy.status_code == 503, busy.text
    finally:
        stack.resume_worker()
    retried = await eventually(
        lambda: _post(manager, url, "the-one-talk", talk), lambda answer: answer.status_code != 503, timeout=NO_HANG
    )
    assert retried.status_code == 200, retried.text
    await wait_settled(stack.client, [case_id], timeout=60)
    assert await _talks(hr, case_id) == 1
