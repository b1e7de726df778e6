"""The SQL store's engine, its write transactions and the declarative base (SQLAlchemy 2, async).

SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) the production database. Every table
of the store is in :mod:`integrations.schema`; :mod:`integrations.migrate` makes and upgrades the schema.

Every write goes through SQLAlchemy, the same statements on both databases: :func:`run_write` for
Core statements on a connection, :func:`write_session` for the ORM. On SQLite both begin with
``BEGIN IMMEDIATE`` (see :func:`_sqlite_begin`), and :func:`run_write` runs in a thread of its own
(:class:`_SqliteWrites`).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

T = TypeVar("T")

#: The execution option that marks a write transaction (read by :func:`_sqlite_begin`).
WRITE_TRANSACTION = "reintegratie_write_transaction"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # busy_timeout turns brief lock contention into a wait instead of "database is locked"; it comes
    # first, because setting the journal mode needs a lock too (a connection opened while another
    # process writes, e.g. two processes starting at once, would fail at once otherwise). WAL lets the
    # web app read while the worker writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    _wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # sqlite3 would begin a transaction only before INSERT, UPDATE and DELETE, and always deferred:
    # switch that off, :func:`_sqlite_begin` says BEGIN instead (SQLAlchemy's documented recipe,
    # "Enabling Non-Legacy SQLite Transactional Modes").
    dbapi_connection.isolation_level = None


_WAL_ATTEMPTS = 60


def _wal(cursor: Any) -> None:
    """Switch the database to WAL (it stays so, in the file). On a new database that several
    processes open at once, the switch can fail at once with "database is locked" although
    busy_timeout is set (SQLite does not always wait for it): try again, for at most 30 s in all."""
    for attempt in range(_WAL_ATTEMPTS):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _WAL_ATTEMPTS - 1:
                raise
            time.sleep(0.5)


def _sqlite_begin(connection: Connection) -> None:
    """Begin every transaction on SQLite: ``BEGIN IMMEDIATE`` for a write transaction, so that it
    holds the write lock from its first statement, and a deferred ``BEGIN`` for the others (reads,
    which never block a writer under WAL).

    A write transaction that read first (the people of a case) and began deferred could find that
    another connection committed in between; WAL answers its first write with SQLITE_BUSY_SNAPSHOT
    ("database is locked") at once, which busy_timeout does not wait out. ``BEGIN IMMEDIATE`` waits
    (busy_timeout) for the lock instead."""
    write = connection.get_execution_options().get(WRITE_TRANSACTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def upsert_on(dialect: str) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL, the two the store runs on)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def make_engine(database_url: str) -> AsyncEngine:
    """An async engine for the URL, with the SQLite pragmas and transactions the store relies on."""
    if database_url.startswith("sqlite"):
        # One connection per process for reads and the ORM's writes (run_write's go through
        # _SqliteWrites). It is in autocommit but for the transactions SQLAlchemy begins
        # (_sqlite_connect), and SQLAlchemy ends each of them itself: no rollback when the connection
        # goes back to the pool (its "reset on return" for autocommit connections; one trip to
        # aiosqlite's thread less per transaction).
        engine = create_async_engine(
            database_url, pool_size=1, max_overflow=0, pool_timeout=120, pool_reset_on_return=None
        )
    else:
        engine = create_async_engine(database_url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# --------------------------------------------------------------------------------------------------
# Write transactions


def engine_of(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine a sessionmaker is bound to (the store's writers need its dialect and pool)."""
    bind = sessionmaker().bind  # a session holds no connection until it is used
    if not isinstance(bind, AsyncEngine):
        raise TypeError("the store needs a sessionmaker bound to one AsyncEngine")
    return bind


