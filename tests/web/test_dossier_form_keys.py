"""The dossier's forms count once: an upload sent again with its one-time key (the page's hidden
``idempotency_key``, the API's ``Idempotency-Key``) is the document the first one added, not its
next version; the employee's view sent twice with its form's key is recorded once; HR's "Kopie naar
werknemer" clicked twice makes one copy. Without a key, every upload counts, as before."""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy import func, select

from integrations.schema import AuditRow
from tests.web.conftest import WebApp, command, csrf_of, eventually
from tests.web.test_dossier_access import pdf_bytes
from tests.web.test_dossier_api import PNG, _documents, _hr_and_case, small_web  # noqa: F401 - the fixture
from workflows.case import ReintegrationCase

KEY = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')


async def _uploads_in_history(web: WebApp, case_id: str) -> int:
    async with web.app.state.sessionmaker() as session:
        query = select(func.count()).where(AuditRow.case_id == case_id, AuditRow.action == "document_uploaded")
        return int((await session.execute(query)).scalar_one())


async def _keyed_upload(
    http: httpx.AsyncClient, case_id: str, key: str | None, *, content: bytes = PNG, part: str = "plan_van_aanpak"
) -> httpx.Response:
    return await http.post(
        f"/api/cases/{case_id}/documents",
        data={"part": part},
        files={"file": ("scan.png", io.BytesIO(content), "application/octet-stream")},
        headers={"Idempotency-Key": key} if key is not None else {},
    )


async def test_the_same_api_upload_with_one_key_is_one_version(small_web: WebApp) -> None:  # noqa: F811 - the fixture
    hr, case_id = await _hr_and_case(small_web)
    key = uuid.uuid4().hex
    first = await _keyed_upload(hr, case_id, key)
    again = await _keyed_upload(hr, case_id, key)  # the answer was lost; the client sends it again
    assert first.status_code == 201 and again.status_code == 201, (first.text, again.text)
    assert again.json() == first.json() and first.json()["version"] == 1
    assert [(d["name"], d["version"]) for d in await _documents(hr, case_id)] == [("scan.png", 1)]
    assert await _uploads_in_history(small_web, case_id) == 1

    # Without a key, the same file again is its next version, each time (as before).
    unkeyed = [await _keyed_upload(hr, case_id, None) for _ in range(2)]
    assert [answer.json()["version"] for answer in unkeyed] == [2, 3]
    # A new key is a new upload.
    assert (await _keyed_upload(hr, case_id, uuid.uuid4().hex)).json()["version"] == 4
    # The key of the first with another file, or another part: refused, nothing stored.
    other_file = await _keyed_upload(hr, case_id, key, content=PNG + b"\x00")
    other_part = await _keyed_upload(hr, case_id, key, part="tweede_spoor")
    for refused in (other_file, other_part):
        assert refused.status_code == 422 and refused.json()["code"] == "key_used", refused.text
        assert "Idempotency-Key" in refused.json()["en"]
    # The same key in another case is that case's own.
    _, other_case = await _hr_and_case(small_web)
    assert (await _keyed_upload(hr, other_case, key)).status_code == 201
    # Any key of the commands' rule (a UUID with its dashes too) ...
    assert (await _keyed_upload(hr, case_id, str(uuid.uuid4()))).json()["version"] == 5
    # ... and one that is not one: 422 saying what a key looks like, nothing stored.
    for wrong in ("two words", "k" * 201):
        answer = await _keyed_upload(hr, case_id, wrong)
        assert answer.status_code == 422, (wrong, answer.text)
        (error,) = answer.json()["errors"]
        assert error["field"] == "header.Idempotency-Key", error
        assert "200 characters" in error["message"] or "pattern" in error["message"], error
    assert len(await _documents(hr, case_id)) == 5
    assert await _uploads_in_history(small_web, case_id) == 5

    # An API client may send the key as the form's field too (the body is streamed: another reader).
    field_key = uuid.uuid4().hex
    for _ in range(2):
        sent = await hr.post(
            f"/api/cases/{case_id}/documents",
            data={"part": "tweede_spoor", "idempotency_key": field_key},
            files={"file": ("rapport.png", io.BytesIO(PNG), "image/png")},
        )
        assert sent.status_code == 201 and sent.json()["version"] == 1, sent.text
    assert len(await _documents(hr, case_id)) == 6


