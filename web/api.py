"""The JSON API: start a case from an intake (views: web.case_views; commands: web.commands)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

import states
from reintegratie.config.settings import Settings
from web import deps
from web.access import STARTS_CASES, require_role
from web.auth import Principal
from web.cases import case_id_for, new_case_id, start_case
from web.error_answers import API_ERRORS, problem
from web.form_keys import idempotency_key_header
from web.intake import IntakeRequest

router = APIRouter(prefix="/api", tags=["cases"], responses=API_ERRORS)

IDEMPOTENCY_KEY = idempotency_key_header(
    "Any text of 1 to 200 visible ASCII characters, new for each case you mean to start (a "
    "UUID). Sent again, the answer names the case it started, and no other case is started."
)


class CaseCreated(BaseModel):
    case_id: str
    url: str


@router.post(
    "/cases",
    status_code=201,
    response_model=CaseCreated,
    responses=problem(403, "Only HR starts a case."),
)
async def create_case(
    intake: IntakeRequest,
    principal: Principal = Depends(require_role(*STARTS_CASES)),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> CaseCreated | JSONResponse:
    """Start a case from a sick report (HR). With an ``Idempotency-Key``, the same key again answers
    with the case it started (and starts no other)."""
    case_id = case_id_for(principal.email, idempotency_key) if idempotency_key else new_case_id()
    try:
        await start_case(
            client,
            task_queue=settings.task_queue,
            intake=intake.to_intake(case_id=case_id, reported_by=principal.email),
            public_url=settings.public_url,
        )
    except WorkflowAlreadyStartedError:
        pass  # the same key again: the case it started
    except states.Refused as refused:  # the rules would not open this case: nothing was started
        return JSONResponse(
            status_code=422,
            content={
                "detail": f"Invalid input. intake: {refused.reason_en}",
                "code": refused.code,
                "errors": [{"field": "intake", "message": refused.reason_en, "nl": refused.reason_nl}],
            },
        )
    return CaseCreated(case_id=case_id, url=f"{settings.public_url}/api/cases/{case_id}")
