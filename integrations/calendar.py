"""iTIP calendar objects (RFC 5546) for the talks of a re-integration case.

Everything here is pure: no clock, no randomness, no I/O, so the workflow may call the
state helpers (:func:`moved`, :func:`occurrence_cancelled`, :func:`ended`, ...) and the activities
the builders (:func:`series_request`, :func:`series_cancel`, ...). The caller makes the UID once
(:func:`new_series_uid`, or ``workflow.uuid4()`` inside a workflow), stores the series and passes
``dtstamp``.

Rules kept here (see ``shared/notes/calendar-email.md``):

- one VCALENDAR with VERSION, PRODID and METHOD; DTSTART/DTEND with ``TZID=Europe/Amsterdam`` and the
  RRULE-style VTIMEZONE of :mod:`integrations.vtimezone`; RRULE ``UNTIL`` in UTC (``...Z``);
- the same UID for the life of a series; every change raises SEQUENCE (the state helpers do that,
  the builders write SEQUENCE as given);
- moving one occurrence is a REQUEST with an exception VEVENT (RECURRENCE-ID = original start);
  cancelling one is a CANCEL with RECURRENCE-ID and STATUS:CANCELLED (and an EXDATE in the stored
  master); ending early is a REQUEST with a new UNTIL; pausing is ending, resuming is a new series;
  removing an attendee is a CANCEL to that person only, without STATUS:CANCELLED, plus a REQUEST to
  the rest;
- no health data anywhere, no user data in X- properties, every text through :mod:`sanitize`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Component, Event, vCalAddress

from integrations import sanitize
from integrations.vtimezone import TZID, ZONE, amsterdam_vtimezone

# Cleaned with remembered results (integrations.sanitize), shared by mail and calendar.
_clean_line = sanitize.cached_one_line
_clean_name = sanitize.cached_display_name
_clean_address = sanitize.cached_address

PRODID = "-//reintegratie//reintegratie 0.1//NL"

KINDS = ("checkin", "progress_talk", "evaluation", "driegesprek")
LANGUAGES = ("nl", "en")
ROLES = ("REQ-PARTICIPANT", "OPT-PARTICIPANT", "CHAIR", "NON-PARTICIPANT")
METHODS = ("REQUEST", "CANCEL", "DECLINECOUNTER")

#: What a DECLINECOUNTER's VEVENT must not carry (RFC 5546 3.2.8: presence 0). It echoes the event
#: (UID, SEQUENCE, RECURRENCE-ID), its ORGANIZER and the proposer; it describes nothing, not even the
#: start that stays: the mail's text says that.
DECLINECOUNTER_FORBIDDEN = (
    "ATTACH",
    "CATEGORIES",
    "CLASS",
    "CONTACT",
    "CREATED",
    "DESCRIPTION",
    "DTEND",
    "DTSTART",
    "DURATION",
    "EXDATE",
    "GEO",
    "LAST-MODIFIED",
    "LOCATION",
    "PRIORITY",
    "RDATE",
    "RELATED-TO",
    "RESOURCES",
    "RRULE",
    "STATUS",
    "SUMMARY",
    "TRANSP",
    "URL",
)

_UID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# --------------------------------------------------------------------------------------------------
# The data


@dataclass(frozen=True)
class Participant:
    email: str
    name: str
    language: str = "nl"  # "nl" or "en": language of the mail text
    role: str = "REQ-PARTICIPANT"  # iCalendar ROLE: REQ-PARTICIPANT, OPT-PARTICIPANT, CHAIR

    def __post_init__(self) -> None:
        _clean_address(self.email)  # raises InvalidAddressError (a ValueError)
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, not {self.role!r}")


@dataclass(frozen=True)
class MovedOccurrence:
    """One occurrence of a recurring series at another time or place than the rule says."""

    recurrence_id: datetime  # the original start of the occurrence, as the rule makes it
    start: datetime  # the new start, timezone-aware
    duration_minutes: int | None = None  # None: the series' duration
    location: str | None = None  # None: the series' location

    def __post_init__(self) -> None:
        _require_aware("recurrence_id", self.recurrence_id)
        _require_aware("start", self.start)
        if self.duration_minutes is not None and self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")


@dataclass(frozen=True)
class CalendarSeries:
    uid: str  # made once by the workflow (stable), stored; never regenerated
    sequence: int
    kind: str  # "checkin" | "progress_talk" | "evaluation" | "driegesprek"
    summary: str  # no health data, ever
    location: str  # office / neutral place / online link
    start: datetime  # timezone-aware; written with TZID=Europe/Amsterdam
    duration_minutes: int
    interval_weeks: int | None  # None = a single event; 1 = weekly; 2 = every two weeks
    until: datetime | None  # last kept start; written as UTC ...Z
    organizer: Participant  # the product's mailbox, CN = casemanager's name
    attendees: tuple[Participant, ...]
    exdates: tuple[datetime, ...] = ()
    description: str = ""
    overrides: tuple[MovedOccurrence, ...] = ()  # moved occurrences, kept with the master

    def __post_init__(self) -> None:
        if not isinstance(self.uid, str) or not _UID.match(self.uid):
            raise ValueError("uid must be 1-128 characters of letters, digits and . _ @ -")
        if self.sequence < 0:
            raise ValueError("sequence must be >= 0")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {self.kind!r}")
        _require_aware("start", self.start)
        if self.duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive")
        if self.interval_weeks is not None and self.interval_weeks < 1:
            raise ValueError("interval_weeks must be None or >= 1")
        if self.until is not None:
            _require_aware("until", self.until)
            if self.until < self.start:
                raise ValueError("until lies before start")
        for exdate in self.exdates:
            _require_aware("exdates", exdate)
        if not self.attendees:
            raise ValueError("a series needs at least one attendee")
        if not _clean_line(self.summary):
            raise ValueError("summary is empty")
        emails = [a.email.lower() for a in self.attendees]
        if len(set(emails)) != len(emails):
            raise ValueError("an attendee is listed twice")

    @property
    def recurring(self) -> bool:
        return self.interval_weeks is not None

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)


def _require_aware(field: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be a timezone-aware datetime")


def new_series_uid() -> str:
    """A random UID for a new series (RFC 7986: no user, host or domain data in it).

    Inside a workflow use ``str(workflow.uuid4())`` instead, which is replay-safe."""
    return str(uuid.uuid4())


def recurrence_key(moment: datetime | None) -> str | None:
    """A RECURRENCE-ID as text for keys and storage: the instant in UTC, ``YYYYMMDDTHHMMSSZ``."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# --------------------------------------------------------------------------------------------------
