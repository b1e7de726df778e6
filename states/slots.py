"""Free slots: the nearest moment a talk fits without landing on another event of its people. Pure.

A person's events come in as :class:`Busy` items: one-off events and weekly series (every
``interval_weeks`` weeks, on the wall-clock time of their first start, up to ``until``), with the
occurrences that do not take place left out (``skipped``). :func:`nearest_free` looks for the
nearest start of a talk (a one-off, or a series whose every occurrence up to its own ``until`` must
be free) from the start the rules would choose, within working hours.

How "nearest" is read:

- never earlier than the day the rules chose (that day is the earliest they want: a check-in from
  the day after the sick report, a driegesprek after the coach's days to prepare), and never at
  or before ``now``;
- the same day first, at the time closest to the preferred one in steps of :data:`STEP` (on a tie
  the later time, the one after the event in the way); then the next days, each again from the
  preferred time outwards. A series looks at most a week ahead (each weekday once), a one-off talk
  :data:`ONE_OFF_DAYS` days;
- only on working days (a series: Monday to Friday; a one-off talk: a working day of
  :mod:`states.workdays`, so no public holiday either) and with a start within the hours the intake
  allows for the contact moment (:data:`WORKDAY_START` to :data:`WORKDAY_END`), so an event of
  another case never pushes a talk into the evening or the weekend;
- when nothing is free in that range (a calendar full for a week) the rules' own start stays: a
  talk in a full calendar is better than none, and people can move it themselves.

For a case (:func:`free_start`, rules version 3) the busy times are the case's own other talks and
what the attendees have in their other cases; a series that runs beyond today counts as running on
(:func:`running_on`), the talk placed included: the rules extend series in place up to the end of
the wage continuation, and the extensions must not meet either.

Occurrences are compared as instants (UTC), each computed from its series' local wall-clock time
(Europe/Amsterdam), the way calendars expand a weekly RRULE: a Monday 10:00 series stays at 10:00
across a change of daylight saving time, so it collides with another Monday 10:00 series in every
week, and never with an event at 11:00 after the change. Intervals are half open: a talk may start
when another ends.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from states.clock import at_local, local
from states.config import TZ
from states.facts import CaseFacts, SeriesState
from states.workdays import is_working_day

PLACING_VERSION = 3
"""The rules version from which talks are placed in free slots (:func:`free_start`,
:mod:`states.placement`); before it every start stays where the rules put it."""

WORKDAY_START = time(7, 0)
"""The earliest start of a talk (the intake's earliest hour for the contact moment)."""
WORKDAY_END = time(20, 0)
"""Talks start before this (the intake allows the hours 07 to 19)."""
STEP = timedelta(minutes=15)
"""The grid of candidate starts, around the preferred time."""
ONE_OFF_DAYS = 14
"""How many days from the rules' day a one-off talk may move (two working weeks)."""
SERIES_DAYS = 7
"""A series may move to another weekday of the first week: each weekday once."""
OPEN_HORIZON = timedelta(weeks=104)
"""How far an open-ended series (no ``until``) is checked: the longest a case runs."""


@dataclass(frozen=True, kw_only=True)
class Busy:
    """An event some person already has: a one-off (``interval_weeks`` None) or a weekly series.

    ``until``: the last local day an occurrence may fall on (None: open-ended). ``skipped``: the
    original starts of occurrences that do not take place (cancelled, or moved: a moved occurrence
    is a one-off of its own). ``people``: who of the people asked about attends it (lower-case
    e-mail addresses; the rules do not need them, the workflow sorts by them)."""

    start: datetime
    duration_minutes: int
    interval_weeks: int | None = None
    until: date | None = None
    skipped: tuple[datetime, ...] = ()
    people: tuple[str, ...] = ()


def occurrences(item: Busy, since: datetime, before: datetime) -> Iterator[tuple[datetime, datetime]]:
    """(start, end) as UTC instants of every occurrence of ``item`` that ends after ``since`` and
    starts before ``before``, in time order."""
    duration = timedelta(minutes=item.duration_minutes)
    first = local(item.start)
    if item.interval_weeks is None:
        if first < before and first + duration > since:
            yield first.astimezone(UTC), (first + duration).astimezone(UTC)
        return
    step = timedelta(weeks=item.interval_weeks)
    skipped = {moment.astimezone(UTC) for moment in item.skipped}
    # Start a little before ``since``: whole intervals before it cannot reach it (an occurrence is
    # shorter than a week), the walk below passes the one or two left.
    index = max(0, (since.astimezone(UTC) - first.astimezone(UTC)).days // (7 * item.interval_weeks) - 1)
    while True:
        day = first.date() + step * index
        if item.until is not None and day > item.until:
            return
        start = at_local(day, first.hour, first.minute)
        if start >= before:
            return
        index += 1
        if start + duration <= since or start.astimezone(UTC) in skipped:
            continue
        yield start.astimezone(UTC), (start + duration).astimezone(UTC)


_COVER_AHEAD = timedelta(days=ONE_OFF_DAYS + 1)


class BusyCalendar:
    """The occurrences of some :class:`Busy` items from ``since`` on, for quick overlap questions
    (expanded as far as the questions reach)."""

    def __init__(self, busy: Iterable[Busy], since: datetime) -> None:
        self._busy = tuple(busy)
        self._since = since
        self._before = since
        self._starts: list[datetime] = []
        self._latest_ends: list[datetime] = []

    def _cover(self, before: datetime) -> None:
        if before <= self._before:
            return
        # Expanded with room for the later candidates of one search (they start up to
        # ONE_OFF_DAYS later), so that each search expands the calendar once, not once per candidate.
        self._before = max(before + _COVER_AHEAD, self._since + timedelta(weeks=1))
        intervals = sorted(interval for item in self._busy for interval in occurrences(item, self._since, self._before))
        self._starts = [start for start, _end in intervals]
        # The latest end among the intervals up to each index: with the starts sorted, an interval
        # [s, e) overlaps one of them exactly when the latest end of those starting before e is after s.
        self._latest_ends = []
        for _start, end in intervals:
            self._latest_ends.append(max(end, self._latest_ends[-1]) if self._latest_ends else end)

    def is_free(self, start: datetime, end: datetime) -> bool:
        self._cover(end)
        count = bisect.bisect_left(self._starts, end.astimezone(UTC))
        return count == 0 or self._latest_ends[count - 1] <= start.astimezone(UTC)

    def fits(self, candidate: Busy) -> bool:
        """Whether no occurrence of ``candidate`` overlaps a busy occurrence (an open-ended series is
        checked for :data:`OPEN_HORIZON`)."""
        before = local(candidate.start) + OPEN_HORIZON
        if candidate.interval_weeks is None:
            before = local(candidate.start) + timedelta(minutes=candidate.duration_minutes)
        elif candidate.until is not None:
            before = at_local(candidate.until + timedelta(days=1), 0)
        self._cover(before + timedelta(minutes=candidate.duration_minutes))
        return all(self.is_free(start, end) for start, end in occurrences(candidate, candidate.start, before))


def overlaps(first: Busy, second: Busy, *, since: datetime, before: datetime) -> bool:
    """Whether an occurrence of ``first`` overlaps one of ``second`` between ``since`` and ``before``."""
    calendar = BusyCalendar([second], since)
    return any(not calendar.is_free(start, end) for start, end in occurrences(first, since, before))


def _workable(day: date, recurring: bool) -> bool:
    return day.weekday() < 5 if recurring else is_working_day(day)


def _times(day: date, preferred: time) -> Iterator[datetime]:
    """The candidate starts on ``day`` within working hours: the preferred time of day first, then
    outwards in steps of :data:`STEP`, the later one first on a tie."""
    minutes = preferred.hour * 60 + preferred.minute
    step = int(STEP.total_seconds()) // 60
    lowest = WORKDAY_START.hour * 60 + WORKDAY_START.minute
    highest = WORKDAY_END.hour * 60 + WORKDAY_END.minute  # exclusive
    # Every start of the grid within the hours, ordered by the distance to the preferred time.
    first = minutes - ((minutes - lowest) // step) * step
    grid = [m for m in range(first, highest, step) if m >= lowest]
    for m in sorted(grid, key=lambda m: (abs(m - minutes), -m)):
        yield at_local(day, m // 60, m % 60)


def nearest_free(wanted: Busy, busy: Sequence[Busy], *, now: datetime) -> datetime:
    """The nearest start for ``wanted`` (its ``start`` is the one the rules chose) at which none of
    its occurrences up to its ``until`` overlaps an occurrence of ``busy``, within working hours (see
    the module docstring for the order); ``wanted.start`` itself when nothing in range is free."""
    preferred = local(wanted.start)
    recurring = wanted.interval_weeks is not None
    days = SERIES_DAYS if recurring else ONE_OFF_DAYS
    calendar = BusyCalendar(busy, since=min(now, preferred))
    for offset in range(days):
        day = preferred.date() + timedelta(days=offset)
        if not _workable(day, recurring):
            continue
        if recurring and wanted.until is not None and day > wanted.until:
            break
        for start in _times(day, preferred.time()):
            if start <= now:
                continue
            if calendar.fits(replace(wanted, start=start)):
                return start
    return wanted.start


# ------------------------------------------------------------------------- the talks of one case


def busy_of(series: SeriesState) -> Busy:
    """A series of a case as an event in its attendees' calendars."""
    return Busy(
        start=series.start,
        duration_minutes=series.duration_minutes,
        interval_weeks=series.interval_weeks,
        until=series.until,
    )


def running_on(item: Busy, now: datetime) -> Busy:
    """``item`` as it may still become: a series that runs beyond ``now`` counts as running on.

    From rules version 3 a series runs to a horizon and is extended in place, up to the end of the
    wage continuation; only a series ended for good (an UNTIL in the past) stays ended. Counting
    the others on keeps a talk placed now from meeting them once they are extended."""
    if item.interval_weeks is None or item.until is None or item.until < local(now).date():
        return item
    return replace(item, until=None)


def free_start(
    facts: CaseFacts,
    *,
    except_slots: Collection[str],
    start: datetime,
    duration_minutes: int,
    interval_weeks: int | None,
    until: date | None,
    now: datetime,
    elsewhere: Sequence[Busy] = (),
) -> datetime:
    """The start a talk gets instead of ``start`` (rules version 3; before it, ``start`` itself):
    the nearest one at which it meets none of the case's active talks (all of them share the
    employee; but those of ``except_slots``: the talk itself, and talks about to get a new start)
    nor the events ``elsewhere`` (the attendees' other cases).

    A series, and the series it might meet, count as running on (:func:`running_on`): the rules
    extend them later, and their extensions must not meet either."""
    if facts.rules_version < PLACING_VERSION:
        return start
    wanted = running_on(
        Busy(start=start, duration_minutes=duration_minutes, interval_weeks=interval_weeks, until=until), now
    )
    own = [busy_of(series) for series in facts.series if series.active and series.slot not in except_slots]
    busy = [running_on(item, now) for item in (*own, *elsewhere)]
    return nearest_free(wanted, busy, now=now).astimezone(TZ)
