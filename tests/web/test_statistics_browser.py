"""The statistics page in a real browser (Debian's headless Chromium, playwright): HR signs in, uploads
a workforce register with a bad row (the error shows next to the upload, nothing is imported), then a
good one, and reads the figures of a year of cases in three org units as charts with their tables.
Both pages pass axe-core (WCAG 2.1 AA). The screenshots go to docs/statistics/ (statistics.png, workforce.png)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from contracts import Person, RecordCase, RecordProgress
from contracts.absence import AbsenceRecord, AbsenceSpan, PhaseSince, SickReport, StepDue
from integrations.absence_records import write_absence
from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker, run_write
from tests.support import SmtpSink, create_tables, free_port, serving_stack
from tests.web.conftest import PASSWORD, sign_in_with_code, web_settings
from tests.web.test_accessibility import FAILING_IMPACTS, _report, axe_violations
from tests.web.test_browser import browser_page  # noqa: F401 (a fixture)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "statistics"
UNITS = {"Logistiek": (40, 36.5), "Kantoor": (25, 19.0), "Zorg": (60, 44.0)}
PHASES = ("ziekgemeld", "probleemanalyse", "plan_van_aanpak", "opbouw", "evaluatie")


def _register() -> bytes:
    lines = ["month,org_unit,headcount,fte"]
    for month in range(1, 12):
        for unit, (heads, fte) in UNITS.items():
            lines.append(f"2026-{month:02d},{unit},{heads + month % 3},{fte + (month % 3) * 0.8:.1f}")
    return ("\n".join(lines) + "\n").encode()


def _cases() -> list[tuple[str, AbsenceRecord]]:
    """About sixty cases over 2026, spread over the units: short ones, partial returns, a few long ones."""
    chance = random.Random(21)
    out: list[tuple[str, AbsenceRecord]] = []
    for number in range(60):
        unit = chance.choice(list(UNITS))
        start = date(2026, 1, 1) + timedelta(days=chance.randrange(0, 320))
        length = chance.choice([3, 5, 8, 12, 20, 35, 60, 120, 200])
        end: date | None = start + timedelta(days=length - 1)
        if end is not None and end >= date(2026, 11, 25):
            end = None
        partial_from = start + timedelta(days=length // 2) if length > 30 else None
        spans = [
            AbsenceSpan(start=start, end=(partial_from - timedelta(days=1)) if partial_from else end, fraction=1.0)
        ]
        if partial_from is not None:
            spans.append(AbsenceSpan(start=partial_from, end=end, fraction=0.5))
        phases = [PhaseSince(phase="ziekgemeld", since=start)]
        for index, phase in enumerate(PHASES[1:], start=1):
            since = start + timedelta(days=index * 28)
            if length > index * 28:
                phases.append(PhaseSince(phase=phase, since=since))
        steps = [
            StepDue(
                key="probleemanalyse",
                due=start + timedelta(days=41),
                done_on=start + timedelta(days=chance.choice([30, 40, 45, 50])) if chance.random() > 0.1 else None,
            ),
            StepDue(
                key="arbodienst_report",
                due=start + timedelta(days=6),
                done_on=start + timedelta(days=chance.choice([2, 5, 9])),
            ),
        ]
        steps = [s for s in steps if s.done_on is not None or end is None or s.due <= end]
        out.append(
            (
                unit,
                AbsenceRecord(
                    employee_key=f"e{number}",
                    contract_hours_per_week=chance.choice([36.0, 36.0, 24.0, 18.0]),
                    reports=(SickReport(start=start, end=end, recovered=end is not None),),
                    spans=tuple(spans),
                    phases=tuple(phases),
                    steps=tuple(steps),
                    outcome="hersteld" if end is not None else None,
                ),
            )
        )
    return out


async def _accessible(page) -> None:  # type: ignore[no-untyped-def]
    """axe-core (WCAG 2.1 A and AA): no serious or critical violation on the page as it is now."""
    failing = [v for v in await axe_violations(page) if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe-core on {page.url}:\n{_report(failing)}"


async def _seed(database_url: str) -> tuple[str, str]:
    engine = make_engine(database_url)
    await create_tables(engine)
    maker = make_sessionmaker(engine)
    person = Person(name="Medewerker", email="m@example.nl")
    for number, (unit, record) in enumerate(_cases()):
        case = RecordCase(
            case_id=f"case-{number}",
            employee=person,
            manager=person,
            first_sick_day=record.reports[0].start,
            phase="ziekgemeld",
            org_unit=unit,
        )
        progress = RecordProgress(case=case, absence=record)
        await run_write(maker, lambda c, p=progress: write_absence(c, p))
    hr = await AccountStore(maker).add(email="hanna@example.nl", role="hr", name="Hanna HR", password=PASSWORD)
    await engine.dispose()
    assert hr.totp_secret is not None
    return hr.account.email, hr.totp_secret


async def test_hr_uploads_the_register_and_reads_the_charts(  # type: ignore[no-untyped-def]
    browser_page,  # noqa: F811 - pytest passes the imported fixture by its name
    dev_server: WorkflowEnvironment,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    settings = web_settings(dev_server, tmp_path, port=free_port()).model_copy(
        update={"smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port}
    )
    email, secret = await _seed(settings.database_url)
    page = browser_page
    await page.set_viewport_size({"width": 1000, "height": 900})
    base = settings.public_url
    async with serving_stack(settings, dev_server.client):
        await sign_in_with_code(page, f"{base}/workforce", email, secret, lands_on="**/workforce")

        bad = tmp_path / "register-bad.csv"
        bad.write_bytes(_register() + b"2026-12,Zorg,zestig,44\n")
        await page.get_by_label("CSV-bestand").set_input_files(str(bad))
        await page.get_by_role("button", name="Inlezen").click()
        errors = page.locator("#workforce-row-errors")
        await errors.wait_for()
        assert "Rij 35, kolom headcount" in await errors.inner_text()
        assert await page.locator("#register-empty").count() == 1  # nothing was imported
        DOCS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(DOCS / "workforce.png"))
        await _accessible(page)

        good = tmp_path / "register.csv"
        good.write_bytes(_register())
        await page.get_by_label("CSV-bestand").set_input_files(str(good))
        await page.get_by_role("button", name="Inlezen").click()
        await page.locator("#workforce-done").wait_for()
        assert await page.locator("#register tbody tr").count() == 33

        await page.goto(f"{base}/statistics?from=2026-01&to=2026-11")
        await page.locator("#chart-percentage").wait_for()
        assert await page.locator("svg[role=img]").count() == 3
        assert await page.locator("#chart-percentage polyline").count() == 4  # the total and three units
        assert await page.locator("#stats-no-register").count() == 0
        first_row = await page.locator("#table-percentage tbody tr").first.inner_text()
        assert first_row.startswith("2026-01") and "onbekend" not in first_row
        await page.screenshot(path=str(DOCS / "statistics.png"), full_page=True)
        await _accessible(page)

        await page.select_option("#f-granularity", "quarter")
        await page.select_option("#f-unit", "Zorg")
        await page.get_by_role("button", name="Toon").click()
        await page.wait_for_url("**granularity=quarter**")
        assert await page.locator("#table-percentage tbody tr").count() == 4
        assert "Zorg" in await page.locator("#table-percentage thead").inner_text()
