"""The FastAPI application: sign-in, the intake API and form, case status, and the mail catcher's outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles
from temporalio.client import Client

from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker
from integrations.migrate import upgrade as upgrade_schema
from integrations.sign_in_failures import SignInFailures
from integrations.store import CaseStore
from integrations.web_sessions import SESSION_SECONDS, WebSessionStore
from reintegratie.config.settings import MAKE_SECRET, Settings, SettingsError
from reintegratie.config.temporal import connect, payload_codec
from web import (
    api,
    api_docs,
    attendance,
    case_import_pages,
    case_list,
    case_pages,
    case_views,
    codec,
    commands,
    deps,
    dossier,
    feeds,
    mail_settings,
    outbox,
    pages,
    retention,
    signin,
    signin_limits,
    statistics,
    work_queue,
)
from web.auth import CsrfFailed, SignInRequired, is_api
from web.body_limit import BodyLimit, dossier_uploads
from web.codec import CodecCors
from web.dossier_upload import UploadProblem
from web.security_headers import SecurityHeaders
from web.sign_in_first import ApiSignInFirst

SESSION_COOKIE = "reintegratie_session"
STATIC_FOLDER = Path(__file__).parent / "static"


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


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if exc.api:
        return JSONResponse(
            status_code=401,
            content={
                "detail": "Sign in first: send 'Authorization: Bearer <personal API token>' (reintegratie users token)."
            },
            headers={"WWW-Authenticate": "Bearer"},
        )
    return RedirectResponse(f"/login?next={exc.next_path}", status_code=303)


async def _csrf_failed(request: Request, exc: Exception) -> Response:
    if is_api(request):
        return JSONResponse(status_code=403, content={"detail": "Missing or wrong CSRF token (header X-CSRF-Token)."})
    return deps.render(request, "message.html", {"title": "csrf.title", "body": "csrf.body"}, status_code=403)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Pages get a short page in the reader's language for 403 and 404; the API keeps its JSON."""
    assert isinstance(exc, StarletteHTTPException)
    if not is_api(request) and exc.status_code in (403, 404) and "text/html" in request.headers.get("accept", ""):
        kind = "forbidden" if exc.status_code == 403 else "notfound"
        return deps.render(
            request, "message.html", {"title": f"{kind}.title", "body": f"{kind}.body"}, status_code=exc.status_code
        )
    return await http_exception_handler(request, exc)


def create_app(settings: Settings, *, client: Client | None = None, mail_folder: Path | None = None) -> FastAPI:
    """Build the app. ``client`` may be given (tests, the dev stack); otherwise it connects at start.

    ``mail_folder`` is the local mail catcher's folder, shown at ``/outbox`` (embedded stack only).
    """
    if settings.secret_key is None:
        raise SettingsError(
            f"REINTEGRATIE_SECRET_KEY is required: the web app signs sign-in cookies with it; {MAKE_SECRET}"
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        try:
            await upgrade_schema(engine)  # to the newest revision; refuses a newer version's database
        except BaseException:
            await engine.dispose()
            raise
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.store = CaseStore(app.state.sessionmaker)
        app.state.accounts = AccountStore(make_sessionmaker(engine))
        app.state.web_sessions = WebSessionStore(app.state.sessionmaker)  # the cookie's max_age is this expiry too
        # A growing delay after failed sign-ins, never a lock (web.signin_limits), counted in the store so
        # that every web process sees the same failures; a client may be an office's NAT.
        app.state.limit_account = SignInFailures(app.state.sessionmaker, limiter="account", delay_after=3)
        app.state.limit_client = SignInFailures(app.state.sessionmaker, limiter="client", delay_after=10)
        app.state.temporal = client or await connect(settings)
        try:
            yield
        finally:
            await engine.dispose()

    # /docs and /openapi.json come from web.api_docs: for signed-in people, without a CDN
    app = FastAPI(
        title="reintegratie", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.settings = settings
    app.state.mail_folder = mail_folder
    app.state.payload_codec = payload_codec(settings)  # for the Temporal UI's /codec (web.codec)
    app.add_middleware(ApiSignInFirst, refuse=_sign_in_required)  # inside the session: reads its sid
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_SECONDS,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )
    app.add_middleware(BodyLimit, own_limits=[dossier_uploads(settings.max_upload_bytes)])  # before any read
    app.add_middleware(SecurityHeaders, https=settings.public_url.startswith("https://"))
    app.add_middleware(CodecCors, origin=settings.temporal_ui_origin)  # outermost: its 401/403 carry CORS too
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(UploadProblem, dossier.upload_refused_early)
    app.include_router(api.router)
    app.include_router(case_import_pages.router)
    app.include_router(case_views.router)
    app.include_router(commands.router)
    app.include_router(signin.router)
    app.include_router(signin_limits.router)
    app.include_router(pages.router)
    app.include_router(case_list.router)  # GET /cases: the case list, searched and paged (issue 21)
    app.include_router(case_pages.router)
    app.include_router(dossier.router)
    app.include_router(attendance.router)
    app.include_router(mail_settings.router)
    app.include_router(retention.router)
    app.include_router(statistics.router)  # absence figures (issue 21)
    app.include_router(statistics.register_router)
    app.include_router(work_queue.router)  # "te doen" (issue 21)
    app.include_router(work_queue.api_router)
    app.include_router(outbox.router)
    app.include_router(feeds.router)
    app.include_router(api_docs.router)
    app.include_router(codec.router)
    app.mount("/static", StaticFiles(directory=STATIC_FOLDER), name="static")
    return app
