"""The case workflow under time skipping, with its real activities against aiosmtpd and SQLite."""

from __future__ import annotations

import email
import email.policy
import uuid
from datetime import date, timedelta
from pathlib import Path

import icalendar
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.case_activities import CaseActivities
from integrations.db import create_schema, make_engine, make_sessionmaker
from integrations.smtp import SmtpSender
from integrations.store import CaseStore
from reintegratie.settings import Settings
from tests.support import SmtpSink
from web.cases import start_case
from workflows.case import ReintegrationCase
from workflows.inputs import CaseIntake, Person


async def test_case_opens_records_itself_and_invites_once_even_after_weeks(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    settings = Settings(
        temporal_address="unused:1", database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
        smtp_host=smtp_sink.host, smtp_port=smtp_sink.port, smtp_tls="none", mail_from="verzuim@example.nl",
    )  # fmt: skip
    engine = make_engine(settings.database_url)
    await create_schema(engine)
    sessionmaker = make_sessionmaker(engine)
    activities = CaseActivities(sessionmaker=sessionmaker, sender=SmtpSender.from_settings(settings), mail_from=settings.mail_from)
    task_queue = f"skeleton-{uuid.uuid4().hex[:8]}"
    case_id = f"case-{uuid.uuid4().hex}"
    intake = CaseIntake(
        case_id=case_id,
        employee=Person("Sanne de Vries", "sanne@example.nl"),
        manager=Person("Mark Jansen", "mark@example.nl", language="en"),
        first_sick_day=date(2026, 11, 16),
        reported_by="hr@example.nl",
        org_unit="team-a",
    )
    client = time_skipping_server.client
    try:
        async with Worker(client, task_queue=task_queue, workflows=[ReintegrationCase], activities=activities.all()):
            await start_case(client, task_queue=task_queue, intake=intake)
            handle = client.get_workflow_handle(case_id)
            await smtp_sink.wait_for(2)
            await time_skipping_server.sleep(timedelta(weeks=3))
            status = await handle.query(ReintegrationCase.status)
            assert status.phase == "ziekgemeld" and status.first_sick_day == date(2026, 11, 16)
            assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
            await handle.terminate("test done")

        assert sorted(rcpts[0] for _s, rcpts, _raw in smtp_sink.messages) == ["mark@example.nl", "sanne@example.nl"]
        manager_mail = next(raw for _s, rcpts, raw in smtp_sink.messages if rcpts == ("mark@example.nl",))
        message = email.message_from_bytes(manager_mail, policy=email.policy.default)
        calendar_part = [part for part in message.walk() if part.get_content_type() == "text/calendar"][0]
        event = icalendar.Calendar.from_ical(calendar_part.get_payload(decode=True)).walk("VEVENT")[0]
        assert event.decoded("DTSTART").hour == 10
        assert str(event.decoded("DTSTART").tzinfo) == "Europe/Amsterdam"

        store = CaseStore(sessionmaker)
        row = await store.get_case(case_id)
        assert row is not None and row.phase == "ziekgemeld" and row.manager_email == "mark@example.nl"
        assert [entry.action for entry in await store.audit_trail(case_id)] == ["case_opened"]
    finally:
        await engine.dispose()
