"""The case list with search and paging (issue 21), for the API (``GET /api/cases``, web.case_views) and
the page (``GET /cases``, and HR's and the auditor's overview): what may be asked, how it is checked,
and the page of cases with its counts, from the SQL read model (integrations.case_search).

Paging is by an opaque cursor: ``next_cursor`` of one answer is ``cursor`` of the next request; it holds
the sort key of the page's last case (a moment and an id, nothing about a person). Who sees which case
is :mod:`web.access`'s policy, applied in the same SQL statement, so every page is complete for every
role.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.case_search import MAX_PAGE, BadCursor, CaseCounts, CaseQuery, CaseSearch, Cursor, ListedCase, Viewer
from states.kinds import Phase
from web import deps
from web.access import FULL_VIEW_ROLES, PRACTICAL_VIEW_ROLES, SEES_EVERY_CASE, STARTS_CASES
from web.auth import Principal, current_principal
from web.case_data import today
from web.error_answers import page
from web.intake import OrgUnit, no_invisible_controls
from web.words import phase as phase_words

DEFAULT_PAGE = 50
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_controls(value: str) -> str:
    found = _CONTROL.search(value)
    if found is not None:
        char = found.group()
        raise PydanticCustomError(
            "control_character",
            "contains {char}, a control character: type the words without it",
            {"char": f"U+{ord(char):04X} ({unicodedata.name(char, 'control')})"},
        )
    return no_invisible_controls(value)


SearchText = Annotated[str, Field(max_length=100), AfterValidator(_no_controls)]
ManagerAddress = Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_no_controls)]


class CaseListParams(BaseModel):
    """What the case list may be asked: every given part must hold; ``cursor`` and ``limit`` page."""

    model_config = ConfigDict(extra="ignore")

    q: SearchText = Field(
        default="",
        description="words of the employee's name or e-mail address; each must occur (case and accents do not matter)",
    )
    manager: ManagerAddress | None = Field(default=None, description="only the cases of this manager (e-mail)")
    phase: Phase | None = Field(default=None, description="only cases in this phase")
    org_unit: OrgUnit | None = Field(default=None, description="only cases of this org unit (department code)")
    overdue: bool | None = Field(
        default=None, description="only cases with (true) or without (false) a passed deadline"
    )
    open_signal: bool | None = Field(
        default=None, description="only cases with (true) or without (false) an open signal"
    )
    sick_from: date | None = Field(default=None, description="first sick day on or after this day")
    sick_to: date | None = Field(default=None, description="first sick day on or before this day")
    cursor: str | None = Field(
        default=None, max_length=200, description="next_cursor of the previous page; leave out for the first page"
    )
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=f"cases per page, at most {MAX_PAGE}")

    @field_validator("sick_to")
    @classmethod
    def _range(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("sick_from")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError(
                "date_range",
                "is before sick_from ({start}): give a range whose end is on or after its start",
                {"start": start.isoformat()},
            )
        return value

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Cursor.decode(value)
            except BadCursor:
                raise PydanticCustomError(
                    "bad_cursor",
                    "is not a cursor this list gave: use next_cursor of the previous page, or leave it out to "
                    "start at the first page",
                ) from None
        return value

    def query(self) -> CaseQuery:
        return CaseQuery(
            text=self.q,
            manager_email=self.manager,
            phase=self.phase.value if self.phase else None,
            org_unit=self.org_unit,
            overdue=self.overdue,
            open_signal=self.open_signal,
            sick_from=self.sick_from,
            sick_to=self.sick_to,
        )

    def after(self) -> Cursor | None:
        return Cursor.decode(self.cursor) if self.cursor else None

    def search_values(self) -> dict[str, str]:
        """The search as query parameters (without cursor and limit), for the page's links."""
        values = self.model_dump(exclude={"cursor", "limit"}, exclude_none=True)
        found: dict[str, str] = {}
        for name, value in values.items():
            if value in ("", None):
                continue
            if isinstance(value, bool):
                found[name] = "1" if value else "0"
            elif isinstance(value, date):
                found[name] = value.isoformat()
            else:
                found[name] = str(value)
        return found


