"""Summaries: notices held back in SQL and sent as one message per person.

Two reasons to hold a notice back (:func:`hold_items`, called by
:func:`integrations.invitations.send_notices`):

- **daily**: the person chose the daily summary (:mod:`integrations.preferences`). The notice waits
  for the next working day's 08:00, Europe/Amsterdam (:func:`next_summary_at`).
- **batch**: an HR alert (:data:`HR_ALERTS`) to someone who reads at once. The alerts of one
  delivery (one decision of a case: an intake of an old case makes six at once) go as one message,
  sent by the activity right after (:func:`send_due` with their keys). The product's worker also
  waits :data:`HR_BATCH_WINDOW` from a person's first alert for others, so that many cases reaching
  a deadline at the same moment (a morning's ticks, a burst of intakes) make one mail too.

Nothing is lost or sent twice:

- an item is keyed on the notice's outbox key (:func:`integrations.outbox.notice_key`, unique in
  ``digest_items``): a retried delivery finds it and queues nothing again. The choice between
  holding and sending at once is made once per key, in one transaction with the look-up: a key
  with an outbox row went out at once and is never held; a held key is never sent at once, even if
  the person changes their choice meanwhile;
- a summary is claimed once (:func:`send_due`): a row in ``mail_digests`` whose primary key is the
  summary's key (``summary:<address>:<day>:<first item id>``, one per person per day as a rule)
  and, in the same transaction, its items (``digest_key`` set where it was empty, and only for items
  that did not go out at once). Two runs at once compute the same key; one wins the insert;
- the summary is sent through the outbox under that key, so running again (a second worker, a
  restart, the job run twice) sends nothing more; a summary claimed but not sent (the process died,
  SMTP was down) is sent by the next run.

Who sends at 08:00, and why: :func:`run_summaries`, a loop in every worker process that calls
:func:`send_due` every :data:`POLL_SECONDS`. It needs no Temporal schedule or workflow: the state
(what waits, until when, what was claimed and sent) is in SQL and the outbox, so the loop is
stateless and any number of workers may run it; a worker that was down at 08:00 sends the morning's
summaries when it starts (late rather than never). A Temporal schedule would add a second place
that knows the time of day, a schedule to create and migrate on every deployment, and the same SQL
claim for exactly-once anyway (a scheduled action is at-least-once too); nor does the
time-skipping test server run schedules.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Connection, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.calendar import Participant
from integrations.db import run_write, upsert_on
from integrations.mail import notice_message, summary_message, text_notice
from integrations.outbox import OutboxItem, OutboxStatus, Result, notice_key, send_batch
from integrations.preferences import MailMode, modes_of
from integrations.rounds import in_rounds
from integrations.schema import Base, DigestItemRow, DigestRow, OutboxMessage
from integrations.smtp import MailError, PermanentMailError, SmtpSender
from integrations.vtimezone import ZONE

logger = logging.getLogger(__name__)

SUMMARY_AT = time(8, 0)
"""When the daily summary goes, Europe/Amsterdam, on working days (Monday to Friday)."""
HR_ALERTS = frozenset({"hr_overdue", "hr_reminder", "deadline_moved", "riv_gap"})
"""The notices that are combined when several reach one person at once."""
HR_BATCH_WINDOW = timedelta(minutes=2)
"""How long the worker lets an HR alert wait for others to the same person (the product's worker,
``worker.running_worker``; the activities default to none, and the alerts of one delivery are still
combined: ``activities.case_activities.CaseActivities``)."""
POLL_SECONDS = 30.0
"""How often :func:`run_summaries` looks for summaries that are due."""
MAILBOX_NAME = "Verzuimbegeleiding"
SETTINGS_PATH = "/settings/mail"
"""Where a person chooses between direct and the daily summary (web.mail_settings); linked from it."""

_ITEMS = Base.metadata.tables[DigestItemRow.__tablename__]
_DIGESTS = Base.metadata.tables[DigestRow.__tablename__]
_OUTBOX = Base.metadata.tables[OutboxMessage.__tablename__]
_URL = re.compile(r"https?://[^\s<>\"']+")


def next_summary_at(now: datetime) -> datetime:
    """The first working day's 08:00 (Europe/Amsterdam) after ``now``, in UTC."""
    day = now.astimezone(ZONE).date()
    while True:
        moment = datetime.combine(day, SUMMARY_AT, tzinfo=ZONE)
        if day.weekday() < 5 and moment > now:
            return moment.astimezone(UTC)
        day += timedelta(days=1)


