"""The security headers every answer carries, and no caching of anything personal.

A pure ASGI middleware, so it sees every answer: pages, the JSON API, redirects and the error answers
of the exception handlers. The policy allows nothing inline and nothing from another origin: the
pages take their style (and the one script, the dossier's print button) from ``/static``.

Everything except the static assets and the health check is ``Cache-Control: no-store``: pages and
API answers carry names, cases and dates, and a shared or back-button cache must not keep them.

An exception that nothing handled is answered here too, with a plain 500 that carries these headers
and says nothing of the error (no stack trace, no exception text, which may hold a name or an
address); the exception then goes on up, so the server still logs it. Starlette's own 500 answer
(ServerErrorMiddleware) sits outside every middleware and would come without the headers.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
STRICT_TRANSPORT = "max-age=31536000"
CACHEABLE_PREFIXES = ("/static/",)
CACHEABLE_PATHS = frozenset({"/healthz"})


SERVER_ERROR_EN = "Something went wrong on our side. Please try again later; if it keeps happening, tell the operator."
SERVER_ERROR_NL = (
    "Er ging bij ons iets mis. Probeer het later opnieuw; blijft het misgaan, meld het dan bij de beheerder."
)


def server_error(path: str) -> Response:
    """The answer to an unhandled error: JSON for the API, a short text in both languages otherwise."""
    if path.startswith("/api/"):
        return JSONResponse(status_code=500, content={"detail": SERVER_ERROR_EN, "nl": SERVER_ERROR_NL})
    return PlainTextResponse(f"{SERVER_ERROR_NL}\n\n{SERVER_ERROR_EN}\n", status_code=500)


def may_be_cached(path: str) -> bool:
    """Only what holds nothing personal: the static assets and the health check."""
    return path in CACHEABLE_PATHS or path.startswith(CACHEABLE_PREFIXES)


class SecurityHeaders:
    """Adds the security headers to every HTTP answer; ``https`` adds Strict-Transport-Security."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        cacheable = may_be_cached(path)
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                if self.https:
                    headers["Strict-Transport-Security"] = STRICT_TRANSPORT
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:  # else the client has a status already; the server closes the answer
                await server_error(path)(scope, receive, send_with_headers)
            raise  # for the server's log (Starlette sends nothing more once an answer has started)
