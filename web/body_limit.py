"""The door's limit on request bodies: a body larger than the limit is refused with 413 before the
app reads it (a pure ASGI middleware, outside everything that parses a body).

- A ``Content-Length`` above the limit: 413 at once, before a byte of the body is read.
- A body without a length (chunked): counted while it streams; at ``limit + 1`` bytes reading stops
  and the answer is 413, whatever the app was doing with the part it had.

Paths with a limit of their own (the dossier's uploads, :mod:`web.dossier_upload`) refuse by their
``Content-Length`` themselves, in their own words; the door only counts their streamed bodies,
against that larger limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.auth import is_api
from web.dossier_upload import FORM_ALLOWANCE

BODY_LIMIT = 1024 * 1024
"""The largest JSON or form body (1 MB): far more than any command or form needs."""


@dataclass(frozen=True)
class OwnLimit:
    """Paths (``pattern``, matched against the whole path) whose bodies may be up to ``max_bytes``."""

    pattern: re.Pattern[str]
    max_bytes: int


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once the streamed body passes the limit; the door answers 413."""


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _api_refusal(max_bytes: int) -> bytes:
    size = _megabytes(max_bytes)
    en = f"The request body is larger than {size} MB. Send less: a command or form needs far less than that."
    nl = f"Het verzoek is groter dan {size} MB. Stuur minder: een opdracht of formulier heeft veel minder nodig."
    return json.dumps({"detail": en, "code": "too_large", "nl": nl, "en": en}).encode()


def _page_refusal(max_bytes: int) -> bytes:
    size = _megabytes(max_bytes)
    return (
        "<!doctype html>\n"
        '<html lang="nl"><head><meta charset="utf-8"><title>Te groot</title></head><body>\n'
        "<h1>Het formulier is te groot</h1>\n"
        f"<p>Wat u stuurde is groter dan {size} MB en is niet gelezen; er is niets veranderd. "
        'Ga terug en stuur minder tekst. <a href="/">Naar de startpagina</a></p>\n'
        f'<p lang="en">What you sent is larger than {size} MB and was not read; nothing changed. '
        "Go back and send less text.</p>\n"
        "</body></html>\n"
    ).encode()


async def _refuse(scope: Scope, send: Send, max_bytes: int) -> None:
    if is_api(Request(scope)):
        body, media = _api_refusal(max_bytes), b"application/json"
    else:
        body, media = _page_refusal(max_bytes), b"text/html; charset=utf-8"
    headers = [
        (b"content-type", media),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the rest of the body is never read
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class BodyLimit:
    """Refuses request bodies above ``max_bytes`` (or a path's own limit) with 413, before reading them."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = BODY_LIMIT, own_limits: Sequence[OwnLimit] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.own_limits = tuple(own_limits)

    def _own_limit(self, path: str) -> int | None:
        return next((own.max_bytes for own in self.own_limits if own.pattern.fullmatch(path)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        own = self._own_limit(str(scope.get("path", "")))
        limit = self.max_bytes if own is None else own
        declared = _declared_length(scope)
        if own is None and declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        if declared is not None and declared <= limit:
            await self.app(scope, receive, send)  # the server takes no more than the declared length
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        too_large = False
        answered = False  # whether the app's answer has started going out

        async def counting_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                raise _BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if too_large and not answered:
                return  # the app's answer to a cut-off body (a parse error, say) gives way to the 413
            answered = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            if answered:
                raise
        except Exception:
            if not too_large or answered:
                raise
        if too_large and not answered:
            await _refuse(scope, send, limit)


DOSSIER_UPLOADS = re.compile(r"/api/cases/[^/]+/documents|/cases/[^/]+/dossier/documents")
"""The dossier's upload routes (:mod:`web.dossier`): the API's and the page's."""


def dossier_uploads(max_upload_bytes: int) -> OwnLimit:
    """The dossier's uploads: the file's limit plus the form's other fields (:data:`FORM_ALLOWANCE`)."""
    return OwnLimit(DOSSIER_UPLOADS, max_upload_bytes + FORM_ALLOWANCE)
