"""`/statistics`, `/statistics.csv`, `GET /api/statistics` (HR and the auditor) and the workforce
register's `/workforce` and `POST /api/workforce` (HR): the numbers of the hand-worked March in
tests/integrations/test_absence_statistics.py, as page, charts, tables, CSV and JSON; the register's
per-row errors; and who may see what."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from contracts import Person, RecordCase, RecordProgress
from integrations.absence_records import write_absence
from integrations.db import run_write
from integrations.workforce import import_rows, parse_csv, staff_between
from tests.integrations.test_absence_statistics import CROSSING, PART_TIMER, PARTIAL, RELAPSE
from tests.web.conftest import WebApp, csrf_of

MARCH = "?from=2026-03&to=2026-03"
REGISTER = b"month,org_unit,headcount,fte\n2026-03,Logistiek,10,9\n"
OTHER_ROLES = ("manager", "coach", "employee", "buddy")


async def seed(web: WebApp) -> None:
    """The four cases of the worked example (66 sick FTE-days of 279 in March 2026) and the register."""
    person = Person(name="Sanne de Vries", email="sanne@example.nl")
    maker = web.app.state.sessionmaker
    for number, figures in enumerate((PARTIAL, PART_TIMER, RELAPSE, CROSSING)):
        case = RecordCase(
            case_id=f"case-{number}",
            employee=person,
            manager=person,
            first_sick_day=figures.record.reports[0].start,
            phase="ziekgemeld",
            org_unit=figures.org_unit,
        )
        progress = RecordProgress(case=case, absence=figures.record)
        await run_write(maker, lambda c, p=progress: write_absence(c, p))
    await import_rows(maker, parse_csv(REGISTER), by="hr@example.nl")


@pytest.mark.parametrize("role", ["hr", "auditor"])
async def test_hr_and_the_auditor_see_the_figures_with_charts_and_their_tables(web: WebApp, role: str) -> None:
    await seed(web)
    http = await web.signed_in(await web.user(role))
    page = await http.get(f"/statistics{MARCH}")
    assert page.status_code == 200
    text = page.text
    assert 'href="/statistics"' in text  # in the menu
    for chart in ("chart-percentage", "chart-phases", "chart-steps"):
        assert f'<svg id="{chart}" class="chart"' in text and f'aria-labelledby="{chart}-title"' in text
    assert text.count('role="img"') == 3
    for table in ("table-percentage", "table-key", "table-phases", "table-steps"):
        assert f'<table id="{table}"' in text
    assert "23,66" in text  # 66 / 279 x 100, with a Dutch decimal comma
    assert "3,53" in text  # the report frequency: 3 / 10 x 365 / 31
    assert "13,7" in text  # the average length: 41 / 3 days
    assert "<script" not in text and "style=" not in text  # the CSP forbids both
    assert ('href="/workforce"' in text) == (role == "hr")


async def test_the_api_and_the_csv_give_the_same_numbers(web: WebApp) -> None:
    await seed(web)
    http = await web.token_client(await web.user("auditor"))
    answer = await http.get(f"/api/statistics{MARCH}")
    assert answer.status_code == 200
    body = answer.json()
    (total,) = body["totals"]
    assert (total["period"], total["percentage"], total["reports"]) == ("2026-03", 23.66, 3)
    assert (total["steps_on_time"], total["steps_late"], total["steps_missing"]) == (1, 1, 1)
    assert total["phases"]["probleemanalyse"] == 1 and total["recovered_within_6_weeks"] == 3
    assert [item["org_unit"] for item in body["per_org_unit"]] == ["Logistiek"]
    assert body["day_basis"] == "calendar" and body["org_units"] == ["Logistiek"]

    exported = await http.get(f"/statistics.csv{MARCH}&granularity=month")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert 'filename="absence-2026-03-2026-03.csv"' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(row["period"], row["org_unit"], row["percentage"]) for row in rows] == [
        ("2026-03", "all", "23.66"),
        ("2026-03", "Logistiek", "23.66"),
    ]
    assert rows[0]["phase_probleemanalyse"] == "1" and rows[0]["average_duration_days"] == "13.7"


async def test_a_quarter_and_one_org_unit(web: WebApp) -> None:
    await seed(web)
    http = await web.token_client(await web.user("hr"))
    body = (await http.get("/api/statistics?from=2026-01&to=2026-06&granularity=quarter&org_unit=Logistiek")).json()
    assert [item["period"] for item in body["totals"]] == ["2026-Q1", "2026-Q2"]
    assert body["totals"][0]["percentage"] is None  # January and February have no register
    assert body["per_org_unit"] == [] and body["org_unit"] == "Logistiek"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("?from=2026-13", "2026-13"),
        ("?from=2026-05&to=2026-01", "first month comes after the last"),
        ("?granularity=week", "per month or per quarter"),
        ("?from=2000-01&to=2026-01", "at most 60 months"),
    ],
)
async def test_a_wrong_filter_says_what_is_wrong(web: WebApp, query: str, words: str) -> None:
    http = await web.token_client(await web.user("hr"))
    answer = await http.get(f"/api/statistics{query}")
    assert answer.status_code == 422 and words in answer.json()["detail"]
    page = await (await web.signed_in(await web.user("hr"))).get(f"/statistics{query}")
    assert page.status_code == 422 and 'id="stats-error"' in page.text


@pytest.mark.parametrize("role", OTHER_ROLES)
async def test_no_other_role_sees_the_figures_or_the_register(web: WebApp, role: str) -> None:
    await seed(web)
    made = await web.user(role)
    browser = await web.signed_in(made)
    for path in ("/statistics", "/workforce"):
        page = await browser.get(path, headers={"accept": "text/html"})
        assert page.status_code == 403 and "Geen toegang" in page.text
    assert 'href="/statistics"' not in page.text
    api = await web.token_client(made)
    assert (await api.get("/api/statistics")).status_code == 403
    assert (await api.get("/statistics.csv")).status_code == 403
    assert (await api.post("/api/workforce", content=REGISTER, headers={"content-type": "text/csv"})).status_code == 403


async def test_the_auditor_reads_the_figures_but_keeps_no_register(web: WebApp) -> None:
    made = await web.user("auditor")
    page = await (await web.signed_in(made)).get("/workforce", headers={"accept": "text/html"})
    assert page.status_code == 403
    answer = await (await web.token_client(made)).post(
        "/api/workforce", content=REGISTER, headers={"content-type": "text/csv"}
    )
    assert answer.status_code == 403


async def test_nobody_signed_in_is_sent_to_sign_in(web: WebApp) -> None:
    page = await web.client().get("/statistics")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert (await web.client().get("/api/statistics")).status_code == 401
    assert (await web.client().post("/api/workforce", content=REGISTER)).status_code == 401


async def test_hr_uploads_the_register_and_sees_each_bad_row_next_to_the_upload(web: WebApp) -> None:
    http = await web.signed_in(await web.user("hr"))
    page = await http.get("/workforce")
    assert page.status_code == 200 and 'id="register-empty"' in page.text
    good = await http.post(
        "/workforce",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("register.csv", REGISTER, "text/csv")},
    )
    assert good.status_code == 200 and 'id="workforce-done"' in good.text and "2026-03" in good.text
    assert "<td>Logistiek</td>" in good.text

    bad = b"month,org_unit,headcount,fte\n2026-04,Logistiek,10,9\n2026-4x,Kantoor,3,2\n2026-04,Kantoor,drie,2\n"
    refused = await http.post(
        "/workforce",
        data={"csrf_token": csrf_of(good.text)},
        files={"file": ("register.csv", bad, "text/csv")},
    )
    assert refused.status_code == 422
    assert 'id="workforce-row-errors"' in refused.text
    assert "Rij 3, kolom month" in refused.text and "Schrijf jaar en maand als 2026-03." in refused.text
    assert "Rij 4, kolom headcount" in refused.text
    assert "Er is niets ingelezen: 2 rij(en)" in refused.text
    staff = await staff_between(web.app.state.sessionmaker, date(2026, 4, 1), date(2026, 4, 30))
    assert staff == []  # row 2 was good, and still nothing of April was imported


async def test_the_api_takes_csv_or_json_and_names_each_bad_row(web: WebApp) -> None:
    http = await web.token_client(await web.user("hr"))
    answer = await http.post("/api/workforce", content=REGISTER, headers={"content-type": "text/csv"})
    assert answer.status_code == 200 and answer.json() == {"rows": 1, "months_replaced": ["2026-03"]}
    rows = [{"month": "2026-03", "org_unit": "Kantoor", "headcount": 4, "fte": 3.5}]
    answer = await http.post("/api/workforce", json=rows)
    assert answer.status_code == 200 and answer.json()["months_replaced"] == ["2026-03"]
    staff = await staff_between(web.app.state.sessionmaker, date(2026, 3, 1), date(2026, 3, 31))
    assert [(s.org_unit, s.headcount) for s in staff] == [("Kantoor", 4)]  # March replaced as a whole

    refused = await http.post(
        "/api/workforce", json=[*rows, {"month": "maart", "org_unit": "", "headcount": 1, "fte": 1}]
    )
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "month"), (2, "org_unit")]
    assert "Write year and month as 2026-03." in errors[0]["message"] and "2026-03" in errors[0]["nl"]
    assert (await http.post("/api/workforce", json={"rows": 1})).status_code == 422


async def test_the_page_in_english(web: WebApp) -> None:
    await seed(web)
    http = await web.signed_in(await web.user("hr"))
    await http.get("/language/en")
    page = await http.get(f"/statistics{MARCH}")
    assert "Absence percentage per org unit" in page.text and "23.66" in page.text
    assert "Sick employees per phase" in page.text and "Statutory steps: on time, late or not done" in page.text
