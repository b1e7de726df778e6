"""Sign-in (password, then TOTP when set up; required for hr and auditor), sign-out, language switch."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from integrations.accounts import Account
from web import deps
from web.auth import csrf_token, safe_next, verify_csrf, web_sessions
from web.error_answers import INVALID_INPUT, page
from web.i18n import LANGUAGES
from web.signin_limits import account_key, client_key, code_key, limiters, retry_after_header, wait_sentence

router = APIRouter()

_GO_ON: dict[int | str, dict[str, Any]] = {303: {"description": "Go on at the page in the Location header."}}
_CSRF = page(403, "Missing or wrong CSRF token: reload the form and try again.")
_SLOWED = page(429, "Too many failed sign-ins: the page says when to try again (Retry-After).")

PENDING_SECONDS = 300  # between a right password and the TOTP code


def _throttled(request: Request, email: str, wait: float, *, past_delay: bool = False) -> Response:
    """429 that says when to try again; ``past_delay`` adds the way past an account's delay (password + code)."""
    context = {"email": email, "error": "login.throttled", "wait_sentence": wait_sentence(request, wait)}
    answer = deps.render(request, "login.html", context | {"past_delay": past_delay}, status_code=429)
    answer.headers.update(retry_after_header(wait))
    return answer


async def _past_account_delay(request: Request, email: str, password: str, code: str, wait: float) -> Response:
    """While an account is delayed only its password with a TOTP code gets in; anything else gets the same 429.

    Without a code the password is not even checked; with one, every failure counts the same way and
    gets the same answer, so the delay never tells anyone whether the password was right. Wrong codes
    after a right password also slow the code check down (``code_key``), which nothing passes.
    """
    by_account, by_client = limiters(request)
    if code.strip():
        account = None
        if await by_account.retry_after(code_key(email)) == 0:
            account = await deps.accounts(request).check_password(email, password)
        if account is not None and account.has_totp:
            if await deps.accounts(request).check_totp(account.id, code):
                await by_account.forget(account_key(email))
                await by_account.forget(code_key(email))
                return await _start_session(request, account, str(request.session.get("next", "/")))
            await by_account.failed(code_key(email))
        await by_account.failed(account_key(email))
        await by_client.failed(client_key(request))
        wait = await by_account.retry_after(account_key(email))
    return _throttled(request, email, wait, past_delay=True)


async def _start_session(request: Request, account: Account, next_path: str) -> Response:
    """A fresh session for the signed-in person: nothing from before survives (no fixation).

    The cookie holds only the id of a server-side record (integrations.web_sessions), which ends
    when the person signs out, at its absolute expiry, or when all their sessions are ended."""
    language = request.session.get("lang")
    request.session.clear()
    request.session["sid"] = await web_sessions(request).start(account.id)
    if language in LANGUAGES:
        request.session["lang"] = language
    csrf_token(request)
    return RedirectResponse(safe_next(next_path), status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> Response:
    request.session["next"] = safe_next(next)
    return deps.render(request, "login.html", {"email": "", "error": None})


@router.post("/login", response_class=HTMLResponse, responses=_GO_ON | _CSRF | _SLOWED)
async def login(request: Request) -> Response:
    await verify_csrf(request)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()[:320]
    password = str(form.get("password", ""))[:1024]
    by_account, by_client = limiters(request)
    keys = (account_key(email), client_key(request))
    if (wait := await by_client.retry_after(keys[1])) > 0:
        return _throttled(request, email, wait)
    if (wait := await by_account.retry_after(keys[0])) > 0:
        return await _past_account_delay(request, email, password, str(form.get("code", ""))[:16], wait)
    account = await deps.accounts(request).check_password(email, password)
    if account is None:
        await by_account.failed(keys[0])
        await by_client.failed(keys[1])
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
    await by_account.forget(keys[0])
    return await _start_session(request, account, next_path)


@router.get("/login/totp", response_class=HTMLResponse, responses=_GO_ON)
async def totp_form(request: Request) -> Response:
    if not isinstance(request.session.get("pending_uid"), int):
        return RedirectResponse("/login", status_code=303)
    return deps.render(request, "totp.html", {"error": None})


@router.post("/login/totp", response_class=HTMLResponse, responses=_GO_ON | _CSRF | _SLOWED)
async def totp(request: Request) -> Response:
    await verify_csrf(request)
    user_id = request.session.get("pending_uid")
    started = request.session.get("pending_at")
    if not isinstance(user_id, int) or not isinstance(started, int) or time.time() - started > PENDING_SECONDS:
        request.session.clear()
        return deps.render(request, "login.html", {"email": "", "error": "totp.expired"}, status_code=401)
    account = await deps.accounts(request).get(user_id)
    if account is None:
        request.session.clear()
        return deps.render(request, "login.html", {"email": "", "error": "totp.expired"}, status_code=401)
    # The password was right: wrong passwords from others do not stop a right code; this client's
    # failures and earlier wrong codes for this account (only who knows the password makes those) do.
    by_account, by_client = limiters(request)
    keys = (code_key(account.email), client_key(request))
    if (wait := max(await by_client.retry_after(keys[1]), await by_account.retry_after(keys[0]))) > 0:
        request.session.clear()
        return _throttled(request, "", wait)
    code = str((await request.form()).get("code", ""))[:16]
    if not await deps.accounts(request).check_totp(account.id, code):
        await by_account.failed(keys[0])
        await by_client.failed(keys[1])
        return deps.render(request, "totp.html", {"error": "totp.bad"}, status_code=401)
    await by_account.forget(keys[0])
    await by_account.forget(account_key(account.email))
    return await _start_session(request, account, str(request.session.get("next", "/")))


@router.post("/logout", responses=_GO_ON | _CSRF)
async def logout(request: Request) -> Response:
    await verify_csrf(request)
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        await web_sessions(request).end(session_id)  # every copy of the cookie ends with it
    language = request.session.get("lang")
    request.session.clear()
    if language in LANGUAGES:
        request.session["lang"] = language
    return RedirectResponse("/login", status_code=303)


@router.get("/language/{language}", responses=_GO_ON | INVALID_INPUT)
async def switch_language(request: Request, language: str, next: str = "/") -> Response:
    """Only the display language changes (in the session): nothing of a case, so a link is enough."""
    if language in LANGUAGES:
        request.session["lang"] = language
    return RedirectResponse(safe_next(next), status_code=303)
