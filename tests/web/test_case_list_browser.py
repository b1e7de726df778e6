"""In the real browser (Debian's Chromium): HR searches the case list at /cases, reads the counts of the
search, pages on and back, narrows by a count, and gets a wrong date range explained next to the field.
Screenshots land in tests/artifacts/ (git-ignored)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from integrations.db import make_engine
from integrations.schema import CasePersonRow, CaseRow
from tests.web.conftest import sign_in_with_code
from tests.web.test_browser import _shot, browser_page, live_app

axe = pytest.importorskip("tests.web.test_accessibility", reason="the accessibility test brings axe-core")


async def _no_serious_violation(page: Any) -> None:
    failing = [v for v in await axe.axe_violations(page) if v["impact"] in axe.FAILING_IMPACTS]
    assert not failing, axe._report(failing)


__all__ = ["browser_page", "live_app"]  # the fixtures, shared with the other browser test

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
VRIES = 62  # more than one page (50) of "de Vries"


def _case(i: int, name: str) -> dict[str, Any]:
    return dict(
        case_id=f"case-{i:032x}",
        employee_name=name,
        employee_email=f"employee{i}@example.nl",
        manager_name="Mark Jansen",
        manager_email="mark@example.nl",
        org_unit="team-zorg",
        first_sick_day=date(2026, 5, 1) + timedelta(days=i),
        phase=("ziekgemeld", "probleemanalyse", "plan_van_aanpak")[i % 3],
        next_deadline=date(2026, 1, 15) if i % 5 == 0 else date(2099, 1, 1),
        next_step="probleemanalyse" if i % 5 == 0 else "plan_van_aanpak",
        next_step_label_nl="Probleemanalyse" if i % 5 == 0 else "Plan van aanpak",
        next_step_label_en="Problem analysis" if i % 5 == 0 else "Plan of action",
        open_signals=1 if i % 7 == 0 else 0,
        opened_at=START + timedelta(minutes=i),
        updated_at=START,
    )


async def _seed(database: Path) -> None:
    rows = [_case(i, f"Sanne de Vries {i}") for i in range(VRIES)]
    rows += [_case(VRIES + i, f"Jan Bakker {i}") for i in range(15)]
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(CaseRow), rows)
            people = [dict(case_id=row["case_id"], role="manager", email="mark@example.nl") for row in rows]
            await connection.execute(insert(CasePersonRow), people)
    finally:
        await engine.dispose()


async def test_hr_searches_reads_the_counts_and_pages(browser_page, live_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    base, email, secret = live_app
    await _seed(tmp_path / "store.db")

    await sign_in_with_code(page, f"{base}/cases", email, secret, lands_on="**/cases")
    await page.get_by_role("heading", name="Casussen").wait_for()
    assert await page.locator("#total").inner_text() == f"{VRIES + 15} casussen gevonden."

    await page.get_by_label("Naam of e-mailadres van de medewerker").fill("VRIES")
    await page.get_by_role("button", name="Zoeken").click()
    await page.wait_for_url("**/cases?q=VRIES*")
    assert await page.locator("#total").inner_text() == f"{VRIES} casussen gevonden."
    counts = await page.locator("#counts li").all_inner_texts()
    overdue = sum(i % 5 == 0 for i in range(VRIES))
    assert counts == [
        f"Ziekgemeld: {sum(i % 3 == 0 for i in range(VRIES))}",
        f"Probleemanalyse: {sum(i % 3 == 1 for i in range(VRIES))}",
        f"Plan van aanpak: {sum(i % 3 == 2 for i in range(VRIES))}",
        f"Termijn verstreken: {overdue}",
        f"Open signalen: {sum(i % 7 == 0 for i in range(VRIES))}",
    ]
    rows = page.locator("#cases tbody tr")
    assert await rows.count() == 50
    newest = await rows.first.inner_text()
    assert f"Sanne de Vries {VRIES - 1}" in newest and "Plan van aanpak op 2099-01-01" in newest
    await _shot(page, "case-list-1-search")
    await _no_serious_violation(page)
    await page.set_viewport_size({"width": 1280, "height": 900})  # HR's desk, too
    await page.screenshot(path=str(Path(__file__).resolve().parents[1] / "artifacts" / "case-list-1-desk.png"))

    await page.get_by_role("link", name="Volgende casussen").click()
    await page.get_by_role("link", name="Terug naar het begin").wait_for()
    assert await rows.count() == VRIES - 50
    assert "Sanne de Vries 0" in await rows.last.inner_text()
    assert await page.get_by_role("link", name="Volgende casussen").count() == 0
    assert await page.locator("#total").inner_text() == f"{VRIES} casussen gevonden."  # the whole search
    assert await page.get_by_label("Naam of e-mailadres van de medewerker").input_value() == "VRIES"
    await _shot(page, "case-list-2-next-page")

    await page.get_by_role("link", name="Termijn verstreken").click()
    await page.wait_for_url("**overdue=1*")
    assert await page.locator("#total").inner_text() == f"{overdue} casussen gevonden."
    assert await rows.count() == overdue
    assert "Probleemanalyse op 2026-01-15" in await rows.first.inner_text()
    assert await page.get_by_label("alleen met verstreken termijn").is_checked()

    await page.get_by_label("Eerste ziektedag vanaf").fill("2026-07-01")
    await page.get_by_label("Eerste ziektedag tot en met").fill("2026-06-01")
    await page.get_by_role("button", name="Zoeken").click()
    error = page.locator("#sick_to-error")
    await error.wait_for()
    assert (
        await error.inner_text() == "Deze datum ligt voor de eerste ziektedag vanaf. Kies een datum op of na die dag."
    )
    assert await page.get_by_label("Eerste ziektedag tot en met").get_attribute("aria-invalid") == "true"
    assert await page.locator("#cases").count() == 0
    await _shot(page, "case-list-3-wrong-range")
    await _no_serious_violation(page)
