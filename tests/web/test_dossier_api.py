"""The dossier's API: uploads judged by their content and size (refused with a clear reason, nothing
stored), versions that never overwrite, downloads byte for byte; the records in words; HR's copy for
the employee, which the rules must accept before anything is kept."""

from __future__ import annotations

import hashlib
import html
import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import docx
import httpx
import pypdf
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.web.conftest import WebApp, command, csrf_of, eventually, web_settings
from tests.web.test_dossier_access import build_world, pdf_bytes, upload
from web.app import create_app
from workflows.case import ReintegrationCase

LIMIT = 64 * 1024
"""The upload limit of the small app below: small enough to send more than it in a test."""

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
async def small_web(dev_server: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[WebApp]:
    """The web app with an upload limit of :data:`LIMIT` bytes (no worker: uploads need none)."""
    settings = web_settings(dev_server, tmp_path).model_copy(update={"max_upload_bytes": LIMIT})
    app = create_app(settings, client=dev_server.client)
    async with app.router.lifespan_context(app):
        web = WebApp(app, settings, app.state.accounts, app.state.store)
        try:
            yield web
        finally:
            for http in web.clients:
                await http.aclose()


async def _hr_and_case(web: WebApp) -> tuple[httpx.AsyncClient, str]:
    hr = await web.token_client(await web.user("hr"))
    return hr, await web.case(employee=f"e-{uuid.uuid4().hex[:6]}@example.nl", manager="m@example.nl")


async def _documents(http: httpx.AsyncClient, case_id: str) -> list[dict[str, object]]:
    listed = await http.get(f"/api/cases/{case_id}/dossier")
    assert listed.status_code == 200, listed.text
    documents: list[dict[str, object]] = listed.json()["documents"]
    return documents


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def test_an_exe_renamed_pdf_is_refused_as_a_type_the_dossier_does_not_take(small_web: WebApp) -> None:
    hr, case_id = await _hr_and_case(small_web)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
    answer = await upload(hr, case_id, "plan_van_aanpak", "plan.pdf", exe)
    assert answer.status_code == 415, answer.text
    body = answer.json()
    assert body["code"] == "unsupported_type" and body["field"] == "file"
    assert "PDF" in body["nl"] and "PDF" in body["en"] and body["detail"] == body["nl"]  # Dutch by default
    zipped = await upload(hr, case_id, "plan_van_aanpak", "plan.docx", b"PK\x03\x04" + b"\x00" * 100)
    assert zipped.status_code == 415, zipped.text  # a zip is not a Word document
    assert await _documents(hr, case_id) == []


async def test_a_medical_word_in_a_pdf_is_refused_naming_it(small_web: WebApp) -> None:
    hr, case_id = await _hr_and_case(small_web)
    letter = pdf_bytes("Advies: de werknemer gebruikt paracetamol en kan 4 uur per dag werken.")
    answer = await upload(hr, case_id, "probleemanalyse", "advies.pdf", letter)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "medical_terms" and body["terms"] == ["paracetamol"]
    assert "paracetamol" in body["nl"] and "paracetamol" in body["en"]
    in_word = await upload(hr, case_id, "probleemanalyse", "advies.docx", docx_bytes("Na de hernia gaat het beter."))
    assert in_word.status_code == 422 and in_word.json()["terms"] == ["hernia"], in_word.text
    assert await _documents(hr, case_id) == []


async def test_a_file_over_the_limit_is_refused_before_its_body_is_read(small_web: WebApp) -> None:
    """Its Content-Length says it is too large: 413 before a byte of the body is taken."""
    hr, case_id = await _hr_and_case(small_web)
    chunks, body, content_type = _multipart(b"%PDF-1.7\n" + b"x" * (LIMIT + 64 * 1024))
    answer = await hr.post(
        f"/api/cases/{case_id}/documents",
        content=chunks.stream(),
        headers={"Content-Type": content_type, "Content-Length": str(len(body))},
    )
    assert answer.status_code == 413 and answer.json()["code"] == "too_large", answer.text
    assert "MB" in answer.json()["en"]
    assert chunks.sent == 0, f"{chunks.sent} bytes of the body were read"
    assert await _documents(hr, case_id) == []


async def test_a_file_over_the_limit_without_a_length_is_refused_while_reading(small_web: WebApp) -> None:
    """Sent in chunks without a Content-Length: reading stops once the file passes the limit."""
    hr, case_id = await _hr_and_case(small_web)
    chunks, body, content_type = _multipart(b"%PDF-1.7\n" + b"x" * (10 * LIMIT))
    answer = await hr.post(
        f"/api/cases/{case_id}/documents", content=chunks.stream(), headers={"Content-Type": content_type}
    )
    assert answer.status_code == 413 and answer.json()["code"] == "too_large", answer.text
    assert chunks.sent <= LIMIT + 2 * _Chunks.SIZE, f"{chunks.sent} of {len(body)} bytes were read"
    # Just over the limit, with a length that is within the form's allowance: refused while reading.
    exact, body, content_type = _multipart(b"%PDF-1.7\n" + b"x" * (LIMIT - 8))
    answer = await hr.post(
        f"/api/cases/{case_id}/documents",
        content=exact.stream(),
        headers={"Content-Type": content_type, "Content-Length": str(len(body))},
    )
    assert answer.status_code == 413, answer.text
    assert await _documents(hr, case_id) == []


async def test_the_page_shows_a_refusal_next_to_the_upload_field(small_web: WebApp) -> None:
    web = small_web
    hr = await web.user("hr", totp=True)
    case_id = await web.case(employee="e@example.nl", manager="m@example.nl")
    http = await web.signed_in(hr)
    base = f"/cases/{case_id}/dossier"
    csrf = csrf_of((await http.get(base)).text)
    too_big = {"file": ("scan.pdf", io.BytesIO(b"%PDF-1.7\n" + b"x" * (LIMIT + 10)), "application/pdf")}
    page = await http.post(f"{base}/documents", data={"part": "plan_van_aanpak", "csrf_token": csrf}, files=too_big)
    assert page.status_code == 413
    error = re.search(r'<div class="error" role="alert" id="upload-error">([^<]*)</div>', page.text)
    assert error and "groter dan" in html.unescape(error.group(1)), page.text
    assert 'aria-describedby="upload-hint upload-error"' in page.text
    # Far too large for the form to be read at all: back to the page, which says why by the field.
    huge = {"file": ("scan.pdf", io.BytesIO(b"%PDF-1.7\n" + b"x" * (LIMIT + 64 * 1024)), "application/pdf")}
    sent = await http.post(f"{base}/documents", data={"part": "plan_van_aanpak", "csrf_token": csrf}, files=huge)
    assert sent.status_code == 303 and sent.headers["location"] == f"{base}?upload_error=too_large#upload"
    shown = await http.get(sent.headers["location"])
    assert 'id="upload-error"' in shown.text and "groter dan" in html.unescape(shown.text)
    # A form that does not say its length is not read at all (the CSRF check would read it whole).
    chunks, body, content_type = _multipart(b"%PDF-1.7\n", extra={"csrf_token": csrf})
    unsized = await http.post(f"{base}/documents", content=chunks.stream(), headers={"Content-Type": content_type})
    assert unsized.status_code == 303 and unsized.headers["location"].endswith("?upload_error=length_required#upload")
    assert chunks.sent == 0
    assert await _documents(http, case_id) == []


async def test_versions_never_overwrite_and_downloads_are_byte_for_byte(small_web: WebApp) -> None:
    hr, case_id = await _hr_and_case(small_web)
    first, second = pdf_bytes("Plan, eerste versie"), pdf_bytes("Plan, met handtekeningen")
    made = []
    for part, name, content in (
        ("plan_van_aanpak", "plan.pdf", first),
        ("plan_van_aanpak", "plan.pdf", second),
        ("tweede_spoor", "C:\\scans\\rapport bureau.docx", docx_bytes("Rapport van het re-integratiebureau.")),
        ("arbeidsdeskundig_rapport", "foto.png", PNG),
    ):
        answer = await upload(hr, case_id, part, name, content)
        assert answer.status_code == 201, answer.text
        made.append((answer.json(), content))
    assert [(d["name"], d["version"]) for d, _ in made] == [
        ("plan.pdf", 1),
        ("plan.pdf", 2),
        ("rapport bureau.docx", 1),  # no folders in a name
        ("foto.png", 1),
    ]
    assert [d["media_type"] for d, _ in made][2:] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/png",
    ]
    for document, content in made:
        assert document["sha256"] == hashlib.sha256(content).hexdigest() and document["size"] == len(content)
        downloaded = await hr.get(document["download"])
        assert downloaded.status_code == 200
        assert downloaded.content == content
        assert hashlib.sha256(downloaded.content).hexdigest() == document["sha256"]
        assert downloaded.headers["content-type"] == document["media_type"]
        assert downloaded.headers["content-disposition"].startswith("attachment;")
        assert downloaded.headers["x-content-type-options"] == "nosniff"
    listed = await _documents(hr, case_id)
    assert [(d["part"], d["name"], d["version"]) for d in listed] == [
        ("plan_van_aanpak", "plan.pdf", 1),
        ("plan_van_aanpak", "plan.pdf", 2),
        ("tweede_spoor", "rapport bureau.docx", 1),
        ("arbeidsdeskundig_rapport", "foto.png", 1),
    ]  # in the order of the RIV's parts
    assert (await hr.get(f"/api/cases/{case_id}/documents/99")).status_code == 404