# --------------------------------------------------------------------------------------------------
# Holding notices back


@dataclass(frozen=True)
class Holding:
    """How :func:`integrations.invitations.send_notices` holds notices back: the moment (the
    activity's clock), how long an HR alert waits for others (0: only the alerts of this delivery
    are combined, :func:`send_due` with their keys sends them at once), and the case."""

    now: datetime
    hr_wait: timedelta = timedelta(0)
    case_id: str | None = None


def notice_gist(message: EmailMessage) -> tuple[str, str, str | None]:
    """(subject, plain text, first link) of a built notice: what a summary lists of it."""
    subject = str(message.get("Subject", ""))
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    link = _URL.search(text)
    return subject, text, link.group(0).rstrip(".,;:!?") if link else None


def gist(text: str, limit: int = 400) -> str:
    """What a summary says of a notice besides its subject: the first paragraph after the greeting
    (what happened, what is asked, by when), without its list and links, at most ``limit`` long."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    for paragraph in paragraphs[1:]:
        lines = []
        for line in paragraph.splitlines():
            if line.lstrip().startswith("- "):
                break
            lines.append(line.strip())
        found = " ".join(lines).strip()
        if found.endswith(":"):  # an introduction to the list: keep the sentences before it
            found = found.rpartition(". ")[0] + "." if ". " in found else ""
        if found and not _URL.search(found):
            if len(found) <= limit:
                return found
            return found[: limit - 1].rsplit(" ", 1)[0] + "…"
    return ""


async def hold_items(
    sessionmaker: async_sessionmaker[AsyncSession],
    items: Sequence[OutboxItem],
    people: Sequence[Participant],
    holding: Holding,
) -> set[str]:
    """Queue the notices (``items``, to ``people`` in the same order) that wait for a summary;
    returns the keys that wait (queued now or before). The others go out at once: the caller
    sends them through the outbox. Reads first, so that the usual case (no one chose the summary,
    no HR alert) costs no write transaction."""
    if not items:
        return set()
    if len(items) != len(people):
        raise ValueError("one person per item")
    keys = sorted({item.key for item in items})
    addresses = {person.email.lower() for person in people}
    async with sessionmaker() as session:
        queued = (await session.scalars(select(_ITEMS.c.key).where(_ITEMS.c.key.in_(keys)))).all()
        modes = await session.run_sync(lambda sync: modes_of(sync.connection(), addresses))
    if not queued and not any(item.kind in HR_ALERTS for item in items) and MailMode.daily not in modes.values():
        return set()
    return await run_write(
        sessionmaker,
        functools.partial(_hold_rows, items=list(zip(items, people, strict=True)), holding=holding),
    )


def _hold_rows(
    connection: Connection, *, items: Sequence[tuple[OutboxItem, Participant]], holding: Holding
) -> set[str]:
    now, wait = holding.now, holding.hr_wait
    keys = sorted({item.key for item, _person in items})
    held = set(connection.scalars(select(_ITEMS.c.key).where(_ITEMS.c.key.in_(keys))))
    went_out = set(connection.scalars(select(_OUTBOX.c.key).where(_OUTBOX.c.key.in_(keys))))
    addresses = {person.email.lower() for _item, person in items}
    modes = modes_of(connection, addresses)
    open_batches: dict[str, datetime] = {}
    if wait:
        found = connection.execute(
            select(_ITEMS.c.recipient, func.min(_ITEMS.c.due_at).label("due"))
            .where(
                _ITEMS.c.recipient.in_(sorted(addresses)),
                _ITEMS.c.digest_key.is_(None),
                _ITEMS.c.reason == "batch",
            )
            .group_by(_ITEMS.c.recipient)
        )
        open_batches = {row.recipient: _aware(row.due) for row in found}
    rows: list[dict[str, Any]] = []
    for item, person in items:
        address = person.email.lower()
        if item.key in held or item.key in went_out:
            continue
        if modes.get(address) == MailMode.daily:
            due, reason = next_summary_at(now), "daily"
        elif item.kind in HR_ALERTS:
            due, reason = (open_batches.setdefault(address, now + wait) if wait else now), "batch"
        else:
            continue
        try:
            row = _item_row(item, person, reason=reason, holding=holding, due=due)
        except Exception as exc:
            # No message can be made for it (an address the mail library cannot write): it goes at
            # once, and the outbox records the refusal for that recipient alone. Logged by kind and
            # error type only: the key and the error name the address.
            logger.warning(
                "a %s notice is not held for a summary: it cannot be built (%s)", item.kind, type(exc).__name__
            )
            continue
        rows.append(row)
        held.add(item.key)
    if rows:
        insert = upsert_on(connection.dialect.name)(_ITEMS)
        connection.execute(insert.on_conflict_do_nothing(index_elements=["key"]), rows)
    return held


def _aware(moment: datetime) -> datetime:
    """A value read through a plain aggregate (no UtcDateTime on it): naive on SQLite, UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _item_row(item: OutboxItem, person: Participant, *, reason: str, holding: Holding, due: datetime) -> dict[str, Any]:
    subject, text, link = notice_gist(item.build())
    return {
        "key": item.key,
        "recipient": person.email.lower(),
        "recipient_name": person.name[:200],
        "language": person.language,
        "kind": item.kind,
        "reason": reason,
        "case_id": holding.case_id,
        "subject": subject[:200],
        "body": text,
        "url": link[:2000] if link else None,
        "queued_at": holding.now,
        "due_at": due,
        "digest_key": None,
    }


