"""The case workflow's activities: thin, idempotent adapters from payloads to integrations/.

Retries are Temporal's job: a transient fault (SMTP down, database locked) raises and is retried;
a permanent one (address refused) raises a non-retryable ApplicationError once every other
recipient has been served, so the workflow can tell HR. The outbox makes a retried send a no-op once
the message went out (integrations.invitations).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.inputs import Notice, RecordProgress, SeriesMessage
from integrations.calendar import CalendarSeries, Participant
from integrations.invitations import SendReport, plan, send_invitations, send_notices
from integrations.smtp import SmtpSender
from integrations.store import AuditEntry, CaseRecord, CaseStore
from workflows.inputs import Person

PERMANENT_MAIL_ERROR = "PermanentMailError"


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
    ) -> None:
        self._sessionmaker = sessionmaker
        self._store = CaseStore(sessionmaker)
        self._sender = sender
        self._mail_from = mail_from

    def all(self) -> list[Callable[..., object]]:
        return [self.record_progress, self.send_series_message, self.send_notice]

    @activity.defn(name="record_progress")
    async def record_progress(self, command: RecordProgress) -> None:
        await self._record(command)

    async def _record(self, command: RecordProgress | None) -> None:
        """Write the read model and the audit trail; every write is idempotent, so a retry is harmless."""
        if command is None:
            return
        case = command.case
        await self._store.upsert_case(
            CaseRecord(
                case_id=case.case_id,
                employee_name=case.employee.name,
                employee_email=case.employee.email,
                manager_name=case.manager.name,
                manager_email=case.manager.email,
                org_unit=case.org_unit,
                first_sick_day=case.first_sick_day,
                phase=case.phase,
                next_deadline=case.next_deadline,
            )
        )
        await self._store.set_people(case.case_id, "employee", [case.employee.email])
        await self._store.set_people(case.case_id, "manager", [case.manager.email])
        for people in command.people:
            await self._store.set_people(case.case_id, people.role, list(people.emails))
        for entry in command.audit:
            await self._store.append_audit(
                AuditEntry(
                    case_id=entry.case_id,
                    event_key=entry.event_key,
                    at=entry.at,
                    actor=entry.actor,
                    action=entry.action,
                    detail=dict(entry.detail),
                )
            )

    @activity.defn(name="send_series_message")
    async def send_series_message(self, command: SeriesMessage) -> None:
        series = CalendarSeries(
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
        # DTSTAMP comes from the workflow, so a retry plans the very same bytes and the outbox
        # finds the messages already sent.
        outgoing = plan(series, change=command.change, dtstamp=command.dtstamp)
        report = await send_invitations(
            self._sessionmaker, self._sender, series, outgoing, mail_from=self._mail_from, case_id=command.case_id
        )
        await self._record(command.progress)
        _raise_if_refused(report)

    @activity.defn(name="send_notice")
    async def send_notice(self, command: Notice) -> None:
        recipients = [_participant(person) for person in command.recipients]
        if not recipients and command.to_mailbox_if_nobody:
            recipients = [Participant(email=self._mail_from, name="Verzuimbegeleiding")]
        report = await send_notices(
            self._sessionmaker, self._sender, idempotency_key=command.key, kind=command.kind, recipients=recipients,
            context={**command.context, **command.dates}, mail_from=self._mail_from,
        )  # fmt: skip
        await self._record(command.progress)
        _raise_if_refused(report)


def _raise_if_refused(report: SendReport) -> None:
    """The others got theirs; retrying cannot help the refused ones. details[0]: the addresses."""
    if report.failed:
        raise ApplicationError(
            "Mail was refused for: " + "; ".join(f"{address} ({why})" for address, why in report.failed),
            sorted(address for address, _why in report.failed),
            type=PERMANENT_MAIL_ERROR,
            non_retryable=True,
        )
