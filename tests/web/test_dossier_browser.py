"""The re-integratiedossier in a real browser (Debian's headless Chromium): HR adds a signed plan and
sees it listed, a file of a type the dossier does not take is refused by the upload field, and so is a
letter naming a medicine; the employee marks a gespreksverslag "niet akkoord" with their own view,
which then shows in the dossier. A case runs on the real dev server with a worker (rules version 4).
Screenshots land in tests/artifacts/."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker
from tests.support import SmtpSink, create_tables, free_port, serving_stack
from tests.web.conftest import PASSWORD, command, eventually, web_settings
from tests.web.test_browser import _shot, browser_page  # noqa: F401 - the fixture
from tests.web.test_browser_roles import _sign_in
from tests.web.test_dossier_access import pdf_bytes


@dataclass
class DossierStack:
    base: str
    case_id: str
    hr: str
    hr_secret: str
    employee: str
    talk: int  # the gespreksverslag's number in the dossier


@pytest.fixture
async def dossier_stack(
    dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> AsyncIterator[DossierStack]:
    """The web app on a free port with a worker, HR and the employee, and a case with a plan and a verslag."""
    port = free_port()
    settings = web_settings(dev_server, tmp_path, port=port).model_copy(
        update={"smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port}
    )
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    accounts = AccountStore(make_sessionmaker(engine))
    hr = await accounts.add(email="hanna@example.nl", role="hr", name="Hanna HR", password=PASSWORD)
    await accounts.add(email="sanne@example.nl", role="employee", name="Sanne de Vries", password=PASSWORD)
    token = await accounts.issue_token(hr.account.id)
    await engine.dispose()
    assert hr.totp_secret is not None
    async with serving_stack(settings, dev_server.client):
        async with httpx.AsyncClient(base_url=settings.public_url, headers={"Authorization": f"Bearer {token}"}) as api:
            created = await api.post(
                "/api/cases",
                json={
                    "employee": {"name": "Sanne de Vries", "email": "sanne@example.nl"},
                    "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
                    "first_sick_day": (date.today() - timedelta(days=30)).isoformat(),
                },
            )
            assert created.status_code == 201, created.text
            case_id = created.json()["case_id"]
            await command(api, case_id, "probleemanalyse_received", {})
            await command(
                api,
                case_id,
                "plan_van_aanpak_signed",
                {"plan": {"hours_per_week": 8, "tasks": ["administratie"], "employer_view": "Rustig opbouwen."}},
            )
            await command(
                api,
                case_id,
                "progress_talk_held",
                {
                    "went": "mixed",
                    "summary": "Opbouw besproken.",
                    "report": {
                        "present": ["manager", "employee"],
                        "agreed": "Vier uur per dag vanaf maandag.",
                        "next_steps": "Over twee weken weer.",
                    },
                },
            )
            listed = await eventually(
                lambda: api.get(f"/api/cases/{case_id}/dossier"),
                lambda answer: any(r["part"] == "gespreksverslag" for r in answer.json()["records"]),
            )
        talk = next(r["number"] for r in listed.json()["records"] if r["part"] == "gespreksverslag")
        yield DossierStack(settings.public_url, case_id, hr.account.email, hr.totp_secret, "sanne@example.nl", talk)


async def _upload(page: Any, part: str, name: str, mime: str, content: bytes) -> None:
    await page.get_by_label("Onderdeel van het dossier").select_option(part)
    await page.locator("#upload-file").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])
    await page.get_by_role("button", name="Toevoegen").click()


async def test_hr_uploads_and_the_employee_gives_a_view(browser_page, dossier_stack: DossierStack) -> None:  # type: ignore[no-untyped-def]  # noqa: F811 - pytest passes the imported fixture by its name
    page = browser_page
    stack = dossier_stack
    dossier = f"{stack.base}/cases/{stack.case_id}/dossier"
    await _sign_in(page, stack.base, stack.hr, stack.hr_secret)
    await page.goto(f"{stack.base}/cases/{stack.case_id}")
    await page.locator("#riv").wait_for()  # the case page: the RIV status, with the way to the dossier
    assert "RIV compleet." in await page.locator("#riv").inner_text()
    await _shot(page, "29-case-riv-status")
    await page.locator("#case-dossier").click()
    await page.wait_for_url(dossier)
    await page.get_by_role("heading", name="Re-integratiedossier").wait_for()

    # A signed plan: added, and listed under its part with its version.
    await _upload(page, "plan_van_aanpak", "plan-getekend.pdf", "application/pdf", pdf_bytes("Plan, getekend"))
    await page.locator("#upload-done").wait_for()
    row = page.locator("#part-plan_van_aanpak tr.document").first
    assert "plan-getekend.pdf" in await row.inner_text()
    assert "Hanna HR" in await row.inner_text() or "hanna@example.nl" in await row.inner_text()
    await _shot(page, "30-dossier-uploaded")

    # A program renamed .pdf: refused by the upload field, saying what the dossier takes.
    await _upload(page, "tweede_spoor", "rapport.pdf", "application/pdf", b"MZ\x90\x00" + b"\x00" * 512)
    error = page.locator("#upload-error")
    await error.wait_for()
    assert "alleen PDF, Word (.docx), PNG en JPEG" in await error.inner_text()
    assert await page.locator("#upload-file").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Onderdeel van het dossier").input_value() == "tweede_spoor"
    await _shot(page, "31-dossier-refused-type")

    # A letter naming a medicine: refused, naming the word.
    letter = pdf_bytes("De werknemer gebruikt paracetamol en kan vier uur per dag werken.")
    await _upload(page, "probleemanalyse", "advies.pdf", "application/pdf", letter)
    await error.wait_for()
    assert "paracetamol" in await error.inner_text()
    await _shot(page, "32-dossier-medical-word")
    assert await page.locator("tr.document").count() == 1  # neither refused file was kept

    # The employee: "niet akkoord" with a view on the gespreksverslag.
    await page.get_by_role("button", name="Afmelden").click()
    await _sign_in(page, stack.base, stack.employee)
    await page.goto(dossier)
    record = page.locator(f"#record-{stack.talk}")
    await record.get_by_label("niet akkoord").check()
    await record.get_by_label("Je eigen mening (optioneel)").fill("Vier uur per dag is nog te veel voor mij.")
    await record.get_by_role("button", name="Gezien").click()
    await page.locator("#view-done").wait_for()

    async def shown() -> str:
        await page.goto(dossier)
        views = page.locator(f"#record-{stack.talk} .employee-view")
        return await views.first.inner_text() if await views.count() else ""

    async with asyncio.timeout(30):  # the case writes the view to the dossier a moment after taking it
        while "Vier uur per dag is nog te veel voor mij." not in (text := await shown()):
            await asyncio.sleep(0.2)
    assert "niet akkoord" in text.lower()
    view = page.locator("#part-mening_werknemer article.record").first
    assert "niet akkoord" in (await view.inner_text()).lower() and "Gespreksverslag" in await view.inner_text()
    await _shot(page, "33-dossier-employee-view")