# --------------------------------------------------------------------------------------------------
# Sending what is due


@dataclass(frozen=True)
class _Item:
    key: str
    recipient_name: str
    language: str
    kind: str
    subject: str
    body: str
    url: str | None


@dataclass(frozen=True)
class _Summary:
    key: str
    recipient: str
    reason: str
    items: tuple[_Item, ...]


@dataclass(frozen=True)
class SummaryOutcome:
    """What became of one summary: ``sent`` or ``failed`` (now or before), or the mail error."""

    key: str
    recipient: str
    reason: str
    item_keys: tuple[str, ...]
    subject: str  # of the one notice a batch of one carried ("" for a summary of several)
    result: Result


async def send_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: SmtpSender,
    *,
    mail_from: str,
    now: datetime | None = None,
    keys: Collection[str] | None = None,
    settings_url: str | None = None,
    claim_until: datetime | None = None,
) -> list[SummaryOutcome]:
    """Claim a summary for every person with items due at ``now`` and send each summary that is
    claimed and not sent yet (this run's, or one an earlier run left): one message per person.
    With ``keys`` (notice keys): only the items with those keys, and the summaries that hold them
    (an activity sending the alerts of its own delivery).

    Safe to run any number of times and in several processes at once (see the module)."""
    now = now or datetime.now(UTC)
    only = sorted(set(keys)) if keys is not None else None
    if only == []:
        return []
    summaries = await run_write(sessionmaker, functools.partial(_claim_summaries, now=now, keys=only))
    if not summaries:
        return []
    items = [_outbox_item(summary, mail_from, settings_url) for summary in summaries]
    results = await send_batch(sessionmaker, sender, items, claim_until=claim_until)
    outcomes = [
        SummaryOutcome(
            key=summary.key,
            recipient=summary.recipient,
            reason=summary.reason,
            item_keys=tuple(item.key for item in summary.items),
            subject=summary.items[0].subject if len(summary.items) == 1 else "",
            result=result,
        )
        for summary, result in zip(summaries, results, strict=True)
    ]
    await run_write(sessionmaker, functools.partial(_record_summaries, outcomes=outcomes, now=datetime.now(UTC)))
    return outcomes


