"""What makes the rules cheap must not change what they answer: facts share what is never changed
(no later call changes facts handed out earlier, and what never changes is frozen), caches stay only
where a profile names them and, keyed by value, keep the type of what they give back, and the
per-thread phase machines answer alike from many threads."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import pkgutil
import re
import threading
import types
from datetime import date, timedelta
from typing import Any

import pytest

import states
from states import (
    BuildUpStarted,
    BuildUpStep,
    CaseFacts,
    Channel,
    ComplaintsReported,
    ContactPreference,
    EmployeeFeedback,
    HoursReported,
    Pace,
    PlanVanAanpak,
    PlanVanAanpakSigned,
    PreferenceChanged,
    ProbleemanalyseReceived,
    SignalResolved,
    decide,
    next_due,
    phases,
    tick,
    upcoming,
)
from states.agenda import agenda_items
from states.kinds import Phase
from tests.states.helpers import at, ev, opened


def _states_modules() -> list[types.ModuleType]:
    return [states] + [importlib.import_module(f"states.{info.name}") for info in pkgutil.iter_modules(states.__path__)]


CACHED = {
    "states.agenda.case_deadlines_of_inputs",
    "states.agenda._running_agenda",
    "states.signals._talk_schedule",
    "states.signals._unrecorded_scheduled_talks",
}
"""The rules' caches, each paid for by a profile figure in its docstring. A new cache needs one too."""

MUTABLE = {
    "states.facts.CaseFacts",
    "states.facts.RelapseRecord",
    "states.facts.Driegesprek",
    "states.facts.BuddyState",
    "states.facts.SeriesState",
    "states.facts.Signal",
    "states.timeline.SickPeriod",
}
"""The dataclasses the rules change in place (on a private copy, :func:`states.facts.private_copy`);
every other dataclass of the rules is frozen."""


def test_caches_stay_only_where_a_profile_names_them() -> None:
    cached = {}
    for module in _states_modules():
        for name, value in vars(module).items():
            if callable(getattr(value, "cache_clear", None)) and value.__module__ == module.__name__:
                cached[f"{module.__name__}.{name}"] = value
    assert set(cached) == CACHED
    for name, function in cached.items():
        doc = function.__doc__ or ""
        assert "profile" in doc and re.search(r"\d ms\s.*\s\d[\d,]* ms without this one", doc, re.S), name


def test_records_that_never_change_are_frozen() -> None:
    found = {}
    for module in _states_modules():
        for name, value in vars(module).items():
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    assert MUTABLE <= set(found)
    assert {name for name, cls in found.items() if not cls.__dataclass_params__.frozen} == MUTABLE


