"""Who takes part, changed through the API (issue 18, finding 2): only HR gives the commands; a new
manager sees the case from then on and the previous one no longer does; a wrong person is a 422."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from states.clock import local_date
from tests.web.conftest import WebApp, csrf_of


async def _status(http: httpx.AsyncClient, case_id: str, wanted: int) -> None:
    """Poll until the case answers ``wanted`` (the read model follows the workflow's activity)."""
    async with asyncio.timeout(30):
        while (await http.get(f"/api/cases/{case_id}")).status_code != wanted:
            await asyncio.sleep(0.1)


async def test_hr_changes_the_manager_and_the_case_follows_them(live_web: WebApp) -> None:
    web = live_web
    tag = uuid.uuid4().hex[:6]
    hr = await web.token_client(await web.user("hr"))
    old_email, new_email, coach_email = (f"{name}-{tag}@example.nl" for name in ("mark", "nina", "cor"))
    old_manager = await web.token_client(await web.user("manager", old_email))
    new_manager = await web.token_client(await web.user("manager", new_email))
    coach = await web.token_client(await web.user("coach", coach_email))
    today = local_date(datetime.now(UTC))
    created = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": f"sanne-{tag}@example.nl"},
            "manager": {"name": "Mark Jansen", "email": old_email},
            "first_sick_day": (today - timedelta(days=10)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    await _status(old_manager, case_id, 200)

    def command(http: httpx.AsyncClient, name: str, **fields: Any):  # type: ignore[no-untyped-def]
        return http.post(f"/api/cases/{case_id}/commands/{name}", json=fields)

    new = {"name": "Nina Bos", "email": new_email}
    assert (await command(old_manager, "change_manager", manager=new)).status_code == 403
    assert (await command(old_manager, "assign_coach", coach={"name": "Cor", "email": coach_email})).status_code == 403
    wrong = await command(hr, "change_manager", manager={"name": "Nina Bos", "email": "not an address"})
    assert wrong.status_code == 422 and "email" in wrong.text
    refused = await command(hr, "remove_coach")
    assert refused.status_code == 409 and refused.json()["code"] == "no_coach", refused.text

    done = await command(hr, "change_manager", manager=new)
    assert done.status_code == 200, done.text
    await _status(new_manager, case_id, 200)
    await _status(old_manager, case_id, 404)  # the same answer as for a case that does not exist
    assert [case["case_id"] for case in (await new_manager.get("/api/cases")).json()["items"]] == [case_id]

    assigned = await command(hr, "assign_coach", coach={"name": "Cor Bakker", "email": coach_email})
    assert assigned.status_code == 200, assigned.text
    await _status(coach, case_id, 200)
    assert (await command(hr, "remove_coach")).status_code == 200
    await _status(coach, case_id, 404)
    # The same on the case page, as a form: a wrong address is a 422 naming the field, a right one goes through.
    session = await web.signed_in(await web.user("hr"))
    page = await session.get(f"/cases/{case_id}")
    assert f"/cases/{case_id}/commands/change_casemanager" in page.text
    form = {"csrf_token": csrf_of(page.text), "casemanager.name": "Hans Kok", "casemanager.email": "hans@"}
    wrong_form = await session.post(f"/cases/{case_id}/commands/change_casemanager", data=form)
    assert wrong_form.status_code == 422, wrong_form.text
    form["casemanager.email"] = f"hans-{tag}@example.nl"
    sent = await session.post(f"/cases/{case_id}/commands/change_casemanager", data=form)
    assert sent.status_code == 303, sent.text
    async with asyncio.timeout(30):
        while await web.store.roles_in_case(case_id, f"hans-{tag}@example.nl") != {"casemanager"}:
            await asyncio.sleep(0.1)

    names = (await hr.get(f"/api/cases/{case_id}/commands")).json()["commands"]
    assert {"assign_coach", "remove_coach", "change_manager", "change_casemanager", "choose_buddy"} <= set(names)
    assert not {"change_manager", "remove_coach"} & set(
        (await new_manager.get(f"/api/cases/{case_id}/commands")).json()["commands"]
    )
