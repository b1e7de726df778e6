"""`/outbox`: what the local mail catcher received, so a newcomer sees the invitations the product sent."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from integrations.accounts import AccountRole
from integrations.mailcatcher import CaughtMessage, find_caught, list_caught
from web import deps
from web.access import require_role
from web.error_answers import problem


async def _dev_stack_only(folder: Path | None = Depends(deps.mail_folder)) -> Path:
    """The outbox shows the local mail catcher: it exists only in the embedded dev stack."""
    if folder is None:
        raise HTTPException(status_code=404, detail="There is no local mail catcher in this installation.")
    return folder


# Only HR reads what the product sent (names and dates of every case), and only in the dev stack.
router = APIRouter(
    dependencies=[Depends(require_role(AccountRole.hr)), Depends(_dev_stack_only)],
    responses=problem(403, "HR only.") | problem(404, "No mail catcher here (dev stack only), or no such message."),
)


@router.get("/outbox", response_class=HTMLResponse)
async def outbox(request: Request, folder: Path | None = Depends(deps.mail_folder)) -> Response:
    messages = list_caught(folder) if folder is not None else []
    return deps.render(request, "outbox.html", {"folder": folder, "messages": messages})


def _message(folder: Path | None, name: str) -> CaughtMessage:
    message = find_caught(folder, name) if folder is not None else None
    if message is None:
        raise HTTPException(status_code=404, detail=f"No message {name!r} in the outbox.")
    return message


@router.get("/outbox/{name}", response_class=HTMLResponse)
async def outbox_message(request: Request, name: str, folder: Path | None = Depends(deps.mail_folder)) -> Response:
    message = _message(folder, name)
    calendar = message.calendar_part()
    return deps.render(
        request,
        "outbox_message.html",
        {"m": message, "calendar": calendar.decode("utf-8", "replace") if calendar else None},
    )


@router.get("/outbox/{name}/invite.ics")
async def outbox_invitation(name: str, folder: Path | None = Depends(deps.mail_folder)) -> Response:
    calendar = _message(folder, name).calendar_part()
    if calendar is None:
        raise HTTPException(status_code=404, detail=f"Message {name!r} holds no invitation.")
    return Response(
        calendar,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=invite.ics"},
    )


@router.get("/outbox/{name}/raw")
async def outbox_raw(name: str, folder: Path | None = Depends(deps.mail_folder)) -> Response:
    message = _message(folder, name)
    return Response(
        message.message.as_bytes(),
        media_type="message/rfc822",
        headers={"Content-Disposition": f"attachment; filename={message.name}"},
    )
