"""`/retention` and `GET /api/retention`: HR and the auditor see the dossiers due for deletion and the
latest runs, in words (Dutch, or English); every other role gets a 403; nobody signed in, the
sign-in."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from contracts.wording import format_date
from integrations.retention import TABLES, delete_expired, delete_on
from integrations.schema import CaseRow
from states.clock import local_date
from tests.web.conftest import WebApp
from web.i18n import TEXTS
from web.retention import COUNT_ORDER

PAGE = "/retention"
API = "/api/retention"
YEARS = 2  # the default REINTEGRATIE_RETENTION_YEARS
OTHER_ROLES = ("manager", "coach", "employee", "buddy")


def _years_back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


async def _case(web: WebApp, name: str, closed_on: date | None) -> str:
    case_id = await web.case(employee=f"{uuid.uuid4().hex[:6]}@example.nl", manager="mark@example.nl")
    async with web.app.state.sessionmaker.begin() as session:
        await session.execute(
            update(CaseRow).where(CaseRow.case_id == case_id).values(employee_name=name, closed_on=closed_on)
        )
    return case_id


async def _world(web: WebApp) -> dict[str, str]:
    """A run that deleted one case, a case whose retention ended yesterday (the next run's), one whose
    retention ends in ten days, one kept for another year, and an open one."""
    today = local_date(datetime.now(UTC))
    gone = await _case(web, "Gerrit Verwijderd", _years_back(today, YEARS + 1))
    await delete_expired(web.app.state.sessionmaker, today=today, retention_years=YEARS)
    return {
        "gone": gone,
        "expired": await _case(web, "Eva Verlopen", _years_back(today, YEARS) - timedelta(days=1)),
        "soon": await _case(web, "Sam Binnenkort", _years_back(today + timedelta(days=10), YEARS)),
        "later": await _case(web, "Lotte Later", _years_back(today, 1)),
        "open": await _case(web, "Olaf Open", None),
    }


@pytest.mark.parametrize("role", ["hr", "auditor"])
async def test_hr_and_the_auditor_see_what_is_due_and_what_the_runs_deleted(web: WebApp, role: str) -> None:
    cases = await _world(web)
    today = local_date(datetime.now(UTC))
    http = await web.signed_in(await web.user(role))

    page = await http.get(PAGE)

    assert page.status_code == 200
    text = page.text
    assert f'href="{PAGE}"' in text  # in the menu
    assert "2 jaar na de afsluiting" in text
    assert f'<a href="/cases/{cases["expired"]}">Eva Verlopen</a>' in text and "komende nacht" in text
    soon_ends = delete_on(_years_back(today + timedelta(days=10), YEARS), YEARS)
    assert f'<a href="/cases/{cases["soon"]}">Sam Binnenkort</a>' in text
    assert format_date(soon_ends, "nl") in text and f"over {(soon_ends - today).days} dagen" in text
    for kept in ("Lotte Later", "Olaf Open", "Gerrit Verwijderd"):
        assert kept not in text
    assert text.index("Eva Verlopen") < text.index("Sam Binnenkort")  # the first to go first
    # The run, in words: no table names, no ids.
    assert "<li>Dossiers: 1</li>" in text and "<li>Betrokkenen: 2</li>" in text
    for key in ("case_people", "audit_trail", "cases_deleted", cases["gone"]):
        assert key not in text


@pytest.mark.parametrize("role", ["hr", "auditor"])
async def test_the_api_gives_the_same_to_hr_and_the_auditor(web: WebApp, role: str) -> None:
    cases = await _world(web)
    http = await web.token_client(await web.user(role))

    answer = await http.get(API)

    assert answer.status_code == 200
    body = answer.json()
    assert body["retention_years"] == YEARS and body["soon_days"] == 30
    assert [(case["case_id"], case["expired"]) for case in body["due"]] == [
        (cases["expired"], True),
        (cases["soon"], False),
    ]
    (run,) = body["runs"]
    assert run["cases_deleted"] == 1 and run["counts"]["cases"] == 1 and run["counts"]["case_people"] == 2


@pytest.mark.parametrize("role", OTHER_ROLES)
async def test_no_other_role_sees_it(web: WebApp, role: str) -> None:
    await _world(web)
    made = await web.user(role)
    page = await (await web.signed_in(made)).get(PAGE, headers={"accept": "text/html"})
    assert page.status_code == 403 and "Geen toegang" in page.text and "Eva Verlopen" not in page.text
    assert f'href="{PAGE}"' not in page.text  # not in their menu
    answer = await (await web.token_client(made)).get(API)
    assert answer.status_code == 403 and "Eva Verlopen" not in answer.text


async def test_nobody_signed_in_is_sent_to_sign_in(web: WebApp) -> None:
    page = await web.client().get(PAGE)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert (await web.client().get(API)).status_code == 401


async def test_the_page_in_english_and_before_any_run(web: WebApp) -> None:
    http = await web.signed_in(await web.user("auditor"))
    await http.get("/language/en")
    page = await http.get(PAGE)
    assert page.status_code == 200
    assert "2 years after the case closed" in page.text
    assert 'id="due-none"' in page.text and 'id="runs-none"' in page.text
    assert "The deletion run has not run yet." in page.text


def test_every_count_a_run_records_has_words() -> None:
    assert set(COUNT_ORDER) == {*TABLES, "workflow_executions"}
    for name in COUNT_ORDER:
        nl, en = TEXTS[f"retention.count.{name}"]
        assert nl and en
