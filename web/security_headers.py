"""The security headers every answer carries, and no caching of anything personal.

A pure ASGI middleware, so it sees every answer: pages, the JSON API, redirects and the error answers
of the exception handlers. The policy allows nothing inline and nothing from another origin: the
pages take their style (and the one script, the dossier's print button) from ``/static``.

Everything except the static assets and the health check is ``Cache-Control: no-store``: pages and
API answers carry names, cases and dates, and a shared or back-button cache must not keep them.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
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
        cacheable = may_be_cached(str(scope.get("path", "")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
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

        await self.app(scope, receive, send_with_headers)
