"""The case list (issue 21): search, counts and keyset paging over the read model, in SQL.

Who sees which case is decided here too, in the same statement, so that a page holds exactly the
cases its reader may see (a manager's second page is their own cases 51-100, not whatever is left of
HR's). The policy itself is :mod:`web.access`'s; it is passed in as a :class:`Viewer`.

The order is newest first: ``opened_at`` descending, then ``case_id`` descending, served by the index
``ix_cases_opened_at_case_id``. A page ends with a :class:`Cursor` (that key of its last case); the next
page starts after it, so a case opened meanwhile never shifts a page and no case comes twice.

The search by name or e-mail is a "contains" match of each word on ``cases.search_text`` (folded in
Python, :mod:`integrations.search_text`, the same on SQLite and PostgreSQL). "Contains" because HR
types part of a surname ("vries" for "Sanne de Vries") or of an address; a B-tree index would serve
only "starts with" on the whole text, which would miss those. The other filters use their indexes;
the text match is checked on the rows walked in key order, and a page stops after ``limit`` cases.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.schema import CasePersonRow, CaseRow
from integrations.search_text import fold

MAX_PAGE = 200


class BadCursor(ValueError):
    """A cursor that this list did not make (or that was changed)."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the sort key of its last case. Sent as an opaque string (:meth:`encode`)
    that holds a moment and a case id, nothing about the person."""

    opened_at: datetime
    case_id: str

    def encode(self) -> str:
        moment = self.opened_at if self.opened_at.tzinfo else self.opened_at.replace(tzinfo=UTC)
        raw = json.dumps([moment.astimezone(UTC).isoformat(), self.case_id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            moment, case_id = json.loads(raw.decode())
            opened_at = datetime.fromisoformat(moment)
        except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
            raise BadCursor(text) from exc
        if not isinstance(case_id, str) or not case_id or len(case_id) > 64 or opened_at.tzinfo is None:
            raise BadCursor(text)
        return cls(opened_at.astimezone(UTC), case_id)


@dataclass(frozen=True)
class Viewer:
    """Whose list it is. ``every_case``: HR and the auditor. Otherwise the cases where ``email`` takes
    part (``case_people``) in one of ``full_roles`` (seen in full) or only in ``practical_roles``
    (a buddy: names, and nothing to filter on)."""

    every_case: bool
    email: str = ""
    full_roles: frozenset[str] = frozenset()
    practical_roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CaseQuery:
    """What the reader searches for; every given part must hold (AND). Texts as typed."""

    text: str = ""  # words of the employee's name or e-mail, each contained
    manager_email: str | None = None
    phase: str | None = None
    org_unit: str | None = None
    overdue: bool | None = None
    open_signal: bool | None = None
    sick_from: date | None = None
    sick_to: date | None = None

    def filters(self) -> bool:
        """Whether anything narrows the list (then a buddy's practical view drops out)."""
        return bool(self.words()) or any(
            value is not None
            for value in (
                self.manager_email,
                self.phase,
                self.org_unit,
                self.overdue,
                self.open_signal,
                self.sick_from,
                self.sick_to,
            )
        )

    def words(self) -> list[str]:
        return fold(self.text).split()


@dataclass(frozen=True)
class ListedCase:
    row: CaseRow
    full: bool  # False: the reader sees only the practical part (a buddy)


@dataclass(frozen=True)
class CasePage:
    cases: list[ListedCase]
    next: Cursor | None  # None: this was the last page


@dataclass(frozen=True)
class CaseCounts:
    """How many cases match the whole search, and of those: per phase, overdue, with an open signal.
    Only cases seen in full count in the parts (a buddy's view shows no phase)."""

    total: int = 0
    by_phase: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    open_signals: int = 0


def _overdue(day: date) -> ColumnElement[bool]:
    return and_(CaseRow.next_deadline.is_not(None), CaseRow.next_deadline < day)


def _takes_part(viewer: Viewer, roles: frozenset[str]) -> ColumnElement[bool]:
    """The cases where the viewer holds one of ``roles``: found by the index on case_people.email (a
    manager's few hundred), not by a probe per case."""
    if not roles:
        return false()
    theirs = select(CasePersonRow.case_id).where(
        CasePersonRow.email == viewer.email.lower(), CasePersonRow.role.in_(sorted(roles))
    )
    return CaseRow.case_id.in_(theirs)


def _matches(query: CaseQuery, day: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        CaseRow.search_text.contains(word, autoescape=True) for word in query.words()
    ]
    if query.manager_email is not None:
        conditions.append(CaseRow.manager_email == query.manager_email.strip().lower())
    if query.phase is not None:
        conditions.append(CaseRow.phase == query.phase)
    if query.org_unit is not None:
        conditions.append(CaseRow.org_unit == query.org_unit)
    if query.overdue is not None:
        conditions.append(_overdue(day) if query.overdue else ~_overdue(day))
    if query.open_signal is not None:
        conditions.append(CaseRow.open_signals > 0 if query.open_signal else CaseRow.open_signals == 0)
    if query.sick_from is not None:
        conditions.append(CaseRow.first_sick_day >= query.sick_from)
    if query.sick_to is not None:
        conditions.append(CaseRow.first_sick_day <= query.sick_to)
    return conditions


class CaseSearch:
    """The case list of one reader, page by page, and its counts."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    def _scope(self, viewer: Viewer, query: CaseQuery, day: date) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        """(which cases are listed, which of those are seen in full), as SQL conditions."""
        matches = and_(true(), *_matches(query, day))
        if viewer.every_case:
            return matches, true()
        full = _takes_part(viewer, viewer.full_roles)
        if query.filters():
            return and_(full, matches), true()
        return or_(full, _takes_part(viewer, viewer.practical_roles)), full

    async def page(
        self, viewer: Viewer, query: CaseQuery, *, day: date, after: Cursor | None = None, limit: int = 50
    ) -> CasePage:
        """Up to ``limit`` cases after ``after``, newest first."""
        limit = max(1, min(limit, MAX_PAGE))
        listed, full = self._scope(viewer, query, day)
        statement = select(CaseRow, full.label("full")).where(listed)
        if after is not None:
            statement = statement.where(tuple_(CaseRow.opened_at, CaseRow.case_id) < (after.opened_at, after.case_id))
        statement = statement.order_by(CaseRow.opened_at.desc(), CaseRow.case_id.desc()).limit(limit + 1)
        async with self._sessionmaker() as session:
            rows: Sequence[tuple[CaseRow, bool]] = [
                (row, bool(whole)) for row, whole in (await session.execute(statement))
            ]
        cases = [ListedCase(row, whole) for row, whole in rows[:limit]]
        more = len(rows) > limit
        return CasePage(cases, Cursor(cases[-1].row.opened_at, cases[-1].row.case_id) if more else None)

    async def counts(self, viewer: Viewer, query: CaseQuery, *, day: date) -> CaseCounts:
        """The numbers of the whole search (every page)."""
        listed, full = self._scope(viewer, query, day)

        def one_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
            return func.sum(case((and_(full, condition), 1), else_=0))

        statement = (
            select(
                CaseRow.phase,
                func.count(),
                one_if(true()),
                one_if(_overdue(day)),
                one_if(CaseRow.open_signals > 0),
            )
            .where(listed)
            .group_by(CaseRow.phase)
        )
        total = overdue = signals = 0
        by_phase: dict[str, int] = {}
        async with self._sessionmaker() as session:
            for phase, listed_count, full_count, overdue_count, signal_count in await session.execute(statement):
                total += listed_count
                if full_count:
                    by_phase[phase] = int(full_count)
                overdue += int(overdue_count or 0)
                signals += int(signal_count or 0)
        return CaseCounts(total=total, by_phase=by_phase, overdue=overdue, open_signals=signals)
