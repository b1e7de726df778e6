"""The custom search attributes of a case: no personal data, only what HR filters on.

They must be registered on the server (`reintegratie dev` does so for the embedded server;
docker-compose does so for the cluster) before a case is started.

The policy of what they say lives here, and only here: :func:`at_start` for the starter (the web
app sets them all when it starts a case, so the case's first workflow task has nothing to upsert),
:func:`search_values` and :func:`changes` for the workflow after every decision.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    SearchAttributeUpdate,
    TypedSearchAttributes,
)

import states
from states.case import UpcomingItem
from states.facts import CaseFacts
from states.kinds import SignalKind
from workflows.memory import SearchValues

CASE_PHASE = SearchAttributeKey.for_keyword("CasePhase")
# The next statutory milestone (not the periodic evaluation: RECURRING_DEADLINES below).
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
STAGNATION = SearchAttributeKey.for_bool("Stagnation")
ORG_UNIT = SearchAttributeKey.for_keyword("OrgUnit")

ALL = (CASE_PHASE, NEXT_DEADLINE, OVERDUE, STAGNATION, ORG_UNIT)

# NextDeadline names the next milestone of the law's timeline. The plan's periodic evaluation is
# left out: it moves after every evaluation, and each move would be an upsert (a billable action);
# the read model's next deadline and the Overdue flag include it.
RECURRING_DEADLINES = frozenset({"evaluation"})

# What the workflow keeps up to date, by the field of SearchValues that holds it (OrgUnit is set at
# the start and never changes).
_KEPT: tuple[tuple[SearchAttributeKey[Any], str], ...] = (
    (CASE_PHASE, "phase"),
    (NEXT_DEADLINE, "next_deadline"),
    (OVERDUE, "overdue"),
    (STAGNATION, "stagnation"),
)

_CLI_TYPES = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}


def cli_flags() -> list[str]:
    """`--search-attribute NAME=Type` flags for `temporal server start-dev`."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={_CLI_TYPES[key.indexed_value_type.name]}"]
    return flags


async def register(client: Client, namespace: str) -> None:
    """Register the attributes through the operator service (test servers, fresh clusters)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={key.name: IndexedValueType.ValueType(key.indexed_value_type.value) for key in ALL},
        )
    )


def _midnight_utc(day: Any) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def search_values(facts: CaseFacts, deadlines: list[UpcomingItem]) -> SearchValues:
    """What the search attributes should say now (``deadlines``: :func:`states.upcoming_deadlines`)."""
    return SearchValues(
        phase=facts.phase,
        next_deadline=next(
            (_midnight_utc(item.due) for item in deadlines if item.key not in RECURRING_DEADLINES), None
        ),
        overdue=any(item.overdue for item in deadlines),
        stagnation=any(signal.kind != SignalKind.deadline_overdue for signal in states.open_signals(facts)),
    )


def at_start(facts: CaseFacts, now: datetime, org_unit: str | None) -> TypedSearchAttributes:
    """The search attributes a case starts with: ``facts`` of the opening decision
    (:func:`states.open_case` at ``now``) and the case's org unit (none when empty)."""
    values = search_values(facts, states.upcoming_deadlines(facts, now))
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(CASE_PHASE, values.phase),
        SearchAttributePair(OVERDUE, values.overdue),
        SearchAttributePair(STAGNATION, values.stagnation),
    ]
    if values.next_deadline is not None:
        pairs.append(SearchAttributePair(NEXT_DEADLINE, values.next_deadline))
    if org_unit:
        pairs.append(SearchAttributePair(ORG_UNIT, org_unit))
    return TypedSearchAttributes(pairs)


def started_with(attributes: TypedSearchAttributes) -> SearchValues:
    """The search attributes the case was started with (:func:`at_start` sets them all)."""
    return SearchValues(
        phase=attributes.get(CASE_PHASE),
        next_deadline=attributes.get(NEXT_DEADLINE),
        overdue=attributes.get(OVERDUE),
        stagnation=attributes.get(STAGNATION),
    )


def changes(written: SearchValues, wanted: SearchValues) -> list[SearchAttributeUpdate[Any]]:
    """The upserts that bring the attributes from ``written`` to ``wanted``: only what differs."""
    updates: list[SearchAttributeUpdate[Any]] = []
    for key, name in _KEPT:
        value = getattr(wanted, name)
        if value != getattr(written, name):
            updates.append(key.value_set(value) if value is not None else key.value_unset())
    return updates
