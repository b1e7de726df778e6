"""SmtpSender against a real aiosmtpd server."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
from email.message import EmailMessage

import pytest

from integrations.smtp import (
    DeliveryUnknownError,
    MailConfigurationError,
    PermanentMailError,
    SmtpSender,
    TransientMailError,
)
from reintegratie.config.settings import Settings, SmtpTls

from .conftest import SmtpServer


def plain(to: str = "mia.manager@example.com", subject: str = "Hallo", body: str = "Tekst\n") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Re-integratie <verzuim@example.nl>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = "<abc@example.nl>"
    message.set_content(body)
    return message


def sender_for(server: SmtpServer, **kwargs) -> SmtpSender:
    kwargs.setdefault("tls", "none")
    kwargs.setdefault("timeout", 5)
    return SmtpSender("127.0.0.1", server.port, **kwargs)


async def test_sends_one_message_with_crlf_bytes(smtp_server: SmtpServer) -> None:
    await sender_for(smtp_server).send(plain())
    (received,) = smtp_server.messages
    assert received.mail_from == "verzuim@example.nl"
    assert received.rcpt_tos == ["mia.manager@example.com"]
    assert b"\r\n" in received.data and b"\n" not in received.data.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(received.data, policy=email.policy.default)
    assert parsed["Message-ID"] == "<abc@example.nl>"


async def test_bcc_is_delivered_but_not_shown(smtp_server: SmtpServer) -> None:
    message = plain()
    message["Bcc"] = "hr@example.nl"
    await sender_for(smtp_server).send(message)
    (received,) = smtp_server.messages
    assert sorted(received.rcpt_tos) == ["hr@example.nl", "mia.manager@example.com"]
    assert b"hr@example.nl" not in received.data


async def test_batch_reuses_one_connection(smtp_server: SmtpServer) -> None:
    sender = sender_for(smtp_server)
    async with sender:
        for n in range(3):
            await sender.send(plain(subject=f"Bericht {n}"))
    assert len(smtp_server.messages) == 3
    assert len({m.peer for m in smtp_server.messages}) == 1


async def test_connections_are_kept_across_calls(smtp_server: SmtpServer) -> None:
    """Activities call send() one after another without a batch: they share one open connection."""
    sender = sender_for(smtp_server)
    await sender.send(plain())
    async with sender:
        await sender.send(plain())
    await sender.send(plain())
    assert len({m.peer for m in smtp_server.messages}) == 1
    await sender.aclose()
    assert smtp_server.handler.quits == 1


async def test_idle_timeout_zero_closes_after_each_message(smtp_server: SmtpServer) -> None:
    sender = sender_for(smtp_server, idle_timeout=0)
    await sender.send(plain())
    await sender.send(plain())
    assert len({m.peer for m in smtp_server.messages}) == 2
    assert smtp_server.handler.quits == 2


async def test_idle_connection_is_closed_after_the_idle_timeout(smtp_server: SmtpServer) -> None:
    sender = sender_for(smtp_server, idle_timeout=0.05)
    await sender.send(plain())
    await eventually(lambda: smtp_server.handler.quits == 1)
    await sender.send(plain())  # a new connection
    assert len({m.peer for m in smtp_server.messages}) == 2
    await sender.aclose()


async def test_concurrent_senders_share_at_most_max_connections(smtp_server: SmtpServer) -> None:
    sender = sender_for(smtp_server, max_connections=2)
    await asyncio.gather(*(sender.send(plain(subject=f"Bericht {n}")) for n in range(20)))
    await asyncio.gather(*(sender.send(plain(subject=f"Nog een {n}")) for n in range(20)))
    assert len(smtp_server.messages) == 40
    assert len({m.peer for m in smtp_server.messages}) <= 2
    await sender.aclose()
    assert smtp_server.handler.quits == len({m.peer for m in smtp_server.messages})


async def test_a_refused_message_leaves_the_connection_usable(smtp_server: SmtpServer) -> None:
    sender = sender_for(smtp_server)
    smtp_server.handler.refuse["nobody@example.com"] = "550 5.1.1 no such user"
    with pytest.raises(PermanentMailError):
        await sender.send(plain(to="nobody@example.com"))
    await sender.send(plain())
    await sender.send(plain())
    assert len({m.peer for m in smtp_server.messages}) == 1
    await sender.aclose()


def test_a_sender_survives_a_new_event_loop(smtp_server: SmtpServer) -> None:
    """Connections belong to the loop that opened them; a sender used from another loop opens new ones."""
    sender = sender_for(smtp_server)
    asyncio.run(sender.send(plain()))
    asyncio.run(sender.send(plain()))
    assert len(smtp_server.messages) == 2


async def eventually(condition, seconds: float = 10) -> None:
    """Wait until ``condition()`` holds (no assertion on how long that takes, within reason)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.01)


async def test_batch_reconnects_after_the_server_dropped_the_connection(smtp_server: SmtpServer) -> None:
    sender = sender_for(smtp_server)
    async with sender:
        await sender.send(plain(subject="voor"))
        smtp_server.stop()  # closes the idle connection
        smtp_server.start()
        await sender.send(plain(subject="na"))
    subjects = [email.message_from_bytes(m.data)["Subject"] for m in smtp_server.messages]
    assert subjects == ["voor", "na"]


