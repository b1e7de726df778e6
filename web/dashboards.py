"""What each role sees first: HR's and the auditor's dashboard of every case (with filters), a
manager's cases and this week's talks, a coach's signals with their evidence, an employee's upcoming
talks with the two things they answer themselves, a buddy's dates and place."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

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
from web.case_pages import command_forms_for
from web.case_views import visible_cases
from workflows import search_attributes

TALK_KINDS = frozenset({"checkin", "progress_talk", "evaluation", "driegesprek"})


@dataclass(frozen=True)
class Filters:
    phase: str = ""
    overdue: bool = False
    signals: bool = False
    org_unit: str = ""

    @classmethod
    def from_query(cls, query: Any) -> Filters:
        return cls(
            phase=str(query.get("phase", ""))[:40],
            overdue=query.get("overdue") == "1",
            signals=query.get("signals") == "1",
            org_unit=str(query.get("org_unit", ""))[:64],
        )


async def cases_with_signals(client: Client) -> set[str] | None:
    """Ids of the cases whose workflow shows a stagnation signal (one visibility query); None if unknown."""
    query = f"{search_attributes.STAGNATION.name} = true"
    try:
        async with asyncio.timeout(5):
            return {execution.id async for execution in client.list_workflows(query, limit=2000)}
    except Exception:
        return None


async def _live_all(client: Client, rows: list[CaseRow]) -> dict[str, LiveCase | None]:
    answers = await asyncio.gather(*(live_case(client, row.case_id) for row in rows))
    return {row.case_id: answer for row, answer in zip(rows, answers, strict=True)}


def _this_week(items: list[UpcomingItem], day: date) -> list[UpcomingItem]:
    monday = day - timedelta(days=day.weekday())
    return [item for item in items if item.kind in TALK_KINDS and monday <= item.due < monday + timedelta(days=7)]


async def dashboard(principal: Principal, store: CaseStore, client: Client, filters: Filters) -> dict[str, Any]:
    day = today()
    visible = await visible_cases(store, principal)
    if principal.role in SEES_EVERY_CASE:
        flagged = await cases_with_signals(client)
        rows = []
        for row, _view in visible:
            overdue = row.next_deadline is not None and row.next_deadline < day
            signals = None if flagged is None else row.case_id in flagged
            if filters.phase and row.phase != filters.phase:
                continue
            if filters.overdue and not overdue:
                continue
            if filters.signals and not signals:
                continue
            if filters.org_unit and row.org_unit != filters.org_unit:
                continue
            rows.append({"row": row, "overdue": overdue, "signals": signals})
        return {"kind": "all", "rows": rows, "filters": filters}

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
    return context
