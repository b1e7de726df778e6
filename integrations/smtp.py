"""Sending mail over SMTP (aiosmtplib), with errors the activities can act on.

- :class:`TransientMailError`: 4xx replies, refused or dropped connections, timeouts. Retry.
  Subclasses: :class:`DeliveryUnknownError` (the connection broke while the message itself was
  being handed over: it may or may not have arrived) and :class:`MailConfigurationError` (login
  refused, STARTTLS required but not offered, certificate not trusted: fix the settings; retrying
  is right because nothing was sent).
- :class:`PermanentMailError`: 5xx replies and addresses that cannot be sent to, among them an
  internationalised address (RFC 6531, ``jörg@example.nl``) when the server does not offer
  SMTPUTF8, and one the mail library refuses to write in the envelope (a ``ValueError``). Do not
  retry; ``recipients`` says whom it concerns. Its subclass :class:`AbandonedMailError` is a
  transient failure that outlasted the activity's last attempt (integrations.outbox, ``final``).

A message to or from an internationalised address goes with SMTPUTF8 (its headers in UTF-8, RFC
6532) when the server offers it; every other message is written in ASCII as before.

One transaction is all or nothing: if the server refuses any recipient, the envelope is reset and
nothing is sent (a partial send could not be retried without sending twice). Each message is sent
within an overall ``asyncio.timeout``. TLS is none, STARTTLS (required: a server that does not
offer it is refused, never used in plain text) or implicit TLS.

One :class:`SmtpSender` serves the whole process: it keeps a few connections open (each carries one
message at a time) and reuses them across calls and across concurrent activities; an idle one is
closed after ``idle_timeout`` seconds, and one the server dropped while idle is re-opened before
anything is sent on it. ``async with sender:`` is still accepted around a batch, but not needed.
"""

from __future__ import annotations

import asyncio
import email.errors
import email.parser
import email.policy
import functools
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.errors import NonASCIILocalPartDefect
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import getaddresses
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

import aiosmtplib

from integrations import sanitize

if TYPE_CHECKING:  # pragma: no cover
    from reintegratie.config.settings import Settings

TLS_MODES = ("none", "starttls", "tls")


def fold_settings(policy: email.policy.EmailPolicy) -> tuple[Any, ...]:
    """What folding a header depends on: the policy's line length, line end and ``utf8`` (the only
    settings ``email._header_value_parser`` folds by), not the policy object.

    The generator writes every part of a multipart message with a fresh clone of the policy
    (``email.generator``'s ``_handle_multipart``), so a cache keyed by the policy object would gain
    an entry, and keep a policy alive, for every part ever written by a shared header.
    """
    return (policy.max_line_length, policy.linesep, policy.utf8)


if TYPE_CHECKING:  # pragma: no cover
    _HeaderMixinBase = BaseHeader  # the mixin is only ever combined with a header class
else:
    _HeaderMixinBase = object


class _FoldedOnce(_HeaderMixinBase):
    """Header objects never change, and the mail module shares the ones that repeat (Content-Type,
    From, ...) between messages: fold each once per policy setting instead of once per message
    written (:func:`fold_settings`: one entry per setting, however many messages are written)."""

    def fold(self, *, policy: email.policy.Policy) -> str:
        folded: dict[tuple[Any, ...], str] = self.__dict__.setdefault("_folded", {})
        # Headers fold only under an EmailPolicy (BaseHeader.fold reads ``policy.utf8`` too); the
        # stubs type the argument as the base Policy, as BaseHeader.fold declares it.
        key = fold_settings(cast(email.policy.EmailPolicy, policy))
        text = folded.get(key)
        if text is None:
            text = super().fold(policy=policy)
            addresses = getattr(self, "addresses", None)
            if addresses is not None and _addresses_in(text) != _pairs(addresses):
                # Python 3.11 folds a quoted-string display name that does not fit on a line without
                # its quotes: "Jansen, Mark ..." then reads as two addresses. One line instead (RFC
                # 5322 allows 998 octets; a name is at most 200 characters, an address 254).
                text = super().fold(policy=policy.clone(max_line_length=0))
            elif text.startswith(f"{self.name}:{policy.linesep}"):
                # A value that does not fit beside its name goes whole onto the next line, and
                # readers then show a subject that starts with a space. On one line when it fits in
                # RFC 5322's 998 octets (a subject is at most 150 characters).
                one_line = super().fold(policy=policy.clone(max_line_length=0))
                if len(one_line.encode()) <= 998 + len(policy.linesep):
                    text = one_line
            folded[key] = text
        return text


