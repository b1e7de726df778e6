"""Talking to a running case: give it a command (a workflow update), read what it knows (queries).

The web holds no rules: a command goes to the workflow, which asks the rules; a refusal comes back
as :class:`CommandRefused` with the rules' own reason in Dutch and English. Queries are bounded in
time (:data:`LIVE_READ_SECONDS` for all of them together) and a case whose workflow cannot answer
(none, or no worker right now) reads as ``None``, so the pages fall back to the SQL read model
instead of hanging.

A command answers within its bound (``Settings.command_timeout_seconds``, 15 s): the case's answer,
or :data:`BUSY` (503, "nothing was recorded, try again"). That is true because the command carries a
moment after which the case refuses it (workflows.idempotency), early enough that a command the
case accepted in time has answered before the bound: see :func:`expiry`. Each command also carries a
key (the caller's ``Idempotency-Key``, else a fresh one): a repeat with the same key gets the first
answer and changes nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from states.case import UpcomingItem
from states.facts import CaseFacts, Signal
from workflows.case import ReintegrationCase
from workflows.commands import CaseSummary, CommandResult, TimelineEntry
from workflows.idempotency import command_key, update_id
from workflows.people import CasePeople

LIVE_READ_SECONDS = 2.0
"""How long a read waits for the workflow's own answers (all six queries together); then the read
model, with its freshness (web.case_data.CaseData.as_of). A query waits for a workflow task in flight
(a command's delivery), so a loaded worker needs more than the few milliseconds an idle one takes."""
COMMAND_TIMEOUT_SECONDS = 15.0
"""A command's bound where the caller names none (``Settings.command_timeout_seconds``)."""
WORKFLOW_TASK_TIMEOUT = 10.0
"""The server's default workflow task timeout (the case's start leaves it as it is): a worker's
answer to a command it accepted counts only within this time from the start of its task."""


class CaseGone(Exception):
    """No workflow with this id (never started, or removed after its retention)."""


class CommandRefused(Exception):
    """The case said no; nothing changed. ``nl``/``en`` are the reason as the rules put it.
    ``status``: the HTTP status that says so (409; 503 for :data:`BUSY`)."""

    def __init__(self, code: str, nl: str, en: str, *, status: int = 409) -> None:
        super().__init__(en)
        self.code = code
        self.nl = nl
        self.en = en
        self.status = status

    def reason(self, language: str) -> str:
        return self.en if language == "en" else self.nl

    def as_json(self, language: str) -> dict[str, str]:
        return {"detail": self.reason(language), "code": self.code, "nl": self.nl, "en": self.en}


_CLOSED = CommandRefused(
    "case_closed",
    "De zaak is gesloten; er kan niets meer aan veranderen.",
    "The case is closed; nothing about it can change any more.",
)
_BUSY = CommandRefused(
    "not_ready",
    "De zaak is nog bezig met openen; probeer het zo opnieuw.",
    "The case is still opening; try again in a moment.",
)


BUSY = CommandRefused(
    "busy",
    "De zaak is bezig of de dienst is even niet bereikbaar. Er is niets vastgelegd; probeer het zo opnieuw.",
    "The case is busy or the service is down. Nothing was recorded; try again in a moment.",
    status=503,
)
"""No answer within the command's bound (or the case refused it as too late): nothing was recorded."""


def expiry(now: datetime, bound: float) -> datetime:
    """The moment after which the case refuses a command given at ``now`` with ``bound`` seconds.

    A worker's answer counts only within the workflow task timeout from the start of its task, and
    the task starts before the validator admits the command: admitted at ``bound - 10 s`` at the
    latest, it has answered by ``bound`` or not at all. A bound shorter than that (tests) keeps a
    third of itself.
    """
    return now + timedelta(seconds=max(bound - WORKFLOW_TASK_TIMEOUT, bound / 3))


def _refusal(exc: WorkflowUpdateFailedError) -> CommandRefused:
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        details = cause.details[0] if cause.details else None
        if cause.type == "Expired":
            return BUSY
        if cause.type == "Refused" and isinstance(details, dict):
            code = str(details.get("code", "refused"))
            en = str(details.get("en") or cause.message)
            nl = str(details.get("nl") or en)
            return CommandRefused(code, nl, en)
        if cause.type == "NotReady":
            return _BUSY
    # Anything else the workflow's validator raised: the rules could not use this input.
    return CommandRefused(
        "not_applicable",
        "De regels konden deze invoer niet verwerken; controleer de datums en getallen.",
        "The rules could not use this input; check the dates and numbers.",
    )


async def run_command(
    client: Client,
    case_id: str,
    name: str,
    payload: Any,
    *,
    key: str | None = None,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> CommandResult:
    """Give the case one command within ``timeout`` seconds; raises :class:`CommandRefused` (:data:`BUSY`
    when there was no answer in time) or :class:`CaseGone`. ``key``: the caller's idempotency key; a
    command with the same key, person (the payload's ``actor``) and name is applied once."""
    handle = client.get_workflow_handle(case_id)
    person = str(getattr(payload, "actor", ""))
    ticket = update_id(command_key(case_id, person, name, key or uuid.uuid4().hex), expiry(datetime.now(UTC), timeout))
    try:
        # The SDK asks again and again while the update is not accepted (a stopped worker): the
        # bound is ours. By name, so the SDK types the result as Any; result_type makes it a CommandResult.
        async with asyncio.timeout(timeout):
            result: CommandResult = await handle.execute_update(
                name, payload, id=ticket, result_type=CommandResult, rpc_timeout=timedelta(seconds=timeout)
            )
        return result
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        # The SDK turns the cancellation at the bound into its own error; asyncio.timeout then
        # lets that through as it is (and has taken its cancellation back).
        raise BUSY from None
    except WorkflowUpdateFailedError as exc:
        raise _refusal(exc) from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            if "completed" in exc.message.lower() or "closed" in exc.message.lower():
                raise _CLOSED from None
            raise CaseGone(case_id) from None
        if exc.status == RPCStatusCode.FAILED_PRECONDITION:
            raise _CLOSED from None
        if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE, RPCStatusCode.CANCELLED):
            raise BUSY from None
        raise


@dataclass(frozen=True)
class LiveCase:
    """What the workflow itself knows about the case right now."""

    status: CaseSummary
    facts: CaseFacts
    upcoming: list[UpcomingItem]
    signals: list[Signal]
    timeline: list[TimelineEntry]
    people: CasePeople


async def live_case(client: Client, case_id: str) -> LiveCase | None:
    """The workflow's answers to its queries, or None when it cannot answer now."""
    handle = client.get_workflow_handle(case_id)
    bound = timedelta(seconds=LIVE_READ_SECONDS)
    try:
        async with asyncio.timeout(LIVE_READ_SECONDS):
            status, facts, upcoming, signals, timeline, people = await asyncio.gather(
                handle.query(ReintegrationCase.status, rpc_timeout=bound),
                handle.query(ReintegrationCase.facts, rpc_timeout=bound),
                handle.query(ReintegrationCase.upcoming, rpc_timeout=bound),
                handle.query(ReintegrationCase.signals, rpc_timeout=bound),
                handle.query(ReintegrationCase.timeline, rpc_timeout=bound),
                handle.query(ReintegrationCase.people, rpc_timeout=bound),
            )
    except (TimeoutError, RPCError, WorkflowQueryFailedError):
        return None
    return LiveCase(status=status, facts=facts, upcoming=upcoming, signals=signals, timeline=timeline, people=people)
