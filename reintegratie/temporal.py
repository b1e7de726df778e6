"""How every part of reintegratie connects to Temporal: one address, namespace and data converter."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import TypeAdapter
from temporalio.client import Client
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

from reintegratie.settings import Settings

# One cache of pydantic type adapters for the whole process. The SDK's pydantic converter keeps its
# cache per converter instance and drops it when the converter is copied, which the worker does for
# every workflow run: each run then rebuilt the schemas of the case's payloads (the largest share of
# a case's start-up time in the intake benchmark).
_shared_type_adapter = functools.lru_cache(maxsize=1024)(TypeAdapter)


class _SharedCacheJSONConverter(PydanticJSONPlainPayloadConverter):
    def __init__(self) -> None:
        super().__init__()
        self._type_adapter = _shared_type_adapter

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._type_adapter = _shared_type_adapter


class CasePayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, with pydantic (dates, nested dataclasses) for JSON."""

    def __init__(self) -> None:
        json_converter = _SharedCacheJSONConverter()
        super().__init__(
            *(
                json_converter if isinstance(converter, JSONPlainPayloadConverter) else converter
                for converter in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


DATA_CONVERTER = DataConverter(payload_converter_class=CasePayloadConverter)

# The sandbox still checks every call for non-determinism (the wall clock, randomness, I/O), but no
# module is imported anew for each workflow run: our workflow modules and the rules are pure and
# keep no module state, and re-importing them per run cost most of a cached case's memory and
# start-up time. Replayers must use the same runner.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_all_modules())


async def connect(settings: Settings, *, runtime: Any = None) -> Client:
    """``runtime``: a ``temporalio.runtime.Runtime`` (e.g. with Prometheus metrics); None: the default."""
    options: dict[str, Any] = {"runtime": runtime} if runtime is not None else {}
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
        **options,
    )
