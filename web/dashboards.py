"""What each role sees first: HR's and the auditor's list of every case (searched and paged, web.case_list), a
manager's cases and this week's talks, a coach's signals with their evidence, an employee's upcoming
talks with the two things they answer themselves, a buddy's dates and place."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from integrations.accounts import AccountRole
from integrations.schema import CaseRow
from integrations.store import CaseStore
from states.case import UpcomingItem
from states.facts import Signal
from web.access import SEES_EVERY_CASE, CaseAccess, CaseView, case_access, commands_for
from web.auth import Principal
from web.case_client import LiveCase, live_case
from web.case_data import CaseData, today
from web.case_list import case_list_context
from web.case_pages import command_forms_for
from web.case_views import visible_cases

TALK_KINDS = frozenset({"checkin", "progress_talk", "evaluation", "driegesprek"})


async def _live_all(client: Client, rows: list[CaseRow]) -> dict[str, LiveCase | None]:
    answers = await asyncio.gather(*(live_case(client, row.case_id) for row in rows))
    return {row.case_id: answer for row, answer in zip(rows, answers, strict=True)}


def _this_week(items: list[UpcomingItem], day: date) -> list[UpcomingItem]:
    monday = day - timedelta(days=day.weekday())
    return [item for item in items if item.kind in TALK_KINDS and monday <= item.due < monday + timedelta(days=7)]


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
    live = await _live_all(client, full + practical)
    context: dict[str, Any] = {
        "kind": principal.role.value,
        "rows": [{"row": r, "overdue": r.next_deadline is not None and r.next_deadline < day} for r in full],
    }
    if principal.role == AccountRole.manager:
        week: list[tuple[CaseRow, UpcomingItem]] = []
        for row in full:
            state = live[row.case_id]
            week.extend((row, item) for item in _this_week(state.upcoming if state else [], day))
        context["week"] = week
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
