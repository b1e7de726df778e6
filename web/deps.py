"""Request-scoped access to what the app holds (settings, store, Temporal client, templates)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates
from temporalio.client import Client

from integrations.store import CaseStore
from reintegratie.settings import Settings

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def store(request: Request) -> CaseStore:
    return request.app.state.store  # type: ignore[no-any-return]


def temporal(request: Request) -> Client:
    return request.app.state.temporal  # type: ignore[no-any-return]


def mail_folder(request: Request) -> Path | None:
    return request.app.state.mail_folder  # type: ignore[no-any-return]
