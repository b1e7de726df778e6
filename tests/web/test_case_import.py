"""Bringing in running cases through the API (issue 21), on the real dev server with a real worker:
JSON and CSV, idempotent by the external reference, a clear error per bad row with nothing of that row
started while the good rows go on, HR only, and the invitations held until HR confirms."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from integrations.case_imports import CaseImports, case_id_for
from integrations.schema import CaseImportRow
from states.clock import local_date
from tests.web.conftest import WebApp, eventually

API = "/api/imports/running-cases"


def _today() -> date:
    return local_date(datetime.now(UTC))


def _row(ref: str, tag: str, **cells: Any) -> dict[str, Any]:
    first = _today() - timedelta(weeks=20)
    row: dict[str, Any] = {
        "external_ref": ref,
        "employee_name": "Sanne de Vries",
        "employee_email": f"sanne-{tag}-{ref.lower()}@example.nl",
        "manager_name": "Mark Jansen",
        "manager_email": f"mark-{tag}@example.nl",
        "casemanager_name": "Carla Visser",
        "casemanager_email": f"carla-{tag}@example.nl",
        "first_sick_day": first.isoformat(),
        "contract_hours_per_week": "32",
        "arbodienst_report": (first + timedelta(days=5)).isoformat(),
        "probleemanalyse": (first + timedelta(weeks=5)).isoformat(),
        "plan_van_aanpak": (first + timedelta(weeks=7)).isoformat(),
        "evaluations": [(first + timedelta(weeks=12)).isoformat(), (first + timedelta(weeks=18)).isoformat()],
    }
    row.update(cells)
    return row


async def _started(client: Client, case_id: str) -> bool:
    try:
        description = await client.get_workflow_handle(case_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return description.status is not None


async def test_import_twice_opens_each_reference_once(live_web: WebApp) -> None:
    web = live_web
    tag = uuid.uuid4().hex[:8]
    hr = await web.token_client(await web.user("hr"))
    rows = [_row(f"A-{tag}", tag), _row(f"B-{tag}", tag)]

    first = await hr.post(API, json={"invitations": "all", "rows": rows})
    assert first.status_code == 200, first.text
    report = first.json()
    assert [r["status"] for r in report["rows"]] == ["started", "started"]
    assert report["started"] == 2 and report["refused"] == 0
    case_ids = [r["case_id"] for r in report["rows"]]
    assert case_ids == [case_id_for(f"A-{tag}"), case_id_for(f"B-{tag}")]

    second = await hr.post(API, json={"invitations": "all", "rows": rows})
    assert second.status_code == 200, second.text
    again = second.json()
    assert [r["status"] for r in again["rows"]] == ["already_imported", "already_imported"]
    assert again["started"] == 0 and again["already_imported"] == 2
    assert "brought in before" in again["rows"][0]["errors"][0]["en"]
    assert [r["case_id"] for r in again["rows"]] == case_ids

    # A crash between the start and the SQL row: the next import finds the case started (its id is
    # derived from the reference) and writes the row it missed.
    async with web.app.state.sessionmaker() as session:
        await session.execute(delete(CaseImportRow).where(CaseImportRow.external_ref == f"B-{tag}"))
        await session.commit()
    third = (await hr.post(API, json={"invitations": "all", "rows": rows[1:]})).json()
    assert [r["status"] for r in third["rows"]] == ["already_imported"]
    assert await CaseImports(web.app.state.sessionmaker).by_case(case_ids[1]) is not None

    client = web.app.state.temporal
    runs = [wf async for wf in client.list_workflows(f"WorkflowId = '{case_ids[0]}'")]
    assert len(runs) == 1, "one workflow per reference"

    # The case runs, with its history: no step done is overdue.
    case = await eventually(
        lambda: hr.get(f"/api/cases/{case_ids[0]}"),
        lambda answer: answer.status_code == 200 and bool(answer.json().get("live")),
    )
    body = case.json()
    assert body["phase"] == "plan_van_aanpak", body
    assert body["overdue"] is False


async def test_a_bad_row_names_its_column_and_starts_nothing(live_web: WebApp) -> None:
    web = live_web
    tag = uuid.uuid4().hex[:8]
    hr = await web.token_client(await web.user("hr"))
    first = _today() - timedelta(weeks=20)
    bad: dict[str, dict[str, Any]] = {
        "employee_email": {"employee_email": "sanne-at-example"},
        "first_sick_day": {"first_sick_day": "12-01-2026"},
        "contract_hours_per_week": {"contract_hours_per_week": "90"},
        "team": {"team": "Team burn-out"},
        "workplace": {"workplace": "Kantoor \u202eUtrecht"},
        "plan_van_aanpak": {"plan_van_aanpak": (first + timedelta(weeks=4)).isoformat()},  # before the probleemanalyse
        "probleemanalyse": {"probleemanalyse": (_today() + timedelta(days=3)).isoformat()},
        "casemanager_email": {"casemanager_email": ""},
        "earlier_periods": {"earlier_periods": "2025-01-01"},
        "plan_hours_per_week": {"plan_hours_per_week": "40"},  # more than the contract's 32
    }
    rows = [_row(f"GOOD-{tag}", tag)]
    for column, cells in bad.items():
        rows.append(_row(f"BAD-{column}-{tag}", tag, **cells))
    rows.append(_row(f"GOOD-{tag}", tag))  # the same reference twice in one import
    rows.append(_row("", tag))

    answer = await hr.post(API, json={"invitations": "all", "rows": rows})
    assert answer.status_code == 200, answer.text
    report = answer.json()["rows"]
    assert report[0]["status"] == "started"
    for result, column in zip(report[1:-2], bad, strict=True):
        assert result["status"] == "refused", (column, result)
        assert result["case_id"] is None
        named = {error["column"] for error in result["errors"]}
        assert column in named, (column, result["errors"])
        for error in result["errors"]:
            assert error["nl"] and error["en"]
        assert not await _started(web.app.state.temporal, case_id_for(result["external_ref"])), column
    duplicate, no_ref = report[-2], report[-1]
    assert duplicate["status"] == "refused" and "row 1" in duplicate["errors"][0]["en"]
    assert no_ref["status"] == "refused" and no_ref["errors"][0]["column"] == "external_ref"
    messages = {r["external_ref"]: r["errors"][0] for r in report[1:-2]}
    assert "YYYY-MM-DD" in messages[f"BAD-first_sick_day-{tag}"]["en"]
    assert "JJJJ-MM-DD" in messages[f"BAD-first_sick_day-{tag}"]["nl"]
    assert "burn-out" in messages[f"BAD-team-{tag}"]["en"]
    assert "probleemanalyse" in messages[f"BAD-plan_van_aanpak-{tag}"]["en"]


async def test_csv_upload_with_held_invitations_until_hr_confirms(live_web: WebApp, smtp_sink: Any) -> None:
    web = live_web
    tag = uuid.uuid4().hex[:8]
    hr = await web.token_client(await web.user("hr"))
    row = _row(f"CSV-{tag}", tag)
    columns = list(row)
    values = [" ".join(row[c]) if isinstance(row[c], list) else str(row[c]) for c in columns]
    text = ";".join(columns) + "\n" + ";".join(values) + "\n"

    answer = await hr.post(f"{API}.csv?invitations=hold", content=text.encode(), headers={"content-type": "text/csv"})
    assert answer.status_code == 200, answer.text
    (result,) = answer.json()["rows"]
    assert result["status"] == "started" and result["invitations_held"] is True
    case_id = result["case_id"]
    employee = row["employee_email"]
    await eventually(
        lambda: hr.get(f"/api/cases/{case_id}"), lambda a: a.status_code == 200 and bool(a.json().get("live"))
    )
    await asyncio.sleep(1)
    assert not [m for m in smtp_sink.messages if employee in m[1]], "no invitation before HR confirms"

    held = (await hr.get(f"{API}/held")).json()
    assert case_id in [h["case_id"] for h in held]
    auditor = await web.token_client(await web.user("auditor"))
    assert (await auditor.post(f"/api/cases/{case_id}/release-invitations")).status_code == 403
    assert (await auditor.get(f"{API}/held")).status_code == 403
    released = await hr.post(f"/api/cases/{case_id}/release-invitations")
    assert released.status_code == 200, released.text
    assert released.json()["invitations_sent"] >= 2
    await eventually(lambda: _async(smtp_sink.messages), lambda ms: any(employee in m[1] for m in ms))
    again = await hr.post(f"/api/cases/{case_id}/release-invitations")
    assert again.status_code == 409, again.text
    assert case_id not in [h["case_id"] for h in (await hr.get(f"{API}/held")).json()]


async def _async(value: Any) -> Any:
    return list(value)


async def test_only_hr_imports(live_web: WebApp) -> None:
    web = live_web
    tag = uuid.uuid4().hex[:8]
    for role in ("auditor", "manager"):
        http = await web.token_client(await web.user(role))
        answer = await http.post(API, json={"rows": [_row(f"R-{tag}", tag)]})
        assert answer.status_code == 403, answer.text
        csv_answer = await http.post(f"{API}.csv", content=b"external_ref\n", headers={"content-type": "text/csv"})
        assert csv_answer.status_code == 403
        assert (await (await web.signed_in(await web.user(role))).get("/cases/import")).status_code == 403
    hr = await web.signed_in(await web.user("hr"))
    await hr.get("/language/en?next=/cases/import")
    page = await hr.get("/cases/import")
    assert page.status_code == 200 and "Bring in running cases" in page.text and "external_ref" in page.text
    anonymous = web.client()
    assert (await anonymous.post(API, json={"rows": [_row(f"R-{tag}", tag)]})).status_code == 401
    assert not await _started(web.app.state.temporal, case_id_for(f"R-{tag}"))


async def test_a_file_that_cannot_be_read_starts_nothing(live_web: WebApp) -> None:
    hr = await live_web.token_client(await live_web.user("hr"))
    answer = await hr.post(
        f"{API}.csv", content=b"external_ref,naam\nX-1,Sanne\n", headers={"content-type": "text/csv"}
    )
    assert answer.status_code == 400
    body = answer.json()
    assert "naam" in body["detail"] and "naam" in body["nl"]
    assert not await _started(live_web.app.state.temporal, case_id_for("X-1"))
