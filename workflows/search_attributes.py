"""The custom search attributes of a case: no personal data, only what HR filters on.

They must be registered on the server (`reintegratie dev` does so for the embedded server;
docker-compose does so for the cluster) before a case is started.
"""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey

CASE_PHASE = SearchAttributeKey.for_keyword("CasePhase")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")  # the next statutory milestone (not the periodic evaluation)
OVERDUE = SearchAttributeKey.for_bool("Overdue")
STAGNATION = SearchAttributeKey.for_bool("Stagnation")
ORG_UNIT = SearchAttributeKey.for_keyword("OrgUnit")

ALL = (CASE_PHASE, NEXT_DEADLINE, OVERDUE, STAGNATION, ORG_UNIT)

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
