"""The JSON API: start a case from an intake, read a case."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from temporalio.client import Client

from integrations.store import CaseStore
from reintegratie.settings import Settings
from web import deps
from web.access import STARTS_CASES, CaseView as Visibility, not_found, require_case, require_role
from web.auth import Principal, current_principal
from web.cases import case_status, new_case_id, start_case
from web.intake import IntakeRequest

router = APIRouter(prefix="/api")


class CaseCreated(BaseModel):
    case_id: str
    url: str


class CaseView(BaseModel):
    case_id: str
    phase: str
    first_sick_day: date
    employee_name: str | None = None
    manager_name: str | None = None
    org_unit: str | None = None
    next_deadline: date | None = None


class PracticalView(BaseModel):
    """What a buddy sees: the practical part only (who, and later the dates and place), no phase or sick day."""

    case_id: str
    employee_name: str | None = None
    manager_name: str | None = None


@router.post("/cases", status_code=201, response_model=CaseCreated)
async def create_case(
    intake: IntakeRequest,
    principal: Principal = Depends(require_role(*STARTS_CASES)),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
) -> CaseCreated:
    case_id = new_case_id()
    await start_case(client, task_queue=settings.task_queue, intake=intake.to_intake(case_id=case_id, reported_by=principal.email))
    return CaseCreated(case_id=case_id, url=f"{settings.public_url}/api/cases/{case_id}")


@router.get("/cases/{case_id}", response_model=CaseView | PracticalView)
async def read_case(
    case_id: str,
    principal: Principal = Depends(current_principal),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
) -> CaseView | PracticalView:
    access = await require_case(store, principal, case_id)
    row = await store.get_case(case_id)
    if row is None:
        # Just started: the workflow has not written the read model yet, so ask the workflow.
        # Only hr and auditor get here (others are known to a case through the read model).
        status = await case_status(client, case_id)
        if status is None:
            raise not_found(case_id)
        return CaseView(case_id=status.case_id, phase=status.phase, first_sick_day=status.first_sick_day)
    if access.view == Visibility.practical:
        return PracticalView(case_id=row.case_id, employee_name=row.employee_name, manager_name=row.manager_name)
    return CaseView(
        case_id=row.case_id,
        phase=row.phase,
        first_sick_day=row.first_sick_day,
        employee_name=row.employee_name,
        manager_name=row.manager_name,
        org_unit=row.org_unit,
        next_deadline=row.next_deadline,
    )