def viewer_of(principal: Principal) -> Viewer:
    """The list's part of the access policy (web.access): HR and the auditor every case, everyone else
    the cases they take part in."""
    if principal.role in SEES_EVERY_CASE:
        return Viewer(every_case=True)
    return Viewer(
        every_case=False,
        email=principal.email.lower(),
        full_roles=FULL_VIEW_ROLES,
        practical_roles=PRACTICAL_VIEW_ROLES,
    )


@dataclass(frozen=True)
class CaseListResult:
    cases: list[ListedCase]
    next_cursor: str | None
    counts: CaseCounts


async def search_cases(
    sessionmaker: async_sessionmaker[AsyncSession], principal: Principal, params: CaseListParams, day: date
) -> CaseListResult:
    search = CaseSearch(sessionmaker)
    viewer, query = viewer_of(principal), params.query()
    found = await search.page(viewer, query, day=day, after=params.after(), limit=params.limit)
    counts = await search.counts(viewer, query, day=day)
    return CaseListResult(found.cases, found.next.encode() if found.next else None, counts)


# --------------------------------------------------------------------------------------------------
# The page


def _field_errors(error: ValidationError) -> dict[str, str]:
    """Each wrong field -> the key of its message in the reader's language (web.i18n ``list.err.*``)."""
    found: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "q"
        found.setdefault(name, "list.err.range" if item["type"] == "date_range" else f"list.err.{name}")
    return found


def page_params(query: Any) -> tuple[CaseListParams, dict[str, str]]:
    """The page's search from its query string; an empty field is no filter. With errors: the default
    search (no cases are searched with a wrong part) and each wrong field's message."""
    given = {key: value for key, value in query.items() if value != ""}
    try:
        return CaseListParams.model_validate(given), {}
    except ValidationError as error:
        return CaseListParams(), _field_errors(error)


async def case_list_context(
    request: Request,
    principal: Principal,
    sessionmaker: async_sessionmaker[AsyncSession],
    day: date,
) -> tuple[dict[str, Any], int]:
    """What the page's list shows (template ``_case_list.html``) and its status: 422 when a part of the
    search was wrong (then nothing is listed, and the form shows what to change)."""
    params, errors = page_params(request.query_params)
    typed = {key: value for key, value in request.query_params.items() if key not in ("cursor", "limit")}
    context: dict[str, Any] = {
        "search": typed if errors else params.search_values(),
        "errors": errors,
        "phases": [str(p) for p in Phase],
        "phase_words": phase_words,
        "day": day,
        "paged": params.cursor is not None,
        "sees_every_case": principal.role in SEES_EVERY_CASE,
        "may_start": principal.role in STARTS_CASES,
    }
    if errors:
        return context | {"listed": [], "counts": None, "next_url": None, "first_url": "/cases"}, 422
    result = await search_cases(sessionmaker, principal, params, day)
    values = params.search_values()
    limit = {"limit": str(params.limit)} if params.limit != DEFAULT_PAGE else {}

    def link(extra: dict[str, str]) -> str:
        query = urlencode(values | limit | extra)
        return "/cases" + (f"?{query}" if query else "")

    def narrowed(name: str, value: str) -> str:
        query = urlencode(values | {name: value})
        return f"/cases?{query}"

    return context | {
        "listed": result.cases,
        "counts": result.counts,
        "next_url": link({"cursor": result.next_cursor}) if result.next_cursor else None,
        "first_url": link({}),
        "narrowed": narrowed,
    }, 200


router = APIRouter()


@router.get(
    "/cases",
    response_class=HTMLResponse,
    responses=page(422, "A part of the search was wrong: the form again, each error next to its field."),
)
async def cases_page(
    request: Request,
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    """The cases the reader may see, searched and paged, with the counts of the search."""
    context, status = await case_list_context(request, principal, sessionmaker, today())
    return deps.render(request, "cases.html", context, status_code=status)
