"""The Europe/Amsterdam VTIMEZONE every invitation carries.

Outlook reads only TZID, DTSTART, RRULE, TZOFFSETFROM and TZOFFSETTO of a VTIMEZONE and ignores
the RDATE lists that icalendar's ``add_missing_timezones()`` writes (events then show an hour off).
So the zone is written by hand in the RRULE style: the EU rule since 1996, last Sunday of March
02:00 -> +0200, last Sunday of October 03:00 -> +0100. :func:`check_against_zoneinfo` compares it
with the system's zoneinfo (the tests run it for the years the product will schedule in).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone

TZID = "Europe/Amsterdam"
ZONE = ZoneInfo(TZID)

VTIMEZONE_TEXT = (
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Amsterdam\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


def amsterdam_vtimezone() -> Timezone:
    """A fresh VTIMEZONE component (components are mutable: never share one between calendars)."""
    calendar = Calendar.from_ical("BEGIN:VCALENDAR\r\n" + VTIMEZONE_TEXT + "END:VCALENDAR\r\n")
    (zone,) = calendar.walk("VTIMEZONE")
    if not isinstance(zone, Timezone):  # icalendar makes a VTIMEZONE a Timezone; walk() says Component
        raise TypeError(f"VTIMEZONE parsed as {type(zone).__name__}")
    return zone


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def offset_by_rule(moment: datetime) -> timedelta:
    """The UTC offset of Europe/Amsterdam at a UTC moment, by the rules written in the VTIMEZONE."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    year = utc.year
    # Transitions happen at 01:00 UTC on both dates (02:00 CET and 03:00 CEST).
    summer_starts = datetime.combine(_last_sunday(year, 3), datetime.min.time()) + timedelta(hours=1)
    summer_ends = datetime.combine(_last_sunday(year, 10), datetime.min.time()) + timedelta(hours=1)
    return timedelta(hours=2) if summer_starts <= utc < summer_ends else timedelta(hours=1)


def check_against_zoneinfo(first_year: int, last_year: int) -> list[datetime]:
    """UTC moments between the years at which the written rules and zoneinfo disagree (empty: fine).

    Every hour of March and October (where the changes are), noon UTC of every other day."""
    disagreements = []
    day = date(first_year, 1, 1)
    while day.year <= last_year:
        hours = range(24) if day.month in (3, 10) else (12,)
        for hour in hours:
            moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            if moment.astimezone(ZONE).utcoffset() != offset_by_rule(moment):
                disagreements.append(moment)
        day += timedelta(days=1)
    return disagreements
