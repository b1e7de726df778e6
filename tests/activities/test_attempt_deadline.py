"""How long a delivery attempt may hold outbox rows: until its start-to-close timeout, plus a grace."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from temporalio.testing import ActivityEnvironment

from activities.case_activities import ATTEMPT_GRACE, attempt_deadline


def _in_attempt(started: datetime, timeout: timedelta | None) -> datetime | None:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, started_time=started, start_to_close_timeout=timeout)
    return env.run(attempt_deadline)


def test_an_attempt_holds_rows_until_its_timeout_and_a_grace() -> None:
    started = datetime.now(UTC)
    assert _in_attempt(started, timedelta(minutes=1)) == started + timedelta(minutes=1) + ATTEMPT_GRACE


def test_without_a_timeout_or_a_deadline_ahead_the_outbox_keeps_its_own_lease() -> None:
    assert attempt_deadline() is None  # not in an activity
    assert _in_attempt(datetime.now(UTC), None) is None
    assert _in_attempt(datetime(1970, 1, 1, tzinfo=UTC), timedelta(minutes=1)) is None
