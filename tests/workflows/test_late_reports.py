"""Cases reported, or brought in, late in their two years (found by bench/scale.py at 10,000 cases
with first sick days spread over two years): the case's mail goes out at once, its row is in the
read model, and nothing waits on a delivery that cannot be made."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pytest

from tests.support import SmtpSink
from tests.workflows.harness import CASEMANAGER, EMPLOYEE, case_world


@pytest.mark.parametrize("days_ago", [600, 725])
async def test_a_case_reported_late_mails_at_once_and_is_listed(
    time_skipping_server: object, smtp_sink: SmtpSink, tmp_path: Path, days_ago: int
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:  # type: ignore[arg-type]
        await world.open(days_ago=days_ago)
        outbox = await world.outbox()
        assert outbox and all(entry.status == "sent" for entry in outbox), [
            (entry.kind, entry.status, entry.last_error) for entry in outbox
        ]
        assert world.notices(CASEMANAGER.email), "HR hears of the steps overdue"
        for message in world.invitations(EMPLOYEE.email):
            until = icalendar.vRecur.from_ical(message.rrule).get("UNTIL") if message.rrule else None
            if until and message.start is not None:
                assert until[0] >= message.start, message.rrule
        row = await (await world.store()).get_case(world.case_id)
        assert row is not None, "the case is in the lists"
