"""Private calendar feeds: ``GET /feeds/{token}.ics`` (public, but the token is 256 random bits and
stored only as a hash), and the signed-in person's own feed address: make a new one (the old one
stops) or stop them all, as a page and in the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.feeds import FEED_CONTENT_TYPE, feed_for_token, feed_url, issue_feed_token, revoke_feed_tokens
from reintegratie.config.settings import Settings
from web import deps
from web.access import not_found
from web.auth import Principal, current_principal
from web.error_answers import API_ERRORS, INVALID_INPUT, problem
from web.i18n import request_language

router = APIRouter()


async def sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    value: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker  # Starlette's app.state holds Any
    return value


class FeedAddress(BaseModel):
    url: str


class FeedsStopped(BaseModel):
    stopped: int


@router.get(
    "/feeds/{token}.ics",
    tags=["feeds"],
    responses={200: {"content": {"text/calendar": {}}}} | problem(404, "No such feed.") | INVALID_INPUT,
)
async def feed(token: str, made: async_sessionmaker[AsyncSession] = Depends(sessionmaker)) -> Response:
    """A person's talks as a calendar to subscribe to (no sign-in: the address is the secret)."""
    body = await feed_for_token(made, token)
    if body is None:
        raise not_found("feed")
    return Response(
        body, media_type=FEED_CONTENT_TYPE, headers={"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex"}
    )


@router.post("/api/me/feed", response_model=FeedAddress, tags=["feeds"], responses=API_ERRORS)
async def new_feed_api(
    principal: Principal = Depends(current_principal),
    made: async_sessionmaker[AsyncSession] = Depends(sessionmaker),
    settings: Settings = Depends(deps.settings),
) -> FeedAddress:
    """A new address of your own calendar feed (shown once); any older address stops working."""
    return FeedAddress(url=feed_url(settings.public_url, await issue_feed_token(made, person=principal.email)))


@router.delete("/api/me/feed", response_model=FeedsStopped, tags=["feeds"], responses=API_ERRORS)
async def stop_feeds_api(
    principal: Principal = Depends(current_principal), made: async_sessionmaker[AsyncSession] = Depends(sessionmaker)
) -> FeedsStopped:
    """Stop every address of your calendar feed."""
    return FeedsStopped(stopped=await revoke_feed_tokens(made, person=principal.email))


@router.get("/feed", response_class=HTMLResponse, include_in_schema=False)
async def feed_page(request: Request, principal: Principal = Depends(current_principal)) -> Response:
    return deps.render(request, "feed.html", {})


@router.post("/feed", response_class=HTMLResponse, include_in_schema=False)
async def new_feed_page(
    request: Request,
    principal: Principal = Depends(current_principal),
    made: async_sessionmaker[AsyncSession] = Depends(sessionmaker),
    settings: Settings = Depends(deps.settings),
) -> Response:
    url = feed_url(settings.public_url, await issue_feed_token(made, person=principal.email))
    return deps.render(request, "feed.html", {"url": url})


@router.post("/feed/revoke", response_class=HTMLResponse, include_in_schema=False)
async def stop_feeds_page(
    request: Request,
    principal: Principal = Depends(current_principal),
    made: async_sessionmaker[AsyncSession] = Depends(sessionmaker),
) -> Response:
    await revoke_feed_tokens(made, person=principal.email)
    return deps.render(request, "feed.html", {"revoked": True, "lang_used": request_language(request)})
