"""In a real browser (Debian's headless Chromium): a manager records a progress talk (first with a
date the rules refuse, shown next to the form, then right); an auditor signs in with TOTP, opens the
case's history with its compliance table, exports it as JSON and CSV and opens the printable dossier.
Screenshots land in tests/artifacts/."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest
from temporalio.testing import WorkflowEnvironment

from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker
from tests.support import SmtpSink, create_tables, free_port, serving_stack
from tests.web.conftest import PASSWORD, web_settings
from tests.web.test_browser import _shot, browser_page  # noqa: F401 - the fixture

FIRST_SICK_DAY = date.today() - timedelta(days=3)


@dataclass
class Stack:
    base: str
    case_id: str
    manager: str
    auditor: str
    auditor_secret: str


@pytest.fixture
async def stack(dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path) -> AsyncIterator[Stack]:
    """The web app on a free port with a worker, accounts for HR, a manager and an auditor, and one running case."""
    port = free_port()
    settings = web_settings(dev_server, tmp_path, port=port).model_copy(
        update={"smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port}
    )
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    accounts = AccountStore(make_sessionmaker(engine))
    hr = await accounts.add(email="hanna@example.nl", role="hr", name="Hanna HR", password=PASSWORD)
    await accounts.add(email="mark@example.nl", role="manager", name="Mark Jansen", password=PASSWORD)
    auditor = await accounts.add(email="anouk@example.nl", role="auditor", name="Anouk Audit", password=PASSWORD)
    token = await accounts.issue_token(hr.account.id)
    await engine.dispose()
    assert auditor.totp_secret is not None
    async with serving_stack(settings, dev_server.client):
        async with httpx.AsyncClient(base_url=settings.public_url, headers={"Authorization": f"Bearer {token}"}) as api:
            created = await api.post(
                "/api/cases",
                json={
                    "employee": {"name": "Sanne de Vries", "email": "sanne@example.nl"},
                    "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
                    "first_sick_day": FIRST_SICK_DAY.isoformat(),
                },
            )
            assert created.status_code == 201, created.text
            case_id = created.json()["case_id"]
            async with asyncio.timeout(30):  # until the read model knows the case's people
                while not (await api.get(f"/api/cases/{case_id}")).json().get("employee_name"):
                    await asyncio.sleep(0.1)
        yield Stack(settings.public_url, case_id, "mark@example.nl", "anouk@example.nl", auditor.totp_secret)


async def _sign_in(page, base: str, email: str, secret: str | None = None) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{base}/login")
    await page.get_by_label("E-mailadres").fill(email)
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Aanmelden").click()
    if secret is not None:
        await page.wait_for_url("**/login/totp")
        await page.get_by_label("Code uit je authenticator-app").fill(pyotp.TOTP(secret).now())
        await page.get_by_role("button", name="Bevestigen").click()
    await page.wait_for_url(f"{base}/")


async def test_a_manager_records_a_progress_talk(browser_page, stack: Stack) -> None:  # type: ignore[no-untyped-def]  # noqa: F811 - pytest passes the imported fixture by its name
    page = browser_page
    await _sign_in(page, stack.base, stack.manager)
    await page.get_by_role("heading", name="Mijn casussen").wait_for()
    await _shot(page, "10-manager-home")
    await page.get_by_role("link", name="Sanne de Vries").click()
    await page.wait_for_url(f"**/cases/{stack.case_id}")
    await page.get_by_text("Voortgangsgesprek gehouden").first.click()  # opens the short form
    form = page.locator("#cmd-progress_talk_held")
    await form.get_by_label("Hoe ging het gesprek?").select_option("good")
    await form.get_by_label("Korte samenvatting").fill("Taken voor volgende week besproken.")
    await form.get_by_label("Op (datum; leeg is vandaag)").fill(
        (FIRST_SICK_DAY - timedelta(days=7)).isoformat()
    )  # before the first sick day
    await form.get_by_role("button").click()

    refusal = page.locator("#progress_talk_held-refusal")
    await refusal.wait_for()
    assert "eerste ziektedag" in await refusal.inner_text()
    form = page.locator("#cmd-progress_talk_held")
    assert await form.get_by_label("Korte samenvatting").input_value() == "Taken voor volgende week besproken."  # kept
    await _shot(page, "11-manager-refused")

    await form.get_by_label("Op (datum; leeg is vandaag)").fill("")
    await form.get_by_role("button").click()
    await page.locator("#done").wait_for()
    assert "Voortgangsgesprek gehouden" in await page.locator("#done").inner_text()
    assert "Taken voor volgende week besproken." in await page.locator("#talks").inner_text()
    assert "mark@example.nl" in await page.locator("#history").inner_text()
    await _shot(page, "12-manager-talk-recorded")


async def test_an_auditor_opens_the_history_and_exports_it(browser_page, stack: Stack) -> None:  # type: ignore[no-untyped-def]  # noqa: F811 - pytest passes the imported fixture by its name
    page = browser_page
    await _sign_in(page, stack.base, stack.auditor, stack.auditor_secret)
    await page.get_by_role("heading", name="Casussen").wait_for()
    await _shot(page, "20-auditor-dashboard")
    await page.get_by_role("link", name="Geschiedenis").first.click()
    await page.wait_for_url(f"**/cases/{stack.case_id}/history")
    compliance = page.locator("#compliance")
    await compliance.wait_for()
    assert await compliance.locator("tbody tr").count() == 11
    assert "Ziekmelding: zaak geopend" in await page.locator("#full-history").inner_text()
    assert await page.locator("form[method=post]:not([action='/logout'])").count() == 0  # nothing here changes anything
    await _shot(page, "21-auditor-history")

    async with page.expect_download() as json_download:
        await page.locator("#export-json").click()
    exported = json.loads(Path(await (await json_download.value).path()).read_text())
    assert exported["case_id"] == stack.case_id and exported["history"][0]["action"] == "case_opened"
    assert len(exported["compliance"]) == 11
    async with page.expect_download() as csv_download:
        await page.locator("#export-csv").click()
    rows = list(csv.DictReader(io.StringIO(Path(await (await csv_download.value).path()).read_text())))
    assert rows[0]["action"] == "case_opened" and rows[0]["case_id"] == stack.case_id

    await page.locator("#dossier").click()
    await page.get_by_role("heading", name="Re-integratiedossier").wait_for()
    await _shot(page, "22-auditor-dossier")
    await page.emulate_media(media="print")
    assert not await page.get_by_role(
        "button", name="Afdrukken of opslaan als PDF"
    ).is_visible()  # the print view hides it
