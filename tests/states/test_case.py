"""The single entry point: every trigger in every phase, allowed and refused, and the guarantees
(input untouched, refused changes nothing, determinism, serialisable facts)."""

import copy
import re
from datetime import date, timedelta

import pytest
from pydantic import TypeAdapter

import states.events
from states import (
    AskBuddyConsent,
    BuddyConsent,
    CancelSeries,
    CaseFacts,
    CaseOpened,
    CloseCase,
    EvaluationHeld,
    EvaluationOutcome,
    InviteBuddy,
    NotifyTeam,
    Outcome,
    Phase,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    PrepareFirstDay,
    ProbleemanalyseReceived,
    Recovered,
    Refused,
    Relapse,
    RemindHR,
    SendSeries,
    SickPeriod,
    StepKey,
    StepRecorded,
    check,
    decide,
    next_due,
    open_case,
    tick,
    upcoming,
)
from states.phases import destinations
from tests.states.helpers import at, case_in, ev, kinds, of_type, opened, run_until
from tests.states.samples import SAMPLES

CLOSED_CASE_REFUSES_ALL = {
    re.sub(r"(?<!^)([A-Z])", r"_\1", event_type.__name__).lower(): "case_closed"
    for event_type in states.events.EVENT_TYPES
}
"""A closed case (wia, uit_dienst, ingetrokken) refuses every event with the same code."""