def _pairs(addresses: Sequence[Address]) -> list[tuple[str, str]]:
    return [(address.display_name, address.addr_spec) for address in addresses]


def _addresses_in(folded: str) -> list[tuple[str, str]]:
    """The (display name, address) pairs a reader finds in a folded address header."""
    parsed = email.parser.HeaderParser(policy=email.policy.default).parsestr(folded)
    header = next(iter(parsed.values()), None)
    return _pairs(getattr(header, "addresses", ()))


class _Headers(HeaderRegistry):
    """The standard header registry, but each header class is made once (the standard registry
    makes a new class on every lookup, and a message looks its headers up many times while it is
    built and written), and folds once (:class:`_FoldedOnce`)."""

    @functools.cache  # noqa: B019 - one registry per process, never freed
    def __getitem__(self, name: str) -> type[BaseHeader]:
        standard = super().__getitem__(name)
        return type(standard.__name__, (_FoldedOnce, standard), {})


#: The registry itself, typed (the policy's ``header_factory`` is typed as a plain callable).
HEADERS = _Headers()

#: ``email.policy.SMTP`` (CRLF line ends, headers as the message has them) with that registry.
WIRE_POLICY = email.policy.SMTP.clone(header_factory=HEADERS)
_POLICY = WIRE_POLICY
_UTF8_POLICY = WIRE_POLICY.clone(utf8=True)  # email.policy.SMTPUTF8 with that registry

#: Why a message to an internationalised address is refused by a server without SMTPUTF8.
NO_SMTPUTF8 = "the mail server does not accept international addresses (it does not offer SMTPUTF8)"


class MailError(Exception):
    """Base of the errors of :class:`SmtpSender`."""

    def __init__(self, message: str, *, recipients: Sequence[str] = (), code: int | None = None) -> None:
        super().__init__(message)
        self.recipients: tuple[str, ...] = tuple(recipients)
        self.code = code


class TransientMailError(MailError):
    """4xx, disconnects, timeouts: the activity retries."""


class DeliveryUnknownError(TransientMailError):
    """The connection broke after the message data was handed over: it may have been delivered."""


class MailConfigurationError(TransientMailError):
    """The SMTP settings do not work (login, TLS). Nothing was sent; retry after fixing them."""


class PermanentMailError(MailError):
    """5xx, an invalid address or one the server cannot take (no SMTPUTF8): do not retry.
    ``recipients`` names the refused address(es)."""


class AbandonedMailError(PermanentMailError):
    """A transient failure that lasted until the last attempt of the activity (a mail server away
    for hours, a reply that kept saying "try later"): not sent, and not tried again by itself.
    Permanent from here on, so the others are served, the outbox row says so and HR is told."""


_ADDRESS_IN_REPLY = re.compile(r"[^\s<>\"'(),;:\[\]]+@[^\s<>\"'(),;:\[\]]+")


def _reply(message: str) -> str:
    """The server's reply on one line, without the addresses servers echo in it ("<a@b>: Recipient
    address rejected"): the error reaches the logs and the workflow history, which carry ids, never
    addresses. The error's ``recipients`` names them for the outbox."""
    return _ADDRESS_IN_REPLY.sub("[address]", sanitize.one_line(message, limit=300))


