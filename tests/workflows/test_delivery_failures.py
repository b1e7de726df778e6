"""Issue 20: a delivery that fails must never retry for ever without anyone knowing.

- One recipient refused for good (a 5xx for that address): the others get their mail, the outbox
  row says ``failed`` with the server's reason, HR gets a notice that names the problem (the
  server's words, no internal ids), and the case goes on.
- A mail server away longer than the retry cap: the activity stops retrying, the messages are
  recorded as not sent, the read model is written (the case is in the lists), HR's warning is
  recorded, and the case goes on; when the server is back, the case's next mail goes out.

Real workflow and activities under time skipping, a real aiosmtpd server, SQLite."""

from __future__ import annotations

import email
import email.message
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from activities.case_activities import MAXIMUM_ATTEMPTS
from integrations.digest import HR_ALERTS
from integrations.outbox import OutboxStatus
from tests.support import SmtpSink, free_port
from tests.workflows.harness import CASEMANAGER, EMPLOYEE, MANAGER, case_world
from web.cases import start_case
from workflows.case import ACTIVITY_RETRY, ReintegrationCase


def _text(raw: bytes) -> str:
    """The plain-text body of a message as its reader sees it (the case link left in)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = message.get_body(("plain",))
    assert isinstance(part, email.message.EmailMessage)
    return str(part.get_content())


INTERNAL_ID = re.compile(r"case-[0-9a-f]{8,}|notice:|itip:|:bounce:")


@dataclass
class RefusingSink(SmtpSink):
    """The sink, refusing the addresses in ``refuse`` at RCPT TO with their reply."""

    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(  # aiosmtpd's hook
        self, server: object, session: object, envelope: object, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def refusing_sink() -> Iterator[RefusingSink]:
    sink = RefusingSink(host="127.0.0.1", port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


async def test_one_recipient_refused_for_good_the_others_get_their_mail_and_hr_is_told_why(
    time_skipping_server: WorkflowEnvironment, refusing_sink: RefusingSink, tmp_path: Path
) -> None:
    refusing_sink.refuse[MANAGER.email] = "550 5.1.1 mailbox unavailable"
    async with case_world(time_skipping_server, refusing_sink, tmp_path) as world:
        await world.open()
        assert world.invitations(EMPLOYEE.email), "the employee's check-ins went out"
        assert not world.sent() or not world.invitations(MANAGER.email)
        outbox = await world.outbox()
        refused = [entry for entry in outbox if entry.recipient == MANAGER.email]
        assert refused and {entry.status for entry in refused} == {OutboxStatus.failed}
        assert all(entry.error_code == 550 and "mailbox unavailable" in (entry.last_error or "") for entry in refused)
        # HR is told, by a notice that names the problem in the server's words and no internal id.
        warning = world.notices(CASEMANAGER.email)[-1]
        assert MANAGER.email in warning.subject
        body = _text(warning.raw)
        assert "550" in body and "mailbox unavailable" in body, body
        assert not INTERNAL_ID.search(re.sub(r"https?://\S+", "", body)), body
        row = await (await world.store()).get_case(world.case_id)
        assert row is not None  # in the lists
        assert await world.execution_status() == WorkflowExecutionStatus.RUNNING
        # The case goes on: a later decision still sends to the employee.
        before = len(world.invitations(EMPLOYEE.email))
        await world.advance(timedelta(days=8))
        assert len(world.invitations(EMPLOYEE.email)) >= before
        assert await world.execution_status() == WorkflowExecutionStatus.RUNNING


def test_every_activity_of_the_case_has_a_retry_cap() -> None:
    assert 0 < ACTIVITY_RETRY.maximum_attempts <= 50
    assert ACTIVITY_RETRY.maximum_attempts == MAXIMUM_ATTEMPTS  # the activity knows its last attempt
    assert "PermanentMailError" in (ACTIVITY_RETRY.non_retryable_error_types or [])


async def test_a_mail_server_away_longer_than_the_cap_stops_the_retries_and_hr_is_told(
    time_skipping_server: WorkflowEnvironment, tmp_path: Path
) -> None:
    sink = SmtpSink(host="127.0.0.1", port=free_port())  # nothing listens there
    async with case_world(time_skipping_server, sink, tmp_path) as world:
        intake = await world.intake()
        await start_case(world.client, task_queue=world.task_queue, intake=intake, now=await world.now())
        world.handle = world.client.get_workflow_handle_for(ReintegrationCase.run, world.case_id)
        # Far longer than the retries could last: the case must be at rest, not retrying.
        await world.env.sleep(timedelta(hours=12))
        await world.settle()
        assert await world.execution_status() == WorkflowExecutionStatus.RUNNING
        outbox = await world.outbox()
        assert outbox and sink.messages == []
        attempts = {entry.key + entry.recipient: entry.attempts for entry in outbox}
        assert max(attempts.values()) <= ACTIVITY_RETRY.maximum_attempts
        # HR's alerts wait in the summaries, which the worker's summary loop sends when the server is back.
        summaries = [entry for entry in outbox if entry.kind in HR_ALERTS]
        assert all(entry.status == OutboxStatus.pending for entry in summaries)
        case_mail = [entry for entry in outbox if entry.kind != "bounce_warning" and entry.kind not in HR_ALERTS]
        assert case_mail and {entry.status for entry in case_mail} == {OutboxStatus.failed}
        assert all("last attempt" in (entry.last_error or "") for entry in case_mail)
        # HR's warning was tried too (the server is still away) and is recorded; nothing retries any more.
        assert [entry for entry in outbox if entry.kind == "bounce_warning" and entry.recipient == CASEMANAGER.email]
        store = await world.store()
        row = await store.get_case(world.case_id)
        assert row is not None, "the read model knows the case: it is in the lists"
        actions = [entry.action for entry in await store.audit_trail(world.case_id)]
        assert "mail_not_sent" in actions and "case_opened" in actions
        await world.env.sleep(timedelta(hours=6))
        await world.settle()
        assert {entry.key + entry.recipient: entry.attempts for entry in await world.outbox()} == attempts
