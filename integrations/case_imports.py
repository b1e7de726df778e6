"""The running cases brought in by an import, by the employer's own reference (table ``case_imports``).

The case's id is derived from the reference (:func:`case_id_for`), and Temporal starts one workflow
per id: a second import of a reference finds its case started and opens nothing. The row here is
written after the start, idempotently; a crash between the two leaves a started case without a row,
which the next import of the same reference finds (already started) and writes.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.db import run_write, upsert_on
from integrations.schema import Base, CaseImportRow

_TABLE = Base.metadata.tables[CaseImportRow.__tablename__]
_NAMESPACE = uuid.UUID("5d0c6a4e-2f7b-4c53-9a52-3b1f0e6b9c21")
"""The namespace of the case ids derived from references (fixed: a reference always gives one id)."""


def case_id_for(external_ref: str) -> str:
    """The case id of an imported reference: ``case-`` and a name-based UUID, like every case id
    (no personal data; the same reference gives the same id, whatever its case of letters)."""
    return f"case-{uuid.uuid5(_NAMESPACE, external_ref.strip().lower()).hex}"


@dataclass(frozen=True)
class ImportedCase:
    external_ref: str
    case_id: str
    imported_by: str
    imported_at: datetime
    invitations_held: bool


@functools.cache
def _insert(dialect: str) -> Any:
    return upsert_on(dialect)(_TABLE).on_conflict_do_nothing()  # the reference or its case: known already


class CaseImports:
    """Reads and idempotent writes of the imported cases."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def record(self, external_ref: str, case_id: str, *, by: str, invitations_held: bool) -> None:
        """Remember the import of ``external_ref`` (nothing changes when it is known already)."""
        row = {
            "external_ref": external_ref,
            "case_id": case_id,
            "imported_by": by,
            "imported_at": datetime.now(UTC),
            "invitations_held": invitations_held,
        }

        def write(connection: Connection) -> None:
            connection.execute(_insert(connection.dialect.name), row)

        await run_write(self._sessionmaker, write)

    async def released(self, case_id: str) -> None:
        """The case's invitations went out (HR confirmed it)."""

        def write(connection: Connection) -> None:
            connection.execute(update(_TABLE).where(_TABLE.c.case_id == case_id).values(invitations_held=False))

        await run_write(self._sessionmaker, write)

    async def by_case(self, case_id: str) -> ImportedCase | None:
        async with self._sessionmaker() as session:
            row = (await session.execute(select(CaseImportRow).where(CaseImportRow.case_id == case_id))).scalar()
        return _imported(row) if row is not None else None

    async def held(self, limit: int = 500) -> list[ImportedCase]:
        """The imported cases whose invitations still wait for HR, newest first."""
        query = (
            select(CaseImportRow)
            .where(CaseImportRow.invitations_held.is_(True))
            .order_by(CaseImportRow.imported_at.desc())
            .limit(limit)
        )
        async with self._sessionmaker() as session:
            rows = (await session.execute(query)).scalars().all()
        return [_imported(row) for row in rows]


def _imported(row: CaseImportRow) -> ImportedCase:
    return ImportedCase(
        external_ref=row.external_ref,
        case_id=row.case_id,
        imported_by=row.imported_by,
        imported_at=row.imported_at,
        invitations_held=row.invitations_held,
    )
