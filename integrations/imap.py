"""The product's mailbox over IMAP: calendar replies are read and handled, everything else is left alone.

:class:`ImapReader` logs in with IMAPClient (a blocking library: each call runs in a thread, one
connection per reader), selects the mailbox and hands every message it has not looked at yet to
``handle`` (:meth:`integrations.replies.ReplyHandler.handle_bytes`). What ``handle`` says decides
what happens to the message:

- **handled** (a reply to one of our invitations, stored): marked ``\\Seen`` and moved to
  ``processed_mailbox`` (created when missing), or only marked ``\\Seen`` with the keyword
  :data:`DONE` when no such folder is wanted;
- **not a reply**, or a reply that is **ignored** (not ours, not from the attendee): left for a
  person, unseen in the inbox. It only gets the keyword :data:`CHECKED` (invisible in most mail
  programs), so that it is not read again on every round;
- **an error** (database or Temporal unreachable): nothing is changed; the next round reads it again.

Messages are fetched with ``BODY.PEEK[]``, which does not set ``\\Seen``. :meth:`ImapReader.run`
reads, then waits for the server to announce new mail (IMAP IDLE, RFC 2177) or polls when the
server has no IDLE or ``idle`` is off, and reconnects after a failure with a growing pause.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from integrations.replies import Handled
from reintegratie.config.settings import ImapTls, Settings

logger = logging.getLogger(__name__)

CHECKED = b"$ReintegratieChecked"
"""Keyword on mail that was looked at and left for a person (it stays unseen)."""
DONE = b"$ReintegratieDone"
"""Keyword on a handled reply when it is not moved to a folder of its own."""
SEEN = b"\\Seen"
IDLE_RENEW_SECONDS = 600.0  # RFC 2177: re-issue IDLE at least every 29 minutes
IDLE_CHECK_SECONDS = 5.0  # how long one wait in IDLE blocks its thread (and delays a stop)
BATCH = 50  # messages fetched per round trip


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    tls: ImapTls = ImapTls.tls
    mailbox: str = "INBOX"
    processed_mailbox: str | None = "Verwerkt"
    idle: bool = True
    poll_seconds: float = 60.0
    timeout_seconds: float = 30.0
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapConfig | None:
        """The mailbox the settings name; None when no IMAP server is configured."""
        if not settings.imap_host:
            return None
        if not settings.imap_username or settings.imap_password is None:
            raise ValueError("REINTEGRATIE_IMAP_USERNAME and REINTEGRATIE_IMAP_PASSWORD are needed with an IMAP host")
        return cls(
            host=settings.imap_host,
            port=settings.imap_port,
            username=settings.imap_username,
            password=settings.imap_password.get_secret_value(),
            tls=settings.imap_tls,
            mailbox=settings.imap_mailbox,
            processed_mailbox=settings.imap_processed_mailbox or None,
            idle=settings.imap_idle,
            poll_seconds=settings.imap_poll_seconds,
        )


@dataclass
class ReadReport:
    """What one round did."""

    handled: int = 0
    left: int = 0  # left for a person (not a reply, or an ignored reply)
    failed: int = 0  # an error: kept as it was, to read again


Handle = Callable[[bytes], Awaitable[Handled]]


class ImapReader:
    """Read the mailbox in rounds (:meth:`read_once`) or for as long as it runs (:meth:`run`)."""

    def __init__(self, config: ImapConfig, handle: Handle) -> None:
        self.config = config
        self._handle = handle
        self._client: IMAPClient | None = None
        self._looked_at: set[tuple[int, int]] = set()  # (UIDVALIDITY, UID): for servers without keywords
        self._uidvalidity = 0
        self._folder_ready = False

    # ------------------------------------------------------------------------------------ connecting

    async def _call(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(function, *args)

    def _connect_blocking(self) -> IMAPClient:
        config = self.config
        context = config.ssl_context or ssl.create_default_context()
        client = IMAPClient(
            config.host,
            port=config.port,
            ssl=config.tls == ImapTls.tls,
            ssl_context=context if config.tls == ImapTls.tls else None,
            timeout=config.timeout_seconds,
        )
        try:
            if config.tls == ImapTls.starttls:
                client.starttls(context)
            client.login(config.username, config.password)
            selected = client.select_folder(config.mailbox)
        except BaseException:
            _close(client)
            raise
        self._uidvalidity = int(selected.get(b"UIDVALIDITY", 0))
        return client

    async def connect(self) -> None:
        if self._client is None:
            self._client = await self._call(self._connect_blocking)
            self._folder_ready = False

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await self._call(_logout, client)

    # -------------------------------------------------------------------------------------- reading

    async def read_once(self) -> ReadReport:
        """Look at every message not looked at yet; see the module docstring for what follows."""
        await self.connect()
        client = self._client
        assert client is not None
        report = ReadReport()
        uids = await self._call(client.search, ["UNSEEN", "UNKEYWORD", CHECKED])
        fresh = [uid for uid in sorted(uids) if (self._uidvalidity, uid) not in self._looked_at]
        for start in range(0, len(fresh), BATCH):
            batch = fresh[start : start + BATCH]
            fetched = await self._call(client.fetch, batch, ["BODY.PEEK[]"])
            for uid in batch:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if not isinstance(raw, bytes):
                    continue  # expunged meanwhile
                await self._one(client, uid, raw, report)
        return report

    async def _one(self, client: IMAPClient, uid: int, raw: bytes, report: ReadReport) -> None:
        try:
            result = await self._handle(raw)
        except Exception:
            logger.exception("a message in the mailbox could not be handled now; it is read again later")
            report.failed += 1
            return
        if result.done:
            await self._file_away(client, uid)
            report.handled += 1
        else:
            await self._call(client.add_flags, [uid], [CHECKED], True)
            self._looked_at.add((self._uidvalidity, uid))
            report.left += 1

    async def _file_away(self, client: IMAPClient, uid: int) -> None:
        folder = self.config.processed_mailbox
        if not folder:
            await self._call(client.add_flags, [uid], [SEEN, DONE], True)
            return
        if not self._folder_ready:
            if not await self._call(client.folder_exists, folder):
                await self._call(client.create_folder, folder)
            self._folder_ready = True
        await self._call(client.add_flags, [uid], [SEEN], True)
        if await self._call(client.has_capability, "MOVE"):
            await self._call(client.move, [uid], folder)
            return
        await self._call(client.copy, [uid], folder)
        await self._call(client.add_flags, [uid], [b"\\Deleted"], True)
        if await self._call(client.has_capability, "UIDPLUS"):
            await self._call(client.uid_expunge, [uid])
        else:
            await self._call(client.expunge)

    # -------------------------------------------------------------------------------------- waiting

    async def wait_for_mail(self, stop: asyncio.Event) -> None:
        """Until the server says something changed (IDLE), the poll interval passed, or ``stop``."""
        client = self._client
        assert client is not None
        if not (self.config.idle and await self._call(client.has_capability, "IDLE")):
            await _sleep_or_stop(stop, self.config.poll_seconds)
            await self._call(client.noop)
            return
        await self._call(client.idle)
        try:
            waited = 0.0
            while not stop.is_set() and waited < IDLE_RENEW_SECONDS:
                responses = await self._call(client.idle_check, IDLE_CHECK_SECONDS)
                waited += IDLE_CHECK_SECONDS
                if any(_news(response) for response in responses):
                    break
        finally:
            await self._call(client.idle_done)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Read, wait, read again, until ``stop`` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        pause = 1.0
        try:
            while not stop.is_set():
                try:
                    report = await self.read_once()
                    if report.handled or report.left or report.failed:
                        logger.info(
                            "mailbox: %d replies handled, %d left for a person, %d to try again",
                            report.handled,
                            report.left,
                            report.failed,
                        )
                    if report.failed:  # try those again after the poll interval, new mail or not
                        await _sleep_or_stop(stop, self.config.poll_seconds)
                    else:
                        await self.wait_for_mail(stop)
                    pause = 1.0
                except (OSError, IMAPClientError, TimeoutError) as exc:
                    config = self.config
                    logger.warning("mailbox %s:%s unreachable (%s); trying again", config.host, config.port, exc)
                    await self.close()
                    await _sleep_or_stop(stop, pause)
                    pause = min(pause * 2, self.config.poll_seconds)
        finally:
            await self.close()


def _news(response: Any) -> bool:
    """An IDLE response that means new or changed mail: ``(n, b'EXISTS')`` or ``(n, b'RECENT')``."""
    return isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except (OSError, IMAPClientError):
        _close(client)


def _close(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except (OSError, IMAPClientError):
        pass


__all__ = ["CHECKED", "DONE", "ImapConfig", "ImapReader", "ImapTls", "ReadReport"]
