"""The FastAPI application: the intake API and form, case status, and the mail catcher's outbox."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from temporalio.client import Client

from integrations.db import create_schema, make_engine, make_sessionmaker
from integrations.store import CaseStore
from reintegratie.settings import Settings
from reintegratie.temporal import connect
from web import api, outbox, pages


def _field_name(location: tuple[object, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path")]
    return ".".join(parts) or "body"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with one plain line per wrong field, naming the field."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _field_name(tuple(error["loc"])), "message": str(error["msg"]).removeprefix("Value error, ")}
        for error in exc.errors()
    ]
    summary = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
    return JSONResponse(status_code=422, content={"detail": f"Invalid input. {summary}", "errors": errors})


def create_app(settings: Settings, *, client: Client | None = None, mail_folder: Path | None = None) -> FastAPI:
    """Build the app. ``client`` may be given (tests, the dev stack); otherwise it connects at start.

    ``mail_folder`` is the local mail catcher's folder, shown at ``/outbox`` (embedded stack only).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        await create_schema(engine)
        app.state.store = CaseStore(make_sessionmaker(engine))
        app.state.temporal = client or await connect(settings)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(title="reintegratie", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.mail_folder = mail_folder
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(outbox.router)
    return app
