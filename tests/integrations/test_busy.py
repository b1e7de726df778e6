"""What people already have in their calendars, read from the feeds' state on SQLite and PostgreSQL
(issue 18, finding 3): every case but the one asking, cancelled series and past events left out,
cancelled and moved occurrences as the people received them."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

from integrations import calendar as cal
from integrations.busy import as_busy, busy_times
from integrations.calendar import CalendarSeries, Participant
from integrations.feeds import save_series
from states.slots import Busy, BusyCalendar

from .conftest import AMS


def _series(uid: str, attendees: tuple[Participant, ...], **changes: object) -> CalendarSeries:
    series = CalendarSeries(
        uid=uid,
        sequence=0,
        kind="checkin",
        summary="Kort contactmoment",
        location="Telefonisch",
        start=datetime(2026, 3, 2, 10, 0, tzinfo=AMS),
        duration_minutes=15,
        interval_weeks=1,
        until=datetime(2026, 6, 29, 10, 0, tzinfo=AMS),
        organizer=Participant("verzuim@example.nl", "Verzuimbegeleiding"),
        attendees=attendees,
    )
    return dataclasses.replace(series, **changes)


async def test_busy_times_of_people_across_their_other_cases(
    sessionmaker, manager: Participant, employee: Participant
) -> None:
    other_employee = Participant("piet@example.com", "Piet Mulder")
    casemanager = Participant("carla@example.com", "Carla Visser")
    # Case A (the manager's other case): a weekly check-in with one occurrence moved, one cancelled.
    checkin = _series("a-checkin", (manager, other_employee))
    checkin = cal.moved(
        checkin,
        original_start=datetime(2026, 3, 9, 10, tzinfo=AMS),
        new_start=datetime(2026, 3, 10, 14, tzinfo=AMS),
    )
    checkin = cal.occurrence_cancelled(checkin, original_start=datetime(2026, 3, 16, 10, tzinfo=AMS))
    await save_series(sessionmaker, case_id="case-a", series=checkin)
    # Case A: an evaluation with the casemanager only (not asked about), and a cancelled one.
    evaluation = _series(
        "a-evaluation",
        (casemanager, other_employee),
        kind="evaluation",
        interval_weeks=None,
        until=None,
        duration_minutes=60,
    )
    await save_series(sessionmaker, case_id="case-a", series=evaluation)
    gone = _series("a-gone", (manager, other_employee), start=datetime(2026, 3, 4, 9, tzinfo=AMS))
    await save_series(sessionmaker, case_id="case-a", series=gone, cancelled=True)
    # Case A: a one-off talk that is over.
    past = _series(
        "a-past",
        (manager,),
        kind="driegesprek",
        interval_weeks=None,
        until=None,
        start=datetime(2026, 2, 2, 9, tzinfo=AMS),
    )
    await save_series(sessionmaker, case_id="case-a", series=past)
    # Case B, the one asking: its own series are left out (the rules know them).
    own = _series("b-checkin", (manager, employee), start=datetime(2026, 3, 2, 11, tzinfo=AMS))
    await save_series(sessionmaker, case_id="case-b", series=own)

    since = datetime(2026, 3, 1, 12, tzinfo=AMS)
    found = await busy_times(
        sessionmaker, emails=[manager.email.upper(), employee.email], exclude_case="case-b", since=since
    )
    assert found == as_busy(checkin, (manager.email,))
    (weekly, moved) = found
    assert weekly.interval_weeks == 1 and weekly.until == date(2026, 6, 29) and weekly.people == (manager.email,)
    assert moved.interval_weeks is None and moved.start == datetime(2026, 3, 10, 14, tzinfo=AMS)

    # The manager is busy on Mondays at 10:00, except on the moved and the cancelled one.
    calendar = BusyCalendar(found, since)
    quarter = timedelta(minutes=15)
    for day, busy in ((2, True), (9, False), (16, False), (23, True)):
        start = datetime(2026, 3, day, 10, tzinfo=AMS)
        assert calendar.is_free(start, start + quarter) is not busy, day
    moved_start = datetime(2026, 3, 10, 14, tzinfo=AMS)
    assert not calendar.is_free(moved_start, moved_start + quarter)

    # Later, nothing of the check-in lies ahead any more: nothing is busy.
    later = datetime(2026, 7, 1, tzinfo=AMS)
    assert await busy_times(sessionmaker, emails=[manager.email], exclude_case="case-b", since=later) == []
    assert await busy_times(sessionmaker, emails=[], exclude_case="case-b", since=since) == []


def test_a_series_without_moves_is_one_busy_item() -> None:
    organizer = Participant("verzuim@example.nl", "Verzuimbegeleiding")
    series = _series("x", (organizer,))
    assert as_busy(series) == [
        Busy(
            start=series.start,
            duration_minutes=15,
            interval_weeks=1,
            until=date(2026, 6, 29),
        )
    ]
