"""The SQL store's engine and declarative base (SQLAlchemy 2, async).

SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) the production database. Every table
of the store hangs off :class:`Base`; :func:`create_schema` makes them on a fresh database.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine, AsyncSession
from sqlalchemy.sql import Executable

from integrations.schema import Base


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while the worker writes; busy_timeout turns brief lock contention
    # into a wait instead of "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upsert_on(dialect: str) -> Any:
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL, the two the store runs on)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def make_engine(database_url: str) -> AsyncEngine:
    """An async engine for the URL, with the SQLite pragmas the store relies on."""
    if database_url.startswith("sqlite"):
        # SQLite has one writer at a time: one connection per process queues our writes in the pool
        # instead of letting them collide on the file lock ("database is locked") and retry.
        engine = create_async_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=120)
    else:
        engine = create_async_engine(database_url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_schema(engine: AsyncEngine) -> None:
    """Create every table that does not exist yet (idempotent)."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)


# --------------------------------------------------------------------------------------------------
# Write transactions: the same statements through a session, or straight to SQLite's driver

Params = Mapping[str, Any] | Sequence[Mapping[str, Any]]
T = TypeVar("T")


class Transaction(Protocol):
    """What the store's writers need of a transaction: run a statement with one set of parameters
    or many (executemany), and get the rows it returns (RETURNING, SELECT), if any."""

    dialect: str

    async def run(self, statement: Executable, params: Params | None = None) -> Sequence[Sequence[Any]]: ...


class _SessionTransaction:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.dialect = session.bind.dialect.name  # type: ignore[union-attr]

    async def run(self, statement: Executable, params: Params | None = None) -> Sequence[Sequence[Any]]:
        result = await self._session.execute(statement, params)  # type: ignore[arg-type]
        return result.all() if result.returns_rows else []


@dataclass(frozen=True)
class _DriverStatement:
    """A statement compiled for the driver once: its SQL, and each positional parameter's name and
    bind processor (what SQLAlchemy would do to the value before handing it to the driver)."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, values: Mapping[str, Any]) -> list[Any]:
        return [
            value if process is None else process(value)
            for process, value in zip(self.processors, (values[name] for name in self.names), strict=True)
        ]


@functools.lru_cache(maxsize=256)
def _for_driver(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _DriverStatement:
    """Compiled once per statement object and set of parameter names (statements hash by identity,
    so they must be made once: module-level or cached)."""
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    names = tuple(compiled.positiontup or ())
    processors = tuple(compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
    return _DriverStatement(compiled.string, names, processors)


class _SqliteConnectionTransaction:
    """SQLite with SQLAlchemy only compiling, run on the sqlite3 connection itself in aiosqlite's
    thread: each ``run`` executes at once, so a writer's coroutine never suspends and the whole
    transaction is one hop to that thread (through a session every statement costs several hops
    plus the statement machinery: 2.2 ms for a delivery's write, 0.8 ms with a hop per statement)."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    async def run(self, statement: Executable, params: Params | None = None) -> Sequence[Sequence[Any]]:
        if params is None or isinstance(params, Mapping):
            values = params or {}
            compiled = _for_driver(statement, self._dialect, tuple(sorted(values)))
            return self._connection.execute(compiled.sql, compiled.parameters(values)).fetchall()
        if not params:
            return []
        compiled = _for_driver(statement, self._dialect, tuple(sorted(params[0])))
        self._connection.executemany(compiled.sql, [compiled.parameters(values) for values in params])
        return []


def _in_write_transaction(connection: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """``work`` between BEGIN IMMEDIATE and COMMIT; rolled back if it raises (in aiosqlite's thread)."""
    began = not connection.in_transaction
    if began:
        # The write lock from the start, whatever the driver's transaction mode: a transaction
        # that reads first (the people of a case) cannot then find the file changed under it.
        connection.execute("BEGIN IMMEDIATE")
    try:
        result = work(connection)
    except BaseException:
        if began:
            connection.rollback()
        raise
    connection.commit()
    return result


async def sqlite_write(engine: AsyncEngine, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``work(connection)`` in one write transaction on the pool's SQLite connection, in one hop
    to aiosqlite's thread (``work`` runs there: plain sqlite3 calls, nothing of the event loop)."""
    async with engine.connect() as pooled:
        database = (await pooled.get_raw_connection()).driver_connection
        assert database is not None
        # aiosqlite's own way to run a function on its connection's thread (each of its methods
        # is one such call); there is no public name for it.
        return await database._execute(_in_write_transaction, database._conn, work)  # type: ignore[no-any-return]  # noqa: SLF001


def _at_once(writer: Awaitable[T]) -> T:
    """The result of a coroutine that never suspends (it awaits only :class:`_SqliteConnectionTransaction`)."""
    coroutine = writer.__await__()
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a store writer awaited something other than its transaction")


def engine_of(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine a sessionmaker is bound to (the store's writers need its dialect and pool)."""
    bind = sessionmaker().bind  # a session holds no connection until it is used
    if not isinstance(bind, AsyncEngine):
        raise TypeError("the store needs a sessionmaker bound to one AsyncEngine")
    return bind


async def run_write(sessionmaker: async_sessionmaker[AsyncSession], writer: Callable[[Transaction], Awaitable[T]]) -> T:
    """``await writer(transaction)`` in one write transaction, committed when it returns and rolled
    back when it raises: on SQLite in one hop to the driver's thread (:func:`sqlite_write`), elsewhere
    through a session (PostgreSQL's asyncpg needs no shortcut). A writer awaits nothing but
    ``transaction.run``."""
    engine = engine_of(sessionmaker)
    if engine.dialect.name == "sqlite":
        return await sqlite_write(engine, lambda connection: _at_once(writer(_SqliteConnectionTransaction(connection, engine.dialect))))
    async with sessionmaker.begin() as session:
        return await writer(_SessionTransaction(session))
