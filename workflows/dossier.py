"""The records of the re-integratiedossier that an accepted event makes (rules version 4). Pure, no I/O.

After the rules accepted an event of a case that follows rules version 4 or later, the workflow maps
it to :class:`contracts.dossier.DossierEntry` records of the RIV's parts, and they travel with the
event's audit entry to the ``deliver`` activity, which writes both in one transaction. The rules keep
only what their checks need (dates, who, references); the content lives in the dossier, not in the
facts.

- ``probleemanalyse_received``: a probleemanalyse (its advice fields; a later one is of kind
  ``update``, the store numbers the versions);
- ``plan_van_aanpak_signed``: the plan van aanpak, kind ``signed``: the plan's fields and both views;
  an ``evaluation_held`` with ``revised_plan`` adds a plan of kind ``revised`` (with ``changes``);
- ``progress_talk_held``, ``evaluation_held``, ``driegesprek_held``: a gespreksverslag of that kind
  (the day, who was there, the summary, what was agreed, the next steps);
- ``eerstejaarsevaluatie_held``: the eerstejaarsevaluatie, its decision (``first_track`` or
  ``second_track``) and reason, and its verslag;
- ``step_recorded``: ``actueel_oordeel`` (the bedrijfsarts's advice) and ``uwv_42_week_report``
  (the 42e-weeksmelding, its reference), each with the reason it came late, if given; the same step
  recorded again (the rules take it as completing the first: a reference, a late reason) is an
  ``update`` dated as the step;
- ``eindevaluatie_held``, ``employee_view_given`` (mening werknemer: ``about`` names the record read),
  ``tweede_spoor_started`` and ``tweede_spoor_activity_recorded`` (what was done, by whom).

Field names are the keys of :data:`contracts.wording.DOSSIER_FIELDS`; values are plain text (dates
ISO, lists one item a line, enums by their value; ``agrees`` is ``true``, ``false`` or ``seen``), which
the documents put into words (:data:`contracts.wording.DOSSIER_VALUES`). Empty fields are left out.
Each record's key is ``<part>:<the event's audit key>``, stable on replay (the audit key is numbered
by the workflow), so a retried write adds nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date

from contracts.dossier import DossierEntry, DossierField
from states.events import (
    DriegesprekHeld,
    EerstejaarsevaluatieHeld,
    EindevaluatieHeld,
    EmployeeViewGiven,
    EvaluationHeld,
    Event,
    OccupationalAdvice,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    ProbleemanalyseReceived,
    ProgressTalkHeld,
    StepRecorded,
    TalkReport,
    TweedeSpoorActivityRecorded,
    TweedeSpoorStarted,
)
from states.facts import CaseFacts, StepRecord
from states.kinds import DossierPart, Role, StepKey
from states.rules import event_day
from workflows.people import CasePeople

DOSSIER_RULES_VERSION = 4
"""The first rules version whose cases keep a dossier of records."""

Field = tuple[str, str | float | date | enum.Enum | list[str] | list[date] | None]


def _text(value: str | float | date | enum.Enum | list[str] | list[date] | None) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | int):
        return f"{value:g}"
    if isinstance(value, list):
        return "\n".join(_text(item) for item in value if _text(item))
    return value.strip()


def _fields(pairs: Iterable[Field]) -> tuple[DossierField, ...]:
    """The fields with text, in the order given."""
    fields = (DossierField(name=name, text=_text(value)) for name, value in pairs)
    return tuple(field for field in fields if field.text)


def _advice(advice: OccupationalAdvice | None) -> list[Field]:
    if advice is None:
        return []
    return [
        ("limitations", advice.limitations),
        ("capabilities", advice.capabilities),
        ("expected_duration", advice.expected_duration),
        ("work_advice", advice.work_advice),
    ]


def _plan(plan: PlanVanAanpak) -> list[Field]:
    return [
        ("changes", plan.changes),
        ("hours_per_week", plan.hours_per_week),
        ("tasks", plan.tasks),
        ("evaluation_moments", plan.evaluation_moments),
        ("place", plan.place),
        ("contact_person", plan.contact_person),
        ("casemanager", plan.casemanager),
        ("employer_view", plan.employer_view),
        ("employee_view", plan.employee_view),
        ("signed_by_employer_on", plan.signed_by_employer_on),
        ("signed_by_employee_on", plan.signed_by_employee_on),
    ]


def _present(report: TalkReport | None, people: CasePeople) -> tuple[list[str], tuple[str, ...]]:
    """The names of the people who held the roles present at the talk, and their lower-case addresses
    (each person once, in the order of the roles; a role nobody held is left out)."""
    if report is None:
        return [], ()
    roles = tuple(Role(role) for role in report.present)
    present = people.for_roles(roles)
    return [person.name for person in present], tuple(dict.fromkeys(person.email.lower() for person in present))


def _report(report: TalkReport | None) -> list[Field]:
    if report is None:
        return []
    return [("agreed", report.agreed), ("next_steps", report.next_steps)]


STEP_PARTS: dict[StepKey, DossierPart] = {
    StepKey.actueel_oordeel: DossierPart.actueel_oordeel,
    StepKey.uwv_42_week_report: DossierPart.melding_42e_week,
}
"""The statutory steps that are a part of the RIV of their own (``step_recorded``)."""


def _step_record(facts: CaseFacts, step: str) -> StepRecord | None:
    return next((record for record in facts.steps if record.key == step), None)


def sends_riv_copy(event: Event, before: CaseFacts) -> bool:
    """Whether an accepted event gives the employee a (new) copy of the re-integratieverslag: the step
    ``riv_to_employee`` recorded, or recorded again with another reference (a new version of the
    copy); not when it only adds why it came late. Rules version 4."""
    if before.rules_version < DOSSIER_RULES_VERSION or not isinstance(event, StepRecorded):
        return False
    if event.step != StepKey.riv_to_employee:
        return False
    earlier = _step_record(before, event.step)
    reference = event.reference.strip()
    return earlier is None or bool(reference and reference != earlier.reference)


def entries_for(event: Event, *, before: CaseFacts, event_key: str, people: CasePeople) -> tuple[DossierEntry, ...]:
    """The dossier records an accepted ``event`` makes; ``before`` are the facts the rules decided it
    on, ``event_key`` the key of its audit entry, ``people`` who held each role when it was recorded.
    None before rules version 4, and none for an event that is no part of the RIV."""
    if before.rules_version < DOSSIER_RULES_VERSION:
        return ()
    case_id = before.case_id

    def entry(
        part: DossierPart,
        fields: Iterable[Field] = (),
        *,
        kind: str = "",
        participants: tuple[str, ...] = (),
        about: str = "",
        on: date | None = None,
    ) -> DossierEntry:
        return DossierEntry(
            case_id=case_id,
            key=f"{part.value}:{event_key}",
            part=part.value,
            on=on or event_day(event),
            recorded_by=event.actor,
            recorded_at=event.at,
            kind=kind,
            fields=_fields(fields),
            participants=participants,
            about=about,
        )

    def talk(kind: str, report: TalkReport | None, first: list[Field]) -> DossierEntry:
        names, addresses = _present(report, people)
        fields = [*first, ("present", names), *_report(report)]
        return entry(DossierPart.gespreksverslag, fields, kind=kind, participants=addresses)

    if isinstance(event, ProbleemanalyseReceived):
        update = before.probleemanalyse_on is not None  # a later one brings the first up to date
        return (entry(DossierPart.probleemanalyse, _advice(event.advice), kind="update" if update else ""),)
    if isinstance(event, PlanVanAanpakSigned):
        return (entry(DossierPart.plan_van_aanpak, _plan(event.plan), kind="signed"),)
    if isinstance(event, ProgressTalkHeld):
        return (talk("progress_talk", event.report, [("went", event.went), ("summary", event.summary)]),)
    if isinstance(event, EvaluationHeld):
        verslag = talk("evaluation", event.report, [("outcome", event.outcome), ("summary", event.summary)])
        if event.revised_plan is None:
            return (verslag,)
        return (verslag, entry(DossierPart.plan_van_aanpak, _plan(event.revised_plan), kind="revised"))
    if isinstance(event, DriegesprekHeld):
        return (talk("driegesprek", event.report, [("summary", event.summary)]),)
    if isinstance(event, EerstejaarsevaluatieHeld):
        names, addresses = _present(event.report, people)
        decision = "first_track" if event.structural_return_expected else "second_track"
        fields: list[Field] = [
            ("decision", decision),
            ("reason", event.reason),
            ("summary", event.summary),
            ("present", names),
            *_report(event.report),
        ]
        return (entry(DossierPart.eerstejaarsevaluatie, fields, participants=addresses),)
    if isinstance(event, EindevaluatieHeld):
        names, addresses = _present(event.report, people)
        fields = [("summary", event.summary), ("present", names), *_report(event.report)]
        return (entry(DossierPart.eindevaluatie, fields, participants=addresses),)
    if isinstance(event, StepRecorded):
        part = STEP_PARTS.get(StepKey(event.step))
        if part is None:
            return ()
        earlier = _step_record(before, event.step)
        fields = [*_advice(event.advice), ("reference", event.reference), ("reason", event.late_reason)]
        if earlier is None:
            return (entry(part, fields),)
        # Recorded again (UWV's reference came later, or why it was late): an update of that day's step.
        return (entry(part, fields, kind="update", on=earlier.on),)
    if isinstance(event, EmployeeViewGiven):
        agrees = "seen" if event.agrees is None else ("true" if event.agrees else "false")
        fields = [("agrees", agrees), ("view", event.view)]
        return (entry(DossierPart.mening_werknemer, fields, about=event.about),)
    if isinstance(event, TweedeSpoorStarted):
        return (entry(DossierPart.tweede_spoor, kind="started"),)
    if isinstance(event, TweedeSpoorActivityRecorded):
        fields = [("activity", event.activity), ("by", event.by)]
        return (entry(DossierPart.tweede_spoor, fields, kind="activity"),)
    return ()
