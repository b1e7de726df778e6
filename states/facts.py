"""The facts of a case: everything the rules need, as plain dataclasses.

Only types Temporal's pydantic data converter round-trips: nested dataclasses, lists, str, int,
float, bool, ``date``, aware ``datetime`` and ``StrEnum``. No dicts, no machine (the phase is a
string), no health data (no diagnosis, cause or treatment; talk summaries are short and the UI warns).

After a round trip through JSON an aware datetime comes back with a fixed UTC offset instead of the
Europe/Amsterdam zone; the rules therefore convert to :data:`states.config.TZ` before any local
arithmetic, and compare datetimes only as instants.

A record that never changes once made is a frozen dataclass (phase changes, steps, evaluations,
hours, talks, statements, complaints, evidence, the dossier's marks and the employee's views), so
its type holds that rule. Only
:class:`CaseFacts` and the parts the rules change in place are not: the sick periods (an end),
relapses (answered), driegesprekken (held), the buddy, calendar series and signals; the rules change
them only on a private copy (:func:`private_copy`, :func:`own`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from states.config import RulesConfig
from states.events import BuildUpStep, ContactPreference, PlanVanAanpak
from states.kinds import Channel, EvaluationOutcome, Pace, Place, Role, SeriesKind, SignalKind, TalkMood
from states.timeline import SickPeriod

RULES_VERSION = 4
"""The rules version of cases opened now. 1: the first. 2: a planned evaluation that will not take
place (held on another day) moves to the next evaluation, one update per person, instead of being
cancelled beside a new invitation. 3: messages people can trust (issue 18): one reminder per
deadline instance and one "moved" notice when it moves, series to a sensible horizon, the buddy
invited only once HR chose one, attendees follow the people who hold the roles. 4: the
re-integratiedossier (issue 19): the eindevaluatie, the employee's view and the second track's
activities are recorded, a step keeps its reference and the reason it came late, and from week 80
(``RulesConfig.riv_check_from_week``) every gap in the re-integratieverslag is a signal to HR
(:mod:`states.riv`)."""


@dataclass(frozen=True, kw_only=True)
class PhaseChange:
    """One step of the phase history (kept for the dossier; the workflow history has the rest)."""

    from_phase: str
    to_phase: str
    on: date
    trigger: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class StepRecord:
    key: str
    on: date
    actor: str
    at: datetime
    reference: str = ""
    """Rules version 4: the step's reference (the 42e-weeksmelding's at UWV, say); "" before."""
    late_reason: str = ""
    """Rules version 4: why the step came after its deadline, as recorded; "" before."""


@dataclass(frozen=True, kw_only=True)
class DossierMark:
    """Rules version 4: that a part of the dossier was recorded on a day, by whom (the eindevaluatie,
    an activity of the second track). Its content goes to the dossier's records, not into the facts."""

    on: date
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class EmployeeView:
    """Rules version 4: the employee read ``about`` (a dossier record's key, "" for the re-integration
    as a whole) and agrees (True), does not (False) or only saw it (None). The view itself goes to the
    dossier's records, not into the facts."""

    on: date
    about: str
    agrees: bool | None
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class EvaluationRecord:
    on: date
    outcome: EvaluationOutcome
    summary: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class HoursEntry:
    week_of: date
    hours: float
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class TalkRecord:
    on: date
    went: TalkMood
    summary: str
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class Statement:
    """What someone said about the pace and conflicts (from a talk or the employee's own report)."""

    on: date
    pace: Pace
    conflict_at_work: bool
    source: str  # "progress_talk" | "employee"
    actor: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ComplaintsRecord:
    on: date
    lasting_days: int
    actor: str
    at: datetime


@dataclass(kw_only=True)
class RelapseRecord:
    on: date
    from_phase: str
    to_phase: str
    hours_per_week: float | None
    actor: str
    at: datetime
    answered: bool = False
    """Set when the case moved forward again or a new build-up schedule gave direction."""


@dataclass(kw_only=True)
class Driegesprek:
    requested_on: date
    held_on: date | None = None


@dataclass(kw_only=True)
class BuddyState:
    asked_on: date | None = None
    consent: bool | None = None
    invited_on: date | None = None
    chosen: bool = False
    """HR chose the buddy (rules version 3: invited once chosen and agreed to, whichever comes last)."""


@dataclass(kw_only=True)
class SeriesState:
    """A calendar series as last sent. ``slot`` names what it is for (``checkin``, ``evaluation:3``);
    ``basis`` fingerprints the facts its start was derived from: same basis, same start."""

    kind: SeriesKind
    counter: int
    series_id: str
    slot: str
    basis: str
    sequence: int
    start: datetime
    duration_minutes: int
    interval_weeks: int | None
    until: date | None
    attendees: list[Role]
    channel: Channel
    place: Place
    active: bool = True


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """One fact behind a signal: what, which value, since/on which day."""

    fact: str
    value: str
    on: date


