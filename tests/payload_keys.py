"""Fixed payload keys for the tests (never used by the product: it makes or reads its own).

A fixed key lets a history recorded once with the codec (tests/workflows/histories) be replayed later.
"""

from __future__ import annotations

from temporalio.client import Client

from reintegratie.config.payload_codec import EncryptionCodec
from reintegratie.config.temporal import encrypted_converter

TEST_KEY_ONE = "test1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
TEST_KEY_TWO = "test2:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM="
TEST_PAYLOAD_KEYS = TEST_KEY_ONE


def with_codec(client: Client, keys: str = TEST_PAYLOAD_KEYS) -> Client:
    """The same connection, with the payload codec of ``keys`` (the SDK's documented way to change a client's options)."""
    config = client.config()
    config["data_converter"] = encrypted_converter(EncryptionCodec.from_text(keys))
    return Client(**config)
