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

import types as _types

__all__ = [name for name, value in dict(globals()).items() if not name.startswith("_") and not isinstance(value, _types.ModuleType)]
