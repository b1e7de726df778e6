"""The outbox on SQLite and PostgreSQL, with a real SMTP server: nothing lost, nothing sent twice."""

from __future__ import annotations

import asyncio
import dataclasses
import email
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, select, update

from integrations import calendar as cal
from integrations.calendar import CalendarSeries, Participant
from integrations.mail import invitation_message, notice_message
from integrations.outbox import (
    OutboxItem,
    OutboxMessage,
    OutboxStatus,
    get_outbox_entry,
    invitation_key,
    list_outbox,
    notice_key,
    retry_failed,
    send_batch,
    send_once,
)
from integrations.smtp import DeliveryUnknownError, PermanentMailError, SmtpSender, TransientMailError

from .conftest import DTSTAMP, SmtpServer

FROM = "verzuim@example.nl"


def sender_for(server: SmtpServer) -> SmtpSender:
    return SmtpSender("127.0.0.1", server.port, tls="none", timeout=5)


def invitation(series: CalendarSeries, recipient: Participant, method: str = "REQUEST"):
    """(key, kwargs for send_once) as an activity would make them."""
    key = invitation_key(series.uid, None, series.sequence, method, recipient.email)
    builds = []

    def build():
        builds.append(1)
        ics = (cal.series_request if method == "REQUEST" else cal.series_cancel)(series, dtstamp=DTSTAMP)
        return invitation_message(
            series, method=method, calendar=ics, recipient=recipient, mail_from=FROM, message_key=key
        )

    return dict(
        key=key,
        recipient=recipient.email,
        kind=series.kind,
        build=build,
        series_uid=series.uid,
        recurrence_id=None,
        sequence=series.sequence,
        method=method,
    ), builds


async def test_sent_once_then_never_again(sessionmaker, smtp_server: SmtpServer, progress_series, manager) -> None:
    kwargs, _ = invitation(progress_series, manager)
    sender = sender_for(smtp_server)
    assert await send_once(sessionmaker, sender, **kwargs) == OutboxStatus.sent
    # the activity is retried after it sent (say the worker died before reporting): nothing is sent
    assert await send_once(sessionmaker, sender, **kwargs) == OutboxStatus.sent
    assert len(smtp_server.messages) == 1
    entry = await get_outbox_entry(sessionmaker, key=kwargs["key"], recipient=manager.email)
    assert entry is not None and entry.status == OutboxStatus.sent and entry.attempts == 1
    assert entry.series_uid == progress_series.uid and entry.sequence == 0 and entry.method == "REQUEST"
    assert entry.sent_at is not None and entry.sent_at.tzinfo is not None
    received = email.message_from_bytes(smtp_server.messages[0].data)
    assert received["Message-ID"] == entry.message_id


async def test_every_update_is_its_own_row(
    sessionmaker, smtp_server: SmtpServer, progress_series, manager, employee
) -> None:
    sender = sender_for(smtp_server)
    series = progress_series
    for _ in range(3):
        for person in (manager, employee):
            kwargs, _ = invitation(series, person)
            await send_once(sessionmaker, sender, **kwargs)
        series = cal.updated(series, location="Kantoor Amersfoort")
    entries = await list_outbox(sessionmaker)
    assert len(entries) == 6 and len(smtp_server.messages) == 6
    assert sorted({e.sequence for e in entries}) == [0, 1, 2]
    # SEQUENCE increases on the wire, for each recipient
    for person in (manager, employee):
        sequences = []
        for received in smtp_server.messages:
            if received.rcpt_tos == [person.email]:
                body = email.message_from_bytes(received.data).get_payload()[-1].get_payload(decode=True)
                sequences.append(int(body.split(b"\r\nSEQUENCE:")[1].split(b"\r\n")[0]))
        assert sequences == [0, 1, 2]


