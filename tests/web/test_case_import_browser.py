"""Bringing in running cases in a real browser (Debian's Chromium, playwright): HR uploads a CSV file
with one good and one bad row and "send nothing until I confirm", reads per row what happened (the
bad row names its column and says how to fix it), and then sends the held invitations with the
button. Screenshots land in tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from integrations.case_imports import case_id_for
from states.clock import local_date
from tests.support import SmtpSink
from tests.web.conftest import sign_in_with_code
from tests.web.test_browser import _shot, browser_page, live_app  # noqa: F401  (fixtures)
from web.case_import import COLUMNS, read_csv

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import" / "running-cases.csv"


def test_the_sample_in_the_docs_reads() -> None:
    rows = read_csv(SAMPLE.read_text())
    assert len(rows) == 2 and all(set(row) <= set(COLUMNS) for _, row in rows)


async def test_hr_uploads_running_cases_reads_the_errors_and_confirms(  # type: ignore[no-untyped-def]
    browser_page,  # noqa: F811
    live_app,  # noqa: F811
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    page = browser_page
    base, email, secret = live_app
    tag = uuid.uuid4().hex[:6]
    first = local_date(datetime.now(UTC)) - timedelta(weeks=20)
    employee = f"sanne-{tag}@example.nl"

    def day(weeks: int) -> str:
        return (first + timedelta(weeks=weeks)).isoformat()

    header = "external_ref;employee_name;employee_email;manager_name;manager_email;first_sick_day;probleemanalyse;plan_van_aanpak;evaluations"
    good = f"HR-{tag}-1;Sanne de Vries;{employee};Mark Jansen;mark-{tag}@example.nl;{first};{day(5)};{day(7)};{day(12)} {day(18)}"
    bad = (
        f"HR-{tag}-2;Ahmed El Amrani;ahmed-{tag}@example;Ingrid Bos;ingrid-{tag}@example.nl;{first};{day(8)};{day(6)};"
    )
    upload = tmp_path / "lopende-zaken.csv"
    upload.write_text("\n".join([header, good, bad]) + "\n")

    await sign_in_with_code(page, f"{base}/cases/import", email, secret, lands_on="**/cases/import")
    await page.get_by_role("heading", name="Lopende zaken inbrengen").wait_for()
    await _shot(page, "import-01-form")

    await page.get_by_label("CSV-bestand").set_input_files(str(upload))
    await page.get_by_label("Nog niets versturen: ik bevestig elke zaak eerst").check()
    await page.get_by_role("button", name="Inbrengen").click()
    await page.locator("#import-report").wait_for()
    await _shot(page, "import-02-report")

    counts = await page.locator("#import-counts").inner_text()
    assert counts == "Geopend: 1. Al eerder ingebracht: 0. Met een fout: 1."
    good_row = await page.locator("#import-row-2").inner_text()
    assert "geopend" in good_row and "uitnodigingen wachten op u" in good_row
    bad_row = await page.locator("#import-row-3").inner_text()
    assert "fout: niets geopend" in bad_row
    assert "employee_email" in bad_row and "Dit is geen geldig e-mailadres." in bad_row
    assert "plan_van_aanpak" in bad_row and "probleemanalyse" in bad_row

    held = page.locator("#held")
    assert f"HR-{tag}-1" in await held.inner_text()
    await asyncio.sleep(1)
    assert employee not in {rcpt for _sender, rcpts, _raw in smtp_sink.messages for rcpt in rcpts}

    # HR opens the case from the list: the case page says its invitations wait, with the button.
    await held.get_by_role("link", name=f"HR-{tag}-1").click()
    notice = page.locator("#import-held")
    await notice.wait_for()
    assert "Uitnodigingen wachten op uw bevestiging" in await notice.inner_text()
    await _shot(page, "import-03-case-held")
    await notice.get_by_role("button", name="Uitnodigingen versturen").click()
    await page.wait_for_url(f"**/cases/{case_id_for(f'HR-{tag}-1')}")
    assert await page.locator("#import-held").count() == 0
    async with asyncio.timeout(30):
        while employee not in {rcpt for _sender, rcpts, _raw in smtp_sink.messages for rcpt in rcpts}:
            await asyncio.sleep(0.05)

    await page.goto(f"{base}/cases/import")
    await page.locator("#held-none").wait_for()
