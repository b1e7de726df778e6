"""Radicale, a real CalDAV server, accepts every object we make (METHOD stripped) and expands the
series to the same occurrences as we do."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import caldav
import icalendar
import pytest

from integrations import calendar as cal
from integrations.calendar import CalendarSeries
from integrations.feeds import feed_calendar

from .conftest import AMS, DTSTAMP, RadicaleServer

UTC = UTC
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def principal(radicale: RadicaleServer):
    with caldav.DAVClient(url=radicale.url, username="hr", password="-") as client:
        yield client.principal()  # discovery is the slow part: once per module


@pytest.fixture
def dav(principal):
    """A fresh, empty calendar collection for each test."""
    collection = principal.make_calendar(name=f"test-{uuid.uuid4().hex[:8]}")
    yield collection
    collection.delete()


def store(collection, data: bytes):
    stripped = cal.strip_method(data)
    assert b"METHOD" not in stripped
    return collection.save_event(stripped.decode("utf-8"), increase_seqno=False)  # store as we made it


def server_occurrences(collection) -> list[datetime]:
    found = collection.search(start=WINDOW[0], end=WINDOW[1], event=True, expand=True, server_expand=True)
    starts = []
    for item in found:
        for component in item.icalendar_instance.walk("VEVENT"):
            starts.append(component["DTSTART"].dt.astimezone(UTC))
    return sorted(starts)


def ours(series: CalendarSeries) -> list[datetime]:
    return sorted(start.astimezone(UTC) for start, _end, _rid in cal.occurrences(series, window_end=WINDOW[1]))


def scenarios(progress: CalendarSeries, checkin: CalendarSeries) -> dict[str, CalendarSeries]:
    changed = cal.moved(
        progress, original_start=datetime(2026, 3, 30, 10, tzinfo=AMS), new_start=datetime(2026, 3, 31, 14, tzinfo=AMS)
    )
    changed = cal.occurrence_cancelled(changed, original_start=datetime(2026, 10, 26, 10, tzinfo=AMS))
    return {
        "progress": progress,
        "checkin": checkin,
        "changed": changed,
        "ended": cal.ended(changed, last_start=datetime(2026, 6, 22, 10, tzinfo=AMS)),
        "open": dataclasses.replace(checkin, until=None),
        "single": dataclasses.replace(progress, kind="driegesprek", interval_weeks=None, until=None),
    }


@pytest.mark.parametrize("name", ["progress", "checkin", "changed", "ended", "open", "single"])
def test_series_stored_and_expanded_alike(dav, progress_series, checkin_series, name: str) -> None:
    series = scenarios(progress_series, checkin_series)[name]
    event = store(dav, cal.series_request(series, dtstamp=DTSTAMP))
    back = icalendar.Calendar.from_ical(event.load().data)
    (master, *_rest) = back.walk("VEVENT")
    assert master["UID"] == series.uid and master["SEQUENCE"] == series.sequence
    assert server_occurrences(dav) == ours(series)


def test_updates_replace_the_stored_object(dav, progress_series) -> None:
    store(dav, cal.series_request(progress_series, dtstamp=DTSTAMP))
    later = cal.ended(progress_series, last_start=datetime(2026, 5, 11, 10, tzinfo=AMS))
    store(dav, cal.series_request(later, dtstamp=DTSTAMP))
    assert len(dav.events()) == 1
    assert server_occurrences(dav) == ours(later)


def test_cancellations_and_single_occurrence_objects_are_accepted(dav, progress_series) -> None:
    original = datetime(2026, 3, 30, 10, tzinfo=AMS)
    moved = cal.moved(progress_series, original_start=original, new_start=datetime(2026, 3, 31, 14, tzinfo=AMS))
    objects = {
        "occurrence_request": cal.occurrence_request(moved, recurrence_id=original, dtstamp=DTSTAMP),
        "occurrence_cancel": cal.occurrence_cancel(
            cal.occurrence_cancelled(progress_series, original_start=original), recurrence_id=original, dtstamp=DTSTAMP
        ),
        "attendee_cancel": cal.attendee_cancel(
            *cal.without_attendee(progress_series, progress_series.attendees[0].email), dtstamp=DTSTAMP
        ),
        "series_cancel": cal.series_cancel(cal.cancelled(progress_series), dtstamp=DTSTAMP),
    }
    for name, data in objects.items():
        # one UID per collection object: give each its own copy of the UID
        data = data.replace(progress_series.uid.encode(), f"{name}-{progress_series.uid}".encode())
        event = store(dav, data)
        assert icalendar.Calendar.from_ical(event.load().data).walk("VEVENT"), name
    stored = {str(e.icalendar_component["UID"]).split("-")[0] for e in dav.events()}
    assert len(stored) == len(objects)


def test_feed_is_accepted_as_is(dav, progress_series, checkin_series) -> None:
    everything = scenarios(progress_series, checkin_series)
    feed = feed_calendar([everything["changed"]], dtstamp=DTSTAMP)
    dav.save_event(feed.decode(), increase_seqno=False)
    assert server_occurrences(dav) == ours(everything["changed"])
