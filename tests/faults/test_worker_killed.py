"""The worker is killed with SIGKILL again and again while 100 cases run through their first weeks.

The worker runs as its own process (`reintegratie worker`, configured by REINTEGRATIE_* variables
only) against the dev server, SQLite and an aiosmtpd sink, all on loopback. Bounded: a fixed number
of kills, and every wait has a time limit.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import uuid
from datetime import UTC, timedelta
from pathlib import Path

from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

import states
from integrations.db import make_engine, make_sessionmaker
from integrations.outbox import OutboxStatus, list_outbox
from states.clock import local_date
from tests.faults.support import HR_ACTOR, arrivals, invitation_counts, open_case, wait_settled
from tests.payload_keys import TEST_PAYLOAD_KEYS, with_codec
from tests.support import BIN, SmtpSink
from workflows.case import ReintegrationCase

CASES = int(os.environ.get("FAULT_CASES", 100))
KILLS = 5
MAX_CONCURRENT_ACTIVITIES = 10
# An activity attempt that died with the worker is retried after its start-to-close timeout
# (workflows.case.ACTIVITY_TIMEOUT, 1 minute): the final wait must outlast it.
SETTLE_SECONDS = 300


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen([str(BIN / "reintegratie"), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)


async def test_cases_survive_a_worker_killed_repeatedly(
    dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    # The worker encrypts payloads (without keys it refuses to start); this client has its keys.
    client = with_codec(dev_server.client)
    task_queue = f"faults-{uuid.uuid4().hex[:8]}"
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("REINTEGRATIE_")}
    env.update(
        REINTEGRATIE_TEMPORAL_ADDRESS=client.service_client.config.target_host,
        REINTEGRATIE_TEMPORAL_NAMESPACE=client.namespace,
        REINTEGRATIE_TASK_QUEUE=task_queue,
        REINTEGRATIE_DATABASE_URL=database_url,
        REINTEGRATIE_SMTP_HOST=smtp_sink.host,
        REINTEGRATIE_SMTP_PORT=str(smtp_sink.port),
        REINTEGRATIE_SMTP_TLS="none",
        REINTEGRATIE_MAIL_FROM="verzuim@example.nl",
        REINTEGRATIE_WORKER_MAX_CONCURRENT_ACTIVITIES=str(MAX_CONCURRENT_ACTIVITIES),
        REINTEGRATIE_LOG_LEVEL="WARNING",
        REINTEGRATIE_PAYLOAD_KEYS=TEST_PAYLOAD_KEYS,
    )
    log = tmp_path / "worker.log"
    worker = _start_worker(env, log)
    rng = random.Random(7)
    try:
        # 100 cases, each opened some days into its absence: reminders and alerts fall due at once.
        days_ago = [rng.choice((0, 3, 10, 20, 36, 45)) for _ in range(CASES)]
        case_ids = list(
            await asyncio.gather(*(open_case(client, task_queue, n, days_ago=days_ago[n]) for n in range(CASES)))
        )
        today = local_date(await _server_now())
        expected: dict[str, str] = {}

        async def commands(number: int, case_id: str) -> None:
            """A third of the cases stays reported sick, a third gets the probleemanalyse, a third the plan too."""
            handle = client.get_workflow_handle(case_id)
            expected[case_id] = "ziekgemeld"
            if number % 3 == 0:
                return
            await _update(
                handle,
                "probleemanalyse_received",
                states.ProbleemanalyseReceived(actor=HR_ACTOR, at=await _server_now(), on=today),
            )
            expected[case_id] = "probleemanalyse"
            if number % 3 == 2:
                plan = states.PlanVanAanpak(hours_per_week=4)
                await _update(
                    handle,
                    "plan_van_aanpak_signed",
                    states.PlanVanAanpakSigned(actor=HR_ACTOR, at=await _server_now(), plan=plan, on=today),
                )
                expected[case_id] = "plan_van_aanpak"

        driving = asyncio.gather(*(commands(n, case_id) for n, case_id in enumerate(case_ids)))
        kills = 0
        while kills < KILLS:
            # Kill while the worker is busy: once the restarted worker has delivered some mail.
            delivered = len(smtp_sink.messages)
            async with asyncio.timeout(60):
                while len(smtp_sink.messages) < delivered + 5 and not driving.done():
                    await asyncio.sleep(0.02)
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            _kill(worker)
            kills += 1
            worker = _start_worker(env, log)
        async with asyncio.timeout(SETTLE_SECONDS):
            await driving
        await wait_settled(client, case_ids, timeout=SETTLE_SECONDS)

        # Every case reached the phase its commands lead to.
        phases = await asyncio.gather(
            *(client.get_workflow_handle(c).query(ReintegrationCase.status) for c in case_ids)
        )
        assert {c: s.phase for c, s in zip(case_ids, phases, strict=True)} == expected

        # Every logical message is in the outbox as sent, and each one reached the sink.
        engine = make_engine(database_url)
        try:
            outbox = await list_outbox(make_sessionmaker(engine), limit=10_000)
        finally:
            await engine.dispose()
        assert outbox and all(row.status == OutboxStatus.sent for row in outbox), [
            r for r in outbox if r.status != OutboxStatus.sent
        ][:3]
        found = arrivals(smtp_sink)
        arrived_ids = {a.message_id for a in found}
        assert {row.message_id for row in outbox} <= arrived_ids, "a message the outbox calls sent never arrived"
        invitations = invitation_counts(found)
        outbox_invitations = {(r.series_uid, r.sequence, r.method, r.recipient) for r in outbox if r.method}
        assert set(invitations) == outbox_invitations
        for number in range(CASES):  # everyone got the weekly check-in series
            for person in (f"manager{number}@example.nl", f"employee{number}@example.nl"):
                assert any(
                    recipient == person and method == "REQUEST" for _uid, _seq, method, recipient in invitations
                ), person
        # One logical invitation is one message (one Message-ID), however often it was handed over.
        ids_per_invitation: dict[tuple[object, ...], set[str]] = {}
        for a in found:
            if a.method:
                ids_per_invitation.setdefault((a.uid, a.sequence, a.method, a.recipient), set()).add(a.message_id)
        assert all(len(ids) == 1 for ids in ids_per_invitation.values())
        # Exactly once, but for the documented at-least-once window of integrations/outbox.py: a kill
        # after the SMTP server accepted a message and before the outbox row said so. Only a message
        # being sent at the moment of a kill can be repeated, and then with the same Message-ID.
        repeated = {key: count for key, count in invitations.items() if count > 1}
        assert len(repeated) <= KILLS * MAX_CONCURRENT_ACTIVITIES, repeated
        print(
            f"\n{len(invitations)} invitations, {len(found)} deliveries, {kills} kills, repeated in the kill window: {len(repeated)}"
        )
    finally:
        if "driving" in locals() and not driving.done():
            driving.cancel()
        _kill(worker)


async def _update(handle, name: str, event: object) -> None:  # type: ignore[no-untyped-def]
    """Send a command; while the worker is down the server holds it, so retry only what the SDK gives up on."""
    for _ in range(20):
        try:
            await handle.execute_update(name, event, rpc_timeout=timedelta(seconds=60))
            return
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if getattr(cause, "type", None) != "NotReady":  # the first workflow task has not run yet
                raise AssertionError(f"{name} refused: {cause}") from exc
            await asyncio.sleep(0.5)
        except Exception:
            await asyncio.sleep(1)
    raise AssertionError(f"{name} was never accepted")


async def _server_now():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.now(UTC)
