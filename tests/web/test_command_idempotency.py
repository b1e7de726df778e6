"""A command counts once: the same ``Idempotency-Key`` twice records one talk, a form sent twice records
one, and a command that arrives after its moment is refused and records nothing. On a real worker."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from states.clock import local_date
from tests.web.conftest import WebApp, csrf_of, eventually, open_live_case
from web.command_models import COMMANDS, to_payload
from workflows.commands import CommandResult
from workflows.idempotency import command_key, update_id

TALK = {"went": "good", "summary": "Goed gesprek over de taken."}


async def _talks(hr: httpx.AsyncClient, case_id: str) -> int:
    """The talks in the case's own timeline (read again until the case answers itself, not the read model)."""
    answer = await eventually(
        lambda: hr.get(f"/api/cases/{case_id}/timeline"),
        lambda answer: answer.status_code == 200 and answer.json()["live"],
    )
    return sum(1 for entry in answer.json()["entries"] if entry["action"] == "progress_talk_held")


async def _talk(http: httpx.AsyncClient, case_id: str, key: str | None, **body: Any) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return await http.post(f"/api/cases/{case_id}/commands/progress_talk_held", json=body or TALK, headers=headers)


async def test_the_same_idempotency_key_twice_records_one_talk(live_web: WebApp) -> None:
    web = live_web
    manager_email = f"mark-{uuid.uuid4().hex[:6]}@example.nl"
    hr = await web.token_client(await web.user("hr"))
    manager = await web.token_client(await web.user("manager", manager_email))
    case_id = await open_live_case(hr, manager_email)

    first = await _talk(manager, case_id, "talk-1")
    assert first.status_code == 200, first.text
    repeat = await _talk(manager, case_id, "talk-1")
    assert repeat.status_code == 200 and repeat.json() == first.json()
    assert await _talks(hr, case_id) == 1

    # Another key is another talk; the same key from another person is theirs, not a repeat.
    assert (await _talk(manager, case_id, "talk-2")).status_code == 200
    assert (await _talk(hr, case_id, "talk-1")).status_code == 200
    assert await _talks(hr, case_id) == 3
    # Without a key every command counts (as before).
    assert (await _talk(manager, case_id, None)).status_code == 200
    assert await _talks(hr, case_id) == 4

    # A key that is not one: 422, nothing recorded.
    wrong = await _talk(manager, case_id, "x" * 201)
    assert wrong.status_code == 422, wrong.text
    assert await _talks(hr, case_id) == 4


async def test_a_form_sent_twice_records_one_talk(live_web: WebApp) -> None:
    web = live_web
    manager_email = f"mark-{uuid.uuid4().hex[:6]}@example.nl"
    hr = await web.token_client(await web.user("hr"))
    manager_account = await web.user("manager", manager_email)
    case_id = await open_live_case(hr, manager_email)
    browser = await web.signed_in(manager_account)

    page = await browser.get(f"/cases/{case_id}")
    assert page.status_code == 200
    form = re.search(
        r'action="/cases/[^"]+/commands/progress_talk_held".*?name="idempotency_key" value="([0-9a-f]{32})"',
        page.text,
        re.S,
    )
    assert form, "the talk's form carries a one-time key"
    data = {"csrf_token": csrf_of(page.text), "idempotency_key": form.group(1), **TALK}
    for _ in range(2):  # a double click, or the browser sending the POST again
        sent = await browser.post(f"/cases/{case_id}/commands/progress_talk_held", data=data)
        assert sent.status_code == 303, sent.text
    assert await _talks(hr, case_id) == 1

    # The page after it has a new key: the next talk counts.
    page = await browser.get(f"/cases/{case_id}")
    again = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text)
    assert again and again.group(1) != form.group(1)


async def test_a_command_that_arrives_after_its_moment_is_refused_and_records_nothing(live_web: WebApp) -> None:
    """What a command that waited for a stopped worker meets when the worker is back: its moment has
    passed, the case refuses it (the web answers 503, nothing recorded)."""
    web = live_web
    manager_email = f"mark-{uuid.uuid4().hex[:6]}@example.nl"
    hr = await web.token_client(await web.user("hr"))
    case_id = await open_live_case(hr, manager_email)
    spec = COMMANDS["progress_talk_held"]
    payload = to_payload(spec, spec.model.model_validate(TALK), actor=manager_email, at=datetime.now(UTC))
    key = command_key(case_id, manager_email, spec.name, "late")
    handle = web.app.state.temporal.get_workflow_handle(case_id)

    late = update_id(key, datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(spec.name, payload, id=late, result_type=CommandResult)
    assert isinstance(refused.value.cause, ApplicationError) and refused.value.cause.type == "Expired"
    assert await _talks(hr, case_id) == 0

    # The same key again in time: applied, once.
    in_time = update_id(key, datetime.now(UTC) + timedelta(seconds=30))
    await handle.execute_update(spec.name, payload, id=in_time, result_type=CommandResult)
    assert await _talks(hr, case_id) == 1


async def test_the_same_key_starts_one_case(web: WebApp) -> None:
    hr_account = await web.user("hr")
    hr = await web.token_client(hr_account)
    other_hr = await web.token_client(await web.user("hr"))
    intake = {
        "employee": {"name": "Sanne de Vries", "email": f"sanne-{uuid.uuid4().hex[:6]}@example.nl"},
        "manager": {"name": "Mark Jansen", "email": f"mark-{uuid.uuid4().hex[:6]}@example.nl"},
        "first_sick_day": local_date(datetime.now(UTC)).isoformat(),
    }
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = await hr.post("/api/cases", json=intake, headers=key)
    again = await hr.post("/api/cases", json=intake, headers=key)
    assert first.status_code == 201 and again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json()
    other = await other_hr.post("/api/cases", json=intake, headers=key)  # another person's key is theirs
    unkeyed = await hr.post("/api/cases", json=intake)
    assert other.status_code == 201 and unkeyed.status_code == 201
    assert len({first.json()["case_id"], other.json()["case_id"], unkeyed.json()["case_id"]}) == 3
