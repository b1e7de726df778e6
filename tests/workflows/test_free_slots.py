"""Issue 18, finding 3: a manager's cases never book two talks at once in the manager's calendar.

Two cases of one manager, both with the default contact preference (Monday 10:00), on the real
time-skipping server with the real activities, SMTP sink and SQLite store: the invitations the
manager receives, expanded as a calendar client expands them, never overlap."""

from __future__ import annotations

import email
import email.policy
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import icalendar
import recurring_ical_events
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from contracts import Person
from states.config import TZ
from tests.support import SmtpSink
from tests.workflows.harness import MANAGER, SentMessage, case_world

OTHER_EMPLOYEE = Person("Piet Mulder", "piet@example.nl")


def _calendar(message: SentMessage) -> icalendar.Calendar:
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    part = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def _occurrences(message: SentMessage, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    events = recurring_ical_events.of(_calendar(message)).between(since, until)
    return [(event.decoded("DTSTART"), event.decoded("DTEND")) for event in events]


async def test_two_cases_of_one_manager_with_the_same_preference_get_check_ins_that_do_not_overlap(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open()
        second = replace(world, case_id=f"case-{uuid.uuid4().hex}", handle=None)
        try:
            await second.open(employee=OTHER_EMPLOYEE)
            requests = [m for m in world.invitations(MANAGER.email) if m.method == "REQUEST"]
            # Each case sent the manager its check-in series; what the calendar holds is the latest of each.
            latest: dict[str, SentMessage] = {}
            for message in requests:
                if message.uid not in latest or (message.sequence or 0) > (latest[message.uid].sequence or 0):
                    latest[message.uid] = message
            assert len(latest) == 2
            first, other = sorted(latest.values(), key=lambda m: m.start or datetime.min.replace(tzinfo=TZ))
            assert first.start is not None and other.start is not None
            # The first case keeps the preferred Monday 10:00; the second takes the nearest free slot,
            # from its very first invitation on.
            assert (first.start.astimezone(TZ).weekday(), first.start.astimezone(TZ).hour) == (0, 10)
            assert other.start.astimezone(TZ) == first.start.astimezone(TZ) + timedelta(minutes=15)
            assert {m.start for m in requests if m.uid == other.uid} == {other.start}
            # The employee of the second case is invited at that same moment.
            assert {m.start for m in world.invitations(OTHER_EMPLOYEE.email) if m.method == "REQUEST"} == {other.start}

            # As a calendar client expands them (RRULE with UNTIL, in Europe/Amsterdam), over the next
            # year as far as they run: not one occurrence of the one overlaps one of the other.
            since = first.start
            expanded = [_occurrences(message, since, since + timedelta(weeks=52)) for message in (first, other)]
            assert all(len(occurrences) >= 2 for occurrences in expanded)
            for a_start, a_end in expanded[0]:
                for b_start, b_end in expanded[1]:
                    assert a_end <= b_start or b_end <= a_start, f"{a_start} overlaps {b_start}"
        finally:
            if second.handle is not None and await second.execution_status() == WorkflowExecutionStatus.RUNNING:
                await second.handle.terminate("test finished")
