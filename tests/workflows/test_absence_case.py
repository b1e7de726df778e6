"""The real workflow and activities (time skipping, aiosmtpd, SQLite) keep what the absence statistics
need in the read model: the sick period, the partial absence from the agreed hours, the contract hours
and the recovery; and send it only when it changed."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

import states
from contracts.absence import AbsenceSpan, SickReport
from integrations.absence_records import records_between
from tests.support import SmtpSink
from tests.workflows.harness import case_world
from tests.workflows.test_dossier_case import _deliveries


async def test_a_case_writes_its_sick_period_partial_absence_and_recovery(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(days_ago=3, org_unit="Logistiek", contract_hours_per_week=24.0)
        first = (await world.today()) - timedelta(days=3)
        [row] = await records_between(world.sessionmaker, date.min, date.max)
        assert (row.case_id, row.org_unit, row.record.contract_hours_per_week) == (world.case_id, "Logistiek", 24.0)
        assert row.record.reports == (SickReport(start=first, end=None, recovered=False),)
        assert row.record.spans == (AbsenceSpan(start=first, end=None, fraction=1.0),)

        await world.advance(timedelta(days=10))
        back = await world.today()
        # Back for 6 of the 24 hours: absent for 0.75 from that day.
        await world.command("recovered", states.Recovered, full=False, hours_per_week=6.0, on=back)
        [row] = await records_between(world.sessionmaker, date.min, date.max)
        assert row.record.spans == (
            AbsenceSpan(start=first, end=back - timedelta(days=1), fraction=1.0),
            AbsenceSpan(start=back, end=None, fraction=0.75),
        )

        await world.advance(timedelta(days=7))
        well = await world.today()
        await world.command("recovered", states.Recovered, full=True, on=well)
        [row] = await records_between(world.sessionmaker, date.min, date.max)
        assert row.record.reports == (SickReport(start=first, end=well - timedelta(days=1), recovered=True),)
        assert row.record.spans[-1] == AbsenceSpan(start=back, end=well - timedelta(days=1), fraction=0.75)
        assert [p.phase for p in row.record.phases][-1] == "hersteld"

        deliveries = await _deliveries(world)
        sent = [d.progress.absence for d in deliveries if d.progress is not None]
        assert sent[0] is not None  # the first write carries it
        assert None in sent  # a decision that changed nothing of it sends nothing of it
