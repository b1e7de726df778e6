"""How every part of reintegratie connects to Temporal: one address, namespace and data converter."""

from __future__ import annotations

from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from reintegratie.settings import Settings

# pydantic's converter serialises dates and nested dataclasses in payloads.
DATA_CONVERTER = pydantic_data_converter


async def connect(settings: Settings, *, runtime: Any = None) -> Client:
    """``runtime``: a ``temporalio.runtime.Runtime`` (e.g. with Prometheus metrics); None: the default."""
    options: dict[str, Any] = {"runtime": runtime} if runtime is not None else {}
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=DATA_CONVERTER,
        **options,
    )
