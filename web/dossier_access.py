"""Who sees which part of a case's re-integratiedossier: the one place where that policy lives.

- HR and the auditor: everything (the auditor only reads: :func:`web.auth.current_principal` refuses
  any change by an auditor);
- the employee: their own dossier, whole;
- the manager: the plan van aanpak and the gespreksverslagen (their records and documents);
- the coach: the gespreksverslagen of the talks they took part in (the record's ``participants``
  hold the addresses of who was there); no documents, which belong to no talk;
- the buddy, and anyone without a part in the case: nothing. The dossier then answers 404, exactly
  like a case they may not see.

Whether someone sees the case at all is :mod:`web.access`'s (``require_case``); this only narrows
what of its dossier they see, by the part they hold in this very case (a manager sees the dossier
of a case where they are the manager, not of one where they are the casemanager).
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.dossier import DossierDocument, DossierRecord
from integrations.accounts import AccountRole
from states.kinds import DossierPart
from web.access import CaseAccess, CaseView
from web.auth import Principal

UPLOADS = (AccountRole.hr,)
"""Who adds documents to a dossier and makes the employee's copy of the RIV."""

_TALK_REPORTS = frozenset({DossierPart.gespreksverslag.value})
_MANAGER_PARTS = frozenset({DossierPart.plan_van_aanpak.value, DossierPart.gespreksverslag.value})


@dataclass(frozen=True)
class DossierScope:
    """What one person sees of one case's dossier."""

    whole: bool
    """Every record and document (HR, auditor, the employee)."""
    parts: frozenset[str] = frozenset()
    """When not whole: the parts whose records (and documents) are shown."""
    participant: str | None = None
    """When set (a coach): only records this lower-case address took part in, and no documents."""
    uploads: bool = False
    """Adds documents and makes the employee's copy (HR)."""

    @property
    def reads_riv(self) -> bool:
        """The RIV check, the RIV bundle and its completeness table show every part: only for a whole view."""
        return self.whole

    def sees_part(self, part: str) -> bool:
        return self.whole or part in self.parts

    def sees_record(self, record: DossierRecord) -> bool:
        if self.whole:
            return True
        if record.part not in self.parts:
            return False
        return self.participant is None or self.participant in record.participants

    def sees_document(self, document: DossierDocument) -> bool:
        if self.whole:
            return True
        return self.participant is None and document.part in self.parts


def dossier_scope(principal: Principal, access: CaseAccess) -> DossierScope | None:
    """What ``principal`` sees of this case's dossier; None: nothing (answer 404)."""
    if access.view != CaseView.full:
        return None  # a buddy: dates and place only
    role = principal.role
    if role == AccountRole.hr:
        return DossierScope(whole=True, uploads=not access.read_only)
    if role == AccountRole.auditor:
        return DossierScope(whole=True)
    holds = role.value in access.case_roles
    if role == AccountRole.employee and holds:
        return DossierScope(whole=True)
    if role == AccountRole.manager and holds:
        return DossierScope(whole=False, parts=_MANAGER_PARTS)
    if role == AccountRole.coach and holds:
        return DossierScope(whole=False, parts=_TALK_REPORTS, participant=principal.email.lower())
    return None


def sees_dossier(principal: Principal, access: CaseAccess) -> bool:
    """Whether the case page links to the dossier for this person."""
    return dossier_scope(principal, access) is not None
