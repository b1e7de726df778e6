"""Events and commands: what happens in the world, as told by a person (or the clock).

Every event carries ``actor`` (who said so, an opaque id) and ``at`` (when they said so: an aware
datetime, for the audit trail). Where the world's date differs from the moment of recording (a
probleemanalyse received on Monday, entered on Wednesday), the event has ``on``: the local
(Europe/Amsterdam) date on which it happened; it defaults to the local date of ``at``.

Free text fields (``summary``, ``employer_view``...) are short summaries; the UI warns against
medical details. There are no fields for diagnosis, cause or treatment, on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import get_args

from states.config import RulesConfig
from states.kinds import Channel, EvaluationOutcome, Pace, Phase, Place, Role, StepKey, TalkMood
from states.timeline import SickPeriod


@dataclass(frozen=True, kw_only=True)
class ContactPreference:
    """When and how the employee prefers the regular contact (weekday 0 = Monday, local time)."""

    weekday: int = 0
    hour: int = 10
    minute: int = 0
    channel: Channel = Channel.phone
    place: Place = Place.online
    location: str = ""
    """Where the talks are: an address, a neutral place or a video link (never medical information).
    Not the workplace. From rules version 3 a change of it alone updates the open talks it is the
    place of (:func:`states.rules.location_updates`); before, the intake's location stayed."""


@dataclass(frozen=True, kw_only=True)
class BuildUpStep:
    """From ``from_date`` on, the agreed hours per week (the bedrijfsarts's advice)."""

    from_date: date
    hours_per_week: float


@dataclass(frozen=True, kw_only=True)
class OccupationalAdvice:
    """The bedrijfsarts's judgement as the employer may keep it (rules version 4), in the bedrijfsarts's
    own words: what the employee can and cannot do, for how long, and the advice on work and hours.
    Never a diagnosis, cause or treatment (the edge checks every field for medical terms)."""

    limitations: str = ""
    """Functionele beperkingen: what the employee cannot do (for now)."""
    capabilities: str = ""
    """Benutbare mogelijkheden: what the employee can do."""
    expected_duration: str = ""
    """Verwachte duur: how long the limitations are expected to last (the prognosis in time)."""
    work_advice: str = ""
    """Advice on work, tasks and hours (the build-up)."""


@dataclass(frozen=True, kw_only=True)
class TalkReport:
    """The verslag of a talk (rules version 4): who was there, what was agreed, what comes next.
    ``present`` holds roles; the workflow records who held each role then."""

    present: list[Role] = field(default_factory=list)
    agreed: str = ""
    next_steps: str = ""


@dataclass(frozen=True, kw_only=True)
class PlanVanAanpak:
    """The signed plan: hours, tasks, evaluation moments, contact person, casemanager, both views.

    From rules version 4 a plan is a versioned record of the dossier: a bijstelling says what changed
    and why (``changes``), and both sides' signatures are dated."""

    hours_per_week: float
    tasks: list[str] = field(default_factory=list)
    evaluation_moments: list[date] = field(default_factory=list)
    contact_person: str = ""
    casemanager: str = ""
    employer_view: str = ""
    employee_view: str = ""
    place: Place = Place.office
    changes: str = ""
    """A bijstelling: what changed against the previous version, and why ("" for the first plan)."""
    signed_by_employer_on: date | None = None
    signed_by_employee_on: date | None = None


@dataclass(frozen=True, kw_only=True)
class _Event:
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CaseOpened(_Event):
    """The first sick report (HR intake). ``earlier_periods``: sick periods of the same employee that
    ended less than 4 weeks before ``first_sick_day`` (samentelling); older ones are ignored."""

    case_id: str
    first_sick_day: date
    contract_hours_per_week: float
    preference: ContactPreference = field(default_factory=ContactPreference)
    earlier_periods: list[SickPeriod] = field(default_factory=list)
    config: RulesConfig | None = None


@dataclass(frozen=True, kw_only=True)
class ProbleemanalyseReceived(_Event):
    """The probleemanalyse of the bedrijfsarts, or (once one was received) an update of it."""

    on: date | None = None
    advice: OccupationalAdvice | None = None


@dataclass(frozen=True, kw_only=True)
class PlanVanAanpakSigned(_Event):
    plan: PlanVanAanpak
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class TherapeuticWorkStarted(_Event):
    """Arbeidstherapeutisch werken: light tasks, no formal resumption; the employee stays sick.
    ``on`` is the first day, which may lie up to 4 weeks ahead."""

    hours_per_week: float
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class BuildUpStarted(_Event):
    """Build-up of hours following the bedrijfsarts's advice; a new schedule replaces the old one.
    The first step starts the build-up (it may lie up to 4 weeks ahead)."""

    schedule: list[BuildUpStep]


@dataclass(frozen=True, kw_only=True)
class HoursReported(_Event):
    """Hours actually worked in the week starting on ``week_of`` (a Monday)."""

    week_of: date
    hours: float


@dataclass(frozen=True, kw_only=True)
class ProgressTalkHeld(_Event):
    went: TalkMood
    summary: str = ""
    pace: Pace = Pace.ok
    conflict_at_work: bool = False
    on: date | None = None
    report: TalkReport | None = None


