"""The shared vocabulary of the rules: small string enums used by facts, events and effects.

``StrEnum`` members are plain strings, so they serialise as their value in JSON payloads.
"""

from __future__ import annotations

import enum


class Phase(enum.StrEnum):
    ziekgemeld = "ziekgemeld"
    probleemanalyse = "probleemanalyse"
    plan_van_aanpak = "plan_van_aanpak"
    arbeidstherapeutisch = "arbeidstherapeutisch"
    opbouw = "opbouw"
    evaluatie = "evaluatie"
    tweede_spoor = "tweede_spoor"
    hersteld = "hersteld"
    wia = "wia"
    uit_dienst = "uit_dienst"
    ingetrokken = "ingetrokken"


# The order of progress; a phase earlier in this list is "back" (a relapse).
PHASE_ORDER: tuple[Phase, ...] = (
    Phase.ziekgemeld,
    Phase.probleemanalyse,
    Phase.plan_van_aanpak,
    Phase.arbeidstherapeutisch,
    Phase.opbouw,
    Phase.evaluatie,
    Phase.tweede_spoor,
)
OPEN_PHASES: frozenset[Phase] = frozenset(PHASE_ORDER)
"""The case is running and the employee is (at least partly) sick."""
END_PHASES: frozenset[Phase] = frozenset({Phase.hersteld, Phase.wia, Phase.uit_dienst, Phase.ingetrokken})
SICK_PHASES: frozenset[Phase] = frozenset({Phase.ziekgemeld, Phase.probleemanalyse, Phase.plan_van_aanpak})
"""Documentary phases: the employee does not work."""
RETURN_PHASES: frozenset[Phase] = frozenset({Phase.arbeidstherapeutisch, Phase.opbouw, Phase.evaluatie})


class Role(enum.StrEnum):
    """Attendees and addressees by role; the workflow maps roles to people."""

    manager = "manager"
    employee = "employee"
    coach = "coach"
    buddy = "buddy"
    casemanager = "casemanager"


class SeriesKind(enum.StrEnum):
    checkin = "checkin"
    progress_talk = "progress_talk"
    evaluation = "evaluation"
    driegesprek = "driegesprek"


class Channel(enum.StrEnum):
    phone = "phone"
    video = "video"
    in_person = "in_person"


class Place(enum.StrEnum):
    """Where a talk takes place; the employee chooses (office, neutral ground, or online/home)."""

    office = "office"
    neutral = "neutral"
    home = "home"
    online = "online"


class Pace(enum.StrEnum):
    ok = "ok"
    too_slow = "too_slow"
    too_fast = "too_fast"


class TalkMood(enum.StrEnum):
    """How a talk went, in one word; the details go in a short summary (no health data)."""

    good = "good"
    mixed = "mixed"
    difficult = "difficult"


class EvaluationOutcome(enum.StrEnum):
    continue_plan = "continue"
    adjust_plan = "adjust_plan"
    second_track = "second_track"
    recovered = "recovered"


class Outcome(enum.StrEnum):
    """How a case ended."""

    hersteld = "hersteld"
    wia = "wia"
    uit_dienst = "uit_dienst"
    ingetrokken = "ingetrokken"


class StepKey(enum.StrEnum):
    """Statutory steps recorded as documents, without a phase change of their own."""

    arbodienst_report = "arbodienst_report"
    uwv_42_week_report = "uwv_42_week_report"
    actueel_oordeel = "actueel_oordeel"
    riv_to_employee = "riv_to_employee"
    wia_application = "wia_application"


class SignalKind(enum.StrEnum):
    hours_not_increased = "hours_not_increased"
    hours_decreasing = "hours_decreasing"
    complaints_lasting = "complaints_lasting"
    talk_not_recorded = "talk_not_recorded"
    deadline_overdue = "deadline_overdue"
    pace_wrong = "pace_wrong"
    conflict_at_work = "conflict_at_work"
    relapse = "relapse"
    riv_gap = "riv_gap"
    """Rules version 4: from week 80 (``RulesConfig.riv_check_from_week``) a part of the
    re-integratieverslag is missing or out of time (:mod:`states.riv`)."""


class DossierPart(enum.StrEnum):
    """The parts of the re-integratiedossier, in the order of UWV's re-integratieverslag (RIV).

    Each is a record of the case with its content, date, author and versions (rules version 4), and
    documents can be uploaded to each. ``arbeidsdeskundig_rapport`` is optional; ``re_integratieverslag``
    holds the generated RIV bundles (the employee's copy)."""

    probleemanalyse = "probleemanalyse"
    plan_van_aanpak = "plan_van_aanpak"
    gespreksverslag = "gespreksverslag"
    eerstejaarsevaluatie = "eerstejaarsevaluatie"
    melding_42e_week = "melding_42e_week"
    tweede_spoor = "tweede_spoor"
    arbeidsdeskundig_rapport = "arbeidsdeskundig_rapport"
    actueel_oordeel = "actueel_oordeel"
    eindevaluatie = "eindevaluatie"
    mening_werknemer = "mening_werknemer"
    re_integratieverslag = "re_integratieverslag"


class SeriesChangeReason(enum.StrEnum):
    """Why a calendar series was updated or cancelled (``reason_key`` of :class:`states.effects.UpdateSeries`
    and :class:`states.effects.CancelSeries`): a short key the message layer turns into words with the
    employee's name ("De voortgangsgesprekken stoppen: Sanne is hersteld")."""

    recovered = "recovered"
    """The employee is fully back in the own work (hersteld)."""
    back_at_work = "back_at_work"
    """Check-ins stop: the employee is (partly) back at work; progress talks take their place."""
    not_working = "not_working"
    """Progress talks stop: the employee does not work for now; check-ins take their place."""
    held = "held"
    """A one-off talk (evaluation, driegesprek) was held on another day than planned."""
    next_evaluation = "next_evaluation"
    """The planned evaluation was held earlier; its event moves to the next evaluation."""
    rescheduled = "rescheduled"
    """Its date follows the facts (the plan's evaluation moments, a statutory deadline that moved)."""
    case_closed = "case_closed"
    """The case ended (the two years of wage continuation are over)."""
    employment_ended = "employment_ended"
    withdrawn = "withdrawn"
    horizon_extended = "horizon_extended"
    """A recurring series runs on: its end moved to the next horizon (rules version 3)."""
    preference_changed = "preference_changed"
    """The employee's preferred day, time, channel or place changed."""
    attendees_changed = "attendees_changed"
    """Another person holds one of the attendees' roles (a coach assigned, a new manager)."""
    proposal_accepted = "proposal_accepted"
    """HR accepted the other time an attendee proposed for a one-off talk (an iTIP COUNTER)."""


class TeamNoticeKind(enum.StrEnum):
    """What a team notice tells (``kind`` of :class:`states.effects.NotifyTeam`): presence and hours only."""

    returns = "returns"
    """Present again from ``from_date``, for ``hours_per_week`` (after not being at work)."""
    hours_change = "hours_change"
    """Still present, for another number of hours from ``from_date``."""
    absent_for_now = "absent_for_now"
    """Not at work for the time being from ``from_date`` (0 hours); never says why."""
    therapeutic = "therapeutic"
    """Present a few hours for light tasks (arbeidstherapeutisch werken; no formal return)."""
    recovered = "recovered"
    """Fully back, all contract hours, from ``from_date``."""
