"""The check of the re-integratieverslag (RIV) that UWV makes first: is every part there, and on time?

:func:`riv_check` answers at any moment, for any case: one :class:`RivItem` per part (in the order
of the RIV, :class:`~states.kinds.DossierPart`), each present, missing, late or still to come, with
what is missing and what to do in plain words (Dutch and English) and the command that fills it.
Pure: the facts and ``now`` in, the answer out.

UWV's administrative check, as the rules read it:

- the probleemanalyse and the plan van aanpak are there;
- from the plan van aanpak on, no more than 6 weeks (42 counted sick days, as the statutory
  evaluation deadline counts them) between one evaluation (or bijstelling) and the next: every gap is
  an item of its own, ``evaluation_gap:<the day it started>``, late once an evaluation closed it,
  missing while none has; without gaps one item ``evaluations`` stands for them all;
- the eerstejaarsevaluatie in week 46 to 52 (late after it);
- the second track started within 6 weeks after the eerstejaarsevaluatie, or a reason recorded why
  not: a structural return in-house within 3 months expected, with its reason (then the second track
  is due when those 13 weeks are over, as the statutory timeline has it);
- the 42e-weeksmelding (with UWV's reference, rules version 4); the actueel oordeel of the
  bedrijfsarts; the eindevaluatie; the employee's own view (mening werknemer), each due with the
  RIV in week 91.

"late" means a part came after its deadline; when the reason for it is recorded (a step's
``late_reason``, rules version 4) it says so in ``late_reason`` and is no longer a gap: the RIV holds
the explanation. A late part without a reason, and a missing part, is a gap (:attr:`RivItem.is_gap`);
the RIV is complete when there is none.

A case under an earlier rules version gets the same check from the dates it has: it never recorded
an eindevaluatie, the employee's view, a reference or a late reason, so those are missing when due,
and their items name no command (HR adds them to the dossier as documents).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from states.agenda import case_deadlines_of
from states.clock import local_date, require_aware
from states.facts import CaseFacts, StepRecord
from states.kinds import DossierPart, Phase, StepKey
from states.timeline import Deadline, DeadlineKey, counted_day_of, date_of_day

RivStatus = Literal["present", "missing", "late", "to_come"]

EVALUATION_GAP_DAYS = 42
"""At most 6 weeks (42 counted sick days) between two evaluations of the plan van aanpak."""


@dataclass(frozen=True, kw_only=True)
class RivItem:
    """One thing UWV checks in the RIV. ``key`` names it (``probleemanalyse``, ``evaluation_gap:2026-05-04``,
    ...); ``due`` is its deadline (None where it has none), ``done_on`` when it was done; ``text_nl`` and
    ``text_en`` say in plain words how it stands and, when something is missing, what to do; ``command``
    is the command that fills it ("" when no command can: a case under an earlier rules version).
    ``late_reason``: why a late part came late, as recorded."""

    key: str
    part: DossierPart
    status: RivStatus
    due: date | None
    done_on: date | None
    text_nl: str
    text_en: str
    command: str
    late_reason: str = ""

    @property
    def is_gap(self) -> bool:
        """Missing, or late without a recorded reason: what a ``riv_gap`` signal asks HR to mend."""
        return self.status == "missing" or (self.status == "late" and not self.late_reason)


@dataclass(frozen=True, kw_only=True)
class RivCheck:
    """The items of the check in the order of the RIV; ``complete``: not one of them is a gap."""

    items: tuple[RivItem, ...]
    complete: bool

    @property
    def gaps(self) -> tuple[RivItem, ...]:
        return tuple(item for item in self.items if item.is_gap)


PART_WORDS: dict[DossierPart, tuple[str, str]] = {
    DossierPart.probleemanalyse: ("probleemanalyse", "probleemanalyse"),
    DossierPart.plan_van_aanpak: ("plan van aanpak", "plan van aanpak"),
    DossierPart.gespreksverslag: ("evaluaties", "evaluations"),
    DossierPart.eerstejaarsevaluatie: ("eerstejaarsevaluatie", "first-year evaluation"),
    DossierPart.melding_42e_week: ("42e-weekmelding", "42nd-week report"),
    DossierPart.tweede_spoor: ("tweede spoor", "second track"),
    DossierPart.arbeidsdeskundig_rapport: ("arbeidsdeskundig rapport", "labour expert's report"),
    DossierPart.actueel_oordeel: ("actueel oordeel", "current judgement"),
    DossierPart.eindevaluatie: ("eindevaluatie", "final evaluation"),
    DossierPart.mening_werknemer: ("mening werknemer", "employee's view"),
    DossierPart.re_integratieverslag: ("re-integratieverslag", "re-integration report"),
}
"""Each part in a few words (nl, en), for headlines."""


def gap_headline(item: RivItem) -> tuple[str, str]:
    """What is wrong with ``item``, in a few words for a subject line ("RIV: actueel oordeel ontbreekt")."""
    if item.key.startswith("evaluation_gap:"):
        return ("RIV: meer dan 6 weken zonder evaluatie", "RIV: more than 6 weeks without an evaluation")
    if item.part == DossierPart.melding_42e_week and item.status == "missing" and item.done_on is not None:
        return ("RIV: kenmerk van de 42e-weekmelding ontbreekt", "RIV: reference of the 42nd-week report missing")
    part_nl, part_en = PART_WORDS[item.part]
    if item.status == "late":
        return (f"RIV: {part_nl} te laat", f"RIV: {part_en} late")
    return (f"RIV: {part_nl} ontbreekt", f"RIV: {part_en} missing")


def riv_check(facts: CaseFacts, now: datetime) -> RivCheck:
    """The RIV check of the case at ``now`` (an aware moment; its Europe/Amsterdam date counts)."""
    require_aware(now)
    check = _Check(facts, _as_of(facts, local_date(now)))
    items = (
        check.probleemanalyse(),
        check.plan_van_aanpak(),
        *check.evaluations(),
        check.eerstejaarsevaluatie(),
        check.melding_42e_week(),
        check.tweede_spoor(),
        check.actueel_oordeel(),
        check.eindevaluatie(),
        check.mening_werknemer(),
    )
    return RivCheck(items=items, complete=not any(item.is_gap for item in items))


def _as_of(facts: CaseFacts, today: date) -> date:
    """The day the case is judged on: today, or the last day it ran (a closed case, or the last sick
    day while the employee is back at work)."""
    if facts.closed and facts.ended_on is not None:
        return min(today, facts.ended_on)
    if facts.phase == Phase.hersteld and facts.periods[-1].end is not None:
        return min(today, facts.periods[-1].end)
    return today


def _timed(due: date, done_on: date | None, as_of: date, *, late_counts: bool = True) -> RivStatus:
    if done_on is not None:
        return "late" if late_counts and done_on > due else "present"
    return "missing" if as_of > due else "to_come"


class _Check:
    """The items of one check (a helper of :func:`riv_check`: the facts and the day, read once)."""

    def __init__(self, facts: CaseFacts, as_of: date) -> None:
        self.facts = facts
        self.as_of = as_of
        self.v4 = facts.rules_version >= 4
        self.deadlines: dict[DeadlineKey, Deadline] = {d.key: d.deadline for d in case_deadlines_of(facts)}
        self.steps: dict[str, StepRecord] = {record.key: record for record in facts.steps}

    def _after(self, day: date, days: int) -> date:
        """The day ``days`` counted sick days after ``day`` (days back at work do not count)."""
        periods = self.facts.periods
        return date_of_day(periods, counted_day_of(periods, day) + days)

    # ----------------------------------------------------------------------------------- parts

    def probleemanalyse(self) -> RivItem:
        due = self.deadlines[DeadlineKey.probleemanalyse].due
        done = self.facts.probleemanalyse_on
        status = _timed(due, done, self.as_of, late_counts=False)
        d = due.isoformat()
        texts = {
            "present": lambda: (f"Probleemanalyse: vastgelegd op {done}.", f"Probleemanalyse: recorded on {done}."),
            "missing": lambda: (
                f"De probleemanalyse ontbreekt (uiterlijk {d}). Vraag haar op bij de bedrijfsarts en leg haar vast.",
                f"The probleemanalyse is missing (due {d}). Ask the bedrijfsarts for it and record it.",
            ),
            "to_come": lambda: (
                f"De probleemanalyse volgt, uiterlijk {d}.",
                f"The probleemanalyse is to come, by {d}.",
            ),
        }
        return self._item(
            "probleemanalyse", DossierPart.probleemanalyse, status, due, done, texts, "probleemanalyse_received"
        )

    def plan_van_aanpak(self) -> RivItem:
        due = self.deadlines[DeadlineKey.plan_van_aanpak].due
        done = self.facts.plan_signed_on
        status = _timed(due, done, self.as_of, late_counts=False)
        d = due.isoformat()
        texts = {
            "present": lambda: (f"Plan van aanpak: ondertekend op {done}.", f"Plan van aanpak: signed on {done}."),
            "missing": lambda: (
                f"Het plan van aanpak ontbreekt (uiterlijk {d}). Stel het op met de werknemer, laat het door "
                "beiden ondertekenen en leg het vast.",
                f"The plan van aanpak is missing (due {d}). Draw it up with the employee, have both sides sign "
                "it and record it.",
            ),
            "to_come": lambda: (
                f"Het plan van aanpak volgt, uiterlijk {d}.",
                f"The plan van aanpak is to come, by {d}.",
            ),
        }
        return self._item(
            "plan_van_aanpak", DossierPart.plan_van_aanpak, status, due, done, texts, "plan_van_aanpak_signed"
        )

    def evaluations(self) -> list[RivItem]:
        """Every gap of more than 6 weeks between evaluations, else one item for the rhythm as a whole."""
        facts = self.facts
        command = "evaluation_held"
        if facts.plan_signed_on is None:
            due = self.deadlines[DeadlineKey.evaluation].due
            texts = {
                "to_come": lambda: (
                    "Evaluaties van het plan van aanpak volgen zodra het plan er is, minstens elke 6 weken.",
                    "Evaluations of the plan van aanpak follow once the plan is there, at least every 6 weeks.",
                )
            }
            return [self._item("evaluations", DossierPart.gespreksverslag, "to_come", due, None, texts, command)]
        held = sorted(record.on for record in facts.evaluations)
        moments = sorted({facts.plan_signed_on, *held, *facts.plan_revisions})
        riv_sent = self.steps.get(StepKey.riv_to_employee)
        end = min(self.as_of, riv_sent.on) if riv_sent is not None else self.as_of
        gaps: list[RivItem] = []
        for start, following in zip(moments, [*moments[1:], None], strict=True):
            due = self._after(start, EVALUATION_GAP_DAYS)
            if start > end or min(following or end, end) <= due:
                continue  # after the RIV went out, or evaluated in time (so far)
            gaps.append(self._gap(start, due, following, command))
        if gaps:
            return gaps
        if not held:
            due = self._after(facts.plan_signed_on, EVALUATION_GAP_DAYS)
            texts = {
                "to_come": lambda: (
                    f"De eerste evaluatie van het plan van aanpak volgt, uiterlijk {due}.",
                    f"The first evaluation of the plan van aanpak is to come, by {due}.",
                )
            }
            return [self._item("evaluations", DossierPart.gespreksverslag, "to_come", due, None, texts, command)]
        last = held[-1]
        due = self._after(moments[-1], EVALUATION_GAP_DAYS)
        count = len(held)
        texts = {
            "present": lambda: (
                f"Evaluaties: {count} vastgelegd, nooit meer dan 6 weken na elkaar; de laatste op {last}.",
                f"Evaluations: {count} recorded, never more than 6 weeks apart; the latest on {last}.",
            )
        }
        return [self._item("evaluations", DossierPart.gespreksverslag, "present", due, last, texts, command)]

    def _gap(self, start: date, due: date, closed_by: date | None, command: str) -> RivItem:
        s, d = start.isoformat(), due.isoformat()
        if closed_by is not None:
            texts = {
                "late": lambda: (
                    f"Tussen {s} en {closed_by} is het plan van aanpak meer dan 6 weken niet geëvalueerd (de "
                    f"evaluatie moest uiterlijk {d}). Dat is niet meer te herstellen: leg in het "
                    "re-integratieverslag uit waarom, en evalueer voortaan minstens elke 6 weken.",
                    f"Between {s} and {closed_by} the plan van aanpak went more than 6 weeks without an "
                    f"evaluation (it was due by {d}). That cannot be undone: explain why in the re-integration "
                    "report, and evaluate at least every 6 weeks from now on.",
                )
            }
            status: RivStatus = "late"
        else:
            texts = {
                "missing": lambda: (
                    f"Sinds {s} is het plan van aanpak niet geëvalueerd (uiterlijk {d}). Evalueer het zo "
                    "snel mogelijk met de werknemer en leg de evaluatie vast.",
                    f"The plan van aanpak has not been evaluated since {s} (due {d}). Evaluate it with the "
                    "employee as soon as possible and record the evaluation.",
                )
            }
            status = "missing"
        return self._item(f"evaluation_gap:{s}", DossierPart.gespreksverslag, status, due, closed_by, texts, command)

    def eerstejaarsevaluatie(self) -> RivItem:
        deadline = self.deadlines[DeadlineKey.eerstejaarsevaluatie]
        due, window = deadline.due, deadline.window_start
        done = self.facts.eerstejaarsevaluatie_on
        status = _timed(due, done, self.as_of)
        d, w = due.isoformat(), (window or due).isoformat()
        texts = {
            "present": lambda: (
                f"Eerstejaarsevaluatie: gehouden op {done}, in week 46 tot 52.",
                f"First-year evaluation: held on {done}, in weeks 46 to 52.",
            ),
            "late": lambda: (
                f"De eerstejaarsevaluatie is op {done} gehouden, na week 52 (uiterlijk {d}). Leg in het "
                "re-integratieverslag uit waarom.",
                f"The first-year evaluation was held on {done}, after week 52 (due {d}). Explain why in the "
                "re-integration report.",
            ),
            "missing": lambda: (
                f"De eerstejaarsevaluatie ontbreekt (week 46 tot 52, uiterlijk {d}). Houd haar zo snel mogelijk "
                "met de werknemer en leg haar vast, met het besluit en de reden.",
                f"The first-year evaluation is missing (weeks 46 to 52, due {d}). Hold it with the employee as "
                "soon as possible and record it, with the decision and its reason.",
            ),
            "to_come": lambda: (
                f"De eerstejaarsevaluatie volgt tussen {w} en {d} (week 46 tot 52).",
                f"The first-year evaluation is to come between {w} and {d} (weeks 46 to 52).",
            ),
        }
        return self._item(
            "eerstejaarsevaluatie",
            DossierPart.eerstejaarsevaluatie,
            status,
            due,
            done,
            texts,
            "eerstejaarsevaluatie_held",
        )

    def melding_42e_week(self) -> RivItem:
        due = self.deadlines[DeadlineKey.uwv_42_week_report].due
        record = self.steps.get(StepKey.uwv_42_week_report)
        done = record.on if record is not None else None
        status = _timed(due, done, self.as_of)
        reason = record.late_reason if record is not None else ""
        reference = record.reference if record is not None else ""
        d = due.isoformat()
        again_nl, again_en = self._explain_late("de melding", "the report")
        texts = {
            "present": lambda: (
                f"42e-weekmelding: gedaan op {done}" + (f", kenmerk {reference}." if reference else "."),
                f"42nd-week report: made on {done}" + (f", reference {reference}." if reference else "."),
            ),
            "late": lambda: (
                (f"42e-weekmelding: gedaan op {done}, na de termijn ({d}); de reden is vastgelegd.")
                if reason
                else f"De 42e-weekmelding is op {done} gedaan, na de termijn ({d}). {again_nl}",
                (f"42nd-week report: made on {done}, after its deadline ({d}); the reason is recorded.")
                if reason
                else f"The 42nd-week report was made on {done}, after its deadline ({d}). {again_en}",
            ),
            "missing": lambda: (
                f"De 42e-weekmelding aan UWV ontbreekt (uiterlijk {d}). Doe de melding en leg haar vast, met het "
                "kenmerk van UWV.",
                f"The 42nd-week report to UWV is missing (due {d}). Make the report and record it, with UWV's "
                "reference.",
            ),
            "to_come": lambda: (
                f"De 42e-weekmelding aan UWV volgt, uiterlijk {d}.",
                f"The 42nd-week report to UWV is to come, by {d}.",
            ),
        }
        if self.v4 and record is not None and not reference:
            late = status == "late" and not reason
            status = "missing"
            needs_nl = "het kenmerk van UWV" + (" en de reden waarom ze te laat was" if late else "")
            needs_en = "UWV's reference" + (" and the reason why it came late" if late else "")
            texts["missing"] = lambda: (
                f"Bij de 42e-weekmelding van {done} ontbreekt {needs_nl}. Leg de melding opnieuw vast met "
                f"dezelfde datum en {needs_nl}.",
                f"The 42nd-week report of {done} lacks {needs_en}. Record the report again with the same date "
                f"and {needs_en}.",
            )
        return self._item(
            "melding_42e_week", DossierPart.melding_42e_week, status, due, done, texts, "step_recorded", reason
        )

    def tweede_spoor(self) -> RivItem:
        facts = self.facts
        eje = facts.eerstejaarsevaluatie_on
        structural = facts.structural_return_expected and eje is not None
        reason_given = structural and (not self.v4 or facts.eerstejaarsevaluatie_reason_given)
        due = self.deadlines[DeadlineKey.tweede_spoor].due
        if structural and not reason_given:
            assert eje is not None
            due = self._after(eje, EVALUATION_GAP_DAYS)  # without a reason the 6 weeks hold
        started = facts.tweede_spoor_started_on
        status = _timed(due, started, self.as_of)
        d = due.isoformat()
        present_nl = f"Tweede spoor: gestart op {started}, op tijd (uiterlijk {d})."
        present_en = f"Second track: started on {started}, in time (due {d})."
        if started is None and status == "to_come" and reason_given:
            status = "present"
            present_nl = (
                f"Het eerste spoor loopt door: bij de eerstejaarsevaluatie van {eje} is een structurele terugkeer "
                f"binnen 3 maanden verwacht, met de reden. Lukt die niet, start dan het tweede spoor uiterlijk {d}."
            )
            present_en = (
                f"The first track goes on: at the first-year evaluation of {eje} a structural return within 3 "
                f"months was expected, with the reason. If it does not happen, start the second track by {d}."
            )
        if structural and not reason_given:
            why_nl = (
                " Bij de eerstejaarsevaluatie is een structurele terugkeer verwacht, maar zonder reden; zonder "
                "reden geldt de termijn van 6 weken."
            )
            why_en = (
                " The first-year evaluation expected a structural return, but gave no reason; without a reason "
                "the 6 weeks apply."
            )
        else:
            why_nl = why_en = ""
        texts = {
            "present": lambda: (present_nl, present_en),
            "late": lambda: (
                f"Het tweede spoor is op {started} gestart, na de termijn ({d}).{why_nl} Leg in het "
                "re-integratieverslag uit waarom.",
                f"The second track started on {started}, after its deadline ({d}).{why_en} Explain why in the "
                "re-integration report.",
            ),
            "missing": lambda: (
                f"Het tweede spoor is niet gestart (uiterlijk {d}) en er is geen reden vastgelegd waarom niet."
                f"{why_nl} Start het tweede spoor en leg de start vast.",
                f"The second track has not started (due {d}) and no reason why not is recorded.{why_en} Start "
                "the second track and record the start.",
            ),
            "to_come": lambda: (
                f"Het tweede spoor start uiterlijk {d}, 6 weken na de eerstejaarsevaluatie, tenzij een structurele "
                "terugkeer binnen 3 maanden wordt verwacht (met de reden).",
                f"The second track starts by {d}, 6 weeks after the first-year evaluation, unless a structural "
                "return within 3 months is expected (with the reason).",
            ),
        }
        done = started if started is not None else (eje if status == "present" else None)
        return self._item("tweede_spoor", DossierPart.tweede_spoor, status, due, done, texts, "tweede_spoor_started")

    def actueel_oordeel(self) -> RivItem:
        due = self.deadlines[DeadlineKey.actueel_oordeel].due
        record = self.steps.get(StepKey.actueel_oordeel)
        done = record.on if record is not None else None
        status = _timed(due, done, self.as_of)
        reason = record.late_reason if record is not None else ""
        d = due.isoformat()
        again_nl, again_en = self._explain_late("het actueel oordeel", "the current judgement")
        texts = {
            "present": lambda: (
                f"Actueel oordeel van de bedrijfsarts: van {done}.",
                f"Current judgement of the bedrijfsarts: of {done}.",
            ),
            "late": lambda: (
                (f"Actueel oordeel: van {done}, na de termijn ({d}); de reden is vastgelegd.")
                if reason
                else f"Het actueel oordeel is van {done}, na de termijn ({d}). {again_nl}",
                (f"Current judgement: of {done}, after its deadline ({d}); the reason is recorded.")
                if reason
                else f"The current judgement is of {done}, after its deadline ({d}). {again_en}",
            ),
            "missing": lambda: (
                f"Het actueel oordeel van de bedrijfsarts ontbreekt (uiterlijk {d}). Vraag het op bij de "
                "bedrijfsarts en leg het vast.",
                f"The current judgement of the bedrijfsarts is missing (due {d}). Ask the bedrijfsarts for it and "
                "record it.",
            ),
            "to_come": lambda: (
                f"Het actueel oordeel van de bedrijfsarts volgt rond week 91, uiterlijk {d}.",
                f"The current judgement of the bedrijfsarts is to come about week 91, by {d}.",
            ),
        }
        return self._item(
            "actueel_oordeel", DossierPart.actueel_oordeel, status, due, done, texts, "step_recorded", reason
        )

    def eindevaluatie(self) -> RivItem:
        due = self.deadlines[DeadlineKey.actueel_oordeel].due  # with the RIV, week 91
        mark = self.facts.eindevaluatie
        done = mark.on if mark is not None else None
        status = _timed(due, done, self.as_of, late_counts=False)
        d = due.isoformat()
        if self.v4:
            what_nl = "Houd haar met de werknemer en leg haar vast."
            what_en = "Hold it with the employee and record it."
        else:
            what_nl = (
                "Deze zaak is geopend voordat het dossier bestond: voeg het verslag van de eindevaluatie als "
                "document toe aan het dossier."
            )
            what_en = (
                "This case was opened before the dossier existed: add the report of the final evaluation to the "
                "dossier as a document."
            )
        texts = {
            "present": lambda: (f"Eindevaluatie: gehouden op {done}.", f"Final evaluation: held on {done}."),
            "missing": lambda: (
                f"De eindevaluatie ontbreekt (uiterlijk {d}, week 91). {what_nl}",
                f"The final evaluation is missing (due {d}, week 91). {what_en}",
            ),
            "to_come": lambda: (
                f"De eindevaluatie volgt, uiterlijk {d} (week 91).",
                f"The final evaluation is to come, by {d} (week 91).",
            ),
        }
        command = "eindevaluatie_held" if self.v4 else ""
        return self._item("eindevaluatie", DossierPart.eindevaluatie, status, due, done, texts, command)

    def mening_werknemer(self) -> RivItem:
        due = self.deadlines[DeadlineKey.actueel_oordeel].due  # with the RIV, week 91
        views = self.facts.employee_views
        done = max(view.on for view in views) if views else None
        status = _timed(due, done, self.as_of, late_counts=False)
        d = due.isoformat()
        if self.v4:
            what_nl = (
                "Vraag de werknemer om in de eigen omgeving het plan en de verslagen te bekijken en een mening "
                "te geven."
            )
            what_en = "Ask the employee to read the plan and the reports in their own pages and give their view."
        else:
            what_nl = (
                "Deze zaak is geopend voordat het dossier bestond: laat de werknemer de mening op papier geven "
                "en voeg die als document toe aan het dossier."
            )
            what_en = (
                "This case was opened before the dossier existed: have the employee put their view on paper and "
                "add it to the dossier as a document."
            )
        texts = {
            "present": lambda: (
                f"Mening werknemer: {len(views)} keer gegeven, het laatst op {done}.",
                f"Employee's view: given {len(views)} times, the latest on {done}.",
            ),
            "missing": lambda: (
                f"De mening van de werknemer ontbreekt (uiterlijk {d}). {what_nl}",
                f"The employee's view is missing (due {d}). {what_en}",
            ),
            "to_come": lambda: (
                f"De mening van de werknemer volgt, uiterlijk {d}: de werknemer bekijkt het plan en de verslagen "
                "en geeft een mening.",
                f"The employee's view is to come, by {d}: the employee reads the plan and the reports and gives "
                "their view.",
            ),
        }
        command = "employee_view_given" if self.v4 else ""
        return self._item("mening_werknemer", DossierPart.mening_werknemer, status, due, done, texts, command)

    # --------------------------------------------------------------------------------- helpers

    def _explain_late(self, what_nl: str, what_en: str) -> tuple[str, str]:
        """What to do about a step that came late without a reason."""
        if self.v4:
            return (
                f"Leg {what_nl} opnieuw vast met dezelfde datum en de reden waarom het te laat was.",
                f"Record {what_en} again with the same date and the reason why it came late.",
            )
        return ("Leg in het re-integratieverslag uit waarom.", "Explain why in the re-integration report.")

    @staticmethod
    def _item(
        key: str,
        part: DossierPart,
        status: RivStatus,
        due: date | None,
        done_on: date | None,
        texts: dict[str, Callable[[], tuple[str, str]]],
        command: str,
        late_reason: str = "",
    ) -> RivItem:
        text_nl, text_en = texts[status]()  # only the words of the status it has
        return RivItem(
            key=key,
            part=part,
            status=status,
            due=due,
            done_on=done_on,
            text_nl=text_nl,
            text_en=text_en,
            command=command,
            late_reason=late_reason if status == "late" else "",
        )
