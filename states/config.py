"""The configurable defaults of the rules, in one place.

The law fixes the statutory timeline (see :mod:`states.timeline`); everything here is either a
practice the law leaves open ("tijdig" for the arbodienst report) or our own design choice (the
cadence, the stagnation signals). A case carries its :class:`RulesConfig` in its facts, so a running
case keeps the rules it was opened with even when the defaults change in a later release (that keeps
Temporal replays deterministic).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

TIMEZONE_NAME = "Europe/Amsterdam"
TZ = ZoneInfo(TIMEZONE_NAME)

# Law, not configuration: samentelling (art. 7:629 lid 10 BW) counts sick periods together when the
# new one starts less than 4 weeks after recovery.
SAMENTELLING_GAP_DAYS = 28

# Not a rule: the size of each of the rules' caches of derived values (deadlines, agenda, talk
# schedules), keyed by the immutable values they are derived from. A cache stays only where its
# docstring names the profile figure that pays for it (tests/states/test_copies_and_caches.py).
# The rules ask for the same values many times within a call and from one call to the next of the
# same case; a few hundred entries across the cases a worker is busy with is plenty, and bounds the
# memory (a few MB in all).
CACHE_SIZE = 128


def _default_evaluation_gaps() -> list[int]:
    return [2, 4, 6]


@dataclass(frozen=True, kw_only=True)
class RulesConfig:
    """Defaults of a case. Plain dataclass so it travels in the case facts across continue-as-new."""

    # --- statutory timeline: practice where the law says only "tijdig"
    arbodienst_report_day: int = 7
    """Counted sick day by which the employer reports to the arbodienst (law: "tijdig")."""

    # --- reminders and the agenda
    reminder_lead_days: int = 7
    """HR is reminded this many calendar days before a statutory deadline."""
    agenda_hour: int = 9
    """Local hour (Europe/Amsterdam) at which reminders, alerts and stagnation checks go out."""
    first_day_lead_working_days: int = 2
    """Working days before the first day back that reception, workplace and team are prepared."""

    # --- cadence
    checkin_interval_weeks: int = 1
    checkin_duration_minutes: int = 15
    progress_talk_interval_weeks: int = 2
    progress_talk_duration_minutes: int = 45
    evaluation_gaps_weeks: list[int] = field(default_factory=_default_evaluation_gaps)
    """Weeks between evaluations of the plan van aanpak when the plan names no moments: often at the
    start, tapering off; after the list runs out every ``evaluation_max_weeks``. Never above 6."""
    evaluation_max_weeks: int = 6
    evaluation_duration_minutes: int = 60
    driegesprek_lead_days: int = 7
    """Days the coach gets to prepare a driegesprek after being looped in."""
    driegesprek_duration_minutes: int = 60
    series_horizon_weeks: int = 12
    """Rules version 3: a recurring series (check-ins, progress talks) is sent up to its last
    occurrence within this many weeks, not to the end of the two years, and extended in place."""
    series_extend_lead_days: int = 14
    """Rules version 3: a recurring series is extended this many days before its last occurrence."""

    # --- stagnation signals (our own rules)
    stagnation_weeks: int = 4
    """Build-up hours not increased for this many weeks is a signal."""
    talk_recording_grace_working_days: int = 3
    """A progress talk not recorded within this many working days after its date is a signal (from
    rules version 3: the manager is reminded then, see ``talk_reminder_grace_working_days``)."""
    talk_reminder_grace_working_days: int = 3
    """Rules version 3: still not recorded this many working days after the manager's reminder, the
    coach is looped in (without a driegesprek: a missing form is not a reason to call the employee)."""
    complaints_pause_days: int = 7
    """Complaints lasting this many days or more: pause the build-up, do not extend."""

    # --- the re-integratieverslag (rules version 4)
    riv_check_from_week: int = 80
    """From this counted sick week on, every part of the re-integratieverslag that is missing or out
    of time (:func:`states.riv.riv_check`) is a signal to HR (``riv_gap``): long enough before the
    RIV is due in week 91 to repair what can still be repaired."""

    # --- statutory timeline details that are readings of ours, documented in timeline.py
    structural_return_months_weeks: int = 13
    """"Structural return within 3 months" after the eerstejaarsevaluatie, as weeks (13 = 91 days)."""


DEFAULT_CONFIG = RulesConfig()