def summary_key(recipient: str, day: str, first_item: int) -> str:
    """One summary per person per day as a rule (a second one only for items that came late)."""
    return f"summary:{recipient}:{day}:{first_item}"


def _loggable(key: str) -> str:
    """A summary's key as the logs carry it: its day and first item, without its reader's address."""
    _kind_and_recipient, day, first_item = key.rsplit(":", 2)
    return f"summary:{day}:{first_item}"


def _claim_summaries(connection: Connection, *, now: datetime, keys: list[str] | None) -> list[_Summary]:
    due = select(_ITEMS.c.id, _ITEMS.c.recipient, _ITEMS.c.reason).where(
        _ITEMS.c.digest_key.is_(None), _ITEMS.c.due_at <= now
    )
    if keys is not None:
        due = due.where(_ITEMS.c.key.in_(keys))
    waiting = connection.execute(due.order_by(_ITEMS.c.id)).all()
    by_person: dict[str, list[Any]] = {}
    for row in waiting:
        by_person.setdefault(row.recipient, []).append(row)
    day = now.astimezone(ZONE).date().isoformat()
    insert = upsert_on(connection.dialect.name)(_DIGESTS)
    for recipient, rows in by_person.items():
        key = summary_key(recipient, day, rows[0].id)
        reason = "daily" if any(row.reason == "daily" for row in rows) else "batch"
        won = connection.execute(
            insert.values(key=key, recipient=recipient, reason=reason, status="pending", created_at=now, sent_at=None)
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(_DIGESTS.c.key)
        ).first()
        if won is None:
            continue  # another run claimed it
        went_out = exists(select(_OUTBOX.c.id).where(_OUTBOX.c.key == _ITEMS.c.key))
        assigned = connection.execute(
            update(_ITEMS)
            .where(_ITEMS.c.id.in_([row.id for row in rows]), _ITEMS.c.digest_key.is_(None), ~went_out)
            .values(digest_key=key)
        ).rowcount
        if not assigned:
            connection.execute(update(_DIGESTS).where(_DIGESTS.c.key == key).values(status="empty"))
    unsent = select(_DIGESTS.c.key, _DIGESTS.c.recipient, _DIGESTS.c.reason).where(_DIGESTS.c.status == "pending")
    if keys is not None:
        unsent = unsent.where(_DIGESTS.c.key.in_(select(_ITEMS.c.digest_key).where(_ITEMS.c.key.in_(keys))))
    pending = connection.execute(unsent.order_by(_DIGESTS.c.created_at, _DIGESTS.c.key)).all()
    if not pending:
        return []
    found: dict[str, list[_Item]] = {row.key: [] for row in pending}
    for item in connection.execute(select(_ITEMS).where(_ITEMS.c.digest_key.in_(list(found))).order_by(_ITEMS.c.id)):
        found[item.digest_key].append(
            _Item(item.key, item.recipient_name, item.language, item.kind, item.subject, item.body, item.url)
        )
    return [_Summary(row.key, row.recipient, row.reason, tuple(found[row.key])) for row in pending if found[row.key]]


def _outbox_item(summary: _Summary, mail_from: str, settings_url: str | None) -> OutboxItem:
    """A summary of several items; a batch of one goes as the notice itself (under its own key)."""
    last = summary.items[-1]  # the newest name and language the person was written to with
    person = Participant(email=summary.recipient, name=last.recipient_name, language=last.language)
    if summary.reason == "batch" and len(summary.items) == 1:
        return OutboxItem(
            key=last.key,
            recipient=summary.recipient,
            kind=last.kind,
            build=functools.partial(
                text_notice,
                recipient=person,
                mail_from=mail_from,
                message_key=last.key,
                subject=last.subject,
                body=last.body,
            ),
        )
    return OutboxItem(
        key=summary.key,
        recipient=summary.recipient,
        kind=f"summary:{summary.reason}",
        build=functools.partial(
            summary_message,
            recipient=person,
            mail_from=mail_from,
            message_key=summary.key,
            reason=summary.reason,
            items=[(item.subject, gist(item.body), item.url) for item in summary.items],
            kinds=[item.kind for item in summary.items],
            settings_url=settings_url,
        ),
    )


