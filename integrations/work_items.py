"""The work queue in the SQL read model (issue 21): each case's things to do, written with its row,
and read across cases, most urgent first, without asking any workflow.

The workflow computes the items (:mod:`workflows.work_items`); :func:`replace_items` makes them the
case's items in the write transaction of its row (:func:`integrations.store.write_progress`).
:func:`work_queue` reads them for one person or for everyone, with what only the day decides
computed against ``today``: a step is overdue once its date has passed; a step shows from its
date's week's Monday a week before (this week and next); a talk to record once its day has come.
Declined invitations come from the replies read from the mailbox (``invitation_replies``): a
decline of the series' current version, of an occurrence not yet past, is on the queue for HR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Select, and_, case, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import WORK_ITEM_KINDS, WorkItem
from integrations.schema import Base, CalendarSeriesRow, CasePersonRow, CaseRow, CaseWorkItemRow, InvitationReplyRow

_ITEMS = Base.metadata.tables[CaseWorkItemRow.__tablename__]

QUEUE_LIMIT = 200
"""How many items one reading gives at most (the most urgent)."""

OVERDUE, OPEN, COMING = 0, 1, 2
"""The queue's order: overdue steps, then what is open now (signals, talks, RIV gaps, declined
invitations), then the steps due this week and next; within each, the earliest date first."""


def replace_items(connection: Connection, case_id: str, items: Sequence[WorkItem]) -> None:
    """Make ``items`` the case's work items (in the caller's transaction). ValueError: a kind not in
    :data:`contracts.WORK_ITEM_KINDS` (the queue of every case would not read it)."""
    unknown = {item.kind for item in items} - set(WORK_ITEM_KINDS)
    if unknown:
        raise ValueError(f"work items of an unknown kind {sorted(unknown)}: add it to contracts.WORK_ITEM_KINDS")
    connection.execute(delete(_ITEMS).where(_ITEMS.c.case_id == case_id))
    if items:
        connection.execute(
            insert(_ITEMS),
            [
                {
                    "case_id": case_id,
                    "kind": item.kind,
                    "key": item.key[:200],
                    "due": item.due,
                    "label_nl": item.label_nl[:300],
                    "label_en": item.label_en[:300],
                    "actor_role": item.actor_role,
                    "command": item.command,
                    "since": item.since,
                }
                for item in items
            ],
        )


@dataclass(frozen=True)
class QueueItem:
    """One line of the queue. ``group``: OVERDUE, OPEN or COMING. For a declined invitation
    (``kind`` "declined") ``key`` is the talk's kind and ``who`` whether the employee, the manager or
    someone else declined; its labels are the reader's words (web.work_queue)."""

    case_id: str
    employee_name: str
    manager_name: str
    kind: str
    key: str
    label_nl: str
    label_en: str
    actor_role: str
    command: str | None
    due: date | None
    since: date | None
    group: int
    who: str = ""

    @property
    def overdue(self) -> bool:
        return self.group == OVERDUE

    @property
    def day(self) -> date | None:
        return self.due or self.since


def end_of_next_week(today: date) -> date:
    """The Sunday of the week after ``today``'s."""
    return today + timedelta(days=13 - today.weekday())


@dataclass(frozen=True)
class Reader:
    """Whose queue: everyone's (``email`` None: HR, the auditor), or the cases in which ``email``
    holds one of ``case_roles``, limited to the items for ``actor_roles`` (None: all of them)."""

    email: str | None = None
    case_roles: tuple[str, ...] = ()
    actor_roles: tuple[str, ...] | None = None


def _cases_of(reader: Reader) -> Select[str]:
    assert reader.email is not None
    return select(CasePersonRow.case_id).where(
        CasePersonRow.email == reader.email.lower(), CasePersonRow.role.in_(reader.case_roles)
    )


