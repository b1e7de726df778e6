"""The daily summary and combined HR alerts (integrations.digest), on SQLite and PostgreSQL, through
the outbox to a real SMTP server (aiosmtpd).

- A person who chose the daily summary gets one message at 08:00 for the notices of the day before,
  each with its link, in their language; once, however often and however many runs send what is due.
- A retried delivery queues nothing twice; the choice between at once and the summary is made once
  per notice, even when the person changes their mind in between.
- HR's alerts of one decision (an intake of an old case: six at once) come as one message; with the
  worker's window, alerts of several cases within it too.
- A summary that cannot be delivered is failed for that person alone and the product's mailbox is told.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.case_activities import PERMANENT_MAIL_ERROR, CaseActivities
from contracts import Delivery, Notice, Person
from integrations import digest
from integrations.calendar import Participant
from integrations.db import make_engine, make_sessionmaker
from integrations.digest import Holding, next_summary_at, send_due, send_due_and_warn
from integrations.invitations import SendReport, send_notices
from integrations.outbox import OutboxStatus, list_outbox
from integrations.preferences import MailMode, get_mode, set_mode
from integrations.schema import DigestItemRow, DigestRow
from integrations.smtp import SmtpSender
from reintegratie.config.settings import Settings, SmtpTls
from tests.support import SmtpSink, create_tables
from worker import running_worker

from .conftest import AMS, SmtpServer

FROM = "verzuim@example.nl"
MARK = Participant("mark@example.nl", "Mark Jansen")
JOE = Participant("joe@example.com", "Joe Miller", language="en")
CARLA = Person("Carla Visser", "carla@example.nl")
URL = "https://reintegratie.example.nl/cases/case-0123456789abcdef0123456789abcdef"

TUESDAY_10 = datetime(2026, 11, 10, 10, 0, tzinfo=AMS)
WEDNESDAY_0759 = datetime(2026, 11, 11, 7, 59, tzinfo=AMS)
WEDNESDAY_08 = datetime(2026, 11, 11, 8, 0, tzinfo=AMS)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Every table, on SQLite and on PostgreSQL, each time empty."""
    engine = make_engine(database_url)
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


def sender_for(server: SmtpServer) -> SmtpSender:
    return SmtpSender("127.0.0.1", server.port, tls="none", timeout=5)


def received(server: SmtpServer, address: str) -> list[EmailMessage]:
    found = []
    for message in server.messages:
        if address in message.rcpt_tos:
            parsed = email.message_from_bytes(message.data, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
    return found


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


async def first_day(
    store: async_sessionmaker[AsyncSession], sender: SmtpSender, key: str, person: Participant, *, holding: Holding
) -> SendReport:
    """A 'prepare the first day back' notice to ``person`` (a manager's notice with a link)."""
    return await send_notices(
        store,
        sender,
        idempotency_key=key,
        kind="first_day",
        recipients=[person],
        context={"employee_name": f"Sanne {key}", "first_day": date(2026, 11, 16), "case_url": f"{URL}/{key}"},
        mail_from=FROM,
        holding=holding,
    )


async def count(store: async_sessionmaker[AsyncSession], table: type) -> int:
    async with store() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


# --------------------------------------------------------------------------------------------------
# When the summary goes


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 10, 7, 59, tzinfo=AMS), datetime(2026, 11, 10, 8, 0, tzinfo=AMS)),  # Tuesday morning
        (datetime(2026, 11, 10, 8, 0, tzinfo=AMS), datetime(2026, 11, 11, 8, 0, tzinfo=AMS)),  # 08:00 went: tomorrow
        (datetime(2026, 11, 13, 17, 0, tzinfo=AMS), datetime(2026, 11, 16, 8, 0, tzinfo=AMS)),  # Friday: Monday
        (datetime(2026, 11, 14, 9, 0, tzinfo=AMS), datetime(2026, 11, 16, 8, 0, tzinfo=AMS)),  # Saturday: Monday
        (datetime(2026, 3, 27, 9, 0, tzinfo=AMS), datetime(2026, 3, 30, 8, 0, tzinfo=AMS)),  # over the DST change
    ],
)
def test_the_summary_goes_at_eight_on_the_next_working_day(now: datetime, expected: datetime) -> None:
    due = next_summary_at(now)
    assert due == expected and due.tzinfo == UTC
    assert due.astimezone(AMS).hour == 8


