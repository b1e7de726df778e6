"""Accounts of the people who sign in: role, language, password hash, TOTP secret, API tokens.

Passwords are kept as Argon2id hashes; personal API tokens as SHA-256 digests (they are long random
strings, so a fast digest is enough and lets a request find its token by index). A TOTP code is
accepted once: the last used time step is kept, so a code seen over someone's shoulder is spent.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.db import write_session
from integrations.schema import ApiTokenRow, UserRow, WebSessionRow

TOKEN_PREFIX = "rit_"
ISSUER = "reintegratie"
DEMO_DOMAIN = "demo.reintegratie.localhost"
MIN_PASSWORD_LENGTH = 12


class AccountRole(enum.StrEnum):
    hr = "hr"
    manager = "manager"
    coach = "coach"
    employee = "employee"
    buddy = "buddy"
    auditor = "auditor"


TOTP_REQUIRED: frozenset[AccountRole] = frozenset({AccountRole.hr, AccountRole.auditor})
"""They see every case: the privacy rules ask for two factors when reachable over the internet."""

_hasher = PasswordHasher()
# Verified when the address is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AccountError(ValueError):
    """The account cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True)
class Account:
    """A signed-in person as the web app knows them (no secrets)."""

    id: int
    email: str
    name: str
    role: AccountRole
    language: str
    has_totp: bool
    demo: bool

    @property
    def totp_required(self) -> bool:
        return self.role in TOTP_REQUIRED

    @classmethod
    def of(cls, row: UserRow) -> Account:
        return cls(
            id=row.id,
            email=row.email,
            name=row.name,
            role=AccountRole(row.role),
            language=row.language,
            has_totp=row.totp_secret is not None,
            demo=row.demo,
        )


@dataclass(frozen=True)
class NewAccount:
    account: Account
    totp_secret: str | None

    def provisioning_uri(self) -> str | None:
        if self.totp_secret is None:
            return None
        return pyotp.TOTP(self.totp_secret).provisioning_uri(name=self.account.email, issuer_name=ISSUER)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AccountStore:
    """Accounts and tokens in the SQL store.

    An API token is looked up on every request (one indexed read by its digest, joined to its user by
    primary key), never remembered in memory: a revocation, by this process, another web process or
    ``reintegratie users revoke-tokens``, takes effect at the very next request. A per-process cache
    could not be told about a revocation made elsewhere.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def add(
        self,
        *,
        email: str,
        role: AccountRole | str,
        name: str | None = None,
        language: str = "nl",
        password: str | None = None,
        totp: bool | None = None,
        demo: bool = False,
    ) -> NewAccount:
        """Create an account. TOTP is set up when asked, and always for the roles that require it."""
        email = email.strip().lower()
        try:
            role = AccountRole(role)
        except ValueError:
            raise AccountError(f"unknown role {role!r}; one of: {', '.join(AccountRole)}") from None
        if "@" not in email or any(ch.isspace() for ch in email):
            raise AccountError(f"{email!r} is not an e-mail address")
        if language not in ("nl", "en"):
            raise AccountError("language must be nl or en")
        if password is not None and len(password) < MIN_PASSWORD_LENGTH and not demo:
            raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        secret = pyotp.random_base32() if (totp or role in TOTP_REQUIRED) else None
        row = UserRow(
            email=email,
            name=(name or email.split("@")[0]).strip(),
            role=role.value,
            language=language,
            password_hash=_hasher.hash(password) if password is not None else None,
            totp_secret=secret,
            totp_last_step=0,
            active=True,
            demo=demo,
        )
        async with write_session(self._sessionmaker) as session:
            if await session.scalar(select(UserRow.id).where(UserRow.email == email)) is not None:
                raise AccountError(f"an account for {email} exists already")
            session.add(row)
        return NewAccount(Account.of(row), secret)

    async def get(self, user_id: int) -> Account | None:
        async with self._sessionmaker() as session:
            row = await session.get(UserRow, user_id)
            return Account.of(row) if row is not None and row.active else None

    async def by_email(self, email: str) -> Account | None:
        async with self._sessionmaker() as session:
            row = await session.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
            return Account.of(row) if row is not None and row.active else None

    async def check_password(self, email: str, password: str) -> Account | None:
        """The account when the password is right; None otherwise (same work either way)."""
        async with self._sessionmaker() as session:
            row = await session.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
        stored = row.password_hash if row is not None and row.active and row.password_hash else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return Account.of(row) if row is not None and row.active and row.password_hash else None

    async def set_password(self, email: str, password: str) -> int:
        """A new password; every web session of the account ends with it (in the same transaction), so
        whoever signed in with the old one, or kept a cookie, is out. How many sessions ended."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
        async with write_session(self._sessionmaker) as session:
            row = await session.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
            if row is None:
                raise AccountError(f"no account for {email}")
            row.password_hash = _hasher.hash(password)
            ended = await session.execute(
                update(WebSessionRow)
                .where(WebSessionRow.user_id == row.id, WebSessionRow.ended_at.is_(None))
                .values(ended_at=_utcnow())
            )
            return int(ended.rowcount)  # type: ignore[attr-defined]

    async def check_totp(self, user_id: int, code: str, *, at: datetime | None = None) -> bool:
        """True once per code: the time step of an accepted code can never be used again."""
        code = code.strip().replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            return False
        moment = at or _utcnow()
        async with write_session(self._sessionmaker) as session:
            row = await session.get(UserRow, user_id)
            if row is None or row.totp_secret is None or not row.active:
                return False
            totp = pyotp.TOTP(row.totp_secret)
            step = totp.timecode(moment)
            for candidate in (step, step - 1):  # the current step and one before: clocks drift
                if candidate > row.totp_last_step and secrets.compare_digest(totp.generate_otp(candidate), code):
                    row.totp_last_step = candidate
                    return True
            return False

    async def totp_secret(self, email: str) -> str | None:
        async with self._sessionmaker() as session:
            row = await session.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
            return row.totp_secret if row is not None else None

    async def issue_token(self, user_id: int, label: str = "") -> str:
        """A new personal API token; only its digest is kept, so it is shown once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with write_session(self._sessionmaker) as session:
            if await session.get(UserRow, user_id) is None:
                raise AccountError(f"no account with id {user_id}")
            session.add(ApiTokenRow(user_id=user_id, digest=_digest(token), label=label[:100]))
        return token

    async def account_for_token(self, token: str) -> Account | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        digest = _digest(token)
        async with self._sessionmaker() as session:
            row = await session.scalar(
                select(UserRow)
                .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
                .where(ApiTokenRow.digest == digest, ApiTokenRow.revoked_at.is_(None), UserRow.active.is_(True))
            )
        return Account.of(row) if row is not None else None

    async def revoke_token(self, token: str) -> bool:
        async with write_session(self._sessionmaker) as session:
            row = await session.scalar(select(ApiTokenRow).where(ApiTokenRow.digest == _digest(token)))
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = _utcnow()
            return True

    async def revoke_tokens_of(self, email: str) -> int:
        async with write_session(self._sessionmaker) as session:
            rows = (
                await session.scalars(
                    select(ApiTokenRow)
                    .join(UserRow, UserRow.id == ApiTokenRow.user_id)
                    .where(UserRow.email == email.strip().lower(), ApiTokenRow.revoked_at.is_(None))
                )
            ).all()
            for row in rows:
                row.revoked_at = _utcnow()
            return len(rows)
