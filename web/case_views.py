"""The JSON API's views of cases: the list per role, one case, its history, its statutory deadlines,
and (HR and auditor) the export of the merged history and the compliance table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from integrations.accounts import AccountRole
from integrations.replies import Counter, TalkAttendance
from integrations.schema import CaseRow
from integrations.store import CaseStore
from web import deps
from web.access import READS_HISTORY, SEES_EVERY_CASE, access_by_roles, require_role
from web.access import CaseView as Visibility
from web.attendance import ProposalOut, TalkAttendanceOut, attendance_for, attendance_out, proposals_out
from web.auth import Principal, current_principal
from web.case_data import CaseData, case_record, load_case, today
from web.case_list import CaseListParams, search_cases
from web.error_answers import API_ERRORS, problem
from web.history import CaseRecordView, as_json, compliance_csv, history_csv
from web.i18n import request_language

router = APIRouter(prefix="/api", tags=["cases"], responses=API_ERRORS)

NOT_YOURS: dict[int | str, dict[str, Any]] = problem(404, "No such case, or not one you may see (the same answer).")


class CaseListItem(BaseModel):
    case_id: str
    employee_name: str
    manager_name: str
    phase: str | None = None  # None: the caller sees only the practical part (a buddy)
    first_sick_day: date | None = None
    next_deadline: date | None = None
    next_step: str | None = None  # the statutory step due on next_deadline (its key)
    next_step_label: str | None = None  # that step in words, in the reader's language
    overdue: bool | None = None
    open_signals: int | None = None
    org_unit: str | None = None


class UpcomingOut(BaseModel):
    kind: str
    key: str
    due: date
    at: datetime | None
    label: str
    days_left: int
    overdue: bool


class EvidenceOut(BaseModel):
    fact: str
    value: str
    on: date


class SignalOut(BaseModel):
    key: str
    kind: str
    since: date
    text: str
    evidence: list[EvidenceOut]


class CaseDetail(BaseModel):
    case_id: str
    phase: str
    first_sick_day: date
    employee_name: str | None = None
    manager_name: str | None = None
    org_unit: str | None = None
    next_deadline: date | None = None
    overdue: bool
    live: bool  # False: the workflow could not answer now; the read model's part is shown
    as_of: datetime | None = None  # how fresh: the read's moment when live, else when the read model was last written
    closed: bool | None = None
    outcome: str | None = None
    upcoming: list[UpcomingOut] = []
    signals: list[SignalOut] = []
    attendance: list[TalkAttendanceOut] = []  # each open invitation: every attendee's answer
    proposals: list[ProposalOut] = []  # HR: open proposals of another time, to accept or decline


class TalkOut(BaseModel):
    day: date
    at: datetime | None
    place: str


class PracticalView(BaseModel):
    """What a buddy sees: who, and the dates and place of the talks they take part in; nothing else."""

    case_id: str
    employee_name: str | None = None
    manager_name: str | None = None
    talks: list[TalkOut] = []


class HistoryItem(BaseModel):
    at: datetime
    actor: str
    action: str
    what: str
    detail: dict[str, str]
    source: Literal["workflow+store", "workflow", "store"]


class CaseHistory(BaseModel):
    case_id: str
    live: bool
    as_of: datetime | None = None  # how fresh: the read's moment when live, else when the read model was last written
    entries: list[HistoryItem]


class DeadlineOut(BaseModel):
    key: str
    label: str
    responsible: str
    due: date
    window_start: date | None
    done_on: date | None
    status: Literal["on_time", "late", "missing", "open"]


class CaseDeadlines(BaseModel):
    case_id: str
    live: bool  # False: the workflow could not answer now, so the table is empty
    as_of: datetime | None = None  # how fresh: the read's moment when live, else when the read model was last written
    deadlines: list[DeadlineOut]


def _full_only(data: CaseData) -> None:
    if data.access.view != Visibility.full:
        raise HTTPException(
            status_code=403, detail="Your part in this case shows only the dates and place of the talks."
        )


def _list_item(row: CaseRow, full: bool, day: date, language: str) -> CaseListItem:
    if not full:
        return CaseListItem(case_id=row.case_id, employee_name=row.employee_name, manager_name=row.manager_name)
    return CaseListItem(
        case_id=row.case_id,
        employee_name=row.employee_name,
        manager_name=row.manager_name,
        phase=row.phase,
        first_sick_day=row.first_sick_day,
        next_deadline=row.next_deadline,
        next_step=row.next_step,
        next_step_label=row.next_step_label_en if language == "en" else row.next_step_label_nl,
        overdue=row.next_deadline is not None and row.next_deadline < day,
        open_signals=row.open_signals,
        org_unit=row.org_unit,
    )


async def visible_cases(store: CaseStore, principal: Principal) -> list[tuple[CaseRow, Visibility]]:
    """The cases ``principal`` may see, newest first, with how much of each: for a person's own home
    page (the few cases they take part in). HR's and the auditor's list of every case, and any list
    that is searched or paged, is :mod:`web.case_list`'s (this one stops at the store's 500)."""
    if principal.role in SEES_EVERY_CASE:
        return [(row, Visibility.full) for row in await store.list_cases()]
    roles = await store.roles_of_person(principal.email)  # one query, not one per case
    found = []
    for row in await store.cases_of_person(principal.email):
        access = access_by_roles(row.case_id, roles.get(row.case_id, ()))
        if access is not None:
            found.append((row, access.view))
    return found


class CaseCountsOut(BaseModel):
    """How many cases match the whole search (every page); of those, seen in full: per phase, with a
    passed deadline, with an open signal."""

    total: int
    by_phase: dict[str, int]
    overdue: int
    open_signals: int


class CaseListPage(BaseModel):
    items: list[CaseListItem]
    next_cursor: str | None = None  # None: the last page; else pass it as ``cursor`` for the next
    counts: CaseCountsOut


@router.get("/cases", response_model=CaseListPage)
async def list_cases(
    request: Request,
    params: Annotated[CaseListParams, Query()],
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> CaseListPage:
    """The cases the caller may see (HR and auditor every case; others the cases they take part in),
    newest first, searched and paged: ``next_cursor`` of one page is ``cursor`` of the next. ``counts``
    are for the whole search. A buddy's view of a case has nothing to filter on: any filter leaves it out."""
    day = today()
    result = await search_cases(sessionmaker, principal, params, day)
    language = request_language(request)
    counts = result.counts
    return CaseListPage(
        items=[_list_item(listed.row, listed.full, day, language) for listed in result.cases],
        next_cursor=result.next_cursor,
        counts=CaseCountsOut(
            total=counts.total, by_phase=counts.by_phase, overdue=counts.overdue, open_signals=counts.open_signals
        ),
    )


