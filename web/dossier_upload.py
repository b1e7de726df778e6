"""Receiving a document upload (``multipart/form-data``: the field ``part`` and one ``file``, and from
a page's form its one-time key ``idempotency_key``) without ever holding more of the file than the
limit allows.

It is refused twice over, as early as can be:

- by its ``Content-Length``, before a byte of the body is read (:func:`refuse_by_length`, a
  dependency that runs before the sign-in check, which may parse a form);
- while reading: the body is parsed as it streams in (python-multipart's streaming parser), and
  reading stops as soon as the file passes the limit (``limit + 1`` bytes are enough to know).

One path cannot stream: a page's form sends its CSRF token as a form field, so
:func:`web.auth.current_principal` parses that form (Starlette) before the route runs. For that path
a ``Content-Length`` is required and bounded by the limit plus a small allowance for the form's
other fields (:data:`FORM_ALLOWANCE`), and the route reads at most ``limit + 1`` bytes of the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import UploadFile

from web.auth import CSRF_HEADER
from web.form_keys import form_key

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FORM_ALLOWANCE = 16 * 1024
"""Bytes of a multipart body beyond the file itself: boundaries, part headers, the part, CSRF and key fields."""
_FIELD_LIMIT = 1024
"""The longest small field (``part``, ``csrf_token``, ``idempotency_key``) taken from a streamed body."""
_SMALL_FIELDS = ("part", "csrf_token", "idempotency_key")
"""The fields besides the file that a streamed body's reading keeps; any other is skipped."""
MAX_NAME = 200
"""The longest file name kept (the store's column)."""


class UploadProblem(Exception):
    """An upload that cannot be taken; nothing was stored. ``status``: 413 too large, 415 a file type
    the dossier does not take, 422 anything else wrong (a missing field, medical words, a bad form);
    ``field`` the form field it is about; ``terms`` the medical words found, as written; ``part`` the
    part the upload was for, when it was read (a page's form keeps it chosen)."""

    def __init__(
        self, status: int, code: str, nl: str, en: str, *, field: str = "file", terms: tuple[str, ...] = ()
    ) -> None:
        super().__init__(en)
        self.status = status
        self.code = code
        self.nl = nl
        self.en = en
        self.field = field
        self.terms = terms
        self.part = ""

    def reason(self, language: str) -> str:
        return self.en if language == "en" else self.nl

    def as_json(self, language: str) -> dict[str, object]:
        body: dict[str, object] = {
            "detail": self.reason(language),
            "code": self.code,
            "nl": self.nl,
            "en": self.en,
            "field": self.field,
        }
        if self.terms:
            body["terms"] = list(self.terms)
        return body


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def too_large(max_bytes: int) -> UploadProblem:
    size = _megabytes(max_bytes)
    return UploadProblem(
        413,
        "too_large",
        f"Dit bestand is groter dan {size} MB. Maak het kleiner (bijvoorbeeld door minder scherp te scannen) of splits het.",
        f"This file is larger than {size} MB. Make it smaller (scan at a lower resolution, say) or split it.",
    )


def _bad_form(nl: str, en: str, *, field: str = "file") -> UploadProblem:
    return UploadProblem(422, "form", nl, en, field=field)


_NOT_MULTIPART = _bad_form(
    "Stuur het document als multipart/form-data, met de velden 'part' (het onderdeel) en 'file' (het bestand).",
    "Send the document as multipart/form-data, with the fields 'part' (the part of the dossier) and 'file'.",
)
_LENGTH_REQUIRED = UploadProblem(
    411,
    "length_required",
    "Dit formulier moet zijn lengte meesturen (Content-Length); probeer het opnieuw vanuit de pagina.",
    "This form must say its length (Content-Length); try again from the page.",
)


def early_problem(code: str, max_bytes: int) -> UploadProblem | None:
    """The refusal :func:`refuse_by_length` gave under ``code`` (a page shows it after the redirect)."""
    if code == "too_large":
        return too_large(max_bytes)
    if code == _LENGTH_REQUIRED.code:
        return _LENGTH_REQUIRED
    return None


def streams(request: Request) -> bool:
    """Whether this request's body is still unread when the route runs: not a page's form, whose
    CSRF field the sign-in check reads (token requests and requests with the CSRF header stream)."""
    return "authorization" in request.headers or CSRF_HEADER in request.headers


def refuse_by_length(request: Request, max_bytes: int) -> None:
    """Before anything reads the body: 413 when its ``Content-Length`` says it is too large; 411 when a
    page's form (parsed whole by the sign-in check) does not say its length."""
    declared = request.headers.get("content-length")
    if declared is None:
        if not streams(request):
            raise _LENGTH_REQUIRED
        return
    if not declared.strip().isdigit():
        raise _bad_form("De lengte van het verzoek (Content-Length) klopt niet.", "The Content-Length is not a number.")
    if int(declared) > max_bytes + FORM_ALLOWANCE:
        raise too_large(max_bytes)