async def test_server_down_is_transient_then_delivered_once(smtp_down: SmtpServer) -> None:
    sender = sender_for(smtp_down)
    with pytest.raises(TransientMailError):
        await sender.send(plain())
    smtp_down.start()
    await sender.send(plain())
    assert len(smtp_down.messages) == 1


async def test_recipient_5xx_is_permanent_and_names_the_recipient(smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse["nobody@example.com"] = "550 5.1.1 no such user"
    with pytest.raises(PermanentMailError) as caught:
        await sender_for(smtp_server).send(plain(to="nobody@example.com"))
    assert caught.value.recipients == ("nobody@example.com",)
    assert caught.value.code == 550
    assert smtp_server.messages == []


async def test_recipient_4xx_is_transient(smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse["mia.manager@example.com"] = "451 4.7.1 greylisted"
    with pytest.raises(TransientMailError) as caught:
        await sender_for(smtp_server).send(plain())
    assert not isinstance(caught.value, PermanentMailError)
    assert caught.value.code == 451


async def test_partial_refusal_sends_nothing(smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse["gone@example.com"] = "550 5.1.1 no such user"
    message = plain(to="mia.manager@example.com, gone@example.com")
    with pytest.raises(PermanentMailError) as caught:
        await sender_for(smtp_server).send(message)
    assert caught.value.recipients == ("gone@example.com",)
    assert smtp_server.messages == []


async def test_data_5xx_is_permanent_and_data_4xx_transient(smtp_server: SmtpServer) -> None:
    sender = sender_for(smtp_server)
    smtp_server.handler.data_reply = "554 5.6.0 rejected"
    with pytest.raises(PermanentMailError):
        await sender.send(plain())
    smtp_server.handler.data_reply = "451 4.3.0 later"
    with pytest.raises(TransientMailError) as caught:
        await sender.send(plain())
    assert not isinstance(caught.value, (PermanentMailError, DeliveryUnknownError))


async def test_drop_after_data_is_delivery_unknown(smtp_server: SmtpServer) -> None:
    smtp_server.handler.drop_after_data = True
    with pytest.raises(DeliveryUnknownError):
        await sender_for(smtp_server).send(plain())
    assert len(smtp_server.messages) == 1  # it did arrive: the client could not know


async def test_overall_timeout_while_handing_over_is_delivery_unknown(smtp_server: SmtpServer) -> None:
    smtp_server.handler.hang_after_data = True
    with pytest.raises(DeliveryUnknownError):
        await sender_for(smtp_server, timeout=0.5).send(plain())


@pytest.mark.parametrize(
    "address",
    [
        "mia@example.com\r\nBcc: evil@example.com",
        "mia@example.com>, evil@example.com",
        "=?utf-8?q?evil=40example.com?=@example.com",
        "no-at-sign",
        "mia@localhost",
    ],
)
async def test_invalid_addresses_are_refused_before_connecting(smtp_down: SmtpServer, address: str) -> None:
    message = EmailMessage()
    message["From"] = "verzuim@example.nl"
    message["Subject"] = "x"
    try:
        message["To"] = address
    except ValueError:
        return  # the email package refused it already: fine
    message.set_content("x")
    with pytest.raises(PermanentMailError):
        await sender_for(smtp_down).send(message)


async def test_starttls_required_refuses_a_server_without_starttls(smtp_server: SmtpServer) -> None:
    sender = sender_for(smtp_server, tls="starttls")
    with pytest.raises(MailConfigurationError):
        await sender.send(plain())
    assert smtp_server.messages == []


async def test_starttls_when_offered(
    smtp_down: SmtpServer, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext
) -> None:
    smtp_down.kwargs = {"tls_context": server_tls, "require_starttls": True}
    smtp_down.start()
    await sender_for(smtp_down, tls="starttls", tls_context=client_tls).send(plain())
    assert len(smtp_down.messages) == 1


async def test_implicit_tls(smtp_down: SmtpServer, server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    smtp_down.kwargs = {"ssl_context": server_tls}
    smtp_down.start()
    await sender_for(smtp_down, tls="tls", tls_context=client_tls).send(plain())
    assert len(smtp_down.messages) == 1


async def test_untrusted_certificate_is_a_configuration_error(
    smtp_down: SmtpServer, server_tls: ssl.SSLContext
) -> None:
    smtp_down.kwargs = {"ssl_context": server_tls}
    smtp_down.start()
    with pytest.raises(MailConfigurationError):
        await sender_for(smtp_down, tls="tls").send(plain())  # default trust store
    assert smtp_down.messages == []


def test_from_settings() -> None:
    settings = Settings(
        temporal_address="127.0.0.1:7233",
        database_url="sqlite+aiosqlite:///x.db",
        smtp_host="smtp.example.nl",
        smtp_port=587,
        smtp_username="verzuim",
        smtp_password="geheim",
        smtp_tls=SmtpTls.starttls,
        smtp_timeout_seconds=12,
        mail_from="verzuim@example.nl",
    )
    sender = SmtpSender.from_settings(settings)
    assert (sender.host, sender.port, sender.tls, sender.timeout) == ("smtp.example.nl", 587, "starttls", 12)
    assert "geheim" not in repr(sender)
