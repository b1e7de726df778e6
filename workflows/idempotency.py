"""Commands that count once and that expire: what a command's update id carries into the case.

The web gives every command (a workflow update) an update id of the form ``cmd1.<key>.<not_after>``
(:func:`update_id`):

- ``key`` names the command once for all its repeats: a digest of the case, the person, the
  command's name and the caller's ``Idempotency-Key`` (a fresh one when the caller gave none), so
  that two people's keys never meet. The case remembers the answers of its last
  :data:`REMEMBERED` keyed commands (``CaseMemory.answered``, carried over continue-as-new): a
  repeat gets the first answer and changes nothing (:func:`once`).
- ``not_after`` (epoch milliseconds, UTC) is the moment after which the command must not be applied
  any more: the web has answered "nothing was recorded" by then (503). The update's validator
  refuses a command whose moment has passed (:func:`admitted`), so a command that waited for a
  stopped worker is never applied late.

Why in the update id: it is the one thing besides the payload that both the validator and the
handler see (``workflow.current_update_info()``). A second update argument would break the replay
of older histories (the SDK decodes arguments by their type hints only when their number matches),
and update headers need an interceptor in every worker and replayer. Update ids of other callers
(the mailbox reader, tests) do not have this form: their commands neither expire nor are remembered,
exactly as before.

The validator reads the wall clock, not ``workflow.now()``. That is safe: Temporal does not run
update validators on replay ("Replay does not perform update validation"), and a refused update
leaves no trace in the history, so the check never takes part in a replay. It is also what is
right: ``workflow.now()`` is the start of the workflow task, and a task handed to a worker that was
then stopped keeps the moment it was handed over, before ``not_after``, while the worker applies it
only when it runs again.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.commands import CommandResult
from workflows.memory import CaseMemory

PREFIX = "cmd1"
REMEMBERED = 50
"""How many keyed answers a case keeps: a repeat of one of its last 50 commands is recognised."""

EXPIRED_NL = "De opdracht kwam te laat aan; er is niets vastgelegd. Probeer het opnieuw."
EXPIRED_EN = "The command arrived too late; nothing was recorded. Try again."


@dataclass(frozen=True)
class Ticket:
    key: str
    not_after: datetime


def command_key(case_id: str, person: str, name: str, idempotency_key: str) -> str:
    """The key of one command for all its repeats: no person's or caller's text in it, only a digest."""
    text = "\x00".join((case_id, person.lower(), name, idempotency_key))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def update_id(key: str, not_after: datetime) -> str:
    return f"{PREFIX}.{key}.{int(not_after.timestamp() * 1000)}"


def ticket_of(update_id: str | None) -> Ticket | None:
    """The key and the expiry an update id carries; None for an id of another form."""
    parts = (update_id or "").split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2].isdigit():
        return None
    return Ticket(key=parts[1], not_after=datetime.fromtimestamp(int(parts[2]) / 1000, UTC))


def current_ticket() -> Ticket | None:
    info = workflow.current_update_info()
    return ticket_of(info.id) if info is not None else None


def wall_clock() -> datetime:
    """Now, by the worker's clock: for validators only (see the module docstring for why that is safe).
    The sandbox (replays under SANDBOXED_RUNNER) never gets here, as replay runs no validators; should
    a sandboxed worker run one, it is allowed to read the clock for this."""
    with workflow.unsafe.sandbox_unrestricted():
        return datetime.now(UTC)


def remember(answered: dict[str, CommandResult], key: str, result: CommandResult) -> None:
    answered[key] = result
    while len(answered) > REMEMBERED:
        del answered[next(iter(answered))]  # the oldest (dicts keep insertion order)


class _Case(Protocol):
    _memory: CaseMemory | None


C = TypeVar("C", bound=_Case)


def admitted(validator: Callable[[C, Any], None]) -> Callable[[C, Any], None]:
    """An update validator that first lets a repeat through (its handler gives the first answer) and
    refuses an expired command ("Expired"); then the validator itself."""

    @functools.wraps(validator)
    def check(self: C, command: Any) -> None:
        ticket = current_ticket()
        if ticket is not None:
            memory = self._memory
            if memory is not None and ticket.key in memory.answered:
                return
            if wall_clock() > ticket.not_after:
                raise ApplicationError(
                    f"{EXPIRED_EN} ({EXPIRED_NL})",
                    {"code": "expired", "nl": EXPIRED_NL, "en": EXPIRED_EN},
                    type="Expired",
                    non_retryable=True,
                )
        validator(self, command)

    return check


def once(handler: Callable[[C, Any], CommandResult]) -> Callable[[C, Any], CommandResult]:
    """An update handler that answers a repeat of a remembered command with its first answer, changing
    nothing, and remembers the answer of a keyed command."""

    @functools.wraps(handler)
    def run(self: C, command: Any) -> CommandResult:
        ticket = current_ticket()
        if ticket is not None and self._memory is not None and ticket.key in self._memory.answered:
            return self._memory.answered[ticket.key]
        result = handler(self, command)
        if ticket is not None and self._memory is not None:
            remember(self._memory.answered, ticket.key, result)
        return result

    return run