@dataclass(frozen=True)
class ReceivedUpload:
    part: str
    name: str
    content: bytes
    key: str | None = None
    """The form's one-time key (web.form_keys); None without one, or with one that is not a key."""


def clean_name(raw: str) -> str:
    """The file name as people will read it: no folders, no control characters, at most
    :data:`MAX_NAME` characters (the extension kept), "document" when nothing is left."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(char for char in unicodedata.normalize("NFC", name) if unicodedata.category(char)[0] != "C")
    name = name.strip().strip(".") or "document"
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = (stem if keep else name)[: MAX_NAME - len(keep) - 1].rstrip() + (f".{keep}" if keep else "")
        name = name[:MAX_NAME]
    return name


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass
class _Collector:
    """The streaming parser's callbacks: the small fields, and the one file up to the limit."""

    max_bytes: int
    fields: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None
    content: bytearray = field(default_factory=bytearray)
    files: int = 0
    _header_field: bytearray = field(default_factory=bytearray)
    _header_value: bytearray = field(default_factory=bytearray)
    _headers: dict[bytes, bytes] = field(default_factory=dict)
    _current: str | None = None  # the field being read ("" for a part we ignore)
    _is_file: bool = False
    _value: bytearray = field(default_factory=bytearray)

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._header_field.extend(data[start:end]),
            "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._current = None
        self._is_file = False
        self._value = bytearray()

    def _header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field = bytearray()
        self._header_value = bytearray()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        name = _decode(options.get(b"name", b""))
        self._is_file = name == "file"
        if self._is_file:
            self.files += 1
            if self.files > 1:
                raise _bad_form("Stuur één bestand per keer.", "Send one file at a time.")
            self.file_name = _decode(options.get(b"filename", b""))
        self._current = name

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            room = self.max_bytes + 1 - len(self.content)  # one byte over the limit is enough to know
            self.content.extend(data[start : min(end, start + room)])
            if len(self.content) > self.max_bytes:
                raise too_large(self.max_bytes)
        elif self._current in _SMALL_FIELDS:
            self._value.extend(data[start:end])
            if len(self._value) > _FIELD_LIMIT:
                raise _bad_form("Het veld is te lang.", "The field is too long.", field=self._current)

    def _part_end(self) -> None:
        if not self._is_file and self._current in _SMALL_FIELDS:
            self.fields[self._current] = _decode(bytes(self._value))


_Read = tuple[str, str | None, bytes | None, str]
"""What a reader found: the part, the file's name and bytes (None: no file), the form's key ("": none)."""


async def _streamed(request: Request, max_bytes: int) -> _Read:
    media, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise _NOT_MULTIPART
    collector = _Collector(max_bytes)
    try:
        parser = MultipartParser(boundary, collector.callbacks())
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except (MultipartParseError, ValueError) as exc:  # ValueError: a boundary the parser cannot use
        raise _bad_form(
            "Het formulier kon niet gelezen worden; stuur het opnieuw.", "The form could not be read; send it again."
        ) from exc
    content = bytes(collector.content) if collector.file_name is not None else None
    fields = collector.fields
    return fields.get("part", ""), collector.file_name, content, fields.get("idempotency_key", "")


async def _from_form(request: Request, max_bytes: int) -> _Read:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise _NOT_MULTIPART
    form = await request.form()  # already parsed by the CSRF check (Starlette keeps it per request)
    part = form.get("part")
    part = part if isinstance(part, str) else ""
    key = form.get("idempotency_key")
    key = key if isinstance(key, str) else ""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return part, None, None, key
    content = await upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise too_large(max_bytes)
    return part, upload.filename or "", content, key


async def read_upload(request: Request, *, max_bytes: int) -> ReceivedUpload:
    """The upload's part, file name and bytes, and the form's one-time key (a malformed one is no
    key, as on the case page's forms); raises :class:`UploadProblem` (nothing stored)."""
    reader = _streamed if streams(request) else _from_form
    part, name, content, key = await reader(request, max_bytes)
    if content is None or name is None:
        raise _bad_form(
            "Kies een bestand om toe te voegen.", "Choose a file to add (the form field 'file').", field="file"
        )
    if not content:
        raise _bad_form("Dit bestand is leeg.", "This file is empty.", field="file")
    return ReceivedUpload(part=part.strip(), name=clean_name(name), content=content, key=form_key(key))