async def test_a_wrong_form_is_refused_naming_the_field(small_web: WebApp) -> None:
    hr, case_id = await _hr_and_case(small_web)
    wrong_part = await upload(hr, case_id, "diagnose", "plan.pdf", pdf_bytes("Plan"))
    assert wrong_part.status_code == 422 and wrong_part.json()["field"] == "part", wrong_part.text
    own_part = await upload(hr, case_id, "re_integratieverslag", "riv.pdf", pdf_bytes("RIV"))
    assert own_part.status_code == 422 and own_part.json()["field"] == "part"  # the product's copies only
    no_file = await hr.post(f"/api/cases/{case_id}/documents", data={"part": "plan_van_aanpak"})
    assert no_file.status_code == 422 and no_file.json()["field"] == "file", no_file.text
    as_json = await hr.post(f"/api/cases/{case_id}/documents", json={"part": "plan_van_aanpak"})
    assert as_json.status_code == 422 and "multipart/form-data" in as_json.json()["en"]
    empty = await upload(hr, case_id, "plan_van_aanpak", "plan.pdf", b"")
    assert empty.status_code == 422 and empty.json()["field"] == "file"
    guessed = await upload(hr, f"case-{uuid.uuid4().hex}", "plan_van_aanpak", "plan.pdf", pdf_bytes("Plan"))
    assert guessed.status_code == 404
    assert await _documents(hr, case_id) == []


