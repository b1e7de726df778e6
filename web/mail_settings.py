"""How each signed-in person gets their notices: at once, or one summary at 08:00 on working days.

A page (:data:`integrations.digest.SETTINGS_PATH`) and the API (``/api/me/mail-preference``), for
every role, and always for the signed-in person's own address: neither takes an address from the
request, so nobody sets someone else's (an ``email`` naming another person is refused with a 403).
An auditor sees the page but changes nothing (:func:`web.auth.current_principal` refuses any write).
Invitations, updates and cancellations are not affected: they are calendar objects and go at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.accounts import AccountRole
from integrations.digest import SETTINGS_PATH
from integrations.preferences import MailMode, get_mode, set_mode
from web import deps
from web.auth import Principal, current_principal
from web.error_answers import API_ERRORS, page, problem

router = APIRouter()

API_PATH = "/api/me/mail-preference"
SUMMARY_AT = "08:00 Europe/Amsterdam, Monday to Friday"


class MailPreferenceIn(BaseModel):
    """The choice. ``email`` may be left out; when given it must be the signed-in person's own."""

    model_config = ConfigDict(extra="forbid")

    mode: MailMode = Field(
        description="direct: each notice, reminder and signal in a message of its own, at once; "
        "daily: one summary of them at 08:00 (Europe/Amsterdam) on working days"
    )
    email: str | None = Field(default=None, max_length=320, description="your own address (optional)")


class MailPreferenceOut(BaseModel):
    email: str
    mode: MailMode
    summary_at: str = SUMMARY_AT
    note: str = "Invitations, updates and cancellations of talks always go at once."


@router.get(API_PATH, response_model=MailPreferenceOut, tags=["settings"], responses=API_ERRORS)
async def read_preference(
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> MailPreferenceOut:
    """How the signed-in person gets their notices (``direct`` unless they chose otherwise)."""
    return MailPreferenceOut(email=principal.email, mode=await get_mode(sessionmaker, principal.email))


@router.put(
    API_PATH,
    response_model=MailPreferenceOut,
    tags=["settings"],
    responses=API_ERRORS | problem(403, "Someone else's mail preference: set only your own."),
)
async def write_preference(
    choice: MailPreferenceIn,
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> MailPreferenceOut:
    """Choose for yourself: ``direct`` or ``daily``."""
    if choice.email is not None and choice.email.strip().lower() != principal.email.lower():
        raise HTTPException(
            status_code=403, detail="You may only set your own mail preference: leave 'email' out or give your own."
        )
    mode = await set_mode(sessionmaker, principal.email, choice.mode)
    return MailPreferenceOut(email=principal.email, mode=mode)


def _page(
    request: Request, principal: Principal, mode: MailMode, *, status_code: int = 200, **context: object
) -> Response:
    return deps.render(
        request,
        "mail_settings.html",
        {
            "mode": mode.value,
            "modes": [m.value for m in MailMode],
            "read_only": principal.role == AccountRole.auditor,
            "action": SETTINGS_PATH,
            **context,
        },
        status_code=status_code,
    )


@router.get(SETTINGS_PATH, response_class=HTMLResponse)
async def settings_page(
    request: Request,
    saved: str | None = None,
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    mode = await get_mode(sessionmaker, principal.email)
    return _page(request, principal, mode, saved=saved == mode.value)


@router.post(SETTINGS_PATH, response_class=HTMLResponse, responses=page(422, "No valid choice: the form again."))
async def save_settings(
    request: Request,
    principal: Principal = Depends(current_principal),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    value = (await request.form()).get("mode")
    if not isinstance(value, str) or value not in MailMode.__members__:
        mode = await get_mode(sessionmaker, principal.email)
        return _page(request, principal, mode, error="mail.pick", status_code=422)
    mode = await set_mode(sessionmaker, principal.email, value)
    return RedirectResponse(f"{SETTINGS_PATH}?saved={mode.value}", status_code=303)
