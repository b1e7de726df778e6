"""iTIP objects: structure, updates, and two independent parsers (vobject, recurring-ical-events)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events
import vobject
from dateutil.tz.tz import _tzicalvtz

from integrations import calendar as cal
from integrations import sanitize
from integrations.calendar import CalendarSeries, Participant, check_itip
from integrations.vtimezone import check_against_zoneinfo

from .conftest import AMS, DTSTAMP, icalendar_reference

UTC = UTC


def lines(data: bytes) -> list[str]:
    """Unfolded content lines."""
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def events(data: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(data).walk("VEVENT")


def as_list(value):
    return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------------------------------
# Structure


def test_series_request_holds_what_clients_need(progress_series: CalendarSeries) -> None:
    data = cal.series_request(progress_series, dtstamp=DTSTAMP)
    assert check_itip(data) == []
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0" and calendar["PRODID"]
    (event,) = events(data)
    assert event["UID"] == progress_series.uid
    assert event["SEQUENCE"] == 0
    assert event["DTSTAMP"].dt == DTSTAMP
    assert event["SUMMARY"] == "Voortgangsgesprek"
    assert event["LOCATION"] == "Kantoor Utrecht, kamer 2.14"
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=45)
    organizer = event["ORGANIZER"]
    assert organizer == "mailto:verzuim@example.nl" and organizer.params["CN"] == "Carla de Casemanager"
    attendees = as_list(event["ATTENDEE"])
    assert [str(a) for a in attendees] == ["mailto:mia.manager@example.com", "mailto:jan.werknemer@example.com"]
    for attendee in attendees:
        assert attendee.params["CUTYPE"] == "INDIVIDUAL"
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"
        assert attendee.params["CN"]
    raw = lines(data)
    assert "DTSTART;TZID=Europe/Amsterdam:20260316T100000" in raw
    (rrule,) = [line for line in raw if line.startswith("RRULE:FREQ=WEEKLY")]
    assert "INTERVAL=2" in rrule and "BYDAY=MO" in rrule
    assert re.search(r"UNTIL=20261109T090000Z(;|$)", rrule)  # 10:00 CET is 09:00 UTC, ends in Z
    assert not any(line.startswith("X-") for line in raw)


def test_embedded_vtimezone_is_rrule_style(progress_series: CalendarSeries) -> None:
    data = cal.series_request(progress_series, dtstamp=DTSTAMP)
    (zone,) = icalendar.Calendar.from_ical(data).walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Amsterdam"
    raw = lines(data)
    assert not any(line.startswith("RDATE") for line in raw)
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in raw or "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in raw
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in raw or "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in raw
    (daylight,) = zone.walk("DAYLIGHT")
    (standard,) = zone.walk("STANDARD")
    assert daylight["DTSTART"].dt == datetime(1970, 3, 29, 2, 0)
    assert standard["DTSTART"].dt == datetime(1970, 10, 25, 3, 0)
    assert daylight["TZOFFSETTO"].td == timedelta(hours=2) and standard["TZOFFSETTO"].td == timedelta(hours=1)


def test_written_zone_rules_match_zoneinfo() -> None:
    assert check_against_zoneinfo(2020, 2040) == []


def test_until_given_in_utc_or_another_zone_is_written_in_utc(progress_series: CalendarSeries) -> None:
    for until in (datetime(2026, 11, 9, 9, 0, tzinfo=UTC), datetime(2026, 11, 9, 10, 0, tzinfo=AMS)):
        data = cal.series_request(dataclasses.replace(progress_series, until=until), dtstamp=DTSTAMP)
        assert "UNTIL=20261109T090000Z" in "".join(lines(data))


def test_same_input_same_bytes(progress_series: CalendarSeries) -> None:
    """A retried activity produces the very same calendar object."""
    assert cal.series_request(progress_series, dtstamp=DTSTAMP) == cal.series_request(progress_series, dtstamp=DTSTAMP)


def test_single_event(progress_series: CalendarSeries) -> None:
    series = dataclasses.replace(progress_series, kind="driegesprek", interval_weeks=None, until=None)
    data = cal.series_request(series, dtstamp=DTSTAMP)
    assert check_itip(data) == []
    (event,) = events(data)
    assert "RRULE" not in event and "EXDATE" not in event
    assert cal.occurrences(series) == [(series.start, series.start + timedelta(minutes=45), None)]


# --------------------------------------------------------------------------------------------------
# Updates and cancellations


def test_every_change_raises_sequence_and_keeps_uid(progress_series: CalendarSeries, employee: Participant) -> None:
    buddy = Participant("bob.buddy@example.com", "Bob Buddy")
    steps = [
        lambda s: cal.updated(s, location="Neutrale plek: bibliotheek"),
        lambda s: cal.moved(
            s, original_start=datetime(2026, 3, 30, 10, tzinfo=AMS), new_start=datetime(2026, 3, 31, 14, tzinfo=AMS)
        ),
        lambda s: cal.occurrence_cancelled(s, original_start=datetime(2026, 4, 13, 10, tzinfo=AMS)),
        lambda s: cal.with_attendee(s, buddy),
        lambda s: cal.without_attendee(s, buddy.email)[0],
        lambda s: cal.ended(s, last_start=datetime(2026, 6, 22, 10, tzinfo=AMS)),
        cal.cancelled,
    ]
    series = progress_series
    seen = []
    for step in steps:
        series = step(series)
        data = (cal.series_cancel if step is cal.cancelled else cal.series_request)(series, dtstamp=DTSTAMP)
        assert check_itip(data) == []
        sequences = {int(e["SEQUENCE"]) for e in events(data)}
        uids = {str(e["UID"]) for e in events(data)}
        assert uids == {progress_series.uid}
        seen.append(sequences)
    assert seen == [{n} for n in range(1, len(steps) + 1)]


def test_series_cancel(progress_series: CalendarSeries) -> None:
    series = cal.cancelled(progress_series)
    data = cal.series_cancel(series, dtstamp=DTSTAMP)
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["METHOD"] == "CANCEL"
    (event,) = events(data)
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    assert len(as_list(event["ATTENDEE"])) == 2
    assert "STATUS:CANCELLED" in lines(data)
    assert not calendar.walk("VALARM")


def test_cancel_one_occurrence(progress_series: CalendarSeries) -> None:
    original = datetime(2026, 4, 13, 10, tzinfo=AMS)
    series = cal.occurrence_cancelled(progress_series, original_start=original)
    assert series.exdates == (original,)
    data = cal.occurrence_cancel(series, recurrence_id=original, dtstamp=DTSTAMP)
    assert icalendar.Calendar.from_ical(data)["METHOD"] == "CANCEL"
    (event,) = events(data)
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    assert "RECURRENCE-ID;TZID=Europe/Amsterdam:20260413T100000" in lines(data)
    assert "RRULE" not in event
    # the stored master keeps an EXDATE, so a later full REQUEST does not bring it back
    request = cal.series_request(series, dtstamp=DTSTAMP)
    assert "EXDATE;TZID=Europe/Amsterdam:20260413T100000" in lines(request)
    assert original not in [start for start, _end, _rid in cal.occurrences(series)]


def test_move_one_occurrence(progress_series: CalendarSeries) -> None:
    original = datetime(2026, 3, 30, 10, tzinfo=AMS)
    series = cal.moved(
        progress_series,
        original_start=original,
        new_start=datetime(2026, 3, 31, 14, tzinfo=AMS),
        location="Online: https://meet.example.nl/r/x",
    )
    data = cal.occurrence_request(series, recurrence_id=original, dtstamp=DTSTAMP)
    (event,) = events(data)
    assert "RECURRENCE-ID;TZID=Europe/Amsterdam:20260330T100000" in lines(data)
    assert "DTSTART;TZID=Europe/Amsterdam:20260331T140000" in lines(data)
    assert event["LOCATION"] == "Online: https://meet.example.nl/r/x"
    assert "RRULE" not in event and event["SEQUENCE"] == 1
    # the full request carries master and exception together
    full = events(cal.series_request(series, dtstamp=DTSTAMP))
    assert len(full) == 2 and "RRULE" in full[0] and "RECURRENCE-ID" in full[1]


def test_remove_one_attendee(progress_series: CalendarSeries, employee: Participant, manager: Participant) -> None:
    series, removed = cal.without_attendee(progress_series, manager.email)
    assert removed == manager
    data = cal.attendee_cancel(series, removed, dtstamp=DTSTAMP)
    assert icalendar.Calendar.from_ical(data)["METHOD"] == "CANCEL"
    (event,) = events(data)
    assert [str(a) for a in as_list(event["ATTENDEE"])] == ["mailto:mia.manager@example.com"]
    assert "STATUS" not in event  # the series goes on for the others
    assert event["SEQUENCE"] == 1
    (rest,) = events(cal.series_request(series, dtstamp=DTSTAMP))
    assert [str(a) for a in as_list(rest["ATTENDEE"])] == ["mailto:jan.werknemer@example.com"]
    assert rest["SEQUENCE"] == 1


def test_end_early_and_resume(progress_series: CalendarSeries) -> None:
    series = cal.moved(
        progress_series,
        original_start=datetime(2026, 8, 17, 10, tzinfo=AMS),
        new_start=datetime(2026, 8, 18, 10, tzinfo=AMS),
    )
    series = cal.ended(series, last_start=datetime(2026, 6, 25, 12, tzinfo=AMS))  # not a start: the last before
    assert series.until == datetime(2026, 6, 22, 10, tzinfo=AMS)
    assert series.overrides == ()  # the move after the end is gone
    data = cal.series_request(series, dtstamp=DTSTAMP)
    assert "UNTIL=20260622T080000Z" in "".join(lines(data))  # 10:00 CEST = 08:00 UTC
    assert cal.occurrence_starts(series)[-1] == datetime(2026, 6, 22, 10, tzinfo=AMS)
    again = cal.resumed(series, uid=cal.new_series_uid(), start=datetime(2026, 9, 7, 10, tzinfo=AMS))
    assert again.sequence == 0 and again.uid != series.uid and again.until is None


@pytest.mark.parametrize(
    "bad",
    [
        lambda s: dataclasses.replace(s, start=datetime(2026, 3, 16, 10)),  # naive
        lambda s: dataclasses.replace(s, kind="medical"),
        lambda s: dataclasses.replace(s, attendees=()),
        lambda s: dataclasses.replace(s, uid="has space\r\nX-EVIL:1"),
        lambda s: dataclasses.replace(s, until=datetime(2026, 1, 1, tzinfo=AMS)),
        lambda s: cal.moved(
            s, original_start=datetime(2026, 3, 31, 10, tzinfo=AMS), new_start=datetime(2026, 4, 1, 10, tzinfo=AMS)
        ),  # not an occurrence
        lambda s: cal.updated(s, sequence=7),
    ],
)
def test_refused_inputs(progress_series: CalendarSeries, bad) -> None:
    with pytest.raises(ValueError):
        bad(progress_series)


@pytest.mark.parametrize("email", ["a@b", "x y@example.com", "a@example.com\r\nBcc: b@example.com", "=?x?@example.com"])
def test_participant_refuses_bad_addresses(email: str) -> None:
    with pytest.raises(ValueError):
        Participant(email, "X")


# --------------------------------------------------------------------------------------------------
# Injection


HOSTILE = [
    "Gesprek\r\nBEGIN:VEVENT\r\nUID:evil",
    "Gesprek\nATTENDEE:mailto:evil@example.com",
    "Gesprek\rDTSTART:19700101T000000Z",
    "Gesprek; ROLE=CHAIR, x=?utf-8?q?=0A?=",
    "Gesprek \\n en \\, en \\; en \\\\",
    "Gesprek " + "lang, met; tekens " * 40,
    "Gesprek\u2028X-EVIL:1\u0085\x00\x1b[31m",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_text_never_becomes_a_new_calendar_line(progress_series: CalendarSeries, hostile: str) -> None:
    person = Participant("target@example.com", hostile)
    series = dataclasses.replace(
        progress_series,
        summary=hostile,
        location=hostile,
        description=hostile + "\n" + hostile,
        attendees=(person,),
        organizer=dataclasses.replace(progress_series.organizer, name=hostile),
    )
    for data in (cal.series_request(series, dtstamp=DTSTAMP), cal.series_cancel(series, dtstamp=DTSTAMP)):
        assert check_itip(data) == []
        raw = lines(data)
        assert raw.count("BEGIN:VEVENT") == 1
        assert sum(line.startswith("ATTENDEE") for line in raw) == 1
        assert sum(line.startswith("DTSTART") for line in raw) == 3  # the event and the two zone rules
        assert not any(line.startswith(("X-", "UID:evil")) for line in raw)
        (event,) = events(data)
        summary = str(event["SUMMARY"])
        assert "\r" not in summary and "\n" not in summary and "=?" not in summary
        assert summary.startswith("Gesprek")
        # newlines in a DESCRIPTION stay text: escaped as \n on one content line
        assert str(event["DESCRIPTION"]) == sanitize.free_text(hostile + "\n" + hostile)
        assert sum(line.startswith("DESCRIPTION") for line in raw) == 1
        attendee = event["ATTENDEE"]
        assert str(attendee) == "mailto:target@example.com"
        for parsed in (vobject.readOne(data.decode()),):
            parsed.validate()
            assert len(parsed.vevent.contents["attendee"]) == 1


# --------------------------------------------------------------------------------------------------
# Independent parsers


def _utc(moments) -> list[datetime]:
    return [m.astimezone(UTC) for m in moments]


def test_vobject_validates_and_expands_with_our_vtimezone(progress_series: CalendarSeries) -> None:
    data = cal.series_request(progress_series, dtstamp=DTSTAMP)
    parsed = vobject.readOne(data.decode())
    parsed.validate()
    event = parsed.vevent
    tz = event.dtstart.value.tzinfo
    assert isinstance(tz, _tzicalvtz)  # built from the embedded VTIMEZONE, not the system zoneinfo
    starts = list(event.getrruleset(addRDate=True))
    assert {(s.hour, s.minute) for s in starts} == {(10, 0)}
    assert {s.utcoffset() for s in starts} == {timedelta(hours=1), timedelta(hours=2)}  # both sides of DST
    assert _utc(starts) == _utc(cal.rule_starts(progress_series))
    # around the changes: 16 March and 9 November in winter time, 30 March and 26 October in summer time
    by_date = {s.date().isoformat(): s.astimezone(UTC).hour for s in starts}
    assert by_date["2026-03-16"] == 9 and by_date["2026-03-30"] == 8
    assert by_date["2026-10-12"] == 8 and by_date["2026-10-26"] == 9 and by_date["2026-11-09"] == 9


def test_vobject_weekly_checkins_across_the_autumn_change(checkin_series: CalendarSeries) -> None:
    parsed = vobject.readOne(cal.series_request(checkin_series, dtstamp=DTSTAMP).decode())
    parsed.validate()
    starts = list(parsed.vevent.getrruleset(addRDate=True))
    assert [s.strftime("%m-%d %H:%M") for s in starts] == [
        "10-05 10:00",
        "10-12 10:00",
        "10-19 10:00",
        "10-26 10:00",
        "11-02 10:00",
    ]
    assert _utc(starts) == _utc(cal.rule_starts(checkin_series))


def _changed_series(series: CalendarSeries) -> CalendarSeries:
    series = cal.moved(
        series,
        original_start=datetime(2026, 3, 30, 10, tzinfo=AMS),
        new_start=datetime(2026, 3, 31, 14, tzinfo=AMS),
        duration_minutes=30,
    )
    series = cal.occurrence_cancelled(series, original_start=datetime(2026, 4, 13, 10, tzinfo=AMS))
    return cal.occurrence_cancelled(series, original_start=datetime(2026, 10, 26, 10, tzinfo=AMS))


def test_vobject_honours_exdates(progress_series: CalendarSeries) -> None:
    series = _changed_series(progress_series)
    parsed = vobject.readOne(cal.series_request(series, dtstamp=DTSTAMP).decode())
    parsed.validate()
    master = [e for e in parsed.vevent_list if not hasattr(e, "recurrence_id")][0]
    assert _utc(master.getrruleset(addRDate=True)) == _utc(cal.occurrence_starts(series))


def test_recurring_ical_events_agrees(progress_series: CalendarSeries) -> None:
    series = _changed_series(progress_series)
    calendar = icalendar.Calendar.from_ical(cal.series_request(series, dtstamp=DTSTAMP))
    found = recurring_ical_events.of(calendar).between(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    theirs = sorted((e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC)) for e in found)
    ours = [(start.astimezone(UTC), end.astimezone(UTC)) for start, end, _rid in cal.occurrences(series)]
    assert theirs == ours
    assert (datetime(2026, 3, 31, 12, tzinfo=UTC), datetime(2026, 3, 31, 12, 30, tzinfo=UTC)) in theirs


# --------------------------------------------------------------------------------------------------
# The builders' shortcuts: the same bytes as icalendar alone, and a line check as strict as the full one


def test_full_self_check_runs_on_every_object_built_in_these_tests(
    progress_series: CalendarSeries, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cal, "check_itip", lambda data, **kwargs: ["planted problem"])
    with pytest.raises(AssertionError, match="planted problem"):
        cal.series_request(progress_series, dtstamp=DTSTAMP)


@pytest.mark.parametrize("hostile", ["", *HOSTILE, "Überlang " * 30 + "\\n" * 40, "€" * 80])
def test_same_bytes_as_icalendar_alone(progress_series: CalendarSeries, hostile: str) -> None:
    series = dataclasses.replace(
        progress_series,
        summary="Gesprek " + hostile,
        location=hostile,
        description=hostile,
        organizer=dataclasses.replace(progress_series.organizer, name=hostile or "Carla"),
    )
    series = cal.moved(
        series, original_start=datetime(2026, 3, 30, 10, tzinfo=AMS), new_start=datetime(2026, 3, 31, 14, tzinfo=AMS)
    )
    assert cal.series_request(series, dtstamp=DTSTAMP) == icalendar_reference(series, dtstamp=DTSTAMP)
    assert cal.series_cancel(series, dtstamp=DTSTAMP) == icalendar_reference(series, dtstamp=DTSTAMP, method="CANCEL")


def _fold(text: str) -> bytes:
    """Content lines (unfolded, LF-free) back to CRLF lines of at most 75 octets (ASCII here)."""
    out = []
    for line in text.split("\r\n"):
        chunks = [line[:74]] + [" " + line[i : i + 73] for i in range(74, len(line), 73)]
        out.extend(chunks)
    return "\r\n".join(out).encode()


def _unfolded(data: bytes) -> str:
    return data.decode().replace("\r\n ", "")


def _valid() -> str:
    organizer = Participant("verzuim@example.nl", "Carla", role="CHAIR")
    series = CalendarSeries(
        uid="u-1",
        sequence=1,
        kind="checkin",
        summary="Check-in",
        location="Kantoor",
        start=datetime(2026, 3, 16, 10, tzinfo=AMS),
        duration_minutes=15,
        interval_weeks=1,
        until=datetime(2026, 6, 1, 10, tzinfo=AMS),
        organizer=organizer,
        attendees=(Participant("mia@example.com", "Mia"),),
    )
    series = cal.moved(
        series, original_start=datetime(2026, 3, 23, 10, tzinfo=AMS), new_start=datetime(2026, 3, 24, 10, tzinfo=AMS)
    )
    return _unfolded(cal.series_request(series, dtstamp=DTSTAMP))


BROKEN = {
    "UID missing": lambda t: t.replace("UID:u-1\r\n", "", 1),
    "SUMMARY twice": lambda t: t.replace("SUMMARY:Check-in\r\n", "SUMMARY:Check-in\r\nSUMMARY:Nog een\r\n", 1),
    "X- property": lambda t: t.replace("TRANSP:OPAQUE\r\n", "TRANSP:OPAQUE\r\nX-EVIL:1\r\n", 1),
    "RRULE twice": lambda t: t.replace("RRULE:FREQ=WEEKLY", "RRULE:FREQ=DAILY\r\nRRULE:FREQ=WEEKLY", 1),
    "no VTIMEZONE": lambda t: t[: t.index("BEGIN:VTIMEZONE")] + t[t.index("END:VTIMEZONE\r\n") + 15 :],
    "METHOD PUBLISH": lambda t: t.replace("METHOD:REQUEST", "METHOD:PUBLISH"),
    "no METHOD": lambda t: t.replace("METHOD:REQUEST\r\n", ""),
    "no VERSION": lambda t: t.replace("VERSION:2.0\r\n", ""),
    "two UIDs": lambda t: t[::-1].replace("UID:u-1"[::-1], "UID:u-2"[::-1], 1)[::-1],
    "CANCEL confirmed": lambda t: t.replace("METHOD:REQUEST", "METHOD:CANCEL").replace(
        "TRANSP:OPAQUE\r\n", "TRANSP:OPAQUE\r\nSTATUS:CONFIRMED\r\n", 1
    ),
    "UNTIL not UTC": lambda t: re.sub(r"UNTIL=(\d{8}T\d{6})Z", r"UNTIL=\1", t),
    "no ATTENDEE": lambda t: re.sub(r"ATTENDEE;[^\r]*\r\n", "", t),
    "no ORGANIZER": lambda t: re.sub(r"ORGANIZER;[^\r]*\r\n", "", t),
    "no VEVENT": lambda t: t[: t.index("BEGIN:VEVENT")] + "END:VCALENDAR\r\n",
    "not closed": lambda t: t.replace("END:VCALENDAR\r\n", ""),
    "two VCALENDARs": lambda t: t + t,
}


def test_text_that_looks_like_a_tzid_parameter_is_text(progress_series: CalendarSeries) -> None:
    series = dataclasses.replace(progress_series, summary="Gesprek;TZID=Mars/Olympus:10:00", location="a;TZID=b;c")
    data = cal.series_request(series, dtstamp=DTSTAMP)
    assert check_itip(data) == [] and cal.quick_check_itip(data) == []


def test_the_broken_samples_start_from_a_valid_object() -> None:
    data = _fold(_valid())
    assert check_itip(data) == [] and cal.quick_check_itip(data) == []


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_quick_check_finds_what_the_full_check_finds(name: str) -> None:
    data = _fold(BROKEN[name](_valid()))
    assert check_itip(data), name
    assert cal.quick_check_itip(data), name


@pytest.mark.parametrize(
    "data",
    [
        _fold(_valid()).replace(b"\r\n", b"\n"),
        _fold(_valid())[:-2],
        _unfolded(_fold(_valid())).encode(),  # lines longer than 75 octets
    ],
    ids=["LF", "no final CRLF", "long lines"],
)
def test_quick_check_finds_octet_problems(data: bytes) -> None:
    assert check_itip(data) and cal.quick_check_itip(data)
