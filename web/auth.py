"""Who is asking: a signed session cookie (pages) or a personal API token (JSON API), and CSRF.

Every route that needs a signed-in person depends on :func:`current_principal`. It also enforces the
two rules that hold for every route at once: a cookie-authenticated request that changes something
carries the session's CSRF token, and an auditor changes nothing (any unsafe method is a 403).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from integrations.accounts import Account, AccountRole, AccountStore
from integrations.web_sessions import WebSessionStore

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Principal:
    account: Account
    via: Literal["session", "token"]

    @property
    def role(self) -> AccountRole:
        return self.account.role

    @property
    def email(self) -> str:
        return self.account.email


class SignInRequired(Exception):
    """No (valid) session or token: pages redirect to /login, the API answers 401."""

    def __init__(self, *, api: bool, next_path: str = "/") -> None:
        self.api = api
        self.next_path = next_path


class CsrfFailed(Exception):
    """A form or cookie-authenticated API call without the session's CSRF token."""


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def verify_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not given or not secrets.compare_digest(expected.encode(), given.encode()):
        raise CsrfFailed()


def safe_next(path: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //): no open redirect after sign-in."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def accounts(request: Request) -> AccountStore:
    value: AccountStore = request.app.state.accounts  # Starlette's app.state holds Any
    return value


def web_sessions(request: Request) -> WebSessionStore:
    value: WebSessionStore = request.app.state.web_sessions
    return value


async def _session_account(request: Request) -> Account | None:
    """The account of the cookie's session when its server-side record is live (not ended, not expired)."""
    session_id = request.session.get("sid")
    user_id = await web_sessions(request).live_user(session_id) if isinstance(session_id, str) else None
    return await accounts(request).get(user_id) if user_id is not None else None


async def signed_in(request: Request) -> Principal:
    """Who is asking, by API token or session cookie, without reading the request's body (no CSRF
    or role check); raises :class:`SignInRequired`. Remembered for the request: the API's door
    (:mod:`web.sign_in_first`) asks before the body is read, the route's dependency asks again."""
    known = getattr(request.state, "signed_in", None)
    if isinstance(known, Principal):
        return known
    principal = await _identify(request)
    request.state.signed_in = principal
    return principal


async def _identify(request: Request) -> Principal:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        account = await accounts(request).account_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if account is None:
            raise SignInRequired(api=True)
        principal = Principal(account, "token")
    else:
        account = await _session_account(request)
        if account is None:
            request.session.pop("sid", None)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(api=is_api(request), next_path=quote(target, safe="/?=&-_.~"))
        principal = Principal(account, "session")
    return principal


async def current_principal(request: Request) -> Principal:
    principal = await signed_in(request)
    if principal.via == "session" and request.method not in SAFE_METHODS:
        await verify_csrf(request)
    if principal.role == AccountRole.auditor and request.method not in SAFE_METHODS:
        raise HTTPException(status_code=403, detail="An auditor reads; nothing an auditor does changes a case.")
    request.state.principal = principal
    return principal


def require_role(*roles: AccountRole) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the signed-in person, when their role is one of ``roles``; else 403."""

    async def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in roles:
            raise HTTPException(status_code=403, detail="Your role may not do this.")
        return principal

    return dependency
