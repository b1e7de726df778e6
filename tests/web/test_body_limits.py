"""Limits at the door: a body above 1 MB is refused with 413 before it is read (by its length at once,
or while it streams), an anonymous API request gets its 401 before its body is read, and what was
allowed still works: a command, a form, and the dossier's uploads up to their own, larger limit.

The bodies are sent in chunks that count what the server took (httpx's ASGI transport pulls each
chunk only when the app asks for more of the body)."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pypdf
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.web.conftest import WebApp, csrf_of, web_settings
from tests.web.test_dossier_access import pdf_bytes
from web.app import create_app
from web.body_limit import BODY_LIMIT

CHUNK = 8 * 1024
UPLOAD_LIMIT = 3 * 1024 * 1024
"""The dossier's upload limit in :func:`upload_web`: above the door's 1 MB."""


class Chunks:
    """A request body sent in chunks of :data:`CHUNK` bytes, counting what the server took."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), CHUNK):
            chunk = self.body[start : start + CHUNK]
            self.sent += len(chunk)
            yield chunk


def json_body(size: int) -> bytes:
    """A well-formed intake of about ``size`` bytes (a long name)."""
    intake = {
        "employee": {"name": "x" * size, "email": "sanne@example.nl"},
        "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
        "first_sick_day": date.today().isoformat(),
    }
    return json.dumps(intake).encode()


JSON = {"Content-Type": "application/json"}


async def test_a_body_over_the_limit_is_refused_by_its_length_before_it_is_read(web: WebApp) -> None:
    hr = await web.token_client(await web.user("hr"))
    chunks = Chunks(json_body(2 * BODY_LIMIT))
    answer = await hr.post(
        "/api/cases", content=chunks.stream(), headers=JSON | {"Content-Length": str(len(chunks.body))}
    )
    assert answer.status_code == 413, answer.text
    refusal = answer.json()
    assert "larger than 1 MB" in refusal["detail"] and "groter dan 1 MB" in refusal["nl"]
    assert refusal["code"] == "too_large"
    assert chunks.sent == 0, f"{chunks.sent} bytes of the body were read"

    # A page's form: a short page that says so, not JSON.
    page = await web.client().post(
        "/login",
        content=Chunks(b"email=" + b"x" * (2 * BODY_LIMIT)).stream(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(6 + 2 * BODY_LIMIT),
            "Accept": "text/html",
        },
    )
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "groter dan 1 MB" in page.text


