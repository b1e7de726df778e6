"""One case's re-integratiedossier as a page, the API or a PDF needs it: what the reader may see of
its records and documents, each with its number, and the RIV check of the live case.

Numbers, not keys, name a record or a document in the links people see: each is numbered by the
order it arrived in the dossier (records by when they were recorded, documents by upload), so a
number keeps naming the same thing as the dossier grows, and it is the same for every reader (a
manager's record 3 is HR's record 3; a record the reader may not see is simply not theirs to open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from contracts.dossier import DossierDocument, DossierRecord
from integrations.documents import documents as stored_documents
from integrations.dossier_records import PART_ORDER
from integrations.dossier_records import records as stored_records
from integrations.store import CaseStore
from states.kinds import DossierPart
from states.riv import RivCheck, riv_check
from web.access import not_found, require_case
from web.auth import Principal
from web.case_client import live_case
from web.case_data import CaseData
from web.dossier_access import DossierScope, dossier_scope

VIEWED_PARTS = frozenset(
    {
        DossierPart.plan_van_aanpak.value,
        DossierPart.gespreksverslag.value,
        DossierPart.eerstejaarsevaluatie.value,
        DossierPart.eindevaluatie.value,
    }
)
"""The records the employee marks "gezien", akkoord or niet akkoord, with their own view: the plan
van aanpak and each of its bijstellingen, each gespreksverslag, the eerstejaarsevaluatie and the
eindevaluatie. (Every record is also a PDF of its own: integrations.dossier_pdf.record_pdf.)"""

UPLOAD_PARTS: tuple[str, ...] = tuple(part.value for part in DossierPart if part != DossierPart.re_integratieverslag)
"""The parts HR adds documents to (the RIV bundles the product makes go to ``re_integratieverslag``)."""


@dataclass(frozen=True)
class RecordView:
    number: int
    record: DossierRecord
    views: tuple[DossierRecord, ...] = ()
    """The employee's views (mening werknemer) about this record, oldest first."""
    about: DossierRecord | None = None
    """For a mening werknemer: the record it is about (None: the re-integration as a whole)."""
    about_number: int | None = None

    @property
    def takes_view(self) -> bool:
        return self.record.part in VIEWED_PARTS


@dataclass(frozen=True)
class DocumentView:
    number: int
    document: DossierDocument


@dataclass(frozen=True)
class PartView:
    part: str
    records: tuple[RecordView, ...]
    documents: tuple[DocumentView, ...]


@dataclass(frozen=True)
class Dossier:
    case: CaseData
    scope: DossierScope
    records: tuple[RecordView, ...]
    """The records the reader sees, in RIV order (part, then version)."""
    documents: tuple[DocumentView, ...]
    """The documents the reader sees, in RIV order (part, then name, then version)."""
    riv: RivCheck | None = None
    """The RIV check: for a whole view of a case that answers now; else None."""

    @property
    def case_id(self) -> str:
        return self.case.case_id

    def parts(self) -> list[PartView]:
        """Every part the reader may see, in RIV order, with its records and documents (empty ones too)."""
        shown = [part.value for part in DossierPart if self.scope.sees_part(part.value)]
        return [
            PartView(
                part,
                tuple(view for view in self.records if view.record.part == part),
                tuple(view for view in self.documents if view.document.part == part),
            )
            for part in shown
        ]

    def record(self, number: int) -> RecordView | None:
        return next((view for view in self.records if view.number == number), None)

    def document(self, number: int) -> DocumentView | None:
        return next((view for view in self.documents if view.number == number), None)

    def record_by_key(self, key: str) -> RecordView | None:
        return next((view for view in self.records if view.record.key == key), None)


def _arrival(record: DossierRecord) -> tuple[datetime, int, int]:
    return (record.recorded_at, PART_ORDER.get(record.part, len(PART_ORDER)), record.version)


def numbered_records(records: list[DossierRecord]) -> dict[str, int]:
    """Each record's number (by key): its place in the order the records arrived, from 1."""
    return {record.key: number for number, record in enumerate(sorted(records, key=_arrival), start=1)}


def numbered_documents(documents: list[DossierDocument]) -> dict[int, int]:
    """Each document's number (by its id in the store): its place in the order of upload, from 1."""
    return {document.id: number for number, document in enumerate(sorted(documents, key=lambda d: d.id), start=1)}


def _record_views(records: list[DossierRecord], scope: DossierScope) -> tuple[RecordView, ...]:
    numbers = numbered_records(records)
    visible = [record for record in records if scope.sees_record(record)]
    by_key = {record.key: record for record in visible}
    views_about: dict[str, list[DossierRecord]] = {}
    for record in visible:
        if record.part == DossierPart.mening_werknemer.value and record.about in by_key:
            views_about.setdefault(record.about, []).append(record)
    return tuple(
        RecordView(
            number=numbers[record.key],
            record=record,
            views=tuple(sorted(views_about.get(record.key, []), key=_arrival)),
            about=by_key.get(record.about) if record.about else None,
            about_number=numbers.get(record.about) if record.about in by_key else None,
        )
        for record in visible
    )


def _document_views(documents: list[DossierDocument], scope: DossierScope) -> tuple[DocumentView, ...]:
    numbers = numbered_documents(documents)
    visible = [document for document in documents if scope.sees_document(document)]
    visible.sort(key=lambda d: (PART_ORDER.get(d.part, len(PART_ORDER)), d.name.lower(), d.version, d.id))
    return tuple(DocumentView(number=numbers[document.id], document=document) for document in visible)


async def load_dossier(
    store: CaseStore,
    client: Client,
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    case_id: str,
    *,
    live: bool = True,
    now: datetime,
) -> Dossier:
    """The dossier as ``principal`` may see it; 404 (as for a case that does not exist) when they see
    nothing of it. ``live``: ask the running case too (its RIV check); a download does not need it."""
    access = await require_case(store, principal, case_id)
    scope = dossier_scope(principal, access)
    if scope is None:
        raise not_found(case_id)
    row = await store.get_case(case_id)
    state = await live_case(client, case_id) if live else None
    if row is None and state is None:
        raise not_found(case_id)
    records = await stored_records(sessionmaker, case_id)
    documents = await stored_documents(sessionmaker, case_id)
    riv = riv_check(state.facts, now) if state is not None and scope.reads_riv else None
    return Dossier(
        case=CaseData(access=access, row=row, live=state),
        scope=scope,
        records=_record_views(records, scope),
        documents=_document_views(documents, scope),
        riv=riv,
    )