async def test_the_records_read_in_words_and_the_case_page_shows_the_riv_status(live_web: WebApp) -> None:
    world = await build_world(live_web)
    hr = await world.client("hr")
    body = (await hr.get(f"/api/cases/{world.case_id}/dossier")).json()
    plan = next(record for record in body["records"] if record["number"] == world.records["plan"])
    assert plan["part_label"] == "Plan van aanpak" and plan["version"] == 1 and plan["kind_label"]
    fields = {item["label"]: item["text"] for item in plan["fields"]}
    assert fields["Uren per week"] == "8" and fields["Taken"] == "administratie\ntelefoon"
    assert fields["Visie van de werknemer"] == "Eens, in mijn tempo."
    assert body["riv"] is not None and body["riv"]["complete"] in (True, False)

    # The RIV bundle: every part with its records, the uploaded documents merged in; Dutch or English.
    for language, title in (("nl", "Re-integratieverslag"), ("en", "Re-integration report")):
        bundle = await hr.get(f"/cases/{world.case_id}/dossier/riv.pdf?language={language}")
        assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/pdf"
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(bundle.content)).pages)
        for words in (title, "Sanne de Vries", "Eens, in mijn tempo.", "Document plan-getekend.pdf"):
            assert words in text, (language, words)
        assert "Document advies-bedrijfsarts.pdf" in text

    employee = await live_web.signed_in(world.accounts["employee"])
    page = (await employee.get(f"/cases/{world.case_id}/dossier")).text
    shown = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)))
    for words in ("Re-integratiedossier", "Plan van aanpak", "Visie van de werknemer", "Eens, in mijn tempo."):
        assert words in shown, words
    keys = [record["key"] for record in body["records"]]
    assert not [key for key in keys if key in shown], "a record's key reached the page"
    assert world.case_id not in shown and not re.search(r"\b[a-z_]+=\S", shown), "an id or fact=value shown"

    case_page = (await employee.get(f"/cases/{world.case_id}")).text
    assert 'id="riv"' in case_page and ('id="riv-complete"' in case_page or 'id="riv-incomplete"' in case_page)
    assert f'href="/cases/{world.case_id}/dossier"' in case_page
    manager = await live_web.signed_in(world.accounts["manager"])
    manager_page = (await manager.get(f"/cases/{world.case_id}")).text
    assert 'id="riv"' not in manager_page  # the RIV check shows every part: not the manager's
    assert f'href="/cases/{world.case_id}/dossier"' in manager_page