def case_detail(
    data: CaseData, language: str, attendance: tuple[list[TalkAttendance], list[Counter]] | None = None
) -> CaseDetail | PracticalView:
    row = data.row
    if data.access.view == Visibility.practical:
        talks = [TalkOut(day=day, at=at, place=place) for day, at, place in data.buddy_talks()]
        return PracticalView(
            case_id=data.case_id,
            employee_name=row.employee_name if row else None,
            manager_name=row.manager_name if row else None,
            talks=talks,
        )
    live = data.live
    en = language == "en"
    answers, proposals = attendance or ([], [])
    return CaseDetail(
        attendance=attendance_out(answers, language),
        proposals=proposals_out(proposals, language),
        case_id=data.case_id,
        phase=data.phase,
        first_sick_day=data.first_sick_day,
        employee_name=row.employee_name if row else None,
        manager_name=row.manager_name if row else None,
        org_unit=row.org_unit if row else None,
        next_deadline=data.next_deadline,
        overdue=data.overdue(today()),
        live=live is not None,
        as_of=data.as_of,
        closed=live.status.closed if live else None,
        outcome=live.status.outcome if live else None,
        upcoming=[
            UpcomingOut(
                kind=i.kind,
                key=i.key,
                due=i.due,
                at=i.at,
                label=i.label_en if en else i.label_nl,
                days_left=i.days_left,
                overdue=i.overdue,
            )
            for i in (live.upcoming if live else [])
        ],
        signals=[
            SignalOut(
                key=s.key,
                kind=str(s.kind),
                since=s.since,
                text=s.text_en if en else s.text_nl,
                evidence=[EvidenceOut(fact=e.fact, value=e.value, on=e.on) for e in s.evidence],
            )
            for s in data.signals
        ],
    )


