"""Bringing in running cases: the JSON and CSV API, HR's upload page, and HR's confirmation of a case
whose invitations wait (issue 21). The checks and the starts are in :mod:`web.case_import`.

HR only: an auditor reads but brings in nothing (403), other roles neither.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from integrations.case_imports import CaseImports
from reintegratie.config.settings import Settings
from web import deps
from web.access import STARTS_CASES, require_role
from web.auth import Principal
from web.case_client import CaseGone, CommandRefused, run_command
from web.case_import import COLUMNS, MAX_ROWS, REQUIRED, FileProblem, ImportReport, read_csv, run_import
from web.error_answers import API_ERRORS, page, problem
from web.i18n import request_language
from web.intake import is_case_id
from workflows.history_import import ReleaseInvitations

API_PATH = "/api/imports/running-cases"
PAGE = "/cases/import"

router = APIRouter()

_HR_ONLY = problem(403, "Only HR brings in running cases (an auditor reads only).")
_ROW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "One running case. Keys are the CSV's columns; dates as YYYY-MM-DD. `evaluations` and "
        "`earlier_periods` take a list (or one text with the values separated by spaces); an earlier "
        "period is {start, end} or 'start/end'."
    ),
    "required": list(REQUIRED),
    "properties": {
        name: (
            {"type": "array", "items": {"type": "string", "format": "date"}}
            if name == "evaluations"
            else {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "start": {"type": "string", "format": "date"},
                        "end": {"type": "string", "format": "date"},
                    },
                },
            }
            if name == "earlier_periods"
            else {"type": ["string", "number", "null"]}
        )
        for name in COLUMNS
    },
    "additionalProperties": False,
}


class RunningCasesIn(BaseModel):
    """Running cases to bring in, and whether their invitations go out now."""

    invitations: Literal["all", "hold"] = Field(
        default="all",
        description="'all': each case sends its invitations for the talks to come at once; "
        "'hold': none until HR confirms the case (POST /api/cases/{case_id}/release-invitations)",
    )
    rows: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_ROWS,
        description="the cases; each is checked on its own, a row with an error starts nothing",
        json_schema_extra={"items": _ROW_SCHEMA},
    )


class FileRefused(BaseModel):
    detail: str = Field(description="what is wrong with the file as a whole (in English); nothing was started")
    nl: str = Field(description="the same in Dutch")


class Released(BaseModel):
    case_id: str
    invitations_sent: int = Field(description="the series of talks whose invitations went out now")


class HeldCase(BaseModel):
    external_ref: str
    case_id: str
    url: str
    imported_at: datetime


async def _imports(request: Request) -> CaseImports:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return CaseImports(sessionmaker)


@router.post(
    API_PATH,
    response_model=ImportReport,
    tags=["imports"],
    responses=API_ERRORS | _HR_ONLY,
)
async def import_json(
    body: RunningCasesIn,
    principal: Principal = Depends(require_role(*STARTS_CASES)),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
    imports: CaseImports = Depends(_imports),
) -> ImportReport:
    """Bring in running cases (HR): each row opens a case with its first sick day, earlier periods and
    the steps already done. Answers per row: started, already imported (by `external_ref`; nothing
    opened again) or refused (each wrong column named; nothing of the row started)."""
    rows = [(index + 1, row) for index, row in enumerate(body.rows)]
    return await run_import(
        rows,
        client=client,
        imports=imports,
        task_queue=settings.task_queue,
        reported_by=principal.email,
        public_url=settings.public_url,
        hold=body.invitations == "hold",
    )


@router.post(
    f"{API_PATH}.csv",
    response_model=ImportReport,
    tags=["imports"],
    responses=API_ERRORS
    | _HR_ONLY
    | {400: {"model": FileRefused, "description": "The file as a whole cannot be read; nothing was started."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "description": f"columns: {', '.join(COLUMNS)}"}}},
        }
    },
)
async def import_csv(
    request: Request,
    invitations: Literal["all", "hold"] = Query(
        default="all", description="'all' or 'hold' (none until HR confirms the case)"
    ),
    principal: Principal = Depends(require_role(*STARTS_CASES)),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
    imports: CaseImports = Depends(_imports),
) -> ImportReport | JSONResponse:
    """The same import from a CSV file (UTF-8, comma or semicolon separated, the column names on the
    first line; see the README's sample)."""
    try:
        rows = read_csv((await request.body()).decode("utf-8"))
    except UnicodeDecodeError:
        return JSONResponse(
            status_code=400,
            content={
                "detail": "The file is not UTF-8 text: save it as 'CSV UTF-8'.",
                "nl": "Het bestand is geen UTF-8-tekst: sla het op als 'CSV UTF-8'.",
            },
        )
    except FileProblem as problem_:
        return JSONResponse(status_code=400, content={"detail": problem_.en, "nl": problem_.nl})
    return await run_import(
        rows,
        client=client,
        imports=imports,
        task_queue=settings.task_queue,
        reported_by=principal.email,
        public_url=settings.public_url,
        hold=invitations == "hold",
    )


@router.get(f"{API_PATH}/held", response_model=list[HeldCase], tags=["imports"], responses=API_ERRORS | _HR_ONLY)
async def held_api(
    _hr: Principal = Depends(require_role(*STARTS_CASES)),
    settings: Settings = Depends(deps.settings),
    imports: CaseImports = Depends(_imports),
) -> list[HeldCase]:
    """The imported cases whose invitations wait for HR's confirmation, newest first (HR)."""
    return [
        HeldCase(
            external_ref=held.external_ref,
            case_id=held.case_id,
            url=f"{settings.public_url}/cases/{held.case_id}",
            imported_at=held.imported_at,
        )
        for held in await imports.held()
    ]


async def import_held(request: Request, case_id: str, principal: Principal) -> bool:
    """Whether HR's case page shows that the case's invitations wait for HR's confirmation."""
    if principal.role not in STARTS_CASES:
        return False
    held = await (await _imports(request)).by_case(case_id)
    return held is not None and held.invitations_held


async def _release(client: Client, imports: CaseImports, principal: Principal, case_id: str) -> int:
    result = await run_command(
        client, case_id, "release_invitations", ReleaseInvitations(actor=principal.email, at=datetime.now(UTC))
    )
    await imports.released(case_id)
    return len(result.effects)


@router.post(
    "/api/cases/{case_id}/release-invitations",
    response_model=Released,
    tags=["imports"],
    responses=API_ERRORS
    | _HR_ONLY
    | problem(404, "No such case.")
    | problem(409, "The case's invitations were sent already, or the case is closed."),
)
async def release_api(
    case_id: str,
    principal: Principal = Depends(require_role(*STARTS_CASES)),
    client: Client = Depends(deps.temporal),
    imports: CaseImports = Depends(_imports),
) -> Released | JSONResponse:
    """HR confirms an imported case whose invitations were held: they go out now."""
    if not is_case_id(case_id):
        return JSONResponse(status_code=404, content={"detail": "No such case."})
    try:
        sent = await _release(client, imports, principal, case_id)
    except CaseGone:
        return JSONResponse(status_code=404, content={"detail": "No such case."})
    except CommandRefused as refused:
        return JSONResponse(status_code=refused.status, content={"detail": refused.en})
    return Released(case_id=case_id, invitations_sent=sent)


# -------------------------------------------------------------------------------------------- page


async def _page(
    request: Request,
    imports: CaseImports,
    *,
    report: ImportReport | None = None,
    problem_text: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    return deps.render(
        request,
        "case_import.html",
        {
            "report": report,
            "problem": problem_text,
            "notice": notice,
            "held": await imports.held(),
            "columns": COLUMNS,
            "required": REQUIRED,
            "english": request_language(request) == "en",
        },
        status_code=status_code,
    )


@router.get(PAGE, response_class=HTMLResponse)
async def import_page(
    request: Request,
    _hr: Principal = Depends(require_role(*STARTS_CASES)),
    imports: CaseImports = Depends(_imports),
) -> Response:
    return await _page(request, imports, notice="released" if request.query_params.get("released") else None)


@router.post(
    PAGE,
    response_class=HTMLResponse,
    responses=page(200, "What the import did, row by row.")
    | page(400, "The file could not be read: the page again, with the reason; nothing was started."),
)
async def import_upload(
    request: Request,
    principal: Principal = Depends(require_role(*STARTS_CASES)),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
    imports: CaseImports = Depends(_imports),
) -> Response:
    form = await request.form()
    upload = form.get("file")
    hold = form.get("invitations") == "hold"
    english = request_language(request) == "en"
    if upload is None or isinstance(upload, str):
        text = "Choose a CSV file first." if english else "Kies eerst een CSV-bestand."
        return await _page(request, imports, problem_text=text, status_code=400)
    try:
        rows = read_csv((await upload.read()).decode("utf-8"))
    except UnicodeDecodeError:
        text = (
            "The file is not UTF-8 text: save it as 'CSV UTF-8'."
            if english
            else "Het bestand is geen UTF-8-tekst: sla het op als 'CSV UTF-8'."
        )
        return await _page(request, imports, problem_text=text, status_code=400)
    except FileProblem as refused:
        return await _page(request, imports, problem_text=refused.en if english else refused.nl, status_code=400)
    report = await run_import(
        rows,
        client=client,
        imports=imports,
        task_queue=settings.task_queue,
        reported_by=principal.email,
        public_url=settings.public_url,
        hold=hold,
    )
    return await _page(request, imports, report=report)


@router.post(
    f"{PAGE}/release",
    response_class=HTMLResponse,
    responses={303: {"description": "Sent: back to the import page, which says so."}}
    | page(404, "No such case: the page again, with the reason.")
    | page(409, "The invitations were sent already, or the case is closed: the page again, with the reason."),
)
async def release_page(
    request: Request,
    principal: Principal = Depends(require_role(*STARTS_CASES)),
    client: Client = Depends(deps.temporal),
    imports: CaseImports = Depends(_imports),
) -> Response:
    case_id = str((await request.form()).get("case_id", ""))
    english = request_language(request) == "en"
    try:
        if not is_case_id(case_id):
            raise CaseGone(case_id)
        await _release(client, imports, principal, case_id)
    except CaseGone:
        text = "This case does not exist." if english else "Deze zaak bestaat niet."
        return await _page(request, imports, problem_text=text, status_code=404)
    except CommandRefused as refused:
        return await _page(request, imports, problem_text=refused.reason(request_language(request)), status_code=409)
    if (await request.form()).get("back") == "case":
        return RedirectResponse(f"/cases/{case_id}", status_code=303)
    return RedirectResponse(f"{PAGE}?released=1", status_code=303)