# Occurrences (what the series means, computed without any calendar library)


def _wall_clock(moment: datetime) -> datetime:
    return moment.astimezone(ZONE).replace(tzinfo=None)


def _in_zone(naive: datetime) -> datetime:
    return naive.replace(tzinfo=ZONE)


def rule_starts(series: CalendarSeries, *, window_end: datetime | None = None) -> list[datetime]:
    """The starts the rule makes (before EXDATEs and moves), in Europe/Amsterdam.

    Weekly series keep their wall-clock time across DST changes (10:00 stays 10:00). An open series
    (``until`` None) needs ``window_end``."""
    first = series.start.astimezone(ZONE)
    if not series.recurring:
        return [first]
    last = series.until
    if window_end is not None:
        last = window_end if last is None else min(last, window_end)
    if last is None:
        raise ValueError("an open series needs a window_end")
    starts = []
    base = _wall_clock(series.start)
    step = timedelta(weeks=series.interval_weeks or 1)
    k = 0
    while True:
        moment = _in_zone(base + k * step)
        if moment > last:
            break
        starts.append(moment)
        k += 1
    return starts


def occurrence_starts(series: CalendarSeries, *, window_end: datetime | None = None) -> list[datetime]:
    """The original starts of the occurrences that still take place (EXDATEs removed)."""
    excluded = set(series.exdates)
    return [start for start in rule_starts(series, window_end=window_end) if start not in excluded]


def occurrences(
    series: CalendarSeries, *, window_end: datetime | None = None
) -> list[tuple[datetime, datetime, datetime | None]]:
    """(start, end, recurrence_id) of every occurrence, with moves applied, sorted by start.

    ``recurrence_id`` is None for a single event."""
    if not series.recurring:
        start = series.start.astimezone(ZONE)
        return [(start, start + series.duration, None)]
    moves = {move.recurrence_id: move for move in series.overrides}
    result = []
    for original in occurrence_starts(series, window_end=window_end):
        move = moves.get(original)
        if move is None:
            result.append((original, original + series.duration, original))
        else:
            start = move.start.astimezone(ZONE)
            minutes = move.duration_minutes or series.duration_minutes
            result.append((start, start + timedelta(minutes=minutes), original))
    return sorted(result, key=lambda item: item[0])


def _require_occurrence(series: CalendarSeries, original_start: datetime) -> datetime:
    _require_aware("original_start", original_start)
    if not series.recurring:
        raise ValueError("a single event has no occurrences to change: update the series instead")
    if original_start not in rule_starts(series, window_end=original_start):
        raise ValueError(f"{original_start.isoformat()} is not an occurrence of series {series.uid}")
    if original_start in series.exdates:
        raise ValueError(f"the occurrence at {original_start.isoformat()} is already cancelled")
    return original_start.astimezone(ZONE)


# --------------------------------------------------------------------------------------------------
# Changes to a series: pure functions returning the next stored state (SEQUENCE + 1)