@router.get("/cases/{case_id}", response_model=CaseDetail | PracticalView, responses=NOT_YOURS)
async def read_case(
    request: Request,
    case_id: str,
    principal: Principal = Depends(current_principal),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> CaseDetail | PracticalView:
    """One case: its status, what happens next and when, its open signals, who answered which
    invitation how, and (HR) the proposals of another time (a buddy: dates and place)."""
    data = await load_case(store, client, principal, case_id)
    if data.access.view == Visibility.practical:
        return case_detail(data, request_language(request))
    attendance = await attendance_for(sessionmaker, case_id, principal)
    return case_detail(data, request_language(request), attendance)


@router.get(
    "/cases/{case_id}/timeline",
    response_model=CaseHistory,
    responses=NOT_YOURS | problem(403, "A buddy sees only dates and place."),
)
async def read_timeline(
    request: Request,
    case_id: str,
    principal: Principal = Depends(current_principal),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
) -> CaseHistory:
    """Every step of the case, when, who and what in plain words: the workflow's timeline merged with the SQL audit trail."""
    data = await load_case(store, client, principal, case_id)
    _full_only(data)
    record = await case_record(store, data)
    language = request_language(request)
    entries = [
        HistoryItem(at=e.at, actor=e.actor, action=e.action, what=e.what(language), detail=e.detail, source=e.source)
        for e in record.entries
    ]
    return CaseHistory(case_id=case_id, live=record.live, as_of=data.as_of, entries=entries)


@router.get(
    "/cases/{case_id}/deadlines",
    response_model=CaseDeadlines,
    responses=NOT_YOURS | problem(403, "A buddy sees only dates and place."),
)
async def read_deadlines(
    request: Request,
    case_id: str,
    principal: Principal = Depends(current_principal),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
) -> CaseDeadlines:
    """The statutory steps of the case: due, done on, on time / late / missing / not due yet."""
    data = await load_case(store, client, principal, case_id)
    _full_only(data)
    record = await case_record(store, data)
    language = request_language(request)
    rows = [
        DeadlineOut(
            key=r.key,
            label=r.label(language),
            responsible=r.responsible,
            due=r.due,
            window_start=r.window_start,
            done_on=r.done_on,
            status=r.status,
        )
        for r in record.compliance or []
    ]
    return CaseDeadlines(case_id=case_id, live=record.live, as_of=data.as_of, deadlines=rows)


_EXPORT_ROLES = require_role(*READS_HISTORY)
_EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = NOT_YOURS | problem(
    403, "Only HR and the auditor export a case's history."
)


async def _record_for_export(case_id: str, principal: Principal, store: CaseStore, client: Client) -> CaseRecordView:
    data = await load_case(store, client, principal, case_id)
    return await case_record(store, data)


def _download(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


@router.get("/cases/{case_id}/history", responses=_EXPORT_RESPONSES)
async def export_history_json(
    case_id: str,
    principal: Principal = Depends(_EXPORT_ROLES),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
) -> Response:
    """Export (HR, auditor): the merged history and the compliance table as one JSON document."""
    import json

    record = await _record_for_export(case_id, principal, store, client)
    body = as_json(record, exported_by=principal.email, exported_at=datetime.now(UTC))
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers=_download(f"{case_id}-history.json"),
    )


@router.get("/cases/{case_id}/history.csv", responses=_EXPORT_RESPONSES | {200: {"content": {"text/csv": {}}}})
async def export_history_csv(
    case_id: str,
    principal: Principal = Depends(_EXPORT_ROLES),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
) -> Response:
    """Export (HR, auditor): the merged history as CSV (one row per step)."""
    record = await _record_for_export(case_id, principal, store, client)
    return Response(
        history_csv(record), media_type="text/csv; charset=utf-8", headers=_download(f"{case_id}-history.csv")
    )


@router.get("/cases/{case_id}/compliance.csv", responses=_EXPORT_RESPONSES | {200: {"content": {"text/csv": {}}}})
async def export_compliance_csv(
    case_id: str,
    principal: Principal = Depends(_EXPORT_ROLES),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
) -> Response:
    """Export (HR, auditor): the compliance table as CSV (one row per statutory step)."""
    record = await _record_for_export(case_id, principal, store, client)
    return Response(
        compliance_csv(record), media_type="text/csv; charset=utf-8", headers=_download(f"{case_id}-compliance.csv")
    )


__all__ = ["router", "visible_cases", "case_detail", "CaseDetail", "PracticalView", "AccountRole"]