def _classify(exc: aiosmtplib.SMTPResponseException, text: str, recipients: Sequence[str]) -> MailError:
    message = f"{text}: {exc.code} {_reply(exc.message)}"
    if 400 <= exc.code < 500:
        return TransientMailError(message, recipients=recipients, code=exc.code)
    return PermanentMailError(message, recipients=recipients, code=exc.code)


def envelope(message: EmailMessage) -> tuple[str, list[str]]:
    """(sender, recipients) of a message, every address checked; raises PermanentMailError."""
    senders = getaddresses([str(v) for v in message.get_all("Sender", []) or message.get_all("From", [])])
    if len(senders) != 1:
        raise PermanentMailError("the message needs exactly one From address")
    for field in ("From", "Sender", "To", "Cc", "Bcc"):
        for header in message.get_all(field, []):
            # The parser had to guess: never send a guess. A non-ASCII local part is no guess but an
            # internationalised address (RFC 6531), checked below like any other.
            defects = [d for d in getattr(header, "defects", ()) if not isinstance(d, NonASCIILocalPartDefect)]
            if defects:
                raise PermanentMailError(f"malformed {field} header", recipients=[str(header)[:200]])
    recipients: list[str] = []
    for field in ("To", "Cc", "Bcc"):
        for _name, addr in getaddresses([str(v) for v in message.get_all(field, [])]):
            recipients.append(addr)
    if not recipients:
        raise PermanentMailError("the message has no recipients")
    bad = [addr for addr in recipients if not sanitize.is_address(addr)]
    if bad:
        raise PermanentMailError("invalid recipient address", recipients=bad)
    try:
        sender = sanitize.address(senders[0][1])
    except sanitize.InvalidAddressError:
        raise MailConfigurationError(f"invalid sender address {senders[0][1]!r}") from None
    seen: dict[str, None] = {}
    for addr in recipients:
        seen.setdefault(addr, None)
    return sender, list(seen)


def message_bytes(message: EmailMessage, *, utf8: bool = False) -> bytes:
    """The message as it goes over the wire: CRLF line ends, without Bcc. ``utf8``: headers in
    UTF-8 as they are (RFC 6532), for a server that takes the message with SMTPUTF8; else ASCII
    with RFC 2047 encoded words."""
    if message.get_all("Bcc"):
        message = _copy(message)
        del message["Bcc"]
    return message.as_bytes(policy=_UTF8_POLICY if utf8 else _POLICY)


def _copy(message: EmailMessage) -> EmailMessage:
    import copy

    return copy.deepcopy(message)


@dataclass
class _Attempt:
    """One message on its way: the connection it uses and how far the transaction got."""

    smtp: aiosmtplib.SMTP | None = None
    phase: str = "connect"  # connect | envelope | data
    clean: bool = False  # the connection is between transactions and may be used again


@dataclass
class _Idle:
    smtp: aiosmtplib.SMTP
    expiry: asyncio.TimerHandle

    def close(self) -> None:
        self.expiry.cancel()
        self.smtp.close()


