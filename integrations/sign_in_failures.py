"""Failed sign-ins, counted in the store: a growing delay per key, never a lock, the same for every web process.

Each key (an account, a client address) may fail freely until its ``delay_after``-th failure; that
one sets a wait of ``first_delay`` seconds, and every further failure doubles it, up to ``max_delay``.
Waiting is all it takes: no count reaches a state that only time or an operator could end, so whoever
fails on an account's behalf can slow its owner down but never shut them out.

The counts are rows of ``sign_in_failures`` (integrations.schema.SignInFailureRow), not memory: behind
several web processes each process reads and adds to the same count, so a guesser does not get a
fresh allowance from every process. A failure is one upsert that adds one (or starts again from one
when the last failure was ``forget_after`` ago), atomic on SQLite and PostgreSQL alike.

A key untouched for ``forget_after`` seconds counts as never failed; its row goes in a later write
(:data:`FORGET_AT_ONCE` at a time, the oldest first), so the table holds roughly the keys that
failed within ``forget_after``. The clock is a parameter so that tests drive it instead of waiting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import ColumnElement, Connection, String, case, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.db import run_write, upsert_on
from integrations.schema import Base, SignInFailureRow

_TABLE = Base.metadata.tables[SignInFailureRow.__tablename__]


def _length(column: str) -> int:
    kind = _TABLE.c[column].type
    assert isinstance(kind, String) and kind.length is not None
    return kind.length


KEY_LENGTH: Final = _length("key")
LIMITER_LENGTH: Final = _length("limiter")
FORGET_AT_ONCE: Final = 100
"""Forgotten rows deleted by one write at most: a write stays short, and there are at most as many
forgotten rows as writes that made them."""

_COUNT_BEYOND_DELAY: Final = 64
"""A count stops growing this far past ``delay_after``: its delay is the cap long before (2**64 s)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SignInFailures:
    """The failures of one limiter (``limiter``: "account", "client"), kept in the store.

    ``clock`` returns an aware UTC datetime (tests drive it).
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        limiter: str,
        delay_after: int,
        first_delay: float = 1.0,
        max_delay: float = 300.0,
        forget_after: float = 24 * 3600.0,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        if delay_after < 1 or first_delay <= 0 or max_delay < first_delay or forget_after < max_delay:
            raise ValueError("the limiter needs 1 <= delay_after, 0 < first_delay <= max_delay <= forget_after")
        if not 0 < len(limiter) <= LIMITER_LENGTH:
            raise ValueError(f"a limiter's name has 1 to {LIMITER_LENGTH} characters")
        self._sessionmaker = sessionmaker
        self.limiter = limiter
        self.delay_after = delay_after
        self._first = first_delay
        self._max = max_delay
        self._forget_after = timedelta(seconds=forget_after)
        self._clock = clock

    def _delay(self, count: int) -> float:
        beyond = count - self.delay_after
        if beyond < 0:
            return 0.0
        if beyond > _COUNT_BEYOND_DELAY:  # past any cap; no need to compute it
            return self._max
        return float(min(self._first * 2**beyond, self._max))

    def _of(self, key: str) -> tuple[ColumnElement[bool], ...]:
        if len(key) > KEY_LENGTH:
            raise ValueError(f"a sign-in failure key has at most {KEY_LENGTH} characters")
        return (_TABLE.c.limiter == self.limiter, _TABLE.c.key == key)

    async def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        where = self._of(key)
        async with self._sessionmaker() as session:
            found = (
                await session.execute(select(_TABLE.c["count"], _TABLE.c.last_failed_at).where(*where))
            ).one_or_none()
        if found is None:
            return 0.0
        count: int = found[0]
        last: datetime = found[1]
        now = self._clock()
        if now - last >= self._forget_after:
            return 0.0
        return max(0.0, (last + timedelta(seconds=self._delay(count)) - now).total_seconds())

    async def failed(self, key: str) -> None:
        """One more failure of ``key``, now; one statement, so failures at once in several processes all count."""
        self._of(key)
        now = self._clock()
        forgotten = now - self._forget_after
        count = _TABLE.c["count"]

        def write(connection: Connection) -> None:
            insert = upsert_on(connection.dialect.name)(_TABLE).values(
                limiter=self.limiter, key=key, count=1, last_failed_at=now
            )
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[_TABLE.c.limiter, _TABLE.c.key],
                    set_={
                        "count": case(
                            (_TABLE.c.last_failed_at <= forgotten, 1),
                            (count >= self.delay_after + _COUNT_BEYOND_DELAY, count),
                            else_=count + 1,
                        ),
                        "last_failed_at": insert.excluded.last_failed_at,
                    },
                )
            )
            self._delete_forgotten(connection, forgotten)

        await run_write(self._sessionmaker, write)

    async def forget(self, key: str) -> bool:
        """End the key's delay (after a success, or when HR ends it); True when it had a count to end."""
        where = self._of(key)
        forgotten = self._clock() - self._forget_after

        def write(connection: Connection) -> bool:
            ended = connection.execute(delete(_TABLE).where(*where).returning(_TABLE.c.last_failed_at)).scalar()
            self._delete_forgotten(connection, forgotten)
            return ended is not None and ended > forgotten

        return await run_write(self._sessionmaker, write)

    def _delete_forgotten(self, connection: Connection, forgotten: datetime) -> None:
        """Delete this limiter's oldest rows untouched since ``forgotten``, at most :data:`FORGET_AT_ONCE`.

        On PostgreSQL the rows another process is deleting (or failing again) at the same moment are
        skipped, not waited for: two processes never wait on each other here. The oldest rows are a
        CTE, read once: as a plain ``IN (SELECT ... LIMIT ...)`` PostgreSQL may run the subquery again
        for every row it compares (a nested-loop semi join), and each run finds the next hundred."""
        oldest = (
            select(_TABLE.c.key)
            .where(_TABLE.c.limiter == self.limiter, _TABLE.c.last_failed_at <= forgotten)
            .order_by(_TABLE.c.last_failed_at)
            .limit(FORGET_AT_ONCE)
            .with_for_update(skip_locked=True)  # SQLite has no row locks; its write lock serialises
            .cte("oldest")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        connection.execute(
            delete(_TABLE).where(_TABLE.c.limiter == self.limiter, _TABLE.c.key.in_(select(oldest.c.key)))
        )
