"""A sick report soon after a recovery: offer to continue the earlier case (samentelling).

Absences less than 4 weeks apart add up for the statutory timeline (BW 7:629 lid 10), so HR should
continue the earlier case rather than start a new one.

HR sees the offer on the intake form and either continues that case (the workflow's ``relapse``
update with the new first sick day: the rules accept it within 4 weeks of the recovery and refuse
later ones with code ``new_case``) or starts a new case anyway. The store has no recovery date yet;
``updated_at`` of a case in phase ``hersteld`` stands in for it when choosing what to offer, and the
rules decide.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from temporalio.client import Client

import states
from integrations.schema import CaseRow
from integrations.store import CaseStore
from web.case_client import run_command
from workflows.commands import CommandResult

RECOVERY_GAP = timedelta(weeks=4)


async def recent_recovered_case(store: CaseStore, employee_email: str, first_sick_day: date) -> CaseRow | None:
    """The employee's case that recovered less than 4 weeks before ``first_sick_day``, if any."""
    for row in await store.cases_of_person(employee_email, role="employee"):
        if row.phase == "hersteld" and row.updated_at.date() > first_sick_day - RECOVERY_GAP:
            return row
    return None


async def continue_case(client: Client, case_id: str, *, actor: str, first_sick_day: date) -> CommandResult:
    """Continue the recovered case from ``first_sick_day``; raises :class:`web.case_client.CommandRefused`."""
    relapse = states.Relapse(actor=actor, at=datetime.now(UTC), on=first_sick_day)
    return await run_command(client, case_id, "relapse", relapse)
