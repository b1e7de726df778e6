"""Effects: what the workflow must make happen after a decision. Plain frozen dataclasses.

Every effect has a ``key``: an idempotency key made deterministically from the case facts (never
random, never from the wall clock), so an activity retried or replayed can recognise a message it
already sent. Addressees are roles, never addresses; the workflow maps roles to people. Texts are
short, in Dutch and English, and never carry health data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import get_args

from states.kinds import Channel, Outcome, Place, Role, SeriesKind, SignalKind


@dataclass(frozen=True, kw_only=True)
class _SeriesFields:
    key: str
    case_id: str
    series_id: str
    """Stable calendar UID: uuid5 over the case id, the kind and a counter in the facts."""
    kind: SeriesKind
    sequence: int
    """iTIP SEQUENCE: 0 when sent, one more on every update and on the cancellation."""
    start: datetime
    """First occurrence, aware, Europe/Amsterdam."""
    duration_minutes: int
    interval_weeks: int | None
    """Weekly recurrence interval; None for a single event."""
    until: date | None
    """Last possible day of a recurring series (inclusive)."""
    attendees: tuple[Role, ...]
    channel: Channel
    place: Place
    title_nl: str
    title_en: str


@dataclass(frozen=True, kw_only=True)
class SendSeries(_SeriesFields):
    """Send a new calendar series (or single event)."""


@dataclass(frozen=True, kw_only=True)
class UpdateSeries(_SeriesFields):
    """The same series (same ``series_id``) with new details and a higher sequence."""

    previous_start: datetime | None = None
    """When the time moved: the occurrence people expected next under the old details (a one-off
    talk's start; for a recurring series its next occurrence after the change), aware. None when the
    time stayed (another end, other attendees)."""
    reason_key: str = ""
    """Why (a :class:`states.kinds.SeriesChangeReason` value); "" in payloads from before it existed."""


@dataclass(frozen=True, kw_only=True)
class CancelSeries:
    """Cancel the series from ``effective_from`` on (occurrences before it happened)."""

    key: str
    case_id: str
    series_id: str
    kind: SeriesKind
    sequence: int
    effective_from: datetime
    attendees: tuple[Role, ...]
    reason_nl: str
    reason_en: str
    reason_key: str = ""
    """Why (a :class:`states.kinds.SeriesChangeReason` value); "" in payloads from before it existed."""


@dataclass(frozen=True, kw_only=True)
class NotifyTeam:
    """Tell the team briefly and factually: attendance and hours only, never health."""

    key: str
    case_id: str
    from_date: date
    hours_per_week: float
    text_nl: str
    text_en: str
    present: bool = True
    """Is the colleague at work from ``from_date`` (``hours_per_week`` > 0)?"""
    kind: str = ""
    """What changes for the team (a :class:`states.kinds.TeamNoticeKind` value); "" in payloads from
    before it existed."""


@dataclass(frozen=True, kw_only=True)
class AskBuddyConsent:
    key: str
    case_id: str
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.employee,)


@dataclass(frozen=True, kw_only=True)
class InviteBuddy:
    key: str
    case_id: str
    starts_on: date | None
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.buddy,)


@dataclass(frozen=True, kw_only=True)
class PrepareFirstDay:
    """Reception, time for the employee and a workplace ready on the first day back."""

    key: str
    case_id: str
    first_day: date
    hours_per_week: float
    place: Place
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.manager,)


@dataclass(frozen=True, kw_only=True)
class EvidenceItem:
    """One fact behind a signal, as data: ``fact`` (a key such as ``hours_reported``,
    ``pace_from_progress_talk``, ``relapse``), its ``value`` and the day it is ``on``."""

    fact: str
    value: str
    on: date


@dataclass(frozen=True, kw_only=True)
class SignalView:
    """A signal as a coach sees it: kind, since when, and the facts behind it."""

    key: str
    kind: SignalKind
    since: date
    evidence: tuple[str, ...]
    """The facts as "<on> <fact>=<value>" lines (kept for old readers; use ``evidence_items``)."""
    text_nl: str
    text_en: str
    headline_nl: str = ""
    """What happened, in a few words, for a subject ("Terugval: werkt voorlopig niet"); no name."""
    headline_en: str = ""
    evidence_items: tuple[EvidenceItem, ...] = ()
    """The same facts as ``evidence``, structured."""


@dataclass(frozen=True, kw_only=True)
class LoopInCoach:
    key: str
    case_id: str
    signal: SignalView
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.coach, Role.casemanager)


@dataclass(frozen=True, kw_only=True)
class PauseBuildUp:
    """Complaints lasted a week or more: keep the hours as they are, do not extend (pas op de plaats)."""

    key: str
    case_id: str
    since: date
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.manager, Role.employee)


@dataclass(frozen=True, kw_only=True)
class RemindHR:
    key: str
    case_id: str
    deadline_key: str
    due: date
    days_left: int
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.casemanager,)


@dataclass(frozen=True, kw_only=True)
class AlertHROverdue:
    key: str
    case_id: str
    deadline_key: str
    due: date
    days_overdue: int
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.casemanager,)


@dataclass(frozen=True, kw_only=True)
class RemindManagerToRecord:
    """A progress talk was not recorded within the grace: the manager is asked, once, to record it
    by ``record_by``; after that day the coach is looped in (rules version 3)."""

    key: str
    case_id: str
    series_id: str
    occurrence: date
    """The day the talk was planned."""
    record_by: date
    """The last day to record it before the coach is called in."""
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.manager,)


@dataclass(frozen=True, kw_only=True)
class DeadlineMoved:
    """A statutory deadline HR was reminded or alerted of moved (rules version 3): one notice with
    the old and the new date, instead of a second reminder or alert."""

    key: str
    case_id: str
    deadline_key: str
    was: date
    """The date HR was last told."""
    now_due: date
    overdue: bool
    """The new date has passed already (the step is late)."""
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.casemanager,)


@dataclass(frozen=True, kw_only=True)
class AlertHRRivGap:
    """Rules version 4: from week ``RulesConfig.riv_check_from_week`` a part of the re-integratieverslag
    is missing or out of time (a ``riv_gap`` signal, :mod:`states.riv`): HR is told what is missing and
    what to do, with the command that fills it (its form on the case page). Once per gap: the signal
    resolves itself when the part is recorded."""

    key: str
    case_id: str
    signal: SignalView
    part: str
    """The part of the RIV (a :class:`states.kinds.DossierPart` value)."""
    command: str
    """The command that fills the gap (``evaluation_held``, ``step_recorded``, ...); "" when no command
    can (a case under an earlier rules version: the part is added as a document)."""
    due: date | None
    text_nl: str
    text_en: str
    to: tuple[Role, ...] = (Role.casemanager,)


@dataclass(frozen=True, kw_only=True)
class CloseCase:
    key: str
    case_id: str
    outcome: Outcome
    on: date
    text_nl: str
    text_en: str


Effect = (
    SendSeries
    | UpdateSeries
    | CancelSeries
    | NotifyTeam
    | AskBuddyConsent
    | InviteBuddy
    | PrepareFirstDay
    | LoopInCoach
    | PauseBuildUp
    | RemindHR
    | AlertHROverdue
    | CloseCase
    | RemindManagerToRecord
    | DeadlineMoved
    | AlertHRRivGap
)
EFFECT_TYPES: tuple[type, ...] = get_args(Effect)
