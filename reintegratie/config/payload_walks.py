"""Skip the SDK's payload walks around a workflow activation when they cannot change anything.

Around every workflow activation temporalio 1.35 walks every payload of the activation three times
(``temporalio.bridge.worker.decode_activation``: codec-decode references, fetch from external
storage, codec-decode) and every payload of the completion three times (``encode_completion``), and
for each payload it derives the serialization context of its command. Without a payload codec and
without external storage every step of every walk returns its payloads unchanged; the SDK's own
``DataConverter._decode_payload_has_effect`` names that condition. Before the generic payload
visitor (sdk-python pull request 1075) the worker decoded an activation and encoded its completion
only "if there's a codec"; this restores that skip, with external storage counted in.

What it saves: the walks were the largest share of replaying a case (py-spy of bench.replay:
``PayloadVisitor.visit`` in 7,624 of 19,500 samples of the event loop's thread) and of every live
workflow task. With a codec or external storage configured the SDK's walks run as before.
"""

from __future__ import annotations

from typing import Any

import temporalio.bridge.worker as bridge_worker
from temporalio.converter import DataConverter
from temporalio.converter._extstore import StorageOperationMetrics

_sdk_decode_activation = bridge_worker.decode_activation
_sdk_encode_completion = bridge_worker.encode_completion


def walks_have_effect(data_converter: DataConverter) -> bool:
    return data_converter.payload_codec is not None or data_converter.external_storage is not None


async def decode_activation(activation: Any, data_converter: DataConverter, *args: Any, **kwargs: Any) -> StorageOperationMetrics:
    if not walks_have_effect(data_converter):
        return StorageOperationMetrics()
    return await _sdk_decode_activation(activation, data_converter, *args, **kwargs)


async def encode_completion(completion: Any, data_converter: DataConverter, *args: Any, **kwargs: Any) -> StorageOperationMetrics:
    if not walks_have_effect(data_converter):
        return StorageOperationMetrics()
    return await _sdk_encode_completion(completion, data_converter, *args, **kwargs)


def install() -> None:
    """Put the skipping walks in the SDK's place (idempotent; the workflow worker looks them up per activation)."""
    bridge_worker.decode_activation = decode_activation  # type: ignore[assignment]
    bridge_worker.encode_completion = encode_completion  # type: ignore[assignment]
