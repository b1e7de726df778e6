"""The sums of periods wholly in the past, kept (table ``absence_sums``): a statistics page sums only
the period still running, and reads the others back.

A past period's figures depend on the records alone (a step due in it is missing or not for good;
its last day is its own), so its sums hold until a record changes a day of it. :func:`changed_from`
finds the first day a write changes (a recovery today changes nothing before today; a step recorded
late changes the period it was due in; a case reported late changes every period since its first
sick day), and :func:`forget_from` removes the sums of the periods from that day on, in the write's
own transaction.

A page that summed past periods stores them only when no write removed sums in the meantime: the
writes that remove sums count up ``absence_sums_epoch``, and the page compares the count it read
before summing with the count in its storing transaction. Sums removed by a write are summed again
by the next page, or by the worker's keeper (:func:`integrations.absence_figures.run_sums_keeper`),
whichever comes first.

The retention sweep deletes a case's records without removing sums: the sums name no one, and a past
period keeps the figures it had.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.absence import AbsenceRecord
from integrations.absence_statistics import WITHDRAWN, Period
from integrations.db import run_write, upsert_on
from integrations.schema import AbsenceSumsEpochRow, AbsenceSumsRow, Base

SUMS = Base.metadata.tables[AbsenceSumsRow.__tablename__]
EPOCH = Base.metadata.tables[AbsenceSumsEpochRow.__tablename__]
EVERY = "*"
"""The scope of the sums over every org unit; one unit's scope is "=" and its name."""

Sums = dict[str, Any]  # one scope's sums, as absence_figures makes and reads them


def scope_of(unit: str | None) -> str:
    return EVERY if unit is None else f"={unit}"


def unit_of(scope: str) -> str | None:
    return None if scope == EVERY else scope[1:]


# ------------------------------------------------------------------------------- what a write changes


def changed_from(
    old: AbsenceRecord | None, old_unit: str | None, new: AbsenceRecord, new_unit: str | None
) -> date | None:
    """The first day whose figures differ between the old record and the new one (None: none does)."""
    if old is None:
        return _earliest(new)
    if (
        old_unit != new_unit
        or old.employee_key != new.employee_key
        or old.contract_hours_per_week != new.contract_hours_per_week
        or (old.outcome == WITHDRAWN) != (new.outcome == WITHDRAWN)
    ):
        firsts = [day for day in (_earliest(old), _earliest(new)) if day is not None]
        return min(firsts) if firsts else None
    days: list[date] = []
    days += _ranges_changed(
        {s.start: (s.end, s.fraction) for s in old.spans}, {s.start: (s.end, s.fraction) for s in new.spans}
    )
    # a report's recovery counts on its last day: like its end, it changes nothing before
    days += _ranges_changed(
        {r.start: (r.end, None) for r in old.reports}, {r.start: (r.end, None) for r in new.reports}
    )
    days += [r.end for r in set(old.reports) ^ set(new.reports) if r.end is not None]
    days += [phase.since for phase in set(old.phases) ^ set(new.phases)]
    days += [step.due for step in set(old.steps) ^ set(new.steps)]
    if old.tweede_spoor_started_on != new.tweede_spoor_started_on:
        days += [day for day in (old.tweede_spoor_started_on, new.tweede_spoor_started_on) if day is not None]
    return min(days) if days else None


def _ranges_changed(
    old: Mapping[date, tuple[date | None, Hashable]], new: Mapping[date, tuple[date | None, Hashable]]
) -> list[date]:
    """For ranges by their first day: from where they differ. A range whose only change is its end
    (a recovery, a relapse's end moved) differs from the earlier of its two ends on."""
    days: list[date] = []
    for start in old.keys() | new.keys():
        before, after = old.get(start), new.get(start)
        if before == after:
            continue
        if before is None or after is None or before[1] != after[1]:
            days.append(start)
            continue
        ends = [end for end in (before[0], after[0]) if end is not None]
        days.append(min(ends) if ends else start)
    return days


def _earliest(record: AbsenceRecord) -> date | None:
    days = [
        *(s.start for s in record.spans),
        *(r.start for r in record.reports),
        *(p.since for p in record.phases),
        *(s.due for s in record.steps),
        *([record.tweede_spoor_started_on] if record.tweede_spoor_started_on else []),
    ]
    return min(days) if days else None


def forget_from(connection: Connection, day: date) -> None:
    """Remove the sums of every period with a day on or after ``day``, and count the write."""
    connection.execute(delete(SUMS).where(SUMS.c.last_day_no >= day.toordinal()))
    bumped = connection.execute(update(EPOCH).where(EPOCH.c.id == 1).values(value=EPOCH.c.value + 1))
    if not bumped.rowcount:
        insert = upsert_on(connection.dialect.name)(EPOCH)
        connection.execute(
            insert.values(id=1, value=1).on_conflict_do_update(index_elements=["id"], set_={"value": EPOCH.c.value + 1})
        )


# ------------------------------------------------------------------------------- reading and keeping


async def read(
    session: AsyncSession, periods: Mapping[int, Period], full_time_hours: float
) -> tuple[int, dict[int, dict[str, Sums]]]:
    """(the epoch now, the kept sums of ``periods`` by position and scope). A period is kept as a
    whole (its every-unit scope stands for it), or not at all."""
    epoch = (await session.execute(select(EPOCH.c.value).where(EPOCH.c.id == 1))).scalar_one_or_none() or 0
    if not periods:
        return epoch, {}
    position = {(p.first.toordinal(), p.last.toordinal()): i for i, p in periods.items()}
    query = select(SUMS.c.first_day_no, SUMS.c.last_day_no, SUMS.c.scope, SUMS.c.sums).where(
        SUMS.c.last_day_no.in_(sorted({last for _, last in position})),
        SUMS.c.full_time_hours == full_time_hours,
    )
    found: dict[int, dict[str, Sums]] = {}
    for first_no, last_no, scope, sums in await session.execute(query):
        i = position.get((first_no, last_no))
        if i is not None:
            found.setdefault(i, {})[scope] = sums
    return epoch, {i: scopes for i, scopes in found.items() if EVERY in scopes}


async def keep(
    sessionmaker: async_sessionmaker[AsyncSession],
    epoch: int,
    sums: Iterable[tuple[Period, dict[str, Sums]]],
    full_time_hours: float,
) -> bool:
    """Keep the sums of past periods, unless a write removed sums since ``epoch`` was read."""
    rows = [
        {
            "first_day_no": period.first.toordinal(),
            "last_day_no": period.last.toordinal(),
            "scope": scope,
            "full_time_hours": full_time_hours,
            "sums": values,
            "computed_at": datetime.now(UTC),
        }
        for period, scopes in sums
        for scope, values in scopes.items()
    ]
    if not rows:
        return False

    def write(connection: Connection) -> bool:
        now = connection.execute(select(EPOCH.c.value).where(EPOCH.c.id == 1)).scalar_one_or_none() or 0
        if now != epoch:
            return False
        insert = upsert_on(connection.dialect.name)(SUMS)
        connection.execute(insert.on_conflict_do_nothing(), rows)
        return True

    return await run_write(sessionmaker, write)
