"""A case's work queue in the read model (issue 21), written by the workflow itself: its steps come
on the queue as they come due, overdue once their day has passed, and leave it once done."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

import states
from integrations.work_items import COMING, OVERDUE, Reader, work_queue
from tests.support import SmtpSink
from tests.workflows.harness import MANAGER, case_world


async def test_steps_come_on_the_queue_when_due_and_leave_it_when_done(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(days_ago=0)
        row = await (await world.store()).get_case(world.case_id)
        assert row is not None and row.next_step is not None and row.next_step_label_nl
        assert row.open_signals == 0

        # the probleemanalyse is due in week 6: not on this week's and next week's queue yet
        queue = await work_queue(world.sessionmaker, Reader(), await world.today())
        assert "probleemanalyse" not in [item.key for item in queue]

        await world.advance(timedelta(weeks=5))
        queue = await work_queue(world.sessionmaker, Reader(), await world.today())
        step = next(item for item in queue if item.key == "probleemanalyse")
        assert step.group == COMING and step.employee_name == "Sanne de Vries"
        assert (step.label_nl, step.actor_role, step.command) == ("Probleemanalyse", "hr", "probleemanalyse_received")
        mine = await work_queue(world.sessionmaker, Reader(MANAGER.email, ("manager",)), await world.today())
        assert "probleemanalyse" in [item.key for item in mine]
        assert await work_queue(world.sessionmaker, Reader("mia@example.nl", ("manager",)), await world.today()) == []

        await world.advance(timedelta(weeks=2))  # past its due date: overdue, first on the queue
        queue = await work_queue(world.sessionmaker, Reader(), await world.today())
        overdue = [item.key for item in queue if item.group == OVERDUE]
        assert "probleemanalyse" in overdue and queue[: len(overdue)] == [i for i in queue if i.group == OVERDUE]
        # the overdue deadline's signal is the step itself, not a second line
        assert [item.key for item in queue].count("probleemanalyse") == 1
        assert not [item for item in queue if item.key.startswith("deadline_overdue")]

        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        queue = await work_queue(world.sessionmaker, Reader(), await world.today())
        assert "probleemanalyse" not in [item.key for item in queue]
        row = await (await world.store()).get_case(world.case_id)
        assert row is not None and row.next_step != "probleemanalyse"
