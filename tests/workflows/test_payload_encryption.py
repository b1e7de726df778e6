"""Workflow payloads are encrypted before they reach Temporal (reintegratie.config.payload_codec).

A case runs with the codec on a real Temporal test server: its history, read by a client WITHOUT the
codec, holds none of the employee's name, address or typed-in text; the same history decodes and
replays with the codec; keys rotate (the old key id still decrypts, the new key encrypts); a wrong
or missing key is a clear error, never garbage.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

import states
from activities.case_activities import CaseActivities
from integrations.db import make_engine, make_sessionmaker
from integrations.smtp import SmtpSender
from reintegratie.config.payload_codec import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    PayloadKeyError,
    parse_payload_keys,
)
from reintegratie.config.settings import Settings, SettingsError, load_settings
from reintegratie.config.temporal import DATA_CONVERTER, WORKFLOW_RUNNER, data_converter
from tests.payload_keys import TEST_KEY_ONE, TEST_KEY_TWO, with_codec
from tests.support import SmtpSink, create_tables
from tests.workflows.harness import EMPLOYEE, CaseWorld
from workflows.case import ReintegrationCase
from workflows.memory import CaseInput

WORKPLACE = "Magazijn Zonnebloemstraat 12, hal 3"  # typed in by HR: free text
PERSONAL = (EMPLOYEE.name.encode(), EMPLOYEE.email.encode(), b"Zonnebloemstraat")


@asynccontextmanager
async def encrypted_world(
    env: WorkflowEnvironment,
    sink: SmtpSink,
    tmp_path: Path,
    keys: str,
    *,
    going_on: CaseWorld | None = None,
) -> AsyncIterator[CaseWorld]:
    """The case world of tests.workflows.harness, with the worker and the client on the codec of
    ``keys``; ``going_on``: a world whose case this one takes over (its task queue, its case)."""
    client = with_codec(env.client, keys)
    settings = Settings(
        temporal_address="unused:1",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
    )
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    sessionmaker = make_sessionmaker(engine)
    activities = CaseActivities(
        sessionmaker=sessionmaker, sender=SmtpSender.from_settings(settings), mail_from=settings.mail_from
    )
    task_queue = going_on.task_queue if going_on is not None else f"encrypted-{uuid.uuid4().hex[:8]}"
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[ReintegrationCase],
        workflow_runner=WORKFLOW_RUNNER,
        activities=activities.all(),
    )
    try:
        async with worker:
            world = CaseWorld(env=env, client=client, task_queue=task_queue, sink=sink, sessionmaker=sessionmaker)
            if going_on is not None:
                world.case_id = going_on.case_id
                world.handle = client.get_workflow_handle_for(ReintegrationCase.run, going_on.case_id)
            yield world
    finally:
        await engine.dispose()


async def _raw_history(plain: Client, case_id: str) -> WorkflowHistory:
    """The history as the Temporal server (and its UI) holds it: fetched without the codec."""
    return await plain.get_workflow_handle(case_id).fetch_history()


def _raw_bytes(history: WorkflowHistory) -> bytes:
    return b"".join(event.SerializeToString() for event in history.events)


def _payloads(history: WorkflowHistory) -> list[Payload]:
    """Every payload of the history's events: inputs, results, updates, signals, markers, memo."""
    return [payload for event in history.events for payload in _payloads_of(event)]


def _payloads_of(event: Any) -> list[Payload]:
    found: list[Payload] = []

    def walk(message: Any) -> None:
        if isinstance(message, Payload):
            found.append(message)
            return
        for descriptor, value in message.ListFields():
            if descriptor.message_type is None:
                continue
            if descriptor.message_type.GetOptions().map_entry:
                items = list(value.values())
            elif hasattr(value, "ListFields"):
                items = [value]
            else:  # a repeated field of messages
                items = list(value)
            for item in items:
                if hasattr(item, "ListFields"):
                    walk(item)

    walk(event)
    return found


async def _run_a_case(world: CaseWorld) -> None:
    await world.open(days_ago=3, workplace=WORKPLACE)
    await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)


