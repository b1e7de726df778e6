"""What the RIV bundle shows, gathered from the store and the running case (``RivBundleInput``):
every record and uploaded document (with its bytes), the parts as the RIV check found them, and the
statutory steps as the deadlines view shows them (on time, late with the reason recorded, missing).

The words are the reader's (``language``): the bundle is Dutch, or English for an English-speaking
employee's copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.dossier import DossierDocument, DossierRecord, PartStatus, RivBundleInput, StepStatus
from contracts.wording import dates_in_words, dossier_part
from integrations.documents import document_content
from states.clock import local_date
from states.facts import CaseFacts
from states.kinds import DossierPart
from states.riv import RivCheck, RivItem
from web.dossier_data import Dossier
from web.history import compliance

_WORST_FIRST = ("missing", "late", "to_come", "present")
"""A part with several items (an evaluation gap, say) takes the status of its worst item."""
_STEP_STATUS = {"on_time": "on_time", "late": "late", "missing": "missing", "open": "to_come"}


_NOT_A_STEP = frozenset({"end_of_wage_continuation"})
"""Milestones of the timeline nobody records (the wage continuation ends by itself): not in the RIV's table."""


def item_text(item: RivItem, language: str) -> str:
    """What the check says of an item, in the reader's language, its dates in words."""
    return dates_in_words(item.text_en if language == "en" else item.text_nl, language)


def part_statuses(
    check: RivCheck, records: Sequence[DossierRecord], documents: Sequence[DossierDocument], language: str
) -> tuple[PartStatus, ...]:
    """Each part of the RIV in order: the status of its worst item, and what is wrong in words. A
    part the check has no item for is listed when something was recorded or uploaded for it (the
    optional arbeidsdeskundig rapport, say)."""
    statuses: list[PartStatus] = []
    for part in DossierPart:
        if part == DossierPart.re_integratieverslag:
            continue  # the bundle itself
        items = [item for item in check.items if item.part == part]
        label = dossier_part(part.value, language)
        if items:
            status = min((item.status for item in items), key=_WORST_FIRST.index)
            note = "; ".join(item_text(item, language) for item in items if item.status != "present")
            statuses.append(PartStatus(part=part.value, label=label, status=status, note=note))
        elif any(record.part == part for record in records) or any(document.part == part for document in documents):
            statuses.append(PartStatus(part=part.value, label=label, status="present"))
    return tuple(statuses)


def step_statuses(facts: CaseFacts, now: datetime, language: str) -> tuple[StepStatus, ...]:
    """The statutory steps as the deadlines view has them, with the reason recorded for a late one."""
    late_reasons = {step.key: step.late_reason for step in facts.steps if step.late_reason}
    return tuple(
        StepStatus(
            key=row.key,
            label=row.label(language),
            due=row.due,
            done_on=row.done_on,
            status=_STEP_STATUS[row.status],
            late_reason=late_reasons.get(row.key, "") if row.status == "late" else "",
        )
        for row in compliance(facts, now)
        if row.key not in _NOT_A_STEP
    )


async def bundle_input(
    dossier: Dossier,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    language: str,
    employer: str,
    now: datetime,
) -> RivBundleInput:
    """The RIV bundle of a dossier read whole, of a case that answers now (``dossier.riv`` is set)."""
    live, check = dossier.case.live, dossier.riv
    if live is None or check is None or not dossier.scope.whole:
        raise ValueError("the RIV bundle needs the whole dossier of a case that answers now")
    documents = []
    for view in dossier.documents:
        if view.document.part == DossierPart.re_integratieverslag:
            continue  # an earlier copy of the bundle is not part of the next one
        found = await document_content(sessionmaker, dossier.case_id, view.document.id)
        if found is not None:
            documents.append(found)
    row = dossier.case.row
    return RivBundleInput(
        language=language,
        employer=employer,
        employee_name=row.employee_name if row is not None else live.people.employee.name,
        first_sick_day=dossier.case.first_sick_day,
        generated_on=local_date(now),
        records=tuple(view.record for view in dossier.records),
        documents=tuple(documents),
        steps=step_statuses(live.facts, now, language),
        parts=part_statuses(
            check,
            [view.record for view in dossier.records],
            [view.document for view in dossier.documents],
            language,
        ),
        complete=check.complete,
    )
