"""Sign-in (password, then TOTP when set up; required for hr and auditor), sign-out, language switch."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from integrations.accounts import Account
from web import deps
from web.auth import csrf_token, safe_next, verify_csrf
from web.i18n import LANGUAGES
from web.ratelimit import FailureLimiter

router = APIRouter()

PENDING_SECONDS = 300  # between a right password and the TOTP code


def _limiters(request: Request) -> tuple[FailureLimiter, FailureLimiter]:
    return request.app.state.limit_account, request.app.state.limit_client


def _client(request: Request) -> str:
    return "ip:" + (request.client.host if request.client else "?")


def _start_session(request: Request, account: Account, next_path: str) -> Response:
    """A fresh session for the signed-in person: nothing from before survives (no fixation)."""
    language = request.session.get("lang")
    request.session.clear()
    request.session["uid"] = account.id
    if language in LANGUAGES:
        request.session["lang"] = language
    csrf_token(request)
    return RedirectResponse(safe_next(next_path), status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    request.session["next"] = safe_next(next)
    return deps.render(request, "login.html", {"email": "", "error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    await verify_csrf(request)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()[:320]
    password = str(form.get("password", ""))[:1024]
    by_account, by_client = _limiters(request)
    keys = ("acct:" + email, _client(request))
    if by_account.blocked(keys[0]) or by_client.blocked(keys[1]):
        return deps.render(request, "login.html", {"email": email, "error": "login.throttled"}, status_code=429)
    account = await deps.accounts(request).check_password(email, password)
    if account is None:
        by_account.failed(keys[0])
        by_client.failed(keys[1])
        return deps.render(request, "login.html", {"email": email, "error": "login.bad"}, status_code=401)
    next_path = str(request.session.get("next", "/"))
    if account.totp_required and not account.has_totp:
        return deps.render(request, "login.html", {"email": email, "error": "login.no_totp"}, status_code=401)
    if account.has_totp:
        language = request.session.get("lang")
        request.session.clear()
        request.session.update({"pending_uid": account.id, "pending_at": int(time.time()), "next": next_path})
        if language in LANGUAGES:
            request.session["lang"] = language
        return RedirectResponse("/login/totp", status_code=303)
    by_account.succeeded(keys[0])
    return _start_session(request, account, next_path)


@router.get("/login/totp", response_class=HTMLResponse)
async def totp_form(request: Request) -> Response:
    if not isinstance(request.session.get("pending_uid"), int):
        return RedirectResponse("/login", status_code=303)
    return deps.render(request, "totp.html", {"error": None})


@router.post("/login/totp", response_class=HTMLResponse)
async def totp(request: Request) -> Response:
    await verify_csrf(request)
    user_id = request.session.get("pending_uid")
    started = request.session.get("pending_at")
    if not isinstance(user_id, int) or not isinstance(started, int) or time.time() - started > PENDING_SECONDS:
        request.session.clear()
        return deps.render(request, "login.html", {"email": "", "error": "totp.expired"}, status_code=401)
    account = await deps.accounts(request).get(user_id)
    by_account, by_client = _limiters(request)
    keys = ("acct:" + (account.email if account else "?"), _client(request))
    if account is None or by_account.blocked(keys[0]) or by_client.blocked(keys[1]):
        request.session.clear()
        return deps.render(request, "login.html", {"email": "", "error": "login.throttled"}, status_code=429)
    code = str((await request.form()).get("code", ""))[:16]
    if not await deps.accounts(request).check_totp(account.id, code):
        by_account.failed(keys[0])
        by_client.failed(keys[1])
        return deps.render(request, "totp.html", {"error": "totp.bad"}, status_code=401)
    by_account.succeeded(keys[0])
    return _start_session(request, account, str(request.session.get("next", "/")))


@router.post("/logout")
async def logout(request: Request) -> Response:
    await verify_csrf(request)
    language = request.session.get("lang")
    request.session.clear()
    if language in LANGUAGES:
        request.session["lang"] = language
    return RedirectResponse("/login", status_code=303)


@router.get("/language/{language}")
async def switch_language(request: Request, language: str, next: str = "/") -> Response:
    """Only the display language changes (in the session): nothing of a case, so a link is enough."""
    if language in LANGUAGES:
        request.session["lang"] = language
    return RedirectResponse(safe_next(next), status_code=303)
