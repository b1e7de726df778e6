"""The statutory timeline of a case: from its sick periods to the list of deadlines.

Counting (Regeling procesgang eerste en tweede ziektejaar, DOMAIN.md):

- Day 1 is the first sick day. Week N ends on counted day 7N and starts on day 7(N-1)+1.
- Samentelling: a sick period that starts less than 4 weeks (28 days) after the previous one ended
  continues the same case; the days worked in between do not count, so every later deadline moves by
  the gap. ``gap = next.start - previous.end - 1``: the days back at work. A gap of 28 or more starts
  a new case.
- The last sick period is treated as continuing for as long as needed: the timeline projects the
  deadlines as if the employee stays sick (a closed last period means "recovered for now").
- Deadlines are calendar days and are *not* moved off weekends or holidays, except the 42nd-week
  report to UWV, whose rule is "the first working day after week 42" (see :mod:`states.workdays`).
  Being a day early never costs a loonsanctie; being late can.

Readings of ours, where the law is vague (each labelled in the deadline's text):

- ``plan_van_aanpak``: day 56, or 14 counted days after the actual probleemanalyse when earlier.
- ``evaluation``: 42 counted days after the latest evaluation, or after the plan van aanpak was
  signed (projected from the plan's own deadline while it is not signed).
- ``tweede_spoor``: 42 counted days after the eerstejaarsevaluatie (projected from the end of week 52
  while it has not been held). When the eerstejaarsevaluatie expects a structural return in-house
  within 3 months, the deadline becomes 13 weeks after it: if the return has not happened by then,
  the second track must start.
- ``actueel_oordeel``: "about week 91"; we put it at the end of week 91 because the
  re-integratieverslag due then must contain it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from states.config import DEFAULT_CONFIG, SAMENTELLING_GAP_DAYS, RulesConfig
from states.workdays import next_working_day_after


class DeadlineKey(enum.StrEnum):
    arbodienst_report = "arbodienst_report"
    probleemanalyse = "probleemanalyse"
    plan_van_aanpak = "plan_van_aanpak"
    evaluation = "evaluation"
    uwv_42_week_report = "uwv_42_week_report"
    eerstejaarsevaluatie = "eerstejaarsevaluatie"
    tweede_spoor = "tweede_spoor"
    actueel_oordeel = "actueel_oordeel"
    riv_to_employee = "riv_to_employee"
    wia_application = "wia_application"
    end_of_wage_continuation = "end_of_wage_continuation"


class Responsible(enum.StrEnum):
    employer = "employer"
    employee = "employee"
    bedrijfsarts = "bedrijfsarts"
    employer_and_employee = "employer_and_employee"


@dataclass(kw_only=True)
class SickPeriod:
    """One stretch of sick days, both ends inclusive; ``end`` is None while it lasts."""

    start: date
    end: date | None = None


@dataclass(frozen=True, kw_only=True)
class StepDates:
    """What actually happened, as far as it moves a deadline. All optional."""

    probleemanalyse_on: date | None = None
    plan_signed_on: date | None = None
    last_evaluation_on: date | None = None
    eerstejaarsevaluatie_on: date | None = None
    structural_return_expected: bool = False
    loonsanctie_weeks: int = 0


@dataclass(frozen=True, kw_only=True)
class Deadline:
    key: DeadlineKey
    due: date
    responsible: Responsible
    label_nl: str
    label_en: str
    window_start: date | None = None


SHORT_LABELS: dict[DeadlineKey, tuple[str, str]] = {
    DeadlineKey.arbodienst_report: ("Ziekmelding bij de arbodienst", "Report to the arbodienst"),
    DeadlineKey.probleemanalyse: ("Probleemanalyse", "Probleemanalyse (problem analysis)"),
    DeadlineKey.plan_van_aanpak: ("Plan van aanpak", "Plan van aanpak (action plan)"),
    DeadlineKey.evaluation: ("Evaluatie van het plan van aanpak", "Evaluation of the plan van aanpak"),
    DeadlineKey.uwv_42_week_report: ("42e-weekmelding aan UWV", "42nd-week report to UWV"),
    DeadlineKey.eerstejaarsevaluatie: ("Eerstejaarsevaluatie", "First-year evaluation"),
    DeadlineKey.tweede_spoor: ("Tweede spoor", "Second track"),
    DeadlineKey.actueel_oordeel: ("Actueel oordeel van de bedrijfsarts", "Current judgement of the bedrijfsarts"),
    DeadlineKey.riv_to_employee: ("Re-integratieverslag aan de werknemer", "Re-integration report to the employee"),
    DeadlineKey.wia_application: ("WIA-aanvraag", "WIA application"),
    DeadlineKey.end_of_wage_continuation: ("Einde loondoorbetaling", "End of wage continuation"),
}
"""Each deadline's step in a few words (nl, en), for headlines and subjects; the ``label_*`` of a
:class:`Deadline` says the rule in full."""


class PeriodError(ValueError):
    """The sick periods do not describe one case; the message says why in plain words."""


def gap_days(previous_end: date, next_start: date) -> int:
    """Days back at work between two sick periods (0 when the next starts the day after)."""
    return (next_start - previous_end).days - 1


def continues_case(previous_end: date, next_start: date) -> bool:
    """Samentelling: does a sick period starting on ``next_start`` continue the case?"""
    return gap_days(previous_end, next_start) < SAMENTELLING_GAP_DAYS


def validate_periods(periods: list[SickPeriod]) -> None:
    """Raise :class:`PeriodError` unless the periods are ordered, disjoint and form one case."""
    if not periods:
        raise PeriodError("Er is geen ziekteperiode. / There is no sick period.")
    for index, period in enumerate(periods):
        if period.end is not None and period.end < period.start:
            raise PeriodError(
                f"De periode {period.start}:{period.end} eindigt voor ze begint. / "
                f"The period {period.start}:{period.end} ends before it starts."
            )
        if period.end is None and index != len(periods) - 1:
            raise PeriodError(
                f"Alleen de laatste periode mag open zijn, niet die vanaf {period.start}. / "
                f"Only the last period may be open, not the one from {period.start}."
            )
        if index:
            previous = periods[index - 1]
            assert previous.end is not None
            if period.start <= previous.end:
                raise PeriodError(
                    f"De periode vanaf {period.start} overlapt of volgt niet op die tot {previous.end}. / "
                    f"The period from {period.start} overlaps or precedes the one until {previous.end}."
                )
            gap = gap_days(previous.end, period.start)
            if gap >= SAMENTELLING_GAP_DAYS:
                raise PeriodError(
                    f"Tussen {previous.end} en {period.start} zat {gap} dagen werk (4 weken of meer): "
                    f"vanaf {period.start} is het een nieuwe zaak. / "
                    f"{gap} days of work between {previous.end} and {period.start} (4 weeks or more): "
                    f"from {period.start} it is a new case."
                )


def date_of_day(periods: list[SickPeriod], day: int) -> date:
    """The calendar date of counted sick day ``day`` (1-based); the last period runs on."""
    if day < 1:
        raise ValueError("counted sick days start at 1")
    remaining = day
    for index, period in enumerate(periods):
        last = index == len(periods) - 1
        if last or period.end is None:
            return period.start + timedelta(days=remaining - 1)
        length = (period.end - period.start).days + 1
        if remaining <= length:
            return period.start + timedelta(days=remaining - 1)
        remaining -= length
    raise AssertionError("unreachable")  # pragma: no cover


def counted_days(periods: list[SickPeriod], on: date, *, project_last: bool = False) -> int:
    """Sick days counted up to and including ``on`` (0 before the first sick day).

    With ``project_last`` the last period counts as still running (the projection the deadlines use).
    """
    total = 0
    for index, period in enumerate(periods):
        if on < period.start:
            break
        end = period.end
        if end is None or (project_last and index == len(periods) - 1):
            end = on
        else:
            end = min(end, on)
        total += (end - period.start).days + 1
    return total


def counted_day_of(periods: list[SickPeriod], on: date) -> int:
    """The counted day number of ``on`` in the projection; a day in a gap counts as the last sick
    day before it."""
    return max(1, counted_days(periods, on, project_last=True))


def _after(periods: list[SickPeriod], on: date, days: int) -> date:
    """The date ``days`` counted sick days after the counted day of ``on``."""
    return date_of_day(periods, counted_day_of(periods, on) + days)


def _week_end(periods: list[SickPeriod], week: int) -> date:
    return date_of_day(periods, 7 * week)


def _week_start(periods: list[SickPeriod], week: int) -> date:
    return date_of_day(periods, 7 * (week - 1) + 1)


PeriodsKey = tuple[tuple[date, date | None], ...]


def periods_key(periods: list[SickPeriod]) -> PeriodsKey:
    """The periods as an immutable value (for the caches keyed by them, :mod:`states.agenda`)."""
    return tuple((period.start, period.end) for period in periods)


def statutory_timeline(
    periods: list[SickPeriod],
    steps: StepDates | None = None,
    config: RulesConfig = DEFAULT_CONFIG,
) -> list[Deadline]:
    """Every statutory deadline of the case, in a fixed order (the order of :class:`DeadlineKey`).

    ``periods`` must form one case (see :func:`validate_periods`); ``steps`` are the actual dates
    that move a deadline (probleemanalyse, plan, evaluations, eerstejaarsevaluatie, loonsanctie).
    """
    return _statutory_timeline(
        periods, steps or StepDates(), config.arbodienst_report_day, config.structural_return_months_weeks
    )


def timeline_of(
    periods: PeriodsKey, steps: StepDates, arbodienst_report_day: int, structural_return_months_weeks: int
) -> list[Deadline]:
    """:func:`statutory_timeline` from immutable values: the periods as :func:`periods_key` gives
    them, the step dates and the only two parts of the config it reads."""
    return _statutory_timeline(
        [SickPeriod(start=start, end=end) for start, end in periods],
        steps,
        arbodienst_report_day,
        structural_return_months_weeks,
    )


def _statutory_timeline(
    periods: list[SickPeriod], steps: StepDates, arbodienst_report_day: int, structural_return_months_weeks: int
) -> list[Deadline]:
    validate_periods(periods)

    def day(n: int) -> date:
        return date_of_day(periods, n)

    plan_due = day(56)
    if steps.probleemanalyse_on is not None:
        plan_due = min(plan_due, _after(periods, steps.probleemanalyse_on, 14))

    evaluation_basis = steps.last_evaluation_on or steps.plan_signed_on or plan_due
    evaluation_due = _after(periods, evaluation_basis, 42)

    week_42_end = _week_end(periods, 42)
    eje_window_start = _week_start(periods, 46)
    eje_due = _week_end(periods, 52)

    if steps.eerstejaarsevaluatie_on is not None and steps.structural_return_expected:
        tweede_spoor_due = _after(periods, steps.eerstejaarsevaluatie_on, 7 * structural_return_months_weeks)
        tweede_spoor_nl = (
            "Tweede spoor starten als de verwachte structurele terugkeer binnen 3 maanden na de "
            "eerstejaarsevaluatie niet is gelukt"
        )
        tweede_spoor_en = (
            "Start the second track if the structural return expected within 3 months of the "
            "eerstejaarsevaluatie has not happened"
        )
    else:
        tweede_spoor_due = _after(periods, steps.eerstejaarsevaluatie_on or eje_due, 42)
        tweede_spoor_nl = "Tweede spoor gestart, uiterlijk 6 weken na de eerstejaarsevaluatie"
        tweede_spoor_en = "Second track started, at the latest 6 weeks after the eerstejaarsevaluatie"

    wage_end = day(7 * 104 + 7 * max(0, steps.loonsanctie_weeks))

    return [
        Deadline(
            key=DeadlineKey.arbodienst_report,
            due=day(arbodienst_report_day),
            responsible=Responsible.employer,
            label_nl=f"Ziekmelding bij de arbodienst / bedrijfsarts (tijdig; wij houden dag {arbodienst_report_day} aan)",
            label_en=f"Report to the arbodienst / bedrijfsarts (in time; we use day {arbodienst_report_day})",
        ),
        Deadline(
            key=DeadlineKey.probleemanalyse,
            due=day(42),
            responsible=Responsible.bedrijfsarts,
            label_nl="Probleemanalyse door de bedrijfsarts (uiterlijk week 6)",
            label_en="Probleemanalyse by the bedrijfsarts (at the latest week 6)",
        ),
        Deadline(
            key=DeadlineKey.plan_van_aanpak,
            due=plan_due,
            responsible=Responsible.employer_and_employee,
            label_nl="Plan van aanpak ondertekend (binnen 2 weken na de probleemanalyse, uiterlijk week 8)",
            label_en="Plan van aanpak signed (within 2 weeks after the probleemanalyse, at the latest week 8)",
        ),
        Deadline(
            key=DeadlineKey.evaluation,
            due=evaluation_due,
            responsible=Responsible.employer_and_employee,
            label_nl="Evaluatie van het plan van aanpak (minstens elke 6 weken)",
            label_en="Evaluation of the plan van aanpak (at least every 6 weeks)",
        ),
        Deadline(
            key=DeadlineKey.uwv_42_week_report,
            due=next_working_day_after(week_42_end),
            responsible=Responsible.employer,
            label_nl="42e-weekmelding aan UWV (uiterlijk de eerste werkdag na week 42)",
            label_en="42nd-week report to UWV (at the latest the first working day after week 42)",
        ),
        Deadline(
            key=DeadlineKey.eerstejaarsevaluatie,
            due=eje_due,
            window_start=eje_window_start,
            responsible=Responsible.employer_and_employee,
            label_nl="Eerstejaarsevaluatie (tussen week 46 en week 52)",
            label_en="Eerstejaarsevaluatie (first-year evaluation, between week 46 and week 52)",
        ),
        Deadline(
            key=DeadlineKey.tweede_spoor,
            due=tweede_spoor_due,
            responsible=Responsible.employer,
            label_nl=tweede_spoor_nl,
            label_en=tweede_spoor_en,
        ),
        Deadline(
            key=DeadlineKey.actueel_oordeel,
            due=_week_end(periods, 91),
            responsible=Responsible.bedrijfsarts,
            label_nl="Actueel oordeel van de bedrijfsarts en eindevaluatie (rond week 91)",
            label_en="Actueel oordeel (current judgement) of the bedrijfsarts and final evaluation (about week 91)",
        ),
        Deadline(
            key=DeadlineKey.riv_to_employee,
            due=_week_end(periods, 91),
            responsible=Responsible.employer,
            label_nl="Re-integratieverslag in kopie aan de werknemer (uiterlijk week 91)",
            label_en="Copy of the re-integratieverslag to the employee (at the latest week 91)",
        ),
        Deadline(
            key=DeadlineKey.wia_application,
            due=_week_end(periods, 93),
            responsible=Responsible.employee,
            label_nl="WIA-aanvraag bij UWV (uiterlijk week 93)",
            label_en="WIA application to UWV (at the latest week 93)",
        ),
        Deadline(
            key=DeadlineKey.end_of_wage_continuation,
            due=wage_end,
            responsible=Responsible.employer,
            label_nl=(
                "Einde loondoorbetaling (week 104)"
                if not steps.loonsanctie_weeks
                else f"Einde loondoorbetaling (week 104 plus {steps.loonsanctie_weeks} weken loonsanctie)"
            ),
            label_en=(
                "End of wage continuation (week 104)"
                if not steps.loonsanctie_weeks
                else f"End of wage continuation (week 104 plus a {steps.loonsanctie_weeks}-week loonsanctie)"
            ),
        ),
    ]
