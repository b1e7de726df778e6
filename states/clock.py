"""How the rules read time: only from arguments, always as Europe/Amsterdam wall-clock time.

``now`` must be an aware datetime (Temporal's ``workflow.now()`` is aware UTC). Every "which day is
it" question uses the local date in Europe/Amsterdam, so 23:30 UTC on 28 March is already 29 March.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from states.config import TZ


def require_aware(moment: datetime, what: str = "now") -> datetime:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{what} must be an aware datetime (with a time zone), got {moment!r}")
    return moment


def utc(moment: datetime) -> datetime:
    """How the facts store a moment: in UTC.

    Python never considers a datetime inside the repeated hour of the autumn DST change equal to
    the same instant in another zone (PEP 495), and a JSON round trip turns Europe/Amsterdam into a
    fixed offset; UTC makes stored moments compare equal after continue-as-new.
    """
    return require_aware(moment).astimezone(UTC)


def local(moment: datetime) -> datetime:
    return require_aware(moment).astimezone(TZ)


def local_date(moment: datetime) -> date:
    return local(moment).date()


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    """The aware moment of ``hour:minute`` Amsterdam time on ``day`` (DST handled by zoneinfo)."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def start_of(day: date) -> datetime:
    return at_local(day, 0)


def days_between(first: date, second: date) -> int:
    return (second - first).days


def next_weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)