MATRIX = {
    "ziekgemeld": {
        "probleemanalyse_received": "->probleemanalyse",
        "plan_van_aanpak_signed": "plan_before_probleemanalyse",
        "therapeutic_work_started": "needs_probleemanalyse",
        "build_up_started": "needs_probleemanalyse",
        "hours_reported": "not_working",
        "progress_talk_held": "ok",
        "employee_feedback": "ok",
        "complaints_reported": "ok",
        "build_up_resumed": "not_working",
        "evaluation_held": "needs_plan_van_aanpak",
        "eerstejaarsevaluatie_held": "needs_plan_van_aanpak",
        "tweede_spoor_started": "needs_plan_van_aanpak",
        "recovered": "->hersteld",
        "relapse": "not_working",
        "employment_ended": "->uit_dienst",
        "withdrawn": "->ingetrokken",
        "step_recorded": "ok",
        "buddy_consent": "buddy_not_asked",
        "driegesprek_held": "no_driegesprek",
        "preference_changed": "ok",
        "loonsanctie_imposed": "ok",
        "signal_resolved": "signal_not_open",
        "eindevaluatie_held": "needs_rules_version_4",
        "employee_view_given": "needs_rules_version_4",
        "tweede_spoor_activity_recorded": "needs_rules_version_4",
    },
    "probleemanalyse": {
        "probleemanalyse_received": "ok",
        "plan_van_aanpak_signed": "->plan_van_aanpak",
        "therapeutic_work_started": "->arbeidstherapeutisch",
        "build_up_started": "->opbouw",
        "hours_reported": "not_working",
        "progress_talk_held": "ok",
        "employee_feedback": "ok",
        "complaints_reported": "ok",
        "build_up_resumed": "not_working",
        "evaluation_held": "needs_plan_van_aanpak",
        "eerstejaarsevaluatie_held": "needs_plan_van_aanpak",
        "tweede_spoor_started": "needs_plan_van_aanpak",
        "recovered": "->hersteld",
        "relapse": "not_working",
        "employment_ended": "->uit_dienst",
        "withdrawn": "->ingetrokken",
        "step_recorded": "ok",
        "buddy_consent": "buddy_not_asked",
        "driegesprek_held": "no_driegesprek",
        "preference_changed": "ok",
        "loonsanctie_imposed": "ok",
        "signal_resolved": "signal_not_open",
        "eindevaluatie_held": "needs_rules_version_4",
        "employee_view_given": "needs_rules_version_4",
        "tweede_spoor_activity_recorded": "needs_rules_version_4",
    },
    "plan_van_aanpak": {
        "probleemanalyse_received": "ok",
        "plan_van_aanpak_signed": "plan_already_signed",
        "therapeutic_work_started": "->arbeidstherapeutisch",
        "build_up_started": "->opbouw",
        "hours_reported": "not_working",
        "progress_talk_held": "ok",
        "employee_feedback": "ok",
        "complaints_reported": "ok",
        "build_up_resumed": "not_working",
        "evaluation_held": "ok",
        "eerstejaarsevaluatie_held": "eerstejaarsevaluatie_too_early",
        "tweede_spoor_started": "->tweede_spoor",
        "recovered": "->hersteld",
        "relapse": "not_working",
        "employment_ended": "->uit_dienst",
        "withdrawn": "->ingetrokken",
        "step_recorded": "ok",
        "buddy_consent": "buddy_not_asked",
        "driegesprek_held": "no_driegesprek",
        "preference_changed": "ok",
        "loonsanctie_imposed": "ok",
        "signal_resolved": "signal_not_open",
        "eindevaluatie_held": "needs_rules_version_4",
        "employee_view_given": "needs_rules_version_4",
        "tweede_spoor_activity_recorded": "needs_rules_version_4",
    },
    "arbeidstherapeutisch": {
        "probleemanalyse_received": "ok",
        "plan_van_aanpak_signed": "plan_already_signed",
        "therapeutic_work_started": "use_relapse",
        "build_up_started": "->opbouw",
        "hours_reported": "ok",
        "progress_talk_held": "ok",
        "employee_feedback": "ok",
        "complaints_reported": "ok",
        "build_up_resumed": "not_paused",
        "evaluation_held": "ok",
        "eerstejaarsevaluatie_held": "eerstejaarsevaluatie_too_early",
        "tweede_spoor_started": "->tweede_spoor",
        "recovered": "->hersteld",
        "relapse": "ok",
        "employment_ended": "->uit_dienst",
        "withdrawn": "->ingetrokken",
        "step_recorded": "ok",
        "buddy_consent": "ok",
        "driegesprek_held": "no_driegesprek",
        "preference_changed": "ok",
        "loonsanctie_imposed": "ok",
        "signal_resolved": "signal_not_open",
        "eindevaluatie_held": "needs_rules_version_4",
        "employee_view_given": "needs_rules_version_4",
        "tweede_spoor_activity_recorded": "needs_rules_version_4",
    },
    "opbouw": {
        "probleemanalyse_received": "ok",
        "plan_van_aanpak_signed": "plan_already_signed",
        "therapeutic_work_started": "use_relapse",
        "build_up_started": "ok",
        "hours_reported": "ok",
        "progress_talk_held": "ok",
        "employee_feedback": "ok",
        "complaints_reported": "ok",
        "build_up_resumed": "not_paused",
        "evaluation_held": "ok",
        "eerstejaarsevaluatie_held": "eerstejaarsevaluatie_too_early",
        "tweede_spoor_started": "->tweede_spoor",
        "recovered": "->hersteld",
        "relapse": "ok",
        "employment_ended": "->uit_dienst",
        "withdrawn": "->ingetrokken",
        "step_recorded": "ok",
        "buddy_consent": "ok",
        "driegesprek_held": "no_driegesprek",
        "preference_changed": "ok",
        "loonsanctie_imposed": "ok",
        "signal_resolved": "signal_not_open",
        "eindevaluatie_held": "needs_rules_version_4",
        "employee_view_given": "needs_rules_version_4",
        "tweede_spoor_activity_recorded": "needs_rules_version_4",
    },
    "evaluatie": {
        "probleemanalyse_received": "ok",
        "plan_van_aanpak_signed": "plan_already_signed",
        "therapeutic_work_started": "->arbeidstherapeutisch",
        "build_up_started": "->opbouw",
        "hours_reported": "ok",
        "progress_talk_held": "ok",
        "employee_feedback": "ok",
        "complaints_reported": "ok",
        "build_up_resumed": "not_paused",
        "evaluation_held": "ok",
        "eerstejaarsevaluatie_held": "eerstejaarsevaluatie_too_early",
        "tweede_spoor_started": "->tweede_spoor",
        "recovered": "->hersteld",
        "relapse": "ok",
        "employment_ended": "->uit_dienst",
        "withdrawn": "->ingetrokken",
        "step_recorded": "ok",
        "buddy_consent": "ok",
        "driegesprek_held": "ok",
        "preference_changed": "ok",
        "loonsanctie_imposed": "ok",
        "signal_resolved": "signal_not_open",
        "eindevaluatie_held": "needs_rules_version_4",
        "employee_view_given": "needs_rules_version_4",
        "tweede_spoor_activity_recorded": "needs_rules_version_4",
    },
    "tweede_spoor": {
        "probleemanalyse_received": "ok",
        "plan_van_aanpak_signed": "plan_already_signed",
        "therapeutic_work_started": "ok",
        "build_up_started": "ok",
        "hours_reported": "ok",
        "progress_talk_held": "ok",
        "employee_feedback": "ok",
        "complaints_reported": "ok",
        "build_up_resumed": "not_paused",
        "evaluation_held": "ok",
        "eerstejaarsevaluatie_held": "eerstejaarsevaluatie_too_early",
        "tweede_spoor_started": "tweede_spoor_already_started",
        "recovered": "->hersteld",
        "relapse": "relapse_hours_invalid",
        "employment_ended": "->uit_dienst",
        "withdrawn": "->ingetrokken",
        "step_recorded": "ok",
        "buddy_consent": "buddy_not_asked",
        "driegesprek_held": "no_driegesprek",
        "preference_changed": "ok",
        "loonsanctie_imposed": "ok",
        "signal_resolved": "signal_not_open",
        "eindevaluatie_held": "needs_rules_version_4",
        "employee_view_given": "needs_rules_version_4",
        "tweede_spoor_activity_recorded": "needs_rules_version_4",
    },
    "hersteld": {
        "probleemanalyse_received": "recovered_case",
        "plan_van_aanpak_signed": "recovered_case",
        "therapeutic_work_started": "recovered_case",
        "build_up_started": "recovered_case",
        "hours_reported": "recovered_case",
        "progress_talk_held": "recovered_case",
        "employee_feedback": "recovered_case",
        "complaints_reported": "recovered_case",
        "build_up_resumed": "recovered_case",
        "evaluation_held": "recovered_case",
        "eerstejaarsevaluatie_held": "recovered_case",
        "tweede_spoor_started": "recovered_case",
        "recovered": "recovered_case",
        "relapse": "->plan_van_aanpak",
        "employment_ended": "->uit_dienst",
        "withdrawn": "->ingetrokken",
        "step_recorded": "recovered_case",
        "buddy_consent": "recovered_case",
        "driegesprek_held": "recovered_case",
        "preference_changed": "recovered_case",
        "loonsanctie_imposed": "recovered_case",
        "signal_resolved": "recovered_case",
        "eindevaluatie_held": "recovered_case",
        "employee_view_given": "recovered_case",
        "tweede_spoor_activity_recorded": "recovered_case",
    },
    "wia": CLOSED_CASE_REFUSES_ALL,
    "uit_dienst": CLOSED_CASE_REFUSES_ALL,
    "ingetrokken": CLOSED_CASE_REFUSES_ALL,
}


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("trigger", list(SAMPLES))
def test_every_trigger_in_every_phase(phase: Phase, trigger: str) -> None:
    facts, now = case_in(phase)
    now += timedelta(hours=1)
    snapshot = copy.deepcopy(facts)
    event = SAMPLES[trigger](now)
    expected = MATRIX[str(phase)][trigger]
    if expected == "ok" or expected.startswith("->"):
        check(facts, event, now)
        decision = decide(facts, event, now)
        assert decision.facts.phase == (expected[2:] if expected.startswith("->") else phase)
        assert facts == snapshot  # the input is untouched
    else:
        with pytest.raises(Refused) as raised:
            decide(facts, event, now)
        assert raised.value.code == expected
        assert raised.value.reason_nl and raised.value.reason_en and str(raised.value) == raised.value.reason_nl
        with pytest.raises(Refused):
            check(facts, event, now)
        assert facts == snapshot  # a refused event changes nothing
    if not destinations(phase, trigger) or facts.closed:
        assert expected in {
            "case_closed",
            "recovered_case",
            "not_working",
            "needs_probleemanalyse",
            "needs_plan_van_aanpak",
            "plan_before_probleemanalyse",
            "plan_already_signed",
            "use_relapse",
            "tweede_spoor_already_started",
        }


