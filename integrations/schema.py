"""Every table of the SQL store, in one place: the models that Alembic's migrations follow.

The read model (cases, their people, the audit trail), the outbox of sent messages, the calendar
series behind the feeds, and the accounts. No health data: rows hold who, when and which phase.
Modules that read or write these tables import them from here; nothing here imports them.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from integrations.search_text import SEARCH_TEXT_LENGTH, case_search_text


class Base(DeclarativeBase):
    """Declarative base of every table of the store."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"
    unknown = "unknown"


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on SQLite (stored naive, UTC) and PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("key", "recipient", name="uq_outbox_key_recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    recipient: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(64))
    series_uid: Mapped[str | None] = mapped_column(String(128), index=True)
    recurrence_id: Mapped[str | None] = mapped_column(String(32))
    sequence: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.pending.value, index=True)
    message_id: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


def _case_search_text(context: Any) -> str:
    """``cases.search_text`` from the name and address the same INSERT writes (an upsert's update
    takes it from the INSERT's values, integrations.store)."""
    given = context.get_current_parameters()
    return case_search_text(given.get("employee_name") or "", given.get("employee_email") or "")


class CaseRow(Base):
    """One sickness case, as the web app lists and searches it."""

    __tablename__ = "cases"
    __table_args__ = (
        # The case list (issue 21, migration 0009): newest first, paged by (opened_at, case_id); the
        # filters on the first sick day, the deadline and open signals. A search by name is a
        # "contains" on search_text, which no B-tree index serves (see web.case_list).
        Index("ix_cases_opened_at_case_id", "opened_at", "case_id"),
        Index("ix_cases_first_sick_day", "first_sick_day"),
        Index("ix_cases_next_deadline", "next_deadline"),
        Index("ix_cases_open_signals", "open_signals"),
    )

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    employee_name: Mapped[str] = mapped_column(String(200))
    employee_email: Mapped[str] = mapped_column(String(320), index=True)
    manager_name: Mapped[str] = mapped_column(String(200))
    manager_email: Mapped[str] = mapped_column(String(320), index=True)
    org_unit: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    first_sick_day: Mapped[date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(40), index=True)
    next_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    """The day the case closed; the dossier's retention runs from it (integrations.retention)."""
    next_step: Mapped[str | None] = mapped_column(String(80), nullable=True)
    """The key of the next statutory step (``UpcomingItem.key``); its words in ``next_step_label_*``."""
    next_step_label_nl: Mapped[str | None] = mapped_column(String(200), nullable=True)
    next_step_label_en: Mapped[str | None] = mapped_column(String(200), nullable=True)
    open_signals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    search_text: Mapped[str | None] = mapped_column(
        String(SEARCH_TEXT_LENGTH), nullable=True, default=_case_search_text
    )
    """The employee's name and e-mail, folded (integrations.search_text): what a search by name looks
    in, made on every write from the row's own columns (migration 0009 filled it for older rows)."""
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class AuditRow(Base):
    """One step of a case, mirrored from the workflow: who did what, and when.

    ``event_key`` is made by the workflow and unique per case, so a retried write is a no-op.
    """

    __tablename__ = "audit_trail"
    __table_args__ = (UniqueConstraint("case_id", "event_key", name="uq_audit_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    event_key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CaseWorkItemRow(Base):
    """One thing a person has to do in a case (the work queue, integrations.work_items): a step that
    is due, an open signal, a talk to record, a gap in the RIV. Replaced as a whole with every write
    of the case's row; "overdue" is read from ``due`` against today, never stored."""

    __tablename__ = "case_work_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # step, signal, talk, riv_gap
    key: Mapped[str] = mapped_column(String(200))
    due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    label_nl: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    actor_role: Mapped[str] = mapped_column(String(20))  # hr, manager, coach, employee
    command: Mapped[str | None] = mapped_column(String(60), nullable=True)
    since: Mapped[date | None] = mapped_column(Date, nullable=True)


# Everyone's queue, one kind at a time in the queue's order (integrations.work_items.work_queue).
Index("ix_case_work_items_kind_day", CaseWorkItemRow.kind, CaseWorkItemRow.due, CaseWorkItemRow.since)


class CasePersonRow(Base):
    """Who takes part in a case, by role: decides what each signed-in person may see.

    The employee and the manager come from the intake; the casemanager, coach and buddy are added
    by the workflow when they are assigned (and removed when replaced).
    """

    __tablename__ = "case_people"
    __table_args__ = (UniqueConstraint("case_id", "role", "email", name="uq_case_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.case_id"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # employee, manager, casemanager, coach, buddy
    email: Mapped[str] = mapped_column(String(320), index=True)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class FeedToken(Base):
    __tablename__ = "calendar_feed_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person: Mapped[str] = mapped_column(String(254), index=True)  # the person's e-mail address
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CalendarSeriesRow(Base):
    """The current state of each series, as the last sent invitation left it (for the feeds)."""

    __tablename__ = "calendar_series"

    uid: Mapped[str] = mapped_column(String(128), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CalendarSeriesPerson(Base):
    """Who attends which series (lower-case address), to find a person's series quickly."""

    __tablename__ = "calendar_series_people"

    uid: Mapped[str] = mapped_column(String(128), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), primary_key=True, index=True)


class InvitationReplyRow(Base):
    """One person's latest answer to one invitation (iTIP REPLY): accepted, tentative or declined.

    No row: no answer yet. ``recurrence_id`` is "" for the whole series, else the occurrence's
    original start (``integrations.calendar.recurrence_key``). The newest answer by SEQUENCE, then
    DTSTAMP, wins; the same message read twice changes nothing. ``announced``: the case was told."""

    __tablename__ = "invitation_replies"

    uid: Mapped[str] = mapped_column(String(128), primary_key=True)
    recurrence_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    attendee: Mapped[str] = mapped_column(String(254), primary_key=True)  # lower-case address
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # the talk: checkin, progress_talk, evaluation, driegesprek
    partstat: Mapped[str] = mapped_column(String(16))  # ACCEPTED, TENTATIVE, DECLINED
    sequence: Mapped[int] = mapped_column(Integer)
    dtstamp: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    announced: Mapped[bool] = mapped_column(Boolean, default=False)


class InvitationCounterRow(Base):
    """An attendee's proposal of another time for a talk (iTIP COUNTER), for HR to accept or decline.

    ``status``: open, accepted, declined, or superseded (the same person proposed again)."""

    __tablename__ = "invitation_counters"
    __table_args__ = (UniqueConstraint("uid", "recurrence_id", "attendee", "dtstamp", name="uq_invitation_counter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(128))
    recurrence_id: Mapped[str] = mapped_column(String(32))
    attendee: Mapped[str] = mapped_column(String(254))
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    proposed_start: Mapped[datetime] = mapped_column(UtcDateTime)
    proposed_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sequence: Mapped[int] = mapped_column(Integer)
    dtstamp: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    announced: Mapped[bool] = mapped_column(Boolean, default=False)


class MailPreferenceRow(Base):
    """How one person wants their notices, reminders and signals: ``direct`` or ``daily`` (one summary
    at 08:00). No row: direct. Invitations always go at once (calendar objects)."""

    __tablename__ = "mail_preferences"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)  # lower-case address
    mode: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DigestItemRow(Base):
    """One notice held back for a summary message (integrations.digest).

    ``key`` is the notice's outbox key (integrations.outbox.notice_key), unique: a retried delivery
    finds its item and queues nothing twice. ``digest_key`` names the summary that carries it (None:
    still waiting, until ``due_at``). ``body`` is the notice as it would have gone out, kept until
    the summary is sent (then emptied)."""

    __tablename__ = "digest_items"
    __table_args__ = (
        UniqueConstraint("key", name="uq_digest_item_key"),
        # a person's notices still waiting: every HR alert looks up its open batch through it, and
        # the items already summed up (most of them, after a while) stay out of that lookup
        Index("ix_digest_items_waiting", "recipient", "digest_key", "reason", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))
    recipient: Mapped[str] = mapped_column(String(254), index=True)  # lower-case address
    recipient_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))  # daily (the 08:00 summary) or batch (HR alerts combined)
    case_id: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    digest_key: Mapped[str | None] = mapped_column(String(400), index=True)


class DigestRow(Base):
    """One summary message to one person: claimed once (the primary key), then sent through the
    outbox under the same key. ``reason``: daily (08:00) or batch (HR alerts combined)."""

    __tablename__ = "mail_digests"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending, sent, failed, empty
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DossierRecordRow(Base):
    """One record of a part of the re-integratiedossier (contracts.dossier.DossierEntry), written by the
    ``deliver`` activity with its audit entry. ``version`` numbers the records of one part of a case in
    the order they arrived (1, 2 ...): a plan's bijstellingen, a probleemanalyse's updates, the verslagen."""

    __tablename__ = "dossier_records"
    __table_args__ = (UniqueConstraint("case_id", "key", name="uq_dossier_record_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    key: Mapped[str] = mapped_column(String(200))
    part: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40), default="")
    version: Mapped[int] = mapped_column(Integer)
    on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(320))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fields: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[name, text], ...]
    participants: Mapped[list[Any]] = mapped_column(JSON, default=list)  # lower-case addresses
    about: Mapped[str] = mapped_column(String(200), default="")


class DossierDocumentRow(Base):
    """An uploaded document of a part, kept with the rest of the case (one backup holds the dossier).

    Never overwritten: an upload with the name of an earlier one of the same part is its next
    ``version``. ``sha256`` is the hex digest of ``content``; the upload and its audit entry are
    written in one transaction. ``upload_key``: the SHA-256 of the one-time key the upload came with (a
    page's form, an API client's ``Idempotency-Key``), so the same upload sent again is this document, not its next
    version; NULL without one (NULLs never collide in a unique constraint, on SQLite or PostgreSQL)."""

    __tablename__ = "dossier_documents"
    __table_args__ = (
        UniqueConstraint("case_id", "part", "name", "version", name="uq_dossier_document_version"),
        UniqueConstraint("case_id", "upload_key", name="uq_dossier_document_upload_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    part: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(320))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    upload_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class RetentionRunRow(Base):
    """One run of the retention job: when, and how many rows of each table it deleted (counts, no content)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ran_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    cases_deleted: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WebSessionRow(Base):
    """A signed-in browser (integrations.web_sessions): the cookie holds a random id, ``id`` is its SHA-256.
    ``expires_at`` is absolute (never extended); ``ended_at`` is set by signing out or "end all sessions"."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AbsenceRecordRow(Base):
    """What the absence statistics know of one case (contracts.absence.AbsenceRecord), replaced as a
    whole when the workflow sends it (integrations.absence_records). ``first_day``/``last_day``: the
    first and last sick day (None while sick), to select the cases of a period. No name, no address:
    ``employee_key`` is a hash. JSON lists: ``reports`` [[start, end, recovered]], ``spans`` [[start,
    end, fraction]], ``phases`` [[phase, since]], ``steps`` [[key, due, done_on]]; dates ISO."""

    __tablename__ = "absence_records"
    # the org units of a period's cases, read from the index alone (the rows hold the JSON lists)
    __table_args__ = (Index("ix_absence_records_unit_days", "org_unit", "first_day", "last_day"),)

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_unit: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    employee_key: Mapped[str] = mapped_column(String(16))
    contract_hours: Mapped[float] = mapped_column(Float)
    first_day: Mapped[date] = mapped_column(Date, index=True)
    last_day: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tweede_spoor_started_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reports: Mapped[list[Any]] = mapped_column(JSON, default=list)
    spans: Mapped[list[Any]] = mapped_column(JSON, default=list)
    phases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AbsenceSpanRow(Base):
    """A case's days absent, summed by the statistics in SQL (integrations.absence_parts): days
    ``first_day_no`` to ``last_day_no`` (date ordinals, inclusive; None: still running), absent for
    ``fraction`` of ``contract_hours`` a week. Day numbers, not dates, so that the same arithmetic runs
    on SQLite and PostgreSQL. Withdrawn cases have no rows."""

    __tablename__ = "absence_spans"
    # the sums read the index alone, in the order they group by
    __table_args__ = (
        Index("ix_absence_spans_sums", "org_unit", "first_day_no", "last_day_no", "fraction", "contract_hours"),
    )

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit: Mapped[str | None] = mapped_column(String(100), nullable=True)
    first_day_no: Mapped[int] = mapped_column(Integer)
    last_day_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    fraction: Mapped[float] = mapped_column(Float)
    contract_hours: Mapped[float] = mapped_column(Float)


class AbsenceReportRow(Base):
    """A case's sick reports (meldingen), as day numbers; ``employee_key`` counts one report once when
    two cases name the same one."""

    __tablename__ = "absence_reports"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit: Mapped[str | None] = mapped_column(String(100), nullable=True)
    employee_key: Mapped[str] = mapped_column(String(16))
    first_day_no: Mapped[int] = mapped_column(Integer, index=True)
    last_day_no: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    recovered: Mapped[bool] = mapped_column(Boolean)


class AbsencePhaseRow(Base):
    """The days a case was sick in a phase: each phase's time cut to the sick reports, so that "in
    this phase on day d" is one range test (``first_day_no`` <= d <= ``last_day_no``, None: open)."""

    __tablename__ = "absence_phases"
    __table_args__ = (Index("ix_absence_phases_sums", "org_unit", "phase", "first_day_no", "last_day_no"),)

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit: Mapped[str | None] = mapped_column(String(100), nullable=True)
    phase: Mapped[str] = mapped_column(String(40))
    first_day_no: Mapped[int] = mapped_column(Integer)
    last_day_no: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AbsenceStepRow(Base):
    """A case's statutory steps: due and done (None: not done), as day numbers."""

    __tablename__ = "absence_steps"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_unit: Mapped[str | None] = mapped_column(String(100), nullable=True)
    due_day_no: Mapped[int] = mapped_column(Integer, index=True)
    done_day_no: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AbsenceSumsRow(Base):
    """The figures' sums of one period that lies wholly in the past (integrations.absence_snapshots),
    for every org unit together (``scope`` "*") or one (``scope`` "=" + the unit): kept so that a page
    sums only the running period. Counts and day totals only, no case and no person. Removed when a
    record that changes those days is written (from the first day it changes)."""

    __tablename__ = "absence_sums"

    first_day_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_day_no: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    scope: Mapped[str] = mapped_column(String(101), primary_key=True)
    full_time_hours: Mapped[float] = mapped_column(Float, primary_key=True)
    sums: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AbsenceSumsEpochRow(Base):
    """One row counting the writes that removed sums: a page that summed a past period stores the
    sums only if the count did not move meanwhile (else a record written during the sum is lost)."""

    __tablename__ = "absence_sums_epoch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class WorkforceRow(Base):
    """The workforce register (integrations.workforce): per month (its first day) and org unit, the
    headcount and the staff in FTE. Importing a month replaces all of that month's rows."""

    __tablename__ = "workforce"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    org_unit: Mapped[str] = mapped_column(String(100), primary_key=True)
    headcount: Mapped[int] = mapped_column(Integer)
    fte: Mapped[float] = mapped_column(Float)
    imported_by: Mapped[str] = mapped_column(String(320))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseImportRow(Base):
    """A running case brought in by an import (integrations.case_imports): the employer's own
    reference, unique, and the case it opened (whose id is derived from the reference, so a second
    import of it opens nothing). ``invitations_held``: its invitations wait until HR confirms it."""

    __tablename__ = "case_imports"

    external_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), unique=True)
    imported_by: Mapped[str] = mapped_column(String(320))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    invitations_held: Mapped[bool] = mapped_column(Boolean, default=False)


class SignInFailureRow(Base):
    """Failed sign-ins of one key (integrations.sign_in_failures): how many, and the last one, for
    the growing delay that every web process reads and adds to. ``limiter`` names the count ("account":
    ``acct:``/``totp:`` + an e-mail address; "client": ``ip:`` + an address); nothing else is kept, no
    password, no user id.

    Not per case, so the retention job leaves these rows alone, and HR's exports of a case do not
    hold them: a key untouched for the limiter's ``forget_after`` (a day) counts as never failed,
    and its row is deleted by a later failed or successful sign-in (``last_failed_at`` is indexed
    for that)."""

    __tablename__ = "sign_in_failures"

    limiter: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
