"""The update ids that carry a command's key and expiry (workflows.idempotency), and the bounded memory of answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

import states
from tests.support import SmtpSink
from tests.workflows.harness import HR_ACTOR, case_world
from workflows.case import ReintegrationCase
from workflows.commands import CommandResult
from workflows.idempotency import REMEMBERED, command_key, remember, ticket_of, update_id


def test_an_update_id_carries_the_key_and_the_moment() -> None:
    moment = datetime(2026, 12, 3, 13, 0, 5, 250_000, tzinfo=UTC)
    key = command_key("case-1", "Mark@example.nl", "progress_talk_held", "k")
    ticket = ticket_of(update_id(key, moment))
    assert ticket is not None and ticket.key == key and ticket.not_after == moment
    assert "mark" not in update_id(key, moment), "no person's address in an id the Temporal UI shows"


def test_other_ids_carry_nothing() -> None:
    for other in (
        None,
        "",
        "5f0c1c5e-7d1b-4c39-9d0e-1e2f3a4b5c6d",
        "cmd1.key",
        "cmd1..123",
        "cmd1.key.soon",
        "x.key.1",
    ):
        assert ticket_of(other) is None, other


def test_keys_of_different_people_commands_and_cases_differ() -> None:
    base = command_key("case-1", "a@example.nl", "progress_talk_held", "k")
    assert base == command_key("case-1", "A@example.nl", "progress_talk_held", "k")
    assert base != command_key("case-1", "b@example.nl", "progress_talk_held", "k")
    assert base != command_key("case-1", "a@example.nl", "hours_reported", "k")
    assert base != command_key("case-2", "a@example.nl", "progress_talk_held", "k")


def test_a_case_remembers_its_last_answers_only() -> None:
    answered: dict[str, CommandResult] = {}
    for number in range(REMEMBERED + 5):
        remember(answered, f"key-{number}", CommandResult(phase=f"phase-{number}"))
    assert len(answered) == REMEMBERED
    assert "key-0" not in answered and answered[f"key-{REMEMBERED + 4}"].phase == f"phase-{REMEMBERED + 4}"
    assert ticket_of(update_id("k", datetime.now(UTC) + timedelta(seconds=5))) is not None


async def test_a_repeat_after_continue_as_new_gets_the_first_answer(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """The answers live in the case's memory, which continue-as-new carries: a repeat of a keyed command
    in a later run (which Temporal's own dedupe of update ids, per run, would not see) changes nothing."""
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        handle = await world.open(history_limit=60)
        first_run = (await world.describe()).workflow_execution_info.execution.run_id
        key = command_key(world.case_id, HR_ACTOR, "progress_talk_held", "talk-1")

        async def talk() -> CommandResult:
            event = states.ProgressTalkHeld(actor=HR_ACTOR, at=await world.now(), went=states.TalkMood.good)
            moment = datetime.now(UTC) + timedelta(minutes=5)  # the validator reads the wall clock
            result: CommandResult = await handle.execute_update(
                "progress_talk_held", event, id=update_id(key, moment), result_type=CommandResult
            )
            await world.settle()
            return result

        first = await talk()
        while (await world.describe()).workflow_execution_info.execution.run_id == first_run:
            await world.command("employee_feedback", states.EmployeeFeedback)
        assert await talk() == first
        timeline = await handle.query(ReintegrationCase.timeline)
        assert sum(1 for entry in timeline if entry.action == "progress_talk_held") == 1