async def test_server_down_then_up_nothing_lost(sessionmaker, smtp_down: SmtpServer, progress_series, manager) -> None:
    kwargs, _ = invitation(progress_series, manager)
    sender = sender_for(smtp_down)
    with pytest.raises(TransientMailError):
        await send_once(sessionmaker, sender, **kwargs)
    entry = await get_outbox_entry(sessionmaker, key=kwargs["key"], recipient=manager.email)
    assert entry is not None and entry.status == OutboxStatus.pending and entry.last_error
    smtp_down.start()
    assert await send_once(sessionmaker, sender, **kwargs) == OutboxStatus.sent
    assert await send_once(sessionmaker, sender, **kwargs) == OutboxStatus.sent
    assert len(smtp_down.messages) == 1
    entry = await get_outbox_entry(sessionmaker, key=kwargs["key"], recipient=manager.email)
    assert entry.attempts == 2 and entry.last_error is None


async def test_permanent_refusal_marks_failed(sessionmaker, smtp_server: SmtpServer, progress_series, manager) -> None:
    smtp_server.handler.refuse[manager.email] = "550 5.1.1 mailbox unavailable"
    kwargs, builds = invitation(progress_series, manager)
    sender = sender_for(smtp_server)
    with pytest.raises(PermanentMailError) as caught:
        await send_once(sessionmaker, sender, **kwargs)
    assert caught.value.recipients == (manager.email,)
    assert await send_once(sessionmaker, sender, **kwargs) == OutboxStatus.failed  # no second try
    assert len(builds) == 1 and smtp_server.messages == []
    (entry,) = await list_outbox(sessionmaker, status=OutboxStatus.failed)
    assert entry.error_code == 550 and "mailbox unavailable" in entry.last_error
    # HR fixed the problem: the row can be sent again
    del smtp_server.handler.refuse[manager.email]
    assert await retry_failed(sessionmaker, key=kwargs["key"], recipient=manager.email)
    assert await send_once(sessionmaker, sender, **kwargs) == OutboxStatus.sent
    assert len(smtp_server.messages) == 1


async def test_drop_after_data_is_unknown_and_resent_with_the_same_message_id(
    sessionmaker, smtp_server: SmtpServer, progress_series, manager
) -> None:
    kwargs, _ = invitation(progress_series, manager)
    sender = sender_for(smtp_server)
    smtp_server.handler.drop_after_data = True
    with pytest.raises(DeliveryUnknownError):
        await send_once(sessionmaker, sender, **kwargs)
    entry = await get_outbox_entry(sessionmaker, key=kwargs["key"], recipient=manager.email)
    assert entry.status == OutboxStatus.unknown
    smtp_server.handler.drop_after_data = False
    assert await send_once(sessionmaker, sender, **kwargs) == OutboxStatus.sent
    ids = {email.message_from_bytes(m.data)["Message-ID"] for m in smtp_server.messages}
    assert len(smtp_server.messages) == 2 and len(ids) == 1  # at least once, recognisably the same


async def test_concurrent_attempts_send_once(sessionmaker, smtp_server: SmtpServer, progress_series, manager) -> None:
    kwargs, _ = invitation(progress_series, manager)
    sender_a, sender_b = sender_for(smtp_server), sender_for(smtp_server)
    results = await asyncio.gather(
        send_once(sessionmaker, sender_a, **kwargs),
        send_once(sessionmaker, sender_b, **kwargs),
        return_exceptions=True,
    )
    assert len(smtp_server.messages) == 1
    assert OutboxStatus.sent in results
    for result in results:
        assert result == OutboxStatus.sent or isinstance(result, TransientMailError)


