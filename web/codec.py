"""The codec endpoint of the Temporal UI: ``POST /codec/decode`` and ``POST /codec/encode``.

The workflow history is encrypted (:mod:`reintegratie.config.payload_codec`); the Temporal UI shows
it in plain text only through a codec server, which this is, behind the product's sign-in. Only HR
and auditors get plain payloads, as they see every case in the product itself: anyone else who is
signed in gets 403, nobody signed in 401. The UI sends the sign-in cookie when its codec setting
"include credentials" is on (``TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true``); a personal API token
(``Authorization: Bearer``) works too.

The bodies are Temporal's codec-server protocol: a ``Payloads`` message in protobuf's JSON form,
``{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}``, the same shape back.

Only the configured Temporal UI origin (``REINTEGRATIE_TEMPORAL_UI_ORIGIN``) may call these two paths
from a browser (CORS, with credentials): :class:`CodecCors` adds CORS to them and to nothing else.
A request signed in by cookie whose ``Origin`` is neither this app nor that UI is refused (403): the
UI cannot send the forms' CSRF token, so the origin stands in for it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, field_validator
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload

from reintegratie.config.payload_codec import EncryptionCodec, PayloadKeyError
from reintegratie.config.settings import Settings
from web.access import SEES_EVERY_CASE
from web.auth import Principal, SignInRequired, signed_in
from web.error_answers import INVALID_INPUT, problem

PREFIX = "/codec"
MAX_PAYLOADS = 1000


def _base64(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be standard base64 (A-Z, a-z, 0-9, + and /, padded with =)") from None
    return value


class CodecPayload(BaseModel):
    """One Temporal payload in protobuf's JSON form: bytes as base64."""

    metadata: dict[str, str] = Field(default_factory=dict, description="each value base64, e.g. encoding")
    data: str = Field(default="", description="the payload's bytes, base64")

    @field_validator("data")
    @classmethod
    def _data(cls, value: str) -> str:
        return _base64(value)

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, str]) -> dict[str, str]:
        for item in value.values():
            _base64(item)
        return value

    def to_proto(self) -> Payload:
        return Payload(
            metadata={key: base64.b64decode(value) for key, value in self.metadata.items()},
            data=base64.b64decode(self.data),
        )

    @classmethod
    def of(cls, payload: Payload) -> CodecPayload:
        return cls(
            metadata={key: base64.b64encode(value).decode() for key, value in payload.metadata.items()},
            data=base64.b64encode(payload.data).decode(),
        )


class CodecPayloads(BaseModel):
    """Temporal's codec-server body: ``{"payloads": [{"metadata": {...}, "data": "..."}]}``."""

    payloads: list[CodecPayload] = Field(default_factory=list, max_length=MAX_PAYLOADS)


def _allowed_origins(settings: Settings) -> frozenset[str]:
    scheme, _, rest = settings.public_url.partition("://")
    own = f"{scheme}://{rest.split('/', 1)[0]}"
    return frozenset({own} | ({settings.temporal_ui_origin} if settings.temporal_ui_origin else set()))


async def codec_reader(request: Request) -> Principal:
    """HR or an auditor, signed in by token or by cookie (then from this app or the Temporal UI)."""
    try:
        principal = await signed_in(request)
    except SignInRequired:
        raise HTTPException(
            status_code=401,
            detail="Sign in first: as HR or auditor in this app (the Temporal UI sends the cookie), "
            "or send 'Authorization: Bearer <personal API token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    if principal.role not in SEES_EVERY_CASE:
        raise HTTPException(status_code=403, detail="Only HR and auditors may read the workflow history.")
    origin = request.headers.get("origin")
    if principal.via == "session" and origin is not None and origin not in _allowed_origins(request.app.state.settings):
        raise HTTPException(status_code=403, detail="Only this app and the configured Temporal UI may ask.")
    return principal


def _codec(request: Request) -> EncryptionCodec | None:
    codec: EncryptionCodec | None = request.app.state.payload_codec
    return codec


_ANSWERS: dict[int | str, dict[str, Any]] = (
    problem(401, "Not signed in: sign in to this app (the UI sends its cookie) or send a personal API token.")
    | problem(403, "Signed in, but not as HR or auditor (or from an origin that is neither this app nor the UI).")
    | problem(400, "A payload cannot be decrypted with the configured keys (its key id is named).")
    | INVALID_INPUT
)

router = APIRouter(prefix=PREFIX, tags=["codec"])
Reader = Annotated[Principal, Depends(codec_reader)]


@router.post("/decode", responses=_ANSWERS)
async def decode(request: Request, body: CodecPayloads, reader: Reader) -> CodecPayloads:
    """The payloads in plain form: encrypted ones decrypted, plain ones (older histories) as they are."""
    codec = _codec(request)
    payloads = [payload.to_proto() for payload in body.payloads]
    try:
        decoded = await codec.decode(payloads) if codec is not None else payloads
    except PayloadKeyError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return CodecPayloads(payloads=[CodecPayload.of(payload) for payload in decoded])


@router.post("/encode", responses=_ANSWERS)
async def encode(request: Request, body: CodecPayloads, reader: Reader) -> CodecPayloads:
    """The payloads encrypted with the current key (as the worker would send them); as they are without keys."""
    codec = _codec(request)
    payloads = [payload.to_proto() for payload in body.payloads]
    encoded = await codec.encode(payloads) if codec is not None else payloads
    return CodecPayloads(payloads=[CodecPayload.of(payload) for payload in encoded])


class CodecCors:
    """CORS for the codec paths only, for one origin (the Temporal UI), with credentials: Starlette's
    CORSMiddleware around the app for ``/codec/...``; every other path has no CORS at all."""

    def __init__(self, app: ASGIApp, *, origin: str | None) -> None:
        self.app = app
        self.cors: ASGIApp | None = None
        if origin:
            self.cors = CORSMiddleware(
                app,
                allow_origins=[origin],
                allow_credentials=True,
                allow_methods=["POST"],
                allow_headers=["Content-Type", "X-Namespace", "Authorization"],
                max_age=600,
            )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.cors is not None and scope["type"] == "http" and str(scope.get("path", "")).startswith(PREFIX + "/"):
            await self.cors(scope, receive, send)
            return
        await self.app(scope, receive, send)
