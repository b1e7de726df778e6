"""Rules version 4, the re-integratiedossier: its events (refused before version 4), what the rules
keep of the new fields, the riv_gap signals from week 80, and cases of versions 1 to 3 as they were."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter
from temporalio.contrib.pydantic import pydantic_data_converter

from states import (
    RULES_VERSION,
    AlertHRRivGap,
    CaseFacts,
    EerstejaarsevaluatieHeld,
    EindevaluatieHeld,
    EmployeeViewGiven,
    EvaluationHeld,
    EvaluationOutcome,
    LoopInCoach,
    OccupationalAdvice,
    ProgressTalkHeld,
    Refused,
    Role,
    SignalKind,
    SignalResolved,
    StepKey,
    StepRecorded,
    TalkMood,
    TalkReport,
    TweedeSpoorActivityRecorded,
    TweedeSpoorStarted,
    check,
    decide,
    next_due,
    open_signals,
    riv_check,
    tick,
)
from states.signals import riv_check_start
from tests.states.helpers import case_in, ev, of_type
from tests.states.riv_cases import Story, complete_case, evaluate, started

NEW_EVENTS: dict[str, Any] = {
    "eindevaluatie_held": lambda now: ev(EindevaluatieHeld, now, summary="goed verlopen"),
    "employee_view_given": lambda now: ev(EmployeeViewGiven, now, agrees=False, view="te snel"),
    "tweede_spoor_activity_recorded": lambda now: ev(TweedeSpoorActivityRecorded, now, activity="intake"),
}


def refused(facts: CaseFacts, event: Any, now: Any) -> Refused:
    snapshot = copy.deepcopy(facts)
    with pytest.raises(Refused) as raised:
        decide(facts, event, now)
    with pytest.raises(Refused):
        check(facts, event, now)
    assert facts == snapshot  # a refused event changes nothing
    assert raised.value.reason_nl and raised.value.reason_en
    return raised.value


def riv_signals(facts: CaseFacts) -> dict[str, bool]:
    return {signal.key: signal.is_open for signal in facts.signals if signal.kind == SignalKind.riv_gap}


# ------------------------------------------------------------------------------ the version


def test_cases_are_opened_under_version_4_now() -> None:
    assert RULES_VERSION == 4


@pytest.mark.parametrize("version", [1, 2, 3])
@pytest.mark.parametrize("trigger", list(NEW_EVENTS))
def test_a_case_opened_before_the_dossier_refuses_its_events_and_says_what_to_do(version: int, trigger: str) -> None:
    facts, now = case_in("tweede_spoor", version)
    error = refused(facts, NEW_EVENTS[trigger](now), now)
    assert error.code == "needs_rules_version_4"
    assert "voordat het re-integratiedossier bestond" in error.reason_nl and "document" in error.reason_nl
    assert "before the re-integration dossier existed" in error.reason_en and "document" in error.reason_en


@pytest.mark.parametrize("trigger", list(NEW_EVENTS))
def test_a_closed_or_recovered_case_refuses_them_as_it_refuses_everything(trigger: str) -> None:
    for phase, code in (("wia", "case_closed"), ("uit_dienst", "case_closed"), ("hersteld", "recovered_case")):
        for version in (3, 4):
            facts, now = case_in(phase, version)
            assert refused(facts, NEW_EVENTS[trigger](now), now).code == code


@pytest.mark.parametrize("trigger", list(NEW_EVENTS))
def test_a_version_4_case_records_them(trigger: str) -> None:
    facts, now = case_in("tweede_spoor", 4)
    decision = decide(facts, NEW_EVENTS[trigger](now), now)
    new = decision.facts
    assert new.phase == "tweede_spoor" and facts.eindevaluatie is None and not facts.employee_views
    if trigger == "eindevaluatie_held":
        assert (
            new.eindevaluatie is not None and new.eindevaluatie.on == now.date() and new.eindevaluatie.actor == "hr-1"
        )
    elif trigger == "employee_view_given":
        (view,) = new.employee_views
        assert (view.on, view.about, view.agrees) == (now.date(), "", False)
    else:
        (activity,) = new.tweede_spoor_activities
        assert activity.on == now.date()


# ---------------------------------------------------------------------------- the new events


def test_the_eindevaluatie_is_held_once_not_in_the_future_not_before_the_first_sick_day() -> None:
    facts, now = case_in("tweede_spoor", 4)
    error = refused(facts, ev(EindevaluatieHeld, now, on=now.date() + timedelta(days=1)), now)
    assert error.code == "date_in_future"
    assert refused(facts, ev(EindevaluatieHeld, now, on=date(2026, 1, 4)), now).code == "date_before_earlier_step"
    held = decide(facts, ev(EindevaluatieHeld, now), now).facts
    error = refused(held, ev(EindevaluatieHeld, now), now)
    assert error.code == "eindevaluatie_already_held" and now.date().isoformat() in error.reason_nl


def test_the_employee_gives_a_view_of_a_record_the_case_has_or_of_the_whole() -> None:
    facts, now = case_in("probleemanalyse", 4)
    error = refused(facts, ev(EmployeeViewGiven, now, about="plan_van_aanpak:audit-7", agrees=True), now)
    assert error.code == "view_about_unknown" and "plan van aanpak" in error.reason_nl
    for about in ("mening_werknemer:audit-1", "dagboek:3", "plan"):
        assert refused(facts, ev(EmployeeViewGiven, now, about=about), now).code == "view_about_unknown"
    seen = decide(facts, ev(EmployeeViewGiven, now, about="probleemanalyse:audit-2"), now).facts
    assert [(v.about, v.agrees) for v in seen.employee_views] == [("probleemanalyse:audit-2", None)]  # only seen
    facts, now = case_in("plan_van_aanpak", 4)
    agreed = decide(facts, ev(EmployeeViewGiven, now, about="plan_van_aanpak:audit-7", agrees=True), now).facts
    assert agreed.employee_views[-1].agrees is True
    error = refused(facts, ev(EmployeeViewGiven, now, about="gespreksverslag:audit-9"), now)
    assert error.code == "view_about_unknown"  # no talk recorded yet
    talked = decide(facts, ev(ProgressTalkHeld, now, went=TalkMood.good), now).facts
    assert decide(talked, ev(EmployeeViewGiven, now, about="gespreksverslag:audit-9"), now).facts.employee_views


def test_a_second_track_activity_needs_the_second_track_and_says_what_was_done() -> None:
    facts, now = case_in("plan_van_aanpak", 4)
    assert refused(facts, ev(TweedeSpoorActivityRecorded, now, activity="intake"), now).code == "needs_tweede_spoor"
    decided = decide(facts, ev(EvaluationHeld, now, outcome=EvaluationOutcome.second_track), now).facts
    assert refused(decided, ev(TweedeSpoorActivityRecorded, now, activity="  "), now).code == "activity_missing"
    early = ev(TweedeSpoorActivityRecorded, now, activity="intake", on=now.date() - timedelta(days=1))
    assert refused(decided, early, now).code == "date_before_earlier_step"
    recorded = decide(decided, ev(TweedeSpoorActivityRecorded, now, activity="intake", by="bureau"), now).facts
    assert [mark.on for mark in recorded.tweede_spoor_activities] == [now.date()]


def test_a_version_4_step_keeps_its_reference_and_late_reason_and_can_be_completed_on_its_day() -> None:
    story = started()
    day = story.week(44)
    story.do(StepRecorded, day, step=StepKey.uwv_42_week_report, late_reason="  ziek thuis  ")
    (record,) = [r for r in story.facts.steps if r.key == StepKey.uwv_42_week_report]
    assert (record.reference, record.late_reason, record.on) == ("", "ziek thuis", day)
    later = story.moment(story.week(46))
    other_day = ev(StepRecorded, later, step=StepKey.uwv_42_week_report, reference="K-9", on=story.week(45))
    error = refused(story.facts, other_day, later)
    assert error.code == "step_already_recorded" and f"dezelfde datum ({day.isoformat()})" in error.reason_nl
    nothing_new = ev(StepRecorded, later, step=StepKey.uwv_42_week_report, on=day)
    assert refused(story.facts, nothing_new, later).code == "step_already_recorded"
    completed = decide(
        story.facts, ev(StepRecorded, later, step=StepKey.uwv_42_week_report, reference="K-9", on=day), later
    ).facts
    (record,) = [r for r in completed.steps if r.key == StepKey.uwv_42_week_report]
    assert (record.reference, record.late_reason, record.on, record.actor) == ("K-9", "ziek thuis", day, "hr-1")
    assert len(completed.steps) == len(story.facts.steps)  # completed, not recorded twice


def test_the_eerstejaarsevaluatie_keeps_whether_its_reason_was_given() -> None:
    story = started()
    story.do(EerstejaarsevaluatieHeld, story.week(48), structural_return_expected=True, reason="terugkeer op 32 uur")
    assert story.facts.eerstejaarsevaluatie_reason_given
    story = started()
    story.do(EerstejaarsevaluatieHeld, story.week(48), reason="   ")
    assert not story.facts.eerstejaarsevaluatie_reason_given


# ------------------------------------------------------------------------------ riv_gap signals


def test_no_riv_gap_before_week_80_then_one_per_gap_to_hr_and_the_agenda_wakes_the_case() -> None:
    story = started()
    start = riv_check_start(story.facts)
    assert start == story.moment(story.week(80), 9)
    story.until(story.week(79, 7), 23)
    assert riv_signals(story.facts) == {}
    due = next_due(story.facts, story.now)
    assert due is not None and due <= start  # the case wakes at week 80 at the latest
    effects = story.until(story.week(80), 10)
    alerts = {alert.signal.key: alert for alert in of_type(effects, AlertHRRivGap)}
    plan_day = story.week(6).isoformat()
    assert set(alerts) == {
        f"riv_gap:evaluation_gap:{plan_day}",
        "riv_gap:melding_42e_week",
        "riv_gap:eerstejaarsevaluatie",
        "riv_gap:tweede_spoor",
    }
    assert set(riv_signals(story.facts)) == set(alerts)
    for alert in alerts.values():
        assert alert.to == (Role.casemanager,) and alert.key == f"case-1:signal:{alert.signal.key}"
        assert alert.signal.kind == SignalKind.riv_gap and alert.signal.headline_nl.startswith("RIV: ")
        assert alert.signal.evidence_items and alert.command and alert.part and alert.due is not None
        assert "=" not in alert.text_nl and "_" not in alert.text_nl
    eje = alerts["riv_gap:eerstejaarsevaluatie"]
    assert (eje.command, eje.part, eje.due) == ("eerstejaarsevaluatie_held", "eerstejaarsevaluatie", story.week(52, 7))
    assert eje.signal.headline_nl == "RIV: eerstejaarsevaluatie ontbreekt"
    assert eje.signal.headline_en == "RIV: first-year evaluation missing"
    assert [(e.fact, e.value, e.on) for e in eje.signal.evidence_items] == [
        ("deadline", "eerstejaarsevaluatie", story.week(52, 7))
    ]
    assert not of_type(effects, LoopInCoach) or all(
        not e.signal.key.startswith("riv_gap") for e in of_type(effects, LoopInCoach)
    )  # HR's to mend, not the coach's


def test_a_riv_gap_resolves_itself_when_the_part_is_recorded() -> None:
    story = started()
    story.until(story.week(80), 10)
    assert riv_signals(story.facts)["riv_gap:tweede_spoor"] is True
    effects = story.do(TweedeSpoorStarted, story.week(80, 2))
    assert not of_type(effects, AlertHRRivGap)
    # the second track started 28 weeks late is a finding of its own: the same signal, its words follow
    second = next(s for s in story.facts.signals if s.key == "riv_gap:tweede_spoor")
    assert second.is_open and second.headline_nl == "RIV: tweede spoor te laat"
    assert "na de termijn" in second.text_nl
    assert ("riv_done", "tweede_spoor", story.week(80, 2)) in {(e.fact, e.value, e.on) for e in second.evidence}
    assert riv_signals(story.facts)["riv_gap:melding_42e_week"] is True
    story.do(
        StepRecorded,
        story.week(80, 3),
        step=StepKey.uwv_42_week_report,
        on=story.week(44),
        reference="K-1",
        late_reason="vergeten",
    )
    assert riv_signals(story.facts)["riv_gap:melding_42e_week"] is False
    resolved = next(s for s in story.facts.signals if s.key == "riv_gap:melding_42e_week")
    assert resolved.resolution == "condition no longer holds"


def test_an_evaluation_gap_that_is_closed_late_stays_a_signal_with_what_happened() -> None:
    story = started()
    story.until(story.week(80), 10)
    key = f"riv_gap:evaluation_gap:{story.week(6).isoformat()}"
    before = next(s for s in story.facts.signals if s.key == key)
    assert "niet geëvalueerd" in before.text_nl and "zo snel mogelijk" in before.text_nl
    story.do(EvaluationHeld, story.week(80, 2), outcome=EvaluationOutcome.continue_plan)
    after = next(s for s in story.facts.signals if s.key == key)
    assert after.is_open and "niet meer te herstellen" in after.text_nl
    assert ("riv_done", "evaluation", story.week(80, 2)) in {(e.fact, e.value, e.on) for e in after.evidence}
    story.do(SignalResolved, story.week(80, 3), signal_key=key, note="uitgelegd in het verslag")
    story.until(story.week(82))
    assert not next(s for s in story.facts.signals if s.key == key).is_open  # a person's resolution holds


def test_a_part_due_after_week_80_raises_its_gap_the_day_after_its_due_date() -> None:
    story = complete_case()
    facts = story.facts
    # the same case without the actueel oordeel, the eindevaluatie, the view and the copy
    story = started()
    evaluate(story, range(11, 42, 5))
    story.do(StepRecorded, story.week(43), step=StepKey.uwv_42_week_report, reference="UWV-1")
    evaluate(story, range(46, 47))
    story.do(EerstejaarsevaluatieHeld, story.week(48), reason="geen terugkeer verwacht")
    story.do(TweedeSpoorStarted, story.week(49))
    evaluate(story, range(51, 92, 5))
    assert riv_signals(story.facts) == {}
    due = story.week(91, 7)
    story.until(due, 23)
    assert riv_signals(story.facts) == {}
    wake = next_due(story.facts, story.now)
    assert wake is not None and wake <= story.moment(due + timedelta(days=1), 9)
    effects = story.until(due + timedelta(days=1), 9)
    assert {a.signal.key for a in of_type(effects, AlertHRRivGap)} == {
        "riv_gap:actueel_oordeel",
        "riv_gap:eindevaluatie",
        "riv_gap:mening_werknemer",
    }
    assert riv_check(facts, story.now).complete  # the complete case has none


def test_a_complete_case_raises_no_riv_gap_to_its_end() -> None:
    story = complete_case()
    story.until(story.week(105))
    assert story.facts.closed and riv_signals(story.facts) == {}
    assert not of_type(story.effects, AlertHRRivGap)


def test_the_riv_check_starts_in_the_week_the_config_says() -> None:
    from dataclasses import replace

    from states import DEFAULT_CONFIG
    from tests.states.helpers import opened

    facts = opened(rules_version=4, config=replace(DEFAULT_CONFIG, riv_check_from_week=60)).facts
    assert DEFAULT_CONFIG.riv_check_from_week == 80
    story = Story()
    story.facts = facts
    assert riv_check_start(facts) == story.moment(story.week(60), 9)
    story.until(story.week(60), 10)
    assert "riv_gap:probleemanalyse" in riv_signals(story.facts)


# ------------------------------------------------------------------- versions 1 to 3 unchanged


@pytest.mark.parametrize("version", [1, 2, 3])
def test_an_older_case_never_gets_a_riv_gap_and_keeps_none_of_the_new_fields(version: int) -> None:
    story = started(version)
    story.do(StepRecorded, story.week(43), step=StepKey.uwv_42_week_report, reference="K-1", late_reason="x")
    story.do(EerstejaarsevaluatieHeld, story.week(48), reason="reden")
    story.until(story.week(105))
    assert story.facts.closed and riv_signals(story.facts) == {}
    assert not of_type(story.effects, AlertHRRivGap)
    (record,) = [r for r in story.facts.steps if r.key == StepKey.uwv_42_week_report]
    assert (record.reference, record.late_reason) == ("", "")
    assert not story.facts.eerstejaarsevaluatie_reason_given


@pytest.mark.parametrize("version", [1, 2, 3])
def test_an_older_case_decides_the_same_with_or_without_the_new_fields(version: int) -> None:
    """The fields version 4 added to existing events change nothing for a case of versions 1 to 3."""

    def run(with_fields: bool) -> tuple[CaseFacts, list[Any]]:
        extra: dict[str, Any] = {}
        story = Story(version)
        from states import PlanVanAanpak, PlanVanAanpakSigned, ProbleemanalyseReceived

        if with_fields:
            extra = {"advice": OccupationalAdvice(limitations="niet tillen", work_advice="4 uur per dag")}
        story.do(ProbleemanalyseReceived, story.week(5), **extra)
        story.do(PlanVanAanpakSigned, story.week(6), plan=PlanVanAanpak(hours_per_week=0))
        report: dict[str, Any] = {
            "report": TalkReport(present=[Role.manager, Role.employee], agreed="a", next_steps="b")
        }
        story.do(
            EvaluationHeld, story.week(11), outcome=EvaluationOutcome.continue_plan, **(report if with_fields else {})
        )
        story.do(ProgressTalkHeld, story.week(12), went=TalkMood.good, **(report if with_fields else {}))
        details: dict[str, Any] = {"reference": "K", "late_reason": "laat"} if with_fields else {}
        story.do(StepRecorded, story.week(44), step=StepKey.uwv_42_week_report, **details)
        story.do(EerstejaarsevaluatieHeld, story.week(48), **({"reason": "r", **report} if with_fields else {}))
        if with_fields:  # completing a step is version 4's: refused as before
            again = ev(StepRecorded, story.now, step=StepKey.uwv_42_week_report, on=story.week(44), reference="K")
            error = refused(story.facts, again, story.now)
            assert error.code == "step_already_recorded" and "dezelfde datum" not in error.reason_nl
        story.until(story.week(60))
        return story.facts, story.effects

    assert run(True) == run(False)


# ------------------------------------------------------------------------- what travels


def test_version_4_facts_and_the_alert_survive_the_data_converter() -> None:
    converter = pydantic_data_converter.payload_converter
    story = started()
    story.do(EvaluationHeld, story.week(10), outcome=EvaluationOutcome.second_track)
    story.do(TweedeSpoorActivityRecorded, story.week(11), activity="intake", by="bureau")
    story.do(EmployeeViewGiven, story.week(11, 2), about="plan_van_aanpak:k", agrees=None)
    story.do(EindevaluatieHeld, story.week(12))
    effects = story.until(story.week(80), 10)
    (alert, *_) = of_type(effects, AlertHRRivGap)
    for value, kind in ((story.facts, CaseFacts), (alert, AlertHRRivGap)):
        (payload,) = converter.to_payloads([value])
        (restored,) = converter.from_payloads([payload], [kind])
        assert restored == value
    adapter = TypeAdapter(CaseFacts)
    restored_facts = adapter.validate_json(adapter.dump_json(story.facts))
    later = story.moment(story.week(81))
    assert tick(restored_facts, later) == tick(story.facts, later)


def test_no_version_4_call_changes_facts_handed_out_before() -> None:
    story = started()
    handed_out: list[tuple[CaseFacts, CaseFacts]] = []

    def keep() -> None:
        handed_out.append((story.facts, copy.deepcopy(story.facts)))

    keep()
    story.do(StepRecorded, story.week(43), step=StepKey.uwv_42_week_report)
    keep()
    story.do(EerstejaarsevaluatieHeld, story.week(48), reason="r")
    keep()
    story.do(TweedeSpoorStarted, story.week(49))
    story.do(TweedeSpoorActivityRecorded, story.week(50), activity="intake")
    keep()
    story.until(story.week(80), 10)  # riv_gap signals raised
    keep()
    story.do(StepRecorded, story.week(80, 2), step=StepKey.uwv_42_week_report, on=story.week(43), reference="K")
    keep()
    story.do(EmployeeViewGiven, story.week(80, 3), agrees=True)
    story.do(EindevaluatieHeld, story.week(80, 3))
    keep()
    story.until(story.week(93))
    assert riv_signals(story.facts) and any(not is_open for is_open in riv_signals(story.facts).values())
    for handed, snapshot in handed_out:
        assert handed == snapshot
    assert open_signals(story.facts)


# ------------------------------------------------------------------------------ properties


def _v4_event(kind: str, draw: Any, now: Any, facts: CaseFacts) -> Any:
    from hypothesis import strategies as st

    from tests.states.test_properties import _event

    base = {"actor": "someone", "at": now}
    if kind == "eind":
        return EindevaluatieHeld(**base, summary="s")
    if kind == "view":
        about = draw(st.sampled_from(["", "plan_van_aanpak:a", "gespreksverslag:b", "probleemanalyse:c", "x:y"]))
        return EmployeeViewGiven(**base, about=about, agrees=draw(st.sampled_from([None, True, False])))
    if kind == "activity":
        return TweedeSpoorActivityRecorded(**base, activity=draw(st.sampled_from(["intake", ""])))
    if kind == "step_details":
        return StepRecorded(
            **base,
            step=draw(st.sampled_from(list(StepKey))),
            reference=draw(st.sampled_from(["", "K-1"])),
            late_reason=draw(st.sampled_from(["", "laat"])),
            on=draw(st.sampled_from([None, *(record.on for record in facts.steps)])),
        )
    if kind == "eje_reason":
        return EerstejaarsevaluatieHeld(
            **base, structural_return_expected=draw(st.booleans()), reason=draw(st.sampled_from(["", "r"]))
        )
    return _event(kind, draw, now, facts)


def test_no_sequence_of_version_4_triggers_breaks_the_rules() -> None:
    """The property test of all triggers (tests/states/test_properties.py), for a case under version 4
    with its own events, and long enough to reach the RIV check."""
    from hypothesis import given
    from hypothesis import strategies as st

    from tests.states.helpers import at, opened
    from tests.states.test_properties import COMMON, PREFIX, SETTINGS, check_invariants

    kinds = [*COMMON, "eind", "view", "view", "activity", "step_details", "step_details", "eje_reason"]
    days = st.one_of(st.integers(0, 30), st.sampled_from([90, 200]))

    @SETTINGS
    @given(
        first=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
        steps=st.lists(st.tuples(days, st.sampled_from(kinds)), min_size=1, max_size=35),
        data=st.data(),
    )
    def run(first: date, steps: list[tuple[int, str]], data: Any) -> None:
        now = at(first.year, first.month, first.day, 8)
        decision = opened(first, now, rules_version=4)
        facts = decision.facts
        keys = [e.key for e in decision.effects]
        for days_later, kind in [*PREFIX, *steps]:
            now = now + timedelta(days=days_later, hours=data.draw(st.integers(0, 12)))
            if kind == "tick":
                result = tick(facts, now)
                due = next_due(result.facts, now)
                assert due is None or due > now
                assert tick(result.facts, now).effects == []
            else:
                event = _v4_event(kind, data.draw, now, facts)
                snapshot = copy.deepcopy(facts)
                try:
                    result = decide(facts, event, now)
                except Refused as error:
                    assert error.reason_nl and error.reason_en and facts == snapshot
                    continue
                assert facts == snapshot and decide(facts, event, now) == result
            check_invariants(result.facts, facts)
            riv = riv_check(result.facts, now)
            assert riv.complete == (not riv.gaps)
            open_gaps = {s.key for s in result.facts.signals if s.kind == SignalKind.riv_gap and s.is_open}
            assert open_gaps <= {f"riv_gap:{item.key}" for item in riv.gaps}  # never a signal for no gap
            keys += [e.key for e in result.effects]
            facts = result.facts
        assert len(keys) == len(set(keys)), "an effect key was emitted twice"

    run()
