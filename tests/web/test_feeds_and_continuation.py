"""A person's own calendar feed (issue, read without sign-in, revoke), and HR continuing a case that
recovered less than 4 weeks ago instead of starting a new one (the workflow's relapse update)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

from states.workdays import working_day_on_or_before
from tests.web.conftest import WebApp, csrf_of


async def test_a_person_gets_and_stops_their_own_feed(web: WebApp) -> None:
    manager = await web.token_client(await web.user("manager"))
    issued = await manager.post("/api/me/feed")
    assert issued.status_code == 200
    url = issued.json()["url"]
    path = url.removeprefix(web.settings.public_url)
    assert path.startswith("/feeds/") and path.endswith(".ics")
    anonymous = web.client()
    feed = await anonymous.get(path)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in feed.content
    assert (await anonymous.get("/feeds/" + "A" * 43 + ".ics")).status_code == 404
    assert (await anonymous.get("/feeds/short.ics")).status_code == 404
    assert (await manager.delete("/api/me/feed")).json() == {"stopped": 1}
    assert (await anonymous.get(path)).status_code == 404
    assert (await anonymous.post("/api/me/feed")).status_code == 401


async def test_the_feed_page_shows_a_new_address_once(web: WebApp) -> None:
    employee = await web.signed_in(await web.user("employee"))
    page = await employee.get("/feed")
    made = await employee.post("/feed", data={"csrf_token": csrf_of(page.text)})
    assert made.status_code == 200 and "/feeds/" in made.text
    assert "/feeds/" not in (await employee.get("/feed")).text


async def test_hr_continues_a_recently_recovered_case(live_web: WebApp) -> None:
    web = live_web
    hr_account = await web.user("hr")
    api = await web.token_client(hr_account)
    email = f"sanne-{uuid.uuid4().hex[:6]}@example.nl"
    first = date.today() - timedelta(days=12)
    created = await api.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": email},
            "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
            "first_sick_day": first.isoformat(),
        },
    )
    case_id = created.json()["case_id"]
    async with asyncio.timeout(30):
        while (
            await api.post(
                f"/api/cases/{case_id}/commands/recovered",
                json={"on": working_day_on_or_before(date.today() - timedelta(days=5)).isoformat()},  # a working day
            )
        ).status_code != 200:
            await asyncio.sleep(0.1)
        while (
            getattr(await web.store.get_case(case_id), "phase", None) != "hersteld"
        ):  # the read model shows the recovery
            await asyncio.sleep(0.1)

    browser = await web.signed_in(hr_account)
    csrf = csrf_of((await browser.get("/cases/new")).text)
    form = {
        "csrf_token": csrf,
        "employee.name": "Sanne de Vries",
        "employee.email": email,
        "manager.name": "Mark Jansen",
        "manager.email": "mark@example.nl",
        "first_sick_day": date.today().isoformat(),
        "contract_hours_per_week": "36",
        "contract_days_per_week": "5",
        "contact.weekday": "0",
        "contact.time": "10:00",
        "contact.channel": "phone",
        "contact.place": "online",
    }
    offered = await browser.post("/cases", data=form)
    assert offered.status_code == 200 and f'value="{case_id}"' in offered.text and 'id="continue-case"' in offered.text
    continued = await browser.post("/cases", data=form | {"continue_case": case_id})
    assert (
        continued.status_code == 200 and "De vorige casus loopt weer" in continued.text and case_id in continued.text
    ), continued.text
    async with asyncio.timeout(30):
        while (await api.get(f"/api/cases/{case_id}")).json().get("phase") == "hersteld":
            await asyncio.sleep(0.1)
    assert (await api.get(f"/api/cases/{case_id}")).json()["phase"] == "ziekgemeld"
    assert len(await web.store.cases_of_person(email, role="employee")) == 1  # no second case
