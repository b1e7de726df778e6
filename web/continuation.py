"""A sick report soon after a recovery: offer to continue the earlier case (samentelling).

Absences less than 4 weeks apart add up for the statutory timeline (BW 7:629 lid 10), so HR should
continue the earlier case rather than start a new one.

TODO(issue 6, lead): the workflow side that reopens a recovered case is being built in workflows/.
When it exists, add a "continue that case" button to ``intake.html`` (the ``recent`` block) that
posts ``continue_case=<case id>`` to /cases, and handle it in ``web.pages.submit_intake`` by sending
the workflow's reopen update instead of starting a new case. Until then HR sees the offer and may
start a new case anyway. The store has no recovery date yet; ``updated_at`` of a case in phase
``hersteld`` stands in for it.
"""

from __future__ import annotations

from datetime import date, timedelta

from integrations.store import CaseRow, CaseStore

RECOVERY_GAP = timedelta(weeks=4)


async def recent_recovered_case(store: CaseStore, employee_email: str, first_sick_day: date) -> CaseRow | None:
    """The employee's case that recovered less than 4 weeks before ``first_sick_day``, if any."""
    for row in await store.cases_of_person(employee_email, role="employee"):
        if row.phase == "hersteld" and row.updated_at.date() > first_sick_day - RECOVERY_GAP:
            return row
    return None
