"""How each person wants their notices: at once (``direct``, the default) or in one summary at 08:00.

Kept per e-mail address (lower case), because notices go to addresses: a manager, a coach or a
team member may have no account. Only notices follow the preference (reminders, overdue alerts,
signals, team and buddy notices); invitations, updates and cancellations always go at once, because
they are calendar objects a calendar must see in order.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations import sanitize
from integrations.db import run_write, upsert_on
from integrations.schema import Base, DigestItemRow, MailPreferenceRow


class MailMode(enum.StrEnum):
    direct = "direct"
    daily = "daily"


DEFAULT_MODE = MailMode.direct

_TABLE = Base.metadata.tables[MailPreferenceRow.__tablename__]
_ITEMS = Base.metadata.tables[DigestItemRow.__tablename__]


def _address(email: str) -> str:
    return sanitize.address(email).lower()


async def get_mode(sessionmaker: async_sessionmaker[AsyncSession], email: str) -> MailMode:
    """The person's choice; ``direct`` when they never chose."""
    async with sessionmaker() as session:
        found = await session.scalar(select(_TABLE.c.mode).where(_TABLE.c.email == _address(email)))
    return MailMode(str(found)) if found in MailMode.__members__ else DEFAULT_MODE


async def set_mode(sessionmaker: async_sessionmaker[AsyncSession], email: str, mode: MailMode | str) -> MailMode:
    """Store the person's choice (one row per address, replaced); returns it. Back to ``direct``:
    what waits for their next summary is due now (the worker sends it as one message within
    :data:`integrations.digest.POLL_SECONDS`), not at 08:00."""
    chosen = MailMode(mode)
    now = datetime.now(UTC)
    row = {"email": _address(email), "mode": chosen.value, "updated_at": now}

    def write(connection: Connection) -> None:
        insert = upsert_on(connection.dialect.name)(_TABLE).values(**row)
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=["email"], set_={"mode": insert.excluded.mode, "updated_at": insert.excluded.updated_at}
            )
        )
        if chosen == MailMode.direct:
            connection.execute(
                update(_ITEMS)
                .where(
                    _ITEMS.c.recipient == row["email"],
                    _ITEMS.c.digest_key.is_(None),
                    _ITEMS.c.reason == "daily",
                    _ITEMS.c.due_at > now,
                )
                .values(due_at=now)
            )

    await run_write(sessionmaker, write)
    return chosen


def modes_of(connection: Connection, emails: Collection[str]) -> dict[str, MailMode]:
    """The choices of these (lower-case) addresses, inside a transaction; absent: direct."""
    if not emails:
        return {}
    rows = connection.execute(select(_TABLE.c.email, _TABLE.c.mode).where(_TABLE.c.email.in_(sorted(set(emails)))))
    return {row.email: MailMode(row.mode) for row in rows if row.mode in MailMode.__members__}


__all__ = ["DEFAULT_MODE", "MailMode", "get_mode", "modes_of", "set_mode"]
