"""The re-integratiedossier on the web: its API, its page, its PDFs and its uploads.

- ``GET /api/cases/{id}/dossier``: the records, documents and RIV check the caller may see;
- ``POST /api/cases/{id}/documents`` (HR; multipart: ``part``, ``file``; an optional
  ``Idempotency-Key``): 201, or 413 too large, 415 a file type the dossier does not take, 422
  medical words (named) or a wrong field;
- ``GET /api/cases/{id}/documents/{n}``: the document's bytes, as uploaded;
- ``GET /cases/{id}/dossier``: the page: the RIV status, the parts in RIV order with their records
  and documents, HR's upload form and "Kopie naar werknemer", the employee's "gezien" forms;
- ``GET /cases/{id}/dossier/riv.pdf?language=nl|en`` and ``GET /cases/{id}/dossier/records/{n}.pdf``.

Who sees what is :mod:`web.dossier_access`'s; a record or document someone may not see answers 404,
like one that does not exist. Links name records and documents by number (:mod:`web.dossier_data`).

The page's forms that add something carry a one-time key (:mod:`web.form_keys`): the employee's
view goes to the case with it as its ``Idempotency-Key``, an upload keeps it with the document. A
double click, or a POST the browser sends again, does what the first did and nothing more.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from contracts.dossier import DossierDocument, DossierRecord
from contracts.wording import DOSSIER_KINDS, dossier_field, dossier_part, dossier_value, format_day, pick
from integrations.documents import UploadKeyUsed, UploadRefused, add_document, check_upload, document_content
from integrations.dossier_pdf import record_pdf, riv_bundle_pdf
from integrations.store import CaseStore
from reintegratie.config.settings import Settings
from states.kinds import DossierPart, StepKey
from web import command_forms, deps, words
from web.access import READS_HISTORY, may_command, not_found, require_case, require_role
from web.auth import Principal, current_principal, is_api
from web.case_client import CommandRefused
from web.case_data import case_record
from web.case_pages import possible_now
from web.command_models import COMMANDS
from web.commands import give
from web.dossier_access import UPLOADS
from web.dossier_bundle import bundle_input, item_text
from web.dossier_data import UPLOAD_PARTS, DocumentView, Dossier, RecordView, load_dossier
from web.dossier_status import VIEW_COMMAND, riv_status
from web.dossier_upload import UploadProblem, early_problem, read_upload, refuse_by_length
from web.error_answers import API_ERRORS, problem
from web.form_keys import form_key, idempotency_key_header, new_key
from web.i18n import request_language
from web.intake import is_case_id

router = APIRouter(responses=API_ERRORS)  # the pages' routes are not in the OpenAPI document

COPY_NAME = "re-integratieverslag.pdf"
"""The employee's copies of the RIV, one name: each copy is its next version."""

NOT_YOURS: dict[int | str, dict[str, Any]] = problem(
    404, "No such case (or document), or not one you may see: the same answer."
)
UPLOAD_KEY = idempotency_key_header(
    "Any text of 1 to 200 visible ASCII characters (a UUID), as for the commands, new for each "
    "document you mean to add. Sent again with the same upload, the answer is the document it "
    "added (201 again) and no new version is kept; with another file, part or name it is refused (422)."
)


def _now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------------------------------ answers


class RecordFieldOut(BaseModel):
    name: str
    label: str  # in the reader's language
    text: str  # the value in words (a date as people write it, a choice in words)


class RecordOut(BaseModel):
    number: int
    key: str  # for ``employee_view_given``'s ``about`` (API clients); pages never show it
    part: str
    part_label: str
    kind: str
    kind_label: str
    version: int
    on: date
    recorded_by: str
    recorded_at: datetime
    fields: list[RecordFieldOut]
    about_number: int | None = None  # a mening werknemer: the record it is about (None: the whole)
    pdf: str  # the record as a PDF


class DocumentOut(BaseModel):
    number: int
    part: str
    part_label: str
    name: str
    version: int
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    download: str


