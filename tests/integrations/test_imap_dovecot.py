"""The mailbox reader against a real IMAP server: Debian's Dovecot, started privately (tests/dovecot.py).

Replies are built as Thunderbird sends them (tests/itip_replies.py) and put into the mailbox with
IMAP APPEND, as a mail server's delivery would; the reader (integrations.imap, IMAPClient) then
reads them and the reply handler (integrations.replies) stores them in SQLite.
"""

from __future__ import annotations

import asyncio
import ssl
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

import states
from integrations.calendar import CalendarSeries, Participant
from integrations.db import make_engine, make_sessionmaker
from integrations.feeds import save_series
from integrations.imap import CHECKED, ImapConfig, ImapReader, ImapTls
from integrations.replies import Announcement, ReplyHandler, attendance_of_case
from tests.dovecot import DovecotServer, dovecot, dovecot_tls  # noqa: F401  (the fixtures)
from tests.itip_replies import plain_mail, thunderbird_reply
from tests.support import SmtpSink, create_tables
from tests.workflows.harness import CASEMANAGER, MANAGER, case_world
from worker.replies import reply_handler

AMS = ZoneInfo("Europe/Amsterdam")
MAILBOX = "verzuim@example.nl"
MARK = ("Mark Jansen", "mark@example.nl")
SANNE = ("Sanne de Vries", "sanne@example.nl")
EVE = ("Eve Buiten", "eve@elders.example")
START = datetime(2030, 3, 12, 10, 0, tzinfo=AMS)


@dataclass
class Mailbox:
    """One folder of its own on the Dovecot server per test (and one for the handled replies)."""

    server: DovecotServer
    folder: str
    processed: str

    def client(self) -> IMAPClient:
        client = IMAPClient(self.server.host, port=self.server.port, ssl=False, timeout=10)
        client.login(self.server.username, self.server.password)
        return client

    def deliver(self, raw: bytes) -> None:
        """Put a message into the folder, unseen, as a mail server's delivery does (IMAP APPEND)."""
        with self.client() as client:
            client.append(self.folder, raw, flags=())

    def contents(self, folder: str | None = None) -> list[tuple[bytes, tuple[bytes, ...]]]:
        """(message bytes, flags) of each message in the folder, read without changing any flag."""
        with self.client() as client:
            if not client.folder_exists(folder or self.folder):
                return []
            client.select_folder(folder or self.folder, readonly=True)
            uids = client.search(["ALL"])
            fetched = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}
            return [(fetched[uid][b"BODY[]"], tuple(fetched[uid][b"FLAGS"])) for uid in sorted(fetched)]

    def config(self, **changes: object) -> ImapConfig:
        values: dict[str, object] = dict(
            host=self.server.host,
            port=self.server.port,
            username=self.server.username,
            password=self.server.password,
            tls=ImapTls.none,
            mailbox=self.folder,
            processed_mailbox=self.processed,
            poll_seconds=0.2,
        )
        values.update(changes)
        return ImapConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def mailbox(dovecot: DovecotServer) -> Iterator[Mailbox]:  # noqa: F811
    name = f"test-{uuid.uuid4().hex[:8]}"
    box = Mailbox(dovecot, name, f"{name}-verwerkt")
    with box.client() as client:
        client.create_folder(name)
    yield box


@dataclass
class Store:
    sessionmaker: async_sessionmaker[AsyncSession]
    case_id: str
    series: CalendarSeries


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A store holding one sent invitation: an evaluation for Mark, Sanne and Carla."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    await create_tables(engine)
    sessionmaker = make_sessionmaker(engine)
    series = CalendarSeries(
        uid=str(uuid.uuid4()),
        sequence=0,
        kind="evaluation",
        summary="Evaluatie plan van aanpak: Sanne de Vries",
        location="Kantoor",
        start=START,
        duration_minutes=60,
        interval_weeks=None,
        until=None,
        organizer=Participant(MAILBOX, "Carla Visser"),
        attendees=(
            Participant(CASEMANAGER.email, CASEMANAGER.name),
            Participant(SANNE[1], SANNE[0]),
            Participant(MARK[1], MARK[0]),
        ),
    )
    await save_series(sessionmaker, case_id="case-imap", series=series)
    yield Store(sessionmaker, "case-imap", series)
    await engine.dispose()


def reply(store: Store, attendee: tuple[str, str], partstat: str, **kwargs: object) -> bytes:
    return thunderbird_reply(
        uid=store.series.uid,
        attendee=attendee,
        partstat=partstat,
        organizer=MAILBOX,
        summary=store.series.summary,
        start=START,
        **kwargs,  # type: ignore[arg-type]
    )


async def answers(store: Store) -> dict[str, str | None]:
    (talk,) = await attendance_of_case(store.sessionmaker, store.case_id)
    return {person.email: person.answer for person in talk.people}


