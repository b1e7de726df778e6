"""What each role sees first: HR's and the auditor's list of every case (searched and paged, web.case_list), a
manager's cases and this week's talks, a coach's signals with their evidence, an employee's upcoming
talks with the two things they answer themselves, a buddy's dates and place."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from integrations.accounts import AccountRole
from integrations.calendar import occurrences
from integrations.feeds import case_series_for_person
from integrations.schema import CaseRow
from integrations.store import CaseStore
from integrations.vtimezone import ZONE
from states.facts import Signal
from web.access import SEES_EVERY_CASE, CaseAccess, CaseView, case_access, commands_for
from web.auth import Principal
from web.case_client import LiveCase, live_case
from web.case_data import CaseData, today
from web.case_list import case_list_context
from web.case_pages import command_forms_for
from web.case_views import visible_cases
from web.words import TALKS

TALK_KINDS = frozenset({"checkin", "progress_talk", "evaluation", "driegesprek"})


async def _live_all(client: Client, rows: list[CaseRow]) -> dict[str, LiveCase | None]:
    answers = await asyncio.gather(*(live_case(client, row.case_id) for row in rows))
    return {row.case_id: answer for row, answer in zip(rows, answers, strict=True)}


@dataclass(frozen=True)
class WeekTalk:
    """A talk this week, as the manager's home lists it."""

    due: date
    at: datetime
    label_nl: str
    label_en: str


async def _talks_this_week(
    sessionmaker: async_sessionmaker[AsyncSession], person: str, rows: list[CaseRow], day: date
) -> list[tuple[CaseRow, WeekTalk]]:
    """The talks of this week (Monday to Sunday) of ``person``'s cases among ``rows``, from the calendar
    state in SQL (as the invitations went out, moves and cancellations included): no case is asked,
    so a manager with hundreds of cases gets the page as fast as one with three."""
    by_case = {row.case_id: row for row in rows}
    monday = datetime.combine(day - timedelta(days=day.weekday()), time(), ZONE)
    sunday_night = monday + timedelta(days=7)
    week: list[tuple[CaseRow, WeekTalk]] = []
    for case_id, series in await case_series_for_person(sessionmaker, person):
        row = by_case.get(case_id)
        if row is None:
            continue
        nl, en = TALKS.get(series.kind, (series.kind, series.kind))
        for start, _end, _original in occurrences(series, window_end=sunday_night):
            if monday <= start < sunday_night:
                week.append((row, WeekTalk(due=start.date(), at=start, label_nl=nl, label_en=en)))
    return sorted(week, key=lambda pair: pair[1].at)


async def dashboard(
    request: Request,
    principal: Principal,
    store: CaseStore,
    client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> tuple[dict[str, Any], int]:
    """The home page's context and status. HR and the auditor: the case list with its search (web.case_list,
    also at ``/cases``); 422 when a part of the search was wrong."""
    day = today()
    if principal.role in SEES_EVERY_CASE:
        listing, status = await case_list_context(request, principal, sessionmaker, day)
        return {"kind": "all"} | listing, status
    visible = await visible_cases(store, principal)
    full = [row for row, view in visible if view == CaseView.full]
    practical = [row for row, view in visible if view == CaseView.practical]
    asks_cases = [] if principal.role == AccountRole.manager else full  # a manager's page is all from SQL
    live = await _live_all(client, asks_cases + practical)
    context: dict[str, Any] = {
        "kind": principal.role.value,
        "rows": [{"row": r, "overdue": r.next_deadline is not None and r.next_deadline < day} for r in full],
    }
    if principal.role == AccountRole.manager:
        context["week"] = await _talks_this_week(sessionmaker, principal.email, full, day)
    elif principal.role == AccountRole.coach:
        coach_signals: list[tuple[CaseRow, Signal]] = []
        for row in full:
            state = live[row.case_id]
            coach_signals.extend((row, signal) for signal in (state.signals if state else []))
        context["signals"] = coach_signals
    elif principal.role == AccountRole.employee:
        mine = []
        for row in full:
            state = live[row.case_id]
            access = await case_access(store, principal, row.case_id)
            assert access is not None
            names = commands_for(principal, access, ["employee_feedback", "buddy_consent"])
            if state is not None and state.facts.buddy.consent is not None:
                names = [name for name in names if name != "buddy_consent"]
            talks = [item for item in (state.upcoming if state else []) if item.kind in TALK_KINDS]
            mine.append(
                {
                    "row": row,
                    "talks": talks,
                    "forms": command_forms_for(names) if state and not state.status.closed else [],
                }
            )
        context["mine"] = mine
    practical_data = []
    for row in practical:
        access = CaseAccess(row.case_id, CaseView.practical, read_only=False, case_roles=frozenset({"buddy"}))
        practical_data.append((row, CaseData(access=access, row=row, live=live[row.case_id]).buddy_talks()))
    context["practical"] = practical_data
    return context, 200
