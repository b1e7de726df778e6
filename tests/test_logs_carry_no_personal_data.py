"""Logs carry ids, never names, e-mail addresses or free text.

A whole case (``riv_complete``: two years of the real workflow and activities under time skipping,
with mail, a coach, talks with their verslagen, the employee's views) runs while every log record of
every logger at the production level (INFO and above) is kept. Each record is written as the
product writes it in production (:class:`JsonFormatter`: message, extra attributes, exception), and
none may hold a person's name or e-mail address, or any text a person typed into the case.

Failures are where addresses slip in, so the same holds when the mail server refuses an address for
good or for now (the activity's failure, which the Temporal SDK logs with its message), when a
calendar reply is ignored, and when a daily summary waits for the mail server.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from reintegratie.config.observability import JsonFormatter
from tests.support import SmtpSink, free_port
from tests.workflows.harness import BUDDY, CASEMANAGER, COACH, EMPLOYEE, MANAGER, case_world
from tests.workflows.record_histories import RIV_ADVICE, RIV_REPORT, riv_complete
from workflows.commands import AssignCoach

PEOPLE = (EMPLOYEE, MANAGER, CASEMANAGER, COACH, BUDDY)
TEAM_ADDRESS = "team@example.nl"
# The test's SMTP sink (aiosmtpd) stands in for the mail server: its protocol trace names every
# envelope address, as a mail server's log does. It is not the product's log (in the product aiosmtpd
# runs only as the dev stack's mail catcher, whose process leaves the root logger at WARNING).
MAIL_SERVER_LOGGERS = ("mail.log",)
# What riv_complete types in besides RIV_ADVICE and RIV_REPORT (summaries, views, reasons, plan texts).
TYPED_IN = (
    "Administratie",
    "Rustig opbouwen in het eigen werk",
    "Ik wil graag beginnen met de administratie",
    "Dit plan past bij wat ik kan",
    "Het gaat te snel",
    "Tempo besproken",
    "Het tempo gaat omlaag",
    "Evaluatie met een bijgesteld plan",
    "Minder uren: het tempo was te hoog",
    "Plan bijgesteld",
    "Tempo past nu",
    "Rustig verder",
    "Langer dan een jaar",
    "Terugkeer in het eigen werk is binnen drie maanden niet te verwachten",
    "Tweede spoor starten",
    "Intake en arbeidsmarktoriëntatie",
    "Re-integratiebureau De Brug",
    "Plan loopt",
    "Beide sporen doorlopen",
    "Ik ben goed begeleid",
)


def _forbidden() -> list[str]:
    """Every name (and each part of it longer than a particle), e-mail address and typed-in text."""
    words: list[str] = [TEAM_ADDRESS]
    for person in PEOPLE:
        words += [person.name, person.email, person.email.split("@")[0] + "@"]
        words += [part for part in person.name.split() if len(part) > 3]
    for record in (RIV_ADVICE, RIV_REPORT):
        words += [value for value in dataclasses.asdict(record).values() if isinstance(value, str) and value]
    return words + list(TYPED_IN)


def test_the_forbidden_list_catches_a_leak() -> None:
    """The check below would see a name, an address or a text in any part of a record."""
    formatter = JsonFormatter()
    leaks = [
        logging.makeLogRecord({"msg": "mail to %s", "args": (EMPLOYEE.email,), "levelno": logging.INFO}),
        logging.makeLogRecord({"msg": "sent", "recipient": MANAGER.name}),
        logging.makeLogRecord({"msg": "summary: %s", "args": ("Plan loopt",)}),
    ]
    for record in leaks:
        line = formatter.format(record)
        assert any(word in line for word in _forbidden()), line


async def test_a_whole_case_logs_no_name_address_or_typed_in_text(
    time_skipping_server: WorkflowEnvironment,
    smtp_sink: SmtpSink,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # the production level (REINTEGRATIE_LOG_LEVEL=INFO), every logger
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await riv_complete(world)
        sent = len(smtp_sink.messages)

    assert sent > 0, "the scenario sent no mail: it did not run"
    formatter = JsonFormatter()
    ours = [record for record in caplog.records if record.name not in MAIL_SERVER_LOGGERS]
    assert ours, "no log record was kept: the capture does not work"
    lines = [formatter.format(record) for record in ours]
    forbidden = _forbidden()
    leaks = [(word, line) for line in lines for word in forbidden if word in line]
    assert not leaks, "\n".join(f"{word!r} in {line}" for word, line in leaks[:20])


@dataclass
class RefusingSink(SmtpSink):
    """A mail server that refuses the employee for good and the manager once, naming the address in
    its reply as real servers do ("<address>: Recipient address rejected")."""

    tried: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: object, session: object, envelope: object, address: str, rcpt_options: list[str]
    ) -> str:
        if address == EMPLOYEE.email:
            return f"550 5.1.1 <{address}>: Recipient address rejected: user unknown"
        if address == MANAGER.email and address not in self.tried:
            self.tried.add(address)
            return f"450 4.2.0 <{address}>: Recipient address rejected: try again later"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def refusing_sink() -> Iterator[RefusingSink]:
    sink = RefusingSink(host="127.0.0.1", port=free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


async def test_refused_and_retried_mail_is_logged_without_addresses(
    time_skipping_server: WorkflowEnvironment,
    refusing_sink: RefusingSink,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Failures are where addresses slip into logs: a refused recipient, a retried delivery."""
    caplog.set_level(logging.INFO)
    async with case_world(time_skipping_server, refusing_sink, tmp_path) as world:
        await world.open()
        await world.command("assign_coach", AssignCoach, coach=COACH)
        await world.advance(timedelta(days=8))
        sent = len(refusing_sink.messages)

    assert sent > 0 and MANAGER.email in refusing_sink.tried, "the scenario sent no mail or none was refused"
    ours = [record for record in caplog.records if record.name not in MAIL_SERVER_LOGGERS]
    assert any(record.levelno >= logging.WARNING for record in ours), "no failure was logged: nothing was tested"
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in ours]
    forbidden = _forbidden()
    leaks = [(word, line) for line in lines for word in forbidden if word in line]
    assert not leaks, "\n".join(f"{word!r} in {line}" for word, line in leaks[:20])