def updated(series: CalendarSeries, **changes: Any) -> CalendarSeries:
    """Any change of the series (time, place, duration, summary, attendees): SEQUENCE + 1.

    Send :func:`series_request` of the result to every attendee."""
    if "uid" in changes or "sequence" in changes:
        raise ValueError("uid and sequence are not changed by hand")
    return dataclasses.replace(series, sequence=series.sequence + 1, **changes)


def moved(
    series: CalendarSeries,
    *,
    original_start: datetime,
    new_start: datetime,
    duration_minutes: int | None = None,
    location: str | None = None,
) -> CalendarSeries:
    """Move one occurrence. Send :func:`occurrence_request` (or :func:`series_request`) of the result."""
    original = _require_occurrence(series, original_start)
    move = MovedOccurrence(original, new_start.astimezone(ZONE), duration_minutes, location)
    others = tuple(m for m in series.overrides if m.recurrence_id != original)
    overrides = tuple(sorted(others + (move,), key=lambda m: m.recurrence_id))
    return dataclasses.replace(series, sequence=series.sequence + 1, overrides=overrides)


def occurrence_cancelled(series: CalendarSeries, *, original_start: datetime) -> CalendarSeries:
    """Cancel one occurrence: EXDATE in the master, its move (if any) dropped.

    Send :func:`occurrence_cancel` of the result, with the same ``original_start``."""
    original = _require_occurrence(series, original_start)
    exdates = tuple(sorted(set(series.exdates) | {original}))
    overrides = tuple(m for m in series.overrides if m.recurrence_id != original)
    return dataclasses.replace(series, sequence=series.sequence + 1, exdates=exdates, overrides=overrides)


def ended(series: CalendarSeries, *, last_start: datetime) -> CalendarSeries:
    """End a recurring series early (or pause it): ``last_start`` is the last occurrence kept.

    Send :func:`series_request` of the result (RRULE with the new UNTIL). Resume later with
    :func:`resumed`, a new series with a new UID."""
    _require_aware("last_start", last_start)
    if not series.recurring:
        raise ValueError("only a recurring series can end early; cancel a single event instead")
    if last_start < series.start:
        raise ValueError("last_start lies before the first occurrence: cancel the series instead")
    kept = [s for s in rule_starts(series, window_end=last_start)]
    last = kept[-1]
    exdates = tuple(d for d in series.exdates if d <= last)
    overrides = tuple(m for m in series.overrides if m.recurrence_id <= last)
    return dataclasses.replace(series, sequence=series.sequence + 1, until=last, exdates=exdates, overrides=overrides)


def resumed(series: CalendarSeries, *, uid: str, start: datetime, until: datetime | None = None) -> CalendarSeries:
    """A new series (new UID, SEQUENCE 0) that continues a paused one from ``start``."""
    if uid == series.uid:
        raise ValueError("a resumed series needs a new uid")
    return dataclasses.replace(series, uid=uid, sequence=0, start=start, until=until, exdates=(), overrides=())


def without_attendee(series: CalendarSeries, email: str) -> tuple[CalendarSeries, Participant]:
    """Remove one attendee: returns (next series, the removed participant).

    Send :func:`attendee_cancel` (next series, removed) to the removed person only, and
    :func:`series_request` of the next series to everyone left."""
    wanted = email.lower()
    removed = [a for a in series.attendees if a.email.lower() == wanted]
    if not removed:
        raise ValueError(f"{email} is not an attendee of series {series.uid}")
    left = tuple(a for a in series.attendees if a.email.lower() != wanted)
    if not left:
        raise ValueError("removing the last attendee: cancel the series instead")
    return dataclasses.replace(series, sequence=series.sequence + 1, attendees=left), removed[0]


def with_attendee(series: CalendarSeries, participant: Participant) -> CalendarSeries:
    """Add one attendee (a new buddy, the coach): send :func:`series_request` of the result to all."""
    if any(a.email.lower() == participant.email.lower() for a in series.attendees):
        raise ValueError(f"{participant.email} is already an attendee")
    return dataclasses.replace(series, sequence=series.sequence + 1, attendees=series.attendees + (participant,))


def cancelled(series: CalendarSeries) -> CalendarSeries:
    """The whole series is cancelled: send :func:`series_cancel` of the result to every attendee."""
    return dataclasses.replace(series, sequence=series.sequence + 1)


# --------------------------------------------------------------------------------------------------
# Building the calendar objects


def _address(participant: Participant, *, attendee: bool) -> vCalAddress:
    # The name as it was entered: icalendar writes CN as a quoted-string when it holds , ; or :, and
    # a double quote (which RFC 5545 forbids inside one) as RFC 6868's ^' (and ^ as ^^).
    name = _clean_name(participant.name) or None
    if not attendee:
        return vCalAddress.new(_clean_address(participant.email), cn=name)
    return vCalAddress.new(
        _clean_address(participant.email),
        cn=name,
        cutype="INDIVIDUAL",
        role=participant.role,
        partstat="NEEDS-ACTION",
        rsvp=True,
    )


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    if method is not None:
        calendar.add("METHOD", method)
    return calendar


