"""Issue 18, finding 15: an employee address like ``jörg@example.nl`` used to stop every delivery of
the case (retried for ever: no mail for anyone, the case missing from the lists, HR not told).

Now a mail server without SMTPUTF8 refuses that one address for good: the others get their mail, the
outbox records the refusal, HR is told, the case is in the lists and goes on. A server that offers
SMTPUTF8 delivers to it. Real workflow and activities under time skipping, aiosmtpd, SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from contracts import Person
from integrations.outbox import OutboxStatus
from tests.support import SmtpSink, free_port
from tests.workflows.harness import CASEMANAGER, MANAGER, case_world

JORG = Person("Jörg Müller", "jörg@example.nl")


def _sink(*, smtputf8: bool) -> Iterator[SmtpSink]:
    sink = SmtpSink(host="127.0.0.1", port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def plain_sink() -> Iterator[SmtpSink]:
    yield from _sink(smtputf8=False)


@pytest.fixture
def utf8_sink() -> Iterator[SmtpSink]:
    yield from _sink(smtputf8=True)


async def test_a_server_without_smtputf8_refuses_only_that_address_and_hr_is_told(
    time_skipping_server: WorkflowEnvironment, plain_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, plain_sink, tmp_path) as world:
        await world.open(employee=JORG)
        assert world.invitations(MANAGER.email)  # the manager's check-ins went out
        assert not [rcpts for _sender, rcpts, _raw in plain_sink.messages if JORG.email in rcpts]
        outbox = await world.outbox()
        refused = [entry for entry in outbox if entry.recipient == JORG.email]
        assert refused and {entry.status for entry in refused} == {OutboxStatus.failed}
        assert all("SMTPUTF8" in (entry.last_error or "") for entry in refused)
        warnings = [entry for entry in outbox if entry.kind == "bounce_warning"]
        # one warning per refused message (the workflow's refusal path, workflows.case._after_refusal)
        assert warnings and {(entry.recipient, entry.status) for entry in warnings} == {
            (CASEMANAGER.email, OutboxStatus.sent)
        }
        assert JORG.email in world.notices(CASEMANAGER.email)[-1].subject
        row = await (await world.store()).get_case(world.case_id)
        assert row is not None and row.employee_email == JORG.email  # in the lists
        assert await world.execution_status() == WorkflowExecutionStatus.RUNNING
        attempts = {entry.key: entry.attempts for entry in refused}
        await world.settle()
        assert {entry.key: entry.attempts for entry in await world.outbox() if entry.key in attempts} == attempts


async def test_a_server_with_smtputf8_delivers_to_the_international_address(
    time_skipping_server: WorkflowEnvironment, utf8_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, utf8_sink, tmp_path) as world:
        await world.open(employee=JORG)
        assert world.invitations(JORG.email) and world.invitations(MANAGER.email)
        outbox = await world.outbox()
        assert {entry.status for entry in outbox} == {OutboxStatus.sent}
        assert not [entry for entry in outbox if entry.kind == "bounce_warning"]
