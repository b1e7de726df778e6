"""In a real browser (Debian's Chromium): HR's home page shows the work queue first, written by a case
that really runs (on the dev server, with the worker); the overdue probleemanalyse is on it, and its
link opens the case page with that form open. A screenshot lands in tests/artifacts/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker
from tests.support import SmtpSink, create_tables, free_port, serving_stack
from tests.web.conftest import PASSWORD, eventually, sign_in_with_code, web_settings
from tests.web.test_browser import _shot, browser_page  # noqa: F401  (the browser fixture)


@pytest.fixture
async def queue_app(
    dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> AsyncIterator[tuple[str, str, str, str]]:
    """The web app with a worker; (base url, HR e-mail, HR TOTP secret, HR API token)."""
    settings = web_settings(dev_server, tmp_path, port=free_port()).model_copy(
        update={"smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port}
    )
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    accounts = AccountStore(make_sessionmaker(engine))
    hr = await accounts.add(email="hanna@example.nl", role="hr", name="Hanna HR", password=PASSWORD)
    token = await accounts.issue_token(hr.account.id)
    await engine.dispose()
    assert hr.totp_secret is not None
    async with serving_stack(settings, dev_server.client):
        yield settings.public_url, hr.account.email, hr.totp_secret, token


async def test_hr_home_shows_the_queue_and_its_link_opens_the_form(browser_page, queue_app) -> None:  # type: ignore[no-untyped-def]  # noqa: F811 - pytest passes the imported fixture by its name
    page = browser_page
    base, email, secret, token = queue_app
    intake = {
        "employee": {"name": "Eva Bakker", "email": "eva@example.nl"},
        "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
        "first_sick_day": (date.today() - timedelta(weeks=8)).isoformat(),  # the probleemanalyse is late
    }
    async with httpx.AsyncClient(base_url=base, headers={"authorization": f"Bearer {token}"}) as api:
        created = await api.post("/api/cases", json=intake)
        assert created.status_code == 201, created.text
        case_id = created.json()["case_id"]

        async def queue() -> list[dict[str, str]]:
            return list((await api.get("/api/work-queue")).json()["items"])

        items = await eventually(queue, lambda found: any(item["label"] == "Probleemanalyse" for item in found))
    step = next(item for item in items if item["label"] == "Probleemanalyse")
    assert step["status"] == "overdue" and step["employee_name"] == "Eva Bakker"

    await sign_in_with_code(page, f"{base}/", email, secret, lands_on=f"{base}/")

    queue_table = page.locator("#work-queue-items")
    await queue_table.wait_for()
    await _shot(page, "work-queue-hr")
    row = queue_table.locator("tr", has_text="Probleemanalyse")
    assert "Te laat" in await row.inner_text() and "Eva Bakker" in await row.inner_text()
    await row.get_by_role("link", name="Naar het formulier").click()
    await page.wait_for_url(f"**/cases/{case_id}?do=probleemanalyse_received#cmd-probleemanalyse_received")
    form = page.locator("#cmd-probleemanalyse_received")
    assert await form.get_attribute("open") is not None  # the form is open, ready to fill in
    await _shot(page, "work-queue-form")
