"""Sign-in sessions kept server-side, so that signing out, an expiry or "end all sessions" really ends them.

The browser's signed cookie holds only a random session id; the table keeps its SHA-256 (a leaked
table gives no usable cookie) with the user, when it started, when it expires and when it ended.
The expiry is absolute (start + ``SESSION_SECONDS``) and never extended: using a session all day
does not keep it alive past that.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.db import write_session
from integrations.schema import WebSessionRow

SESSION_SECONDS = 8 * 3600  # a working day; then sign in again


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class WebSessionStore:
    """Start, find, end the web sessions of the people who sign in. ``clock`` is injectable for tests."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        seconds: int = SESSION_SECONDS,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._seconds = seconds
        self._clock = clock

    async def start(self, user_id: int) -> str:
        """A new session for ``user_id``; returns its id (for the cookie only, never stored in clear)."""
        session_id = secrets.token_urlsafe(32)
        now = self._clock()
        async with write_session(self._sessionmaker) as session:
            session.add(
                WebSessionRow(
                    id=_digest(session_id),
                    user_id=user_id,
                    created_at=now,
                    expires_at=now + timedelta(seconds=self._seconds),
                    ended_at=None,
                )
            )
        return session_id

    async def live_user(self, session_id: str) -> int | None:
        """The user of a session that has not ended and not expired; None otherwise."""
        if not session_id:
            return None
        async with self._sessionmaker() as session:
            row = await session.get(WebSessionRow, _digest(session_id))
        if row is None or row.ended_at is not None or row.expires_at <= self._clock():
            return None
        return row.user_id

    async def end(self, session_id: str) -> bool:
        """Ends one session (signing out); False when it was unknown or had ended already."""
        async with write_session(self._sessionmaker) as session:
            result = await session.execute(
                update(WebSessionRow)
                .where(WebSessionRow.id == _digest(session_id), WebSessionRow.ended_at.is_(None))
                .values(ended_at=self._clock())
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def end_all_of(self, user_id: int) -> int:
        """Ends every live session of a user (a password change, HR's "end all sessions"); how many."""
        async with write_session(self._sessionmaker) as session:
            rows = (
                await session.scalars(
                    select(WebSessionRow).where(WebSessionRow.user_id == user_id, WebSessionRow.ended_at.is_(None))
                )
            ).all()
            now = self._clock()
            for row in rows:
                row.ended_at = now
            return len(rows)