def _record_summaries(connection: Connection, *, outcomes: Sequence[SummaryOutcome], now: datetime) -> None:
    """Sent: the summary is done and its items' texts are dropped. Refused: failed. Otherwise it
    stays pending for the next run."""
    for outcome in outcomes:
        if outcome.result == OutboxStatus.sent:
            connection.execute(update(_DIGESTS).where(_DIGESTS.c.key == outcome.key).values(status="sent", sent_at=now))
            connection.execute(update(_ITEMS).where(_ITEMS.c.digest_key == outcome.key).values(body=""))
        elif outcome.result == OutboxStatus.failed or isinstance(outcome.result, PermanentMailError):
            connection.execute(update(_DIGESTS).where(_DIGESTS.c.key == outcome.key).values(status="failed"))


# --------------------------------------------------------------------------------------------------
# The loop in the worker


async def tell_mailbox(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: SmtpSender,
    refused: Collection[SummaryOutcome],
    *,
    mail_from: str,
) -> None:
    """A refused summary has no case to tell HR through: the product's mailbox gets the warning."""
    mailbox = Participant(email=mail_from, name=MAILBOX_NAME)
    items = []
    for outcome in refused:
        if outcome.recipient == mail_from.lower():
            continue
        key = notice_key(f"{outcome.key}:bounce", mail_from)
        context: dict[str, object] = {"address": outcome.recipient, "reason": str(outcome.result)}
        if outcome.subject:
            context["message_subject"] = outcome.subject
        items.append(
            OutboxItem(
                key=key,
                recipient=mail_from,
                kind="bounce_warning",
                build=functools.partial(
                    notice_message,
                    kind="bounce_warning",
                    recipient=mailbox,
                    mail_from=mail_from,
                    message_key=key,
                    context=context,
                ),
            )
        )
    if items:
        await send_batch(sessionmaker, sender, items)


async def send_due_and_warn(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: SmtpSender,
    *,
    mail_from: str,
    settings_url: str | None = None,
    now: datetime | None = None,
) -> list[SummaryOutcome]:
    """One round of the loop: :func:`send_due`, then the mailbox told of each summary refused now."""
    outcomes = await send_due(sessionmaker, sender, mail_from=mail_from, settings_url=settings_url, now=now)
    refused = [outcome for outcome in outcomes if isinstance(outcome.result, PermanentMailError)]
    if refused:
        await tell_mailbox(sessionmaker, sender, refused, mail_from=mail_from)
    for outcome in outcomes:
        if isinstance(outcome.result, MailError) and not isinstance(outcome.result, PermanentMailError):
            logger.info(
                "summary %s not sent yet, tried again in the next round: %s", _loggable(outcome.key), outcome.result
            )
    return outcomes


async def run_summaries(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: SmtpSender,
    *,
    mail_from: str,
    settings_url: str | None = None,
    every: float = POLL_SECONDS,
) -> None:
    """Send the summaries that are due, every ``every`` seconds, until cancelled. A round that fails
    (the store or SMTP away) is logged and the next one tries again: nothing is lost meanwhile."""
    await in_rounds(
        lambda: send_due_and_warn(sessionmaker, sender, mail_from=mail_from, settings_url=settings_url),
        every=every,
        what="sending the due summaries",
        logger=logger,
    )


__all__ = [
    "HR_ALERTS",
    "HR_BATCH_WINDOW",
    "Holding",
    "MAILBOX_NAME",
    "POLL_SECONDS",
    "SETTINGS_PATH",
    "SUMMARY_AT",
    "SummaryOutcome",
    "gist",
    "hold_items",
    "next_summary_at",
    "notice_gist",
    "run_summaries",
    "send_due",
    "send_due_and_warn",
    "summary_key",
    "tell_mailbox",
]
