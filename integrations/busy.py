"""What people already have in their calendars from the product: the busy times of other cases.

Read from the feeds' calendar state (``calendar_series`` and ``calendar_series_people``, kept by the
case activity after each invitation went out), so it holds every series of every case as its people
last received it: moved occurrences, cancelled ones (EXDATE) and series ended early included,
cancelled series left out. The rules (:mod:`states.placement`) use the answer to place a new talk
beside them, never on top of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.calendar import CalendarSeries, series_from_dict
from integrations.schema import CalendarSeriesPerson, CalendarSeriesRow
from states.clock import local_date
from states.slots import Busy


async def busy_times(
    sessionmaker: async_sessionmaker[AsyncSession], *, emails: Iterable[str], exclude_case: str, since: datetime
) -> list[Busy]:
    """The events of ``emails`` (any case but ``exclude_case``) that end after ``since``, each with
    the ones among ``emails`` who attend it; in a stable order (by series UID), so that the same
    store gives the same answer."""
    wanted = sorted({email.lower() for email in emails})
    if not wanted:
        return []
    statement = (
        select(CalendarSeriesRow.uid, CalendarSeriesRow.data, CalendarSeriesPerson.email)
        .join(CalendarSeriesPerson, CalendarSeriesPerson.uid == CalendarSeriesRow.uid)
        .where(
            CalendarSeriesPerson.email.in_(wanted),
            CalendarSeriesRow.case_id != exclude_case,
            CalendarSeriesRow.cancelled.is_(False),
        )
        .order_by(CalendarSeriesRow.uid, CalendarSeriesPerson.email)
    )
    async with sessionmaker() as session:
        rows = (await session.execute(statement)).all()
    people: dict[str, list[str]] = {}
    data: dict[str, dict[str, Any]] = {}
    for uid, series_data, email in rows:
        people.setdefault(uid, []).append(email)
        data[uid] = series_data
    result: list[Busy] = []
    for uid, attending in people.items():
        result += [item for item in as_busy(series_from_dict(data[uid]), tuple(attending)) if _ends_after(item, since)]
    return result


def as_busy(series: CalendarSeries, people: tuple[str, ...] = ()) -> list[Busy]:
    """A series as busy times: the series itself without its cancelled and moved occurrences, and
    each moved occurrence as a one-off at its new time."""
    moved = tuple(move.recurrence_id for move in series.overrides)
    main = Busy(
        start=series.start,
        duration_minutes=series.duration_minutes,
        interval_weeks=series.interval_weeks,
        until=None if series.until is None else local_date(series.until),
        skipped=tuple(sorted({*series.exdates, *moved})),
        people=people,
    )
    moves = [
        Busy(start=move.start, duration_minutes=move.duration_minutes or series.duration_minutes, people=people)
        for move in series.overrides
        if move.recurrence_id not in series.exdates
    ]
    return [main, *moves]


def _ends_after(item: Busy, since: datetime) -> bool:
    if item.interval_weeks is None:
        return item.start + timedelta(minutes=item.duration_minutes) > since
    return item.until is None or item.until >= local_date(since)
