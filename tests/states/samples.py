"""One plausible event per trigger, told at a given moment (for the phase × trigger matrix)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from states import (
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
    EvaluationOutcome,
    HoursReported,
    LoonsanctieImposed,
    Pace,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    PreferenceChanged,
    ProbleemanalyseReceived,
    ProgressTalkHeld,
    Recovered,
    Relapse,
    SignalResolved,
    StepKey,
    StepRecorded,
    TalkMood,
    TherapeuticWorkStarted,
    TweedeSpoorActivityRecorded,
    TweedeSpoorStarted,
    Withdrawn,
)
from states.clock import local_date
from tests.states.helpers import ev

SAMPLES: dict[str, Callable[[datetime], Any]] = {
    "probleemanalyse_received": lambda n: ev(ProbleemanalyseReceived, n),
    "plan_van_aanpak_signed": lambda n: ev(PlanVanAanpakSigned, n, plan=PlanVanAanpak(hours_per_week=0)),
    "therapeutic_work_started": lambda n: ev(TherapeuticWorkStarted, n, hours_per_week=4),
    "build_up_started": lambda n: ev(
        BuildUpStarted,
        n,
        schedule=[
            BuildUpStep(from_date=local_date(n), hours_per_week=12),
            BuildUpStep(from_date=local_date(n) + timedelta(weeks=2), hours_per_week=16),
        ],
    ),
    "hours_reported": lambda n: ev(HoursReported, n, week_of=local_date(n), hours=6),
    "progress_talk_held": lambda n: ev(ProgressTalkHeld, n, went=TalkMood.good, summary="rustig begin"),
    "employee_feedback": lambda n: ev(EmployeeFeedback, n, pace=Pace.ok),
    "complaints_reported": lambda n: ev(ComplaintsReported, n, lasting_days=2),
    "build_up_resumed": lambda n: ev(BuildUpResumed, n),
    "evaluation_held": lambda n: ev(EvaluationHeld, n, outcome=EvaluationOutcome.continue_plan),
    "eerstejaarsevaluatie_held": lambda n: ev(EerstejaarsevaluatieHeld, n),
    "tweede_spoor_started": lambda n: ev(TweedeSpoorStarted, n),
    "recovered": lambda n: ev(Recovered, n, full=True),
    "relapse": lambda n: ev(Relapse, n, hours_per_week=2),
    "employment_ended": lambda n: ev(EmploymentEnded, n),
    "withdrawn": lambda n: ev(Withdrawn, n, reason="in error"),
    "step_recorded": lambda n: ev(StepRecorded, n, step=StepKey.arbodienst_report),
    "buddy_consent": lambda n: ev(BuddyConsent, n, given=True),
    "driegesprek_held": lambda n: ev(DriegesprekHeld, n),
    "preference_changed": lambda n: ev(PreferenceChanged, n, preference=ContactPreference(weekday=2, hour=14)),
    "loonsanctie_imposed": lambda n: ev(LoonsanctieImposed, n, weeks=4),
    "signal_resolved": lambda n: ev(SignalResolved, n, signal_key="nothing"),
    "eindevaluatie_held": lambda n: ev(EindevaluatieHeld, n, summary="terug in eigen werk"),
    "employee_view_given": lambda n: ev(EmployeeViewGiven, n, agrees=True, view="goed verlopen"),
    "tweede_spoor_activity_recorded": lambda n: ev(
        TweedeSpoorActivityRecorded, n, activity="intake bij re-integratiebureau", by="bureau"
    ),
}