async def test_the_employee_copy_waits_for_the_rules_and_is_in_the_employee_language(live_web: WebApp) -> None:
    web = live_web
    hr_account = await web.user("hr", totp=True)
    hr = await web.token_client(hr_account)
    created = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Emma Evans", "email": f"emma-{uuid.uuid4().hex[:6]}@example.nl", "language": "en"},
            "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
            "first_sick_day": (date.today() - timedelta(days=20)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    await eventually(lambda: hr.get(f"/api/cases/{case_id}/dossier"), lambda answer: answer.json()["riv"] is not None)
    page = await web.signed_in(hr_account)
    base = f"/cases/{case_id}/dossier"
    csrf = csrf_of((await page.get(base)).text)

    refused = await page.post(f"{base}/employee-copy", data={"csrf_token": csrf})
    assert refused.status_code == 409
    assert 'id="copy-refusal"' in refused.text and "actueel oordeel" in html.unescape(refused.text)
    assert await _documents(hr, case_id) == []  # refused: nothing kept

    await command(hr, case_id, "step_recorded", {"step": "actueel_oordeel"})
    made = await page.post(f"{base}/employee-copy", data={"csrf_token": csrf})
    assert made.status_code == 303 and made.headers["location"] == f"{base}?copy=1#copy", made.text
    (copy,) = await _documents(hr, case_id)
    assert (copy["part"], copy["name"], copy["version"]) == ("re_integratieverslag", "re-integratieverslag.pdf", 1)
    content = (await hr.get(str(copy["download"]))).content
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert "Re-integration report" in text and "Emma Evans" in text  # the employee reads English
    deadlines = (await hr.get(f"/api/cases/{case_id}/deadlines")).json()["deadlines"]
    assert next(row for row in deadlines if row["key"] == "riv_to_employee")["done_on"] == date.today().isoformat()
    facts = await web.app.state.temporal.get_workflow_handle(case_id).query(ReintegrationCase.facts)
    step = next(step for step in facts.steps if step.key == "riv_to_employee")
    assert step.reference == "re-integratieverslag.pdf v1"  # the copy's version


class _Chunks:
    """A request body sent in chunks, counting what the server took."""

    SIZE = 8 * 1024

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.SIZE):
            chunk = self.body[start : start + self.SIZE]
            self.sent += len(chunk)
            yield chunk


def _multipart(
    content: bytes, *, part: str = "plan_van_aanpak", name: str = "scan.pdf", extra: dict[str, str] | None = None
) -> tuple[_Chunks, bytes, str]:
    """A multipart body with the fields ``part`` (and ``extra``) and one file, in chunks."""
    boundary = uuid.uuid4().hex
    fields = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'
        for field, value in {"part": part, **(extra or {})}.items()
    )
    head = f'{fields}--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
    body = (head + "Content-Type: application/pdf\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return _Chunks(body), body, f"multipart/form-data; boundary={boundary}"


async def test_a_missing_part_is_named_with_the_form_that_records_it(live_web: WebApp) -> None:
    """Week 9 without a probleemanalyse: the RIV is not complete; the case page and the dossier say
    what is missing and link HR to the form (``?do=<command>#cmd-<command>``); the employee, who
    cannot record it, reads the same without the link."""
    web = live_web
    hr_account = await web.user("hr", totp=True)
    employee_account = await web.user("employee")
    hr = await web.token_client(hr_account)
    created = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": employee_account.account.email},
            "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
            "first_sick_day": (date.today() - timedelta(weeks=9)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    body = (
        await eventually(lambda: hr.get(f"/api/cases/{case_id}/dossier"), lambda a: a.json()["riv"] is not None)
    ).json()
    assert body["riv"]["complete"] is False
    missing = next(item for item in body["riv"]["items"] if item["part"] == "probleemanalyse")
    assert missing["status"] == "missing" and missing["command"] == "probleemanalyse_received"
    link = f'href="/cases/{case_id}?do=probleemanalyse_received#cmd-probleemanalyse_received"'

    hr_page = await web.signed_in(hr_account)
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/dossier"):
        page = (await hr_page.get(path)).text
        assert 'id="riv-incomplete"' in page and link in page, path
        assert html.unescape(missing["text"]) in html.unescape(page)
    opened = (await hr_page.get(f"/cases/{case_id}?do=probleemanalyse_received")).text
    assert '<details class="command" id="cmd-probleemanalyse_received" open>' in opened

    employee = await web.signed_in(employee_account)
    page = (await employee.get(f"/cases/{case_id}")).text
    assert 'id="riv-incomplete"' in page and "?do=" not in page
