"""Workflow payloads encrypted before they reach Temporal: AES-256-GCM, with key ids for rotation.

Everything a case carries (names, addresses, typed-in text) sits in the Temporal history, which the
Temporal UI shows to anyone who reaches it. :class:`EncryptionCodec` is a
``temporalio.converter.PayloadCodec``: the SDK runs it on every payload the client, the worker and
the replayer send or read (inputs, results, signals, updates, queries, memo; failure messages too,
with the encoded-attributes failure converter of :mod:`reintegratie.config.temporal`). Search
attributes are not encoded by the SDK; ours carry no personal data (:mod:`workflows.search_attributes`).

The keys come from ``REINTEGRATIE_PAYLOAD_KEYS``: comma-separated ``keyid:base64key`` entries, each
key 32 random bytes. The first key encrypts; every key decrypts. An encrypted payload names its key
in its metadata (``encryption-key-id``), so a key is rotated by putting a new one first and keeping
the old ones after it for as long as histories encrypted with them exist.

A payload without this codec's encoding (a history from before the codec) is returned as it is, so
old histories still replay. A payload encrypted with a key that is not configured, or with another
key under the same id, or changed since, is refused with :class:`PayloadKeyError`, never passed on
as garbage.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
"""The ``encoding`` metadata of an encrypted payload (the name Temporal's samples use)."""
KEY_ID_METADATA = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # AES-GCM's standard nonce, random per payload
_AAD = b"reintegratie payload v1"
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
VARIABLE = "REINTEGRATIE_PAYLOAD_KEYS"
MAKE_KEY = (
    'make one with: python3 -c "import base64, secrets; '
    "print('k1:' + base64.b64encode(secrets.token_bytes(32)).decode())\""
)


class PayloadKeyError(Exception):
    """A payload cannot be decrypted with the configured keys; the message says which key id and what to do."""


@dataclass(frozen=True, repr=False)
class PayloadKey:
    key_id: str
    secret: bytes

    def __repr__(self) -> str:  # never the key itself in a log or a traceback
        return f"PayloadKey({self.key_id!r})"


def new_key_entry(key_id: str = "k1") -> str:
    """A fresh ``keyid:base64key`` entry (32 random bytes)."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def parse_payload_keys(text: str) -> tuple[PayloadKey, ...]:
    """``keyid:base64key,keyid:base64key`` -> the keys, the encrypting one first; ValueError says what is wrong.

    The messages never repeat a key.
    """
    keys: list[PayloadKey] = []
    for position, entry in enumerate((part.strip() for part in text.split(",")), start=1):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.match(key_id):
            raise ValueError(
                f"entry {position} must be keyid:base64key with a key id of letters, digits, '.', '_' or '-' "
                f"(at most 64); {MAKE_KEY}"
            )
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"the key of {key_id!r} is not valid base64; {MAKE_KEY}") from None
        if len(secret) != KEY_BYTES:
            raise ValueError(
                f"the key of {key_id!r} must be {KEY_BYTES} bytes (AES-256), not {len(secret)}; {MAKE_KEY}"
            )
        if any(key.key_id == key_id for key in keys):
            raise ValueError(f"key id {key_id!r} is given twice; every key needs its own id")
        keys.append(PayloadKey(key_id, secret))
    if not keys:
        raise ValueError(f"holds no key; {MAKE_KEY}")
    return tuple(keys)


def is_encrypted(payload: Payload) -> bool:
    return payload.metadata.get("encoding") == ENCODING


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over the whole serialized payload (its data and its metadata, such as the JSON
    encoding), under the first key; decrypts with any of the keys, by the id in the metadata."""

    def __init__(self, keys: Sequence[PayloadKey]) -> None:
        if not keys:
            raise ValueError(f"{VARIABLE} holds no key")
        self._encrypting = keys[0]
        self._ciphers = {key.key_id: AESGCM(key.secret) for key in keys}
        self.key_ids = tuple(key.key_id for key in keys)

    @classmethod
    def from_text(cls, text: str) -> EncryptionCodec:
        return cls(parse_payload_keys(text))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        if is_encrypted(payload):
            return payload  # never twice
        key_id = self._encrypting.key_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), _AAD + key_id.encode())
        return Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if not is_encrypted(payload):
            return payload  # plain: a history from before the codec
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadKeyError(
                f"A payload is encrypted with key id {key_id!r}, which {VARIABLE} does not hold "
                f"(it holds {', '.join(self.key_ids)}). Put that key back after the current one: "
                "old keys stay configured for as long as histories encrypted with them exist."
            )
        try:
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], _AAD + key_id.encode())
        except InvalidTag:
            raise PayloadKeyError(
                f"A payload with key id {key_id!r} does not decrypt: the key configured under that id in "
                f"{VARIABLE} is not the one it was encrypted with, or the payload was changed."
            ) from None
        return Payload.FromString(plain)