async def test_an_accepted_reply_is_stored_and_filed_away_as_read(mailbox: Mailbox, store: Store) -> None:
    mailbox.deliver(reply(store, MARK, "ACCEPTED"))
    told: list[Announcement] = []

    async def announce(announcement: Announcement) -> None:
        told.append(announcement)

    reader = ImapReader(mailbox.config(), ReplyHandler(store.sessionmaker, announce=announce).handle_bytes)
    try:
        report = await reader.read_once()
    finally:
        await reader.close()

    assert (report.handled, report.left, report.failed) == (1, 0, 0)
    assert await answers(store) == {CASEMANAGER.email: None, SANNE[1]: None, MARK[1]: "accepted"}
    assert [(a.case_id, a.person.email, a.answer, a.kind) for a in told] == [
        ("case-imap", MARK[1], "accepted", "evaluation")
    ]
    assert mailbox.contents() == []  # gone from the inbox ...
    ((_raw, flags),) = mailbox.contents(mailbox.processed)  # ... into the folder for handled replies, read
    assert b"\\Seen" in flags


async def test_mail_that_is_not_a_reply_stays_unseen_in_the_inbox_and_is_read_once(
    mailbox: Mailbox, store: Store
) -> None:
    question = plain_mail(sender=SANNE, to=MAILBOX, subject="Vraag over mijn plan", text="Kan ik je even bellen?")
    mailbox.deliver(question)
    reader = ImapReader(mailbox.config(), ReplyHandler(store.sessionmaker).handle_bytes)
    try:
        first = await reader.read_once()
        second = await reader.read_once()
    finally:
        await reader.close()

    assert (first.handled, first.left) == (0, 1)
    assert (second.handled, second.left) == (0, 0)  # looked at once, not again every round
    ((raw, flags),) = mailbox.contents()
    assert b"Kan ik je even bellen?" in raw
    assert b"\\Seen" not in flags and CHECKED in flags  # still unread for the person who reads the mailbox
    assert mailbox.contents(mailbox.processed) == []


async def test_a_reply_from_someone_not_invited_is_ignored_and_left_for_a_person(
    mailbox: Mailbox, store: Store
) -> None:
    mailbox.deliver(reply(store, EVE, "DECLINED"))  # the right UID, but Eve is no attendee
    mailbox.deliver(reply(store, MARK, "DECLINED", sender=EVE))  # Eve answering in Mark's name
    reader = ImapReader(mailbox.config(), ReplyHandler(store.sessionmaker).handle_bytes)
    try:
        report = await reader.read_once()
    finally:
        await reader.close()

    assert (report.handled, report.left) == (0, 2)
    assert await answers(store) == {CASEMANAGER.email: None, SANNE[1]: None, MARK[1]: None}
    assert [b"\\Seen" in flags for _raw, flags in mailbox.contents()] == [False, False]


async def test_the_newest_answer_counts_and_the_same_message_twice_changes_nothing(
    mailbox: Mailbox, store: Store
) -> None:
    early = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    accepted = reply(store, SANNE, "ACCEPTED", dtstamp=early)
    mailbox.deliver(accepted)
    mailbox.deliver(accepted)  # delivered twice
    mailbox.deliver(reply(store, SANNE, "TENTATIVE", dtstamp=early + timedelta(hours=2)))
    mailbox.deliver(reply(store, SANNE, "DECLINED", dtstamp=early + timedelta(hours=1)))  # older, arrives last
    told: list[str] = []

    async def announce(announcement: Announcement) -> None:
        told.append(announcement.answer)

    reader = ImapReader(mailbox.config(), ReplyHandler(store.sessionmaker, announce=announce).handle_bytes)
    try:
        report = await reader.read_once()
    finally:
        await reader.close()

    assert report.handled == 4  # every one is a reply to our invitation: filed away
    assert (await answers(store))[SANNE[1]] == "tentative"
    assert told == ["accepted", "tentative"]  # the copy and the older answer changed nothing


async def test_a_reply_is_read_again_when_the_case_could_not_be_told(mailbox: Mailbox, store: Store) -> None:
    mailbox.deliver(reply(store, MARK, "ACCEPTED"))
    calls: list[str] = []

    async def announce(announcement: Announcement) -> None:
        calls.append(announcement.key)
        if len(calls) == 1:
            raise ConnectionError("Temporal is not reachable")

    reader = ImapReader(mailbox.config(), ReplyHandler(store.sessionmaker, announce=announce).handle_bytes)
    try:
        first = await reader.read_once()
        assert (first.handled, first.failed) == (0, 1)
        ((_raw, flags),) = mailbox.contents()
        assert b"\\Seen" not in flags and CHECKED not in flags  # untouched, to read again
        second = await reader.read_once()
    finally:
        await reader.close()

    assert second.handled == 1
    assert len(calls) == 2 and calls[0] == calls[1]  # told once it worked, with the same key
    assert mailbox.contents() == []