def _event(
    series: CalendarSeries,
    *,
    dtstamp: datetime,
    start: datetime,
    minutes: int,
    location: str,
    recurrence_id: datetime | None = None,
    rule: bool = False,
    attendees: Iterable[Participant] | None = None,
    status: str | None = None,
    people: bool = True,
) -> Event:
    event = Event()
    event.add("UID", series.uid)
    event.add("DTSTAMP", dtstamp.astimezone(UTC))
    event.add("SEQUENCE", series.sequence)
    if recurrence_id is not None:
        event.add("RECURRENCE-ID", recurrence_id.astimezone(ZONE))
    local_start = start.astimezone(ZONE)
    event.add("DTSTART", local_start)
    event.add("DTEND", local_start + timedelta(minutes=minutes))
    if rule:
        rrule: dict[str, object] = {"FREQ": "WEEKLY"}
        if series.until is not None:
            rrule["UNTIL"] = series.until.astimezone(UTC)  # icalendar does not convert
        rrule["INTERVAL"] = series.interval_weeks
        rrule["BYDAY"] = _WEEKDAYS[local_start.weekday()]
        event.add("RRULE", rrule)
        if series.exdates:
            event.add("EXDATE", [d.astimezone(ZONE) for d in sorted(series.exdates)])
    event.add("SUMMARY", _clean_line(series.summary))
    place = _clean_line(location, limit=500)
    if place:
        event.add("LOCATION", place)
    text = sanitize.free_text(series.description)
    if text:
        event.add("DESCRIPTION", text)
    event.add("CLASS", "PRIVATE")  # shared calendars show "busy", not who meets about what
    event.add("TRANSP", "OPAQUE")
    if status is not None:
        event.add("STATUS", status)
    if people:
        event.add("ORGANIZER", _address(series.organizer, attendee=False))
        for participant in series.attendees if attendees is None else attendees:
            event.add("ATTENDEE", _address(participant, attendee=True))
    return event


def _master(series: CalendarSeries, *, dtstamp: datetime, **kwargs: Any) -> Event:
    return _event(
        series,
        dtstamp=dtstamp,
        start=series.start,
        minutes=series.duration_minutes,
        location=series.location,
        rule=series.recurring,
        **kwargs,
    )


def _override(series: CalendarSeries, move: MovedOccurrence, *, dtstamp: datetime, **kwargs: Any) -> Event:
    return _event(
        series,
        dtstamp=dtstamp,
        start=move.start,
        minutes=move.duration_minutes or series.duration_minutes,
        location=series.location if move.location is None else move.location,
        recurrence_id=move.recurrence_id,
        **kwargs,
    )


def live_overrides(series: CalendarSeries) -> list[MovedOccurrence]:
    if not series.recurring:
        return []
    excluded = set(series.exdates)
    return [
        m
        for m in series.overrides
        if m.recurrence_id not in excluded and (series.until is None or m.recurrence_id <= series.until)
    ]


@functools.cache
def _vtimezone_bytes() -> bytes:
    """The VTIMEZONE as icalendar writes it, made once: it is the same in every invitation."""
    data: bytes = amsterdam_vtimezone().to_ical()  # icalendar leaves to_ical() unannotated
    return data


_FULL_SELF_CHECK = False


def set_full_self_check(enabled: bool) -> None:
    """Run the full, parsing :func:`check_itip` on every calendar object built (the tests do).

    Off by default: it re-parses what was just written and costs more than building it. The
    built objects always pass the cheap line check :func:`quick_check_itip`."""
    global _FULL_SELF_CHECK
    _FULL_SELF_CHECK = enabled


def _finish(calendar: Calendar, events: Iterable[Event], *, zone: bool = True) -> bytes:
    """The calendar's bytes, checked; ``zone``: with the VTIMEZONE (every object whose times name
    Europe/Amsterdam; a DECLINECOUNTER without RECURRENCE-ID names no time)."""
    for event in events:
        calendar.add_component(event)
    data = _to_ical(calendar)
    if zone:
        data = _with_vtimezone(data)
    problems = quick_check_itip(data)
    if not problems and _FULL_SELF_CHECK:
        problems = check_itip(data)
    if problems:  # a bug here, never a user's doing: refuse to send a broken invitation
        raise AssertionError("invalid iTIP object: " + "; ".join(problems))
    return data


