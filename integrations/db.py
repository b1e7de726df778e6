"""The SQL store's engine and declarative base (SQLAlchemy 2, async).

SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) the production database. Every table
of the store hangs off :class:`Base`; :func:`create_schema` makes them on a fresh database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine, AsyncSession
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every table of the store."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while the worker writes; busy_timeout turns brief lock contention
    # into a wait instead of "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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
    # Import the modules that define tables so that they are registered on Base.metadata.
    from integrations import accounts, store  # noqa: F401

    try:
        from integrations import outbox  # noqa: F401
    except ImportError:  # pragma: no cover - outbox arrives with the mail integration
        pass
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
