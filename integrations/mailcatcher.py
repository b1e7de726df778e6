"""A local mail catcher for the embedded stack: a real SMTP server (aiosmtpd) that keeps every message.

Each message received is written as one ``.eml`` file (atomically: temp file, then rename) in a
folder, so the web app's ``/outbox`` page can show what the product sent, and it survives restarts.
It never relays anything anywhere. Mail addressed to the product's own mailbox is also handed to
``on_mail`` (``reintegratie dev``: the calendar reply reader), as the IMAP reader does in production.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email
import email.policy
import itertools
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

_counter = itertools.count()
logger = logging.getLogger(__name__)


OnMail = Callable[[bytes], Awaitable[object]]


class _KeepEverything:
    """aiosmtpd handler: store the raw bytes of every message and accept it; hand mail for the
    product's own mailbox to ``on_mail`` (the reply reader), on the loop that owns it."""

    def __init__(
        self,
        folder: Path,
        *,
        mailbox: str | None = None,
        on_mail: OnMail | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.folder = folder
        self.mailbox = mailbox.lower() if mailbox else None
        self.on_mail = on_mail
        self.loop = loop

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{os.getpid()}-{next(_counter):06d}.eml"
        header = "".join(f"X-Envelope-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos).encode()
        temporary = self.folder / (name + ".part")
        temporary.write_bytes(header + envelope.original_content)
        temporary.rename(self.folder / name)
        if self.on_mail is not None and self.loop is not None and self.mailbox in _addresses(envelope.rcpt_tos):
            # aiosmtpd runs in a thread with a loop of its own; the handler's database and Temporal
            # connections belong to the caller's loop. The message is kept in the folder either way.
            future = asyncio.run_coroutine_threadsafe(_handed(self.on_mail, envelope.original_content), self.loop)
            future.add_done_callback(_log_failure)
        return "250 Message accepted for delivery"


def _addresses(recipients: list[str]) -> set[str]:
    return {str(recipient).lower() for recipient in recipients}


async def _handed(on_mail: OnMail, raw: bytes) -> None:
    await on_mail(bytes(raw))


def _log_failure(future: concurrent.futures.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("a message for the product's mailbox could not be handled", exc_info=future.exception())


class MailCatcher:
    """Start and stop the catcher; ``port=0`` is not supported by aiosmtpd, so pass a free port."""

    def __init__(
        self,
        folder: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 1025,
        mailbox: str | None = None,
        on_mail: OnMail | None = None,
    ) -> None:
        """``on_mail``: awaited (on the loop that makes the catcher) with each message for ``mailbox``."""
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.host = host
        self.port = port
        loop = asyncio.get_running_loop() if on_mail is not None else None
        handler = _KeepEverything(folder, mailbox=mailbox, on_mail=on_mail, loop=loop)
        self._controller = Controller(handler, hostname=host, port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@dataclass(frozen=True)
class CaughtMessage:
    """A message in the catcher's folder, as the /outbox page lists it."""

    name: str
    received_at: datetime
    sender: str
    recipients: tuple[str, ...]
    subject: str
    calendar_method: str | None
    message: EmailMessage

    def calendar_part(self) -> bytes | None:
        for part in self.message.walk():
            if part.get_content_type() == "text/calendar":
                payload = part.get_payload(decode=True)
                return payload if isinstance(payload, bytes) else None
        return None

    def text_part(self) -> str:
        for part in self.message.walk():
            if part.get_content_type() == "text/plain":
                return str(part.get_content())
        return ""


def read_caught(path: Path) -> CaughtMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    method = None
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            raw_method = part.get_param("method")
            method = str(raw_method) if raw_method else None
    received = datetime.strptime(path.name.split("-", 1)[0], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    return CaughtMessage(
        name=path.name,
        received_at=received,
        sender=str(message.get("From", "")),
        recipients=tuple(str(value) for value in message.get_all("X-Envelope-To", [])),
        subject=str(message.get("Subject", "")),
        calendar_method=method,
        message=message,
    )


def list_caught(folder: Path, *, limit: int = 200) -> list[CaughtMessage]:
    """The newest messages first."""
    if not folder.is_dir():
        return []
    names = sorted((p for p in folder.glob("*.eml")), key=lambda p: p.name, reverse=True)
    return [read_caught(path) for path in names[:limit]]


def find_caught(folder: Path, name: str) -> CaughtMessage | None:
    """One message by file name; names that are not plain file names are refused."""
    if "/" in name or "\\" in name or not name.endswith(".eml") or name.startswith("."):
        return None
    path = folder / name
    return read_caught(path) if path.is_file() else None
