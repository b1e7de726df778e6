"""The Temporal UI's codec endpoint (web.codec): plain payloads for HR and auditors only, behind the
product's sign-in, CORS for the configured Temporal UI origin only, Temporal's codec-server shape."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload
from temporalio.testing import WorkflowEnvironment

from reintegratie.config.payload_codec import ENCODING, KEY_ID_METADATA, EncryptionCodec
from reintegratie.config.settings import SettingsError, load_settings
from reintegratie.config.temporal import DATA_CONVERTER
from tests.payload_keys import TEST_KEY_ONE, TEST_KEY_TWO
from tests.web.conftest import WebApp, web_settings
from web.app import create_app

UI_ORIGIN = "http://127.0.0.1:8233"
NAME = "Sanne de Vries"


@pytest.fixture
async def codec_web(dev_server: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[WebApp]:
    settings = web_settings(dev_server, tmp_path).model_copy(
        update={"payload_keys": SecretStr(TEST_KEY_ONE), "temporal_ui_origin": UI_ORIGIN}
    )
    app = create_app(settings, client=dev_server.client)
    async with app.router.lifespan_context(app):
        web_app = WebApp(app, settings, app.state.accounts, app.state.store)
        try:
            yield web_app
        finally:
            for http in web_app.clients:
                await http.aclose()


def _json(payload: Payload) -> dict[str, object]:
    return {
        "metadata": {key: base64.b64encode(value).decode() for key, value in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def _proto(item: dict[str, object]) -> Payload:
    metadata = item.get("metadata", {})
    assert isinstance(metadata, dict)
    return Payload(
        metadata={key: base64.b64decode(value) for key, value in metadata.items()},
        data=base64.b64decode(str(item.get("data", ""))),
    )


def _plain() -> Payload:
    (payload,) = DATA_CONVERTER.payload_converter.to_payloads([{"employee": NAME, "email": "sanne@example.nl"}])
    return payload


async def _sealed(keys: str = TEST_KEY_ONE) -> Payload:
    (payload,) = await EncryptionCodec.from_text(keys).encode([_plain()])
    return payload


async def test_hr_and_auditors_get_plain_payloads_others_403_anonymous_401(codec_web: WebApp) -> None:
    body = {"payloads": [_json(await _sealed())]}
    for role, status in (("hr", 200), ("auditor", 200), ("manager", 403), ("employee", 403), ("coach", 403)):
        http = await codec_web.token_client(await codec_web.user(role))
        answer = await http.post("/codec/decode", json=body)
        assert answer.status_code == status, (role, answer.text)
        if status == 200:
            assert [_proto(item) for item in answer.json()["payloads"]] == [_plain()]
        else:
            assert NAME not in answer.text and answer.json()["detail"]
        answer = await http.post("/codec/encode", json={"payloads": [_json(_plain())]})
        assert answer.status_code == status, (role, answer.text)
    anonymous = codec_web.client()
    for path in ("/codec/decode", "/codec/encode"):
        answer = await anonymous.post(path, json=body)
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
        assert "Sign in" in answer.json()["detail"]
    wrong_token = codec_web.client(authorization="Bearer not-a-token")
    assert (await wrong_token.post("/codec/decode", json=body)).status_code == 401


async def test_the_ui_sends_the_sign_in_cookie_from_its_own_origin_only(codec_web: WebApp) -> None:
    """A browser signed in as HR (password and TOTP): the UI's origin may ask, another site may not."""
    browser = await codec_web.signed_in(await codec_web.user("hr", totp=True))
    body = {"payloads": [_json(await _sealed())]}
    answer = await browser.post("/codec/decode", json=body, headers={"origin": UI_ORIGIN})
    assert answer.status_code == 200 and [_proto(item) for item in answer.json()["payloads"]] == [_plain()]
    assert answer.headers["access-control-allow-origin"] == UI_ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"
    answer = await browser.post("/codec/decode", json=body, headers={"origin": "https://evil.example"})
    assert answer.status_code == 403 and NAME not in answer.text
    assert "access-control-allow-origin" not in answer.headers
    manager = await codec_web.signed_in(await codec_web.user("manager"))
    answer = await manager.post("/codec/decode", json=body, headers={"origin": UI_ORIGIN})
    assert answer.status_code == 403 and NAME not in answer.text
    # The UI can read a refusal too (it carries CORS), and says the payloads stay encoded.
    assert answer.headers["access-control-allow-origin"] == UI_ORIGIN