async def test_the_page_form_sent_twice_adds_one_document(small_web: WebApp) -> None:  # noqa: F811 - the fixture
    web = small_web
    hr = await web.user("hr", totp=True)
    case_id = await web.case(employee="e@example.nl", manager="m@example.nl")
    http = await web.signed_in(hr)
    base = f"/cases/{case_id}/dossier"
    page = (await http.get(base)).text
    form = re.search(r'action="[^"]+/dossier/documents".*?' + KEY.pattern, page, re.S)
    assert form, "the upload form carries a one-time key"
    data = {"part": "plan_van_aanpak", "csrf_token": csrf_of(page), "idempotency_key": form.group(1)}
    content = pdf_bytes("Plan, getekend")
    answers = []
    for _ in range(2):  # a double click, or the browser sending the POST again
        files = {"file": ("plan.pdf", io.BytesIO(content), "application/pdf")}
        answers.append(await http.post(f"{base}/documents", data=data, files=files))
    assert [answer.status_code for answer in answers] == [303, 303], answers[-1].text
    assert answers[0].headers["location"] == answers[1].headers["location"] == f"{base}?uploaded=1#document-1"
    assert [(d["name"], d["version"]) for d in await _documents(http, case_id)] == [("plan.pdf", 1)]
    assert await _uploads_in_history(web, case_id) == 1

    # The page after it has a new key: the next upload of the same name is its next version.
    page = (await http.get(base)).text
    fresh = KEY.search(page)
    assert fresh and fresh.group(1) != form.group(1)
    files = {"file": ("plan.pdf", io.BytesIO(content), "application/pdf")}
    again = await http.post(f"{base}/documents", data=data | {"idempotency_key": fresh.group(1)}, files=files)
    assert again.status_code == 303 and again.headers["location"] == f"{base}?uploaded=2#document-2"

    # The first form kept by the browser (the back button) and sent with another file: refused by the
    # file field, nothing stored; the page shown again has a new key, with which the file is taken.
    files = {"file": ("advies.pdf", io.BytesIO(pdf_bytes("Advies")), "application/pdf")}
    stale = await http.post(f"{base}/documents", data=data | {"part": "probleemanalyse"}, files=files)
    assert stale.status_code == 422
    assert 'id="upload-error"' in stale.text and "ander bestand" in stale.text
    assert 'name="part"' in stale.text and '<option value="probleemanalyse" selected>' in stale.text
    assert form.group(1) not in stale.text
    assert len(await _documents(http, case_id)) == 2

    # A key made by hand that is not one is no key: the form is taken each time, as before.
    for _ in range(2):
        files = {"file": ("brief.pdf", io.BytesIO(content), "application/pdf")}
        made = await http.post(f"{base}/documents", data=data | {"idempotency_key": "<script>1</script>"}, files=files)
        assert made.status_code == 303, made.text
    assert [d["version"] for d in await _documents(http, case_id) if d["name"] == "brief.pdf"] == [1, 2]


async def _views(hr: httpx.AsyncClient, case_id: str) -> int:
    """The employee's views in the case's own timeline (read until the case answers itself)."""
    answer = await eventually(
        lambda: hr.get(f"/api/cases/{case_id}/timeline"),
        lambda answer: answer.status_code == 200 and answer.json()["live"],
    )
    return sum(1 for entry in answer.json()["entries"] if entry["action"] == "employee_view_given")