async def work_queue(
    sessionmaker: async_sessionmaker[AsyncSession], reader: Reader, today: date, *, limit: int = QUEUE_LIMIT
) -> list[QueueItem]:
    """The reader's queue on ``today``, most urgent first, at most ``limit`` items.

    Everyone's queue (HR, the auditor) is read one kind at a time, the items with a due date and
    those without (their day is ``since``) apart, each the first ``limit`` in the order of the index
    ``ix_case_work_items_kind_day`` (kind, due, since): within each such part the queue's order is
    the index's (a step's group follows from its date), so the parts together hold the queue's
    first ``limit`` items, and the store never sorts every case's items (at 50,000 cases: 580,000
    of them). A person's own queue is a few cases' items, read at once."""
    horizon = end_of_next_week(today)
    group = case(
        (and_(_ITEMS.c.kind == "step", _ITEMS.c.due < today), OVERDUE),
        (_ITEMS.c.kind == "step", COMING),
        else_=OPEN,
    )
    day = func.coalesce(_ITEMS.c.due, _ITEMS.c.since)
    query = (
        select(
            _ITEMS.c.id,
            _ITEMS.c.case_id,
            CaseRow.employee_name,
            CaseRow.manager_name,
            _ITEMS.c.kind,
            _ITEMS.c.key,
            _ITEMS.c.label_nl,
            _ITEMS.c.label_en,
            _ITEMS.c.actor_role,
            _ITEMS.c.command,
            _ITEMS.c.due,
            _ITEMS.c.since,
            group.label("grp"),
        )
        .join(CaseRow, CaseRow.case_id == _ITEMS.c.case_id)
        .where(
            CaseRow.closed_on.is_(None),
            or_(_ITEMS.c.kind != "step", _ITEMS.c.due <= horizon),
            or_(_ITEMS.c.kind != "talk", _ITEMS.c.due <= today),
        )
    )
    if reader.actor_roles is not None:
        query = query.where(_ITEMS.c.actor_role.in_(reader.actor_roles))
    if reader.email is not None:
        queries = [query.where(_ITEMS.c.case_id.in_(_cases_of(reader))).order_by(day, CaseRow.employee_name)]
    else:
        queries = [
            query.where(_ITEMS.c.kind == kind, dated).order_by(by, CaseRow.employee_name)
            for kind in WORK_ITEM_KINDS
            for dated, by in ((_ITEMS.c.due.is_not(None), _ITEMS.c.due), (_ITEMS.c.due.is_(None), _ITEMS.c.since))
        ]
    queries = [each.order_by(_ITEMS.c.id).limit(limit) for each in queries]
    async with sessionmaker() as session:
        rows = [row for each in queries for row in (await session.execute(each)).all()]
        rows.sort(key=lambda row: (row.grp, row.due or row.since or today, row.employee_name, row.id))
        items = [
            QueueItem(
                case_id=row.case_id,
                employee_name=row.employee_name,
                manager_name=row.manager_name,
                kind=row.kind,
                key=row.key,
                label_nl=row.label_nl,
                label_en=row.label_en,
                actor_role=row.actor_role,
                command=row.command,
                due=row.due,
                since=row.since,
                group=row.grp,
            )
            for row in rows[:limit]
        ]
        if reader.actor_roles is None or "hr" in reader.actor_roles:
            items += await _declined(session, reader, today, limit)
    items.sort(key=lambda item: (item.group, item.day or today, item.employee_name))
    return items[:limit]


async def _declined(session: AsyncSession, reader: Reader, today: date, limit: int) -> list[QueueItem]:
    """Declines of a series' current version (not cancelled), of the whole series or of an
    occurrence from today on."""
    replies = InvitationReplyRow
    today_key = datetime.combine(today, datetime.min.time(), tzinfo=UTC).strftime("%Y%m%dT%H%M%SZ")
    query = (
        select(
            replies.case_id,
            replies.kind,
            replies.recurrence_id,
            replies.attendee,
            replies.received_at,
            CaseRow.employee_name,
            CaseRow.manager_name,
            CaseRow.employee_email,
            CaseRow.manager_email,
        )
        .join(CalendarSeriesRow, CalendarSeriesRow.uid == replies.uid)
        .join(CaseRow, CaseRow.case_id == replies.case_id)
        .where(
            replies.partstat == "DECLINED",
            replies.sequence >= CalendarSeriesRow.sequence,
            CalendarSeriesRow.cancelled.is_(False),
            CaseRow.closed_on.is_(None),
            or_(replies.recurrence_id == "", replies.recurrence_id >= today_key),
        )
        .order_by(replies.received_at)
        .limit(limit)
    )
    if reader.email is not None:
        query = query.where(replies.case_id.in_(_cases_of(reader)))
    result = []
    for row in (await session.execute(query)).all():
        occurrence = _occurrence_day(row.recurrence_id)
        attendee = row.attendee.lower()
        who = (
            "employee"
            if attendee == row.employee_email.lower()
            else "manager"
            if attendee == row.manager_email.lower()
            else "other"
        )
        result.append(
            QueueItem(
                case_id=row.case_id,
                employee_name=row.employee_name,
                manager_name=row.manager_name,
                kind="declined",
                key=row.kind,
                label_nl="",
                label_en="",
                actor_role="hr",
                command=None,
                due=occurrence,
                since=row.received_at.date(),
                group=OPEN,
                who=who,
            )
        )
    return result


def _occurrence_day(recurrence_id: str) -> date | None:
    if not recurrence_id:
        return None
    try:
        return datetime.strptime(recurrence_id, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).date()
    except ValueError:
        return None
