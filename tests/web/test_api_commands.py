"""A case driven through its phases with the HTTP API alone, on a real worker and the real rules:
the commands each role may give, the refusals in Dutch and English, 422 naming the field, and the
views (status, timeline, statutory deadlines, export) that follow the case."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from states.clock import local_date
from states.workdays import working_day_on_or_before
from tests.web.conftest import WebApp


def _today() -> date:
    return local_date(datetime.now(UTC))


async def _settled(http: httpx.AsyncClient, case_id: str, **expected: Any) -> dict[str, Any]:
    """Poll the case until the workflow answers and the read model shows ``expected``."""
    body: dict[str, Any] = {}
    async with asyncio.timeout(30):
        while True:
            answer = await http.get(f"/api/cases/{case_id}")
            if answer.status_code == 200:
                body = answer.json()
                if (
                    body.get("live")
                    and body.get("employee_name")
                    and all(body.get(k) == v for k, v in expected.items())
                ):
                    return body
            await asyncio.sleep(0.1)


async def test_a_case_goes_through_its_phases_with_the_http_api(live_web: WebApp) -> None:
    web = live_web
    tag = uuid.uuid4().hex[:6]
    hr = await web.token_client(await web.user("hr"))
    manager_email, employee_email = f"mark-{tag}@example.nl", f"sanne-{tag}@example.nl"
    manager = await web.token_client(await web.user("manager", manager_email))
    employee = await web.token_client(await web.user("employee", employee_email))
    auditor = await web.token_client(await web.user("auditor"))
    today = _today()

    created = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": employee_email},
            "manager": {"name": "Mark Jansen", "email": manager_email},
            "first_sick_day": (today - timedelta(days=10)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    body = await _settled(hr, case_id, phase="ziekgemeld")
    assert any(item["kind"] == "deadline" for item in body["upcoming"])
    await _settled(manager, case_id)  # the manager sees the case once the read model has it

    def command(http: httpx.AsyncClient, name: str, **fields: Any):  # type: ignore[no-untyped-def]
        return http.post(f"/api/cases/{case_id}/commands/{name}", json=fields)

    # Roles: a manager does not record the probleemanalyse; an auditor changes nothing.
    assert (await command(manager, "probleemanalyse_received")).status_code == 403
    assert (await command(auditor, "probleemanalyse_received")).status_code == 403
    assert (await command(employee, "hours_reported", week_of=today.isoformat(), hours=4)).status_code == 403

    # The rules say no (no work yet): 409 with the reason in both languages.
    refused = await command(manager, "hours_reported", week_of=today.isoformat(), hours=4)
    assert refused.status_code == 409, refused.text
    reason = refused.json()
    assert reason["code"] and reason["nl"] and reason["en"] and reason["detail"] == reason["nl"]

    # A wrong shape never reaches the case: 422 naming the field.
    wrong = await command(hr, "hours_reported", week_of=today.isoformat(), hours="lots")
    assert wrong.status_code == 422 and "hours" in wrong.json()["detail"]
    assert (await command(hr, "probleemanalyse_received", diagnosis="x")).status_code == 422

    done = await command(hr, "probleemanalyse_received")
    assert done.status_code == 200 and done.json()["phase"] == "probleemanalyse", done.text
    plan = {
        "hours_per_week": 0,
        "tasks": ["post sorteren"],
        "evaluation_moments": [(today + timedelta(days=14)).isoformat()],
    }
    done = await command(hr, "plan_van_aanpak_signed", plan=plan)
    assert done.status_code == 200 and done.json()["phase"] == "plan_van_aanpak", done.text
    first_day = working_day_on_or_before(today)  # the edge refuses a weekend or a public holiday
    done = await command(hr, "build_up_started", schedule=[{"from_date": first_day.isoformat(), "hours_per_week": 8}])
    assert done.status_code == 200 and done.json()["phase"] == "opbouw", done.text

    talk = await command(manager, "progress_talk_held", went="good", summary="Goed gesprek over de taken.")
    assert talk.status_code == 200, talk.text
    monday = today - timedelta(days=today.weekday())
    hours = await command(manager, "hours_reported", week_of=monday.isoformat(), hours=8)
    assert hours.status_code == 200, hours.text
    assert (await command(employee, "employee_feedback", pace="ok")).status_code == 200

    mine = await employee.get(f"/api/cases/{case_id}/commands")
    assert mine.json()["commands"] == ["employee_feedback", "buddy_consent", "employee_view_given"]
    assert (await auditor.get(f"/api/cases/{case_id}/commands")).json()["commands"] == []

    done = await command(hr, "recovered")
    assert done.status_code == 200 and done.json()["phase"] == "hersteld", done.text
    await _settled(hr, case_id, phase="hersteld")

    timeline = (await hr.get(f"/api/cases/{case_id}/timeline")).json()
    actions = [entry["action"] for entry in timeline["entries"]]
    for expected in (
        "case_opened",
        "probleemanalyse_received",
        "plan_van_aanpak_signed",
        "progress_talk_held",
        "hours_reported",
        "recovered",
    ):
        assert expected in actions, (expected, actions)
    talk_entry = next(entry for entry in timeline["entries"] if entry["action"] == "progress_talk_held")
    assert talk_entry["actor"] == manager_email and "Goed gesprek" not in str(
        timeline
    )  # free text stays in the workflow

    deadlines = (await manager.get(f"/api/cases/{case_id}/deadlines")).json()
    assert deadlines["live"] and len(deadlines["deadlines"]) == 11
    by_key = {row["key"]: row for row in deadlines["deadlines"]}
    assert (
        by_key["probleemanalyse"]["status"] == "on_time" and by_key["probleemanalyse"]["done_on"] == today.isoformat()
    )

    exported = await auditor.get(f"/api/cases/{case_id}/history")
    assert exported.status_code == 200 and exported.json()["case_id"] == case_id
    assert {"probleemanalyse_received", "recovered"} <= {entry["action"] for entry in exported.json()["history"]}
    rows = list(csv.DictReader(io.StringIO((await auditor.get(f"/api/cases/{case_id}/history.csv")).text)))
    assert any(row["action"] == "recovered" and row["what_en"].startswith("Reported recovered") for row in rows)
    assert (await manager.get(f"/api/cases/{case_id}/history")).status_code == 403

    # The case is over: further commands are refused with a reason, not a server error.
    late = await command(manager, "progress_talk_held", went="good")
    assert late.status_code == 409, late.text


async def test_a_command_to_a_case_without_a_workflow_is_404(web: WebApp) -> None:
    hr = await web.token_client(await web.user("hr"))
    answer = await hr.post(f"/api/cases/case-{uuid.uuid4().hex}/commands/probleemanalyse_received", json={})
    assert answer.status_code == 404
