"""The rules of a re-integration case (Wet verbetering poortwachter): pure Python, no I/O, no clock.

Entry points (see :mod:`states.case`): :func:`open_case`, :func:`decide`, :func:`check`,
:func:`tick`, :func:`next_due`, :func:`upcoming` (:func:`upcoming_deadlines`), :func:`open_signals`, :func:`case_timeline`.
The statutory calendar on its own: :func:`states.timeline.statutory_timeline`.
"""

from states.case import (
    Decision,
    UpcomingItem,
    check,
    decide,
    next_due,
    open_case,
    open_signals,
    tick,
    case_timeline,
    upcoming,
    upcoming_deadlines,
)
from states.config import DEFAULT_CONFIG, TZ, RulesConfig
from states.effects import (
    AlertHROverdue,
    AskBuddyConsent,
    CancelSeries,
    CloseCase,
    Effect,
    InviteBuddy,
    LoopInCoach,
    NotifyTeam,
    PauseBuildUp,
    PrepareFirstDay,
    RemindHR,
    SendSeries,
    SignalView,
    UpdateSeries,
)
from states.events import (
    BuddyConsent,
    BuildUpResumed,
    BuildUpStarted,
    BuildUpStep,
    CaseOpened,
    ComplaintsReported,
    ContactPreference,
    DriegesprekHeld,
    EerstejaarsevaluatieHeld,
    EmployeeFeedback,
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
    SignalResolved,
    StepRecorded,
    TherapeuticWorkStarted,
    TweedeSpoorStarted,
    Withdrawn,
)
from states.facts import RULES_VERSION, CaseFacts, Signal
from states.kinds import (
    Channel,
    EvaluationOutcome,
    Outcome,
    Pace,
    Phase,
    Place,
    Role,
    SeriesKind,
    SignalKind,
    StepKey,
    TalkMood,
)
from states.refusals import Refused
from states.timeline import Deadline, DeadlineKey, Responsible, SickPeriod, statutory_timeline

# Spelled out, so that a type checker sees what the package exports (every public name imported
# above; tests/states/test_copies_and_caches.py checks that none is missing).
__all__ = [
    "Decision", "UpcomingItem", "check", "decide", "next_due", "open_case", "open_signals", "tick",
    "case_timeline", "upcoming", "upcoming_deadlines", "DEFAULT_CONFIG", "TZ", "RulesConfig",
    "AlertHROverdue", "AskBuddyConsent", "CancelSeries", "CloseCase", "Effect", "InviteBuddy",
    "LoopInCoach", "NotifyTeam", "PauseBuildUp", "PrepareFirstDay", "RemindHR", "SendSeries",
    "SignalView", "UpdateSeries", "BuddyConsent", "BuildUpResumed", "BuildUpStarted", "BuildUpStep",
    "CaseOpened", "ComplaintsReported", "ContactPreference", "DriegesprekHeld",
    "EerstejaarsevaluatieHeld", "EmployeeFeedback", "EmploymentEnded", "EvaluationHeld", "Event",
    "HoursReported", "LoonsanctieImposed", "PlanVanAanpak", "PlanVanAanpakSigned", "PreferenceChanged",
    "ProbleemanalyseReceived", "ProgressTalkHeld", "Recovered", "Relapse", "SignalResolved",
    "StepRecorded", "TherapeuticWorkStarted", "TweedeSpoorStarted", "Withdrawn", "RULES_VERSION",
    "CaseFacts", "Signal", "Channel", "EvaluationOutcome", "Outcome", "Pace", "Phase", "Place", "Role",
    "SeriesKind", "SignalKind", "StepKey", "TalkMood", "Refused", "Deadline", "DeadlineKey",
    "Responsible", "SickPeriod", "statutory_timeline",
]
