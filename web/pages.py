"""Pages: the overview of the cases someone may see, and HR's intake form that starts a case."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

import states
from integrations.store import CaseStore
from reintegratie.config.settings import Settings
from states.kinds import Phase
from web import deps, intake_form, words
from web.access import STARTS_CASES, require_role
from web.auth import Principal, current_principal
from web.case_client import CommandRefused
from web.cases import new_case_id, start_case
from web.continuation import continue_case, recent_recovered_case
from web.dashboards import dashboard
from web.error_answers import page
from web.i18n import request_language
from web.intake import IntakeRequest
from web.words import phase as phase_words
from web.work_queue import home_queue

router = APIRouter()

_DEFAULTS = {
    "contract_hours_per_week": "36",
    "contract_days_per_week": "5",
    "contact.weekday": "0",
    "contact.time": "10:00",
    "contact.channel": "phone",
    "contact.place": "online",
    "employee.language": "nl",
    "manager.language": "nl",
}


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    principal: Principal = Depends(current_principal),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    context, status = await dashboard(request, principal, store, client, sessionmaker)
    context |= await home_queue(principal, sessionmaker, request_language(request))  # "te doen" first
    context |= {
        "may_start": principal.role in STARTS_CASES,
        "phases": [str(p) for p in Phase],
        "phase_words": phase_words,
        "signal_title": words.signal_title,
        "evidence_words": words.evidence,
    }
    return deps.render(request, "home.html", context, status_code=status)


def _intake_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
    recent: object = None,
    refusal: str | None = None,
) -> Response:
    return deps.render(
        request,
        "intake.html",
        {
            "values": values,
            "errors": errors,
            "recent": recent,
            "refusal": refusal,
            "buddy_rows": range(intake_form.BUDDY_ROWS),
        },
        status_code=status_code,
    )


@router.get("/cases/new", response_class=HTMLResponse)
async def intake(request: Request, _hr: Principal = Depends(require_role(*STARTS_CASES))) -> Response:
    return _intake_page(request, dict(_DEFAULTS), {})


@router.post(
    "/cases",
    response_class=HTMLResponse,
    responses=page(201, "The case was started.")
    | page(409, "The case could not be continued: the form again, with the reason.")
    | page(422, "The form again, each error next to its field; nothing was started."),
)
async def submit_intake(
    request: Request,
    principal: Principal = Depends(require_role(*STARTS_CASES)),
    client: Client = Depends(deps.temporal),
    store: CaseStore = Depends(deps.store),
    settings: Settings = Depends(deps.settings),
) -> Response:
    form = {
        key: str(value) for key, value in (await request.form()).items() if key not in ("csrf_token", "continue_case")
    }
    form_continue = (await request.form()).get("continue_case")
    data, errors = intake_form.parse(form)
    try:
        intake = IntakeRequest.model_validate(data)
    except ValidationError as exc:
        errors = intake_form.errors_by_field(exc) | errors
    if errors:
        return _intake_page(request, form, errors, status_code=422)
    recent = await recent_recovered_case(store, str(intake.employee.email), intake.first_sick_day)
    if recent is not None and form_continue == recent.case_id:
        try:
            await continue_case(client, recent.case_id, actor=principal.email, first_sick_day=intake.first_sick_day)
        except CommandRefused as refused:
            return _intake_page(
                request,
                form,
                {},
                recent=recent,
                refusal=refused.reason(request_language(request)),
                status_code=refused.status,
            )
        return deps.render(
            request,
            "case_started.html",
            {"case_id": recent.case_id, "continued": True, "employee_name": intake.employee.name},
        )
    if recent is not None and form.get("new_case_confirmed") != "1":
        return _intake_page(request, form, {}, recent=recent)
    case_id = new_case_id()
    try:
        await start_case(
            client,
            task_queue=settings.task_queue,
            intake=intake.to_intake(case_id=case_id, reported_by=principal.email),
            public_url=settings.public_url,
        )
    except states.Refused as refused:
        reason = refused.reason_en if request_language(request) == "en" else refused.reason_nl
        return _intake_page(request, form, {}, refusal=reason, status_code=422)
    return deps.render(
        request, "case_started.html", {"case_id": case_id, "employee_name": intake.employee.name}, status_code=201
    )