def test_the_plan_needs_the_probleemanalyse_in_words() -> None:
    facts, now = case_in("ziekgemeld")
    with pytest.raises(Refused) as raised:
        decide(facts, ev(PlanVanAanpakSigned, now, plan=PlanVanAanpak(hours_per_week=0)), now)
    assert raised.value.reason_nl == "Een plan van aanpak kan pas na de probleemanalyse."
    assert raised.value.reason_en == "A plan van aanpak can only be signed after the probleemanalyse."


def test_no_recovery_from_an_end_state() -> None:
    for phase in ("hersteld", "wia", "uit_dienst", "ingetrokken"):
        facts, now = case_in(phase)
        with pytest.raises(Refused):
            decide(facts, ev(Recovered, now, full=True), now)


def test_open_case_sends_the_weekly_checkin_and_the_first_reminder() -> None:
    decision = opened(date(2026, 1, 5), at(2026, 1, 5, 8))
    facts = decision.facts
    assert facts.phase == "ziekgemeld" and facts.periods == [SickPeriod(start=date(2026, 1, 5))]
    (series,) = of_type(decision.effects, SendSeries)
    assert series.kind == "checkin" and series.interval_weeks == 1 and series.sequence == 0
    assert series.attendees == ("manager", "employee")
    assert series.start == at(2026, 1, 12, 10)  # next Monday 10:00 (preferred), not today
    assert series.until == date(2028, 1, 2)
    assert series.key == "case-1:checkin:1:seq0"
    (reminder,) = of_type(decision.effects, RemindHR)
    assert reminder.deadline_key == "arbodienst_report" and reminder.days_left == 6