def _to_ical(component: Component) -> bytes:
    """``component.to_ical()``, without icalendar's character-by-character folding for the lines
    that need no folding (most of them; that loop was a quarter of the cost of an invitation).

    icalendar folds a line once it reaches 75 octets; a shorter line is written as it is. The
    tests compare the result with ``to_ical()`` byte for byte."""
    lines = []
    for line in component.content_lines():
        if line:
            data = line.encode("utf-8")
            lines.append(data if len(data) < 75 else line.to_ical())
    return b"\r\n".join(lines) + b"\r\n"


def _with_vtimezone(data: bytes) -> bytes:
    """Insert the VTIMEZONE before the first VEVENT: the bytes icalendar writes when the zone is
    added as the first component, without parsing the zone again for every message."""
    head, marker, tail = data.partition(b"\r\nBEGIN:VEVENT\r\n")
    if not marker:
        raise AssertionError("a calendar object without a VEVENT")
    return head + b"\r\n" + _vtimezone_bytes() + marker[2:] + tail


def series_request(series: CalendarSeries, *, dtstamp: datetime) -> bytes:
    """METHOD:REQUEST with the master (and every moved occurrence) for all attendees.

    Used for a new series and for every change of the whole series (time, place, attendees, UNTIL,
    EXDATE). The SEQUENCE is written as given."""
    events = [_master(series, dtstamp=dtstamp)]
    events += [_override(series, move, dtstamp=dtstamp) for move in live_overrides(series)]
    return _finish(_calendar("REQUEST"), events)


def series_cancel(series: CalendarSeries, *, dtstamp: datetime) -> bytes:
    """METHOD:CANCEL of the whole series for all attendees, STATUS:CANCELLED, SEQUENCE as given."""
    return _finish(_calendar("CANCEL"), [_master(series, dtstamp=dtstamp, status="CANCELLED")])


def occurrence_request(series: CalendarSeries, *, recurrence_id: datetime, dtstamp: datetime) -> bytes:
    """METHOD:REQUEST with only the exception VEVENT of one moved occurrence (after :func:`moved`)."""
    for move in series.overrides:
        if move.recurrence_id == recurrence_id:
            return _finish(_calendar("REQUEST"), [_override(series, move, dtstamp=dtstamp)])
    raise ValueError(f"no moved occurrence at {recurrence_id.isoformat()} in series {series.uid}")


def occurrence_cancel(series: CalendarSeries, *, recurrence_id: datetime, dtstamp: datetime) -> bytes:
    """METHOD:CANCEL of one occurrence: RECURRENCE-ID (original start) and STATUS:CANCELLED."""
    _require_aware("recurrence_id", recurrence_id)
    if not series.recurring:
        raise ValueError("a single event has no occurrences: use series_cancel")
    event = _event(
        series,
        dtstamp=dtstamp,
        start=recurrence_id,
        minutes=series.duration_minutes,
        location=series.location,
        recurrence_id=recurrence_id,
        status="CANCELLED",
    )
    return _finish(_calendar("CANCEL"), [event])


def attendee_cancel(series: CalendarSeries, removed: Participant, *, dtstamp: datetime) -> bytes:
    """METHOD:CANCEL for one removed attendee only, without STATUS:CANCELLED (the series goes on
    for the others). ``series`` is the state after :func:`without_attendee`."""
    return _finish(_calendar("CANCEL"), [_master(series, dtstamp=dtstamp, attendees=[removed])])


def decline_counter(
    series: CalendarSeries,
    proposer: Participant,
    *,
    dtstamp: datetime,
    recurrence_id: datetime | None = None,
) -> bytes:
    """METHOD:DECLINECOUNTER (RFC 5546 3.2.8): the organizer tells ``proposer`` that their COUNTER
    (a proposed other time) is not taken up, so their calendar keeps the talk as it is.

    The VEVENT echoes UID and the series' current SEQUENCE, with RECURRENCE-ID (the original start)
    when the COUNTER was about one occurrence of a recurring series, and carries ORGANIZER, DTSTAMP
    and the proposer as ATTENDEE. RFC 5546 forbids the rest here (DTSTART, DTEND, SUMMARY, LOCATION,
    RRULE, ...: :data:`DECLINECOUNTER_FORBIDDEN`): the start that stays is said in the mail's text."""
    event = Event()
    event.add("UID", series.uid)
    event.add("DTSTAMP", dtstamp.astimezone(UTC))
    event.add("SEQUENCE", series.sequence)
    if recurrence_id is not None:
        _require_aware("recurrence_id", recurrence_id)
        if not series.recurring:
            raise ValueError("a single event has no occurrences: decline the counter without recurrence_id")
        event.add("RECURRENCE-ID", recurrence_id.astimezone(ZONE))
    event.add("ORGANIZER", _address(series.organizer, attendee=False))
    event.add("ATTENDEE", _address(proposer, attendee=False))  # no RSVP: nothing is asked of them
    return _finish(_calendar("DECLINECOUNTER"), [event], zone=recurrence_id is not None)