async def test_expired_lease_is_taken_over(sessionmaker, smtp_server: SmtpServer, progress_series, manager) -> None:
    """An attempt that died while holding the row does not block the row forever."""
    kwargs, _ = invitation(progress_series, manager)
    smtp_server.stop()
    with pytest.raises(TransientMailError):
        await send_once(sessionmaker, sender_for(smtp_server), **kwargs)
    smtp_server.start()
    async with sessionmaker() as session, session.begin():
        await session.execute(update(OutboxMessage).values(claimed_until=datetime.now(UTC) + timedelta(hours=1)))
    with pytest.raises(TransientMailError, match="another attempt"):
        await send_once(sessionmaker, sender_for(smtp_server), **kwargs)
    async with sessionmaker() as session, session.begin():
        await session.execute(update(OutboxMessage).values(claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert await send_once(sessionmaker, sender_for(smtp_server), **kwargs) == OutboxStatus.sent
    assert len(smtp_server.messages) == 1


async def test_notices_per_recipient(sessionmaker, smtp_server: SmtpServer) -> None:
    team = [Participant(f"collega{n}@example.com", f"Collega {n}") for n in range(3)]
    sender = sender_for(smtp_server)
    context = {"employee_name": "Jan", "manager_name": "Mia", "start_date": datetime(2026, 3, 2, tzinfo=UTC)}
    for _attempt in range(2):  # the activity runs twice
        async with sender:
            for person in team:
                key = notice_key("case-7/team-notice/1", person.email)
                await send_once(
                    sessionmaker,
                    sender,
                    key=key,
                    recipient=person.email,
                    kind="team_notice",
                    build=lambda person=person, key=key: notice_message(
                        kind="team_notice", recipient=person, mail_from=FROM, message_key=key, context=context
                    ),
                )
    assert sorted(r for m in smtp_server.messages for r in m.rcpt_tos) == [p.email for p in team]
    assert len({m.peer for m in smtp_server.messages}) == 1  # one connection for the batch


async def test_built_message_must_match_the_row(
    sessionmaker, smtp_server: SmtpServer, progress_series, manager, employee
) -> None:
    kwargs, _ = invitation(progress_series, manager)
    kwargs["recipient"] = employee.email
    with pytest.raises(ValueError):
        await send_once(sessionmaker, sender_for(smtp_server), **kwargs)
    assert smtp_server.messages == []
    # the claim was released: a correct retry is not blocked
    entry = await get_outbox_entry(sessionmaker, key=kwargs["key"], recipient=employee.email)
    assert entry.status == OutboxStatus.pending


async def test_list_outbox_newest_first(
    sessionmaker, smtp_server: SmtpServer, progress_series, manager, employee
) -> None:
    sender = sender_for(smtp_server)
    for person in (manager, employee):
        kwargs, _ = invitation(progress_series, person)
        await send_once(sessionmaker, sender, **kwargs)
    entries = await list_outbox(sessionmaker, limit=10)
    assert [e.recipient for e in entries] == [employee.email, manager.email]
    assert all(
        e.subject == "Uitnodiging: Voortgangsgesprek" or e.subject == "Invitation: Voortgangsgesprek" for e in entries
    )
    assert await list_outbox(sessionmaker, recipient=manager.email.upper()) == [entries[1]]
    assert len(await list_outbox(sessionmaker, limit=1)) == 1


# --------------------------------------------------------------------------------------------------
# Batches: two transactions per batch, the same guarantees


def item(series: CalendarSeries, person: Participant) -> OutboxItem:
    kwargs, _ = invitation(series, person)
    return OutboxItem(**kwargs)


def team(count: int) -> list[Participant]:
    return [Participant(f"collega{n}@example.com", f"Collega {n}") for n in range(count)]


def _three_attendees(progress_series: CalendarSeries) -> tuple[list[Participant], CalendarSeries, list[OutboxItem]]:
    people = team(3)
    series = dataclasses.replace(progress_series, attendees=tuple(people))
    return people, series, [item(series, person) for person in people]


@pytest.fixture
def transactions() -> Iterator[list[int]]:
    """How many transactions the outbox committed (reads end with a rollback), on any engine (on
    SQLite run_write has one of its own)."""
    count: list[int] = []

    def committed(_connection: object) -> None:
        count.append(1)

    event.listen(Engine, "commit", committed)
    yield count
    event.remove(Engine, "commit", committed)


async def test_a_batch_costs_two_transactions_and_a_retry_one(
    sessionmaker, smtp_server: SmtpServer, progress_series, transactions: list[int]
) -> None:
    people, series, items = _three_attendees(progress_series)
    sender = sender_for(smtp_server)
    assert await send_batch(sessionmaker, sender, items) == [OutboxStatus.sent] * 3
    assert len(transactions) == 2
    assert await send_batch(sessionmaker, sender, items) == [OutboxStatus.sent] * 3  # the retried activity
    assert len(transactions) == 3
    assert len(smtp_server.messages) == 3
    entries = await list_outbox(sessionmaker)
    assert {(e.status, e.attempts) for e in entries} == {(OutboxStatus.sent, 1)}
    assert all(e.message_id and e.subject and e.sent_at and e.last_error is None for e in entries)


async def test_concurrent_batches_each_cost_two_transactions(
    sessionmaker, smtp_server: SmtpServer, progress_series, transactions: list[int]
) -> None:
    people = team(20)
    sender = sender_for(smtp_server)
    batches = [[item(dataclasses.replace(progress_series, attendees=(p,)), p)] for p in people]
    results = await asyncio.gather(*(send_batch(sessionmaker, sender, batch) for batch in batches))
    assert results == [[OutboxStatus.sent]] * 20
    assert len(smtp_server.messages) == 20
    assert len(transactions) == 2 * len(batches)


async def test_the_same_message_in_two_concurrent_batches_goes_out_once(
    sessionmaker, smtp_server: SmtpServer, progress_series, manager
) -> None:
    sender = sender_for(smtp_server)
    batch = [item(progress_series, manager)]
    results = await asyncio.gather(send_batch(sessionmaker, sender, batch), send_batch(sessionmaker, sender, batch))
    assert len(smtp_server.messages) == 1
    # Either may claim first (on PostgreSQL each batch has a connection of its own); the other
    # finds the row sent or leased.
    (winner,), (other,) = sorted(results, key=lambda result: result != [OutboxStatus.sent])
    assert winner == OutboxStatus.sent
    assert other == OutboxStatus.sent or (isinstance(other, TransientMailError) and "another attempt" in str(other))


async def test_an_item_twice_in_one_batch_goes_out_once(
    sessionmaker, smtp_server: SmtpServer, progress_series, manager
) -> None:
    twice = [item(progress_series, manager), item(progress_series, manager)]
    assert await send_batch(sessionmaker, sender_for(smtp_server), twice) == [OutboxStatus.sent] * 2
    assert len(smtp_server.messages) == 1


async def test_refused_and_deferred_recipients_in_one_batch(
    sessionmaker, smtp_server: SmtpServer, progress_series
) -> None:
    refused, deferred, fine = team(3)
    series = dataclasses.replace(progress_series, attendees=(refused, deferred, fine))
    items = [item(series, person) for person in (refused, deferred, fine)]
    smtp_server.handler.refuse[refused.email] = "550 5.1.1 no such user"
    smtp_server.handler.refuse[deferred.email] = "451 4.7.1 greylisted"
    sender = sender_for(smtp_server)
    first = await send_batch(sessionmaker, sender, items)
    assert isinstance(first[0], PermanentMailError) and first[0].code == 550
    assert isinstance(first[1], TransientMailError) and not isinstance(first[1], PermanentMailError)
    assert first[2] == OutboxStatus.sent
    status = {e.recipient: e for e in await list_outbox(sessionmaker)}
    assert status[refused.email].status == OutboxStatus.failed and status[refused.email].error_code == 550
    assert status[deferred.email].status == OutboxStatus.pending and status[deferred.email].error_code == 451
    assert status[fine.email].status == OutboxStatus.sent
    smtp_server.handler.refuse.clear()
    assert await send_batch(sessionmaker, sender, items) == [OutboxStatus.failed, OutboxStatus.sent, OutboxStatus.sent]
    assert [m.rcpt_tos for m in smtp_server.messages] == [[fine.email], [deferred.email]]


async def test_a_build_error_records_what_went_out_and_releases_the_rest(
    sessionmaker, smtp_server: SmtpServer, progress_series
) -> None:
    people, series, items = _three_attendees(progress_series)
    broken = dataclasses.replace(items[1], build=items[0].build)  # a message for someone else
    sender = sender_for(smtp_server)
    with pytest.raises(ValueError):
        await send_batch(sessionmaker, sender, [items[0], broken, items[2]])
    status = {e.recipient: e for e in await list_outbox(sessionmaker)}
    assert status[people[0].email].status == OutboxStatus.sent
    assert status[people[1].email].status == status[people[2].email].status == OutboxStatus.pending
    assert await send_batch(sessionmaker, sender, items) == [OutboxStatus.sent] * 3  # not blocked by a lease
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(p.email for p in people)


class _HangsAfter:
    """Sends ``sent`` messages through ``real``, then hangs: a worker stuck or killed mid-batch."""

    def __init__(self, real: SmtpSender, server: SmtpServer, sent: int) -> None:
        self.timeout = real.timeout
        self.stuck = asyncio.Event()
        self._real, self._server, self._sent = real, server, sent

    async def send(self, message) -> None:
        if len(self._server.messages) >= self._sent:
            self.stuck.set()
            await asyncio.Event().wait()
        await self._real.send(message)


async def test_a_cancelled_batch_records_what_went_out(sessionmaker, smtp_server: SmtpServer, progress_series) -> None:
    people, series, items = _three_attendees(progress_series)
    real = sender_for(smtp_server)
    hangs = _HangsAfter(real, smtp_server, sent=1)
    task = asyncio.create_task(send_batch(sessionmaker, hangs, items))
    await asyncio.wait_for(hangs.stuck.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    status = {e.recipient: e for e in await list_outbox(sessionmaker)}
    assert status[people[0].email].status == OutboxStatus.sent
    assert status[people[1].email].status == OutboxStatus.pending  # its lease runs out: it may have left
    assert await send_batch(sessionmaker, real, [items[2]]) == [OutboxStatus.sent]  # released: not leased
    with pytest.raises(TransientMailError, match="another attempt"):
        await send_once(sessionmaker, real, **invitation(series, people[1])[0])


async def test_a_claim_ends_when_the_attempt_would_be_cancelled(
    sessionmaker, smtp_server: SmtpServer, progress_series
) -> None:
    """An activity passes the end of its attempt: a worker killed mid-batch leaves rows the next
    attempt may take from then on, not only after a lease long enough to send the whole batch."""
    _people, _series, items = _three_attendees(progress_series)
    real = sender_for(smtp_server)

    async def claims_after_a_stuck_send(claim_until: datetime | None) -> list[datetime | None]:
        hangs = _HangsAfter(real, smtp_server, sent=0)
        task = asyncio.create_task(send_batch(sessionmaker, hangs, items, claim_until=claim_until))
        await asyncio.wait_for(hangs.stuck.wait(), 10)
        async with sessionmaker() as session:
            rows = (
                (await session.execute(select(OutboxMessage.claimed_until).order_by(OutboxMessage.id))).scalars().all()
            )
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return list(rows)

    before = datetime.now(UTC)
    unbounded = await claims_after_a_stuck_send(None)
    # Without a bound the lease covers sending all three: a minute per message (connect and send).
    assert all(until is not None and until >= before + timedelta(seconds=3 * 2 * real.timeout) for until in unbounded)
    async with sessionmaker() as session, session.begin():
        await session.execute(update(OutboxMessage).values(claimed_until=None))  # the first attempt's lease ran out
    attempt_end = datetime.now(UTC) + timedelta(seconds=20)
    assert await claims_after_a_stuck_send(attempt_end) == [attempt_end] * 3
    assert smtp_server.messages == []


async def test_a_batch_cancelled_while_it_claims_gives_its_rows_back(
    sessionmaker, smtp_server: SmtpServer, progress_series
) -> None:
    """Cancelled before its claim was written: the claim is written all the same (a transaction is
    not cut off half-way), and what it won is released at once, not when the lease runs out."""
    _people, _series, items = _three_attendees(progress_series)
    real = sender_for(smtp_server)
    task = asyncio.create_task(send_batch(sessionmaker, real, items))
    await asyncio.sleep(0)  # the batch is waiting for its claim's transaction
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    async def claims() -> list[datetime | None]:
        async with sessionmaker() as session:
            return list((await session.execute(select(OutboxMessage.claimed_until))).scalars().all())

    for _ in range(200):
        found = await claims()
        if len(found) == 3 and found == [None] * 3:
            break
        await asyncio.sleep(0.02)
    assert await claims() == [None] * 3
    assert smtp_server.messages == []
    assert await send_batch(sessionmaker, real, items) == [OutboxStatus.sent] * 3  # not blocked by a lease
    assert len(smtp_server.messages) == 3
