"""Request-scoped access to what the app holds (settings, store, Temporal client, templates).

The accessors used as dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in a
thread of its pool, a hand-over per dependency per request (py-spy on the intake benchmark: an
eighth of the web app's time per intake) for a read of ``app.state``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from integrations.accounts import AccountStore
from integrations.store import CaseStore
from reintegratie.config.settings import Settings
from states.clock import local

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _hm(moment: datetime) -> str:
    """A moment as the reader's clock shows it (Europe/Amsterdam), hours and minutes."""
    return local(moment).strftime("%H:%M")


def _hm_full(moment: datetime) -> str:
    return local(moment).strftime("%Y-%m-%d %H:%M")


templates.env.filters["hm"] = _hm
templates.env.filters["hm_full"] = _hm_full


async def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings  # Starlette's app.state holds Any
    return value


async def store(request: Request) -> CaseStore:
    value: CaseStore = request.app.state.store  # Starlette's app.state holds Any
    return value


async def sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    value: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker  # Starlette's app.state holds Any
    return value


async def temporal(request: Request) -> Client:
    value: Client = request.app.state.temporal  # Starlette's app.state holds Any
    return value


async def mail_folder(request: Request) -> Path | None:
    value: Path | None = request.app.state.mail_folder  # Starlette's app.state holds Any
    return value


def accounts(request: Request) -> AccountStore:
    value: AccountStore = request.app.state.accounts  # Starlette's app.state holds Any
    return value


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200) -> Response:
    """A page with what every template needs: the texts in the reader's language, CSRF token, who is signed in."""
    from web.auth import csrf_token
    from web.i18n import request_language, translator

    language = request_language(request)
    base = {
        "lang": language,
        "t": translator(language),
        "csrf_token": csrf_token(request),
        "principal": getattr(request.state, "principal", None),
    }
    return templates.TemplateResponse(request, name, base | (context or {}), status_code=status_code)
