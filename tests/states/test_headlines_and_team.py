"""Findings 7 and 1 of issue 18. Each signal's headline says what actually happened (a relapse without
any build-up is not "de opbouw stagneert"), with its evidence as data; a team notice says only what
the team needs (present or not, from when, how many hours, and which kind of change), and from
rules version 3 never comes for a step that changes nothing the team sees."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import TypeAdapter

from states import (
    BuildUpStarted,
    BuildUpStep,
    LoopInCoach,
    NotifyTeam,
    Phase,
    Recovered,
    Relapse,
    SignalKind,
    decide,
    tick,
)
from states.effects import EvidenceItem, SignalView
from states.facts import Evidence, Signal
from states.kinds import TeamNoticeKind
from states.signals import HEADLINES, view
from tests.states.helpers import at, ev, of_type, run_until
from tests.states.versions import case_as

# ------------------------------------------------------------------------------------ headlines


@pytest.mark.parametrize("version", [1, 3])
def test_a_relapse_without_any_build_up_is_not_called_stagnation(version: int) -> None:
    facts, now = case_as(version, "arbeidstherapeutisch")  # therapeutic work, never a build-up
    now = at(2026, 2, 20)
    decision = decide(facts, ev(Relapse, now, back_to=Phase.plan_van_aanpak), now)
    (loop,) = of_type(decision.effects, LoopInCoach)
    signal = loop.signal
    assert signal.kind == SignalKind.relapse
    assert (signal.headline_nl, signal.headline_en) == (
        "Terugval: werkt voorlopig niet",
        "Relapse: not working for the time being",
    )
    words = f"{signal.headline_nl} {signal.headline_en}".lower()
    assert "stagn" not in words and "opbouw" not in words and "build-up" not in words
    assert signal.evidence_items == (
        EvidenceItem(fact="relapse", value="arbeidstherapeutisch->plan_van_aanpak", on=date(2026, 2, 20)),
    )
    assert signal.evidence == ("2026-02-20 relapse=arbeidstherapeutisch->plan_van_aanpak",)  # kept as it was


def _relapse_view(effects: list) -> SignalView:
    (loop,) = [e for e in of_type(effects, LoopInCoach) if e.signal.kind == SignalKind.relapse]
    return loop.signal


def test_each_relapse_is_named_by_what_it_means_for_the_work() -> None:
    facts, now = case_as(3, "opbouw")
    now = at(2026, 3, 20)
    fewer = decide(facts, ev(Relapse, now, hours_per_week=4), now)
    assert _relapse_view(fewer.effects).headline_nl == "Terugval: minder uren (4 per week)"
    back = decide(facts, ev(Relapse, now, back_to=Phase.arbeidstherapeutisch, hours_per_week=4), now)
    assert _relapse_view(back.effects).headline_en == "Relapse: back to therapeutic work"
    recovered = decide(facts, ev(Recovered, now, full=True), now).facts
    later = at(2026, 3, 30)
    again = decide(recovered, ev(Relapse, later), later)
    assert _relapse_view(again.effects).headline_nl == "Opnieuw ziek na herstel"


def test_a_build_up_that_stands_still_is_called_so() -> None:
    facts, now = case_as(3, "opbouw")
    facts, effects = run_until(facts, at(2026, 4, 20), now)
    (loop,) = [e for e in of_type(effects, LoopInCoach) if e.signal.kind == SignalKind.hours_not_increased]
    assert loop.signal.headline_nl == "De opbouw staat stil: 4 weken geen uren erbij"
    assert {item.fact for item in loop.signal.evidence_items} >= {"build_up_since", "hours_agreed"}


def test_every_kind_has_a_headline_and_old_signals_get_one() -> None:
    assert set(HEADLINES) == set(SignalKind)
    assert all(nl and en for nl, en in HEADLINES.values())
    old = Signal(  # raised before headlines existed
        key="pace_wrong:2026-03-02",
        kind=SignalKind.pace_wrong,
        since=date(2026, 3, 2),
        raised_at=at(2026, 3, 2),
        evidence=[Evidence(fact="pace_from_employee", value="too_fast", on=date(2026, 3, 2))],
        text_nl="x",
        text_en="y",
    )
    shown = view(old)
    assert (shown.headline_nl, shown.headline_en) == HEADLINES[SignalKind.pace_wrong]
    assert shown.evidence_items == (EvidenceItem(fact="pace_from_employee", value="too_fast", on=date(2026, 3, 2)),)
    payload = {
        "key": "k",
        "kind": "relapse",
        "since": "2026-03-02",
        "evidence": ["2026-03-02 relapse=opbouw->opbouw"],
        "text_nl": "x",
        "text_en": "y",
    }
    loaded = TypeAdapter(SignalView).validate_python(payload)  # a payload from before the fields
    assert loaded.headline_nl == "" and loaded.evidence_items == ()


def test_the_overdue_headline_names_the_step_not_its_key() -> None:
    from states import AlertHROverdue

    facts, now = case_as(3, "ziekgemeld")
    decision = tick(facts, at(2026, 1, 12, 9))
    assert of_type(decision.effects, AlertHROverdue)
    (signal,) = decision.facts.signals
    assert signal.headline_nl == "Te laat: Ziekmelding bij de arbodienst"
    assert "_" not in signal.headline_nl + signal.headline_en


# ---------------------------------------------------------------------------------- team notices


def _team(effects: list) -> list[tuple[date, float, bool, str]]:
    return [(n.from_date, n.hours_per_week, n.present, n.kind) for n in of_type(effects, NotifyTeam)]


@pytest.mark.parametrize("version", [2, 3])
def test_the_team_hears_only_what_changes_for_it(version: int) -> None:
    facts, now = case_as(version, "plan_van_aanpak")
    now = at(2026, 2, 11)
    from states import TherapeuticWorkStarted

    facts = decide(facts, ev(TherapeuticWorkStarted, now, hours_per_week=4, on=date(2026, 2, 16)), now).facts
    # The build-up starts at the same 4 hours: nothing changes for the team on 2 March.
    schedule = [
        BuildUpStep(from_date=date(2026, 3, 2), hours_per_week=4),
        BuildUpStep(from_date=date(2026, 3, 16), hours_per_week=8),
    ]
    facts = decide(facts, ev(BuildUpStarted, now, schedule=schedule), now).facts
    facts, effects = run_until(facts, at(2026, 3, 18), now)
    told = _team(effects)
    expected = [
        (date(2026, 2, 16), 4, True, TeamNoticeKind.therapeutic),
        (date(2026, 3, 16), 8, True, TeamNoticeKind.hours_change),
    ]
    if version < 3:  # as found: a notice for every step, also the one that changes nothing
        expected.insert(1, (date(2026, 3, 2), 4, True, TeamNoticeKind.hours_change))
    assert told == expected
    # A relapse to not working: "voorlopig niet aanwezig", never a return with 0 hours.
    now = at(2026, 3, 20)
    decision = decide(facts, ev(Relapse, now, back_to=Phase.plan_van_aanpak), now)
    assert _team(decision.effects) == [(date(2026, 3, 20), 0, False, TeamNoticeKind.absent_for_now)]


def test_a_return_and_a_full_recovery_are_told_as_such() -> None:
    facts, now = case_as(3, "plan_van_aanpak")
    now = at(2026, 2, 11)
    schedule = [BuildUpStep(from_date=date(2026, 2, 16), hours_per_week=8)]
    facts = decide(facts, ev(BuildUpStarted, now, schedule=schedule), now).facts
    facts, effects = run_until(facts, at(2026, 2, 17), now)
    assert _team(effects) == [(date(2026, 2, 16), 8, True, TeamNoticeKind.returns)]
    now = at(2026, 3, 2)
    decision = decide(facts, ev(Recovered, now, full=True), now)
    assert _team(decision.effects) == [(date(2026, 3, 2), 36, True, TeamNoticeKind.recovered)]


def test_old_team_notices_still_load() -> None:
    payload = {
        "key": "k",
        "case_id": "case-1",
        "from_date": "2026-03-02",
        "hours_per_week": 8,
        "text_nl": "x",
        "text_en": "y",
    }
    notice = TypeAdapter(NotifyTeam).validate_python(payload)
    assert notice.present is True and notice.kind == ""