def test_open_case_refuses_nonsense() -> None:
    now = at(2026, 1, 5)
    base = dict(actor="hr", at=now, case_id="c", contract_hours_per_week=36)
    with pytest.raises(Refused, match="toekomst"):
        open_case(CaseOpened(first_sick_day=date(2026, 1, 6), **base), now)
    with pytest.raises(Refused, match="104 weken"):
        open_case(CaseOpened(first_sick_day=date(2023, 1, 2), **base), now)
    with pytest.raises(Refused):
        open_case(CaseOpened(first_sick_day=date(2026, 1, 5), **{**base, "contract_hours_per_week": 0}), now)
    with pytest.raises(ValueError):
        from datetime import datetime

        open_case(CaseOpened(first_sick_day=date(2026, 1, 5), **base), datetime(2026, 1, 5, 12))  # naive


@pytest.mark.parametrize(("gap", "counted"), [(1, True), (27, True), (28, False)])
def test_intake_with_an_earlier_period_counts_together_below_4_weeks(gap: int, counted: bool) -> None:
    earlier = SickPeriod(start=date(2025, 11, 3), end=date(2025, 11, 20))
    first = earlier.end + timedelta(days=gap + 1)
    decision = opened(first, at(first.year, first.month, first.day), earlier_periods=[earlier])
    assert (len(decision.facts.periods) == 2) is counted


@pytest.mark.parametrize("gap", [1, 27, 28])
def test_samentelling_in_a_running_case(gap: int) -> None:
    facts, now = case_in("hersteld")  # recovered: first day back 1 April 2026
    assert facts.recovered_on == date(2026, 4, 1)
    sick_again = date(2026, 4, 1) + timedelta(days=gap)
    now = at(sick_again.year, sick_again.month, sick_again.day)
    before = {d.key: d.due for d in __import__("states").case_timeline(facts)}
    if gap >= 28:
        # The window closed at the start of day 28: the case is closed by then.
        closed = tick(facts, now).facts
        assert closed.closed and closed.outcome == "hersteld"
        with pytest.raises(Refused) as raised:
            decide(facts, ev(Relapse, now), now)
        assert raised.value.code == "new_case"
        return
    decision = decide(facts, ev(Relapse, now), now)
    after = decision.facts
    assert after.phase == "plan_van_aanpak" and not after.closed
    assert after.periods[-1] == SickPeriod(start=sick_again)
    moved = {d.key: d.due for d in __import__("states").case_timeline(after)}
    assert moved["probleemanalyse"] == before["probleemanalyse"]  # in the past, in the first period
    assert moved["end_of_wage_continuation"] == before["end_of_wage_continuation"] + timedelta(days=gap)
    assert of_type(decision.effects, SendSeries)  # check-ins again
    assert any(s.kind == "relapse" for s in after.signals)


