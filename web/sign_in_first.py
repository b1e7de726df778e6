"""The JSON API's door: who is asking is checked before a request's body is read.

FastAPI reads and parses a route's body before it runs the route's dependencies, so without this an
anonymous request had its whole body read (and JSON parsed) before the sign-in check said 401. This
pure ASGI middleware asks :func:`web.auth.signed_in` (token or session, never the body) for every
API request that may carry a body, and answers with the app's own 401 when nobody is signed in. The
route's dependency then finds the person already known for this request.

It must sit inside the session middleware (it reads the session cookie's ``sid``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from web.auth import SAFE_METHODS, SignInRequired, is_api, signed_in

Refusal = Callable[[Request, Exception], Awaitable[Response]]


class ApiSignInFirst:
    """Answers an API request that may carry a body with ``refuse(request, SignInRequired)`` (the
    app's 401) when it is not signed in, before the body is read."""

    def __init__(self, app: ASGIApp, *, refuse: Refusal) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            request = Request(scope)  # no receive: nothing here may read the body
            if is_api(request):
                try:
                    await signed_in(request)
                except SignInRequired as nobody:
                    response = await self.refuse(request, nobody)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