class SmtpSender:
    """Sends :class:`EmailMessage` objects; see the module docstring for the error contract.

    One sender serves a whole process: it keeps up to ``max_connections`` connections, each used
    by one message at a time, and keeps an idle one open for ``idle_timeout`` seconds so that the
    next message (of the same call, or of another activity) needs no new connection. A kept
    connection that the server closed meanwhile is replaced once, before anything was sent on it.
    ``idle_timeout=0`` closes every connection after its message (QUIT)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        tls_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        max_connections: int = 3,
        idle_timeout: float = 30.0,
    ) -> None:
        tls = getattr(tls, "value", tls)
        if tls not in TLS_MODES:
            raise ValueError(f"tls must be one of {TLS_MODES}, not {tls!r}")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if idle_timeout < 0:
            raise ValueError("idle_timeout must not be negative")
        self.host = host
        self.port = port
        self.tls = tls
        self.username = username
        self._password = password
        self.timeout = timeout
        self.tls_context = tls_context
        self.local_hostname = local_hostname
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Idle] = []  # most recently used last
        self._closing: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSender:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password is not None else None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            tls=settings.smtp_tls.value,
            username=settings.smtp_username,
            password=password,
            timeout=settings.smtp_timeout_seconds,
        )

    def __repr__(self) -> str:  # never shows the password
        return f"SmtpSender({self.host!r}, {self.port}, tls={self.tls!r}, username={self.username!r})"

    # -- connection ---------------------------------------------------------------------------------

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self._password,
            local_hostname=self.local_hostname,
            timeout=self.timeout,
            use_tls=self.tls == "tls",
            start_tls=self.tls == "starttls",  # True: required, never the silent "if offered"
            tls_context=self.tls_context,
        )

    async def _connect(self) -> aiosmtplib.SMTP:
        smtp = self._client()
        try:
            await smtp.connect()
        except aiosmtplib.SMTPAuthenticationError as exc:
            smtp.close()
            raise MailConfigurationError(f"SMTP login refused: {exc.code}", code=exc.code) from exc
        except ssl.SSLError as exc:
            smtp.close()
            raise MailConfigurationError(f"TLS with the SMTP server failed: {exc}") from exc
        except (
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPServerDisconnected,
            aiosmtplib.SMTPTimeoutError,
            OSError,
        ) as exc:
            smtp.close()
            if _caused_by_tls(exc):  # aiosmtplib wraps certificate failures in SMTPConnectError
                raise MailConfigurationError(f"TLS with the SMTP server failed: {exc}") from exc
            raise TransientMailError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            smtp.close()
            raise TransientMailError(f"SMTP server refused the session: {exc.code}", code=exc.code) from exc
        except aiosmtplib.SMTPException as exc:
            smtp.close()
            # e.g. "SMTP STARTTLS extension not supported by server."; login not offered
            raise MailConfigurationError(f"SMTP session not as configured: {exc}") from exc
        except BaseException:  # cancelled or timed out while connecting
            smtp.close()
            raise
        if self.tls != "none" and smtp.get_transport_info("sslcontext") is None:  # belt and braces
            smtp.close()
            raise MailConfigurationError("the SMTP connection is not encrypted")
        return smtp

    async def _quit(self, smtp: aiosmtplib.SMTP) -> None:
        try:
            if smtp.is_connected:
                async with asyncio.timeout(self.timeout):
                    await smtp.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            pass
        finally:
            smtp.close()

    def _bind_loop(self) -> None:
        """The pool belongs to one event loop; a sender used from a new loop starts afresh."""
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        old, self._loop = self._loop, loop
        for idle in self._idle:  # they can only be closed on their own loop, if it still exists
            if old is not None and not old.is_closed():
                old.call_soon_threadsafe(idle.close)
        self._idle.clear()
        self._slots = asyncio.Semaphore(self.max_connections)

    async def _checkout(self, attempt: _Attempt, recipients: Sequence[str]) -> None:
        """Take a slot (at most ``max_connections`` messages at once) and a kept connection, if any."""
        self._bind_loop()
        try:
            async with asyncio.timeout(self.timeout):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise TransientMailError(f"no SMTP connection free within {self.timeout}s", recipients=recipients) from exc
        while self._idle:
            idle = self._idle.pop()
            idle.expiry.cancel()
            if idle.smtp.is_connected:
                attempt.smtp = idle.smtp
                return
            idle.smtp.close()

    async def _checkin(self, attempt: _Attempt) -> None:
        """Keep the connection for the next message, or close it; give the slot back."""
        try:
            smtp, attempt.smtp = attempt.smtp, None
            if smtp is None:
                return
            if not attempt.clean or not smtp.is_connected:
                smtp.close()
            elif self.idle_timeout <= 0:
                await self._quit(smtp)
            else:
                assert self._loop is not None
                idle: _Idle  # the expiry callback refers to the entry it belongs to
                idle = _Idle(smtp, self._loop.call_later(self.idle_timeout, lambda: self._expire(idle)))
                self._idle.append(idle)
        finally:
            self._slots.release()

    def _expire(self, idle: _Idle) -> None:
        """An idle connection's time is up: say QUIT in the background."""
        if idle in self._idle:
            self._idle.remove(idle)
            task = asyncio.get_running_loop().create_task(self._quit(idle.smtp))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def aclose(self) -> None:
        """QUIT every kept connection (at shutdown; the sender can still send afterwards)."""
        idle, self._idle = self._idle, []
        for entry in idle:
            entry.expiry.cancel()
        await asyncio.gather(*(self._quit(entry.smtp) for entry in idle), *self._closing, return_exceptions=True)

    async def __aenter__(self) -> SmtpSender:
        """``async with sender:`` marks a batch; connections are kept across batches anyway."""
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    # -- sending ------------------------------------------------------------------------------------

    async def send(self, message: EmailMessage) -> None:
        """Send one message to all its To/Cc/Bcc recipients, or raise (see the module docstring)."""
        sender, recipients = envelope(message)
        utf8 = any(sanitize.needs_smtputf8(address) for address in (sender, *recipients))
        try:
            data = message_bytes(message, utf8=utf8)
        except (ValueError, TypeError, email.errors.MessageError) as exc:  # e.g. a header with a control character
            raise PermanentMailError(f"the message cannot be serialised: {exc}", recipients=recipients) from exc
        attempt = _Attempt()
        await self._checkout(attempt, recipients)
        try:
            async with asyncio.timeout(self.timeout):
                await self._send_on(attempt, sender, recipients, _Data(data, utf8))
        except TimeoutError as exc:
            attempt.clean = False
            if attempt.phase == "data":
                raise DeliveryUnknownError(
                    f"timed out after {self.timeout}s while handing over the message", recipients=recipients
                ) from exc
            raise TransientMailError(f"timed out after {self.timeout}s", recipients=recipients) from exc
        finally:
            await self._checkin(attempt)

    async def _send_on(self, attempt: _Attempt, sender: str, recipients: list[str], data: _Data) -> None:
        reused = attempt.smtp is not None
        if attempt.smtp is None:
            attempt.smtp = await self._connect()
        try:
            await self._transaction(attempt, sender, recipients, data)
            return
        except _IdleDrop as exc:
            attempt.smtp.close()
            if not reused:
                raise TransientMailError("the SMTP server closed the connection", recipients=recipients) from exc
        # The server closed the kept connection before it saw this message: reconnect once.
        attempt.phase = "connect"
        attempt.smtp = await self._connect()
        try:
            await self._transaction(attempt, sender, recipients, data)
        except _IdleDrop as exc:
            attempt.smtp.close()
            raise TransientMailError("the SMTP server closed the connection", recipients=recipients) from exc

    async def _transaction(self, attempt: _Attempt, sender: str, recipients: list[str], data: _Data) -> None:
        smtp = attempt.smtp
        assert smtp is not None
        attempt.clean = False
        # Envelope: nothing of the message has left yet, so a drop here is always safe to retry.
        attempt.phase = "envelope"
        try:
            if smtp.is_ehlo_or_helo_needed:  # the extensions are known only after EHLO
                await self._hello(smtp)
            if data.utf8 and not smtp.supports_extension("smtputf8"):
                attempt.clean = True  # nothing of this message was said: the connection serves the next
                international = [r for r in recipients if sanitize.needs_smtputf8(r)]
                raise PermanentMailError(
                    NO_SMTPUTF8, recipients=recipients if sanitize.needs_smtputf8(sender) else international
                )
            options = self._mail_options(smtp, data)
            encoding = "utf-8" if data.utf8 else "ascii"
            await smtp.mail(sender, options=options, encoding=encoding)
            refused: dict[str, aiosmtplib.SMTPRecipientRefused] = {}
            for recipient in recipients:
                try:
                    await smtp.rcpt(recipient, encoding=encoding)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    refused[recipient] = exc
        except (ValueError, UnicodeError) as exc:
            # The library cannot write an address on the SMTP command line (aiosmtplib refuses
            # white space and angle brackets in it; an encoding may not hold it). Only the envelope
            # was said: nothing of the message left, and no retry can change the address.
            await self._reset(attempt)
            raise PermanentMailError(
                f"the mail library cannot send to this address: {type(exc).__name__}", recipients=recipients
            ) from exc
        except aiosmtplib.SMTPSenderRefused as exc:
            await self._reset(attempt)
            raise _classify(exc, f"sender {sender} refused", recipients) from exc
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(attempt)
            raise _classify(exc, "envelope refused", recipients) from exc
        except (aiosmtplib.SMTPServerDisconnected, ConnectionError) as exc:
            raise _IdleDrop() from exc
        except (aiosmtplib.SMTPTimeoutError, TimeoutError) as exc:
            smtp.close()
            raise TransientMailError("the SMTP server did not answer", recipients=recipients) from exc
        if refused:
            await self._reset(attempt)
            permanent = [r for r, e in refused.items() if e.code >= 500]
            if permanent:
                first = refused[permanent[0]]
                raise PermanentMailError(
                    f"recipient refused: {first.code} {_reply(first.message)}",
                    recipients=permanent,
                    code=first.code,
                )
            first = next(iter(refused.values()))
            raise TransientMailError(
                f"recipient deferred: {first.code} {_reply(first.message)}",
                recipients=list(refused),
                code=first.code,
            )
        # Data: from here on a broken connection leaves the outcome unknown.
        attempt.phase = "data"
        try:
            await smtp.data(data.content)
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(attempt)
            raise _classify(exc, "message refused", recipients) from exc
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, ConnectionError, TimeoutError) as exc:
            smtp.close()
            raise DeliveryUnknownError(
                "the connection broke while the message was handed over", recipients=recipients
            ) from exc
        attempt.clean = True

    @staticmethod
    async def _hello(smtp: aiosmtplib.SMTP) -> None:
        try:
            await smtp.ehlo()
        except aiosmtplib.SMTPHeloError:
            await smtp.helo()  # an old server without ESMTP: no extensions

    @staticmethod
    def _mail_options(smtp: aiosmtplib.SMTP, data: _Data) -> list[str]:
        """The MAIL FROM parameters: the size, and SMTPUTF8 for a message to or from an
        internationalised address (with BODY=8BITMIME: its UTF-8 header fields are 8-bit content)."""
        options = []
        if smtp.supports_extension("size"):
            options.append(f"SIZE={len(data.content)}")
        if data.utf8:
            options.append("SMTPUTF8")
            if smtp.supports_extension("8bitmime"):
                options.append("BODY=8BITMIME")
        return options

    async def _reset(self, attempt: _Attempt) -> None:
        """RSET after a refusal, so the connection can carry the next message (else close it)."""
        assert attempt.smtp is not None
        try:
            await attempt.smtp.rset()
        except (aiosmtplib.SMTPException, OSError):
            attempt.smtp.close()
            return
        attempt.clean = True


def _caused_by_tls(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ssl.SSLError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@dataclass(frozen=True)
class _Data:
    """The message as it goes over the wire, and whether it needs SMTPUTF8."""

    content: bytes
    utf8: bool


class _IdleDrop(Exception):
    """The connection was found closed before the transaction sent anything."""


__all__ = [
    "AbandonedMailError",
    "DeliveryUnknownError",
    "MailConfigurationError",
    "MailError",
    "PermanentMailError",
    "SmtpSender",
    "TransientMailError",
    "envelope",
    "message_bytes",
]