@dataclass(frozen=True, kw_only=True)
class EmployeeFeedback(_Event):
    """The employee's own report (self-service): is the pace right, is a conflict in the way?"""

    pace: Pace = Pace.ok
    conflict_at_work: bool = False
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class ComplaintsReported(_Event):
    """Complaints after work, reported only by how long they last (in days), nothing more."""

    lasting_days: int
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class BuildUpResumed(_Event):
    """The pause after lasting complaints is over: the build-up may go on."""

    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class EvaluationHeld(_Event):
    """An evaluation of the plan van aanpak. ``revised_plan`` records a bijstelling."""

    outcome: EvaluationOutcome
    summary: str = ""
    revised_plan: PlanVanAanpak | None = None
    on: date | None = None
    report: TalkReport | None = None


@dataclass(frozen=True, kw_only=True)
class EerstejaarsevaluatieHeld(_Event):
    """``structural_return_expected``: a concrete structural return in-house within 3 months is
    expected, so the second track may wait."""

    structural_return_expected: bool = False
    summary: str = ""
    on: date | None = None
    reason: str = ""
    """Rules version 4: why the first track continues (the structural return expected) or why the
    second track starts; the RIV needs the decision with its reason."""
    report: TalkReport | None = None


@dataclass(frozen=True, kw_only=True)
class TweedeSpoorStarted(_Event):
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class Recovered(_Event):
    """``full``: fully back in the own work (``on`` is the first day back; the case becomes
    hersteld). Partial: back for ``hours_per_week``, the case stays open."""

    full: bool = True
    hours_per_week: float | None = None
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class Relapse(_Event):
    """A step back. In a running case: to an earlier phase (``back_to``) and/or fewer hours.
    After a full recovery: sick again from ``on``; within 4 weeks this continues the case
    (samentelling), later it is a new case and refused here."""

    back_to: Phase | None = None
    hours_per_week: float | None = None
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class EmploymentEnded(_Event):
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class Withdrawn(_Event):
    """The case is withdrawn, e.g. entered in error."""

    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class StepRecorded(_Event):
    """A statutory document was made or sent (arbodienst report, 42nd-week report, ...).

    Rules version 4: ``reference`` (the 42e-weeksmelding's reference at UWV, say), ``late_reason`` (why
    a step came after its deadline, for the RIV's completeness table) and, for the actueel oordeel,
    the bedrijfsarts's ``advice``."""

    step: StepKey
    on: date | None = None
    reference: str = ""
    late_reason: str = ""
    advice: OccupationalAdvice | None = None


@dataclass(frozen=True, kw_only=True)
class BuddyConsent(_Event):
    """The employee's answer to the buddy question."""

    given: bool


@dataclass(frozen=True, kw_only=True)
class DriegesprekHeld(_Event):
    summary: str = ""
    on: date | None = None
    report: TalkReport | None = None


@dataclass(frozen=True, kw_only=True)
class EindevaluatieHeld(_Event):
    """Rules version 4: the eindevaluatie of employer and employee (about week 91, or when a worker
    sick 10 weeks or more leaves employment): how the re-integration went, in a few lines."""

    summary: str = ""
    on: date | None = None
    report: TalkReport | None = None


@dataclass(frozen=True, kw_only=True)
class EmployeeViewGiven(_Event):
    """Rules version 4: the employee's own view (mening werknemer), in self-service.

    ``about`` is the dossier record the employee read (its key, as the dossier lists it), or "" for
    the re-integration as a whole. ``agrees``: akkoord (True), niet akkoord (False), or only seen (None)."""

    about: str = ""
    agrees: bool | None = None
    view: str = ""
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class TweedeSpoorActivityRecorded(_Event):
    """Rules version 4: one activity of the second track: what was done, and by whom (a
    re-integratiebureau, say)."""

    activity: str
    by: str = ""
    on: date | None = None


@dataclass(frozen=True, kw_only=True)
class PreferenceChanged(_Event):
    preference: ContactPreference


@dataclass(frozen=True, kw_only=True)
class LoonsanctieImposed(_Event):
    """UWV extended the wage continuation by ``weeks`` (at most 52 in total)."""

    weeks: int


@dataclass(frozen=True, kw_only=True)
class SignalResolved(_Event):
    signal_key: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class RoleHolderChanged(_Event):
    """Another person holds ``role`` now (a coach assigned or replaced, a new manager or casemanager, the
    buddy HR chose), or nobody does (``held`` False).

    Not one of the people's commands (it is not in :data:`Event`): the workflow, which knows the people,
    tells the rules, which know only roles (:func:`states.rules.role_holder_changed`)."""

    role: Role
    held: bool = True


@dataclass(frozen=True, kw_only=True)
class TalkMoved(_Event):
    """HR accepted another time for a one-off talk (evaluation, driegesprek) that an attendee proposed.

    Not one of the people's commands (it is not in :data:`Event`): the workflow tells the rules when HR
    accepts a proposal it read from a calendar reply (:func:`states.rules.talk_moved`)."""

    series_id: str
    start: datetime


Event = (
    ProbleemanalyseReceived
    | PlanVanAanpakSigned
    | TherapeuticWorkStarted
    | BuildUpStarted
    | HoursReported
    | ProgressTalkHeld
    | EmployeeFeedback
    | ComplaintsReported
    | BuildUpResumed
    | EvaluationHeld
    | EerstejaarsevaluatieHeld
    | TweedeSpoorStarted
    | Recovered
    | Relapse
    | EmploymentEnded
    | Withdrawn
    | StepRecorded
    | BuddyConsent
    | DriegesprekHeld
    | EindevaluatieHeld
    | EmployeeViewGiven
    | TweedeSpoorActivityRecorded
    | PreferenceChanged
    | LoonsanctieImposed
    | SignalResolved
)
"""Everything :func:`states.case.decide` accepts (``CaseOpened`` goes to ``open_case``)."""

EVENT_TYPES: tuple[type, ...] = get_args(Event)
