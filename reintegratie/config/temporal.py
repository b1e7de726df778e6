"""How every part of reintegratie connects to Temporal: one address, namespace and data converter."""

from __future__ import annotations

import dataclasses
import functools
import random
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import TypeAdapter
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker._workflow_instance import _WorkflowInstanceImpl
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    EncodingPayloadConverter,
    JSONPlainPayloadConverter,
)

from reintegratie.config import payload_walks
from reintegratie.config.settings import Settings

payload_walks.install()  # every worker and replayer of ours runs with DATA_CONVERTER below: no codec

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


def _case_converters() -> tuple[EncodingPayloadConverter, ...]:
    json_converter = _SharedCacheJSONConverter()
    return tuple(
        json_converter if isinstance(converter, JSONPlainPayloadConverter) else converter
        for converter in DefaultPayloadConverter.default_encoding_payload_converters
    )


_CASE_CONVERTERS = _case_converters()


class CasePayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, with pydantic (dates, nested dataclasses) for JSON.

    The SDK builds a new payload converter for every data converter it derives, twice per workflow
    activation; the encoding converters hold no state of their own, so all of them share one set.
    """

    def __init__(self) -> None:
        super().__init__(*_CASE_CONVERTERS)


DATA_CONVERTER = DataConverter(payload_converter_class=CasePayloadConverter)


def _own_copy(message: Any) -> Any:
    """A protobuf message in an arena of its own (a sub-message keeps its parent's whole arena alive)."""
    if message is None:
        return None
    copy = type(message)()
    copy.CopyFrom(message)
    return copy


def _own_copies(messages: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _own_copy(value) for key, value in messages.items()}


def _detached(det: WorkflowInstanceDetails) -> WorkflowInstanceDetails:
    """The run's details without references into its first activation.

    The SDK hands a run sub-messages of the activation that started it (the last completion result,
    the last failure, the headers and memo in its info). With protobuf's upb backend each of them
    keeps the whole parsed activation (arguments, search attributes, ...) in memory for as long as
    the run stays cached. Copies of the few small messages hold only themselves.
    """
    info = dataclasses.replace(
        det.info,
        headers=_own_copies(det.info.headers),
        raw_memo=_own_copies(det.info.raw_memo),
    )
    return dataclasses.replace(
        det, info=info, last_completion_result=_own_copy(det.last_completion_result), last_failure=_own_copy(det.last_failure)
    )


class _LeanWorkflowInstance(_WorkflowInstanceImpl):  # type: ignore[misc]
    """The SDK's workflow instance, holding no protobuf arenas between activations, and nothing per
    run that every run could share.

    After an activation the SDK's instance keeps its completion and two fields of the activation
    (the internal flags, the deployment version; each keeps the whole activation's arena alive), and
    its workflow input keeps the first activation's headers. A cached case waits between
    activations almost all of its life, so these are copied out or dropped: the next activation
    replaces each of them before it is read again.

    Per run, the SDK also seeds a ``random.Random`` (2.5 KB of state, and the case never asks for
    randomness) and copies the class's table of update handlers (one entry per rule-bound update).
    The generator is made when first asked for, from the seed as it is then, which gives the same
    numbers as one made at the start and reseeded on the way. The update table is the class's own,
    read-only: a workflow that added an update handler at run time would fail loudly, not share it.
    Measured with bench.worker_memory.
    """

    def __init__(self, det: WorkflowInstanceDetails) -> None:
        super().__init__(det)
        self._random = None
        self._updates = MappingProxyType(self._defn.updates)

    def workflow_random(self) -> random.Random:
        self._assert_not_read_only("random")
        if self._random is None:
            self._random = random.Random(self._current_seed)
        return self._random  # type: ignore[no-any-return]

    def _apply_update_random_seed(self, job: Any) -> None:
        if self._random is None:
            self._random = random.Random(job.randomness_seed)  # reseeded to the same seed just below
        super()._apply_update_random_seed(job)

    def activate(self, act: Any) -> Any:
        completion = super().activate(act)
        self._current_completion = None  # type: ignore[assignment]  # set anew by every activation
        self._current_internal_flags = tuple(self._current_internal_flags)  # type: ignore[assignment]
        self._deployment_version_for_current_task = _own_copy(self._deployment_version_for_current_task)
        return completion

    def _make_workflow_input(self, init_job: Any) -> Any:
        workflow_input = super()._make_workflow_input(init_job)
        return dataclasses.replace(workflow_input, headers=_own_copies(workflow_input.headers))


class LeanInstanceRunner(UnsandboxedWorkflowRunner):
    """The runner of every case: the SDK's workflow instance, lean between activations, without
    the SDK's sandbox.

    What the sandbox still did for us: with every module passed through (re-importing our modules
    per run cost most of a cached case's memory and start-up time), its import-time restrictions
    (``datetime.now``, ``random``, ...) no longer reached our code, and what was left was a run-time
    refusal of ``open``, ``input`` and ``breakpoint``. For that it wrapped ``isinstance`` and
    ``issubclass`` for the whole process and swapped builtins and ``sys.modules`` around every
    activation, and kept an importer per run: in bench.replay 116.6 → 101.0 ms CPU per replay of
    two_year_wia without it (median of 90 replays each, alternating), in bench.worker_memory 98–100
    → 94.7 KB per open case. What keeps the workflow deterministic is
    tests/workflows/test_sandbox.py: it reads the source of every module the case workflow imports
    and refuses the clock, randomness, threads, the environment and I/O. Replayers must use this
    runner too.
    """

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _LeanWorkflowInstance(_detached(det))  # type: ignore[abstract]


WORKFLOW_RUNNER = LeanInstanceRunner()


async def connect(settings: Settings, *, runtime: Any = None) -> Client:
    """``runtime``: a ``temporalio.runtime.Runtime`` (e.g. with Prometheus metrics); None: the default."""
    options: dict[str, Any] = {"runtime": runtime} if runtime is not None else {}
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
        **options,
    )