def test_hersteld_closes_after_the_samentelling_window_and_cancels_the_calendar() -> None:
    facts, now = case_in("opbouw")
    decision = decide(facts, ev(Recovered, now, full=True), now)
    assert decision.facts.phase == "hersteld" and not decision.facts.closed
    assert {e.kind for e in of_type(decision.effects, CancelSeries)} >= {"progress_talk"}
    (team,) = of_type(decision.effects, NotifyTeam)
    assert team.hours_per_week == 36
    assert decision.facts.recovered_on == date(2026, 3, 2)  # back from the day it was told
    assert next_due(decision.facts, now) == at(2026, 3, 30, 0)  # + 28 days: the window ends
    assert tick(decision.facts, at(2026, 3, 29, 23, 59)).effects == []
    closing = tick(decision.facts, at(2026, 3, 30, 0))
    (close,) = of_type(closing.effects, CloseCase)
    assert close.outcome == Outcome.hersteld and closing.facts.closed
    assert next_due(closing.facts, at(2026, 3, 30, 0)) is None
    assert tick(closing.facts, at(2026, 4, 30)).effects == []


def test_end_of_week_104_closes_with_wia() -> None:
    facts, _ = case_in("tweede_spoor")
    decision = tick(facts, at(2028, 1, 3, 0))
    (close,) = of_type(decision.effects, CloseCase)
    assert close.outcome == Outcome.wia and close.on == date(2028, 1, 2)
    assert decision.facts.phase == "wia" and decision.facts.closed
    assert all(not s.active for s in decision.facts.series)


def test_return_to_work_prepares_the_first_day_and_asks_about_a_buddy() -> None:
    from states import TherapeuticWorkStarted

    facts, now = case_in("plan_van_aanpak")  # 10 February
    decision = decide(facts, ev(TherapeuticWorkStarted, now, hours_per_week=4, on=date(2026, 2, 23)), now)
    assert kinds(decision.effects).count("AskBuddyConsent") == 1
    assert not of_type(decision.effects, PrepareFirstDay)  # not yet: two working days before
    due = next_due(decision.facts, now)
    assert due == at(2026, 2, 19, 9)  # Thursday before Monday 23 February, 09:00
    later = tick(decision.facts, due)
    (prepare,) = of_type(later.effects, PrepareFirstDay)
    assert prepare.first_day == date(2026, 2, 23) and prepare.hours_per_week == 4
    (team,) = of_type(later.effects, NotifyTeam)
    assert team.hours_per_week == 4 and "uur per week" in team.text_nl
    consent = decide(later.facts, ev(BuddyConsent, due, actor="employee-1", given=True), due)
    (invite,) = of_type(consent.effects, InviteBuddy)
    assert invite.starts_on == date(2026, 2, 23)
    assert not of_type(decide(consent.facts, ev(BuddyConsent, due, given=False), due).effects, AskBuddyConsent)


def test_steps_in_the_laws_order() -> None:
    facts, now = case_in("opbouw")
    with pytest.raises(Refused) as raised:
        decide(facts, ev(StepRecorded, now, step=StepKey.riv_to_employee), now)
    assert raised.value.code == "step_out_of_order"
    facts = decide(facts, ev(StepRecorded, now, step=StepKey.actueel_oordeel), now).facts
    facts = decide(facts, ev(StepRecorded, now, step=StepKey.riv_to_employee), now).facts
    with pytest.raises(Refused) as raised:
        decide(facts, ev(StepRecorded, now, step=StepKey.riv_to_employee), now)
    assert raised.value.code == "step_already_recorded"


