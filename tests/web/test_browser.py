"""In a real browser (Debian's headless Chromium, driven by playwright): HR signs in with TOTP, makes a
mistake in the intake form, sees the error next to the field, corrects it, and starts the case, which
runs on the real dev server and sends its invitations to a real SMTP server. Screenshots of the main
pages land in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest
from temporalio.testing import WorkflowEnvironment

from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker
from tests.support import SmtpSink, create_tables, free_port, missing_peer, serving_stack
from tests.web.conftest import PASSWORD, web_settings

CHROMIUM = Path(os.environ.get("REINTEGRATIE_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser_page(tmp_path: Path):  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        missing_peer(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing_peer("playwright is missing: install the test extras (pip install -e '.[test]')")
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh profile every run
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 412, "height": 915},  # a phone: the form must work there
            locale="nl-NL",
        )
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            await context.close()


@pytest.fixture
async def live_app(
    dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> AsyncIterator[tuple[str, str, str]]:
    """The web app on a free port, with a worker; returns (base url, HR e-mail, HR TOTP secret)."""
    port = free_port()
    settings = web_settings(dev_server, tmp_path, port=port).model_copy(
        update={"smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port}
    )
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    hr = await AccountStore(make_sessionmaker(engine)).add(
        email="hanna@example.nl", role="hr", name="Hanna HR", password=PASSWORD
    )
    await engine.dispose()
    assert hr.totp_secret is not None
    async with serving_stack(settings, dev_server.client):
        yield settings.public_url, hr.account.email, hr.totp_secret


async def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def test_hr_signs_in_with_totp_corrects_a_mistake_and_starts_a_case(
    browser_page, live_app, smtp_sink: SmtpSink
) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    base, email, secret = live_app

    await page.goto(f"{base}/cases/new")  # not signed in: sent to the sign-in page
    assert "/login" in page.url
    await _shot(page, "01-login")
    await page.get_by_label("E-mailadres").fill(email)
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Aanmelden").click()
    await page.wait_for_url("**/login/totp")
    await _shot(page, "02-totp")
    await page.get_by_label("Code uit je authenticator-app").fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Bevestigen").click()
    await page.wait_for_url("**/cases/new")  # back where HR wanted to go

    await page.fill("#employee-name", "Sanne de Vries")
    await page.fill("#employee-email", "sanne-at-example.nl")  # the mistake
    await page.fill("#employee_phone", "06 1234 5678")
    await page.fill("#manager-name", "Mark Jansen")
    await page.fill("#manager-email", "mark@example.nl")
    await page.fill("#first_sick_day", (date.today() - timedelta(days=1)).isoformat())
    await page.select_option("#contact-weekday", "2")
    await page.fill("#contact-time", "09:30")
    await page.select_option("#contact-channel", "video")
    await page.fill("#team_notice_to", "team-zorg@example.nl")
    await page.check("input[name=work_accident][value=no]")
    await page.get_by_role("button", name="Casus starten").click()

    error = page.locator("#employee-email-error")
    await error.wait_for()
    assert await error.inner_text() == "Dit is geen geldig e-mailadres."
    email_input = page.locator("#employee-email")
    assert await email_input.get_attribute("aria-invalid") == "true"
    assert "employee-email-error" in (await email_input.get_attribute("aria-describedby") or "")
    assert await email_input.input_value() == "sanne-at-example.nl"  # kept, to correct
    assert await page.locator("#manager-name").input_value() == "Mark Jansen"
    assert await page.locator("#contact-channel").input_value() == "video"
    await _shot(page, "03-intake-error")

    await email_input.fill("sanne@example.nl")
    await page.get_by_role("button", name="Casus starten").click()
    await page.get_by_role("heading", name="Casus gestart").wait_for()
    await _shot(page, "04-case-started")

    # The case runs: the manager's invitation for the weekly check-in reaches the SMTP server.
    async with asyncio.timeout(30):
        while "mark@example.nl" not in {rcpt for _sender, rcpts, _raw in smtp_sink.messages for rcpt in rcpts}:
            await asyncio.sleep(0.05)

    await page.goto(f"{base}/")
    await page.get_by_role("heading", name="Casussen").wait_for()
    await _shot(page, "05-overview")
