"""What a case costs under time skipping: wall time, history, payload bytes, billable actions.

    .venv/bin/python -m bench.case_cost

Runs the scenarios of tests/workflows/record_histories.py (the real workflow and activities,
aiosmtpd, SQLite) on the time-skipping test server, plus "idle two years" (a case opened and left
alone for 110 weeks: no commands, no test-harness polling, so its wall time is the workflow's own).
Billable actions are counted from the history by Temporal Cloud's published rules: a workflow start
and each continue-as-new, each activity start and each retry, each timer, each signal, each update,
each search-attribute upsert, each marker (local activity, side effect). Queries are not in the
history; the scenarios' own query polling is test machinery and not counted. "Product" actions are
everything except people's commands (updates and signals). Dollar figures at $50 per million.

Every scenario opens on the first Monday at 09:05 (Europe/Amsterdam) after the run starts
(``to_monday_morning``), so the counts do not depend on the hour of the run.

The naive design for comparison: one timer plus one activity per reminder or notice and per talk
occurrence (each occurrence of every recurring series the case sent, until it ended, and each
evaluation and driegesprek held or left in the calendars until it passed), plus the start.
Targets: product actions at most 1/4 of the naive design's; under 2,000 history events per two-year
case; a full two-year scenario under 1 s wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import icalendar
import recurring_ical_events
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

from bench.common import header
from states.kinds import SeriesKind
from tests.faults.support import arrivals
from tests.workflows.harness import CaseWorld
from tests.workflows.record_histories import SCENARIOS, run_histories, scenario_world, time_skipping, to_monday_morning
from workflows.case import ReintegrationCase

PRICE_PER_ACTION = 50 / 1_000_000
IDLE = "idle_two_years"
ONE_OFF_TALKS = (SeriesKind.evaluation, SeriesKind.driegesprek)
E = EventType


@dataclass
class Cost:
    name: str
    wall: float
    runs: int
    events: int
    payload_bytes: int
    actions: Counter[str]
    naive: int
    causes: Counter[tuple[str, str]]

    @property
    def total(self) -> int:
        return sum(self.actions.values())

    @property
    def product(self) -> int:
        return self.total - self.actions["update"] - self.actions["signal"]


def _payload_bytes(message: Message) -> int:
    """The bytes of every payload (data and metadata) inside a history event."""
    if isinstance(message, Payload):
        return len(message.data) + sum(len(k) + len(v) for k, v in message.metadata.items())
    total = 0
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if isinstance(value, Message):
            total += _payload_bytes(value)
        else:  # a repeated field or a map
            items = value.values() if hasattr(value, "values") else value
            total += sum(_payload_bytes(item) for item in items if isinstance(item, Message))
    return total


def billable(histories: list[WorkflowHistory]) -> Counter[str]:
    actions: Counter[str] = Counter()
    for history in histories:
        for event in history.events:
            kind = event.event_type
            if kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                actions["start / continue-as-new"] += 1
            elif kind == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                actions["activity"] += 1
            elif kind == E.EVENT_TYPE_ACTIVITY_TASK_STARTED:
                actions["activity retry"] += max(0, event.activity_task_started_event_attributes.attempt - 1)
            elif kind == E.EVENT_TYPE_TIMER_STARTED:
                actions["timer"] += 1
            elif kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
                actions["signal"] += 1
            elif kind in (
                E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
                E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED,
            ):
                actions["update"] += 1
            elif kind == E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
                actions["search-attribute upsert"] += 1
            elif kind == E.EVENT_TYPE_MARKER_RECORDED:
                actions["marker"] += 1
    return actions


def by_cause(histories: list[WorkflowHistory]) -> Counter[tuple[str, str]]:
    """The product's actions split by what set them off: the agenda (the start, a timer) or a command.

    Each workflow task's commands are put down to its cause: a task that accepted an update acts
    for a command (also when a timer fired in the same task); a task woken by an activity's end
    inherits the cause of the task that scheduled the activity; a fired timer is the agenda.
    """
    causes: Counter[tuple[str, str]] = Counter()  # (agenda | command, start | activity | timer | upsert | marker)

    def count(cause: str, what: str) -> None:
        causes[cause, what] += 1

    for history in histories:
        scheduled_by: dict[int, str] = {}
        waking, cause = "agenda", "agenda"
        for event in history.events:
            kind = event.event_type
            if kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
                count("agenda", "start")
            elif kind == E.EVENT_TYPE_TIMER_FIRED:
                waking = "agenda"
            elif kind == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                waking = scheduled_by.get(event.activity_task_completed_event_attributes.scheduled_event_id, "agenda")
            elif kind == E.EVENT_TYPE_ACTIVITY_TASK_FAILED:
                waking = scheduled_by.get(event.activity_task_failed_event_attributes.scheduled_event_id, "agenda")
            elif kind == E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                cause = waking
            elif kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                cause = "command"
            elif kind == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                scheduled_by[event.event_id] = cause
                count(cause, "activity")
            elif kind == E.EVENT_TYPE_TIMER_STARTED:
                count(cause, "timer")
            elif kind == E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
                count(cause, "upsert")
            elif kind == E.EVENT_TYPE_MARKER_RECORDED:
                count(cause, "marker")
    return causes


def caused_by(causes: Counter[tuple[str, str]], cause: str) -> int:
    return sum(number for (by, _what), number in causes.items() if by == cause)


def without_restarts(causes: Counter[tuple[str, str]]) -> int:
    """The product's actions if no command restarted a timer and no search attribute ever changed:
    the start, the agenda's timers and what they send, and one activity per command's answer (its
    audit entry, read-model row and mail). What this design cannot go below."""
    return (
        causes["agenda", "start"]
        + causes["agenda", "timer"]
        + causes["agenda", "activity"]
        + causes["command", "activity"]
    )


async def naive_actions(world: CaseWorld, end: datetime) -> tuple[int, int, int, int]:
    """(talk occurrences, of which one-off talks, reminders and notices, naive billable actions).

    Talk occurrences: every occurrence of a recurring series the case sent, until it ended, and
    every one-off talk (evaluation, driegesprek) that was held or whose event stayed in the
    calendars until it passed. A one-off talk is counted by its slot (``evaluation:3``), not from
    the calendar alone: the event of one held on another day is moved or cancelled, so the
    calendars no longer show that the talk took place."""
    facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
    one_off = {series.series_id: series.slot for series in facts.series if series.kind in ONE_OFF_TALKS}
    talks = {f"evaluation:{number}" for number in range(1, len(facts.evaluations) + 1)}
    talks |= {
        f"driegesprek:{number}" for number, talk in enumerate(facts.driegesprekken, start=1) if talk.held_on is not None
    }
    latest: dict[str, bytes] = {}
    notices = 0
    for _sender, _rcpts, raw in world.sink.messages:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        part = next((p for p in message.walk() if p.get_content_type() == "text/calendar"), None)
        if part is None:
            notices += 1
            continue
        data = part.get_payload(decode=True)
        calendar = icalendar.Calendar.from_ical(data)
        event = calendar.walk("VEVENT")[0]
        uid, sequence = str(event["UID"]), int(event.get("SEQUENCE", 0))
        if str(calendar["METHOD"]) == "CANCEL" and "RECURRENCE-ID" not in event:
            latest[uid] = b""  # the whole series was cancelled before anything of it happened
        elif (
            uid not in latest
            or latest[uid]
            and int(icalendar.Calendar.from_ical(latest[uid]).walk("VEVENT")[0].get("SEQUENCE", 0)) <= sequence
        ):
            latest[uid] = data
    occurrences = 0
    for uid, data in latest.items():
        if data:
            calendar = icalendar.Calendar.from_ical(data)
            start = calendar.walk("VEVENT")[0].decoded("DTSTART")
            passed = len(recurring_ical_events.of(calendar).between(start, end))
            if uid in one_off:
                if passed:
                    talks.add(one_off[uid])
            else:
                occurrences += passed
    occurrences += len(talks)
    # One message per person above; the naive design sends one invitation per occurrence (one
    # activity, all attendees) and one per reminder (per distinct notice, all recipients).
    distinct_notices = len({a.message_id.split("@")[0].rsplit(".", 1)[0] for a in arrivals(world.sink) if not a.method})
    return occurrences, len(talks), distinct_notices, 1 + 2 * (occurrences + distinct_notices)


async def _one(name: str) -> Cost:
    # A fresh server per case: web.cases.start_case checks the intake against the wall clock.
    async with time_skipping() as env, scenario_world(env) as world:
        opened = await to_monday_morning(env)
        started = time.perf_counter()
        if name == IDLE:
            await world.open()
            await env.sleep(timedelta(weeks=110))
            await world.handle.result()  # type: ignore[union-attr]
        else:
            await SCENARIOS[name](world)
        wall = time.perf_counter() - started
        histories = await run_histories(world)
        occurrences, one_off_talks, notices, naive = await naive_actions(world, await world.now())
    print(
        f"  {name}: opened {opened:%a %Y-%m-%d %H:%M %Z}; {occurrences} talk occurrences ({one_off_talks} of them evaluations and "
        f"driegesprekken) and {notices} reminders/notices in the naive count",
        flush=True,
    )
    return Cost(
        name,
        wall,
        len(histories),
        sum(len(h.events) for h in histories),
        sum(_payload_bytes(e) for h in histories for e in h.events),
        billable(histories),
        naive,
        by_cause(histories),
    )


async def measure(names: list[str]) -> list[Cost]:
    return [await _one(name) for name in [*names, IDLE]]


def main() -> None:
    parser = argparse.ArgumentParser(description="what a case costs")
    parser.add_argument("scenarios", nargs="*", default=["short_recovery", "standard_return", "two_year_wia"])
    args = parser.parse_args()
    header("cost of a case (time-skipping test server, real activities, aiosmtpd, SQLite)")
    rows = asyncio.run(measure(args.scenarios))
    print(
        f"{'scenario':<30} {'wall s':>7} {'runs':>4} {'events':>6} {'payload KB':>10} {'actions':>7} {'product':>7} {'naive':>6} {'ratio':>6} {'$/1000 cases':>12}"
    )
    for r in rows:
        print(
            f"{r.name:<30} {r.wall:>7.2f} {r.runs:>4} {r.events:>6} {r.payload_bytes / 1024:>10.0f} {r.total:>7} {r.product:>7} {r.naive:>6} "
            f"{r.product / r.naive:>6.2f} {r.total * PRICE_PER_ACTION * 1000:>12.2f}"
        )
    for r in rows:
        print(f"  {r.name}: " + ", ".join(f"{k} {v}" for k, v in sorted(r.actions.items())))
    print("product actions by cause (the naive count has no commands: it is the agenda's alone)")
    for r in rows:
        agenda, command = caused_by(r.causes, "agenda"), caused_by(r.causes, "command")
        print(
            f"  {r.name}: agenda (start, timers, what they send) {agenda}, ratio to naive {agenda / r.naive:.2f}; "
            f"in answer to {r.actions['update']} commands {command} ({command / max(1, r.actions['update']):.1f} per command)"
        )
        print("    " + ", ".join(f"{cause}: {what} {number}" for (cause, what), number in sorted(r.causes.items())))
        least = without_restarts(r.causes)
        print(
            f"    with no timer restarted by a command and no search-attribute change: {least}, ratio to naive {least / r.naive:.2f}"
        )
    print("targets: product/naive <= 0.25; < 2,000 events per two-year case; two-year scenario < 1 s wall")


if __name__ == "__main__":
    main()