def test_dates_in_the_future_or_before_earlier_steps_are_refused() -> None:
    facts, now = case_in("ziekgemeld")
    with pytest.raises(Refused) as raised:
        decide(facts, ev(ProbleemanalyseReceived, now, on=date(2026, 2, 1)), now)
    assert raised.value.code == "date_in_future"
    facts = decide(facts, ev(ProbleemanalyseReceived, now, on=date(2026, 1, 15)), now).facts
    with pytest.raises(Refused) as raised:
        decide(facts, ev(PlanVanAanpakSigned, now, plan=PlanVanAanpak(hours_per_week=0), on=date(2026, 1, 14)), now)
    assert raised.value.code in {"date_before_earlier_step", "date_before_phase_change"}
    with pytest.raises(Refused) as raised:
        plan = PlanVanAanpak(hours_per_week=0, evaluation_moments=[date(2026, 3, 20)])
        decide(facts, ev(PlanVanAanpakSigned, now, plan=plan, on=date(2026, 1, 20)), now)
    assert raised.value.code == "evaluation_moments_too_far_apart"


def test_evaluation_outcomes() -> None:
    facts, now = case_in("opbouw")
    second = decide(facts, ev(EvaluationHeld, now, outcome=EvaluationOutcome.second_track), now).facts
    assert second.phase == "evaluatie" and second.tweede_spoor_decided_on == date(2026, 3, 2)
    recovered = decide(facts, ev(EvaluationHeld, now, outcome=EvaluationOutcome.recovered), now).facts
    assert recovered.phase == "hersteld" and recovered.recovered_on == date(2026, 3, 3)


def test_relapse_back_to_an_earlier_phase_keeps_every_deadline() -> None:
    facts, now = case_in("opbouw")
    with pytest.raises(Refused) as raised:
        decide(facts, ev(Relapse, now, back_to=Phase.ziekgemeld), now)
    assert raised.value.code == "relapse_target_invalid" and "plan van aanpak" in raised.value.reason_nl
    decision = decide(facts, ev(Relapse, now, back_to=Phase.plan_van_aanpak), now)
    after = decision.facts
    assert after.phase == "plan_van_aanpak" and after.working_since is None
    assert after.plan_signed_on == facts.plan_signed_on and after.history[:-1] == facts.history
    assert [d.due for d in __import__("states").case_timeline(after)] == [
        d.due for d in __import__("states").case_timeline(facts)
    ]
    assert {e.kind for e in of_type(decision.effects, CancelSeries)} == {"progress_talk"}
    assert {e.kind for e in of_type(decision.effects, SendSeries)} >= {"checkin"}
    fewer = decide(facts, ev(Relapse, now, hours_per_week=4), now)
    assert fewer.facts.phase == "opbouw"
    with pytest.raises(Refused):
        decide(facts, ev(Relapse, now, hours_per_week=20), now)


def test_tick_is_idempotent_and_next_due_moves_on() -> None:
    facts = opened().facts
    now = at(2026, 1, 5, 8)
    seen: list[str] = []
    for _ in range(200):
        due = next_due(facts, now)
        if due is None:
            break
        first = tick(facts, due)
        again = tick(first.facts, due)
        assert again.effects == [] and again.facts == first.facts
        after = next_due(first.facts, due)
        assert after is None or after > due
        seen += [e.key for e in first.effects]
        facts, now = first.facts, due
    assert facts.closed and facts.phase == "wia"  # nobody did anything for two years
    assert len(seen) == len(set(seen))


def test_decide_is_deterministic_and_the_facts_survive_json() -> None:
    facts, now = case_in("evaluatie")
    adapter = TypeAdapter(CaseFacts)
    restored = adapter.validate_json(adapter.dump_json(facts))
    assert restored == facts
    event = ev(EvaluationHeld, now, outcome=EvaluationOutcome.continue_plan)
    assert decide(facts, event, now) == decide(facts, event, now)
    assert decide(restored, event, now).effects == decide(facts, event, now).effects
    assert next_due(restored, now) == next_due(facts, now)


def test_upcoming_lists_deadlines_and_talks() -> None:
    facts, now = case_in("opbouw")
    items = upcoming(facts, now)
    kinds_seen = {item.kind for item in items}
    assert {"deadline", "progress_talk"} <= kinds_seen
    planned, signed_at = case_in("plan_van_aanpak")
    assert "evaluation" in {item.kind for item in upcoming(planned, signed_at)}
    assert items == sorted(items, key=lambda i: (i.due, i.kind, i.key))
    assert all(item.key != "probleemanalyse" for item in items)  # done
    assert upcoming(case_in("wia")[0], now) == []


