"""GET /api/cases and the page /cases (issue 21): searched and paged from the read model, each reader's
own cases only, the counts of the search, and a clear 422 for a wrong search."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from integrations.schema import CasePersonRow, CaseRow
from tests.web.conftest import WebApp

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MANAGERS = ("mira@example.nl", "otto@example.nl", "pim@example.nl")
N = 75


def _case(i: int) -> dict[str, Any]:
    name = ("Sanne de Vries", "Jan Bakker", "Élodie Smit")[i % 3]
    return dict(
        case_id=f"case-{i:032x}",
        employee_name=f"{name} {i}",
        employee_email=f"employee{i}@example.nl",
        manager_name="Manager",
        manager_email=MANAGERS[i % 3],
        org_unit=f"unit-{i % 2}",
        first_sick_day=date(2026, 1, 1) + timedelta(days=i),
        phase=("ziekgemeld", "plan_van_aanpak", "opbouw")[i % 5 % 3],
        next_deadline=date(2020, 1, 1) if i % 4 == 0 else date(2099, 1, 1),
        next_step="plan_van_aanpak" if i % 4 == 0 else None,
        next_step_label_nl="Plan van aanpak" if i % 4 == 0 else None,
        next_step_label_en="Plan of action" if i % 4 == 0 else None,
        open_signals=1 if i % 6 == 0 else 0,
        opened_at=START + timedelta(minutes=i // 2),  # two cases share each moment
        updated_at=START,
    )


CASES = [_case(i) for i in range(N)]


def _newest_first(cases: list[dict[str, Any]]) -> list[str]:
    return [c["case_id"] for c in sorted(cases, key=lambda c: (c["opened_at"], c["case_id"]), reverse=True)]


async def _fill(web: WebApp) -> None:
    async with web.app.state.sessionmaker() as session, session.begin():
        await session.execute(insert(CaseRow), CASES)
        await session.execute(
            insert(CasePersonRow), [dict(case_id=c["case_id"], role="manager", email=c["manager_email"]) for c in CASES]
        )


async def _pages(http: httpx.AsyncClient, **params: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every item of every page, and every page's counts."""
    items: list[dict[str, Any]] = []
    counts: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        answer = await http.get("/api/cases", params=params | ({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        counts.append(body["counts"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items, counts
        assert len(items) <= N


async def test_hr_pages_through_every_case_once_newest_first_with_the_counts(web: WebApp) -> None:
    await _fill(web)
    hr = await web.token_client(await web.user("hr"))

    items, counts = await _pages(hr, limit=20)

    assert [item["case_id"] for item in items] == _newest_first(CASES)
    assert len(counts) == 4 and all(c == counts[0] for c in counts)
    assert counts[0] == {
        "total": N,
        "by_phase": {p: sum(c["phase"] == p for c in CASES) for p in ("ziekgemeld", "plan_van_aanpak", "opbouw")},
        "overdue": sum(i % 4 == 0 for i in range(N)),
        "open_signals": sum(i % 6 == 0 for i in range(N)),
    }
    overdue = next(item for item in items if item["overdue"])
    assert (overdue["next_step"], overdue["next_step_label"], overdue["next_deadline"]) == (
        "plan_van_aanpak",
        "Plan van aanpak",
        "2020-01-01",
    )
    assert {item["open_signals"] for item in items} == {0, 1}


@pytest.mark.parametrize(
    "params,wanted",
    [
        ({"q": "VRIES"}, lambda c: "Vries" in c["employee_name"]),
        ({"q": "elodie 1"}, lambda c: "Élodie" in c["employee_name"] and "1" in c["employee_name"]),
        ({"q": "employee7@"}, lambda c: c["employee_email"] == "employee7@example.nl"),
        ({"manager": "OTTO@example.nl"}, lambda c: c["manager_email"] == "otto@example.nl"),
        ({"phase": "opbouw"}, lambda c: c["phase"] == "opbouw"),
        ({"org_unit": "unit-1"}, lambda c: c["org_unit"] == "unit-1"),
        ({"overdue": "true"}, lambda c: c["next_deadline"] < date(2026, 12, 3)),
        ({"overdue": "false"}, lambda c: c["next_deadline"] > date(2026, 12, 3)),
        ({"open_signal": "true"}, lambda c: c["open_signals"] > 0),
        (
            {"sick_from": "2026-01-10", "sick_to": "2026-02-10"},
            lambda c: date(2026, 1, 10) <= c["first_sick_day"] <= date(2026, 2, 10),
        ),
        (
            {"q": "jan", "phase": "ziekgemeld", "open_signal": "false"},
            lambda c: "Jan" in c["employee_name"] and c["phase"] == "ziekgemeld" and c["open_signals"] == 0,
        ),
    ],
)
async def test_every_filter_of_the_api(web: WebApp, params: dict[str, str], wanted: Any) -> None:
    await _fill(web)
    hr = await web.token_client(await web.user("hr"))
    expected = _newest_first([c for c in CASES if wanted(c)])

    items, counts = await _pages(hr, limit=7, **params)

    assert [item["case_id"] for item in items] == expected
    assert counts[0]["total"] == len(expected)


async def test_a_manager_pages_through_their_own_cases_only(web: WebApp) -> None:
    await _fill(web)
    manager = await web.token_client(await web.user("manager", "pim@example.nl"))
    own = [c for c in CASES if c["manager_email"] == "pim@example.nl"]

    items, counts = await _pages(manager, limit=4)

    assert [item["case_id"] for item in items] == _newest_first(own)
    assert counts[0]["total"] == len(own)
    items, counts = await _pages(manager, limit=4, manager="mira@example.nl")
    assert items == [] and counts[0]["total"] == 0


@pytest.mark.parametrize(
    "params,field",
    [
        ({"phase": "bijna_beter"}, "phase"),
        ({"sick_from": "2026-03-01", "sick_to": "2026-02-01"}, "sick_to"),
        ({"sick_from": "2026-13-01"}, "sick_from"),
        ({"q": "x" * 101}, "q"),
        ({"q": "Sanne\u202eseirV"}, "q"),
        ({"q": "Sanne\x00"}, "q"),
        ({"manager": "mira@example.nl\u2028"}, "manager"),
        ({"org_unit": "team zorg<script>"}, "org_unit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyIyMDI2LTAzLTAyVDA5OjAwOjAwIiwxXQ"}, "cursor"),  # ["2026-03-02T09:00:00",1]
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"overdue": "maybe"}, "overdue"),
    ],
)
async def test_a_wrong_search_gets_a_clear_422(web: WebApp, params: dict[str, str], field: str) -> None:
    hr = await web.token_client(await web.user("hr"))

    answer = await hr.get("/api/cases", params=params)

    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert [error["field"] for error in body["errors"]] == [field]
    assert body["detail"].startswith(f"Invalid input. {field}: ")


async def test_the_page_searches_counts_and_pages(web: WebApp) -> None:
    await _fill(web)
    hr = await web.signed_in(await web.user("hr"))

    page = await hr.get("/cases", params={"q": "vries", "limit": "10"})

    assert page.status_code == 200
    vries = [c for c in CASES if "Vries" in c["employee_name"]]
    assert f"{len(vries)} casussen gevonden." in page.text
    assert "Plan van aanpak op 2020-01-01" in page.text  # the next deadline names its step
    assert page.text.count('<tr>\n    <td><a href="/cases/case-') == 10
    next_link = page.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert next_link.startswith("/cases?q=vries&amp;limit=10&amp;cursor=")
    second = await hr.get(next_link.replace("&amp;", "&"))
    assert second.status_code == 200 and "Terug naar het begin" in second.text
    first_ids = {c["case_id"] for c in vries if f'/cases/{c["case_id"]}"' in page.text}
    second_ids = {c["case_id"] for c in vries if f'/cases/{c["case_id"]}"' in second.text}
    assert len(first_ids) == len(second_ids) == 10 and not first_ids & second_ids

    home = await hr.get("/", params={"overdue": "1"})  # HR's overview is the same list
    assert home.status_code == 200 and f"{sum(i % 4 == 0 for i in range(N))} casussen gevonden." in home.text

    wrong = await hr.get("/cases", params={"sick_from": "2026-03-01", "sick_to": "2026-02-01", "q": "vries"})
    assert wrong.status_code == 422
    assert "Er is niet gezocht" in wrong.text
    assert "Deze datum ligt voor de eerste ziektedag vanaf." in wrong.text
    bad_day = await hr.get("/cases", params={"sick_to": "2026-02-31"})
    assert bad_day.status_code == 422 and "Vul een datum in, zoals 2026-03-31." in bad_day.text
    assert 'value="vries"' in wrong.text  # what was typed stays, to correct
    assert "casussen gevonden" not in wrong.text


async def test_the_api_document_describes_the_paged_list(web: WebApp) -> None:
    hr = await web.token_client(await web.user("hr"))
    document = (await hr.get("/openapi.json")).json()
    operation = document["paths"]["/api/cases"]["get"]
    assert {
        "q",
        "manager",
        "phase",
        "org_unit",
        "overdue",
        "open_signal",
        "sick_from",
        "sick_to",
        "cursor",
        "limit",
    } <= {parameter["name"] for parameter in operation["parameters"]}
    assert {"200", "401", "422"} <= set(operation["responses"])
    page_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(document["components"]["schemas"][page_schema]["properties"]) == {"items", "next_cursor", "counts"}
    assert (await web.client().get("/api/cases")).status_code == 401


async def test_a_manager_s_page_and_a_buddy_s_list(web: WebApp) -> None:
    await _fill(web)
    async with web.app.state.sessionmaker() as session, session.begin():
        await session.execute(
            insert(CasePersonRow), [dict(case_id=CASES[4]["case_id"], role="buddy", email="bo@example.nl")]
        )
    manager = await web.signed_in(await web.user("manager", "mira@example.nl"))
    own = [c for c in CASES if c["manager_email"] == "mira@example.nl"]

    page = await manager.get("/cases", params={"limit": "200"})

    assert page.status_code == 200 and f"{len(own)} casussen gevonden." in page.text
    assert all((f'/cases/{c["case_id"]}"' in page.text) == (c in own) for c in CASES)

    buddy = await web.token_client(await web.user("buddy", "bo@example.nl"))
    listed = (await buddy.get("/api/cases")).json()
    assert listed["items"] == [
        {
            "case_id": CASES[4]["case_id"],
            "employee_name": CASES[4]["employee_name"],
            "manager_name": "Manager",
            "phase": None,
            "first_sick_day": None,
            "next_deadline": None,
            "next_step": None,
            "next_step_label": None,
            "overdue": None,
            "open_signals": None,
            "org_unit": None,
        }
    ]
    assert listed["counts"] == {"total": 1, "by_phase": {}, "overdue": 0, "open_signals": 0}
    assert (await buddy.get("/api/cases", params={"q": "bakker"})).json()["items"] == []  # nothing to filter on