async def run_write(sessionmaker: async_sessionmaker[AsyncSession], writer: Callable[[Connection], T]) -> T:
    """``writer(connection)`` in one write transaction of SQLAlchemy Core: committed when it
    returns, rolled back when it raises; on SQLite it holds the write lock from its start.

    The writer is a plain function of a :class:`sqlalchemy.Connection` that runs Core statements
    (the same on both databases) and waits for nothing else. On a SQLite file it runs in the store's
    write thread (:class:`_SqliteWrites`); elsewhere through :meth:`AsyncConnection.run_sync`."""
    engine = engine_of(sessionmaker)
    writes = _sqlite_writes(engine)
    if writes is not None:
        return await writes.run(writer)
    async with engine.connect() as connection:
        await connection.execution_options(**{WRITE_TRANSACTION: True})
        async with connection.begin():
            return await connection.run_sync(writer)


class _SqliteWrites:
    """The write transactions of one SQLite file, one after the other in a thread of their own, on a
    synchronous engine (pysqlite) with the same pragmas and BEGIN IMMEDIATE: a transaction is one
    trip to that thread, whatever it runs.

    Why: through the async engine every statement is three or four trips to aiosqlite's thread
    (cursor, execute, fetch, close), plus three for BEGIN and one for COMMIT. Measured for issue 17
    (2 cores shared with other jobs; CPU time of the process): a delivery's read-model write
    (series state, case row, people, audit) 5.6-6.8 ms through aiosqlite, 1.2-1.6 ms here (0.8-1.1
    ms with the hand-written statements this replaced); an outbox batch of one message 4.9-6.3 ms,
    1.6-1.7 ms here (1.8-2.6 ms before). In ``bench.intake_throughput`` the worker spent 45-56 ms of
    CPU per case with every write through aiosqlite (burst ratio to the floor 0.92 and 0.47, medians
    of three pairs), 38-43 ms with this thread (0.96 and 0.82) and 34-42 ms before (1.07 and 0.85);
    the target is 0.75. Reads and the ORM's writes (:func:`write_session`) stay on the async engine."""

    def __init__(self, url: URL) -> None:
        self._engine = create_engine(url, pool_size=1, max_overflow=0, pool_reset_on_return=None)
        event.listen(self._engine, "connect", _sqlite_connect)
        event.listen(self._engine, "begin", _sqlite_begin)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writes")

    async def run(self, writer: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._transaction, writer)

    def _transaction(self, writer: Callable[[Connection], T]) -> T:
        with self._engine.connect() as connection, connection.execution_options(**{WRITE_TRANSACTION: True}).begin():
            return writer(connection)

    def close(self) -> None:
        """After the writes already asked for (their connection closes in the thread that made it)."""
        self._thread.submit(self._engine.dispose)
        self._thread.shutdown(wait=False)


_SQLITE_WRITES: weakref.WeakKeyDictionary[Engine, _SqliteWrites] = weakref.WeakKeyDictionary()


def _sqlite_writes(engine: AsyncEngine) -> _SqliteWrites | None:
    """The write thread of a SQLite file's engine (made on first use, closed with the engine's
    pool); None for other databases (and SQLite in memory, which a second engine would not see)."""
    url = engine.url
    if (
        engine.dialect.name != "sqlite"
        or ":memory:" in (url.database or ":memory:")
        or url.query.get("mode") == "memory"
    ):
        return None
    writes = _SQLITE_WRITES.get(engine.sync_engine)
    if writes is None:
        writes = _SQLITE_WRITES[engine.sync_engine] = _SqliteWrites(url.set(drivername="sqlite"))

        def disposed(sync_engine: Engine) -> None:
            if _SQLITE_WRITES.get(sync_engine) is writes:
                del _SQLITE_WRITES[sync_engine]
            writes.close()

        event.listen(engine.sync_engine, "engine_disposed", disposed, once=True)
    return writes


@asynccontextmanager
async def write_session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in one write transaction, as :func:`run_write`'s (for writes through the ORM that
    read first): committed when the block ends, rolled back when it raises."""
    async with sessionmaker.begin() as session:
        await session.connection(execution_options={WRITE_TRANSACTION: True})
        yield session