class RivItemOut(BaseModel):
    key: str
    part: str
    part_label: str
    status: Literal["present", "missing", "late", "to_come"]
    due: date | None
    done_on: date | None
    text: str
    command: str


class RivOut(BaseModel):
    complete: bool
    items: list[RivItemOut]
    pdf: dict[str, str]  # the bundle by language


class DossierOut(BaseModel):
    case_id: str
    live: bool  # False: the case does not answer now; records and documents are the store's
    riv: RivOut | None  # None: not for your part in the case, or the case does not answer now
    records: list[RecordOut]
    documents: list[DocumentOut]


class UploadRefusal(BaseModel):
    detail: str
    code: str
    nl: str
    en: str
    field: str
    terms: list[str] = []


def _kind_label(record: DossierRecord, language: str) -> str:
    words_ = DOSSIER_KINDS.get(record.kind)
    return pick(words_, language) if words_ else ""


def _record_fields(record: DossierRecord, language: str) -> list[RecordFieldOut]:
    """The content as people read it; ``about`` is shown as the record it names, not as its key."""
    return [
        RecordFieldOut(
            name=item.name,
            label=dossier_field(item.name, language),
            text=_agrees(item.text, language)
            if item.name == "agrees"
            else dossier_value(item.name, item.text, language),
        )
        for item in record.fields
        if item.name != "about"
    ]


_AGREES = {"yes": ("akkoord", "agrees"), "no": ("niet akkoord", "does not agree")}


def _agrees(text: str, language: str) -> str:
    pair = _AGREES.get(text)
    return pick(pair, language) if pair else dossier_value("agrees", text, language)


def _record_url(case_id: str, number: int) -> str:
    return f"/cases/{case_id}/dossier/records/{number}.pdf"


def _document_url(case_id: str, number: int) -> str:
    return f"/api/cases/{case_id}/documents/{number}"


def _record_out(case_id: str, view: RecordView, language: str) -> RecordOut:
    record = view.record
    return RecordOut(
        number=view.number,
        key=record.key,
        part=record.part,
        part_label=dossier_part(record.part, language),
        kind=record.kind,
        kind_label=_kind_label(record, language),
        version=record.version,
        on=record.on,
        recorded_by=words.actor(record.recorded_by, language),
        recorded_at=record.recorded_at,
        fields=_record_fields(record, language),
        about_number=view.about_number,
        pdf=_record_url(case_id, view.number),
    )


def _document_out(case_id: str, view: DocumentView, language: str) -> DocumentOut:
    document = view.document
    return DocumentOut(
        number=view.number,
        part=document.part,
        part_label=dossier_part(document.part, language),
        name=document.name,
        version=document.version,
        media_type=document.media_type,
        size=document.size,
        sha256=document.sha256,
        uploaded_by=document.uploaded_by,
        uploaded_at=document.uploaded_at,
        download=_document_url(case_id, view.number),
    )


def dossier_out(dossier: Dossier, language: str) -> DossierOut:
    case_id = dossier.case_id
    riv = None
    if dossier.riv is not None:
        riv = RivOut(
            complete=dossier.riv.complete,
            items=[
                RivItemOut(
                    key=item.key,
                    part=str(item.part),
                    part_label=dossier_part(str(item.part), language),
                    status=item.status,
                    due=item.due,
                    done_on=item.done_on,
                    text=item_text(item, language),
                    command=item.command,
                )
                for item in dossier.riv.items
            ],
            pdf={lang: f"/cases/{case_id}/dossier/riv.pdf?language={lang}" for lang in ("nl", "en")},
        )
    return DossierOut(
        case_id=case_id,
        live=dossier.case.live is not None,
        riv=riv,
        records=[_record_out(case_id, view, language) for view in dossier.records],
        documents=[_document_out(case_id, view, language) for view in dossier.documents],
    )