def strip_method(data: bytes) -> bytes:
    """The same calendar without METHOD, as a CalDAV server or a feed wants it."""
    calendar = Calendar.from_ical(data)
    calendar.pop("METHOD", None)
    stripped: bytes = calendar.to_ical()  # icalendar leaves to_ical() unannotated
    return stripped


# --------------------------------------------------------------------------------------------------
# Storage form (JSON-safe), for the SQL read model and the feeds


def _when(value: datetime) -> str:
    return value.isoformat()


def _parse_when(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    _require_aware("stored datetime", value)
    return value.astimezone(ZONE)


def _person(participant: Participant) -> dict[str, str]:
    return dataclasses.asdict(participant)


def series_to_dict(series: CalendarSeries) -> dict[str, object]:
    """A JSON-safe dict of the series (instants kept exactly; read back in Europe/Amsterdam)."""
    return {
        "uid": series.uid,
        "sequence": series.sequence,
        "kind": series.kind,
        "summary": series.summary,
        "location": series.location,
        "start": _when(series.start),
        "duration_minutes": series.duration_minutes,
        "interval_weeks": series.interval_weeks,
        "until": None if series.until is None else _when(series.until),
        "organizer": _person(series.organizer),
        "attendees": [_person(a) for a in series.attendees],
        "exdates": [_when(d) for d in series.exdates],
        "description": series.description,
        "overrides": [
            {
                "recurrence_id": _when(m.recurrence_id),
                "start": _when(m.start),
                "duration_minutes": m.duration_minutes,
                "location": m.location,
            }
            for m in series.overrides
        ],
    }


def series_from_dict(data: dict[str, Any]) -> CalendarSeries:
    return CalendarSeries(
        uid=data["uid"],
        sequence=int(data["sequence"]),
        kind=data["kind"],
        summary=data["summary"],
        location=data["location"],
        start=_parse_when(data["start"]),
        duration_minutes=int(data["duration_minutes"]),
        interval_weeks=data["interval_weeks"],
        until=None if data["until"] is None else _parse_when(data["until"]),
        organizer=Participant(**data["organizer"]),
        attendees=tuple(Participant(**a) for a in data["attendees"]),
        exdates=tuple(_parse_when(d) for d in data.get("exdates", ())),
        description=data.get("description", ""),
        overrides=tuple(
            MovedOccurrence(
                recurrence_id=_parse_when(m["recurrence_id"]),
                start=_parse_when(m["start"]),
                duration_minutes=m.get("duration_minutes"),
                location=m.get("location"),
            )
            for m in data.get("overrides", ())
        ),
    )


# --------------------------------------------------------------------------------------------------
# Our own iTIP checks (icalendar's validate() checks almost nothing)

_ALLOWED_X = {"X-WR-CALNAME", "X-PUBLISHED-TTL", "X-WR-TIMEZONE"}


def check_itip(data: bytes, *, feed: bool = False) -> list[str]:
    """Problems of a calendar object as we send it (empty list: fine).

    ``feed=True`` checks a subscription feed: no METHOD, no ORGANIZER/ATTENDEE required."""
    problems: list[str] = []
    if b"\n" in data.replace(b"\r\n", b"") or b"\r" in data.replace(b"\r\n", b""):
        problems.append("line ends other than CRLF")
    if not data.endswith(b"\r\n"):
        problems.append("does not end with CRLF")
    for line in data.split(b"\r\n"):
        if len(line) > 75:
            problems.append("line longer than 75 octets")
            break
    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except ValueError as exc:
        return problems + [f"does not parse: {exc}"]
    if len(calendars) != 1:
        return problems + ["not exactly one VCALENDAR"]
    calendar = calendars[0]
    for name in ("VERSION", "PRODID"):
        if name not in calendar:
            problems.append(f"VCALENDAR without {name}")
    method = str(calendar.get("METHOD", "")) or None
    if feed:
        if method is not None:
            problems.append("a feed carries no METHOD")
    elif method not in METHODS:
        problems.append(f"METHOD is {method!r}")
    for component in calendar.walk():
        if getattr(component, "errors", None):
            problems.append(f"{component.name}: parse errors {component.errors}")
        for key in component:
            if key.upper().startswith("X-") and key.upper() not in _ALLOWED_X:
                problems.append(f"{component.name} has {key}")
    zones = {str(z["TZID"]) for z in calendar.walk("VTIMEZONE")}
    used: set[str] = set()
    for line in data.replace(b"\r\n ", b"").split(b"\r\n"):
        match = _CONTENT_LINE.fullmatch(line)  # TZID parameters only, never text that looks like one
        if match is not None:
            used.update(tzid.strip(b'"').decode() for tzid in _TZID_PARAM.findall(match.group(2)))
    for tzid in used - zones:
        problems.append(f"no VTIMEZONE for {tzid}")
    events = calendar.walk("VEVENT")
    if not events:
        problems.append("no VEVENT")
    uids = {str(e.get("UID")) for e in events}
    if len(uids) > 1 and not feed:  # an iTIP message is about one event; a feed holds many
        problems.append("VEVENTs with different UIDs")
    declining = method == "DECLINECOUNTER"
    for event in events:
        where = f"VEVENT {event.get('UID')}"
        required = ("UID", "DTSTAMP", "SEQUENCE") if declining else ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "SEQUENCE")
        for name in required:
            values = event.get(name)
            if values is None:
                problems.append(f"{where} without {name}")
            elif isinstance(values, list):
                problems.append(f"{where} has {name} more than once")
        if declining:
            problems += [f"{where}: DECLINECOUNTER with {name}" for name in DECLINECOUNTER_FORBIDDEN if name in event]
            problems += [f"{where}: DECLINECOUNTER with {c.name}" for c in event.subcomponents]
        rrules = event.get("RRULE")
        if isinstance(rrules, list):
            problems.append(f"{where} has RRULE more than once")
        if not feed:
            if event.get("ORGANIZER") is None:
                problems.append(f"{where} without ORGANIZER")
            if event.get("ATTENDEE") is None:
                problems.append(f"{where} without ATTENDEE")
        if method == "CANCEL" and event.get("STATUS") not in (None, "CANCELLED"):
            problems.append(f"{where}: CANCEL with STATUS {event.get('STATUS')}")
    unfolded = data.replace(b"\r\n ", b"")
    for line in unfolded.split(b"\r\n"):
        if line.startswith(b"RRULE") and b"UNTIL=" in line:
            until = re.search(rb"UNTIL=([0-9TZ]+)", line)
            if until is None or not until.group(1).endswith(b"Z"):
                problems.append("RRULE UNTIL not in UTC")
    return problems


