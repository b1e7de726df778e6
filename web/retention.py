"""`/retention` and `GET /api/retention`: which dossiers the nightly run deletes, and what it deleted.

A closed case is deleted ``REINTEGRATIE_RETENTION_YEARS`` after it closed (integrations.retention;
the job: workflows.retention). HR and the auditor see the cases whose retention has ended (the next
run deletes them) or ends within :data:`integrations.retention.SOON_DAYS` days, and the latest runs
with their counts. Nobody else: every other role gets a 403, as for the other HR pages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.wording import format_date
from integrations.accounts import AccountRole
from integrations.retention import SOON_DAYS, due_for_deletion, recent_runs
from reintegratie.config.settings import Settings
from states.clock import local_date
from web import deps
from web.access import require_role
from web.error_answers import API_ERRORS, problem
from web.i18n import request_language

SEES_RETENTION = (AccountRole.hr, AccountRole.auditor)
PAGE = "/retention"
API_PATH = "/api/retention"
#: The order a run's counts are shown in: the cases first, then what went with them.
COUNT_ORDER = (
    "cases",
    "dossier_records",
    "dossier_documents",
    "audit_trail",
    "case_people",
    "case_work_items",
    "outbox",
    "digest_items",
    "calendar_series",
    "calendar_series_people",
    "invitation_replies",
    "invitation_counters",
    "absence_records",
    "absence_spans",
    "absence_reports",
    "absence_phases",
    "absence_steps",
    "workflow_executions",
)

router = APIRouter(dependencies=[Depends(require_role(*SEES_RETENTION))])


class DueCaseOut(BaseModel):
    case_id: str
    employee_name: str
    closed_on: date = Field(description="the day the case closed")
    delete_on: date = Field(description="the day its retention ends: the first nightly run on or after it deletes it")
    expired: bool = Field(description="the retention has ended: the next nightly run deletes it")


class RetentionRunOut(BaseModel):
    ran_at: datetime
    cases_deleted: int
    counts: dict[str, int] = Field(description="rows deleted per table, and workflow_executions (counts only)")


class RetentionOut(BaseModel):
    today: date = Field(description="today in Europe/Amsterdam")
    retention_years: int
    soon_days: int = Field(description="how far ahead `due` looks")
    due: list[DueCaseOut] = Field(description="closed cases whose retention has ended or ends within soon_days")
    runs: list[RetentionRunOut] = Field(description="the latest runs of the nightly job, newest first")


async def overview(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]) -> RetentionOut:
    today = local_date(datetime.now(UTC))
    years = settings.retention_years
    due = await due_for_deletion(sessionmaker, today=today, retention_years=years, within_days=SOON_DAYS)
    runs = await recent_runs(sessionmaker)
    return RetentionOut(
        today=today,
        retention_years=years,
        soon_days=SOON_DAYS,
        due=[
            DueCaseOut(
                case_id=case.case_id,
                employee_name=case.employee_name,
                closed_on=case.closed_on,
                delete_on=case.delete_on,
                expired=case.delete_on <= today,
            )
            for case in due
        ],
        runs=[RetentionRunOut(ran_at=run.ran_at, cases_deleted=run.cases_deleted, counts=run.counts) for run in runs],
    )


@router.get(
    API_PATH,
    response_model=RetentionOut,
    tags=["retention"],
    responses=API_ERRORS | problem(403, "Only HR and the auditor see what is kept and when it goes."),
)
async def retention_api(
    settings: Settings = Depends(deps.settings),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> RetentionOut:
    """The closed cases due for deletion (retention ended, or ending soon) and the latest runs (HR, auditor)."""
    return await overview(settings, sessionmaker)


def _counts(run: RetentionRunOut) -> list[tuple[str, int]]:
    """A run's counts that are not 0, in :data:`COUNT_ORDER` (the page names each in words)."""
    return [(name, run.counts[name]) for name in COUNT_ORDER if run.counts.get(name)]


@router.get(PAGE, response_class=HTMLResponse)
async def retention_page(
    request: Request,
    settings: Settings = Depends(deps.settings),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    data = await overview(settings, sessionmaker)
    language = request_language(request)
    return deps.render(
        request,
        "retention.html",
        {
            "data": data,
            "day": lambda value: format_date(value, language),
            "counts": _counts,
        },
    )
