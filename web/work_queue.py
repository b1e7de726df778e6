"""The work queue, "te doen" (issue 21): every item that needs someone's action, most urgent first,
read from the SQL read model (integrations.work_items), never from the workflows.

Whose queue (web.access decides what a person sees):

- HR and the auditor: every case's items (the auditor reads: the links open the case, no form);
- a manager: the items of the cases they are the manager of; a coach: of the cases they coach;
- an employee: only what they do themselves in their own case (their view on the dossier);
- a buddy: nothing (a buddy sees the practical part of a case, not its steps).

Each line names the case (the employee's name), the step in words, its date, who is to act, and a
link straight to the form (``?do=<command>#cmd-<command>`` on the case page) when the reader may
give that command there; else to the case.

The page ``/work-queue``, the first part of the home page, and ``GET /api/work-queue``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.wording import format_day
from integrations.accounts import AccountRole
from integrations.work_items import COMING, OVERDUE, QueueItem, Reader, work_queue
from web import deps, words
from web.access import role_may_give
from web.auth import Principal, current_principal
from web.case_data import today
from web.error_answers import API_ERRORS
from web.i18n import request_language, translator

HOME_LIMIT = 25
"""How many items the home page shows (the most urgent); the page /work-queue shows more."""
PAGE_LIMIT = 200
VIEW_COMMAND = "employee_view_given"
"""Given on the dossier page, next to what it is about (as web.dossier_status links it)."""

_READERS: dict[AccountRole, Reader | None] = {
    AccountRole.hr: Reader(),
    AccountRole.auditor: Reader(),
    AccountRole.buddy: None,
}
_OWN_ROLE: dict[AccountRole, tuple[str, tuple[str, ...] | None]] = {
    AccountRole.manager: ("manager", None),
    AccountRole.coach: ("coach", None),
    AccountRole.employee: ("employee", ("employee",)),
}


def reader_for(principal: Principal) -> Reader | None:
    """Whose items ``principal`` sees (None: no queue)."""
    if principal.role in _READERS:
        return _READERS[principal.role]
    case_role, actors = _OWN_ROLE[principal.role]
    return Reader(email=principal.email, case_roles=(case_role,), actor_roles=actors)


@dataclass(frozen=True)
class Line:
    """One item in the reader's words."""

    item: QueueItem
    status: Literal["overdue", "open", "coming"]
    status_text: str
    what: str
    day: date | None
    day_text: str
    who: str
    link: str
    link_text: str


def _status(item: QueueItem) -> Literal["overdue", "open", "coming"]:
    return "overdue" if item.group == OVERDUE else "coming" if item.group == COMING else "open"


def _what(item: QueueItem, language: str) -> str:
    t = translator(language)
    if item.kind == "declined":
        who = t(f"queue.declined.{item.who or 'other'}")
        return t("queue.declined").format(who=who, talk=words.talk(item.key, language))
    return item.label_en if language == "en" else item.label_nl


def _link(item: QueueItem, principal: Principal, language: str) -> tuple[str, str]:
    t = translator(language)
    case_url = f"/cases/{item.case_id}"
    command = item.command
    may = principal.role != AccountRole.auditor and command is not None and role_may_give(principal.role, command)
    if item.kind == "riv_gap" and not command and principal.role in (AccountRole.hr, AccountRole.auditor):
        return f"{case_url}/dossier", t("queue.open_dossier")  # a part added as a document
    if may and command == VIEW_COMMAND:
        return f"{case_url}/dossier#views", t("queue.open_form")
    if may and command:
        return f"{case_url}?do={command}#cmd-{command}", t("queue.open_form")
    return case_url, t("queue.open_case")


def _who(item: QueueItem, t: Callable[[str], str]) -> str:
    """Who is to act: the role, and the manager by name (the case row knows them)."""
    role = t(f"queue.actor.{item.actor_role}")
    return f"{role} ({item.manager_name})" if item.actor_role == "manager" and item.manager_name else role


def lines(items: list[QueueItem], principal: Principal, language: str) -> list[Line]:
    t = translator(language)
    result = []
    for item in items:
        status = _status(item)
        link, link_text = _link(item, principal, language)
        day = item.day
        day_text = format_day(day, language) if day else ""
        if day and item.due is None:
            day_text = t("queue.since").format(day=day_text)
        result.append(
            Line(
                item=item,
                status=status,
                status_text=t(f"queue.status.{status}"),
                what=_what(item, language),
                day=day,
                day_text=day_text,
                who=_who(item, t),
                link=link,
                link_text=link_text,
            )
        )
    return result


async def queue_for(
    principal: Principal, sessionmaker: async_sessionmaker[AsyncSession], language: str, *, limit: int
) -> list[Line] | None:
    """The reader's queue in words (None: the reader has none)."""
    reader = reader_for(principal)
    if reader is None:
        return None
    return lines(await work_queue(sessionmaker, reader, today(), limit=limit), principal, language)


async def home_queue(
    principal: Principal, sessionmaker: async_sessionmaker[AsyncSession], language: str
) -> dict[str, object]:
    """The home page's part: ``queue`` (None: none for this reader) and whether there is more."""
    found = await queue_for(principal, sessionmaker, language, limit=HOME_LIMIT + 1)
    if found is None:
        return {"queue": None, "queue_more": False, "queue_limit": HOME_LIMIT}
    return {"queue": found[:HOME_LIMIT], "queue_more": len(found) > HOME_LIMIT, "queue_limit": HOME_LIMIT}


router = APIRouter()


@router.get("/work-queue", response_class=HTMLResponse)
async def work_queue_page(
    request: Request,
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    """Everything to do for the reader (the most urgent ``PAGE_LIMIT``)."""
    found = await queue_for(principal, sessionmaker, request_language(request), limit=PAGE_LIMIT)
    return deps.render(request, "work_queue.html", {"queue": found, "queue_more": False, "full_page": True})


class WorkQueueItem(BaseModel):
    case_id: str
    employee_name: str
    kind: str  # step, signal, talk, riv_gap, declined
    status: Literal["overdue", "open", "coming"]
    label: str  # what to do, in the reader's language
    due: date | None  # the step's due date, the talk's day (None: an open signal, see since)
    since: date | None
    actor_role: str  # hr, manager, coach, employee
    actor: str  # who is to act, in words
    command: str | None  # the command that does it (None: none; the case page)
    url: str  # the form (or the case) on the site


class WorkQueueAnswer(BaseModel):
    today: date
    items: list[WorkQueueItem]


api_router = APIRouter(prefix="/api", tags=["cases"], responses=API_ERRORS)


@api_router.get("/work-queue", response_model=WorkQueueAnswer)
async def work_queue_api(
    request: Request,
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> WorkQueueAnswer:
    """What the caller has to do, most urgent first: overdue steps, then what is open (signals, talks
    to record, gaps in the RIV, declined invitations), then the steps due this week and next. HR and
    the auditor: every case; a manager or coach: their own cases; an employee: what they do
    themselves; a buddy: nothing. From the SQL read model, at most 200 items."""
    language = request_language(request)
    found = await queue_for(principal, sessionmaker, language, limit=PAGE_LIMIT) or []
    return WorkQueueAnswer(
        today=today(),
        items=[
            WorkQueueItem(
                case_id=line.item.case_id,
                employee_name=line.item.employee_name,
                kind=line.item.kind,
                status=line.status,
                label=line.what,
                due=line.item.due,
                since=line.item.since,
                actor_role=line.item.actor_role,
                actor=line.who,
                command=line.item.command,
                url=line.link,
            )
            for line in found
        ],
    )