# A content line: name, parameters (values quoted or free of ; : , and "), ":", value.
_CONTENT_LINE = re.compile(
    rb'([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*):(.*)', re.DOTALL
)
_TZID_PARAM = re.compile(rb';TZID=("[^"]*"|[^";:,]*)', re.IGNORECASE)
_EVENT_ONCE = (b"UID", b"DTSTAMP", b"DTSTART", b"SUMMARY", b"SEQUENCE")


def _octet_problems(data: bytes) -> list[str]:
    problems = []
    rest = data.replace(b"\r\n", b"")
    if b"\n" in rest or b"\r" in rest:
        problems.append("line ends other than CRLF")
    if not data.endswith(b"\r\n"):
        problems.append("does not end with CRLF")
    if any(len(line) > 75 for line in data.split(b"\r\n")):
        problems.append("line longer than 75 octets")
    return problems


def quick_check_itip(data: bytes) -> list[str]:
    """The iTIP rules of :func:`check_itip`, checked on the content lines without a parser.

    Cheap enough for every message the builders make; :func:`check_itip` (a real parse, and the
    parser's own complaints) is the full check the tests run on everything they build."""
    problems = _octet_problems(data)
    scan = _Scan()
    broken = scan.read(data.replace(b"\r\n ", b"").replace(b"\r\n\t", b"").split(b"\r\n")[:-1])
    if broken:
        return problems + [broken]
    problems += scan.x_properties
    for name in (b"VERSION", b"PRODID"):
        if name not in scan.calendar:
            problems.append(f"VCALENDAR without {name.decode()}")
    methods = scan.calendar.get(b"METHOD", [])
    method = methods[0].decode() if len(methods) == 1 else None
    if method not in METHODS:
        problems.append(f"METHOD is {method!r}")
    problems += [f"no VTIMEZONE for {tzid.decode()}" for tzid in sorted(scan.tzids - scan.zones)]
    if not scan.events:
        problems.append("no VEVENT")
    if len({tuple(event.get(b"UID", [])) for event in scan.events}) > 1:
        problems.append("VEVENTs with different UIDs")
    for event in scan.events:
        problems += _event_problems(event, method)
    if method == "DECLINECOUNTER" and scan.alarms:
        problems.append("DECLINECOUNTER with VALARM")
    return problems