@dataclass(kw_only=True)
class Signal:
    key: str
    kind: SignalKind
    since: date
    raised_at: datetime
    evidence: list[Evidence]
    text_nl: str
    text_en: str
    resolved_at: datetime | None = None
    resolution: str = ""
    headline_nl: str = ""
    """What happened, in a few words (:mod:`states.signals`); "" in facts from before it existed."""
    headline_en: str = ""

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True, kw_only=True)
class Announcement:
    """A statutory deadline's date as HR was told it (rules version 3): by a reminder, an overdue
    alert or a notice that it moved. ``instance`` names the deadline instance (the deadline's key;
    for the rolling evaluation, the evaluation after a given day: ``evaluation:<day>``)."""

    instance: str
    deadline_key: str
    due: date
    told: str  # "reminder" | "overdue" | "moved"


@dataclass(kw_only=True)
class CaseFacts:
    case_id: str
    phase: str
    config: RulesConfig
    opened_at: datetime
    opened_by: str
    periods: list[SickPeriod]
    contract_hours_per_week: float
    preference: ContactPreference

    history: list[PhaseChange] = field(default_factory=list)
    phase_since: date | None = None

    probleemanalyse_on: date | None = None
    probleemanalyse_revisions: list[date] = field(default_factory=list)
    plan: PlanVanAanpak | None = None
    plan_signed_on: date | None = None
    plan_revisions: list[date] = field(default_factory=list)
    evaluations: list[EvaluationRecord] = field(default_factory=list)
    eerstejaarsevaluatie_on: date | None = None
    structural_return_expected: bool = False
    tweede_spoor_decided_on: date | None = None
    tweede_spoor_started_on: date | None = None
    steps: list[StepRecord] = field(default_factory=list)
    loonsanctie_weeks: int = 0

    # Rules version 4: what the check of the re-integratieverslag needs (:mod:`states.riv`); dates and
    # who, never the content (that goes to the dossier's records).
    eerstejaarsevaluatie_reason_given: bool = False
    """The eerstejaarsevaluatie recorded why the first track continues or the second starts."""
    eindevaluatie: DossierMark | None = None
    employee_views: list[EmployeeView] = field(default_factory=list)
    tweede_spoor_activities: list[DossierMark] = field(default_factory=list)

    working_since: date | None = None
    """First day of the current return to work (therapeutic, build-up or partial); None while the
    employee does not work."""
    agreed_hours: list[BuildUpStep] = field(default_factory=list)
    """The agreed hours per week over time (therapeutic hours, the build-up schedule, a relapse to
    fewer hours, 0 when work stops). A new agreement replaces the entries from its first day on."""
    hours: list[HoursEntry] = field(default_factory=list)
    buildup_paused_since: date | None = None
    buildup_resumed_on: date | None = None
    complaints: list[ComplaintsRecord] = field(default_factory=list)
    talks: list[TalkRecord] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    relapses: list[RelapseRecord] = field(default_factory=list)

    recovered_on: date | None = None
    """First day fully back at work while the phase is hersteld (the samentelling window runs)."""
    ended_on: date | None = None
    outcome: str | None = None
    closed: bool = False

    buddy: BuddyState = field(default_factory=BuddyState)
    coach_since: date | None = None
    driegesprekken: list[Driegesprek] = field(default_factory=list)

    series: list[SeriesState] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    emitted: list[str] = field(default_factory=list)
    """Keys of the time-driven effects already emitted (reminders, first-day and team notices...)."""
    announced: list[Announcement] = field(default_factory=list)
    """Rules version 3: the deadline dates HR was told, in order (:func:`states.agenda.deadline_moves`)."""

    rules_version: int = 1
    """Which version of the rules this case follows, fixed when it opens (see :data:`RULES_VERSION`):
    a running case keeps the behaviour its history was made with; facts carried from before the
    field existed read as 1."""


# ------------------------------------------------------------------------------------- copying

_T = TypeVar("_T")

_OWN_ELEMENTS = ("periods", "relapses", "driegesprekken")
"""Small lists of :class:`CaseFacts` whose elements the rules change in place (a period's end, a
relapse answered, a driegesprek held): :func:`private_copy` copies their elements."""


def shallow(obj: _T) -> _T:
    """A new instance of the same class with the same attribute values (what :func:`copy.copy`
    does for these dataclasses, without going through ``__reduce_ex__``)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def private_copy(facts: CaseFacts) -> CaseFacts:
    """A copy of ``facts`` the rules may change without changing ``facts``.

    Copies exactly what the rules change in place: the facts object, every list (they append and
    replace elements), the elements of :data:`_OWN_ELEMENTS` and the buddy state. Calendar series
    and signals (the lists that grow with a case) are shared with ``facts`` until a rule changes one:
    it then puts its own copy in the list first (:func:`own`). Everything else is only ever added
    (or, a step completed with its reference or late reason under rules version 4, replaced by a new
    record in the copied list), never changed, and frozen (phase changes, records, hours, talks,
    statements, plans, steps, the eindevaluatie, the employee's views, the second track's activities,
    config), so old and new facts share it. (``copy.deepcopy`` did the same job at many times the cost.)
    """
    new = shallow(facts)
    attributes = new.__dict__
    for name, value in attributes.items():
        if type(value) is list:
            attributes[name] = list(value)
    for name in _OWN_ELEMENTS:
        attributes[name] = [shallow(element) for element in attributes[name]]
    new.buddy = shallow(facts.buddy)
    return new


def own(items: list[_T], index: int) -> _T:
    """Replace ``items[index]`` by a copy and return it, to change it without changing the facts
    it may be shared with (see :func:`private_copy`)."""
    item = items[index] = shallow(items[index])
    return item
