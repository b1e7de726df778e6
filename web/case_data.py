"""One case as a page or an API answer needs it: who may see what, the read model row, the live state.

The SQL read model is the base (it answers even when the workflow cannot); the workflow's queries
add what happens next, the signals and the plan, when they answer within two seconds
(web.case_client.LIVE_READ_SECONDS). Both go through the access policy first. :attr:`CaseData.as_of`
says how fresh an answer is: the moment of the read when the workflow answered, else the moment the
workflow last wrote the read model's row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from temporalio.client import Client

from integrations.schema import CaseRow
from integrations.store import CaseStore
from states.clock import local_date
from states.facts import Signal
from states.kinds import Role
from web.access import CaseAccess, not_found, require_case
from web.auth import Principal
from web.case_client import LiveCase, live_case
from web.history import CaseRecordView, compliance, merge


@dataclass(frozen=True)
class CaseData:
    access: CaseAccess
    row: CaseRow | None
    live: LiveCase | None
    read_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def case_id(self) -> str:
        return self.access.case_id

    @property
    def as_of(self) -> datetime | None:
        """How fresh this is: now when the workflow answered, else when the read model's row was last
        written (None: no row yet)."""
        if self.live is not None:
            return self.read_at
        if self.row is None:
            return None
        written = self.row.updated_at
        return written if written.tzinfo is not None else written.replace(tzinfo=UTC)  # SQLite keeps no zone

    @property
    def phase(self) -> str:
        if self.live is not None:
            return self.live.status.phase
        return self.row.phase if self.row is not None else "ziekgemeld"

    @property
    def first_sick_day(self) -> date:
        if self.row is not None:
            return self.row.first_sick_day
        assert self.live is not None
        return self.live.status.first_sick_day

    @property
    def next_deadline(self) -> date | None:
        if self.live is not None:
            return self.live.status.next_deadline
        return self.row.next_deadline if self.row is not None else None

    def overdue(self, today: date) -> bool:
        if self.live is not None:
            return self.live.status.overdue
        return self.next_deadline is not None and self.next_deadline < today

    @property
    def signals(self) -> list[Signal]:
        return self.live.signals if self.live is not None else []

    def buddy_talks(self) -> list[tuple[date, datetime | None, str]]:
        """The practical part: (day, moment, place) of the talks a buddy attends."""
        if self.live is None:
            return []
        mine = {s.series_id: s for s in self.live.facts.series if s.active and Role.buddy in s.attendees}
        return [(item.due, item.at, str(mine[item.key].place)) for item in self.live.upcoming if item.key in mine]


async def load_case(
    store: CaseStore, client: Client, principal: Principal, case_id: str, *, live: bool = True
) -> CaseData:
    """The case if ``principal`` may see it (else 404, the same as for a case that does not exist)."""
    access = await require_case(store, principal, case_id)
    row = await store.get_case(case_id)
    state = await live_case(client, case_id) if live else None
    if row is None and state is None:
        raise not_found(case_id)
    return CaseData(access=access, row=row, live=state)


async def case_record(store: CaseStore, data: CaseData, now: datetime | None = None) -> CaseRecordView:
    """The merged history and the compliance table (the auditor's view and export)."""
    now = now or datetime.now(UTC)
    audit = await store.audit_trail(data.case_id)
    timeline = data.live.timeline if data.live is not None else []
    row = data.row
    case = {
        "phase": data.phase,
        "first_sick_day": data.first_sick_day.isoformat(),
        "employee_name": row.employee_name if row else None,
        "manager_name": row.manager_name if row else None,
        "org_unit": row.org_unit if row else None,
        "next_deadline": data.next_deadline.isoformat() if data.next_deadline else None,
        "closed": data.live.status.closed if data.live else None,
        "outcome": data.live.status.outcome if data.live else None,
    }
    return CaseRecordView(
        case_id=data.case_id,
        entries=merge(timeline, audit),
        compliance=compliance(data.live.facts, now) if data.live is not None else None,
        live=data.live is not None,
        case=case,
    )


def today() -> date:
    return local_date(datetime.now(UTC))
