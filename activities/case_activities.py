"""The case workflow's activities: thin, idempotent adapters from payloads to integrations/.

One activity carries out one decision (``deliver``). Retries are Temporal's job: a transient fault
(SMTP down, database locked) raises and the whole delivery is retried; a permanent one (address
refused) raises a non-retryable ApplicationError once every other message has been served, so the
workflow can tell HR. The retries are capped (the workflow's RetryPolicy): on the last attempt a
message that still fails transiently is given up like a refused one (outbox row ``failed``, the
others sent, the read model written, HR told by the workflow) and an error is logged for the
operator, so that no delivery retries for ever and nobody knows. The outbox makes a retried send a no-op once
the message went out (integrations.invitations). One reads only: ``busy_times``, what the attendees
of a talk about to be planned already have in their calendars from other cases (integrations.busy).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts import BusyQuery, BusyTimes, Delivery, Notice, Person, RecordProgress, SeriesMessage, WorkItem
from contracts.dossier import DossierEntry
from integrations.absence_records import write_absence
from integrations.busy import busy_times as read_busy_times
from integrations.calendar import CalendarSeries, Participant
from integrations.db import run_write
from integrations.digest import HR_ALERTS, MAILBOX_NAME, Holding, send_due
from integrations.dossier_records import write_entries
from integrations.feeds import record_series
from integrations.invitations import SendReport, SeriesText, plan, send_invitations, send_notices
from integrations.outbox import OutboxStatus, notice_key
from integrations.smtp import MailError, PermanentMailError, SmtpSender
from integrations.store import AuditEntry, CaseRecord, write_progress

PERMANENT_MAIL_ERROR = "PermanentMailError"
logger = logging.getLogger(__name__)


MAXIMUM_ATTEMPTS = 30
"""The workflow's cap (workflows.case.ACTIVITY_RETRY, tests/workflows/test_delivery_failures.py keeps
the two equal), for an attempt whose task does not carry its retry policy (the time-skipping test
server) and for one scheduled before the cap existed (its policy says unlimited): no delivery
retries for ever."""


def last_attempt() -> bool:
    """Whether this is the activity's last attempt: its retry policy's, else :data:`MAXIMUM_ATTEMPTS`."""
    if not activity.in_activity():
        return False
    info = activity.info()
    policy = info.retry_policy
    maximum = (policy.maximum_attempts if policy is not None else 0) or MAXIMUM_ATTEMPTS
    return info.attempt >= maximum


ATTEMPT_GRACE = timedelta(seconds=5)
"""How long after its start-to-close timeout an attempt may still hold outbox rows: the worker
cancels it at the timeout, and the cancellation needs a moment to reach the send in progress. It
also covers clocks that differ by a few seconds (the start time is the server's, the claim is
compared with each worker's clock); machines whose clocks differ by more need NTP."""


def attempt_deadline() -> datetime | None:
    """Until when this activity attempt may hold outbox rows: a worker killed mid-delivery must not
    keep the next attempt waiting for a lease longer than the attempt itself could have lasted.

    None (the outbox's own lease) outside an activity, without a start-to-close timeout, or when
    the deadline is not ahead of the local clock (a start time it cannot trust)."""
    if not activity.in_activity():
        return None
    info = activity.info()
    if info.start_to_close_timeout is None:
        return None
    deadline = info.started_time + info.start_to_close_timeout + ATTEMPT_GRACE
    return deadline if deadline > datetime.now(UTC) else None


def _participant(person: Person) -> Participant:
    return Participant(email=person.email, name=person.name, language=person.language)


class CaseActivities:
    """Holds the connections the activities share; the worker registers its bound methods."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        sender: SmtpSender,
        mail_from: str,
        hr_batch_wait: timedelta = timedelta(0),
    ) -> None:
        """``hr_batch_wait``: how long an HR alert waits for others to the same person
        (integrations.digest; the worker's summary loop sends them). 0: the alerts of one delivery
        still go as one message, sent by the delivery itself."""
        self._sessionmaker = sessionmaker
        self._sender = sender
        self._mail_from = mail_from
        self._hr_wait = hr_batch_wait

    def all(self) -> list[Callable[..., object]]:
        return [self.deliver, self.busy_times]

    @activity.defn(name="busy_times")
    async def busy_times(self, query: BusyQuery) -> BusyTimes:
        """What the people of ``query`` have in their calendars from the product's other cases (read
        only; the workflow hands it to the rules, which place a new talk beside it)."""
        found = await read_busy_times(
            self._sessionmaker, emails=query.emails, exclude_case=query.case_id, since=query.since
        )
        return BusyTimes(intervals=tuple(found))

    @activity.defn(name="deliver")
    async def deliver(self, delivery: Delivery) -> None:
        """Send the decision's invitations, then its notices, then write what they changed.

        The series' states (for the calendar feeds), the case row, its people and the audit entries
        are written in one transaction after every message went out. A refused address does not
        stop the others: everything else is sent and written first, and then one non-retryable
        error lists every refusal (details[0]: ``[{key, kind, addresses}]``).
        """
        refused: list[dict[str, Any]] = []
        sent_series: list[tuple[CalendarSeries, bool]] = []
        claim_until = attempt_deadline()
        final = last_attempt()
        for invitation in delivery.invitations:
            series = self._series(invitation)
            report = await send_invitations(
                self._sessionmaker,
                self._sender,
                series,
                plan(
                    series,
                    change=invitation.change,
                    dtstamp=invitation.dtstamp,
                    removed=_removed(invitation),
                    texts=_texts(invitation),
                    previous_start=invitation.previous_start,
                    recurrence_id=invitation.recurrence_id,
                    proposed_start=invitation.proposed_start,
                    joined=[person.email for person in invitation.joined],
                ),
                mail_from=self._mail_from,
                claim_until=claim_until,
                final=final,
            )
            if invitation.change != "counter_declined":  # it changes no series (and names only the proposer)
                sent_series.append((series, invitation.change == "cancelled"))
            refused += _refusals(invitation.key, invitation.kind, report)
        for notice in delivery.notices:
            report = await self._send_notice(notice, claim_until, final)
            refused += _refusals(notice.key, notice.kind, report)
        if any(notice.kind in HR_ALERTS for notice in delivery.notices):
            refused += await self._send_combined(delivery.notices, claim_until, final)
        await self._write(delivery.case_id, sent_series, delivery.progress)
        abandoned = sum(len(r.get("gave_up", ())) for r in refused)
        if abandoned:
            # For the operator: ids and counts only, never the addresses (they are in the outbox).
            logger.error(
                "delivery of case %s: %d message(s) given up after %d attempts; HR is told",
                delivery.case_id,
                abandoned,
                activity.info().attempt,
            )
        if refused:
            raise ApplicationError(
                # Keys and counts only: this message reaches the logs; the details name the addresses.
                "Mail was refused for: "
                + "; ".join(f"{len(r['addresses'])} address(es) of {r['key']}" for r in refused),
                refused,
                type=PERMANENT_MAIL_ERROR,
                non_retryable=True,
            )

    async def _write(
        self, case_id: str, sent_series: list[tuple[CalendarSeries, bool]], command: RecordProgress | None
    ) -> None:
        """The series' states and the read model (with the dossier's records) in one transaction;
        every write is idempotent."""
        record: CaseRecord | None = None
        people: dict[str, list[str]] = {}
        audit: list[AuditEntry] = []
        dossier: tuple[DossierEntry, ...] = ()
        work_items: tuple[WorkItem, ...] | None = None
        if command is not None:
            case = command.case
            if command.people:  # the workflow names the people only when they changed
                people = {"employee": [case.employee.email], "manager": [case.manager.email]}
                people.update({role_people.role: list(role_people.emails) for role_people in command.people})
            record = CaseRecord(
                case_id=case.case_id,
                employee_name=case.employee.name,
                employee_email=case.employee.email,
                manager_name=case.manager.name,
                manager_email=case.manager.email,
                org_unit=case.org_unit,
                first_sick_day=case.first_sick_day,
                phase=case.phase,
                next_deadline=case.next_deadline,
                closed_on=case.closed_on,
                next_step=case.next_step,
                next_step_label_nl=case.next_step_label_nl,
                next_step_label_en=case.next_step_label_en,
                open_signals=case.open_signals,
            )
            work_items = case.work_items
            dossier = command.dossier
            audit = [
                AuditEntry(
                    case_id=e.case_id,
                    event_key=e.event_key,
                    at=e.at,
                    actor=e.actor,
                    action=e.action,
                    detail=dict(e.detail),
                )
                for e in command.audit
            ]

        def write(connection: Connection) -> None:
            for series, cancelled in sent_series:
                record_series(connection, case_id=case_id, series=series, cancelled=cancelled)
            if record is not None:
                write_progress(connection, record, people, audit, work_items)
            write_entries(connection, dossier)  # with the audit entries they belong to
            write_absence(connection, command)  # what the statistics know of the case, when it changed

        await run_write(self._sessionmaker, write)

    def _series(self, command: SeriesMessage) -> CalendarSeries:
        # DTSTAMP comes from the workflow, so a retry plans the very same bytes and the outbox
        # finds the messages already sent.
        return CalendarSeries(
            uid=command.uid,
            sequence=command.sequence,
            kind=command.kind,
            summary=command.summary,
            location=command.location,
            start=command.start,
            duration_minutes=command.duration_minutes,
            interval_weeks=command.interval_weeks,
            until=command.until,
            organizer=Participant(email=self._mail_from, name=command.organizer_name),
            attendees=tuple(_participant(person) for person in command.attendees),
            description=command.description,
        )

    def _notice_recipients(self, command: Notice) -> list[Participant]:
        recipients = [_participant(person) for person in command.recipients]
        if not recipients and command.to_mailbox_if_nobody:
            recipients = [Participant(email=self._mail_from, name=MAILBOX_NAME)]
        return recipients

    async def _send_combined(
        self, notices: Sequence[Notice], claim_until: datetime | None, final: bool = False
    ) -> list[dict[str, Any]]:
        """Send the HR alerts of this delivery that were held back to go as one message per person
        (integrations.digest). When the worker lets them wait for others, they are not due yet and
        its summary loop sends them. A refused message is reported for the first notice of this delivery it
        held (a summary of the worker's may hold other cases' alerts too)."""
        owners = {notice_key(n.key, p.email): n for n in notices for p in self._notice_recipients(n)}
        outcomes = await send_due(
            self._sessionmaker, self._sender, mail_from=self._mail_from, keys=owners, claim_until=claim_until
        )
        refused: list[dict[str, Any]] = []
        for outcome in outcomes:
            if isinstance(outcome.result, PermanentMailError) or outcome.result == OutboxStatus.failed:
                first = owners[next(key for key in outcome.item_keys if key in owners)]
                refusal: dict[str, Any] = {"key": first.key, "kind": first.kind, "addresses": [outcome.recipient]}
                if isinstance(outcome.result, PermanentMailError):
                    refusal["reasons"] = {outcome.recipient: str(outcome.result)}
                refused.append(refusal)
            elif isinstance(outcome.result, MailError) and not final:
                raise outcome.result  # transient: the activity is retried and sends what is left
            # On the last attempt a transient failure leaves the summary pending: the worker's
            # summary loop sends it when the server is back (integrations.digest).
        return refused

    async def _send_notice(self, command: Notice, claim_until: datetime | None, final: bool = False) -> SendReport:
        recipients = self._notice_recipients(command)
        return await send_notices(
            self._sessionmaker,
            self._sender,
            idempotency_key=command.key,
            kind=command.kind,
            recipients=recipients,
            context={**command.context, **command.dates},
            mail_from=self._mail_from,
            claim_until=claim_until,
            localized=command.localized,
            holding=Holding(now=datetime.now(UTC), hr_wait=self._hr_wait, case_id=command.case_id),
            final=final,
        )


def _texts(invitation: SeriesMessage) -> dict[str, SeriesText]:
    """The series' words per language: each attendee gets the calendar and mail of their own."""
    return {
        language: SeriesText(words.summary, words.location, words.description, words.note)
        for language, words in invitation.words.items()
    }


def _removed(invitation: SeriesMessage) -> Participant | None:
    """The attendee a "removed" change takes off the series (a CANCEL of their own)."""
    return _participant(invitation.removed) if invitation.removed is not None else None


def _refusals(key: str, kind: str, report: SendReport) -> list[dict[str, Any]]:
    """The refused addresses of one message, for the workflow (it records them and tells HR):
    ``reasons`` what the server or the library said per address (no ids: HR reads it), ``gave_up``
    the addresses that were not refused but given up on the last attempt."""
    if not report.failed:
        return []
    return [
        {
            "key": key,
            "kind": kind,
            "addresses": sorted(address for address, _why in report.failed),
            "reasons": {address: why for address, why in report.failed},
            "gave_up": sorted(report.gave_up),
        }
    ]