def test_a_week_of_a_case_in_full() -> None:
    facts, now = case_in("ziekgemeld")
    facts, effects = run_until(facts, at(2026, 2, 28), now)
    keys = [e.key for e in effects]
    assert len(keys) == len(set(keys))
    assert "case-1:signal:deadline_overdue:arbodienst_report:2026-01-11" in keys
    assert "case-1:remind:probleemanalyse:2026-02-15" in keys


def test_a_case_done_right_for_two_years_gets_no_overdue_alert() -> None:
    from states import (
        AlertHROverdue,
        BuildUpStarted,
        BuildUpStep,
        EerstejaarsevaluatieHeld,
        TherapeuticWorkStarted,
        TweedeSpoorStarted,
    )

    facts = opened().facts
    now = at(2026, 1, 5, 8)
    plan = PlanVanAanpak(hours_per_week=4, tasks=["archief"], contact_person="m-1", casemanager="hr-1")
    script: list[tuple[object, object]] = [
        (at(2026, 1, 7), lambda n: ev(StepRecorded, n, step=StepKey.arbodienst_report)),
        (at(2026, 2, 9), lambda n: ev(ProbleemanalyseReceived, n)),
        (at(2026, 2, 16), lambda n: ev(PlanVanAanpakSigned, n, plan=plan)),
        (at(2026, 2, 23), lambda n: ev(TherapeuticWorkStarted, n, hours_per_week=4)),
        (
            at(2026, 3, 16),
            lambda n: ev(
                BuildUpStarted,
                n,
                schedule=[
                    BuildUpStep(from_date=date(2026, 3, 16), hours_per_week=8),
                    BuildUpStep(from_date=date(2026, 4, 13), hours_per_week=12),
                ],
            ),
        ),
        (at(2026, 10, 20), lambda n: ev(StepRecorded, n, step=StepKey.uwv_42_week_report)),
        (at(2026, 11, 20), lambda n: ev(EerstejaarsevaluatieHeld, n)),
        (at(2026, 12, 15), lambda n: ev(TweedeSpoorStarted, n)),
        (at(2027, 9, 20), lambda n: ev(StepRecorded, n, step=StepKey.actueel_oordeel)),
        (at(2027, 9, 25), lambda n: ev(StepRecorded, n, step=StepKey.riv_to_employee)),
        (at(2027, 10, 1), lambda n: ev(StepRecorded, n, step=StepKey.wia_application)),
    ]
    evaluation = date(2026, 3, 23)
    while evaluation < date(2027, 12, 25):
        moment = at(evaluation.year, evaluation.month, evaluation.day, 11)
        script.append((moment, lambda n: ev(EvaluationHeld, n, outcome=EvaluationOutcome.continue_plan)))
        evaluation += timedelta(weeks=5)
    script.sort(key=lambda item: item[0])
    effects: list = []
    for moment, make in script:
        facts, passed = run_until(facts, moment, now)
        effects += passed
        decision = decide(facts, make(moment), moment)
        facts, now = decision.facts, moment
        effects += decision.effects
    facts, passed = run_until(facts, at(2028, 2, 1), now)
    effects += passed
    assert not of_type(effects, AlertHROverdue)
    assert facts.phase == "wia" and facts.closed
    assert len(of_type(effects, RemindHR)) >= 10
    keys = [e.key for e in effects]
    assert len(keys) == len(set(keys))
    assert [d.done_on is not None for d in __import__("states").case_timeline(facts)] == [
        True,
        True,
        True,
        False,
        True,
        True,
        True,
        True,
        True,
        True,
        False,
    ]


def test_relapse_from_build_up_to_therapeutic_work_and_sick_again_in_the_second_track() -> None:
    facts, now = case_in("opbouw")
    back = decide(facts, ev(Relapse, now, back_to=Phase.arbeidstherapeutisch, hours_per_week=4), now).facts
    assert back.phase == "arbeidstherapeutisch" and back.working_since == facts.working_since
    facts, now = case_in("tweede_spoor")
    recovered = decide(facts, ev(Recovered, now, full=True), now).facts
    again_at = now + timedelta(days=10)
    again = decide(recovered, ev(Relapse, again_at), again_at).facts
    assert again.phase == "tweede_spoor"  # samentelling: the second track goes on
    assert len(again.periods) == 2