async def test_an_ignored_calendar_reply_is_logged_without_the_sender_s_address(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A reply from someone not invited, for someone else, or without an answer is logged by the
    invitation's UID, not by who sent it."""
    from integrations.db import make_engine, make_sessionmaker
    from integrations.feeds import save_series
    from integrations.replies import Outcome, ReplyHandler
    from tests.integrations.test_replies import MAILBOX, MARK, START, evaluation
    from tests.itip_replies import thunderbird_reply
    from tests.support import create_tables

    stranger = ("Eve Buiten", "eve@elders.example")
    engine = make_engine(sqlite_url)
    await create_tables(engine)
    sessionmaker = make_sessionmaker(engine)
    series = evaluation()
    await save_series(sessionmaker, case_id="case-1", series=series)
    handler = ReplyHandler(sessionmaker)
    replies = [
        thunderbird_reply(
            uid=series.uid, attendee=stranger, partstat="ACCEPTED", organizer=MAILBOX, summary="x", start=START
        ),
        thunderbird_reply(
            uid=series.uid,
            attendee=MARK,
            partstat="DECLINED",
            organizer=MAILBOX,
            summary="x",
            start=START,
            sender=stranger,
        ),
        thunderbird_reply(
            uid=series.uid, attendee=MARK, partstat="NEEDS-ACTION", organizer=MAILBOX, summary="x", start=START
        ),
    ]
    caplog.set_level(logging.INFO)
    try:
        for raw in replies:
            assert (await handler.handle_bytes(raw)).outcome == Outcome.ignored
    finally:
        await engine.dispose()

    lines = [JsonFormatter().format(record) for record in caplog.records if record.name not in MAIL_SERVER_LOGGERS]
    assert len([line for line in lines if series.uid in line]) == len(replies), lines
    for address in (stranger[1], MARK[1]):
        assert not [line for line in lines if address in line], address


async def test_a_summary_that_waits_for_the_mail_server_is_logged_without_its_recipient(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The summary loop logs a summary it must try again by the summary's day, never by its reader."""
    from integrations.db import make_engine, make_sessionmaker
    from integrations.digest import Holding, send_due_and_warn
    from integrations.preferences import set_mode
    from integrations.smtp import SmtpSender
    from tests.integrations.test_digest import MARK, TUESDAY_10, WEDNESDAY_08, first_day
    from tests.support import create_tables

    engine = make_engine(sqlite_url)
    await create_tables(engine)
    store = make_sessionmaker(engine)
    nobody_listens = SmtpSender("127.0.0.1", free_port(), tls="none", timeout=5)
    try:
        await set_mode(store, MARK.email, "daily")
        await first_day(store, nobody_listens, "a", MARK, holding=Holding(now=TUESDAY_10.astimezone(UTC)))
        caplog.set_level(logging.INFO)
        (waiting,) = await send_due_and_warn(store, nobody_listens, mail_from="verzuim@example.nl", now=WEDNESDAY_08)
    finally:
        await engine.dispose()

    lines = [JsonFormatter().format(record) for record in caplog.records if record.name == "integrations.digest"]
    assert [line for line in lines if "not sent yet" in line], "the waiting summary was not logged"
    assert not [line for line in lines if MARK.email in line or MARK.name in line], lines
