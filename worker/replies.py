"""Calendar replies reach their case: the reply handler's ``announce`` and the mailbox reader's loop.

integrations.replies parses, matches and stores each answer; what it announces is given to the
case's workflow here, as the ``invitation_replied`` update (the update id is the answer's key, so
a second reading of the same message is not recorded twice). A case that is closed or gone no
longer takes updates: its answer is then written to the audit trail directly, so the auditor's
history still shows it. Any other failure raises, and the message is read again later.

In production the worker reads the product's mailbox over IMAP (:func:`read_mailbox`, when
``REINTEGRATIE_IMAP_HOST`` is set); ``reintegratie dev`` hands the mail its catcher receives for the
product's address to the same handler (:func:`reply_handler`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from contracts import Person
from integrations.imap import ImapConfig, ImapReader
from integrations.replies import Announcement, ReplyHandler
from integrations.store import AuditEntry, CaseStore
from reintegratie.config.settings import Settings
from workflows.commands import CommandResult, InvitationReplied
from workflows.replies import reply_detail

UPDATE_TIMEOUT = timedelta(seconds=30)

logger = logging.getLogger(__name__)


def as_update(announcement: Announcement) -> InvitationReplied:
    person = announcement.person
    return InvitationReplied(
        actor=person.email.lower(),
        at=announcement.received_at,
        key=announcement.key,
        series_id=announcement.uid,
        kind=announcement.kind,
        person=Person(name=person.name, email=person.email, language=person.language),
        answer=announcement.answer,
        talk_start=announcement.talk_start,
        proposed_start=announcement.proposed_start,
        free_slot=announcement.free_slot,
    )


async def tell_case(client: Client, store: CaseStore, announcement: Announcement) -> None:
    """Give the answer to its case (see the module docstring)."""
    update = as_update(announcement)
    handle = client.get_workflow_handle(announcement.case_id)
    try:
        await handle.execute_update(
            "invitation_replied",
            update,
            id=f"reply-{announcement.key}",
            result_type=CommandResult,
            rpc_timeout=UPDATE_TIMEOUT,
        )
        return
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if not (isinstance(cause, ApplicationError) and cause.type == "Refused"):
            raise  # not ready yet (a case still opening), or a fault: the message is read again later
        # Refused: the case is closed.
    except RPCError as exc:
        if exc.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise
    await store.append_audit(
        AuditEntry(
            case_id=announcement.case_id,
            event_key=f"reply:{announcement.key}",
            at=announcement.received_at,
            actor=update.actor,
            action="invitation_replied",
            detail=reply_detail(update),
        )
    )


def reply_handler(sessionmaker: async_sessionmaker[AsyncSession], client: Client) -> ReplyHandler:
    store = CaseStore(sessionmaker)

    async def announce(announcement: Announcement) -> None:
        await tell_case(client, store, announcement)

    return ReplyHandler(sessionmaker, announce=announce)


async def read_mailbox(
    settings: Settings,
    client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
    stop: asyncio.Event | None = None,
) -> None:
    """Read the product's mailbox until ``stop`` (or cancelled); returns at once without an IMAP host."""
    config = ImapConfig.from_settings(settings)
    if config is None:
        return
    handler = reply_handler(sessionmaker, client)
    logger.info("reading calendar replies from %s:%s (%s)", config.host, config.port, config.mailbox)
    await ImapReader(config, handler.handle_bytes).run(stop)
