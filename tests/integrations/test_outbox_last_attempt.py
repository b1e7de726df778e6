"""The activity's last attempt (``final``): a transient failure is given up for that message alone
(row ``failed`` with the last error, an AbandonedMailError the workflow tells HR about), and the
other messages of the batch still go. Real aiosmtpd, SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses

from integrations.calendar import CalendarSeries
from integrations.outbox import OutboxStatus, get_outbox_entry, send_batch
from integrations.smtp import AbandonedMailError, PermanentMailError, TransientMailError
from tests.integrations.conftest import SmtpServer
from tests.integrations.test_outbox import item, sender_for, team


async def test_the_last_attempt_gives_up_a_deferred_message_and_sends_the_others(
    sessionmaker, smtp_server: SmtpServer, progress_series: CalendarSeries
) -> None:
    deferred, fine = team(2)
    series = dataclasses.replace(progress_series, attendees=(deferred, fine))
    items = [item(series, person) for person in (deferred, fine)]
    smtp_server.handler.refuse[deferred.email] = "450 4.2.0 mailbox busy, try again later"
    sender = sender_for(smtp_server)

    first = await send_batch(sessionmaker, sender, items)  # an early attempt: retried later
    assert isinstance(first[0], TransientMailError) and not isinstance(first[0], PermanentMailError)
    entry = await get_outbox_entry(sessionmaker, key=items[0].key, recipient=deferred.email)
    assert entry is not None and entry.status == OutboxStatus.pending

    last = await send_batch(sessionmaker, sender, items, final=True)
    assert isinstance(last[0], AbandonedMailError) and last[0].code == 450
    assert last[1] == OutboxStatus.sent
    entry = await get_outbox_entry(sessionmaker, key=items[0].key, recipient=deferred.email)
    assert entry is not None and entry.status == OutboxStatus.failed
    assert "last attempt" in (entry.last_error or "") and "try again later" in (entry.last_error or "")
    assert entry.attempts == 2
    # Given up means given up: a later call sends nothing more to that address.
    assert await send_batch(sessionmaker, sender, items) == [OutboxStatus.failed, OutboxStatus.sent]
    assert [received.rcpt_tos for received in smtp_server.messages] == [[fine.email]]
