"""How every part of reintegratie connects to Temporal: one address, namespace, data converter
(with the payload codec when keys are configured) and workflow runner, all of them the SDK's own."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    PayloadCodec,
)
from temporalio.worker import UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import (
    SandboxedWorkflowRunner,
    SandboxRestrictions,
)

from reintegratie.config.payload_codec import EncryptionCodec
from reintegratie.config.settings import Settings

# The SDK's pydantic JSON converter (dates, nested dataclasses), made once for the process.
_PYDANTIC_JSON = PydanticJSONPlainPayloadConverter()
_ENCODING_CONVERTERS = tuple(
    _PYDANTIC_JSON if isinstance(converter, JSONPlainPayloadConverter) else converter
    for converter in DefaultPayloadConverter.default_encoding_payload_converters
)


class CasePayloadConverter(CompositePayloadConverter):
    """What ``temporalio.contrib.pydantic.PydanticPayloadConverter`` is (the SDK's default converters,
    pydantic's for JSON), with one pydantic converter for the whole process.

    The SDK makes a payload converter from this class for every workflow run and twice per workflow
    activation. The SDK's class makes a new pydantic converter each time, with an empty cache of
    type adapters, so every run builds the schemas of the case's payloads again and keeps them while
    it is cached: with ``temporalio.contrib.pydantic.pydantic_data_converter`` itself,
    bench.worker_memory measured 517 KB per open case instead of 121, and bench.replay's two_year_wia
    took 1.2 times as long. The encoding converters hold no state but that cache, so all instances
    of this class share them (a documented use of a nullary ``payload_converter_class``).
    """

    def __init__(self) -> None:
        super().__init__(*_ENCODING_CONVERTERS)


DATA_CONVERTER = DataConverter(payload_converter_class=CasePayloadConverter)
"""Payloads as plain JSON: without keys (tests, tools, and histories from before the codec)."""


def payload_codec(settings: Settings) -> EncryptionCodec | None:
    """The payload codec of these settings: AES-GCM with ``REINTEGRATIE_PAYLOAD_KEYS``; None without keys."""
    if settings.payload_keys is None:
        return None
    return EncryptionCodec.from_text(settings.payload_keys.get_secret_value())


def data_converter(settings: Settings) -> DataConverter:
    """What every client, worker and replayer of these settings uses: :data:`DATA_CONVERTER`
    without keys; with keys, the same payload converter class (one pydantic converter for the
    process, see :class:`CasePayloadConverter`) with the encryption codec, and failures whose
    message and stack trace are encoded too (they may quote a name or an address)."""
    codec = payload_codec(settings)
    if codec is None:
        return DATA_CONVERTER
    return encrypted_converter(codec)


def encrypted_converter(codec: PayloadCodec) -> DataConverter:
    return DataConverter(
        payload_converter_class=CasePayloadConverter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


# Our modules that the case workflow imports and that hold no state and touch no clock, randomness
# or I/O: a sandbox passes them through (imported once, outside it) instead of importing them again
# for every run. The workflow's own module, workflows.case, is not among them: each sandboxed run
# imports it inside the sandbox, where the clock, randomness, threads and I/O are refused.
PURE_MODULES = (
    "states",
    "contracts",
    "workflows.absence",
    "workflows.attendees",
    "workflows.briefing",
    "workflows.commands",
    "workflows.describe",
    "workflows.dispatch",
    "workflows.dossier",
    "workflows.history_import",
    "workflows.idempotency",
    "workflows.memory",
    "workflows.people",
    "workflows.replies",
    "workflows.search_attributes",
    "workflows.work_items",
)

# Every worker and replayer runs the case workflow with the SDK's unsandboxed runner. The sandbox
# (SANDBOXED_RUNNER) imports workflows.case again for every run and keeps that copy while the run
# is cached, and wraps every activation: 252 KB per open case instead of 121 (bench.worker_memory),
# two_year_wia's replay 4.5 times the SDK's floor instead of 2.4 (bench.replay), against a budget
# of 120 KB and 2.5. What the sandbox would refuse at run time, tests/workflows/test_sandbox.py
# refuses in the source, and tests/workflows/test_replay.py replays every history under the
# sandbox as well.
WORKFLOW_RUNNER = UnsandboxedWorkflowRunner()
SANDBOXED_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*PURE_MODULES)
)


async def connect(settings: Settings, *, runtime: Any = None) -> Client:
    """``runtime``: a ``temporalio.runtime.Runtime`` (e.g. with Prometheus metrics); None: the default."""
    options: dict[str, Any] = {"runtime": runtime} if runtime is not None else {}
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        **options,
    )
