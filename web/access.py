"""Who sees what: the one place where the access policy lives.

- hr: every case, and starts cases;
- auditor: every case, read only (the write ban itself sits in :func:`web.auth.current_principal`);
- everyone else: only the cases they take part in, by the store's ``case_people`` (written by the
  workflow): the employee, manager, casemanager and coach see the case; a buddy sees only its
  practical part (dates, place).

A case someone may not see answers exactly like a case that does not exist (404), so case ids cannot
be probed. Routes call :func:`require_case` (or :func:`case_access`) and :func:`require_role`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from fastapi import HTTPException

from integrations.accounts import AccountRole
from integrations.store import CaseStore
from web.auth import Principal, require_role
from web.intake import is_case_id

__all__ = [
    "CaseAccess",
    "CaseView",
    "case_access",
    "require_case",
    "require_role",
    "not_found",
    "STARTS_CASES",
    "SEES_EVERY_CASE",
    "COMMANDS_BY_ROLE",
    "READS_HISTORY",
    "FULL_VIEW_ROLES",
    "PRACTICAL_VIEW_ROLES",
    "commands_for",
    "may_command",
]

STARTS_CASES = (AccountRole.hr,)
SEES_EVERY_CASE = frozenset({AccountRole.hr, AccountRole.auditor})


class CaseView(enum.StrEnum):
    full = "full"  # the whole case as that person's role shows it
    practical = "practical"  # dates and place only (a buddy)


# A person's part in a case (case_people.role) -> what they see of it.
_VIEW_BY_CASE_ROLE: dict[str, CaseView] = {
    "employee": CaseView.full,
    "manager": CaseView.full,
    "casemanager": CaseView.full,
    "coach": CaseView.full,
    "buddy": CaseView.practical,
}
FULL_VIEW_ROLES = frozenset(role for role, view in _VIEW_BY_CASE_ROLE.items() if view == CaseView.full)
PRACTICAL_VIEW_ROLES = frozenset(role for role, view in _VIEW_BY_CASE_ROLE.items() if view == CaseView.practical)
"""The same policy for a list in SQL (integrations.case_search.Viewer): the parts that show a case in
full, and the parts that show only its practical side."""


@dataclass(frozen=True)
class CaseAccess:
    case_id: str
    view: CaseView
    read_only: bool
    case_roles: frozenset[str]  # the person's parts in this case (empty for hr and auditor)


def not_found(case_id: str) -> HTTPException:
    """The one answer for 'no such case' and 'not yours': the same status and the same words."""
    return HTTPException(status_code=404, detail=f"No case with id {case_id!r}.")


async def case_access(store: CaseStore, principal: Principal, case_id: str) -> CaseAccess | None:
    """What ``principal`` may see of the case; None when nothing (or when the id is malformed)."""
    if not is_case_id(case_id):
        return None
    if principal.role in SEES_EVERY_CASE:
        return CaseAccess(
            case_id, CaseView.full, read_only=principal.role == AccountRole.auditor, case_roles=frozenset()
        )
    return access_by_roles(case_id, await store.roles_in_case(case_id, principal.email))


def access_by_roles(case_id: str, case_roles: Iterable[str]) -> CaseAccess | None:
    """What someone with ``case_roles`` in the case (and no role that sees every case) may see of it."""
    roles = frozenset(case_roles)
    views = {_VIEW_BY_CASE_ROLE[role] for role in roles if role in _VIEW_BY_CASE_ROLE}
    if not views:
        return None
    view = CaseView.full if CaseView.full in views else CaseView.practical
    return CaseAccess(case_id, view, read_only=False, case_roles=roles)


async def require_case(store: CaseStore, principal: Principal, case_id: str) -> CaseAccess:
    access = await case_access(store, principal, case_id)
    if access is None:
        raise not_found(case_id)
    return access


# Which commands each role may give (HR: every one). A manager, employee or coach gives them only in
# a case where they hold that same part; an auditor and a buddy give none.
ALL_COMMANDS = "*"
COMMANDS_BY_ROLE: dict[AccountRole, frozenset[str]] = {
    AccountRole.hr: frozenset({ALL_COMMANDS}),
    AccountRole.manager: frozenset({"hours_reported", "progress_talk_held", "complaints_reported", "evaluation_held"}),
    AccountRole.employee: frozenset({"employee_feedback", "buddy_consent", "employee_view_given"}),
    AccountRole.coach: frozenset({"driegesprek_held", "signal_resolved"}),
    AccountRole.auditor: frozenset(),
    AccountRole.buddy: frozenset(),
}
READS_HISTORY = (AccountRole.hr, AccountRole.auditor)
"""The full merged history and the compliance table (and their export). What of the re-integratiedossier
each role sees is :mod:`web.dossier_access`'s."""


def role_may_give(role: AccountRole, name: str) -> bool:
    """Whether the role may give this command at all (in some case)."""
    allowed = COMMANDS_BY_ROLE.get(role, frozenset())
    return ALL_COMMANDS in allowed or name in allowed


def may_command(principal: Principal, access: CaseAccess, name: str) -> bool:
    """Whether ``principal`` may give command ``name`` in this case."""
    if access.read_only or access.view != CaseView.full or not role_may_give(principal.role, name):
        return False
    if principal.role == AccountRole.hr:
        return True
    return principal.role.value in access.case_roles


def commands_for(principal: Principal, access: CaseAccess, names: list[str]) -> list[str]:
    """Of ``names``, the commands ``principal`` may give in this case, in the given order."""
    return [name for name in names if may_command(principal, access, name)]
