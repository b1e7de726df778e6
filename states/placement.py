"""Where a case's talks go: never on top of another event of the same people (rules version 3). Pure.

Two steps, because the rules see one case and a person's calendar spans all of theirs:

1. Within the case, the rules avoid their own talks: :func:`states.cadence.reconcile` gives a talk
   that gets a new start the nearest start free of the case's other talks
   (:func:`states.slots.free_start`): an evaluation does not land on the employee's own check-in, a
   driegesprek not on the evaluation.
2. Across cases, the workflow asks. After a decision it knows which talks got a new start
   (:func:`to_place`); before it sends them it reads from the store what else their attendees have
   in their calendars (the feeds' state of all their other cases: an activity, whose answer the
   history keeps, so a replay places the same), and hands that to :func:`place`, which moves each
   such talk to the nearest free slot (:mod:`states.slots`) and changes the effect that carries it
   before anything is sent.

A moved start is remembered like any other: the series keeps its ``basis``, and
:func:`states.cadence.reconcile` keeps the start of a series whose basis did not change, so it does
not drift back on the next decision. Only a change of what the start was derived from (another
preferred time, another evaluation date) gives it a new start, which is placed again. A series moved
to another weekday gets the ``until`` the rules give that start (its last occurrence within the
horizon, :func:`states.cadence.until_for`).

Before rules version 3 nothing here changes anything: cases opened earlier go on as they were.
Two cases that plan at the very same moment may both read the other's calendar before either wrote
it; the next change of either places it again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from states.cadence import until_for
from states.clock import local, utc
from states.effects import Effect, SendSeries, UpdateSeries
from states.facts import CaseFacts, own, private_copy
from states.slots import PLACING_VERSION, Busy, free_start


def to_place(before: CaseFacts | None, after: CaseFacts) -> list[str]:
    """The ids of the series whose start ``after`` made (new series, or a new start of one), in
    order: the ones the workflow places among the events of other cases before it sends them.
    Empty before rules version 3."""
    if after.rules_version < PLACING_VERSION:
        return []
    starts = {series.series_id: series.start for series in before.series} if before is not None else {}
    return [
        series.series_id
        for series in after.series
        if series.active and (series.series_id not in starts or starts[series.series_id] != series.start)
    ]


@dataclass(frozen=True)
class Placed:
    """The facts with the series moved, the effects that send them, and the series ids that could
    not be placed now because a later decision changed them again (placed with its effects)."""

    facts: CaseFacts
    effects: list[Effect]
    deferred: list[str]


def place(facts: CaseFacts, effects: list[Effect], busy: Mapping[str, Sequence[Busy]], now: datetime) -> Placed:
    """Move each series named in ``busy`` (series id -> what else its attendees have) to the nearest
    free slot, in the facts and in the effect that sends it. ``facts`` is not changed.

    ``effects`` are the decided effects not sent yet; the effect placed is the one that carries the
    series' current SEQUENCE. When none does, a later decision changed the series again and its
    effect is still to come: the series is returned in ``deferred``. A series no longer active is
    left alone (its cancellation follows)."""
    new = private_copy(facts)
    result = list(effects)
    deferred: list[str] = []
    for series_id, elsewhere in busy.items():
        index = next((i for i, s in enumerate(new.series) if s.active and s.series_id == series_id), None)
        if index is None:
            continue
        series = new.series[index]
        position = next(
            (
                i
                for i, effect in enumerate(result)
                if isinstance(effect, (SendSeries, UpdateSeries))
                and effect.series_id == series_id
                and effect.sequence == series.sequence
            ),
            None,
        )
        if position is None:
            deferred.append(series_id)
            continue
        start = free_start(
            new,
            except_slots={series.slot},
            start=series.start,
            duration_minutes=series.duration_minutes,
            interval_weeks=series.interval_weeks,
            until=series.until,
            now=now,
            elsewhere=elsewhere,
        )
        if utc(start) == series.start:
            continue
        moved = own(new.series, index)
        moved.start = utc(start)
        until_of = until_for(new, series, now)
        if until_of is not None:
            moved.until = until_of(start)
        effect = result[position]
        assert isinstance(effect, (SendSeries, UpdateSeries))
        result[position] = replace(effect, start=local(start), until=moved.until)
    return Placed(facts=new, effects=result, deferred=deferred)
