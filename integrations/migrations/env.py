"""Alembic's environment for the SQL store (run by the commands that integrations.migrate calls).

The usual way in is :mod:`integrations.migrate`, which hands over a connection that is already in a
transaction and holds the migration lock (``config.attributes["connection"]``): every revision of
one upgrade then commits together, or not at all. Without one, ``sqlalchemy.url`` is used (e.g. for
``alembic.command.revision(..., autogenerate=True)``, see README in this folder); with ``--sql``
style offline mode the statements are printed instead of run.

Revisions never import the models: they describe the tables as they were at that revision.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from integrations.schema import Base, UtcDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render the models' ``UtcDateTime`` as what it is in the database, ``DateTime(timezone=True)``.

    UtcDateTime only converts values in Python (UTC in, UTC out, naive on SQLite); its column type
    is its ``impl``. A revision must not import it from the models, which may change later.
    (Comparing types needs no hook: Alembic compares the compiled column types, and a TypeDecorator
    compiles to its impl: TIMESTAMP WITH TIME ZONE on PostgreSQL, DATETIME on SQLite.)
    """
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_item=render_item,
        compare_type=True,
        compare_server_default=True,
        # SQLite cannot ALTER most things: autogenerate writes batch operations (a copy of the
        # table on SQLite, plain ALTER TABLE on PostgreSQL).
        render_as_batch=True,
        **options,
    )


def run_migrations_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_on(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():  # a no-op when the caller's transaction is open already
        context.run_migrations()


async def run_migrations_on_url(url: str) -> None:
    from integrations.db import make_engine

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations_on)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
elif (given := config.attributes.get("connection")) is not None:
    run_migrations_on(given)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: give a connection (config.attributes['connection']) or sqlalchemy.url")
    asyncio.run(run_migrations_on_url(url))
