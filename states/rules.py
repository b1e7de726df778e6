"""What each event does to the facts, and when the rules refuse it.

:func:`apply` works on a copy made by the caller: it checks the event against the facts (with
reasons a person understands), asks the phase machine whether the trigger may lead where the facts
say it should, and changes the copy. It returns the effects that follow *directly* from the event
(closing the case, asking about a buddy, pausing the build-up, ...). Calendar series, signals and
time-driven items are derived afterwards from the new facts by :mod:`states.case`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from states import phases
from states.agenda import deadline, hours_on
from states.cadence import next_occurrence, series_effect  # the one builder of a series' effect
from states.clock import local, local_date, require_aware, utc
from states.config import SAMENTELLING_GAP_DAYS
from states.effects import AskBuddyConsent, CloseCase, Effect, InviteBuddy, NotifyTeam, PauseBuildUp, UpdateSeries
from states.events import (
    BuddyConsent,
    BuildUpResumed,
    BuildUpStarted,
    BuildUpStep,
    ComplaintsReported,
    ContactPreference,
    DriegesprekHeld,
    EerstejaarsevaluatieHeld,
    EindevaluatieHeld,
    EmployeeFeedback,
    EmployeeViewGiven,
    EmploymentEnded,
    EvaluationHeld,
    Event,
    HoursReported,
    LoonsanctieImposed,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    PreferenceChanged,
    ProbleemanalyseReceived,
    ProgressTalkHeld,
    Recovered,
    Relapse,
    RoleHolderChanged,
    SignalResolved,
    StepRecorded,
    TalkMoved,
    TherapeuticWorkStarted,
    TweedeSpoorActivityRecorded,
    TweedeSpoorStarted,
    Withdrawn,
)
from states.facts import (
    CaseFacts,
    ComplaintsRecord,
    DossierMark,
    EmployeeView,
    EvaluationRecord,
    HoursEntry,
    PhaseChange,
    RelapseRecord,
    SeriesState,
    Statement,
    StepRecord,
    TalkRecord,
    own,
)
from states.kinds import (
    END_PHASES,
    OPEN_PHASES,
    PHASE_ORDER,
    SICK_PHASES,
    Channel,
    DossierPart,
    EvaluationOutcome,
    Outcome,
    Phase,
    Role,
    SeriesChangeReason,
    StepKey,
    TeamNoticeKind,
)
from states.refusals import Refused
from states.timeline import DeadlineKey, SickPeriod

START_AHEAD_DAYS = 28
"""A start of work may be recorded up to 4 weeks ahead (so the first day can be prepared)."""
RECOVERY_AHEAD_DAYS = 7

_PHASE_NL = {
    Phase.ziekgemeld: "ziekgemeld",
    Phase.probleemanalyse: "probleemanalyse",
    Phase.plan_van_aanpak: "plan van aanpak",
    Phase.arbeidstherapeutisch: "arbeidstherapeutisch werken",
    Phase.opbouw: "opbouw",
    Phase.evaluatie: "evaluatie",
    Phase.tweede_spoor: "tweede spoor",
    Phase.hersteld: "hersteld",
    Phase.wia: "WIA",
    Phase.uit_dienst: "uit dienst",
    Phase.ingetrokken: "ingetrokken",
}


def phase_nl(phase: str) -> str:
    return _PHASE_NL.get(Phase(phase), phase) if phase in Phase.__members__ else phase


@dataclass(frozen=True)
class Ruling:
    """What a handler decided: the machine trigger, the wanted phase and direct effects."""

    trigger: str
    dest: Phase | None = None
    effects: list[Effect] | None = None


# --------------------------------------------------------------------------------------- helpers


def event_day(event: Event) -> date:
    """The local date on which the event happened in the world (``on``, else the date of ``at``)."""
    if isinstance(event, BuildUpStarted) and event.schedule:
        return event.schedule[0].from_date
    on: date | None = getattr(event, "on", None)  # most events have an ``on``, not all
    return on if on is not None else local_date(event.at)


def _towards(facts: CaseFacts, trigger: str, dest: Phase) -> Phase | None:
    """``dest`` when the machine lets ``trigger`` move the case there from its phase; else None (the
    phase stays, if the machine allows that: :func:`apply` checks)."""
    return dest if dest in phases.destinations(facts.phase, trigger) else None


def documentary_phase(facts: CaseFacts) -> Phase:
    """The phase the documents reached: where a case stands when the employee does not work."""
    if facts.plan_signed_on is not None:
        return Phase.plan_van_aanpak
    if facts.probleemanalyse_on is not None:
        return Phase.probleemanalyse
    return Phase.ziekgemeld


def resume_phase(facts: CaseFacts) -> Phase:
    """Where a case continues after samentelling (sick again within 4 weeks of recovery)."""
    if facts.tweede_spoor_started_on is not None:
        return Phase.tweede_spoor
    return documentary_phase(facts)


def _check_hours(facts: CaseFacts, hours: float, *, allow_zero: bool = False) -> None:
    if hours != hours or hours < 0 or (hours == 0 and not allow_zero):  # NaN or negative
        raise Refused(
            "Vul een positief aantal uren per week in.",
            "Enter a positive number of hours per week.",
            "hours_invalid",
        )
    if hours > facts.contract_hours_per_week:
        raise Refused(
            f"{hours:g} uur is meer dan de contracturen ({facts.contract_hours_per_week:g} per week).",
            f"{hours:g} hours is more than the contract hours ({facts.contract_hours_per_week:g} a week).",
            "hours_above_contract",
        )


def _not_future(day: date, today: date, what_nl: str, what_en: str, ahead: int = 0) -> None:
    if day > today + timedelta(days=ahead):
        if ahead:
            raise Refused(
                f"{what_nl}: {day.isoformat()} ligt meer dan {ahead} dagen in de toekomst.",
                f"{what_en}: {day.isoformat()} is more than {ahead} days ahead.",
                "date_too_far_ahead",
            )
        raise Refused(
            f"{what_nl}: {day.isoformat()} ligt in de toekomst.",
            f"{what_en}: {day.isoformat()} lies in the future.",
            "date_in_future",
        )


def _not_before(day: date, earliest: date | None, what_nl: str, what_en: str, after_nl: str, after_en: str) -> None:
    if earliest is not None and day < earliest:
        raise Refused(
            f"{what_nl} kan niet op {day.isoformat()}: dat is vóór {after_nl} ({earliest.isoformat()}).",
            f"{what_en} cannot be on {day.isoformat()}: that is before {after_en} ({earliest.isoformat()}).",
            "date_before_earlier_step",
        )


def _require_probleemanalyse(facts: CaseFacts, what_nl: str, what_en: str) -> None:
    if facts.probleemanalyse_on is None:
        raise Refused(
            f"{what_nl} kan pas na de probleemanalyse: die geeft het advies van de bedrijfsarts.",
            f"{what_en} can only come after the probleemanalyse: it holds the bedrijfsarts's advice.",
            "needs_probleemanalyse",
        )


def _require_plan(facts: CaseFacts, what_nl: str, what_en: str) -> None:
    if facts.plan_signed_on is None:
        raise Refused(
            f"{what_nl} kan pas als het plan van aanpak ondertekend is.",
            f"{what_en} can only happen once the plan van aanpak is signed.",
            "needs_plan_van_aanpak",
        )


def _set_agreed_hours(facts: CaseFacts, steps: list[BuildUpStep]) -> None:
    """Replace the agreed hours from the first new step on."""
    first = steps[0].from_date
    facts.agreed_hours = [s for s in facts.agreed_hours if s.from_date < first] + list(steps)


def _start_work(facts: CaseFacts, on: date, hours: float) -> list[Effect]:
    """The employee (re)starts work on ``on``; returns the buddy question the first time."""
    effects: list[Effect] = []
    if facts.working_since is None:
        facts.working_since = on
    _set_agreed_hours(facts, [BuildUpStep(from_date=on, hours_per_week=hours)])
    if facts.buddy.asked_on is None:
        facts.buddy.asked_on = on
        effects.append(
            AskBuddyConsent(
                key=f"{facts.case_id}:buddy:ask",
                case_id=facts.case_id,
                text_nl=(
                    "Wil je tijdens je re-integratie een buddy: een collega bij wie je terechtkunt met "
                    "praktische vragen? Alleen als jij dat wilt."
                ),
                text_en=(
                    "Would you like a buddy during your return: a colleague to turn to with practical "
                    "questions? Only if you want one."
                ),
            )
        )
    return effects


def _stop_work(facts: CaseFacts, on: date) -> None:
    if facts.working_since is None:
        return
    facts.working_since = None
    facts.buildup_paused_since = None
    _set_agreed_hours(facts, [BuildUpStep(from_date=on, hours_per_week=0.0)])


def _answer_relapses(facts: CaseFacts) -> None:
    for record in facts.relapses:
        record.answered = True


def close_case(facts: CaseFacts, outcome: Outcome, on: date) -> CloseCase:
    facts.closed = True
    facts.outcome = str(outcome)
    facts.ended_on = on
    if facts.periods[-1].end is None:
        facts.periods[-1].end = max(on, facts.periods[-1].start)
    texts = {
        Outcome.hersteld: (
            "De werknemer is volledig hersteld; de zaak is gesloten.",
            "The employee has fully recovered; the case is closed.",
        ),
        Outcome.wia: (
            "De twee jaar loondoorbetaling zijn voorbij; de zaak is gesloten (WIA).",
            "The two years of wage continuation are over; the case is closed (WIA).",
        ),
        Outcome.uit_dienst: (
            "Het dienstverband is geëindigd; de zaak is gesloten.",
            "The employment has ended; the case is closed.",
        ),
        Outcome.ingetrokken: ("De zaak is ingetrokken.", "The case has been withdrawn."),
    }
    text_nl, text_en = texts[outcome]
    return CloseCase(
        key=f"{facts.case_id}:close", case_id=facts.case_id, outcome=outcome, on=on, text_nl=text_nl, text_en=text_en
    )


def _validate_plan(facts: CaseFacts, plan: PlanVanAanpak, signed_on: date) -> None:
    _check_hours(facts, plan.hours_per_week, allow_zero=True)
    previous = signed_on
    max_weeks = min(6, facts.config.evaluation_max_weeks)
    for moment in sorted(plan.evaluation_moments):
        if moment <= signed_on:
            raise Refused(
                f"Evaluatiemoment {moment.isoformat()} ligt niet na de ondertekening ({signed_on.isoformat()}).",
                f"Evaluation moment {moment.isoformat()} is not after the signing ({signed_on.isoformat()}).",
                "evaluation_moment_invalid",
            )
        if (moment - previous).days > 7 * max_weeks:
            raise Refused(
                f"Evalueer minstens elke {max_weeks} weken: tussen {previous.isoformat()} en "
                f"{moment.isoformat()} zit meer dan {max_weeks} weken.",
                f"Evaluate at least every {max_weeks} weeks: more than {max_weeks} weeks lie between "
                f"{previous.isoformat()} and {moment.isoformat()}.",
                "evaluation_moments_too_far_apart",
            )
        previous = moment


def validate_preference(preference: ContactPreference) -> None:
    if not (0 <= preference.weekday <= 6 and 0 <= preference.hour <= 23 and 0 <= preference.minute <= 59):
        raise Refused(
            "Kies een dag (maandag tot en met zondag) en een geldige tijd.",
            "Choose a day (Monday to Sunday) and a valid time.",
            "preference_invalid",
        )


# ------------------------------------------------------------------------------------ handlers


def _probleemanalyse(facts: CaseFacts, event: ProbleemanalyseReceived, day: date, today: date) -> Ruling:
    _not_future(day, today, "De probleemanalyse", "The probleemanalyse")
    if facts.probleemanalyse_on is None:
        facts.probleemanalyse_on = day
        return Ruling("probleemanalyse_received", _towards(facts, "probleemanalyse_received", Phase.probleemanalyse))
    _not_before(
        day,
        facts.probleemanalyse_on,
        "Een bijgestelde probleemanalyse",
        "A revised probleemanalyse",
        "de eerste probleemanalyse",
        "the first probleemanalyse",
    )
    facts.probleemanalyse_revisions.append(day)
    return Ruling("probleemanalyse_received", None)


def _plan(facts: CaseFacts, event: PlanVanAanpakSigned, day: date, today: date) -> Ruling:
    if facts.plan_signed_on is not None:
        raise Refused(
            "Het plan van aanpak is al ondertekend; leg een bijstelling vast bij een evaluatie.",
            "The plan van aanpak is already signed; record a revision with an evaluation.",
            "plan_already_signed",
        )
    if facts.probleemanalyse_on is None:
        raise Refused(
            "Een plan van aanpak kan pas na de probleemanalyse.",
            "A plan van aanpak can only be signed after the probleemanalyse.",
            "plan_before_probleemanalyse",
        )
    _not_future(day, today, "Het plan van aanpak", "The plan van aanpak")
    _not_before(
        day,
        facts.probleemanalyse_on,
        "Het plan van aanpak",
        "The plan van aanpak",
        "de probleemanalyse",
        "the probleemanalyse",
    )
    _validate_plan(facts, event.plan, day)
    facts.plan = event.plan
    facts.plan_signed_on = day
    return Ruling("plan_van_aanpak_signed", _towards(facts, "plan_van_aanpak_signed", Phase.plan_van_aanpak))


def _therapeutic(facts: CaseFacts, event: TherapeuticWorkStarted, day: date, today: date) -> Ruling:
    _require_probleemanalyse(facts, "Arbeidstherapeutisch werken", "Therapeutic work")
    _check_hours(facts, event.hours_per_week)
    _not_future(
        day, today, "De start van arbeidstherapeutisch werken", "The start of therapeutic work", START_AHEAD_DAYS
    )
    effects = _start_work(facts, day, event.hours_per_week)
    return Ruling(
        "therapeutic_work_started", _towards(facts, "therapeutic_work_started", Phase.arbeidstherapeutisch), effects
    )


def _build_up(facts: CaseFacts, event: BuildUpStarted, day: date, today: date) -> Ruling:
    _require_probleemanalyse(facts, "Een opbouw van uren", "A build-up of hours")
    schedule = list(event.schedule)
    if not schedule:
        raise Refused(
            "Een opbouwschema heeft minstens één stap.",
            "A build-up schedule needs at least one step.",
            "schedule_empty",
        )
    for previous, step in pairwise(schedule):
        if step.from_date <= previous.from_date:
            raise Refused(
                "De stappen van het opbouwschema moeten op volgorde van datum staan, elke dag één keer.",
                "The steps of the build-up schedule must be in date order, each day once.",
                "schedule_order",
            )
        if step.hours_per_week < previous.hours_per_week:
            raise Refused(
                "Een opbouwschema loopt niet terug; leg minder uren vast als terugval.",
                "A build-up schedule does not go down; record fewer hours as a relapse.",
                "schedule_decreasing",
            )
    for step in schedule:
        _check_hours(facts, step.hours_per_week)
    first = schedule[0].from_date
    _not_future(first, today, "De start van de opbouw", "The start of the build-up", START_AHEAD_DAYS)
    _not_before(first, facts.periods[0].start, "De opbouw", "The build-up", "de eerste ziektedag", "the first sick day")
    if facts.buildup_paused_since is not None:
        current = hours_on(facts, max(today, first))
        if any(step.hours_per_week > current for step in schedule):
            raise Refused(
                "De opbouw staat op pauze omdat klachten een week of langer aanhielden: breid de uren niet "
                "uit. Leg eerst vast dat de opbouw weer verder kan.",
                "The build-up is paused because complaints lasted a week or more: do not extend the hours. "
                "First record that the build-up may go on.",
                "build_up_paused",
            )
    effects: list[Effect] = []
    if facts.working_since is None:
        effects = _start_work(facts, first, schedule[0].hours_per_week)
    _set_agreed_hours(facts, schedule)
    _answer_relapses(facts)
    return Ruling("build_up_started", _towards(facts, "build_up_started", Phase.opbouw), effects)


def _hours(facts: CaseFacts, event: HoursReported, day: date, today: date) -> Ruling:
    _check_hours(facts, event.hours, allow_zero=True)
    week_of = event.week_of - timedelta(days=event.week_of.weekday())
    _not_future(week_of, today, "De week", "The week")
    first_week = facts.periods[0].start - timedelta(days=facts.periods[0].start.weekday())
    _not_before(week_of, first_week, "Uren", "Hours", "de eerste ziekteweek", "the first week of sickness")
    facts.hours.append(HoursEntry(week_of=week_of, hours=float(event.hours), actor=event.actor, at=utc(event.at)))
    return Ruling("hours_reported")


def _talk(facts: CaseFacts, event: ProgressTalkHeld, day: date, today: date) -> Ruling:
    _not_future(day, today, "Het gesprek", "The talk")
    facts.talks.append(TalkRecord(on=day, went=event.went, summary=event.summary, actor=event.actor, at=utc(event.at)))
    facts.statements.append(
        Statement(
            on=day,
            pace=event.pace,
            conflict_at_work=event.conflict_at_work,
            source="progress_talk",
            actor=event.actor,
            at=utc(event.at),
        )
    )
    return Ruling("progress_talk_held")


def _feedback(facts: CaseFacts, event: EmployeeFeedback, day: date, today: date) -> Ruling:
    _not_future(day, today, "De melding", "The report")
    facts.statements.append(
        Statement(
            on=day,
            pace=event.pace,
            conflict_at_work=event.conflict_at_work,
            source="employee",
            actor=event.actor,
            at=utc(event.at),
        )
    )
    return Ruling("employee_feedback")


def _complaints(facts: CaseFacts, event: ComplaintsReported, day: date, today: date) -> Ruling:
    _not_future(day, today, "De melding", "The report")
    if event.lasting_days < 0 or event.lasting_days > 366:
        raise Refused(
            "Vul het aantal dagen in dat de klachten aanhouden (0 tot 366).",
            "Enter how many days the complaints last (0 to 366).",
            "complaints_days_invalid",
        )
    facts.complaints.append(
        ComplaintsRecord(on=day, lasting_days=event.lasting_days, actor=event.actor, at=utc(event.at))
    )
    effects: list[Effect] = []
    if (
        event.lasting_days >= facts.config.complaints_pause_days
        and facts.working_since is not None
        and facts.buildup_paused_since is None
    ):
        facts.buildup_paused_since = day
        effects.append(
            PauseBuildUp(
                key=f"{facts.case_id}:pause:{day.isoformat()}:{len(facts.complaints)}",
                case_id=facts.case_id,
                since=day,
                text_nl="De klachten houden een week of langer aan: pas op de plaats. Houd de uren zoals ze zijn en breid niet uit.",
                text_en="Complaints have lasted a week or more: pause. Keep the hours as they are and do not extend them.",
            )
        )
    return Ruling("complaints_reported", None, effects)


def _resumed(facts: CaseFacts, event: BuildUpResumed, day: date, today: date) -> Ruling:
    if facts.buildup_paused_since is None:
        raise Refused("De opbouw staat niet op pauze.", "The build-up is not paused.", "not_paused")
    _not_future(day, today, "Het hervatten", "The resumption")
    _not_before(day, facts.buildup_paused_since, "Het hervatten", "The resumption", "de pauze", "the pause")
    facts.buildup_paused_since = None
    facts.buildup_resumed_on = day
    return Ruling("build_up_resumed")


def _evaluation(facts: CaseFacts, event: EvaluationHeld, day: date, today: date) -> Ruling:
    _require_plan(facts, "Een evaluatie van het plan van aanpak", "An evaluation of the plan van aanpak")
    _not_future(day, today, "De evaluatie", "The evaluation")
    last = facts.evaluations[-1].on if facts.evaluations else facts.plan_signed_on
    _not_before(
        day,
        last,
        "De evaluatie",
        "The evaluation",
        "de vorige evaluatie of het plan",
        "the previous evaluation or the plan",
    )
    if event.revised_plan is not None:
        _validate_plan(facts, event.revised_plan, day)
        facts.plan = event.revised_plan
        facts.plan_revisions.append(day)
    outcome = EvaluationOutcome(event.outcome)
    effects: list[Effect] = []
    dest: Phase | None = None
    if outcome == EvaluationOutcome.second_track:
        if facts.phase == Phase.tweede_spoor:
            raise Refused(
                "Het tweede spoor is al gestart.",
                "The second track has already started.",
                "tweede_spoor_already_started",
            )
        facts.tweede_spoor_decided_on = day
        dest = _towards(facts, "evaluation_held", Phase.evaluatie)
    elif outcome == EvaluationOutcome.adjust_plan:
        dest = _towards(facts, "evaluation_held", Phase.evaluatie)
    elif outcome == EvaluationOutcome.recovered:
        effects = _recover(facts, day + timedelta(days=1), today)  # fully back from the next day
        dest = Phase.hersteld
    facts.evaluations.append(
        EvaluationRecord(on=day, outcome=outcome, summary=event.summary, actor=event.actor, at=utc(event.at))
    )
    return Ruling("evaluation_held", dest, effects)


def _eerstejaarsevaluatie(facts: CaseFacts, event: EerstejaarsevaluatieHeld, day: date, today: date) -> Ruling:
    _require_plan(facts, "De eerstejaarsevaluatie", "The eerstejaarsevaluatie")
    if facts.eerstejaarsevaluatie_on is not None:
        raise Refused(
            f"De eerstejaarsevaluatie is al gehouden op {facts.eerstejaarsevaluatie_on.isoformat()}.",
            f"The eerstejaarsevaluatie was already held on {facts.eerstejaarsevaluatie_on.isoformat()}.",
            "eerstejaarsevaluatie_already_held",
        )
    _not_future(day, today, "De eerstejaarsevaluatie", "The eerstejaarsevaluatie")
    window = deadline(facts, DeadlineKey.eerstejaarsevaluatie).deadline.window_start
    if window is not None and day < window:
        raise Refused(
            f"De eerstejaarsevaluatie valt tussen week 46 en week 52; het venster begint op {window.isoformat()}.",
            f"The eerstejaarsevaluatie falls between week 46 and week 52; the window opens on {window.isoformat()}.",
            "eerstejaarsevaluatie_too_early",
        )
    facts.eerstejaarsevaluatie_on = day
    facts.structural_return_expected = event.structural_return_expected
    if facts.rules_version >= 4:
        facts.eerstejaarsevaluatie_reason_given = bool(event.reason.strip())
    return Ruling("eerstejaarsevaluatie_held")


def _tweede_spoor(facts: CaseFacts, event: TweedeSpoorStarted, day: date, today: date) -> Ruling:
    _require_plan(facts, "Het tweede spoor", "The second track")
    _not_future(day, today, "De start van het tweede spoor", "The start of the second track")
    facts.tweede_spoor_started_on = day
    _answer_relapses(facts)
    return Ruling("tweede_spoor_started", Phase.tweede_spoor)


def _recover(facts: CaseFacts, on: date, today: date) -> list[Effect]:
    """Full recovery: ``on`` is the first day fully back; the last sick day is the day before."""
    _not_future(on, today, "Het herstel", "The recovery", RECOVERY_AHEAD_DAYS)
    current = facts.periods[-1]
    if on <= current.start:
        raise Refused(
            f"Herstel kan pas na de eerste ziektedag van deze periode ({current.start.isoformat()}).",
            f"Recovery can only come after the first sick day of this period ({current.start.isoformat()}).",
            "recovery_before_sickness",
        )
    _not_before(on, facts.phase_since, "Het herstel", "The recovery", "de laatste fasewissel", "the last phase change")
    current.end = on - timedelta(days=1)
    facts.recovered_on = on
    facts.working_since = None
    facts.buildup_paused_since = None
    hours = facts.contract_hours_per_week
    return [
        NotifyTeam(
            key=f"{facts.case_id}:team:recovered:{on.isoformat()}",
            case_id=facts.case_id,
            from_date=on,
            hours_per_week=hours,
            text_nl=f"Vanaf {on.isoformat()} werkt je collega weer volledig ({hours:g} uur per week).",
            text_en=f"From {on.isoformat()} your colleague works fully again ({hours:g} hours a week).",
            present=True,
            kind=TeamNoticeKind.recovered,
        )
    ]


def _recovered(facts: CaseFacts, event: Recovered, day: date, today: date) -> Ruling:
    if event.full:
        return Ruling("recovered", Phase.hersteld, _recover(facts, day, today))
    if event.hours_per_week is None:
        raise Refused(
            "Vul bij gedeeltelijk herstel het aantal uren per week in.",
            "Enter the hours per week for a partial recovery.",
            "partial_needs_hours",
        )
    _check_hours(facts, event.hours_per_week)
    if event.hours_per_week >= facts.contract_hours_per_week:
        raise Refused(
            "Met alle contracturen is het volledig herstel; kies volledig herstel.",
            "All contract hours means full recovery; choose full recovery.",
            "partial_is_full",
        )
    _not_future(day, today, "Het gedeeltelijk herstel", "The partial recovery", START_AHEAD_DAYS)
    effects: list[Effect] = []
    if facts.working_since is None:
        effects = _start_work(facts, day, event.hours_per_week)
    else:
        _set_agreed_hours(facts, [BuildUpStep(from_date=day, hours_per_week=event.hours_per_week)])
    _answer_relapses(facts)
    return Ruling("recovered", _towards(facts, "recovered", Phase.opbouw), effects)


def _relapse(facts: CaseFacts, event: Relapse, day: date, today: date) -> Ruling:
    _not_future(day, today, "De terugval", "The relapse")
    if facts.phase == Phase.hersteld:
        assert facts.recovered_on is not None
        gap = (day - facts.recovered_on).days
        if gap < 0:
            raise Refused(
                f"De nieuwe ziektedag ligt vóór het herstel ({facts.recovered_on.isoformat()}).",
                f"The new sick day lies before the recovery ({facts.recovered_on.isoformat()}).",
                "relapse_before_recovery",
            )
        if gap >= SAMENTELLING_GAP_DAYS:
            raise Refused(
                f"De werknemer werkte {gap} dagen (4 weken of meer): dit is een nieuwe ziekmelding. "
                "Open een nieuwe zaak.",
                f"The employee worked {gap} days (4 weeks or more): this is a new sick report. Open a new case.",
                "new_case",
            )
        resumed = resume_phase(facts)
        if event.back_to is not None and Phase(event.back_to) != resumed:
            raise Refused(
                f"Na herstel gaat de zaak verder in de fase '{phase_nl(resumed)}'.",
                f"After recovery the case continues in the phase '{resumed}'.",
                "relapse_target_invalid",
            )
        if gap == 0:
            facts.periods[-1].end = None
        else:
            facts.periods.append(SickPeriod(start=day))
        facts.recovered_on = None
        facts.relapses.append(
            RelapseRecord(
                on=day,
                from_phase=str(Phase.hersteld),
                to_phase=str(resumed),
                hours_per_week=None,
                actor=event.actor,
                at=utc(event.at),
            )
        )
        return Ruling("relapse", resumed)

    if event.back_to is None and event.hours_per_week is None:
        raise Refused(
            "Leg bij een terugval de fase of de uren vast.",
            "Record the phase or the hours of a relapse.",
            "relapse_empty",
        )
    dest: Phase | None = None
    if event.back_to is not None:
        back_to = Phase(event.back_to)
        # The facts narrow what the machine allows (only back): to the phase the documents reached,
        # or to an earlier form of work.
        reachable = phases.destinations(facts.phase, "relapse")
        allowed = [p for p in (documentary_phase(facts), Phase.arbeidstherapeutisch, Phase.opbouw) if p in reachable]
        if facts.phase == Phase.tweede_spoor or back_to not in allowed:
            names_nl = ", ".join(f"'{phase_nl(p)}'" for p in allowed)
            if facts.phase == Phase.tweede_spoor:
                raise Refused(
                    "In het tweede spoor blijft de fase tweede spoor; leg minder uren vast.",
                    "In the second track the phase stays tweede spoor; record fewer hours.",
                    "relapse_target_invalid",
                )
            raise Refused(
                f"Terug naar '{phase_nl(back_to)}' kan niet vanuit '{phase_nl(facts.phase)}'; mogelijk: {names_nl}.",
                f"Back to '{back_to}' is not possible from '{facts.phase}'; possible: "
                + ", ".join(str(p) for p in allowed)
                + ".",
                "relapse_target_invalid",
            )
        dest = back_to
    current = hours_on(facts, day)
    if dest in SICK_PHASES:
        if event.hours_per_week not in (None, 0):
            raise Refused(
                "Terug naar ziek zijn betekent 0 uur werken.",
                "Back to being sick means working 0 hours.",
                "relapse_hours_invalid",
            )
        _stop_work(facts, day)
    elif event.hours_per_week is not None:
        _check_hours(facts, event.hours_per_week)
        if event.hours_per_week >= current and dest is None:
            raise Refused(
                f"Een terugval is minder uren dan nu afgesproken ({current:g} per week).",
                f"A relapse means fewer hours than agreed now ({current:g} a week).",
                "relapse_hours_invalid",
            )
        if event.hours_per_week > current:
            raise Refused(
                f"Bij een terugval gaan de uren niet omhoog (nu {current:g} per week).",
                f"Hours do not go up in a relapse (now {current:g} a week).",
                "relapse_hours_invalid",
            )
        _set_agreed_hours(facts, [BuildUpStep(from_date=day, hours_per_week=event.hours_per_week)])
    facts.relapses.append(
        RelapseRecord(
            on=day,
            from_phase=facts.phase,
            to_phase=str(dest or facts.phase),
            hours_per_week=event.hours_per_week,
            actor=event.actor,
            at=utc(event.at),
        )
    )
    return Ruling("relapse", dest)


def _employment_ended(facts: CaseFacts, event: EmploymentEnded, day: date, today: date) -> Ruling:
    _not_before(
        day,
        facts.periods[0].start,
        "Het einde van het dienstverband",
        "The end of employment",
        "de eerste ziektedag",
        "the first sick day",
    )
    _not_future(day, today, "Het einde van het dienstverband", "The end of employment", START_AHEAD_DAYS)
    return Ruling("employment_ended", Phase.uit_dienst, [close_case(facts, Outcome.uit_dienst, day)])


def _withdrawn(facts: CaseFacts, event: Withdrawn, day: date, today: date) -> Ruling:
    return Ruling(
        "withdrawn", Phase.ingetrokken, [close_case(facts, Outcome.ingetrokken, max(day, facts.periods[0].start))]
    )


_STEP_NEEDS = {
    StepKey.riv_to_employee: (StepKey.actueel_oordeel, "het actueel oordeel", "the actueel oordeel"),
    StepKey.wia_application: (StepKey.riv_to_employee, "het re-integratieverslag", "the re-integratieverslag"),
}
_STEP_NL = {
    StepKey.arbodienst_report: "De ziekmelding bij de arbodienst",
    StepKey.uwv_42_week_report: "De 42e-weekmelding",
    StepKey.actueel_oordeel: "Het actueel oordeel",
    StepKey.riv_to_employee: "Het re-integratieverslag",
    StepKey.wia_application: "De WIA-aanvraag",
}


def _step(facts: CaseFacts, event: StepRecorded, day: date, today: date) -> Ruling:
    step = StepKey(event.step)
    done = {record.key: record.on for record in facts.steps}
    if step in done and _completes_step(facts, event, done[step]):
        return _complete_step(facts, event, step)
    if step in done:
        on = done[step].isoformat()
        hint_nl = hint_en = ""
        if facts.rules_version >= 4:
            hint_nl = f" Een kenmerk of de reden van te laat vul je aan met dezelfde datum ({on})."
            hint_en = f" To add a reference or the reason it came late, record it with the same date ({on})."
        raise Refused(
            f"{_STEP_NL[step]} is al vastgelegd op {on}.{hint_nl}",
            f"The step {step} was already recorded on {on}.{hint_en}",
            "step_already_recorded",
        )
    _not_future(day, today, _STEP_NL[step], f"The step {step}")
    _not_before(
        day, facts.periods[0].start, _STEP_NL[step], f"The step {step}", "de eerste ziektedag", "the first sick day"
    )
    if step in _STEP_NEEDS:
        needed, needed_nl, needed_en = _STEP_NEEDS[step]
        if needed not in done:
            raise Refused(
                f"{_STEP_NL[step]} kan pas na {needed_nl}.",
                f"The step {step} can only come after {needed_en}.",
                "step_out_of_order",
            )
    if facts.rules_version >= 4:
        record = StepRecord(
            key=str(step),
            on=day,
            actor=event.actor,
            at=utc(event.at),
            reference=event.reference.strip(),
            late_reason=event.late_reason.strip(),
        )
    else:
        record = StepRecord(key=str(step), on=day, actor=event.actor, at=utc(event.at))
    facts.steps.append(record)
    return Ruling("step_recorded")


def _completes_step(facts: CaseFacts, event: StepRecorded, done_on: date) -> bool:
    """Rules version 4: a step recorded again on the day it was recorded, with a reference or a late
    reason, completes the record (UWV's reference often comes days after the 42e-weeksmelding; the
    reason a step came late is what the re-integratieverslag must show). Before version 4 a second
    record of a step is refused, as it always was."""
    return (
        facts.rules_version >= 4
        and (event.on is None or event.on == done_on)
        and bool(event.reference.strip() or event.late_reason.strip())
    )


def _complete_step(facts: CaseFacts, event: StepRecorded, step: StepKey) -> Ruling:
    """The record of ``step`` with the reference and late reason given now (what was recorded stays
    where nothing new is given). A new record in the copied list: records are never changed."""
    index = next(i for i, record in enumerate(facts.steps) if record.key == step)
    record = facts.steps[index]
    facts.steps[index] = StepRecord(
        key=record.key,
        on=record.on,
        actor=record.actor,
        at=record.at,
        reference=event.reference.strip() or record.reference,
        late_reason=event.late_reason.strip() or record.late_reason,
    )
    return Ruling("step_recorded")


def _buddy(facts: CaseFacts, event: BuddyConsent, day: date, today: date) -> Ruling:
    if facts.buddy.asked_on is None:
        raise Refused(
            "Er is nog niet naar een buddy gevraagd.", "Nobody has asked about a buddy yet.", "buddy_not_asked"
        )
    if facts.buddy.consent is not None and facts.buddy.consent == event.given:
        raise Refused(
            "Dit antwoord over de buddy is al vastgelegd.",
            "This answer about the buddy is already recorded.",
            "buddy_answer_known",
        )
    facts.buddy.consent = event.given
    effects: list[Effect] = []
    # Version 3: consent alone invites nobody; the buddy HR chose is invited (role_holder_changed).
    chosen = facts.buddy.chosen or facts.rules_version < 3
    if event.given and chosen and facts.buddy.invited_on is None:
        facts.buddy.invited_on = day
        effects.append(_buddy_invitation(facts))
    return Ruling("buddy_consent", None, effects)


def _buddy_invitation(facts: CaseFacts) -> InviteBuddy:
    return InviteBuddy(
        key=f"{facts.case_id}:buddy:invite",
        case_id=facts.case_id,
        starts_on=facts.working_since,
        text_nl=(
            "Je collega komt terug en vindt het fijn als jij buddy wilt zijn: het aanspreekpunt "
            "voor praktische vragen tijdens de re-integratie."
        ),
        text_en=(
            "Your colleague is coming back and would like you as a buddy: the one to turn to with "
            "practical questions during the return."
        ),
    )


def role_holder_changed(facts: CaseFacts, event: RoleHolderChanged, now: datetime) -> list[Effect]:
    """Another person holds ``event.role`` now, or nobody: what follows, from rules version 3 (before
    it, nothing). Changes ``facts``, a private copy (:func:`states.facts.private_copy`).

    Every open series the role attends goes out again: SEQUENCE + 1, one update, which the workflow
    sends to the people who hold the roles now (and a CANCEL to whoever left). A buddy is invited
    once HR chose one and the employee agreed, whichever came last; a buddy chosen in another's
    place is invited too (the same key: nobody is invited twice)."""
    require_aware(now)
    require_aware(event.at, "event.at")
    if facts.rules_version < 3 or facts.closed:
        return []
    effects: list[Effect] = []
    if event.role == Role.buddy:
        facts.buddy.chosen = event.held
        if event.held and facts.buddy.consent is True:
            facts.buddy.invited_on = facts.buddy.invited_on or local_date(now)
            effects.append(_buddy_invitation(facts))
    for index, series in enumerate(facts.series):
        if not series.active or event.role not in series.attendees or next_occurrence(series, now) is None:
            continue  # not open, not theirs, or nothing of it lies ahead
        series = own(facts.series, index)
        series.sequence += 1
        effects.append(attendees_update(facts, series))
    return effects


def talk_moved(facts: CaseFacts, event: TalkMoved, now: datetime) -> list[Effect]:
    """HR accepted another time for a one-off talk: from rules version 3, the talk moves there (SEQUENCE
    + 1, one update that says from when to when). Changes ``facts``, a private copy.

    The series keeps its ``basis``, so :func:`states.cadence.reconcile` keeps the accepted start on later
    decisions. A recurring series, a talk that is no longer open or a time that has passed is refused:
    the proposal then stays recorded and HR agrees the time with the people."""
    require_aware(now)
    require_aware(event.at, "event.at")
    require_aware(event.start, "event.start")
    if facts.rules_version < 3 or facts.closed:
        return []
    index = next((i for i, s in enumerate(facts.series) if s.active and s.series_id == event.series_id), None)
    if index is None:
        raise Refused("Deze afspraak staat niet meer open.", "This appointment is no longer open.", "talk_not_open")
    if facts.series[index].interval_weeks is not None:
        raise Refused(
            "Alleen een losse afspraak (evaluatie, driegesprek) kan zo worden verplaatst.",
            "Only a one-off talk (evaluation, three-way talk) can be moved this way.",
            "talk_recurring",
        )
    if event.start <= now:
        raise Refused(
            "Het voorgestelde tijdstip is al voorbij.", "The proposed time has already passed.", "proposal_past"
        )
    series = own(facts.series, index)
    previous = series.start
    if utc(event.start) == previous:
        return []
    series.start = utc(event.start)
    series.sequence += 1
    effect = series_effect(
        UpdateSeries,
        facts,
        series,
        reason_key=SeriesChangeReason.proposal_accepted,
        previous_start=local(previous),
    )
    return [effect]


def attendees_update(facts: CaseFacts, series: SeriesState) -> UpdateSeries:
    """The update of a series whose attendees changed: the same talk, its SEQUENCE already raised."""
    effect = series_effect(UpdateSeries, facts, series, reason_key=SeriesChangeReason.attendees_changed)
    assert isinstance(effect, UpdateSeries)
    return effect


def _driegesprek(facts: CaseFacts, event: DriegesprekHeld, day: date, today: date) -> Ruling:
    pending = [talk for talk in facts.driegesprekken if talk.held_on is None]
    if not pending:
        raise Refused("Er staat geen driegesprek gepland.", "No three-way talk is planned.", "no_driegesprek")
    _not_future(day, today, "Het driegesprek", "The three-way talk")
    for talk in pending:
        talk.held_on = day
    return Ruling("driegesprek_held")


def _eindevaluatie(facts: CaseFacts, event: EindevaluatieHeld, day: date, today: date) -> Ruling:
    if facts.eindevaluatie is not None:
        raise Refused(
            f"De eindevaluatie is al gehouden op {facts.eindevaluatie.on.isoformat()}.",
            f"The final evaluation was already held on {facts.eindevaluatie.on.isoformat()}.",
            "eindevaluatie_already_held",
        )
    _not_future(day, today, "De eindevaluatie", "The final evaluation")
    facts.eindevaluatie = DossierMark(on=day, actor=event.actor, at=utc(event.at))
    return Ruling("eindevaluatie_held")


_VIEW_PARTS = {
    DossierPart.probleemanalyse: ("probleemanalyse", "probleemanalyse"),
    DossierPart.plan_van_aanpak: ("plan van aanpak", "plan van aanpak"),
    DossierPart.gespreksverslag: ("gespreksverslag", "report of a talk"),
    DossierPart.eerstejaarsevaluatie: ("eerstejaarsevaluatie", "first-year evaluation"),
    DossierPart.melding_42e_week: ("42e-weekmelding", "42nd-week report"),
    DossierPart.tweede_spoor: ("tweede spoor", "second track"),
    DossierPart.actueel_oordeel: ("actueel oordeel", "current judgement"),
    DossierPart.eindevaluatie: ("eindevaluatie", "final evaluation"),
    DossierPart.re_integratieverslag: ("re-integratieverslag", "re-integration report"),
    DossierPart.arbeidsdeskundig_rapport: ("arbeidsdeskundig rapport", "labour expert's report"),
}
"""The parts the employee can give a view of, in words ("Er is nog geen ... vastgelegd")."""


def _recorded_parts(facts: CaseFacts) -> set[DossierPart]:
    """The parts of the dossier the facts know a record of (an arbeidsdeskundig rapport is a document
    only: the rules never see it, so a view about it is taken on the record's word)."""
    steps = {record.key for record in facts.steps}
    known = {
        DossierPart.probleemanalyse: facts.probleemanalyse_on is not None,
        DossierPart.plan_van_aanpak: facts.plan_signed_on is not None,
        DossierPart.gespreksverslag: bool(
            facts.talks or facts.evaluations or any(talk.held_on for talk in facts.driegesprekken)
        ),
        DossierPart.eerstejaarsevaluatie: facts.eerstejaarsevaluatie_on is not None,
        DossierPart.melding_42e_week: StepKey.uwv_42_week_report in steps,
        DossierPart.tweede_spoor: facts.tweede_spoor_started_on is not None or bool(facts.tweede_spoor_activities),
        DossierPart.actueel_oordeel: StepKey.actueel_oordeel in steps,
        DossierPart.eindevaluatie: facts.eindevaluatie is not None,
        DossierPart.re_integratieverslag: StepKey.riv_to_employee in steps,
        DossierPart.arbeidsdeskundig_rapport: True,
    }
    return {part for part, there in known.items() if there}


def _employee_view(facts: CaseFacts, event: EmployeeViewGiven, day: date, today: date) -> Ruling:
    """The employee's view of a record of the dossier (``about``: its key, ``<part>:...``), or of the
    re-integration as a whole (``about`` ""). A record the facts cannot know of yet is refused."""
    _not_future(day, today, "Je mening", "Your view")
    about = event.about.strip()
    if about:
        name = about.split(":", 1)[0]
        part = DossierPart(name) if name in DossierPart.__members__ else None
        if part is None or part == DossierPart.mening_werknemer:
            raise Refused(
                "Geef je mening over een stuk uit het dossier (een plan, een verslag), of over de "
                "re-integratie als geheel.",
                "Give your view of a record of the dossier (a plan, a report), or of the re-integration as a whole.",
                "view_about_unknown",
            )
        if part not in _recorded_parts(facts):
            noun_nl, noun_en = _VIEW_PARTS[part]
            raise Refused(
                f"Er is nog geen {noun_nl} vastgelegd om je mening over te geven.",
                f"There is no {noun_en} recorded yet to give your view of.",
                "view_about_unknown",
            )
    facts.employee_views.append(
        EmployeeView(on=day, about=about, agrees=event.agrees, actor=event.actor, at=utc(event.at))
    )
    return Ruling("employee_view_given")


def _tweede_spoor_activity(facts: CaseFacts, event: TweedeSpoorActivityRecorded, day: date, today: date) -> Ruling:
    began = [d for d in (facts.tweede_spoor_decided_on, facts.tweede_spoor_started_on) if d is not None]
    if not began:
        raise Refused(
            "Een activiteit van het tweede spoor kan pas als het tweede spoor is besloten of gestart: "
            "leg eerst de start van het tweede spoor vast.",
            "An activity of the second track can only be recorded once the second track was decided or "
            "started: first record the start of the second track.",
            "needs_tweede_spoor",
        )
    if not event.activity.strip():
        raise Refused(
            "Beschrijf kort wat er in het tweede spoor is gedaan.",
            "Describe briefly what was done in the second track.",
            "activity_missing",
        )
    _not_future(day, today, "De activiteit", "The activity")
    _not_before(
        day,
        min(began),
        "De activiteit",
        "The activity",
        "het besluit over het tweede spoor",
        "the decision on the second track",
    )
    facts.tweede_spoor_activities.append(DossierMark(on=day, actor=event.actor, at=utc(event.at)))
    return Ruling("tweede_spoor_activity_recorded")


_INSTEAD = {
    EindevaluatieHeld: (
        "Voeg het verslag van de eindevaluatie als document toe aan het dossier.",
        "Add the report of the final evaluation to the dossier as a document.",
    ),
    EmployeeViewGiven: (
        "Laat de werknemer de mening op papier geven en voeg die als document toe aan het dossier.",
        "Have the employee put the view on paper and add it to the dossier as a document.",
    ),
    TweedeSpoorActivityRecorded: (
        "Voeg het verslag van de activiteit als document toe aan het dossier (deel tweede spoor).",
        "Add the report of the activity to the dossier as a document (part second track).",
    ),
}
"""What HR can do instead when a case under an earlier rules version cannot record the event."""


def _require_version_4(facts: CaseFacts, event: Event) -> None:
    instead = _INSTEAD.get(type(event))
    if instead is not None and facts.rules_version < 4:
        instead_nl, instead_en = instead
        raise Refused(
            f"Deze zaak is geopend voordat het re-integratiedossier bestond; dit kan er niet in worden "
            f"vastgelegd. {instead_nl}",
            f"This case was opened before the re-integration dossier existed; this cannot be recorded in "
            f"it. {instead_en}",
            "needs_rules_version_4",
        )


def _preference(facts: CaseFacts, event: PreferenceChanged, day: date, today: date) -> Ruling:
    validate_preference(event.preference)
    before, facts.preference = facts.preference, event.preference
    if facts.rules_version < 3 or event.preference.location == before.location:
        return Ruling("preference_changed")
    return Ruling("preference_changed", None, location_updates(facts, before, today))


def location_updates(facts: CaseFacts, before: ContactPreference, today: date) -> list[Effect]:
    """The updates that bring the employee's new contact location to the open talks it is the place
    of (video or in person), rules version 3. Only where :func:`states.cadence.reconcile` does not
    update the talk anyway: a recurring series is updated by it when the day, time, channel or place
    changed; a one-off talk when the time, channel or place did (its day follows the law's dates)."""
    after = facts.preference
    same_time = (before.hour, before.minute, before.channel, before.place) == (
        after.hour,
        after.minute,
        after.channel,
        after.place,
    )
    effects: list[Effect] = []
    for index, series in enumerate(facts.series):
        recurring = series.interval_weeks is not None
        if not series.active or series.channel == Channel.phone or not same_time:
            continue
        if recurring and before.weekday != after.weekday:
            continue
        last_day = series.until if recurring else local_date(series.start)
        if last_day is not None and last_day < today:
            continue  # nothing of it lies ahead
        series = own(facts.series, index)
        series.sequence += 1
        effect = series_effect(UpdateSeries, facts, series, reason_key=str(SeriesChangeReason.preference_changed))
        assert isinstance(effect, UpdateSeries)
        effects.append(effect)
    return effects


def _loonsanctie(facts: CaseFacts, event: LoonsanctieImposed, day: date, today: date) -> Ruling:
    if event.weeks < 1 or facts.loonsanctie_weeks + event.weeks > 52:
        raise Refused(
            f"Een loonsanctie is 1 tot 52 weken in totaal (nu {facts.loonsanctie_weeks}).",
            f"A loonsanctie is 1 to 52 weeks in total (now {facts.loonsanctie_weeks}).",
            "loonsanctie_invalid",
        )
    facts.loonsanctie_weeks += event.weeks
    return Ruling("loonsanctie_imposed")


def _signal_resolved(facts: CaseFacts, event: SignalResolved, day: date, today: date) -> Ruling:
    index = next((i for i, s in enumerate(facts.signals) if s.key == event.signal_key), None)
    if index is None or not facts.signals[index].is_open:
        raise Refused("Dit signaal staat niet (meer) open.", "This signal is not open (any more).", "signal_not_open")
    signal = own(facts.signals, index)
    signal.resolved_at = utc(event.at)
    signal.resolution = event.note or f"resolved by {event.actor}"
    return Ruling("signal_resolved")


Handler = Callable[[CaseFacts, Any, date, date], Ruling]
"""(facts, event, day, today) -> ruling. ``Any``: each handler takes its own event type, the one
:data:`HANDLERS` files it under (a dict cannot say that to a type checker)."""
HANDLERS: dict[type, tuple[str, Handler]] = {
    ProbleemanalyseReceived: ("probleemanalyse_received", _probleemanalyse),
    PlanVanAanpakSigned: ("plan_van_aanpak_signed", _plan),
    TherapeuticWorkStarted: ("therapeutic_work_started", _therapeutic),
    BuildUpStarted: ("build_up_started", _build_up),
    HoursReported: ("hours_reported", _hours),
    ProgressTalkHeld: ("progress_talk_held", _talk),
    EmployeeFeedback: ("employee_feedback", _feedback),
    ComplaintsReported: ("complaints_reported", _complaints),
    BuildUpResumed: ("build_up_resumed", _resumed),
    EvaluationHeld: ("evaluation_held", _evaluation),
    EerstejaarsevaluatieHeld: ("eerstejaarsevaluatie_held", _eerstejaarsevaluatie),
    TweedeSpoorStarted: ("tweede_spoor_started", _tweede_spoor),
    Recovered: ("recovered", _recovered),
    Relapse: ("relapse", _relapse),
    EmploymentEnded: ("employment_ended", _employment_ended),
    Withdrawn: ("withdrawn", _withdrawn),
    StepRecorded: ("step_recorded", _step),
    BuddyConsent: ("buddy_consent", _buddy),
    DriegesprekHeld: ("driegesprek_held", _driegesprek),
    EindevaluatieHeld: ("eindevaluatie_held", _eindevaluatie),
    EmployeeViewGiven: ("employee_view_given", _employee_view),
    TweedeSpoorActivityRecorded: ("tweede_spoor_activity_recorded", _tweede_spoor_activity),
    PreferenceChanged: ("preference_changed", _preference),
    LoonsanctieImposed: ("loonsanctie_imposed", _loonsanctie),
    SignalResolved: ("signal_resolved", _signal_resolved),
}


# ----------------------------------------------------------------------- refusals by phase alone


def phase_refusal(facts: CaseFacts, trigger: str) -> Refused:
    """Why ``trigger`` cannot fire in the case's phase at all."""
    phase = Phase(facts.phase)
    if facts.closed:
        return Refused(
            f"Deze zaak is gesloten ({phase_nl(phase)}); er kan niets meer bij.",
            f"This case is closed ({phase}); nothing can be added.",
            "case_closed",
        )
    if phase == Phase.hersteld:
        return Refused(
            "De werknemer is hersteld gemeld. Alleen opnieuw ziek binnen 4 weken (terugval), uit dienst of "
            "intrekken kan nog.",
            "The employee has been reported recovered. Only sick again within 4 weeks (relapse), end of "
            "employment or withdrawal are still possible.",
            "recovered_case",
        )
    if phase in END_PHASES:  # pragma: no cover - end phases other than hersteld are always closed
        return Refused("Deze zaak is afgesloten.", "This case has ended.", "case_closed")
    specific: dict[str, tuple[str, str, str]] = {
        "plan_van_aanpak_signed": (
            (
                "Een plan van aanpak kan pas na de probleemanalyse.",
                "A plan van aanpak can only be signed after the probleemanalyse.",
                "plan_before_probleemanalyse",
            )
            if facts.probleemanalyse_on is None
            else (
                "Het plan van aanpak is al ondertekend; leg een bijstelling vast bij een evaluatie.",
                "The plan van aanpak is already signed; record a revision with an evaluation.",
                "plan_already_signed",
            )
        ),
        "therapeutic_work_started": (
            (
                "Arbeidstherapeutisch werken kan pas na de probleemanalyse: die geeft het advies van de bedrijfsarts.",
                "Therapeutic work can only come after the probleemanalyse: it holds the bedrijfsarts's advice.",
                "needs_probleemanalyse",
            )
            if facts.probleemanalyse_on is None
            else (
                "Van opbouw terug naar arbeidstherapeutisch werken is een terugval: leg een terugval vast.",
                "Going back from build-up to therapeutic work is a relapse: record a relapse.",
                "use_relapse",
            )
        ),
        "build_up_started": (
            "Een opbouw van uren kan pas na de probleemanalyse: die geeft het advies van de bedrijfsarts.",
            "A build-up of hours can only come after the probleemanalyse: it holds the bedrijfsarts's advice.",
            "needs_probleemanalyse",
        ),
        "hours_reported": (
            "Er is geen werkhervatting vastgelegd; leg eerst arbeidstherapeutisch werken, een opbouw of "
            "gedeeltelijk herstel vast.",
            "No return to work is recorded; first record therapeutic work, a build-up or a partial recovery.",
            "not_working",
        ),
        "build_up_resumed": ("Er is geen opbouw om te hervatten.", "There is no build-up to resume.", "not_working"),
        "evaluation_held": (
            "Een evaluatie van het plan van aanpak kan pas als het plan ondertekend is.",
            "An evaluation of the plan van aanpak can only happen once the plan is signed.",
            "needs_plan_van_aanpak",
        ),
        "eerstejaarsevaluatie_held": (
            "De eerstejaarsevaluatie kan pas als het plan van aanpak ondertekend is.",
            "The eerstejaarsevaluatie can only happen once the plan van aanpak is signed.",
            "needs_plan_van_aanpak",
        ),
        "tweede_spoor_started": (
            ("Het tweede spoor is al gestart.", "The second track has already started.", "tweede_spoor_already_started")
            if phase == Phase.tweede_spoor
            else (
                "Het tweede spoor kan pas na het plan van aanpak.",
                "The second track can only start after the plan van aanpak.",
                "needs_plan_van_aanpak",
            )
        ),
        "relapse": (
            "Er is geen werkhervatting om op terug te vallen: de werknemer werkt nu niet.",
            "There is no return to work to fall back from: the employee is not working now.",
            "not_working",
        ),
    }
    if trigger in specific:
        reason_nl, reason_en, code = specific[trigger]
        return Refused(reason_nl, reason_en, code)
    return Refused(  # pragma: no cover - every trigger with a phase limit has a specific reason
        f"Dit kan niet in de fase '{phase_nl(phase)}'.",
        f"This is not possible in the phase '{phase}'.",
        "not_in_phase",
    )


# ---------------------------------------------------------------------------------------- apply


def apply(facts: CaseFacts, event: Event, now: datetime) -> list[Effect]:
    """Apply ``event`` to ``facts`` (a private copy: mutated in place). Raises :class:`Refused`."""
    require_aware(event.at, "event.at")
    entry = HANDLERS.get(type(event))
    if entry is None:
        raise TypeError(f"not an event the rules know: {type(event).__name__}")
    trigger, handler = entry
    if facts.closed or not phases.destinations(facts.phase, trigger):
        raise phase_refusal(facts, trigger)
    _require_version_4(facts, event)
    today = local_date(now)
    day = event_day(event)
    _not_before(day, facts.periods[0].start, "Dit", "This", "de eerste ziektedag", "the first sick day")
    outcome = handler(facts, event, day, today)
    allowed = phases.destinations(facts.phase, trigger)
    if outcome.dest not in allowed:  # the facts ask for a move the law's order does not allow here
        raise phase_refusal(facts, trigger)
    before = Phase(facts.phase)
    if outcome.dest is not None and facts.phase_since is not None and day < facts.phase_since:
        raise Refused(
            f"De datum {day.isoformat()} ligt vóór de vorige fasewissel ({facts.phase_since.isoformat()}).",
            f"The date {day.isoformat()} lies before the previous phase change ({facts.phase_since.isoformat()}).",
            "date_before_phase_change",
        )
    after = phases.fire(facts.phase, trigger, outcome.dest)
    if after != before:
        facts.phase = str(after)
        facts.phase_since = day
        facts.history.append(
            PhaseChange(
                from_phase=str(before),
                to_phase=str(after),
                on=day,
                trigger=trigger,
                actor=event.actor,
                at=utc(event.at),
            )
        )
        if before in PHASE_ORDER and after in PHASE_ORDER and not phases.is_back(before, after):
            _answer_relapses(facts)
    if after in OPEN_PHASES and after in SICK_PHASES:
        _stop_work(facts, day)
    return list(outcome.effects or [])
