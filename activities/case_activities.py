"""The case workflow's activities: thin, idempotent adapters from payloads to integrations/.

Retries are Temporal's job: a transient fault (SMTP down, database locked) raises and is retried;
a permanent one (address refused) raises a non-retryable ApplicationError so the workflow can tell
HR. The outbox makes a retried send a no-op once the message went out.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.inputs import RecordAudit, RecordCase, SendSeries
from integrations.calendar import CalendarSeries, Participant, series_request
from integrations.mail import invitation_message
from integrations.outbox import invitation_key, send_once
from integrations.smtp import PermanentMailError, SmtpSender
from integrations.store import AuditEntry, CaseRecord, CaseStore


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

    def all(self) -> list[object]:
        return [self.record_case, self.record_audit, self.send_series]

    @activity.defn(name="record_case")
    async def record_case(self, command: RecordCase) -> None:
        await self._store.upsert_case(
            CaseRecord(
                case_id=command.case_id,
                employee_name=command.employee.name,
                employee_email=command.employee.email,
                manager_name=command.manager.name,
                manager_email=command.manager.email,
                org_unit=command.org_unit,
                first_sick_day=command.first_sick_day,
                phase=command.phase,
                next_deadline=command.next_deadline,
            )
        )
        await self._store.set_people(command.case_id, "employee", [command.employee.email])
        await self._store.set_people(command.case_id, "manager", [command.manager.email])

    @activity.defn(name="record_audit")
    async def record_audit(self, command: RecordAudit) -> None:
        await self._store.append_audit(
            AuditEntry(
                case_id=command.case_id,
                event_key=command.event_key,
                at=command.at,
                actor=command.actor,
                action=command.action,
                detail=dict(command.detail),
            )
        )

    @activity.defn(name="send_series")
    async def send_series(self, command: SendSeries) -> None:
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
            attendees=tuple(
                Participant(email=person.email, name=person.name, language=person.language)
                for person in command.attendees
            ),
            description=command.description,
        )
        # DTSTAMP comes from the workflow, so a retry produces the very same bytes.
        calendar = series_request(series, dtstamp=command.dtstamp)
        refused: list[str] = []
        for recipient in series.attendees:
            key = invitation_key(series.uid, None, series.sequence, "REQUEST", recipient.email)
            try:
                await send_once(
                    self._sessionmaker,
                    self._sender,
                    key=key,
                    recipient=recipient.email,
                    kind=f"invitation:{series.kind}",
                    build=lambda recipient=recipient, key=key: invitation_message(
                        series,
                        method="REQUEST",
                        calendar=calendar,
                        recipient=recipient,
                        mail_from=self._mail_from,
                        message_key=key,
                    ),
                    series_uid=series.uid,
                    sequence=series.sequence,
                    method="REQUEST",
                )
            except PermanentMailError as exc:
                refused.append(f"{recipient.email} ({exc})")
        if refused:
            # The others got theirs; retrying cannot help the refused ones, so do not retry.
            raise ApplicationError(
                "Mail was refused for: " + "; ".join(refused),
                type="PermanentMailError",
                non_retryable=True,
            )
