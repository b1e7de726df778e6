"""The payloads that cross between the case workflow, its activities and its callers.

What starts a case (:class:`CaseIntake`, the people in it) and the single dataclass argument of
each activity, every message with a stable key made by the workflow. The workflow and the
activities both import this module, and it imports nothing of theirs. Plain frozen dataclasses,
serialised by the pydantic data converter. They carry ids, names, addresses and dates, never health
data (no diagnosis, cause or treatment: the law forbids storing them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from contracts.absence import AbsenceRecord
from contracts.dossier import DossierEntry
from states.kinds import Channel, Place
from states.slots import Busy


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    language: str = "nl"


@dataclass(frozen=True)
class ContactPreference:
    """When, how and where the employee prefers the short regular contact (weekday 0 = Monday)."""

    weekday: int = 0
    hour: int = 10
    minute: int = 0
    channel: Channel = Channel.phone
    place: Place = Place.online
    location: str = ""  # an address, a neutral place or a video link; never medical information


@dataclass(frozen=True)
class CaseIntake:
    """What HR records when a case starts (the sick report): only what the law allows."""

    case_id: str
    employee: Person
    manager: Person
    first_sick_day: date
    reported_by: str
    org_unit: str | None = None
    casemanager: Person | None = None
    employee_phone: str | None = None
    team: str | None = None
    contract_hours_per_week: float = 36.0
    contract_days_per_week: int = 5
    expected_duration_weeks: int | None = None
    contact: ContactPreference = field(default_factory=ContactPreference)
    team_notice_to: tuple[str, ...] = ()  # team members' or the team's address, for the factual notice
    buddy_candidates: tuple[Person, ...] = ()
    coach: Person | None = None
    arbodienst_email: str | None = None
    # The three yes/no questions the privacy rules allow (None: not known yet).
    work_accident: bool | None = None
    third_party_liable: bool | None = None
    safety_net_applies: bool | None = None
    case_url: str | None = None  # the case page (REINTEGRATIE_PUBLIC_URL/cases/<id>): every message links to it
    workplace: str = ""  # where the employee works (for the first day back); the contact place is contact.location


WORK_ITEM_KINDS = ("step", "signal", "talk", "riv_gap")
"""The kinds of :class:`WorkItem`; the store reads the queue of every case one kind at a time."""


@dataclass(frozen=True)
class WorkItem:
    """One thing a person has to do in a case, for the work queue (workflows.work_items): a step
    that is due, an open signal, a talk to record, a gap in the RIV (``kind``: one of
    :data:`WORK_ITEM_KINDS`). ``actor_role``: hr, manager, coach or employee; ``command``: the form
    that does it (None: none, the case page)."""

    kind: str
    key: str
    label_nl: str
    label_en: str
    actor_role: str
    due: date | None = None
    command: str | None = None
    since: date | None = None


@dataclass(frozen=True)
class RecordCase:
    """The case's row in the SQL read model (insert or update)."""

    case_id: str
    employee: Person
    manager: Person
    first_sick_day: date
    phase: str
    org_unit: str | None = None
    next_deadline: date | None = None
    closed_on: date | None = None
    """The day the case closed (recovery, end of employment, WIA, withdrawal): its retention runs from it."""
    next_step: str | None = None
    """The key of the next statutory step; its words in ``next_step_label_*``."""
    next_step_label_nl: str | None = None
    next_step_label_en: str | None = None
    open_signals: int = 0
    work_items: tuple[WorkItem, ...] | None = None
    """What people have to do now (None: not known, the stored items stay; a workflow always knows)."""


@dataclass(frozen=True)
class RecordAudit:
    """One step of the case for the SQL audit trail; ``event_key`` makes the write idempotent."""

    case_id: str
    event_key: str
    at: datetime
    actor: str
    action: str
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RolePeople:
    """The people who hold one role in the case now (coach, buddy, casemanager...)."""

    role: str
    emails: tuple[str, ...]