async def _live_case(hr: httpx.AsyncClient, employee_email: str, *, language: str = "nl") -> str:
    created = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": employee_email, "language": language},
            "manager": {"name": "Mark Jansen", "email": f"mark-{uuid.uuid4().hex[:6]}@example.nl"},
            "first_sick_day": (date.today() - timedelta(days=20)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id: str = created.json()["case_id"]
    await eventually(lambda: hr.get(f"/api/cases/{case_id}/dossier"), lambda answer: answer.json()["riv"] is not None)
    return case_id


async def test_the_employee_view_sent_twice_is_recorded_once(live_web: WebApp) -> None:
    web = live_web
    employee_account = await web.user("employee")
    hr = await web.token_client(await web.user("hr"))
    case_id = await _live_case(hr, employee_account.account.email)
    employee = await web.signed_in(employee_account)
    base = f"/cases/{case_id}/dossier"

    view_form = re.compile(r'id="view-general">.*?' + KEY.pattern, re.S)
    # the form shows once the case answers the page itself (right after the intake it may not yet)
    page = (await eventually(lambda: employee.get(base), lambda answer: view_form.search(answer.text) is not None)).text
    form = view_form.search(page)
    assert form, "the view form carries a one-time key"
    data = {"csrf_token": csrf_of(page), "idempotency_key": form.group(1), "agrees": "yes", "view": "Goed zo."}
    for _ in range(2):  # a double click, or the browser sending the POST again
        sent = await employee.post(f"{base}/views", data=data)
        assert sent.status_code == 303 and sent.headers["location"] == f"{base}?done=view#views", sent.text
    assert await _views(hr, case_id) == 1

    # The page after it: each view form its own new key; another view counts.
    page = (await employee.get(base)).text
    fresh = KEY.findall(page)
    assert fresh and form.group(1) not in fresh and len(set(fresh)) == len(fresh)
    sent = await employee.post(f"{base}/views", data=data | {"idempotency_key": fresh[0], "view": "Nog steeds."})
    assert sent.status_code == 303, sent.text
    assert await _views(hr, case_id) == 2
    # A form without a key (from before it) counts each time, as before.
    without = {name: value for name, value in data.items() if name != "idempotency_key"}
    assert (await employee.post(f"{base}/views", data=without)).status_code == 303
    assert await _views(hr, case_id) == 3


async def test_the_employee_copy_clicked_twice_is_one_copy(live_web: WebApp) -> None:
    web = live_web
    hr_account = await web.user("hr", totp=True)
    hr = await web.token_client(hr_account)
    case_id = await _live_case(hr, f"emma-{uuid.uuid4().hex[:6]}@example.nl", language="en")
    await command(hr, case_id, "step_recorded", {"step": "actueel_oordeel"})
    page_client = await web.signed_in(hr_account)
    base = f"/cases/{case_id}/dossier"
    copy_form = re.compile(r'id="copy">.*?' + KEY.pattern, re.S)
    page = (
        await eventually(lambda: page_client.get(base), lambda answer: copy_form.search(answer.text) is not None)
    ).text
    form = copy_form.search(page)
    assert form, "the copy form carries a one-time key"
    data = {"csrf_token": csrf_of(page), "idempotency_key": form.group(1)}

    for _ in range(2):  # one after the other: the second finds the first's copy
        made = await page_client.post(f"{base}/employee-copy", data=data)
        assert made.status_code == 303 and made.headers["location"] == f"{base}?copy=1#copy", made.text
    # Two at once (a double click whose first answer has not come): still the one copy.
    both = await asyncio.gather(*(page_client.post(f"{base}/employee-copy", data=data) for _ in range(2)))
    assert [answer.headers.get("location") for answer in both] == [f"{base}?copy=1#copy"] * 2, both[1].text
    documents = await _documents(hr, case_id)
    assert [(d["name"], d["version"]) for d in documents] == [("re-integratieverslag.pdf", 1)]
    assert await _copy_reference(web, case_id) == "re-integratieverslag.pdf v1"  # the step taken once

    # A new click from the page shown after it is a new copy: its next version (the rules take it).
    page = (await page_client.get(base)).text
    fresh = re.search(r'id="copy">.*?' + KEY.pattern, page, re.S)
    assert fresh and fresh.group(1) != form.group(1)
    made = await page_client.post(f"{base}/employee-copy", data=data | {"idempotency_key": fresh.group(1)})
    assert made.status_code == 303 and made.headers["location"] == f"{base}?copy=2#copy", made.text
    assert await _copy_reference(web, case_id) == "re-integratieverslag.pdf v2"


async def _copy_reference(web: WebApp, case_id: str) -> str:
    """The reference of the step ``riv_to_employee`` as the case holds it: the copy it names."""
    facts = await web.app.state.temporal.get_workflow_handle(case_id).query(ReintegrationCase.facts)
    return str(next(step for step in facts.steps if step.key == "riv_to_employee").reference)
