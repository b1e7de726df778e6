"""When the first check-in takes place (walking skeleton; the cadence rules of states/ replace it)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CHECKIN_TIME = time(10, 0)
CHECKIN_MINUTES = 15
CHECKIN_WEEKS = 6  # until the probleemanalyse is due; later phases re-plan the series


def first_checkin(after: datetime) -> datetime:
    """The next working day after ``after``, at the check-in time, Amsterdam time."""
    day = after.astimezone(AMSTERDAM).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, CHECKIN_TIME, tzinfo=AMSTERDAM)
