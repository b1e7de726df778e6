"""An address the mail server cannot take (``jörg@example.nl`` without SMTPUTF8, a 5xx, one the mail
library cannot write) fails for that recipient alone, permanently: recorded in the outbox, the
others served, the delivery ends with the non-retryable refusal the workflow tells HR about.
With a server that offers SMTPUTF8 the international address gets its mail."""

from __future__ import annotations

import email
import email.policy
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from email.message import EmailMessage

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError

from activities.case_activities import PERMANENT_MAIL_ERROR, CaseActivities
from contracts import Delivery, Person, RecordCase, RecordProgress, SeriesMessage
from integrations import sanitize
from integrations.calendar import Participant
from integrations.db import make_engine, make_sessionmaker
from integrations.mail import notice_message
from integrations.outbox import OutboxItem, OutboxStatus, list_outbox, send_batch
from integrations.smtp import PermanentMailError, SmtpSender
from integrations.store import CaseStore
from tests.support import create_tables, free_port

from .conftest import AMS, DTSTAMP, SmtpServer

FROM = "verzuim@example.nl"
JORG = Person(name="Jörg Müller", email="jörg@example.nl")
MARK = Person(name="Mark Jansen", email="mark@example.nl")


@pytest.fixture
def plain_server() -> Iterator[SmtpServer]:
    """A real SMTP server that does not offer SMTPUTF8 (aiosmtpd's Controller offers it by default)."""
    server = SmtpServer(free_port(), enable_SMTPUTF8=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def utf8_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port(), enable_SMTPUTF8=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Every table (the read model too), on SQLite and on PostgreSQL, each time empty."""
    engine = make_engine(database_url)
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


def sender_for(server: SmtpServer) -> SmtpSender:
    return SmtpSender("127.0.0.1", server.port, tls="none", timeout=5)


def delivery(case_id: str) -> Delivery:
    invitation = SeriesMessage(
        key=f"{case_id}:checkin:new",
        case_id=case_id,
        change="new",
        uid="0b2d7c55-8a51-4f0e-a0a1-3c0a9e1d2f99",
        sequence=0,
        kind="checkin",
        summary="Check-in",
        location="Telefonisch",
        start=datetime(2026, 10, 5, 10, 0, tzinfo=AMS),
        duration_minutes=15,
        interval_weeks=1,
        until=datetime(2026, 11, 2, 10, 0, tzinfo=AMS),
        organizer_name="Carla Visser",
        attendees=(JORG, MARK),
        dtstamp=DTSTAMP,
    )
    progress = RecordProgress(
        case=RecordCase(
            case_id=case_id, employee=JORG, manager=MARK, first_sick_day=date(2026, 9, 28), phase="probleemanalyse"
        )
    )
    return Delivery(case_id=case_id, invitations=(invitation,), progress=progress)


async def test_without_smtputf8_the_international_address_fails_alone_and_permanently(
    store: async_sessionmaker[AsyncSession], plain_server: SmtpServer
) -> None:
    activities = CaseActivities(sessionmaker=store, sender=sender_for(plain_server), mail_from=FROM)
    with pytest.raises(ApplicationError) as refused:
        await activities.deliver(delivery("case-0123456789abcdef0123456789abcdef"))
    # the call ends (no retry), with the refusal the workflow records and tells HR about
    assert refused.value.type == PERMANENT_MAIL_ERROR and refused.value.non_retryable
    (details,) = refused.value.details
    assert [entry["addresses"] for entry in details] == [["jörg@example.nl"]]
    # the manager got the invitation anyway
    assert [received.rcpt_tos for received in plain_server.messages] == [["mark@example.nl"]]
    rows = {row.recipient: row for row in await list_outbox(store)}
    assert rows["mark@example.nl"].status == OutboxStatus.sent
    assert rows["jörg@example.nl"].status == OutboxStatus.failed
    assert "SMTPUTF8" in (rows["jörg@example.nl"].last_error or "")
    # the case is in the lists
    assert [case.case_id for case in await CaseStore(store).list_cases()] == ["case-0123456789abcdef0123456789abcdef"]
    # a retried delivery sends nothing again and still ends at once
    with pytest.raises(ApplicationError):
        await activities.deliver(delivery("case-0123456789abcdef0123456789abcdef"))
    assert len(plain_server.messages) == 1


async def test_with_smtputf8_the_international_address_gets_its_mail(
    store: async_sessionmaker[AsyncSession], utf8_server: SmtpServer
) -> None:
    activities = CaseActivities(sessionmaker=store, sender=sender_for(utf8_server), mail_from=FROM)
    await activities.deliver(delivery("case-0123456789abcdef0123456789abcdee"))
    by_recipient = {tuple(received.rcpt_tos): received for received in utf8_server.messages}
    assert set(by_recipient) == {("jörg@example.nl",), ("mark@example.nl",)}
    # a message with UTF-8 headers (RFC 6532) is read as text
    message = email.message_from_string(
        by_recipient[("jörg@example.nl",)].data.decode("utf-8"), policy=email.policy.default
    )
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Jörg Müller", "jörg@example.nl")
    calendar = list(message.iter_parts())[-1].get_payload(decode=True)
    assert "mailto:jörg@example.nl".encode() in calendar.replace(b"\r\n ", b"")
    # an ASCII recipient's message stays plain 7-bit, as before
    plain = by_recipient[("mark@example.nl",)].data
    assert plain.isascii()
    rows = await list_outbox(store)
    assert {row.status for row in rows} == {OutboxStatus.sent}


async def test_a_message_the_mail_library_cannot_build_fails_for_that_recipient_only(
    sessionmaker, smtp_server: SmtpServer
) -> None:
    def good() -> EmailMessage:
        return notice_message(
            kind="bounce_warning",
            recipient=Participant("hr@example.nl", "HR"),
            mail_from=FROM,
            message_key="k-good",
            context={"address": "someone@example.nl"},
        )

    def broken() -> EmailMessage:
        raise UnicodeEncodeError("ascii", "jörg", 1, 2, "ordinal not in range(128)")

    items = [
        OutboxItem(key="k-broken", recipient="jorg@example.nl", kind="bounce_warning", build=broken),
        OutboxItem(key="k-bad-address", recipient="not an address", kind="bounce_warning", build=good),
        OutboxItem(key="k-good", recipient="hr@example.nl", kind="bounce_warning", build=good),
    ]
    results = await send_batch(sessionmaker, sender_for(smtp_server), items)
    assert isinstance(results[0], PermanentMailError) and results[0].recipients == ("jorg@example.nl",)
    assert isinstance(results[1], PermanentMailError)
    assert results[2] == OutboxStatus.sent
    assert [received.rcpt_tos for received in smtp_server.messages] == [["hr@example.nl"]]
    rows = {row.key: row for row in await list_outbox(sessionmaker)}
    assert rows["k-broken"].status == OutboxStatus.failed
    assert "UnicodeEncodeError" in (rows["k-broken"].last_error or "")
    assert rows["k-bad-address"].status == OutboxStatus.failed
    assert rows["k-good"].status == OutboxStatus.sent
    # failed stays failed: a retry sends nothing
    again = await send_batch(sessionmaker, sender_for(smtp_server), items)
    assert again[:2] == [OutboxStatus.failed, OutboxStatus.failed] and again[2] == OutboxStatus.sent
    assert len(smtp_server.messages) == 1


async def test_the_sender_refuses_an_international_recipient_when_the_server_lacks_smtputf8(
    plain_server: SmtpServer, utf8_server: SmtpServer
) -> None:
    def message() -> EmailMessage:
        return notice_message(
            kind="bounce_warning",
            recipient=Participant(JORG.email, JORG.name),
            mail_from=FROM,
            message_key="k-1",
            context={"address": "someone@example.nl"},
        )

    with pytest.raises(PermanentMailError) as refused:
        await sender_for(plain_server).send(message())
    assert refused.value.recipients == ("jörg@example.nl",)
    assert plain_server.messages == []
    await sender_for(utf8_server).send(message())
    (received,) = utf8_server.messages
    assert received.rcpt_tos == ["jörg@example.nl"] and received.mail_from == FROM


def test_international_addresses_are_addresses_and_garbage_is_not() -> None:
    assert sanitize.address("jörg@example.nl") == "jörg@example.nl"
    assert sanitize.address("Jörg@Bücher.DE") == "Jörg@bücher.de"
    for bad in ("jörg@", "jö rg@example.nl", "jörg\u202e@example.nl", "a@b", "=?utf-8?q?x?=@example.nl", "a\n@b.nl"):
        assert not sanitize.is_address(bad), bad
