"""Uploaded documents of the re-integratiedossier: what is taken, and how it is kept (``dossier_documents``).

:func:`check_upload` decides by the content, not the name: a PDF, a Word document (DOCX), a PNG or
a JPEG, within the size limit, readable, and without medical terms in its text or its name
(:mod:`integrations.medical_terms`); anything else is an :class:`UploadRefused` that says what is
wrong and what to do. :func:`add_document` keeps what was taken with its SHA-256 as the next version
of its name in its part (never overwriting one), and its audit entry in the same transaction: one
backup of the SQL store holds the whole dossier; an upload sent again with its one-time key is the
document it already made. SQLAlchemy Core, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from datetime import datetime
from typing import Any

import docx
import pypdf
from docx.table import Table
from sqlalchemy import Connection, RowMapping, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.dossier import DossierDocument
from integrations.db import run_write
from integrations.medical_terms import medical_terms_in, quoted
from integrations.schema import AuditRow, Base, CaseRow, DossierDocumentRow
from states.kinds import DossierPart

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG = "image/png"
JPEG = "image/jpeg"
EXTENSIONS: dict[str, tuple[str, ...]] = {PDF: (".pdf",), DOCX: (".docx",), PNG: (".png",), JPEG: (".jpg", ".jpeg")}
"""The media types taken, with the name endings that belong to each (the first is added when missing)."""

MAX_NAME = 200
"""The longest name kept (the column's length); a longer one is shortened, its extension kept."""
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""A DOCX is a zip: what it may unpack to (a small file that unpacks to gigabytes is refused)."""

_DOCUMENTS = Base.metadata.tables[DossierDocumentRow.__tablename__]
_AUDIT = Base.metadata.tables[AuditRow.__tablename__]
_CASES = Base.metadata.tables[CaseRow.__tablename__]
_PART_ORDER = {part.value: number for number, part in enumerate(DossierPart)}
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_PARAGRAPH = f"{_W}p"
_W_RUN_CONTENT = (f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr")  # text, and what parts words within a paragraph
_FOLDERS = re.compile(r"[\\/]")
_SPACES = re.compile(r"\s+")


class UploadRefused(Exception):
    """An upload the dossier does not take; nothing was stored. ``code``: ``empty``, ``too_large``,
    ``unsupported_type``, ``encrypted``, ``unreadable`` or ``medical_terms`` (then ``terms`` holds the
    words found, as written); the messages say what is wrong and what to do, in Dutch and English."""

    def __init__(self, code: str, message_nl: str, message_en: str, *, terms: tuple[str, ...] = ()) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_nl = message_nl
        self.message_en = message_en
        self.terms = terms


class UploadKeyUsed(Exception):
    """The one-time key of an upload already made another document of the case (another file, part
    or name, or someone else's upload); nothing was stored. A page's form that the browser kept (the
    back button) and sent with another file ends here; so does an API client that reuses a key, and
    the employee's copy of the RIV made again for a second click (``document``: the first copy)."""

    def __init__(self, document: DossierDocument) -> None:
        super().__init__(f"this upload key already added document {document.id}")
        self.document = document


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


_UNSUPPORTED = UploadRefused(
    "unsupported_type",
    "Dit soort bestand neemt het dossier niet aan: alleen PDF, Word (.docx), PNG en JPEG. "
    "Sla het op als PDF en voeg het opnieuw toe.",
    "The dossier does not take this kind of file: only PDF, Word (.docx), PNG and JPEG. "
    "Save it as a PDF and add it again.",
)


def check_upload(name: str, content: bytes, *, max_bytes: int) -> tuple[str, str]:
    """The media type of an upload and its text (for PDF and DOCX; "" for an image), or
    :class:`UploadRefused`. The type is read from the content: an .exe renamed .pdf is refused, a
    zip that is not a Word document too. Its text and its name must not name medical terms.

    Parsing a large PDF takes a while: call this from a worker thread, not the event loop."""
    if not content:
        raise UploadRefused("empty", "Dit bestand is leeg.", "This file is empty.")
    if len(content) > max_bytes:
        limit = _megabytes(max_bytes)
        raise UploadRefused(
            "too_large",
            f"Dit bestand is {_megabytes(len(content))}; het dossier neemt tot {limit}. "
            "Maak het kleiner (bijvoorbeeld minder scherp gescand) of splits het.",
            f"This file is {_megabytes(len(content))}; the dossier takes up to {limit}. "
            "Make it smaller (scanned at a lower resolution, say) or split it.",
        )
    if content.startswith(b"%PDF-"):
        media_type, text = PDF, _pdf_text(content)
    elif content.startswith(b"PK\x03\x04"):
        media_type, text = DOCX, _docx_text(content)
    elif content.startswith(b"\x89PNG\r\n\x1a\n"):
        media_type, text = PNG, ""
    elif content.startswith(b"\xff\xd8\xff"):
        media_type, text = JPEG, ""
    else:
        raise _UNSUPPORTED
    terms = medical_terms_in(f"{name}\n{text}")
    if terms:
        words = quoted(terms)
        raise UploadRefused(
            "medical_terms",
            f"Dit document noemt een diagnose, aandoening, medicijn of behandeling: {words}. Dat hoort alleen "
            "bij de bedrijfsarts. Voeg een versie toe zonder deze woorden, die beschrijft wat de werknemer wel "
            "en niet kan (vraag de bedrijfsarts daarom).",
            f"This document names a diagnosis, condition, medicine or treatment: {words}. That belongs with the "
            "company doctor only. Add a version without these words that describes what the employee can and "
            "cannot do (ask the company doctor for one).",
            terms=tuple(terms),
        )
    return media_type, text


def _unreadable(kind: str, kind_en: str, how_nl: str, how_en: str) -> UploadRefused:
    return UploadRefused(
        "unreadable",
        f"Dit {kind} kan niet gelezen worden: het is beschadigd of onvolledig. {how_nl}",
        f"This {kind_en} cannot be read: it is damaged or incomplete. {how_en}",
    )


def _pdf_text(content: bytes) -> str:
    unreadable = _unreadable(
        "PDF-bestand",
        "PDF file",
        "Maak de PDF opnieuw (bijvoorbeeld met 'Afdrukken als PDF') en voeg hem opnieuw toe.",
        "Make the PDF again ('Print to PDF', say) and add it again.",
    )
    # An uploaded file is anyone's bytes: whatever the parser trips over, the answer is "unreadable".
    try:
        reader = pypdf.PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise UploadRefused(
                "encrypted",
                "Deze PDF is beveiligd (met een wachtwoord of versleuteld), zodat het dossier hem niet kan lezen "
                "of bundelen. Sla hem op zonder beveiliging (bijvoorbeeld met 'Afdrukken als PDF') en voeg hem "
                "opnieuw toe.",
                "This PDF is protected (by a password or encryption), so the dossier cannot read or bundle it. "
                "Save it without protection ('Print to PDF', say) and add it again.",
            )
        if len(reader.pages) == 0:
            raise unreadable
        return "\n".join(page.extract_text() for page in reader.pages)
    except UploadRefused:
        raise
    except Exception as exc:
        raise unreadable from exc


def _docx_text(content: bytes) -> str:
    """The text of a Word document: every paragraph of the body (tables and text boxes included),
    and of the headers and footers."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _UNSUPPORTED from exc
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise _UNSUPPORTED  # a zip, or another Office file (a spreadsheet, a presentation)
    if unpacked > MAX_UNPACKED_BYTES:
        raise UploadRefused(
            "too_large",
            f"Dit Word-document pakt uit tot meer dan {_megabytes(MAX_UNPACKED_BYTES)}. Sla het op als PDF en "
            "voeg het opnieuw toe.",
            f"This Word document unpacks to more than {_megabytes(MAX_UNPACKED_BYTES)}. Save it as a PDF and "
            "add it again.",
        )
    try:
        document = docx.Document(io.BytesIO(content))
        lines = [
            "".join(
                part.text or "" if part.tag == _W_RUN_CONTENT[0] else " " for part in paragraph.iter(*_W_RUN_CONTENT)
            )
            for paragraph in document.element.iter(_W_PARAGRAPH)
        ]
        for section in document.sections:
            for story in (
                section.header,
                section.footer,
                section.first_page_header,
                section.first_page_footer,
                section.even_page_header,
                section.even_page_footer,
            ):
                lines.extend(_block_lines(story))
    except Exception as exc:  # anyone's bytes, as for a PDF; a document with macros (.docm) ends here too
        raise _unreadable(
            "Word-document",
            "Word document",
            "Sla het opnieuw op als Word-document (.docx, zonder macro's) of als PDF en voeg het opnieuw toe.",
            "Save it again as a Word document (.docx, without macros) or as a PDF and add it again.",
        ) from exc
    return "\n".join(lines)


def _block_lines(container: Any) -> list[str]:
    """The paragraphs of a header or footer, with those of its tables."""
    lines: list[str] = []
    for item in container.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                for cell in row.cells:
                    lines.extend(_block_lines(cell))
        else:
            lines.append(item.text)
    return lines


def document_name(name: str, media_type: str) -> str:
    """The name a document is kept under: no folders, no control or invisible characters, at most
    :data:`MAX_NAME` characters, ending in its type's extension (added when it ends otherwise, so a
    PDF sent as "plan.exe" is kept as "plan.exe.pdf"); "document.pdf" when nothing is left."""
    name = _FOLDERS.split(name)[-1]
    name = "".join(char for char in unicodedata.normalize("NFC", name) if unicodedata.category(char)[0] != "C")
    name = _SPACES.sub(" ", name).strip().strip(".").strip() or "document"
    endings = EXTENSIONS[media_type]
    stem, extension = (
        (name[: -len(ending)], name[-len(ending) :]) if (ending := _ending(name, endings)) else (name, endings[0])
    )
    return stem[: MAX_NAME - len(extension)].rstrip() + extension


def _ending(name: str, endings: tuple[str, ...]) -> str | None:
    return next((ending for ending in endings if name.lower().endswith(ending) and len(name) > len(ending)), None)


def _document(row: RowMapping) -> DossierDocument:
    return DossierDocument(
        id=row["id"],
        part=row["part"],
        name=row["name"],
        version=row["version"],
        media_type=row["media_type"],
        size=row["size"],
        sha256=row["sha256"],
        uploaded_by=row["uploaded_by"],
        uploaded_at=row["uploaded_at"],
    )


_DESCRIPTION = [column for column in _DOCUMENTS.columns if column.name not in ("case_id", "content", "upload_key")]


async def add_document(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    case_id: str,
    part: str,
    name: str,
    content: bytes,
    media_type: str,
    uploaded_by: str,
    at: datetime,
    once: str | None = None,
) -> DossierDocument:
    """Keep a document (checked by :func:`check_upload`, or made by the product) as the next version
    of its name in its part, with its SHA-256 and an audit entry ``document_uploaded``, in one
    transaction: if either cannot be written, neither is. LookupError: no such case.

    ``once``: the upload's one-time key (web.form_keys). When the case already has the document it
    made (the same file, part and name, from the same person: a double click, a resent request), that
    document is the answer, unchanged: no new version, no audit entry. :class:`UploadKeyUsed` when the
    key made another document. Without a key every upload is kept."""
    part = DossierPart(part).value  # ValueError names a part that does not exist
    if media_type not in EXTENSIONS:
        raise ValueError(f"not a media type the dossier takes: {media_type!r}")
    name = document_name(name, media_type)
    sha256 = hashlib.sha256(content).hexdigest()
    # kept as its digest: a client's key may be up to 200 characters (web.commands' rule), the column fits 64
    upload_key = hashlib.sha256(once.encode()).hexdigest() if once is not None else None

    def write(connection: Connection) -> DossierDocument:
        # The case row, locked on PostgreSQL (SQLite's write transaction holds the whole file): two
        # uploads of one name at once get versions one after the other, never the same.
        case = select(_CASES.c.case_id).where(_CASES.c.case_id == case_id).with_for_update()
        if connection.execute(case).first() is None:
            raise LookupError(f"no case {case_id!r} in the store")
        if upload_key is not None:
            # Under the case's lock: an upload with the same key at the same moment waits for this
            # one and then finds its document (the unique constraint holds if anything slips past).
            kept = select(*_DESCRIPTION).where(_DOCUMENTS.c.case_id == case_id, _DOCUMENTS.c.upload_key == upload_key)
            row = connection.execute(kept).mappings().first()
            if row is not None:
                earlier = _document(row)
                made = (earlier.part, earlier.name, earlier.sha256, earlier.uploaded_by)
                if made != (part, name, sha256, uploaded_by):
                    raise UploadKeyUsed(earlier)
                return earlier
        latest = select(func.max(_DOCUMENTS.c.version)).where(
            _DOCUMENTS.c.case_id == case_id, _DOCUMENTS.c.part == part, _DOCUMENTS.c.name == name
        )
        version = (connection.execute(latest).scalar() or 0) + 1
        values = {
            "part": part,
            "name": name,
            "version": version,
            "media_type": media_type,
            "size": len(content),
            "sha256": sha256,
            "uploaded_by": uploaded_by,
            "uploaded_at": at,
        }
        stored = connection.execute(
            insert(_DOCUMENTS)
            .values(case_id=case_id, content=content, upload_key=upload_key, **values)
            .returning(*_DESCRIPTION)
        )
        document = _document(stored.mappings().one())
        detail = {key: values[key] for key in ("part", "name", "version", "sha256", "media_type", "size")}
        connection.execute(
            insert(_AUDIT).values(
                case_id=case_id,
                event_key=f"document_uploaded:{document.id}",
                at=at,
                actor=uploaded_by,
                action="document_uploaded",
                detail=detail,
            )
        )
        return document

    return await run_write(sessionmaker, write)


async def documents(sessionmaker: async_sessionmaker[AsyncSession], case_id: str) -> list[DossierDocument]:
    """A case's documents without their content: in the order of the RIV's parts, then by name and version."""
    query = select(*_DESCRIPTION).where(_DOCUMENTS.c.case_id == case_id)
    async with sessionmaker() as session:
        rows = (await session.execute(query)).mappings().all()
    found = [_document(row) for row in rows]
    return sorted(found, key=lambda doc: (_PART_ORDER.get(doc.part, len(_PART_ORDER)), doc.name, doc.version))


async def document_content(
    sessionmaker: async_sessionmaker[AsyncSession], case_id: str, document_id: int
) -> tuple[DossierDocument, bytes] | None:
    """One document of a case with its bytes; None when the case has no document by that id."""
    query = select(*_DESCRIPTION, _DOCUMENTS.c.content).where(
        _DOCUMENTS.c.case_id == case_id, _DOCUMENTS.c.id == document_id
    )
    async with sessionmaker() as session:
        row = (await session.execute(query)).mappings().first()
    return None if row is None else (_document(row), bytes(row["content"]))