def _file_headers(name: str, *, inline: bool) -> dict[str, str]:
    """Content-Disposition with the name as people gave it (RFC 6266: an ASCII fallback and the
    UTF-8 form), so no name can break out of the header; never sniffed, never cached."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("_") or "document"
    disposition = "inline" if inline else "attachment"
    return {
        "Content-Disposition": f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, media_type="application/pdf", headers=_file_headers(name, inline=True))


# ------------------------------------------------------------------------------------------ loading


async def _load(
    request: Request,
    principal: Principal,
    case_id: str,
    *,
    live: bool = True,
) -> Dossier:
    return await load_dossier(
        await deps.store(request),
        await deps.temporal(request),
        await deps.sessionmaker(request),
        principal,
        case_id,
        live=live,
        now=_now(),
    )


def _needs_whole(dossier: Dossier) -> None:
    if not dossier.scope.reads_riv:
        raise HTTPException(
            status_code=403,
            detail="Your part in this case shows only some parts of the dossier, not the whole re-integratieverslag.",
        )


# ------------------------------------------------------------------------------------------ uploads


async def refuse_large_uploads(request: Request, settings: Settings = Depends(deps.settings)) -> None:
    """Runs before the sign-in check (which may read a page's form): refuses by Content-Length."""
    refuse_by_length(request, settings.max_upload_bytes)


async def upload_refused_early(request: Request, exc: Exception) -> Response:
    """The app's handler for :class:`UploadProblem` raised before the route ran (by Content-Length):
    the API answers with the refusal; a page's form goes back to the dossier, which shows it by the
    upload field (the body was never read, so there is no form to show again)."""
    assert isinstance(exc, UploadProblem)
    case_id = str(request.path_params.get("case_id", ""))
    if not is_api(request) and is_case_id(case_id):
        return RedirectResponse(f"/cases/{case_id}/dossier?upload_error={exc.code}#upload", status_code=303)
    return JSONResponse(status_code=exc.status, content=exc.as_json(request_language(request)))


_STATUS_OF_REFUSAL = {"too_large": 413, "unsupported_type": 415}
"""The answer to each refusal of :func:`integrations.documents.check_upload`; any other is a 422."""


def _refused(refused: UploadRefused) -> UploadProblem:
    status = _STATUS_OF_REFUSAL.get(refused.code, 422)
    return UploadProblem(status, refused.code, refused.message_nl, refused.message_en, terms=refused.terms)


def _wrong_part() -> UploadProblem:
    return UploadProblem(
        422,
        "part",
        "Kies het onderdeel van het dossier waar het document bij hoort.",
        "Choose the part of the dossier the document belongs to (part: " + ", ".join(UPLOAD_PARTS) + ").",
        field="part",
    )


def _key_used(*, api: bool) -> UploadProblem:
    """The one-time key added another document: an API client reused its ``Idempotency-Key``, or a
    browser sent a kept page's form (the back button) with another file. The page shows it again with
    a new key, so adding the file once more is taken."""
    if api:
        return UploadProblem(
            422,
            "key_used",
            "Deze Idempotency-Key heeft al een ander document aan dit dossier toegevoegd (een ander bestand, "
            "onderdeel of andere naam). Er is niets opgeslagen; stuur een nieuwe sleutel voor een nieuw document.",
            "This Idempotency-Key already added another document to this dossier (another file, part or name). "
            "Nothing was stored; send a new key for a new document.",
            field="Idempotency-Key",
        )
    return UploadProblem(
        422,
        "key_used",
        "Dit formulier was al verstuurd, met een ander bestand; dit bestand is niet opgeslagen. "
        "Kies het opnieuw en voeg het toe.",
        "This form had already been sent, with another file; this file was not stored. Choose it again and add it.",
        field="idempotency_key",
    )


async def receive_document(
    request: Request,
    *,
    case_id: str,
    principal: Principal,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    key: str | None = None,
) -> DossierDocument:
    """Read, check and store one upload; raises :class:`UploadProblem` (nothing stored). ``key``: the
    API's ``Idempotency-Key``; without it, the form's own (a page's hidden ``idempotency_key``). The
    same upload again with its key is the document it added (:func:`add_document`)."""
    upload = await read_upload(request, max_bytes=settings.max_upload_bytes)
    if upload.part not in UPLOAD_PARTS:
        raise _wrong_part()
    try:
        # Reading a PDF's or a Word document's text takes a while: not on the event loop.
        media_type, _text = await asyncio.to_thread(
            check_upload, upload.name, upload.content, max_bytes=settings.max_upload_bytes
        )
    except UploadRefused as refused:
        problem = _refused(refused)
        problem.part = upload.part
        raise problem from None
    try:
        return await add_document(
            sessionmaker,
            case_id=case_id,
            part=upload.part,
            name=upload.name,
            content=upload.content,
            media_type=media_type,
            uploaded_by=principal.email,
            at=_now(),
            once=key or upload.key,
        )
    except UploadKeyUsed:
        problem = _key_used(api=is_api(request))
        problem.part = upload.part
        raise problem from None


async def _existing_case(store: CaseStore, principal: Principal, case_id: str) -> None:
    await require_case(store, principal, case_id)
    if await store.get_case(case_id) is None:
        raise not_found(case_id)


def _number_of(dossier: Dossier, document: DossierDocument) -> int:
    return next(view.number for view in dossier.documents if view.document.id == document.id)


# ------------------------------------------------------------------------------------------ the API


@router.get("/api/cases/{case_id}/dossier", tags=["dossier"], response_model=DossierOut, responses=NOT_YOURS)
async def read_dossier(
    request: Request,
    case_id: str = Path(max_length=100),
    principal: Principal = Depends(current_principal),
) -> DossierOut:
    """The dossier as your part in the case shows it: its records (content in words), its documents,
    and (HR, auditor, the employee) the RIV check: each part present, missing, late or still to come."""
    dossier = await _load(request, principal, case_id)
    return dossier_out(dossier, request_language(request))


@router.post(
    "/api/cases/{case_id}/documents",
    tags=["dossier"],
    status_code=201,
    response_model=DocumentOut,
    responses=NOT_YOURS
    | {
        **problem(403, "Only HR adds documents."),
        413: {"model": UploadRefusal, "description": "The file is larger than the configured limit."},
        415: {"model": UploadRefusal, "description": "Not a PDF, Word document (DOCX), PNG or JPEG."},
        422: {
            "description": "Medical words in the text (named), a missing field, or an Idempotency-Key that "
            "already added another document (code key_used); an Idempotency-Key that is not one is named "
            "as a wrong field (errors).",
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/UploadRefusal"},
                            {"$ref": "#/components/schemas/InvalidInput"},
                        ]
                    }
                }
            },
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["part", "file"],
                        "properties": {
                            "part": {"type": "string", "enum": list(UPLOAD_PARTS)},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            },
        }
    },
)
async def upload_document(
    request: Request,
    case_id: str = Path(max_length=100),
    _length: None = Depends(refuse_large_uploads),
    principal: Principal = Depends(require_role(*UPLOADS)),
    store: CaseStore = Depends(deps.store),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
    settings: Settings = Depends(deps.settings),
    idempotency_key: str | None = UPLOAD_KEY,
) -> DocumentOut | JSONResponse:
    """Add a document to a part of the dossier (HR): a PDF, a Word document (DOCX) or an image (PNG,
    JPEG), judged by its content. Never overwritten: the same name again is its next version. Its
    text is checked for medical words (diagnoses, conditions, medicines): a document with any is refused.

    With an ``Idempotency-Key``, the same upload sent again (a retry after a lost answer) answers 201
    with the document the first one added, unchanged: no next version, no second entry in the history."""
    await _existing_case(store, principal, case_id)
    language = request_language(request)
    try:
        document = await receive_document(
            request,
            case_id=case_id,
            principal=principal,
            sessionmaker=sessionmaker,
            settings=settings,
            key=idempotency_key,
        )
    except UploadProblem as problem:
        return JSONResponse(status_code=problem.status, content=problem.as_json(language))
    dossier = await _load(request, principal, case_id, live=False)
    view = DocumentView(_number_of(dossier, document), document)
    return _document_out(case_id, view, language)