async def test_cors_is_for_the_temporal_ui_on_the_codec_paths_only(codec_web: WebApp) -> None:
    http = codec_web.client()
    preflight = {"origin": UI_ORIGIN, "access-control-request-method": "POST"}
    preflight["access-control-request-headers"] = "content-type,x-namespace"
    answer = await http.options("/codec/decode", headers=preflight)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == UI_ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert "POST" in answer.headers["access-control-allow-methods"]
    answer = await http.options("/codec/decode", headers=preflight | {"origin": "https://evil.example"})
    assert answer.status_code == 400 and "access-control-allow-origin" not in answer.headers
    # The rest of the app allows no other origin at all, not even the UI's.
    hr = await codec_web.token_client(await codec_web.user("hr"))
    answer = await hr.get("/api/cases", headers={"origin": UI_ORIGIN})
    assert "access-control-allow-origin" not in answer.headers
    answer = await http.options("/api/cases", headers=preflight)
    assert "access-control-allow-origin" not in answer.headers


async def test_round_trip_in_the_codec_server_shape(codec_web: WebApp) -> None:
    hr = await codec_web.token_client(await codec_web.user("hr"))
    plain = _plain()
    encoded = await hr.post("/codec/encode", json={"payloads": [_json(plain)]})
    assert encoded.status_code == 200, encoded.text
    (item,) = encoded.json()["payloads"]
    assert set(item) == {"metadata", "data"}
    sealed = _proto(item)
    assert sealed.metadata["encoding"] == ENCODING and sealed.metadata[KEY_ID_METADATA] == b"test1"
    assert NAME.encode() not in sealed.data
    # What the endpoint encrypted, the workers' codec decrypts, and the endpoint decodes it back.
    assert await EncryptionCodec.from_text(TEST_KEY_ONE).decode([sealed]) == [plain]
    decoded = await hr.post("/codec/decode", json=encoded.json())
    assert [_proto(item) for item in decoded.json()["payloads"]] == [plain]
    # Plain payloads (histories from before the codec) come back as they are; an empty body is empty.
    assert (await hr.post("/codec/decode", json={"payloads": [_json(plain)]})).json() == {"payloads": [_json(plain)]}
    assert (await hr.post("/codec/decode", json={})).json() == {"payloads": []}


async def test_bad_input_is_refused_with_a_clear_answer(codec_web: WebApp) -> None:
    hr = await codec_web.token_client(await codec_web.user("hr"))
    answer = await hr.post("/codec/decode", json={"payloads": [{"metadata": {}, "data": "not base64!"}]})
    assert answer.status_code == 422 and "base64" in answer.text
    # A payload of a key this app does not hold: 400 that names the key id, never garbage.
    answer = await hr.post("/codec/decode", json={"payloads": [_json(await _sealed(TEST_KEY_TWO))]})
    assert answer.status_code == 400 and "'test2'" in answer.json()["detail"]
    assert TEST_KEY_TWO.split(":")[1] not in answer.text and TEST_KEY_ONE.split(":")[1] not in answer.text


@pytest.mark.parametrize("origin", ["127.0.0.1:8233", "http://127.0.0.1:8233/ui", "javascript:alert(1)"])
def test_the_ui_origin_setting_must_be_an_origin(origin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REINTEGRATIE_TEMPORAL_UI_ORIGIN", origin)
    with pytest.raises(SettingsError, match="REINTEGRATIE_TEMPORAL_UI_ORIGIN: .*must be an origin"):
        load_settings(
            temporal_address="127.0.0.1:7233",
            database_url="sqlite+aiosqlite:///unused.db",
            smtp_host="127.0.0.1",
            smtp_port=25,
            smtp_tls="none",
            mail_from="verzuim@example.nl",
        )