async def test_the_reader_waits_with_idle_and_handles_mail_that_arrives_later(mailbox: Mailbox, store: Store) -> None:
    stop = asyncio.Event()
    reader = ImapReader(mailbox.config(poll_seconds=3600), ReplyHandler(store.sessionmaker).handle_bytes)
    running = asyncio.create_task(reader.run(stop))
    try:
        await asyncio.sleep(0.5)  # let it read the empty folder and start waiting
        await asyncio.to_thread(mailbox.deliver, reply(store, MARK, "TENTATIVE"))
        async with asyncio.timeout(30):  # without IDLE it would wait the hour of poll_seconds
            while (await answers(store))[MARK[1]] is None:
                await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=30)
    assert (await answers(store))[MARK[1]] == "tentative"


async def test_a_declined_evaluation_tells_hr_with_the_next_free_slot(
    mailbox: Mailbox, time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """The whole loop: a real case sends its evaluation invitation; the manager declines it in
    Thunderbird; the reply lands in the mailbox; the reader tells the case; HR gets a notice."""
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open()
        await world.advance(timedelta(weeks=4, days=3))
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        await world.advance(timedelta(weeks=2))
        await world.command(
            "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=4)
        )
        (invitation,) = [m for m in world.invitations(MANAGER.email) if m.summary and m.summary.startswith("Evaluat")]
        assert invitation.uid and invitation.start and invitation.summary
        mailbox.deliver(
            thunderbird_reply(
                uid=invitation.uid,
                attendee=(MANAGER.name, MANAGER.email),
                partstat="DECLINED",
                organizer=MAILBOX,
                summary=invitation.summary,
                start=invitation.start,
                sequence=invitation.sequence or 0,
            )
        )
        notices_before = len(world.notices(CASEMANAGER.email))
        reader = ImapReader(mailbox.config(), reply_handler(world.sessionmaker, world.client).handle_bytes)
        try:
            report = await reader.read_once()
        finally:
            await reader.close()
        assert report.handled == 1
        await world.settle()

        (notice,) = world.notices(CASEMANAGER.email)[notices_before:]
        assert "afgewezen door Mark Jansen" in notice.subject
        text = notice.raw.decode(errors="replace")
        assert "Het eerstvolgende moment waarop iedereen vrij is" in text
        trail = await (await world.store()).audit_trail(world.case_id)
        (entry,) = [row for row in trail if row.action == "invitation_replied"]
        assert entry.actor == MANAGER.email and entry.detail["answer"] == "declined"
        assert entry.detail["free_slot"]


async def test_an_answer_to_a_case_that_has_ended_goes_straight_into_its_history(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """A case whose workflow has completed takes no update: the answer is written to the audit trail."""
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open()
        (invitation,) = world.invitations(MANAGER.email)
        await world.advance(timedelta(days=16))
        await world.command("recovered", states.Recovered, full=True)
        await world.advance(timedelta(weeks=10))  # past the samentelling window: the workflow completes
        ended = world.invitations(MANAGER.email)[-1]
        assert ended.method == "REQUEST" and "UNTIL=" in (ended.rrule or "")  # ended, not cancelled
        assert invitation.uid and invitation.start
        reply = thunderbird_reply(
            uid=invitation.uid,
            attendee=(MANAGER.name, MANAGER.email),
            partstat="ACCEPTED",
            organizer=MAILBOX,
            summary="x",
            start=invitation.start,
            sequence=ended.sequence or 0,
        )
        result = await reply_handler(world.sessionmaker, world.client).handle_bytes(reply)
        assert result.done
        trail = await (await world.store()).audit_trail(world.case_id)
        (entry,) = [row for row in trail if row.action == "invitation_replied"]
        assert (entry.actor, entry.detail["answer"], entry.detail["talk"]) == (MANAGER.email, "accepted", "checkin")


async def test_with_starttls_the_reader_logs_in_only_over_tls(
    dovecot_tls: DovecotServer,  # noqa: F811
    store: Store,
) -> None:
    """A server that requires STARTTLS: ``starttls`` reads it; ``none`` is refused, never sent in plain text."""
    box = Mailbox(dovecot_tls, "INBOX", "Verwerkt")
    client_tls = ssl.create_default_context(cafile=str(dovecot_tls.ca_file))

    def deliver(raw: bytes) -> None:
        with IMAPClient(dovecot_tls.host, port=dovecot_tls.port, ssl=False, timeout=10) as client:
            client.starttls(client_tls)
            client.login(dovecot_tls.username, dovecot_tls.password)
            client.append("INBOX", raw)

    await asyncio.to_thread(deliver, reply(store, SANNE, "ACCEPTED"))
    handler = ReplyHandler(store.sessionmaker).handle_bytes
    plain = ImapReader(box.config(), handler)
    with pytest.raises(IMAPClientError):  # "Plaintext authentication disallowed on non-secure connections"
        await plain.read_once()
    await plain.close()
    assert (await answers(store))[SANNE[1]] is None

    secure = ImapReader(box.config(tls=ImapTls.starttls, ssl_context=client_tls), handler)
    try:
        report = await secure.read_once()
    finally:
        await secure.close()
    assert report.handled == 1
    assert (await answers(store))[SANNE[1]] == "accepted"