@router.get(
    "/api/cases/{case_id}/documents/{number}",
    tags=["dossier"],
    responses=NOT_YOURS | {200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
async def download_document(
    request: Request,
    case_id: str = Path(max_length=100),
    number: int = Path(ge=1, le=1_000_000),
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    """A document of the dossier, byte for byte as uploaded (its SHA-256 in ``Repr-Digest``)."""
    dossier = await _load(request, principal, case_id, live=False)
    view = dossier.document(number)
    found = await document_content(sessionmaker, case_id, view.document.id) if view is not None else None
    if found is None:
        raise HTTPException(status_code=404, detail=f"No document {number} in this dossier.")
    document, content = found
    headers = _file_headers(document.name, inline=False) | {
        "Repr-Digest": f"sha-256=:{base64.b64encode(binascii.unhexlify(document.sha256)).decode()}:",
        "Content-Security-Policy": "sandbox",
    }
    return Response(content, media_type=document.media_type, headers=headers)


# ------------------------------------------------------------------------------------------ PDFs


def _language(request: Request, asked: str | None) -> str:
    return asked if asked in ("nl", "en") else request_language(request)


@router.get("/cases/{case_id}/dossier/riv.pdf", include_in_schema=False)
async def riv_pdf(
    request: Request,
    case_id: str,
    language: Literal["nl", "en"] | None = Query(default=None),
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
    settings: Settings = Depends(deps.settings),
) -> Response:
    """The re-integratieverslag as one PDF (HR, auditor, the employee), in Dutch or English."""
    dossier = await _load(request, principal, case_id)
    _needs_whole(dossier)
    if dossier.riv is None:
        return _unavailable(request)
    bundle = await bundle_input(
        dossier, sessionmaker, language=_language(request, language), employer=settings.employer_name, now=_now()
    )
    return _pdf(await asyncio.to_thread(riv_bundle_pdf, bundle), COPY_NAME)


@router.get("/cases/{case_id}/dossier/records/{number}.pdf", include_in_schema=False)
async def one_record_pdf(
    request: Request,
    case_id: str,
    number: int = Path(ge=1, le=1_000_000),
    language: Literal["nl", "en"] | None = Query(default=None),
    principal: Principal = Depends(current_principal),
    settings: Settings = Depends(deps.settings),
) -> Response:
    """One record as a document of its own: the plan van aanpak ready to sign, a gespreksverslag ..."""
    dossier = await _load(request, principal, case_id, live=False)
    view = dossier.record(number)
    if view is None:
        raise HTTPException(status_code=404, detail=f"No record {number} in this dossier.")
    row = dossier.case.row
    assert row is not None  # without the live case, a dossier loads only with its read model row
    pdf = await asyncio.to_thread(
        record_pdf,
        view.record,
        employee_name=row.employee_name,
        first_sick_day=row.first_sick_day,
        employer=settings.employer_name,
        language=_language(request, language),
    )
    name = f"{view.record.part.replace('_', '-')}-{view.record.version}.pdf"
    return _pdf(pdf, name)


def _unavailable(request: Request) -> Response:
    if is_api(request) or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(
            status_code=503,
            content={
                "detail": "The case does not answer right now, so its RIV check cannot be made; try again shortly."
            },
        )
    return deps.render(
        request, "message.html", {"title": "riv.unavailable", "body": "riv.unavailable_body"}, status_code=503
    )


# ------------------------------------------------------------------------------------------ the page


async def _page(
    request: Request,
    dossier: Dossier,
    principal: Principal,
    *,
    status_code: int = 200,
    upload_problem: UploadProblem | None = None,
    view_failure: dict[str, Any] | None = None,
    copy_refusal: str | None = None,
) -> Response:
    language = request_language(request)
    data = dossier.case
    settings = await deps.settings(request)
    may_view = may_command(principal, data.access, VIEW_COMMAND)
    commands = possible_now(data, principal) if data.live is not None else []
    riv = riv_status(dossier.case_id, dossier.riv, language, commands=commands) if dossier.riv is not None else None
    if upload_problem is None:
        upload_problem = early_problem(request.query_params.get("upload_error", ""), settings.max_upload_bytes)
    reads_history = principal.role in READS_HISTORY
    uploaded = request.query_params.get("uploaded")
    names = {}
    for address in {view.document.uploaded_by for view in dossier.documents}:
        account = await deps.accounts(request).by_email(address)
        names[address] = account.name if account is not None else address
    context = {
        "data": data,
        "dossier": dossier,
        "parts": dossier.parts(),
        "riv": riv,
        "live": data.live is not None,
        "may_upload": dossier.scope.uploads,
        "may_copy": dossier.scope.uploads and dossier.riv is not None,
        "may_view": may_view,
        "is_employee": principal.role.value == "employee",
        "upload_parts": [(part, dossier_part(part, language)) for part in UPLOAD_PARTS],
        "max_mb": f"{settings.max_upload_bytes / (1024 * 1024):g}",
        "upload_problem": upload_problem.reason(language) if upload_problem else None,
        "upload_problem_field": upload_problem.field if upload_problem else None,
        "upload_values": {"part": upload_problem.part if upload_problem else ""},
        "uploaded": int(uploaded) if uploaded and uploaded.isdigit() else None,
        "view_failure": view_failure or {},
        "view_done": request.query_params.get("done") == "view",
        "copy_done": request.query_params.get("copy"),
        "copy_refusal": copy_refusal,
        "record_fields": _record_fields,
        "kind_label": _kind_label,
        "part_label": dossier_part,
        "day": format_day,
        "actor": words.actor,
        "uploader": lambda address: names.get(address, address),
        "agrees_text": _agrees,
        "record_url": _record_url,
        "document_url": _document_url,
        "reads_history": reads_history,
        "record": await case_record(await deps.store(request), data) if reads_history else None,
        "phase_text": words.phase(data.phase, language),
        "made_at": _now(),
        "views_part": DossierPart.mening_werknemer.value,
        # one key per rendered form, each its own: a view sent twice counts once, another view counts
        "new_key": new_key,
    }
    return deps.render(request, "dossier.html", context, status_code=status_code)


@router.get("/cases/{case_id}/dossier", response_class=HTMLResponse, include_in_schema=False)
async def dossier_page(
    request: Request,
    case_id: str,
    principal: Principal = Depends(current_principal),
) -> Response:
    dossier = await _load(request, principal, case_id)
    return await _page(request, dossier, principal)


@router.post("/cases/{case_id}/dossier/documents", include_in_schema=False)
async def upload_in_page(
    request: Request,
    case_id: str,
    _length: None = Depends(refuse_large_uploads),
    principal: Principal = Depends(require_role(*UPLOADS)),
    store: CaseStore = Depends(deps.store),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
    settings: Settings = Depends(deps.settings),
) -> Response:
    """HR's upload form: back to the dossier with the new document, or the refusal by the field. The
    form sent again with its key (a double click) goes back to the document the first one added."""
    await _existing_case(store, principal, case_id)
    try:
        document = await receive_document(
            request, case_id=case_id, principal=principal, sessionmaker=sessionmaker, settings=settings
        )
    except UploadProblem as problem:
        dossier = await _load(request, principal, case_id)
        return await _page(request, dossier, principal, status_code=problem.status, upload_problem=problem)
    dossier = await _load(request, principal, case_id, live=False)
    number = _number_of(dossier, document)
    return RedirectResponse(f"/cases/{case_id}/dossier?uploaded={number}#document-{number}", status_code=303)


@router.post("/cases/{case_id}/dossier/views", include_in_schema=False)
async def give_view(
    request: Request,
    case_id: str,
    principal: Principal = Depends(current_principal),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
) -> Response:
    """The employee's "gezien" (akkoord, niet akkoord) and own view of a plan or verslag, or of the
    re-integration as a whole: the command ``employee_view_given``."""
    dossier = await _load(request, principal, case_id)
    if not may_command(principal, dossier.case.access, VIEW_COMMAND):
        raise HTTPException(status_code=403, detail="Only the employee (or HR) gives the employee's view.")
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in ("about", "agrees", "view")}
    key = form_key(form.get("idempotency_key"))  # a form from before the key, or made by hand: none
    target = dossier.record_by_key(values["about"]) if values["about"] else None
    if values["about"] and (target is None or not target.takes_view):
        raise HTTPException(status_code=404, detail="No such plan or verslag in this dossier.")
    anchor = f"record-{target.number}" if target is not None else "views"
    spec = COMMANDS[VIEW_COMMAND]
    failure: dict[str, Any] = {"about": values["about"], "values": values}
    try:
        body = spec.model.model_validate(command_forms.parse(spec.model, values))
    except ValidationError as exc:
        failure["errors"] = command_forms.errors_by_field(spec.model, exc)
        return await _page(request, dossier, principal, status_code=422, view_failure=failure)
    try:
        await give(
            spec,
            body,
            case_id=case_id,
            principal=principal,
            client=client,
            key=key,
            timeout=settings.command_timeout_seconds,
        )
    except CommandRefused as refused:
        failure["refusal"] = refused.reason(request_language(request))
        return await _page(request, dossier, principal, status_code=refused.status, view_failure=failure)
    return RedirectResponse(f"/cases/{case_id}/dossier?done=view#{anchor}", status_code=303)


@router.post("/cases/{case_id}/dossier/employee-copy", include_in_schema=False)
async def employee_copy(
    request: Request,
    case_id: str,
    principal: Principal = Depends(require_role(*UPLOADS)),
    client: Client = Depends(deps.temporal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
    settings: Settings = Depends(deps.settings),
) -> Response:
    """HR's "Kopie naar werknemer": the RIV bundle in the employee's language, kept as a document of
    the part ``re_integratieverslag``, and the statutory step ``riv_to_employee`` recorded with the
    copy's version as its reference (the case then tells the employee where to read it).

    Each click from a newly shown page is a new copy, its next version: the rules take the step again
    with the new reference (rules version 4) and tell the employee again. So the form's one-time key
    goes with both: the same form sent twice (a double click) is one step and one copy, the first."""
    dossier = await _load(request, principal, case_id)
    live = dossier.case.live
    if live is None or dossier.riv is None:
        return _unavailable(request)
    language = live.people.employee.language if live.people.employee.language in ("nl", "en") else "nl"
    now = _now()
    bundle = await bundle_input(dossier, sessionmaker, language=language, employer=settings.employer_name, now=now)
    content = await asyncio.to_thread(riv_bundle_pdf, bundle)
    # The rules first, so that a refusal (no actueel oordeel yet) changes nothing; the reference names
    # the version the store gives next. Only this route stores copies under COPY_NAME (uploads may not
    # use the part). Two clicks at once on one form are one step and one copy (its key); two forms
    # sent at once could both name the next version, and the store would keep the second as the one after.
    version = 1 + sum(
        1
        for view in dossier.documents
        if view.document.part == DossierPart.re_integratieverslag and view.document.name == COPY_NAME
    )
    spec = COMMANDS["step_recorded"]
    body = spec.model.model_validate({"step": StepKey.riv_to_employee.value, "reference": f"{COPY_NAME} v{version}"})
    key = form_key((await request.form()).get("idempotency_key"))  # none from a form made by hand
    try:
        await give(
            spec,
            body,
            case_id=case_id,
            principal=principal,
            client=client,
            key=key,
            timeout=settings.command_timeout_seconds,
        )
    except CommandRefused as refused:
        return await _page(
            request,
            dossier,
            principal,
            status_code=refused.status,
            copy_refusal=refused.reason(request_language(request)),
        )
    try:
        document = await add_document(
            sessionmaker,
            case_id=case_id,
            part=DossierPart.re_integratieverslag.value,
            name=COPY_NAME,
            content=content,
            media_type="application/pdf",
            uploaded_by=principal.email,
            at=now,
            once=key,
        )
    except UploadKeyUsed as used:
        document = used.document  # the copy this form made the first time (this one was made at another moment)
    return RedirectResponse(f"/cases/{case_id}/dossier?copy={document.version}#copy", status_code=303)