async def test_an_encrypted_case_leaves_no_personal_data_in_the_history(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with encrypted_world(time_skipping_server, smtp_sink, tmp_path, TEST_KEY_ONE) as world:
        await _run_a_case(world)
        history = await _raw_history(time_skipping_server.client, world.case_id)
        await world.handle.terminate("test finished")  # type: ignore[union-attr]
    raw = _raw_bytes(history)
    payloads = _payloads(history)
    assert len(payloads) > 10 and any(p.metadata.get("encoding") == ENCODING for p in payloads)
    for text in PERSONAL:
        assert text not in raw, f"{text!r} is in the history in plain text"
    # Every payload is encrypted but the search attributes (never encoded by the SDK; ours carry no
    # personal data) and the patch markers (the SDK's core writes a patch's id, a name of our code).
    plain = [p for p in payloads if p.metadata.get("encoding") != ENCODING and p.data]
    markers = [
        p
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        for p in _payloads_of(event)
    ]
    odd = [p for p in plain if "type" not in p.metadata and p not in markers]
    assert not odd, odd
    assert any("type" in p.metadata for p in plain) and markers, "the search attributes and patch markers were seen"
    # The check can see what it looks for: decoded with the codec, the same payloads hold the name.
    codec = EncryptionCodec.from_text(TEST_KEY_ONE)
    decoded = b"".join(p.data for p in await codec.decode(payloads))
    assert EMPLOYEE.name.encode() in decoded and WORKPLACE.encode() in decoded


async def test_the_encrypted_history_decodes_and_replays_with_the_codec_and_only_with_it(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with encrypted_world(time_skipping_server, smtp_sink, tmp_path, TEST_KEY_ONE) as world:
        await _run_a_case(world)
        status = await world.handle.query(ReintegrationCase.status)  # type: ignore[union-attr]
        history = await _raw_history(time_skipping_server.client, world.case_id)
        await world.handle.terminate("test finished")  # type: ignore[union-attr]
    assert status.case_id == world.case_id
    started = history.events[0].workflow_execution_started_event_attributes
    converter = data_converter(load_settings(**_settings(TEST_KEY_ONE)))
    (case_input,) = await converter.decode(started.input.payloads, [CaseInput])
    assert case_input.intake.employee == EMPLOYEE and case_input.intake.workplace == WORKPLACE
    replayed = await Replayer(
        workflows=[ReintegrationCase], data_converter=converter, workflow_runner=WORKFLOW_RUNNER
    ).replay_workflow(history, raise_on_replay_failure=False)
    assert replayed.replay_failure is None, replayed.replay_failure
    # Without the codec the history does not replay: its payloads are not JSON.
    without = await Replayer(
        workflows=[ReintegrationCase], data_converter=DATA_CONVERTER, workflow_runner=WORKFLOW_RUNNER
    ).replay_workflow(history, raise_on_replay_failure=False)
    assert without.replay_failure is not None


async def test_a_rotated_key_decrypts_what_the_old_key_wrote_and_encrypts_with_the_new_one(
    dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """A case opened under key test1 goes on after the rotation to "test2,test1": the worker reads its
    old payloads and writes new ones under test2; the whole history replays with both keys, and a
    worker that dropped test1 too early does not replay it. On the dev server: the time-skipping
    server keeps the update for the stopped worker's sticky queue."""
    async with encrypted_world(dev_server, smtp_sink, tmp_path, TEST_KEY_ONE) as before:
        await before.open(days_ago=3, workplace=WORKPLACE)
    case_id = before.case_id
    rotated = f"{TEST_KEY_TWO},{TEST_KEY_ONE}"
    async with encrypted_world(dev_server, smtp_sink, tmp_path, rotated, going_on=before) as world:
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        # A refusal's words travel encrypted (encoded failure attributes) and arrive readable.
        refusal = await world.refused(
            "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=80)
        )
        assert refusal and refusal != "Encoded failure", refusal
        history = await _raw_history(dev_server.client, case_id)
        await world.handle.terminate("test finished")  # type: ignore[union-attr]
    key_ids = [
        p.metadata[KEY_ID_METADATA].decode() for p in _payloads(history) if p.metadata.get("encoding") == ENCODING
    ]
    assert "test1" in key_ids and "test2" in key_ids
    updates = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]
    (update_arg,) = updates[-1].workflow_execution_update_accepted_event_attributes.accepted_request.input.args.payloads
    assert update_arg.metadata[KEY_ID_METADATA] == b"test2"
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert started.metadata[KEY_ID_METADATA] == b"test1"
    for keys, replays in ((rotated, True), (TEST_KEY_TWO, False)):
        converter = data_converter(load_settings(**_settings(keys)))
        result = await Replayer(
            workflows=[ReintegrationCase], data_converter=converter, workflow_runner=WORKFLOW_RUNNER
        ).replay_workflow(history, raise_on_replay_failure=False)
        assert (result.replay_failure is None) == replays, result.replay_failure
        # (Its reason, PayloadKeyError naming 'test1', is itself encrypted in the failure: failure
        # messages may quote a name, so they are encoded too. test_a_wrong_or_missing_key_... reads it.)


async def test_keys_rotate_one_payload_at_a_time() -> None:
    old = EncryptionCodec.from_text(TEST_KEY_ONE)
    rotated = EncryptionCodec.from_text(f"{TEST_KEY_TWO},{TEST_KEY_ONE}")
    (plain,) = DATA_CONVERTER.payload_converter.to_payloads([{"name": EMPLOYEE.name}])
    (written_before,) = await old.encode([plain])
    (written_after,) = await rotated.encode([plain])
    assert written_before.metadata[KEY_ID_METADATA] == b"test1"
    assert written_after.metadata[KEY_ID_METADATA] == b"test2"
    assert await rotated.decode([written_before, written_after]) == [plain, plain]
    # Every payload gets its own nonce: the same input twice is two different ciphertexts.
    (again,) = await rotated.encode([plain])
    assert again.data != written_after.data and EMPLOYEE.name.encode() not in again.data
    # A payload from before the codec passes as it is (old histories); nothing is encrypted twice.
    assert await rotated.decode([plain]) == [plain]
    assert await rotated.encode([written_after]) == [written_after]


async def test_a_wrong_or_missing_key_is_a_clear_error_not_garbage() -> None:
    (plain,) = DATA_CONVERTER.payload_converter.to_payloads([{"name": EMPLOYEE.name}])
    (sealed,) = await EncryptionCodec.from_text(TEST_KEY_ONE).encode([plain])
    # The key id is no longer configured.
    with pytest.raises(PayloadKeyError, match=r"key id 'test1', which REINTEGRATIE_PAYLOAD_KEYS does not hold"):
        await EncryptionCodec.from_text(TEST_KEY_TWO).decode([sealed])
    # Another key under the same id.
    impostor = "test1:" + TEST_KEY_TWO.split(":", 1)[1]
    with pytest.raises(PayloadKeyError, match=r"key id 'test1' does not decrypt"):
        await EncryptionCodec.from_text(impostor).decode([sealed])
    # A changed ciphertext, or a payload moved to another key id, is refused the same way.
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(PayloadKeyError, match="does not decrypt"):
        await EncryptionCodec.from_text(TEST_KEY_ONE).decode([tampered])
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID_METADATA: b"test2"}, data=sealed.data)
    with pytest.raises(PayloadKeyError, match="does not decrypt"):
        await EncryptionCodec.from_text(f"{TEST_KEY_ONE},{TEST_KEY_TWO}").decode([relabelled])
    # No keys at all: the SDK refuses the unknown encoding, it does not hand out the ciphertext.
    with pytest.raises(KeyError, match="binary/encrypted"):
        await DATA_CONVERTER.decode([sealed], [dict])


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ("k1", "keyid:base64key"),
        ("k 1:AAAA", "keyid:base64key"),
        ("k1:not base64!", "not valid base64"),
        ("k1:AAAA", "must be 32 bytes"),
        (f"{TEST_KEY_ONE},{TEST_KEY_ONE}", "given twice"),
        (" , ", "holds no key"),
    ],
)
def test_a_malformed_key_setting_is_refused_by_name_without_repeating_the_key(keys: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_payload_keys(keys)
    if keys.strip(" ,"):
        with pytest.raises(SettingsError) as refused:
            load_settings(**_settings(keys))
        assert "REINTEGRATIE_PAYLOAD_KEYS" in str(refused.value)
        assert keys.split(":", 1)[-1] not in str(refused.value) or ":" not in keys


def test_the_key_never_shows_in_a_repr() -> None:
    (key,) = parse_payload_keys(TEST_KEY_ONE)
    settings = load_settings(**_settings(TEST_KEY_ONE))
    secret = TEST_KEY_ONE.split(":", 1)[1]
    assert secret not in repr(key) and secret not in repr(settings) and secret not in str(settings.model_dump())


def test_without_keys_the_data_converter_is_the_plain_one_and_with_keys_it_keeps_the_lean_payload_converter() -> None:
    plain = data_converter(load_settings(**_settings(None)))
    assert plain is DATA_CONVERTER and plain.payload_codec is None
    encrypted = data_converter(load_settings(**_settings(TEST_KEY_ONE)))
    assert isinstance(encrypted.payload_codec, EncryptionCodec)
    assert encrypted.payload_converter_class is DATA_CONVERTER.payload_converter_class


def _settings(keys: str | None) -> dict[str, Any]:
    return {
        "temporal_address": "127.0.0.1:7233",
        "database_url": "sqlite+aiosqlite:///unused.db",
        "smtp_host": "127.0.0.1",
        "smtp_port": 25,
        "smtp_tls": "none",
        "mail_from": "verzuim@example.nl",
        "payload_keys": keys,
    }