def test_a_frozen_record_of_the_facts_cannot_change() -> None:
    now = at(2026, 2, 2)
    facts = decide(opened(date(2026, 1, 5)).facts, ev(ProbleemanalyseReceived, now), now).facts
    change = facts.history[-1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.to_phase = "wia"


def test_the_package_exports_every_public_name() -> None:
    public = {
        name
        for name, value in vars(states).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(states.__all__) == sorted(public)


def _clear_caches() -> None:
    import sys

    for name, module in list(sys.modules.items()):
        if name == "states" or name.startswith("states."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def test_no_call_changes_facts_handed_out_before() -> None:
    """Signals and calendar series are shared between old and new facts until a rule changes one;
    every facts value handed out must stay exactly as it was, whatever comes after."""
    now = at(2026, 1, 5, 8)
    facts = opened(date(2026, 1, 5), now).facts
    handed_out: list[tuple[CaseFacts, CaseFacts]] = [(facts, copy.deepcopy(facts))]

    def step(event: Any | None, when: Any) -> None:
        nonlocal facts
        result = tick(facts, when) if event is None else decide(facts, event, when)
        facts = result.facts
        handed_out.append((facts, copy.deepcopy(facts)))

    step(ev(ProbleemanalyseReceived, at(2026, 2, 2)), at(2026, 2, 2))
    step(ev(PlanVanAanpakSigned, at(2026, 2, 10), plan=PlanVanAanpak(hours_per_week=4)), at(2026, 2, 10))
    schedule = [BuildUpStep(from_date=date(2026, 2, 16), hours_per_week=8)]
    step(ev(BuildUpStarted, at(2026, 2, 11), schedule=schedule), at(2026, 2, 11))
    now = at(2026, 2, 11)
    for week in range(1, 12):  # flat hours, no talks recorded: signals raised, evidence updated
        monday = date(2026, 2, 16) + timedelta(weeks=week)
        step(
            ev(
                HoursReported,
                at(monday.year, monday.month, monday.day, 11),
                week_of=monday - timedelta(weeks=1),
                hours=8 if week < 8 else 6,
            ),
            at(monday.year, monday.month, monday.day, 11),
        )
        if week == 5:
            step(
                ev(EmployeeFeedback, at(monday.year, monday.month, monday.day, 12), pace=Pace.too_fast),
                at(monday.year, monday.month, monday.day, 12),
            )
        if week == 9:
            step(
                ev(ComplaintsReported, at(monday.year, monday.month, monday.day, 12), lasting_days=9),
                at(monday.year, monday.month, monday.day, 12),
            )
        now = at(monday.year, monday.month, monday.day, 11)
        for _ in range(5):
            due = next_due(facts, now)
            if due is None or due > now + timedelta(days=7):
                break
            now = max(now, due)
            step(None, now)
    preference = ContactPreference(weekday=2, hour=14, channel=Channel.video)
    step(ev(PreferenceChanged, now, preference=preference), now)  # every series updated
    open_signal = next(signal for signal in facts.signals if signal.is_open)
    step(ev(SignalResolved, now, signal_key=open_signal.key), now)
    step(None, now + timedelta(days=3))

    assert len(facts.signals) >= 3 and len(facts.series) >= 3
    assert any(not signal.is_open for signal in facts.signals)
    for handed, snapshot in handed_out:
        assert handed == snapshot


def test_equal_hours_of_another_type_come_back_as_given() -> None:
    """8 and 8.0 hours are equal cache keys, but the agenda gives the value back as agreed."""
    now = at(2026, 2, 11)

    def case(hours: float) -> CaseFacts:
        facts = opened(date(2026, 1, 5)).facts
        facts = decide(facts, ev(ProbleemanalyseReceived, at(2026, 2, 2)), at(2026, 2, 2)).facts
        schedule = [BuildUpStep(from_date=date(2026, 2, 16), hours_per_week=hours)]
        return decide(facts, ev(BuildUpStarted, now, schedule=schedule), now).facts

    _clear_caches()
    as_float = repr(agenda_items(case(8.0)))
    as_int = repr(agenda_items(case(8)))  # the cache now holds the float case
    _clear_caches()
    assert repr(agenda_items(case(8))) == as_int
    assert as_int != as_float and "hours=8)" in as_int and "hours=8.0)" in as_float


def test_upcoming_is_the_same_with_cold_and_warm_caches() -> None:
    facts = opened(date(2026, 1, 5)).facts
    now = at(2026, 3, 1)
    _clear_caches()
    cold = upcoming(facts, now)
    assert upcoming(facts, now) == cold and upcoming(copy.deepcopy(facts), now) == cold


def test_phase_machines_answer_alike_from_many_threads() -> None:
    """Each thread has its own machine; answers from many threads at once match fresh machines."""
    combos = [(phase, trigger, dest) for trigger, sources, dest in phases.ROWS for phase in sources]
    expected = {}
    for phase, trigger, dest in combos:
        model, _ = phases.build_machine(phase)
        assert model.trigger(trigger, dest=dest)
        expected[(phase, trigger, dest)] = Phase(model.state)
    failures: list[str] = []

    def work(offset: int) -> None:
        for index in range(len(combos)):
            phase, trigger, dest = combos[(index + offset) % len(combos)]
            got = phases.fire(phase, trigger, dest)
            if got != expected[(phase, trigger, dest)]:
                failures.append(f"{phase} {trigger} {dest}: {got}")
            if dest not in phases.destinations(phase, trigger):
                failures.append(f"{phase} {trigger} {dest}: not among the destinations")

    threads = [threading.Thread(target=work, args=(n * 7,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
