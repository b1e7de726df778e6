"""Record the encrypted history fixture: `python -m tests.workflows.record_encrypted_history`.

The short_recovery scenario of tests.workflows.record_histories, run with the payload codec of the
fixed test key (tests.payload_keys), stored in tests/workflows/histories/encrypted/. test_replay
replays it with the codec, as a worker with that key would. Record it again when the other
histories are recorded again (a change of what a case decides).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.payload_keys import TEST_PAYLOAD_KEYS
from tests.support import SmtpSink, free_port
from tests.workflows.record_histories import HISTORIES, run_histories, short_recovery, time_skipping, to_monday_morning
from tests.workflows.test_payload_encryption import encrypted_world

ENCRYPTED = HISTORIES / "encrypted"
SCENARIO = "short_recovery"


async def record() -> None:
    ENCRYPTED.mkdir(exist_ok=True)
    sink = SmtpSink(host="127.0.0.1", port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with time_skipping() as env, encrypted_world(env, sink, Path(folder), TEST_PAYLOAD_KEYS) as world:
                await to_monday_morning(env)
                await short_recovery(world)
                histories = await run_histories(world)
    finally:
        controller.stop()
    for old in ENCRYPTED.glob(f"{SCENARIO}.run*.json"):
        old.unlink()
    for number, history in enumerate(histories, start=1):
        path = ENCRYPTED / f"{SCENARIO}.run{number}.json"
        path.write_text(history.to_json() + "\n")
        print(f"{path}: {len(history.events)} events")


if __name__ == "__main__":
    asyncio.run(record())
    sys.exit(0)