async def test_a_body_without_a_length_is_refused_once_it_passes_the_limit(web: WebApp) -> None:
    hr = await web.token_client(await web.user("hr"))
    chunks = Chunks(json_body(5 * BODY_LIMIT))
    answer = await hr.post("/api/cases", content=chunks.stream(), headers=JSON)
    assert answer.status_code == 413, answer.text
    assert "larger than 1 MB" in answer.json()["detail"]
    assert chunks.sent <= BODY_LIMIT + CHUNK, f"{chunks.sent} of {len(chunks.body)} bytes were read"

    # A signed-in page's form, whose CSRF check reads it: cut off as well, with the page.
    http = await web.signed_in(await web.user("hr"))
    csrf = csrf_of((await http.get("/cases/new")).text)
    form = Chunks(f"csrf_token={csrf}&employee_name=".encode() + b"x" * (3 * BODY_LIMIT))
    page = await http.post(
        "/cases",
        content=form.stream(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )
    assert page.status_code == 413 and "groter dan 1 MB" in page.text, page.text
    assert form.sent <= BODY_LIMIT + CHUNK, f"{form.sent} of {len(form.body)} bytes were read"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer rtk_not-a-token"}, {"Authorization": "Basic c29tZW9uZQ=="}],
    ids=["no token", "a wrong token", "not a bearer token"],
)
async def test_an_anonymous_command_gets_401_before_its_body_is_read(web: WebApp, headers: dict[str, str]) -> None:
    """A body well within the limit: only the missing sign-in can stop it before it is read."""
    case_id = await web.case(employee="e@example.nl", manager="m@example.nl")
    path = f"/api/cases/{case_id}/commands/hours_reported"
    body = json.dumps({"week_of": "2026-01-05", "hours": 4, "note": "x" * (BODY_LIMIT // 2)}).encode()
    for length in ({}, {"Content-Length": str(len(body))}):
        chunks = Chunks(body)
        answer = await web.client(**headers).post(path, content=chunks.stream(), headers=JSON | length)
        assert answer.status_code == 401, answer.text
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "Sign in first" in answer.json()["detail"]
        assert chunks.sent == 0, f"{chunks.sent} bytes of the body were read before the 401"


async def test_a_command_and_a_form_within_the_limit_still_work(web: WebApp) -> None:
    hr_account = await web.user("hr")
    hr = await web.token_client(hr_account)
    tag = uuid.uuid4().hex[:6]
    created = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": f"sanne-{tag}@example.nl"},
            "manager": {"name": "Mark Jansen", "email": f"mark-{tag}@example.nl"},
            "first_sick_day": date.today().isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    # A command streamed without a length, within the limit, is read whole: its wrong field is named.
    manager_email = f"m-{tag}@example.nl"
    case_id = await web.case(employee=f"e-{tag}@example.nl", manager=manager_email)
    manager = await web.token_client(await web.user("manager", manager_email))
    wrong = Chunks(json.dumps({"week_of": "not a date", "hours": 4, "note": "x" * 1000}).encode())
    named = await manager.post(f"/api/cases/{case_id}/commands/hours_reported", content=wrong.stream(), headers=JSON)
    assert named.status_code == 422 and "week_of" in named.text, named.text
    assert wrong.sent == len(wrong.body)

    # A form: the mail preference, with its CSRF field.
    http = await web.signed_in(await web.user("manager"))
    page = await http.get("/settings/mail")
    saved = await http.post("/settings/mail", data={"mode": "daily", "csrf_token": csrf_of(page.text)})
    assert saved.status_code == 303, saved.text
    assert (await http.get("/api/me/mail-preference")).json()["mode"] == "daily"


# ------------------------------------------------------------------------ the dossier's own limit


@pytest.fixture
async def upload_web(dev_server: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[WebApp]:
    """The web app with an upload limit of :data:`UPLOAD_LIMIT` bytes (no worker: uploads need none)."""
    settings = web_settings(dev_server, tmp_path).model_copy(update={"max_upload_bytes": UPLOAD_LIMIT})
    app = create_app(settings, client=dev_server.client)
    async with app.router.lifespan_context(app):
        web = WebApp(app, settings, app.state.accounts, app.state.store)
        try:
            yield web
        finally:
            for http in web.clients:
                await http.aclose()


def pdf_of_size(size: int) -> bytes:
    """A real PDF of at least ``size`` bytes: one page of text and an attachment of random bytes."""
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes("Plan van aanpak, met bijlage")))
    writer.add_attachment("bijlage.bin", uuid.uuid4().bytes * (size // 16 + 1))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def multipart(content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="part"\r\n\r\nplan_van_aanpak\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="plan.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


async def test_the_dossier_takes_a_file_above_1_mb_up_to_its_own_limit(upload_web: WebApp) -> None:
    web = upload_web
    hr = await web.token_client(await web.user("hr"))
    case_id = await web.case(employee="e@example.nl", manager="m@example.nl")
    path = f"/api/cases/{case_id}/documents"
    two_mb = pdf_of_size(2 * 1024 * 1024)
    assert len(two_mb) > 2 * BODY_LIMIT

    taken = await hr.post(
        path, data={"part": "plan_van_aanpak"}, files={"file": ("plan.pdf", two_mb, "application/pdf")}
    )
    assert taken.status_code == 201, taken.text
    # The same without a length: the door counts it against the dossier's limit, not its own.
    body, content_type = multipart(two_mb)
    streamed = await hr.post(path, content=Chunks(body).stream(), headers={"Content-Type": content_type})
    assert streamed.status_code == 201, streamed.text

    # Above the dossier's own limit: its own 413, by length and while streaming.
    body, content_type = multipart(pdf_of_size(UPLOAD_LIMIT + 512 * 1024))
    for length in ({"Content-Length": str(len(body))}, {}):
        chunks = Chunks(body)
        refused = await hr.post(path, content=chunks.stream(), headers={"Content-Type": content_type} | length)
        assert refused.status_code == 413 and refused.json()["code"] == "too_large", refused.text
        assert "groter dan 3 MB" in refused.json()["nl"]
        assert chunks.sent <= UPLOAD_LIMIT + 2 * CHUNK
    listed = await hr.get(f"/api/cases/{case_id}/dossier")
    documents = listed.json()["documents"]
    assert sorted(document["version"] for document in documents) == [1, 2], documents
    assert all(document["size"] == len(two_mb) for document in documents)
