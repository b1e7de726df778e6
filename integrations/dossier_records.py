"""The records of the re-integratiedossier in the SQL store (table ``dossier_records``).

The ``deliver`` activity writes a decision's records (:class:`contracts.dossier.DossierEntry`, made
by the workflow, rules version 4) with :func:`write_entries`, in the transaction that writes their
audit entries; the web and the documents read a case's records with :func:`records`. SQLAlchemy Core,
the same statements on SQLite and PostgreSQL.

A record is never changed: a retried write finds its key (unique per case) and adds nothing, and a
new record of a part (a bijstelling of the plan, an update of the probleemanalyse, the next
verslag) is that part's next version.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.dossier import DossierEntry, DossierField, DossierRecord
from integrations.db import upsert_on
from integrations.schema import Base, DossierRecordRow, UserRow
from states.kinds import DossierPart

_RECORDS = Base.metadata.tables[DossierRecordRow.__tablename__]
_USERS = Base.metadata.tables[UserRow.__tablename__]
PART_ORDER: dict[str, int] = {part.value: number for number, part in enumerate(DossierPart)}
"""Each part's place in the RIV (:class:`states.kinds.DossierPart` is in that order)."""

_KNOWN_KEYS = select(_RECORDS.c.key).where(
    _RECORDS.c.case_id == bindparam("case_id"), _RECORDS.c.key.in_(bindparam("keys", expanding=True))
)
_VERSIONS = (
    select(_RECORDS.c.part, func.count())
    .where(_RECORDS.c.case_id == bindparam("case_id"), _RECORDS.c.part.in_(bindparam("parts", expanding=True)))
    .group_by(_RECORDS.c.part)
)


@functools.cache
def _insert(dialect: str) -> Any:
    return upsert_on(dialect)(_RECORDS).on_conflict_do_nothing(index_elements=[_RECORDS.c.case_id, _RECORDS.c.key])


def _row(entry: DossierEntry, version: int) -> dict[str, Any]:
    return {
        "case_id": entry.case_id,
        "key": entry.key,
        "part": entry.part,
        "kind": entry.kind,
        "version": version,
        "on": entry.on,
        "recorded_by": entry.recorded_by,
        "recorded_at": entry.recorded_at,
        "fields": [[field.name, field.text] for field in entry.fields],
        "participants": list(entry.participants),
        "about": entry.about,
    }


def write_entries(connection: Connection, entries: tuple[DossierEntry, ...] | list[DossierEntry]) -> int:
    """Add the records not written yet, in the caller's write transaction; how many were new.

    Idempotent on (case, key): a retried delivery finds its records and adds nothing. A new record
    is version 1 + the records of its part (of its case) already there, in the order given."""
    added = 0
    for case_id in dict.fromkeys(entry.case_id for entry in entries):
        mine = [entry for entry in entries if entry.case_id == case_id]
        known = set(connection.scalars(_KNOWN_KEYS, {"case_id": case_id, "keys": [entry.key for entry in mine]}))
        new = [entry for entry in dict((entry.key, entry) for entry in mine).values() if entry.key not in known]
        if not new:
            continue
        counts = connection.execute(_VERSIONS, {"case_id": case_id, "parts": sorted({entry.part for entry in new})})
        versions: Counter[str] = Counter({part: count for part, count in counts})
        rows = []
        for entry in new:
            versions[entry.part] += 1
            rows.append(_row(entry, versions[entry.part]))
        connection.execute(_insert(connection.dialect.name), rows)
        added += len(rows)
    return added


def _record(row: Any) -> DossierRecord:
    return DossierRecord(
        key=row.key,
        part=row.part,
        kind=row.kind,
        version=row.version,
        on=row.on,
        recorded_by=row.author_name or row.recorded_by,
        recorded_at=row.recorded_at,
        fields=tuple(DossierField(name=str(name), text=str(text)) for name, text in row.fields),
        participants=tuple(str(address) for address in row.participants),
        about=row.about,
    )


async def records(sessionmaker: async_sessionmaker[AsyncSession], case_id: str) -> list[DossierRecord]:
    """The case's records in the order of the RIV's parts, each part's versions in order. ``recorded_by``
    is the author's name where the product has an account for their address, else what the record
    says (their address, or ``system``)."""
    query = (
        select(_RECORDS, _USERS.c.name.label("author_name"))
        .outerjoin(_USERS, _USERS.c.email == func.lower(_RECORDS.c.recorded_by))
        .where(_RECORDS.c.case_id == case_id)
    )
    async with sessionmaker() as session:
        rows = (await session.execute(query)).all()
    ordered = sorted(rows, key=lambda row: (PART_ORDER.get(row.part, len(PART_ORDER)), row.version, row.id))
    return [_record(row) for row in ordered]