@dataclass(frozen=True)
class RecordProgress:
    """Everything the read model learns from one decision, written in one activity."""

    case: RecordCase
    audit: tuple[RecordAudit, ...] = ()
    people: tuple[RolePeople, ...] = ()
    dossier: tuple[DossierEntry, ...] = ()
    """Rules version 4: the records of the re-integratiedossier this decision made (with their audit entries)."""
    absence: AbsenceRecord | None = None
    """What the absence statistics know of the case (issue 21), sent when it changed; None: unchanged."""


@dataclass(frozen=True)
class SeriesWords:
    """What a series says to the readers of one language."""

    summary: str
    location: str
    description: str = ""  # the calendar's DESCRIPTION: the link to the case, what to do there
    note: str = ""  # the mail only: why the series changed or stops


@dataclass(frozen=True)
class SeriesMessage:
    """One calendar series to each attendee: new, updated, ended early (UNTIL) or cancelled.

    ``summary``, ``location`` and ``description`` are the Dutch words; ``words`` holds them per
    language (``"nl"``, ``"en"``), and each attendee gets the calendar and mail of their own language.
    """

    key: str
    case_id: str
    change: str  # "new", "update", "ended" (REQUEST), "cancelled" (CANCEL), "removed" (see ``removed``) or
    # "counter_declined" (DECLINECOUNTER, see ``proposed_start``)
    uid: str
    sequence: int
    kind: str
    summary: str
    location: str
    start: datetime
    duration_minutes: int
    interval_weeks: int | None
    until: datetime | None  # last kept start
    organizer_name: str
    attendees: tuple[Person, ...]
    dtstamp: datetime
    description: str = ""
    removed: Person | None = None
    """change "removed": the person who no longer attends gets a CANCEL of their own, the attendees
    the update (RFC 5546 3.2.5, both with this ``sequence``)."""
    joined: tuple[Person, ...] = ()
    """An update: the attendees who did not have the series yet; their mail is an invitation."""
    words: dict[str, SeriesWords] = field(default_factory=dict)
    previous_start: datetime | None = None  # an update: where the series started before, to say what moved
    proposed_start: datetime | None = None
    """change "counter_declined": the time the proposer asked for. The message goes to the proposer only
    (``attendees`` is them), as an iTIP DECLINECOUNTER (RFC 5546 3.2.8); the talk stays as it is."""
    recurrence_id: datetime | None = None
    """change "counter_declined": the original start of the occurrence the proposal was about (None:
    the series, or a one-off talk)."""


@dataclass(frozen=True)
class Notice:
    """A plain notice (no calendar) of one kind to each recipient.

    With no recipient known (no casemanager recorded), ``to_mailbox_if_nobody`` sends it to the
    product's own mailbox, so an HR reminder is never dropped silently. ``localized`` holds the
    context values that are words, per language: a reader gets ``context`` with those of their
    language over it.
    """

    key: str
    case_id: str
    kind: str
    recipients: tuple[Person, ...]
    context: dict[str, str | list[str]]
    dates: dict[str, date] = field(default_factory=dict)  # written in the reader's language
    to_mailbox_if_nobody: bool = False
    localized: dict[str, dict[str, str | list[str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """Everything one decision of the case sends and records, carried out by one activity.

    One activity per decision rather than one per message: activities are what a case costs (each
    is a billable action) and what delays the next one. Invitations go first (people wait for
    them), then notices, then the read-model write, so the read model never shows a step whose mail
    has not gone out. Each message is idempotent by its key (the outbox), the write by its keys, so
    a retried delivery sends nothing twice.
    """

    case_id: str
    invitations: tuple[SeriesMessage, ...] = ()
    notices: tuple[Notice, ...] = ()
    progress: RecordProgress | None = None


@dataclass(frozen=True)
class BusyQuery:
    """What else these people have in their calendars from ``since`` on (the ``busy_times`` activity).

    ``emails``: lower-case addresses of the attendees of the talks the case is about to plan. The
    series of ``case_id`` itself are left out: the rules know them better than the store does."""

    case_id: str
    emails: tuple[str, ...]
    since: datetime


@dataclass(frozen=True)
class BusyTimes:
    """The answer to a :class:`BusyQuery`: each event with the asked people who attend it."""

    intervals: tuple[Busy, ...] = ()