# --------------------------------------------------------------------------------------------------
# Preferences


async def test_a_preference_is_per_address_and_direct_by_default(store: async_sessionmaker[AsyncSession]) -> None:
    assert await get_mode(store, "Mark@Example.nl") == MailMode.direct
    await set_mode(store, "Mark@Example.nl", "daily")
    assert await get_mode(store, "mark@example.nl") == MailMode.daily
    await set_mode(store, "mark@example.nl", MailMode.direct)
    assert await get_mode(store, "MARK@example.nl") == MailMode.direct
    assert await get_mode(store, "joe@example.com") == MailMode.direct
    with pytest.raises(ValueError):
        await set_mode(store, "mark@example.nl", "weekly")


# --------------------------------------------------------------------------------------------------
# The daily summary


async def test_three_notices_make_one_summary_at_eight_sent_once_however_often_it_runs(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    sender = sender_for(smtp_server)
    await set_mode(store, MARK.email, "daily")
    holding = Holding(now=TUESDAY_10.astimezone(UTC))
    for key in ("a", "b", "c"):
        report = await first_day(store, sender, key, MARK, holding=holding)
        assert report.sent == (MARK.email,) and not report.failed  # queued counts as handed over
    assert smtp_server.messages == []  # nothing at once

    assert await send_due(store, sender, mail_from=FROM, now=WEDNESDAY_0759.astimezone(UTC)) == []
    assert smtp_server.messages == []

    # The job runs twice at once at 08:00, and again a minute later: one message.
    at_eight = WEDNESDAY_08.astimezone(UTC)
    first, second = await asyncio.gather(
        send_due(store, sender, mail_from=FROM, now=at_eight, settings_url="https://r.example.nl/settings/mail"),
        send_due(store, sender, mail_from=FROM, now=at_eight, settings_url="https://r.example.nl/settings/mail"),
    )
    again = await send_due(store, sender, mail_from=FROM, now=at_eight + timedelta(minutes=1))
    assert again == [] or all(outcome.result == OutboxStatus.sent for outcome in again)
    (summary,) = received(smtp_server, MARK.email)
    assert summary["Subject"] == "Je dagelijkse overzicht: 3 meldingen"
    text = text_of(summary)
    assert text.startswith("Beste Mark Jansen,")
    for key in ("a", "b", "c"):
        assert f"Sanne {key}" in text and f"{URL}/{key}" in text
    assert "08:00" in text and "https://r.example.nl/settings/mail" in text
    assert "case-0123" not in text.replace(URL, "")  # no internal id outside the links
    assert {len(outcome.item_keys) for outcome in first + second} == {3}

    # The same deliveries retried later: nothing queued again, nothing sent.
    for key in ("a", "b", "c"):
        await first_day(store, sender, key, MARK, holding=Holding(now=at_eight + timedelta(hours=2)))
    assert await send_due(store, sender, mail_from=FROM, now=at_eight + timedelta(days=1)) == []
    assert len(smtp_server.messages) == 1
    assert await count(store, DigestItemRow) == 3 and await count(store, DigestRow) == 1
    sent = [row for row in await list_outbox(store) if row.recipient == MARK.email]
    assert [row.kind for row in sent] == ["summary:daily"] and sent[0].status == OutboxStatus.sent


async def test_the_summary_is_in_the_readers_language(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    sender = sender_for(smtp_server)
    await set_mode(store, JOE.email, "daily")
    for key in ("a", "b"):
        await first_day(store, sender, key, JOE, holding=Holding(now=TUESDAY_10.astimezone(UTC)))
    await send_due(store, sender, mail_from=FROM, now=WEDNESDAY_08.astimezone(UTC))
    (summary,) = received(smtp_server, JOE.email)
    assert summary["Subject"] == "Your daily summary: 2 notices"
    assert summary["Content-Language"] == "en"
    text = text_of(summary)
    assert text.startswith("Dear Joe Miller,") and "every working day at 08:00" in text
    assert "Beste" not in text and "melding" not in text


async def test_a_retried_delivery_queues_nothing_twice(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    sender = sender_for(smtp_server)
    await set_mode(store, MARK.email, "daily")
    for attempt in range(3):
        retried = Holding(now=TUESDAY_10.astimezone(UTC) + timedelta(minutes=attempt))
        await first_day(store, sender, "a", MARK, holding=retried)
    assert await count(store, DigestItemRow) == 1
    await send_due(store, sender, mail_from=FROM, now=WEDNESDAY_08.astimezone(UTC))
    (summary,) = received(smtp_server, MARK.email)
    assert summary["Subject"] == "Je dagelijkse overzicht: 1 melding"


async def test_the_choice_is_made_once_per_notice(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    """Queued, then the person switches to direct and the delivery is retried: it stays in the
    summary (not sent at once as well). Sent at once, then the person switches to the summary and
    the delivery is retried: it is not queued as well."""
    sender = sender_for(smtp_server)
    now = Holding(now=TUESDAY_10.astimezone(UTC))
    await set_mode(store, MARK.email, "daily")
    await first_day(store, sender, "queued-first", MARK, holding=now)
    await set_mode(store, MARK.email, "direct")
    await first_day(store, sender, "queued-first", MARK, holding=now)
    await first_day(store, sender, "sent-first", MARK, holding=now)
    (direct,) = received(smtp_server, MARK.email)  # only the one that was never queued
    assert "Sanne sent-first" in text_of(direct)
    await set_mode(store, MARK.email, "daily")
    await first_day(store, sender, "sent-first", MARK, holding=now)
    assert await count(store, DigestItemRow) == 1
    await send_due(store, sender, mail_from=FROM, now=WEDNESDAY_08.astimezone(UTC))
    messages = received(smtp_server, MARK.email)
    assert len(messages) == 2
    summary = text_of(messages[1])
    assert "Sanne queued-first" in summary and "Sanne sent-first" not in summary


async def test_back_to_direct_sends_what_waits_at_once_as_one_summary(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    sender = sender_for(smtp_server)
    await set_mode(store, MARK.email, "daily")
    queued = datetime.now(UTC) - timedelta(minutes=5)
    for key in ("a", "b"):
        await first_day(store, sender, key, MARK, holding=Holding(now=queued))
    assert await send_due(store, sender, mail_from=FROM) == []  # waiting for 08:00
    await set_mode(store, MARK.email, "direct")
    (outcome,) = await send_due(store, sender, mail_from=FROM)
    assert outcome.result == OutboxStatus.sent and len(outcome.item_keys) == 2
    (summary,) = received(smtp_server, MARK.email)
    assert "Sanne a" in text_of(summary) and "Sanne b" in text_of(summary)


async def test_someone_who_reads_at_once_gets_the_notice_at_once(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    sender = sender_for(smtp_server)
    await first_day(store, sender, "a", MARK, holding=Holding(now=TUESDAY_10.astimezone(UTC)))
    assert len(received(smtp_server, MARK.email)) == 1
    assert await count(store, DigestItemRow) == 0


async def test_a_summary_waits_while_smtp_is_down_and_goes_once_when_it_is_back(
    store: async_sessionmaker[AsyncSession], smtp_down: SmtpServer
) -> None:
    sender = sender_for(smtp_down)
    await set_mode(store, MARK.email, "daily")
    await first_day(store, sender, "a", MARK, holding=Holding(now=TUESDAY_10.astimezone(UTC)))
    await first_day(store, sender, "b", MARK, holding=Holding(now=TUESDAY_10.astimezone(UTC)))
    (down,) = await send_due_and_warn(store, sender, mail_from=FROM, now=WEDNESDAY_08.astimezone(UTC))
    assert down.result not in (OutboxStatus.sent, OutboxStatus.failed)
    smtp_down.start()
    later = WEDNESDAY_08.astimezone(UTC) + timedelta(minutes=1)
    (up,) = await send_due_and_warn(store, sender, mail_from=FROM, now=later)
    assert up.key == down.key and up.result == OutboxStatus.sent
    assert await send_due_and_warn(store, sender, mail_from=FROM, now=later) == []
    (summary,) = received(smtp_down, MARK.email)
    assert "Sanne a" in text_of(summary) and "Sanne b" in text_of(summary)


async def test_a_refused_summary_fails_for_that_person_and_the_mailbox_is_told(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    sender = sender_for(smtp_server)
    smtp_server.handler.refuse[MARK.email] = "550 5.1.1 no such user"
    for person in (MARK, JOE):
        await set_mode(store, person.email, "daily")
        for key in ("a", "b"):
            await first_day(store, sender, key, person, holding=Holding(now=TUESDAY_10.astimezone(UTC)))
    outcomes = await send_due_and_warn(store, sender, mail_from=FROM, now=WEDNESDAY_08.astimezone(UTC))
    by_person = {outcome.recipient: outcome.result for outcome in outcomes}
    assert by_person[JOE.email] == OutboxStatus.sent and by_person[MARK.email] != OutboxStatus.sent
    assert len(received(smtp_server, JOE.email)) == 1
    (warning,) = received(smtp_server, FROM)
    assert MARK.email in text_of(warning)
    async with store() as session:
        rows = await session.execute(select(DigestRow.recipient, DigestRow.status))
        statuses = {row.recipient: row.status for row in rows}
    assert statuses == {MARK.email: "failed", JOE.email: "sent"}
    # Nothing is tried again for the refused person, and the warning is not repeated.
    assert await send_due_and_warn(store, sender, mail_from=FROM, now=WEDNESDAY_08.astimezone(UTC)) == []
    assert len(received(smtp_server, FROM)) == 1


# --------------------------------------------------------------------------------------------------
# HR's alerts


STEPS = ("Ziekmelding bij de arbodienst", "Probleemanalyse", "Plan van aanpak", "Eerste evaluatie", "Tweede", "Derde")


def overdue(case_id: str, n: int, *, hr: Person | None = CARLA) -> Notice:
    return Notice(
        key=f"{case_id}:overdue:{n}",
        case_id=case_id,
        kind="hr_overdue",
        recipients=(hr,) if hr else (),
        context={"step": STEPS[n], "case_ref": f"Sanne de Vries ({case_id})", "case_url": f"{URL}/{case_id}"},
        dates={"due": date(2026, 1, 5) + timedelta(weeks=n)},
        to_mailbox_if_nobody=True,
    )


def activities(
    store: async_sessionmaker[AsyncSession], server: SmtpServer, hr_batch_wait: timedelta = timedelta(0)
) -> CaseActivities:
    return CaseActivities(sessionmaker=store, sender=sender_for(server), mail_from=FROM, hr_batch_wait=hr_batch_wait)


async def test_six_overdue_alerts_of_one_decision_come_as_one_message(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    """An old case taken in: six hr_overdue in one decision. HR gets one message listing the six
    steps, each with its link; a retried delivery sends nothing more. (Before: six messages.)"""
    acts = activities(store, smtp_server)
    delivery = Delivery(case_id="case-old", notices=tuple(overdue("case-old", n) for n in range(6)))
    await acts.deliver(delivery)
    await acts.deliver(delivery)  # retried
    (alert,) = received(smtp_server, CARLA.email)
    assert alert["Subject"] == "Te laat: 6 stappen"
    text = text_of(alert)
    for step in STEPS:
        assert step in text
    assert text.count(f"{URL}/case-old") == 6
    assert len(smtp_server.messages) == 1


async def test_one_alert_alone_goes_as_itself(store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer) -> None:
    acts = activities(store, smtp_server)
    await acts.deliver(Delivery(case_id="case-1", notices=(overdue("case-1", 2),)))
    (alert,) = received(smtp_server, CARLA.email)
    assert "Plan van aanpak" in str(alert["Subject"]) and "stappen" not in str(alert["Subject"])
    assert "Plan van aanpak" in text_of(alert)


async def test_alerts_of_several_cases_within_the_window_come_as_one_message(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    acts = activities(store, smtp_server, hr_batch_wait=timedelta(minutes=2))
    started = datetime.now(UTC)
    await acts.deliver(Delivery(case_id="case-a", notices=(overdue("case-a", 1),)))
    await acts.deliver(Delivery(case_id="case-b", notices=(overdue("case-b", 2), overdue("case-b", 3))))
    assert smtp_server.messages == []  # waiting for the window to end
    assert await send_due(store, sender_for(smtp_server), mail_from=FROM, now=started) == []
    await send_due_and_warn(store, sender_for(smtp_server), mail_from=FROM, now=started + timedelta(minutes=3))
    (alert,) = received(smtp_server, CARLA.email)
    assert alert["Subject"] == "Te laat: 3 stappen"
    text = text_of(alert)
    assert f"{URL}/case-a" in text and f"{URL}/case-b" in text
    # A later alert opens a new window.
    await acts.deliver(Delivery(case_id="case-c", notices=(overdue("case-c", 4),)))
    later = datetime.now(UTC) + timedelta(minutes=3)
    await send_due_and_warn(store, sender_for(smtp_server), mail_from=FROM, now=later)
    assert len(received(smtp_server, CARLA.email)) == 2


async def test_hr_who_chose_the_summary_gets_alerts_in_it(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    await set_mode(store, CARLA.email, "daily")
    acts = activities(store, smtp_server)
    await acts.deliver(Delivery(case_id="case-old", notices=tuple(overdue("case-old", n) for n in range(3))))
    assert smtp_server.messages == []
    await send_due(store, sender_for(smtp_server), mail_from=FROM, now=next_summary_at(datetime.now(UTC)))
    (summary,) = received(smtp_server, CARLA.email)
    assert summary["Subject"] == "Je dagelijkse overzicht: 3 meldingen"


async def test_a_refused_combined_alert_is_reported_once_to_the_workflow(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    smtp_server.handler.refuse[CARLA.email] = "550 5.1.1 no such user"
    acts = activities(store, smtp_server)
    delivery = Delivery(case_id="case-old", notices=tuple(overdue("case-old", n) for n in range(6)))
    with pytest.raises(ApplicationError) as raised:
        await acts.deliver(delivery)
    assert raised.value.type == PERMANENT_MAIL_ERROR and raised.value.non_retryable
    (refusals,) = raised.value.details
    assert refusals == [
        {
            "key": "case-old:overdue:0",
            "kind": "hr_overdue",
            "addresses": [CARLA.email],
            "reasons": {CARLA.email: "recipient refused: 550 5.1.1 no such user"},  # what HR is told
        }
    ]


async def test_alerts_without_a_casemanager_go_to_the_mailbox_as_one_message(
    store: async_sessionmaker[AsyncSession], smtp_server: SmtpServer
) -> None:
    acts = activities(store, smtp_server)
    await acts.deliver(Delivery(case_id="case-old", notices=tuple(overdue("case-old", n, hr=None) for n in range(4))))
    (alert,) = received(smtp_server, FROM)
    assert alert["Subject"] == "Te laat: 4 stappen"


def test_the_window_is_what_the_worker_uses() -> None:
    assert timedelta(0) < digest.HR_BATCH_WINDOW <= timedelta(minutes=15)
    assert digest.POLL_SECONDS < digest.HR_BATCH_WINDOW.total_seconds()


# --------------------------------------------------------------------------------------------------
# Who sends: the worker's loop


async def test_the_worker_sends_the_summaries_that_are_due(
    dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """A summary that fell due while no worker ran (08:00 this morning) goes out when one starts,
    once; the worker's own settings give its link to the settings page."""
    settings = Settings(
        temporal_address=dev_server.client.service_client.config.target_host,
        task_queue=f"digest-{uuid.uuid4().hex[:8]}",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        smtp_tls=SmtpTls.none,
        mail_from=FROM,
        public_url="https://reintegratie.example.nl",
    )
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    store = make_sessionmaker(engine)
    try:
        await set_mode(store, MARK.email, "daily")
        sender = SmtpSender(smtp_sink.host, smtp_sink.port, tls="none", timeout=5)
        yesterday = Holding(now=datetime.now(UTC) - timedelta(days=4))
        for key in ("a", "b", "c"):
            await first_day(store, sender, key, MARK, holding=yesterday)
        assert smtp_sink.messages == []
        async with running_worker(settings, dev_server.client):
            await smtp_sink.wait_for(1)
        (_from, recipients, raw) = smtp_sink.messages[0]
        assert recipients == (MARK.email,) and len(smtp_sink.messages) == 1
        summary = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(summary, EmailMessage)
        assert summary["Subject"] == "Je dagelijkse overzicht: 3 meldingen"
        assert "https://reintegratie.example.nl/settings/mail" in text_of(summary)
    finally:
        await engine.dispose()
