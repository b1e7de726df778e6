"""From a change of a series to the messages that carry it, sent through the outbox.

The activities stay thin: the workflow keeps the :class:`CalendarSeries` and applies a change with
the pure helpers of :mod:`integrations.calendar` (``updated``, ``moved``, ``occurrence_cancelled``,
``ended``, ``without_attendee``, ``cancelled``); the activity then calls::

    outgoing = plan(series_after, change="moved", dtstamp=cmd.dtstamp, recurrence_id=original_start)
    report = await send_invitations(sessionmaker, sender, series_after, outgoing, mail_from=settings.mail_from)

``plan`` decides who gets which iTIP method (a removed attendee gets a CANCEL of their own, the rest
a REQUEST); ``send_invitations`` sends them through :func:`integrations.outbox.send_batch` (two
transactions for the whole call) over the sender's kept SMTP connections. A retried activity
re-plans the same bytes (``dtstamp`` comes from the workflow) and finds the rows already sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations import calendar as cal
from integrations.calendar import CalendarSeries, Participant
from integrations.digest import Holding, hold_items
from integrations.mail import CHANGES, invitation_message, notice_message
from integrations.outbox import OutboxItem, OutboxStatus, Result, invitation_key, notice_key, send_batch
from integrations.smtp import AbandonedMailError, PermanentMailError, SmtpSender, TransientMailError


@dataclass(frozen=True)
class Outgoing:
    """One iMIP message to one person."""

    recipient: Participant
    method: str  # REQUEST | CANCEL | DECLINECOUNTER
    change: str  # the wording, one of integrations.mail.CHANGES
    calendar: bytes
    recurrence_id: datetime | None = None
    series: CalendarSeries | None = None  # the series in the recipient's language (None: as planned)
    note: str = ""  # why the series changed or stops, in the recipient's language
    previous_start: datetime | None = None  # an update: the start before it, to say what moved
    proposed_start: datetime | None = None  # counter_declined: the time the declined proposal asked for


@dataclass(frozen=True)
class SeriesText:
    """A series in one language: what the calendar shows, and what the mail says about the change."""

    summary: str
    location: str
    description: str = ""
    note: str = ""  # the mail only: why the series changed or stops


@dataclass(frozen=True)
class SendReport:
    sent: tuple[str, ...] = ()  # addresses that have the message (now or from an earlier attempt)
    failed: tuple[tuple[str, str], ...] = ()  # (address, reason): refused permanently; tell HR
    gave_up: tuple[str, ...] = ()  # of those: not refused, still failing on the last attempt (final)

    @property
    def ok(self) -> bool:
        return not self.failed


def plan(
    series: CalendarSeries,
    *,
    change: str,
    dtstamp: datetime,
    recurrence_id: datetime | None = None,
    removed: Participant | None = None,
    texts: Mapping[str, SeriesText] | None = None,
    previous_start: datetime | None = None,
    proposed_start: datetime | None = None,
    joined: Collection[str] = (),
) -> list[Outgoing]:
    """The messages for ``change`` of ``series`` (the state after the change), each in its
    recipient's language: with ``texts`` (by language), the attendees of one language get a calendar
    (SUMMARY, LOCATION, DESCRIPTION) and a mail in their words; ``series`` gives the words of any
    other language. ``previous_start`` (an update) lets the mail say what moved, ``proposed_start``
    (counter_declined) which proposal was declined; the people in ``joined`` (addresses) get an
    update of the whole series worded as an invitation, their first. See :func:`plan_one` for who
    gets which method."""
    people = (*([removed] if removed is not None else []), *series.attendees)
    newcomers = {address.lower() for address in joined}
    outgoing: list[Outgoing] = []
    for language in dict.fromkeys(person.language for person in people):  # each once, in the people's order
        text = (texts or {}).get(language)
        localized = series if text is None else in_language(series, text)
        found = plan_one(
            localized,
            change=change,
            dtstamp=dtstamp,
            recurrence_id=recurrence_id,
            removed=removed,
            proposed_start=proposed_start,
        )
        outgoing += [
            dataclasses.replace(
                item,
                series=localized,
                note=text.note if text is not None else "",
                previous_start=previous_start,
                change="new" if _joins(item, newcomers) else item.change,
            )
            for item in found
            if item.recipient.language == language
        ]
    return outgoing


def _joins(item: Outgoing, newcomers: set[str]) -> bool:
    """A REQUEST of the whole series to someone who had none of it before."""
    return item.method == "REQUEST" and item.recurrence_id is None and item.recipient.email.lower() in newcomers


def in_language(series: CalendarSeries, text: SeriesText) -> CalendarSeries:
    """The series with the words of one language (same UID, SEQUENCE, times and people)."""
    return dataclasses.replace(series, summary=text.summary, location=text.location, description=text.description)


def plan_one(
    series: CalendarSeries,
    *,
    change: str,
    dtstamp: datetime,
    recurrence_id: datetime | None = None,
    removed: Participant | None = None,
    proposed_start: datetime | None = None,
) -> list[Outgoing]:
    """The messages for ``change`` of ``series`` (the state after the change), in its words.

    new, update, ended: REQUEST of the series to every attendee.
    moved: REQUEST of the one exception (``recurrence_id`` = original start) to every attendee.
    occurrence_cancelled: CANCEL of that occurrence to every attendee.
    cancelled: CANCEL of the series to every attendee.
    removed: CANCEL to ``removed`` only (no STATUS:CANCELLED) and REQUEST to the rest.
    counter_declined: DECLINECOUNTER to the proposer only, who is the one attendee of ``series`` (the
    caller addresses it to them); ``proposed_start`` is the time they proposed, ``recurrence_id`` the
    occurrence their COUNTER named (None: the series or a one-off talk). Nothing changes, so nobody
    else hears of it."""
    if change not in CHANGES:
        raise ValueError(f"change must be one of {CHANGES}")
    everyone = series.attendees
    if change == "counter_declined":
        if len(everyone) != 1:
            raise ValueError("counter_declined goes to the proposer only: pass the series addressed to them")
        if proposed_start is None:
            raise ValueError("counter_declined needs the proposed_start")
        (proposer,) = everyone
        data = cal.decline_counter(series, proposer, dtstamp=dtstamp, recurrence_id=recurrence_id)
        return [Outgoing(proposer, "DECLINECOUNTER", change, data, recurrence_id, proposed_start=proposed_start)]
    if change in ("new", "update", "ended"):
        data = cal.series_request(series, dtstamp=dtstamp)
        return [Outgoing(person, "REQUEST", change, data) for person in everyone]
    if change in ("moved", "occurrence_cancelled"):
        if recurrence_id is None:
            raise ValueError(f"{change} needs the recurrence_id (the original start)")
        if change == "moved":
            data = cal.occurrence_request(series, recurrence_id=recurrence_id, dtstamp=dtstamp)
            return [Outgoing(person, "REQUEST", change, data, recurrence_id) for person in everyone]
        data = cal.occurrence_cancel(series, recurrence_id=recurrence_id, dtstamp=dtstamp)
        return [Outgoing(person, "CANCEL", change, data, recurrence_id) for person in everyone]
    if change == "cancelled":
        data = cal.series_cancel(series, dtstamp=dtstamp)
        return [Outgoing(person, "CANCEL", change, data) for person in everyone]
    # removed
    if removed is None:
        raise ValueError("removed needs the removed participant")
    if any(a.email.lower() == removed.email.lower() for a in everyone):
        raise ValueError("pass the series after without_attendee(): the removed person is still in it")
    farewell = Outgoing(removed, "CANCEL", "removed", cal.attendee_cancel(series, removed, dtstamp=dtstamp))
    data = cal.series_request(series, dtstamp=dtstamp)
    return [farewell] + [Outgoing(person, "REQUEST", "update", data) for person in everyone]


async def send_invitations(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: SmtpSender,
    series: CalendarSeries,
    outgoing: Sequence[Outgoing],
    *,
    mail_from: str,
    case_id: str | None = None,
    claim_until: datetime | None = None,
    final: bool = False,
) -> SendReport:
    """Send each planned message once (outbox: :func:`integrations.outbox.send_batch`, two
    transactions for the whole call), over the sender's kept connections.

    Permanent refusals are collected in the report (the others still go out); a transient error
    is raised after trying everyone, so the activity is retried and sends only what is missing.
    With ``case_id``, the series state is then stored for the feeds (:func:`feeds.save_series`).
    ``claim_until``, ``final``: see :func:`integrations.outbox.send_batch`."""
    items = [_invitation_item(series, item, mail_from) for item in outgoing]
    results = await send_batch(sessionmaker, sender, items, claim_until=claim_until, final=final)
    report = _report([item.recipient.email for item in outgoing], results)
    if case_id is not None:
        from integrations.feeds import save_series

        cancelled = any(item.change == "cancelled" for item in outgoing)
        await save_series(sessionmaker, case_id=case_id, series=series, cancelled=cancelled)
    return report


def _invitation_item(series: CalendarSeries, item: Outgoing, mail_from: str) -> OutboxItem:
    rid = cal.recurrence_key(item.recurrence_id)
    key = invitation_key(series.uid, rid, series.sequence, item.method, item.recipient.email)
    if item.proposed_start is not None:  # one DECLINECOUNTER per proposal: a second one still goes
        key += f":{cal.recurrence_key(item.proposed_start)}"

    def build() -> EmailMessage:
        return invitation_message(
            item.series or series,
            method=item.method,
            calendar=item.calendar,
            recipient=item.recipient,
            mail_from=mail_from,
            message_key=key,
            change=item.change,
            occurrence=item.recurrence_id,
            note=item.note,
            previous_start=item.previous_start,
            proposed_start=item.proposed_start,
        )

    return OutboxItem(
        key=key,
        recipient=item.recipient.email,
        kind=f"invitation:{series.kind}",
        build=build,
        series_uid=series.uid,
        recurrence_id=rid,
        sequence=series.sequence,
        method=item.method,
    )


def _report(addresses: Sequence[str], results: Sequence[Result]) -> SendReport:
    """The report of a batch; raises the first transient error (after everyone was tried)."""
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    gave_up: list[str] = []
    transient: TransientMailError | None = None
    for address, result in zip(addresses, results, strict=True):
        if isinstance(result, PermanentMailError):
            failed.append((address, str(result)))
            if isinstance(result, AbandonedMailError):
                gave_up.append(address)
        elif isinstance(result, TransientMailError):
            transient = transient or result
        elif result == OutboxStatus.sent:
            sent.append(address)
        else:
            failed.append((address, "refused earlier (see the outbox)"))
    if transient is not None:
        raise transient
    return SendReport(tuple(sent), tuple(failed), tuple(gave_up))


async def send_notices(
    sessionmaker: async_sessionmaker[AsyncSession],
    sender: SmtpSender,
    *,
    idempotency_key: str,
    kind: str,
    recipients: Sequence[Participant],
    context: Mapping[str, object],
    mail_from: str,
    claim_until: datetime | None = None,
    localized: Mapping[str, Mapping[str, object]] | None = None,
    holding: Holding | None = None,
    final: bool = False,
) -> SendReport:
    """One notice to each recipient, once; same error handling as :func:`send_invitations`.
    ``localized``: context values by language; each recipient reads those of their language.
    ``holding``: a notice to someone who chose the daily summary, and an HR alert, is queued for a
    summary instead (:func:`integrations.digest.hold_items`); the report counts it as sent."""
    items = [
        _notice_item(
            idempotency_key, kind, person, {**context, **(localized or {}).get(person.language, {})}, mail_from
        )
        for person in recipients
    ]
    held = await hold_items(sessionmaker, items, recipients, holding) if holding is not None else set()
    sending = [item for item in items if item.key not in held]
    went = iter(await send_batch(sessionmaker, sender, sending, claim_until=claim_until, final=final))
    results: list[Result] = [OutboxStatus.sent if item.key in held else next(went) for item in items]
    return _report([person.email for person in recipients], results)


def _notice_item(
    idempotency_key: str, kind: str, person: Participant, context: Mapping[str, object], mail_from: str
) -> OutboxItem:
    key = notice_key(idempotency_key, person.email)

    def build() -> EmailMessage:
        return notice_message(kind=kind, recipient=person, mail_from=mail_from, message_key=key, context=dict(context))

    return OutboxItem(key=key, recipient=person.email, kind=kind, build=build)


__all__ = [
    "Outgoing",
    "SendReport",
    "SeriesText",
    "in_language",
    "plan",
    "plan_one",
    "send_invitations",
    "send_notices",
]
