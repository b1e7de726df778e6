"""Facts, events and effects survive Temporal's pydantic data converter (continue-as-new, payloads)."""

from datetime import timedelta

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter

from states import CaseFacts, next_due, tick
from states.effects import EFFECT_TYPES
from states.facts import CaseFacts as Facts
from tests.states.helpers import case_in, run_until
from tests.states.samples import SAMPLES

CONVERTER = pydantic_data_converter.payload_converter


def round_trip(value: object, kind: type) -> object:
    (payload,) = CONVERTER.to_payloads([value])
    (restored,) = CONVERTER.from_payloads([payload], [kind])
    return restored


@pytest.mark.parametrize("phase", ["ziekgemeld", "opbouw", "evaluatie", "tweede_spoor", "hersteld", "wia"])
def test_facts_round_trip_and_decide_the_same_afterwards(phase: str) -> None:
    facts, now = case_in(phase)
    facts, _ = run_until(facts, now + timedelta(days=60), now)
    restored = round_trip(facts, CaseFacts)
    assert isinstance(restored, Facts) and restored == facts
    later = now + timedelta(days=61)
    assert tick(restored, later) == tick(facts, later)
    assert next_due(restored, later) == next_due(facts, later)


@pytest.mark.parametrize("trigger", list(SAMPLES))
def test_events_round_trip(trigger: str) -> None:
    _, now = case_in("opbouw")
    event = SAMPLES[trigger](now)
    assert round_trip(event, type(event)) == event


def test_effects_round_trip() -> None:
    facts, now = case_in("opbouw")
    facts, effects = run_until(facts, now + timedelta(days=120), now)
    seen = set()
    for effect in effects:
        seen.add(type(effect))
        assert round_trip(effect, type(effect)) == effect
    assert len(seen) >= 5
    assert all(hasattr(cls, "__dataclass_fields__") and "key" in cls.__dataclass_fields__ for cls in EFFECT_TYPES)


def test_no_health_data_fields() -> None:
    import dataclasses

    import states.effects
    import states.events
    import states.facts

    forbidden = ("diagnos", "cause", "treatment", "medic", "illness", "ziekte_oorzaak", "behandel")
    for module in (states.events, states.facts, states.effects):
        for name in dir(module):
            cls = getattr(module, name)
            if isinstance(cls, type) and dataclasses.is_dataclass(cls):
                for field in dataclasses.fields(cls):
                    assert not any(word in field.name.lower() for word in forbidden), (cls, field.name)
