"""Property tests: no sequence of triggers loses a deadline or reaches an impossible state; the same
input gives the same output; a refused event changes nothing; no effect is ever sent twice."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from states import (
    BuddyConsent,
    BuildUpResumed,
    BuildUpStarted,
    BuildUpStep,
    CaseFacts,
    ComplaintsReported,
    ContactPreference,
    DeadlineKey,
    DriegesprekHeld,
    EerstejaarsevaluatieHeld,
    EmployeeFeedback,
    EmploymentEnded,
    EvaluationHeld,
    EvaluationOutcome,
    HoursReported,
    LoonsanctieImposed,
    Pace,
    Phase,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    PreferenceChanged,
    ProbleemanalyseReceived,
    ProgressTalkHeld,
    Recovered,
    Refused,
    Relapse,
    SignalResolved,
    StepKey,
    StepRecorded,
    TalkMood,
    TherapeuticWorkStarted,
    TweedeSpoorStarted,
    Withdrawn,
    case_timeline,
    decide,
    next_due,
    tick,
)
from states.clock import local_date
from states.kinds import END_PHASES, SICK_PHASES
from states.timeline import validate_periods
from tests.states.helpers import at, opened

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOURS = st.sampled_from([2.0, 4.0, 8.0, 12.0, 20.0, 36.0])


def _event(kind: str, draw: Any, now: datetime, facts: CaseFacts) -> Any:
    today = local_date(now)
    base = {"actor": "someone", "at": now}
    if kind == "pa":
        return ProbleemanalyseReceived(**base)
    if kind == "plan":
        return PlanVanAanpakSigned(**base, plan=PlanVanAanpak(hours_per_week=draw(st.sampled_from([0.0, 4.0]))))
    if kind == "therapeutic":
        return TherapeuticWorkStarted(
            **base, hours_per_week=draw(HOURS), on=today + timedelta(days=draw(st.sampled_from([0, 3])))
        )
    if kind == "build_up":
        first = draw(HOURS)
        return BuildUpStarted(
            **base,
            schedule=[
                BuildUpStep(from_date=today, hours_per_week=first),
                BuildUpStep(
                    from_date=today + timedelta(weeks=2),
                    hours_per_week=min(36.0, first + draw(st.sampled_from([0.0, 4.0]))),
                ),
            ],
        )
    if kind == "hours":
        return HoursReported(**base, week_of=today, hours=draw(st.sampled_from([0.0, 4.0, 8.0, 12.0])))
    if kind == "talk":
        return ProgressTalkHeld(
            **base,
            went=draw(st.sampled_from(list(TalkMood))),
            pace=draw(st.sampled_from(list(Pace))),
            conflict_at_work=draw(st.booleans()),
        )
    if kind == "feedback":
        return EmployeeFeedback(**base, pace=draw(st.sampled_from(list(Pace))), conflict_at_work=draw(st.booleans()))
    if kind == "complaints":
        return ComplaintsReported(**base, lasting_days=draw(st.integers(0, 14)))
    if kind == "resume":
        return BuildUpResumed(**base)
    if kind == "evaluation":
        return EvaluationHeld(**base, outcome=draw(st.sampled_from(list(EvaluationOutcome))))
    if kind == "eje":
        return EerstejaarsevaluatieHeld(**base, structural_return_expected=draw(st.booleans()))
    if kind == "tweede_spoor":
        return TweedeSpoorStarted(**base)
    if kind == "recovered":
        return Recovered(**base, full=draw(st.booleans()), hours_per_week=draw(st.one_of(st.none(), HOURS)))
    if kind == "relapse":
        return Relapse(
            **base,
            back_to=draw(st.one_of(st.none(), st.sampled_from(list(Phase)[:7]))),
            hours_per_week=draw(st.one_of(st.none(), HOURS)),
        )
    if kind == "ended":
        return EmploymentEnded(**base)
    if kind == "withdrawn":
        return Withdrawn(**base)
    if kind == "step":
        return StepRecorded(**base, step=draw(st.sampled_from(list(StepKey))))
    if kind == "buddy":
        return BuddyConsent(**base, given=draw(st.booleans()))
    if kind == "driegesprek":
        return DriegesprekHeld(**base)
    if kind == "preference":
        return PreferenceChanged(
            **base, preference=ContactPreference(weekday=draw(st.integers(0, 6)), hour=draw(st.integers(7, 18)))
        )
    if kind == "loonsanctie":
        return LoonsanctieImposed(**base, weeks=draw(st.integers(1, 20)))
    if kind == "resolve":
        keys = [s.key for s in facts.signals] or ["none"]
        return SignalResolved(**base, signal_key=draw(st.sampled_from(keys)))
    raise AssertionError(kind)


COMMON = [
    "pa",
    "plan",
    "therapeutic",
    "build_up",
    "build_up",
    "hours",
    "hours",
    "hours",
    "talk",
    "talk",
    "feedback",
    "complaints",
    "resume",
    "evaluation",
    "evaluation",
    "eje",
    "tweede_spoor",
    "recovered",
    "relapse",
    "relapse",
    "step",
    "step",
    "buddy",
    "driegesprek",
    "preference",
    "loonsanctie",
    "resolve",
    "tick",
    "tick",
    "tick",
    "tick",
]
RARE = ["ended", "withdrawn"]
KIND = st.one_of(
    st.sampled_from(COMMON),
    st.sampled_from(COMMON),
    st.sampled_from(COMMON),
    st.sampled_from(COMMON),
    st.sampled_from(COMMON),
    st.sampled_from(COMMON),
    st.sampled_from(COMMON),
    st.sampled_from(RARE),
)
PREFIX = [(1, "pa"), (8, "plan"), (3, "build_up"), (7, "hours")]


def check_invariants(facts: CaseFacts, previous: CaseFacts | None) -> None:
    phase = Phase(facts.phase)
    if facts.closed:
        assert phase in END_PHASES
    if phase in END_PHASES - {Phase.hersteld}:
        assert facts.closed
    if phase == Phase.ziekgemeld:
        assert facts.probleemanalyse_on is None
    if phase == Phase.probleemanalyse:
        assert facts.probleemanalyse_on is not None and facts.plan_signed_on is None
    if phase in (Phase.plan_van_aanpak, Phase.evaluatie, Phase.tweede_spoor):
        assert facts.plan_signed_on is not None
    if phase == Phase.tweede_spoor:
        assert facts.tweede_spoor_started_on is not None
    if phase in SICK_PHASES:
        assert facts.working_since is None
    if phase in (Phase.arbeidstherapeutisch, Phase.opbouw):
        assert facts.working_since is not None
    if facts.plan_signed_on is not None:
        assert facts.probleemanalyse_on is not None and facts.plan_signed_on >= facts.probleemanalyse_on
    validate_periods(facts.periods)
    if phase == Phase.hersteld:
        assert facts.periods[-1].end is not None and facts.recovered_on is not None
    elif not facts.closed:
        assert facts.periods[-1].end is None and facts.recovered_on is None
    # Never lose a deadline.
    keys = [d.key for d in case_timeline(facts)]
    assert keys == list(DeadlineKey)
    # Calendar: one active series per slot and per kind; none once the case stopped running.
    active = [s for s in facts.series if s.active]
    assert len({s.slot for s in active}) == len(active)
    assert len({s.kind for s in active}) == len(active)
    if facts.closed or phase == Phase.hersteld:
        assert not active
    assert len({s.series_id for s in facts.series}) == len(facts.series)
    assert len({s.key for s in facts.signals}) == len(facts.signals)
    if previous is not None:
        done_before = {d.key for d in case_timeline(previous) if d.done_on}
        done_now = {d.key for d in case_timeline(facts) if d.done_on}
        assert done_before <= done_now
        assert facts.history[: len(previous.history)] == previous.history
        for old in previous.series:
            new = next(s for s in facts.series if s.series_id == old.series_id)
            assert new.sequence >= old.sequence
            assert not (new.active and not old.active)
        assert set(previous.emitted) <= set(facts.emitted)


@st.composite
def scenarios(draw: Any) -> tuple[date, list[tuple[int, str]]]:
    first = draw(st.dates(min_value=date(2023, 12, 1), max_value=date(2028, 3, 1)))
    days = st.one_of(st.integers(0, 30), st.integers(0, 10), st.sampled_from([90, 200]))
    steps = draw(st.lists(st.tuples(days, KIND), min_size=1, max_size=35))
    prefix = PREFIX[: draw(st.integers(0, len(PREFIX)))]
    return first, prefix + steps


@SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_no_sequence_of_triggers_breaks_the_rules(
    scenario: tuple[date, list[tuple[int, str]]], data: st.DataObject
) -> None:
    first, steps = scenario
    now = at(first.year, first.month, first.day, 8)
    decision = opened(first, now)
    facts = decision.facts
    seen_keys = [e.key for e in decision.effects]
    check_invariants(facts, None)
    for days, kind in steps:
        now = now + timedelta(days=days, hours=data.draw(st.integers(0, 12)))
        if kind == "tick":
            result = tick(facts, now)
            due = next_due(result.facts, now)
            assert due is None or due > now
            assert tick(result.facts, now).effects == []  # idempotent
        else:
            event = _event(kind, data.draw, now, facts)
            snapshot = copy.deepcopy(facts)
            try:
                result = decide(facts, event, now)
            except Refused as refused:
                assert refused.reason_nl and refused.reason_en
                assert facts == snapshot  # a refused event changes nothing
                continue
            assert facts == snapshot  # the input is untouched
            assert decide(facts, event, now) == result  # determinism
        check_invariants(result.facts, facts)
        seen_keys += [e.key for e in result.effects]
        facts = result.facts
    assert len(seen_keys) == len(set(seen_keys)), "an effect key was emitted twice"
    adapter = TypeAdapter(CaseFacts)
    assert adapter.validate_json(adapter.dump_json(facts)) == facts


@SETTINGS
@given(first=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)), hour=st.integers(0, 23))
def test_a_case_left_alone_runs_its_two_years_to_wia(first: date, hour: int) -> None:
    now = at(first.year, first.month, first.day, hour)
    facts = opened(first, now).facts
    keys: list[str] = []
    for _ in range(300):
        due = next_due(facts, now)
        if due is None:
            break
        assert due >= now or facts == tick(facts, now).facts
        now = max(due, now)
        result = tick(facts, now)
        keys += [e.key for e in result.effects]
        check_invariants(result.facts, facts)
        facts = result.facts
    assert facts.closed and facts.phase == "wia"
    assert len(keys) == len(set(keys))
    alerted = {k.split(":")[3] for k in keys if ":signal:deadline_overdue:" in k}
    assert alerted == {
        "arbodienst_report",
        "probleemanalyse",
        "plan_van_aanpak",
        "uwv_42_week_report",
        "eerstejaarsevaluatie",
        "tweede_spoor",
        "actueel_oordeel",
        "riv_to_employee",
        "wia_application",
    }
