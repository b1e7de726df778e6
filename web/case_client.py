"""Talking to a running case: give it a command (a workflow update), read what it knows (queries).

The web holds no rules: a command goes to the workflow, which asks the rules; a refusal comes back
as :class:`CommandRefused` with the rules' own reason in Dutch and English. Queries are bounded in
time and a case whose workflow cannot answer (none, or no worker right now) reads as ``None``, so
the pages fall back to the SQL read model instead of hanging.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from states.case import UpcomingItem
from states.facts import CaseFacts, Signal
from workflows.case import ReintegrationCase
from workflows.commands import CaseSummary, CommandResult, TimelineEntry
from workflows.people import CasePeople

QUERY_TIMEOUT = timedelta(seconds=5)
UPDATE_TIMEOUT = timedelta(seconds=30)


class CaseGone(Exception):
    """No workflow with this id (never started, or removed after its retention)."""


class CommandRefused(Exception):
    """The case said no; nothing changed. ``nl``/``en`` are the reason as the rules put it."""

    def __init__(self, code: str, nl: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.nl = nl
        self.en = en

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


def _refusal(exc: WorkflowUpdateFailedError) -> CommandRefused:
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        details = cause.details[0] if cause.details else None
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


async def run_command(client: Client, case_id: str, name: str, payload: Any) -> CommandResult:
    """Give the case one command; raises :class:`CommandRefused` or :class:`CaseGone`."""
    handle = client.get_workflow_handle(case_id)
    try:
        # By name, so the SDK types the result as Any; result_type makes it a CommandResult.
        result: CommandResult = await handle.execute_update(
            name, payload, result_type=CommandResult, rpc_timeout=UPDATE_TIMEOUT
        )
        return result
    except WorkflowUpdateFailedError as exc:
        raise _refusal(exc) from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            if "completed" in exc.message.lower() or "closed" in exc.message.lower():
                raise _CLOSED from None
            raise CaseGone(case_id) from None
        if exc.status == RPCStatusCode.FAILED_PRECONDITION:
            raise _CLOSED from None
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
    try:
        status, facts, upcoming, signals, timeline, people = await asyncio.gather(
            handle.query(ReintegrationCase.status, rpc_timeout=QUERY_TIMEOUT),
            handle.query(ReintegrationCase.facts, rpc_timeout=QUERY_TIMEOUT),
            handle.query(ReintegrationCase.upcoming, rpc_timeout=QUERY_TIMEOUT),
            handle.query(ReintegrationCase.signals, rpc_timeout=QUERY_TIMEOUT),
            handle.query(ReintegrationCase.timeline, rpc_timeout=QUERY_TIMEOUT),
            handle.query(ReintegrationCase.people, rpc_timeout=QUERY_TIMEOUT),
        )
    except (TimeoutError, RPCError, WorkflowQueryFailedError):
        return None
    return LiveCase(status=status, facts=facts, upcoming=upcoming, signals=signals, timeline=timeline, people=people)
