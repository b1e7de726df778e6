"""Schema migrations of the SQL store (Alembic): bring a database to the newest revision, say where it stands.

The revisions are in ``integrations/migrations/versions`` (they ship with the package). The first,
``0001``, is the schema as ``create_all`` made it before there were migrations. Such a database
(our tables, no ``alembic_version``) is recognised and stamped ``0001`` before the upgrade, so its
rows stay where they are.

Who migrates: ``reintegratie db upgrade``, ``reintegratie web`` and ``reintegratie dev`` on start
(:func:`upgrade`). The worker and ``reintegratie users`` only create the schema of an empty database
and otherwise refuse a schema that is not at the head (:func:`ensure_current`): a worker of a new
version must not change a database that other, older processes still use.

One upgrade at a time: on PostgreSQL an advisory lock held by the upgrade's transaction, on SQLite
the write lock (``BEGIN IMMEDIATE``); whoever waited then finds the database at the head already.
The revisions of one upgrade, and the stamp, commit together or not at all (both databases have
transactional DDL).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from integrations.db import WRITE_TRANSACTION, make_engine

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"
# The tables of revision 0001: what a database made before migrations has (frozen, not the models).
BASELINE_TABLES = frozenset(
    {
        "outbox",
        "cases",
        "audit_trail",
        "case_people",
        "users",
        "api_tokens",
        "calendar_feed_tokens",
        "calendar_series",
        "calendar_series_people",
    }
)
VERSION_TABLE = "alembic_version"
UPGRADE_COMMAND = "reintegratie db upgrade"
_POSTGRES_LOCK = 0x7265696E74656772  # pg_advisory_xact_lock key: "reintegr"


class SchemaError(Exception):
    """The database's schema is not one this version can use; the message says what to do."""


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, made in code (no alembic.ini): the migrations folder of this package,
    and the connection (in a transaction) to work on."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision (one line of revisions: a single head)."""
    found = script().get_current_head()
    assert found is not None, f"no revisions in {MIGRATIONS / 'versions'}"
    return found


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands."""

    revision: str | None  # in alembic_version; None when there is none
    head: str
    tables: frozenset[str]  # the tables found (any, ours or not)
    known: bool  # the revision is one of this version's

    @property
    def at_head(self) -> bool:
        return self.revision == self.head

    @property
    def empty(self) -> bool:
        """No revision and none of our tables: a new database."""
        return self.revision is None and not (self.tables & BASELINE_TABLES)

    @property
    def before_migrations(self) -> bool:
        """Our tables without a revision: made by ``create_all`` before there were migrations."""
        return self.revision is None and bool(self.tables & BASELINE_TABLES)

    def describe(self) -> str:
        """Where it stands, in a few words (no advice)."""
        if self.at_head:
            return f"{self.revision} (head)"
        if self.empty:
            return f"no revision: an empty database (head: {self.head})"
        if self.before_migrations:
            return f"no revision: tables made before migrations (an upgrade marks them {BASELINE}, then goes on to the head, {self.head})"
        if not self.known:
            return f"{self.revision}: unknown to this version of reintegratie (head: {self.head}), a newer version upgraded it"
        return f"{self.revision} (behind the head, {self.head})"


def state_of(connection: Connection) -> SchemaState:
    tables = frozenset(inspect(connection).get_table_names())
    revision = MigrationContext.configure(connection).get_current_revision() if VERSION_TABLE in tables else None
    known = revision is None or revision in {s.revision for s in script().walk_revisions()}
    return SchemaState(revision=revision, head=head(), tables=tables, known=known)


def stamp(connection: Connection, revision: str = "head") -> None:
    """Record ``revision`` without running anything (for a schema made otherwise: tests' create_all)."""
    command.stamp(config(connection), revision)


def _upgrade_locked(connection: Connection) -> tuple[SchemaState, SchemaState]:
    """In the caller's transaction: take the lock, stamp a pre-migrations database, upgrade to head."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK})
    before = state_of(connection)
    if before.at_head:
        return before, before
    if not before.known:
        raise _unknown(before)
    if before.before_migrations:
        missing = sorted(BASELINE_TABLES - before.tables)
        if missing:
            raise SchemaError(
                f"The database has tables of reintegratie but not {', '.join(missing)}, and no {VERSION_TABLE}: it does not "
                f"match the schema from before migrations ({BASELINE}), so it cannot be marked as such. Check which database this is."
            )
        logger.info("schema made before migrations: marking it %s", BASELINE)
        stamp(connection, BASELINE)
    command.upgrade(config(connection), "head")
    after = state_of(connection)
    logger.info("database schema upgraded from %s to %s", before.revision or "nothing", after.revision)
    return before, after


@asynccontextmanager
async def _engine(target: AsyncEngine | str) -> AsyncIterator[AsyncEngine]:
    if isinstance(target, AsyncEngine):
        yield target
        return
    engine = make_engine(target)
    try:
        yield engine
    finally:
        await engine.dispose()


async def upgrade(target: AsyncEngine | str) -> tuple[SchemaState, SchemaState]:
    """Bring the database (an engine, or a URL) to the head; returns where it stood before and after.

    Raises :class:`SchemaError` for a database this version cannot upgrade (a newer one's)."""
    async with _engine(target) as engine, engine.connect() as connection:
        # A write transaction: on SQLite it begins IMMEDIATE, holding the write lock from the start
        # (another upgrade waits for it, busy_timeout); PostgreSQL takes the advisory lock below.
        await connection.execution_options(**{WRITE_TRANSACTION: True})
        await connection.begin()
        try:
            states = await connection.run_sync(_upgrade_locked)
        except BaseException:
            await connection.rollback()
            raise
        await connection.commit()
        return states


async def state(target: AsyncEngine | str) -> SchemaState:
    async with _engine(target) as engine, engine.connect() as connection:
        return await connection.run_sync(state_of)


async def ensure_current(target: AsyncEngine | str) -> SchemaState:
    """For processes that do not migrate (the worker, ``reintegratie users``): a database at the head
    is used as it is, an empty one gets the schema (nothing can depend on an older one), anything else
    is refused with a :class:`SchemaError` that names the command to run."""
    found = await state(target)
    if found.at_head:
        return found
    if found.empty:
        return (await upgrade(target))[1]
    if not found.known:
        raise _unknown(found)
    raise SchemaError(f"The database schema is not at the head: {found.describe()}. Run `{UPGRADE_COMMAND}` first.")


def _unknown(found: SchemaState) -> SchemaError:
    return SchemaError(
        f"The database is at revision {found.revision}, which this version of reintegratie does not know "
        f"(head {found.head}): a newer version upgraded it. Run that version (or newer), not this one."
    )


def display_url(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<the configured database URL>"