class _Scan:
    """The properties of a calendar object, line by line: those of the VCALENDAR, those of each
    VEVENT, the VTIMEZONEs there are and the TZIDs the lines use."""

    def __init__(self) -> None:
        self.stack: list[bytes] = []
        self.calendars = 0
        self.calendar: dict[bytes, list[bytes]] = {}
        self.events: list[dict[bytes, list[bytes]]] = []
        self.zones: set[bytes] = set()
        self.tzids: set[bytes] = set()
        self.x_properties: list[str] = []
        self.alarms = 0

    def read(self, lines: list[bytes]) -> str | None:
        """Take in every line; returns why the object does not parse, if it does not."""
        for line in lines:
            match = _CONTENT_LINE.fullmatch(line)
            if match is None:
                return f"does not parse: {line[:40]!r}"
            problem = self._line(match.group(1).upper(), match.group(2), match.group(3))
            if problem:
                return problem
        if self.stack:
            return "does not parse: a component is not closed"
        if self.calendars != 1:
            return "not exactly one VCALENDAR"
        return None

    def _line(self, name: bytes, params: bytes, value: bytes) -> str | None:
        if name == b"BEGIN":
            self.stack.append(value.upper())
            self.calendars += self.stack == [b"VCALENDAR"]
            if self.stack[-1] == b"VEVENT":
                self.events.append({})
            self.alarms += self.stack[-1] == b"VALARM"
        elif name == b"END":
            if not self.stack or self.stack.pop() != value.upper():
                return "does not parse: BEGIN and END do not match"
        elif not self.stack:
            return "does not parse: a property outside VCALENDAR"
        else:
            self._property(name, params, value)
        return None

    def _property(self, name: bytes, params: bytes, value: bytes) -> None:
        where = self.stack[-1]
        if name.startswith(b"X-") and name.decode() not in _ALLOWED_X:
            self.x_properties.append(f"{where.decode()} has {name.decode()}")
        self.tzids.update(tzid.strip(b'"') for tzid in _TZID_PARAM.findall(params))
        if self.stack == [b"VCALENDAR"]:
            self.calendar.setdefault(name, []).append(value)
        elif where == b"VEVENT":
            self.events[-1].setdefault(name, []).append(value)
        elif where == b"VTIMEZONE" and name == b"TZID":
            self.zones.add(value)


def _event_problems(event: dict[bytes, list[bytes]], method: str | None) -> list[str]:
    where = f"VEVENT {b','.join(event.get(b'UID', [])).decode()}"
    if method == "DECLINECOUNTER":
        return _declinecounter_problems(event, where)
    problems = []
    for name in _EVENT_ONCE:
        count = len(event.get(name, []))
        if count != 1:
            problems.append(
                f"{where} without {name.decode()}" if count == 0 else f"{where} has {name.decode()} more than once"
            )
    rrules = event.get(b"RRULE", [])
    if len(rrules) > 1:
        problems.append(f"{where} has RRULE more than once")
    for rule in rrules:
        until = re.search(rb"UNTIL=([0-9TZ]+)", rule)
        if b"UNTIL=" in rule and (until is None or not until.group(1).endswith(b"Z")):
            problems.append("RRULE UNTIL not in UTC")
    for name in (b"ORGANIZER", b"ATTENDEE"):
        if name not in event:
            problems.append(f"{where} without {name.decode()}")
    if method == "CANCEL" and event.get(b"STATUS", [b"CANCELLED"]) != [b"CANCELLED"]:
        problems.append(f"{where}: CANCEL with STATUS {event[b'STATUS']}")
    return problems


def _declinecounter_problems(event: dict[bytes, list[bytes]], where: str) -> list[str]:
    """RFC 5546 3.2.8: UID, DTSTAMP and ORGANIZER once, SEQUENCE at most once (we always write it),
    RECURRENCE-ID at most once, at least one ATTENDEE, and nothing of :data:`DECLINECOUNTER_FORBIDDEN`."""
    problems = []
    for name in (b"UID", b"DTSTAMP", b"ORGANIZER", b"SEQUENCE"):
        count = len(event.get(name, []))
        if count != 1:
            problems.append(
                f"{where} without {name.decode()}" if count == 0 else f"{where} has {name.decode()} more than once"
            )
    if len(event.get(b"RECURRENCE-ID", [])) > 1:
        problems.append(f"{where} has RECURRENCE-ID more than once")
    if b"ATTENDEE" not in event:
        problems.append(f"{where} without ATTENDEE")
    problems += [f"{where}: DECLINECOUNTER with {name}" for name in DECLINECOUNTER_FORBIDDEN if name.encode() in event]
    return problems


__all__ = [
    "KINDS",
    "PRODID",
    "live_overrides",
    "TZID",
    "CalendarSeries",
    "MovedOccurrence",
    "Participant",
    "attendee_cancel",
    "cancelled",
    "check_itip",
    "decline_counter",
    "quick_check_itip",
    "set_full_self_check",
    "ended",
    "moved",
    "new_series_uid",
    "occurrence_cancel",
    "occurrence_cancelled",
    "occurrence_request",
    "occurrence_starts",
    "occurrences",
    "recurrence_key",
    "resumed",
    "rule_starts",
    "series_cancel",
    "series_from_dict",
    "series_request",
    "series_to_dict",
    "strip_method",
    "updated",
    "with_attendee",
    "without_attendee",
]
