"""Uploaded documents: what is taken (by content, within the limit, readable, without medical terms),
and how it is kept on SQLite and PostgreSQL (versions, SHA-256, never overwritten, and its audit entry
in the same transaction)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import zipfile
from datetime import UTC, date, datetime

import docx
import pypdf
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from integrations import documents as documents_module
from integrations.db import make_engine, make_sessionmaker, run_write
from integrations.documents import (
    DOCX,
    JPEG,
    PDF,
    PNG,
    UploadKeyUsed,
    UploadRefused,
    add_document,
    check_upload,
    document_content,
    document_name,
    documents,
)
from integrations.schema import AuditRow, Base
from integrations.store import CaseRecord, CaseStore
from reintegratie.config.settings import SettingsError, load_settings
from tests.support import create_tables

MB = 1024 * 1024
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"


def pdf_with_text(*lines: str) -> bytes:
    """A one-page PDF whose text pypdf reads back (written by hand: objects, a content stream, the xref)."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("geheim")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def word_document(*paragraphs: str, cell: str = "", header: str = "") -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if cell:
        document.add_table(rows=1, cols=1).cell(0, 0).text = cell
    if header:
        document.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def word_with_tab(before: str, after: str) -> bytes:
    """One paragraph: ``before``, a tab, ``after`` (Word keeps the tab between the two words' text)."""
    document = docx.Document()
    paragraph = document.add_paragraph(before)
    paragraph.add_run().add_tab()
    paragraph.add_run(after)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezipped(content: bytes, change: dict[str, bytes]) -> bytes:
    """The zip ``content`` with some members replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change.get(info.filename, source.read(info.filename)))
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# What is taken


def test_takes_pdf_docx_png_and_jpeg_by_their_content_with_their_text() -> None:
    media_type, text = check_upload("plan.pdf", pdf_with_text("Plan van aanpak", "4 uur per dag"), max_bytes=MB)
    assert media_type == PDF and "Plan van aanpak" in text and "4 uur per dag" in text
    media_type, text = check_upload(
        "advies.docx", word_document("Kan 4 uur werken.", cell="Niet tillen", header="Arbodienst"), max_bytes=MB
    )
    assert media_type == DOCX and all(part in text for part in ("Kan 4 uur werken.", "Niet tillen", "Arbodienst"))
    assert check_upload("scan.png", PNG_BYTES, max_bytes=MB) == (PNG, "")
    assert check_upload("foto.jpg", JPEG_BYTES, max_bytes=MB) == (JPEG, "")
    # The content decides, not the name: a PDF named .docx is a PDF.
    assert check_upload("plan.docx", pdf_with_text("Plan"), max_bytes=MB)[0] == PDF


def _refused(name: str, content: bytes, *, max_bytes: int = MB) -> UploadRefused:
    with pytest.raises(UploadRefused) as refused:
        check_upload(name, content, max_bytes=max_bytes)
    assert refused.value.message_nl and refused.value.message_en
    return refused.value


def test_refuses_each_kind_of_wrong_file_saying_what_to_do() -> None:
    assert _refused("leeg.pdf", b"").code == "empty"

    large = _refused("groot.pdf", pdf_with_text("x") + bytes(2 * MB), max_bytes=MB)
    assert large.code == "too_large" and "1 MB" in large.message_nl and "2" in large.message_en

    program = _refused("plan.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(100))  # an .exe renamed .pdf
    assert program.code == "unsupported_type" and "PDF, Word (.docx), PNG en JPEG" in program.message_nl
    assert _refused("notes.txt", b"just text").code == "unsupported_type"

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as plain_zip:
        plain_zip.writestr("readme.txt", "hello")
    assert _refused("rapport.docx", archive.getvalue()).code == "unsupported_type"  # a zip, not a DOCX

    locked = _refused("plan.pdf", encrypted_pdf())
    assert locked.code == "encrypted" and "Afdrukken als PDF" in locked.message_nl

    broken = _refused("plan.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without end")
    assert broken.code == "unreadable" and "beschadigd" in broken.message_nl

    good = word_document("Tekst")
    macros = rezipped(
        good,
        {
            "[Content_Types].xml": zipfile.ZipFile(io.BytesIO(good))
            .read("[Content_Types].xml")
            .replace(b"wordprocessingml.document.main+xml", b"application/vnd.ms-word.document.macroEnabled.main+xml")
        },
    )
    assert _refused("macro.docx", macros).code == "unreadable"  # a .docm renamed .docx


def test_refuses_a_zip_that_unpacks_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents_module, "MAX_UNPACKED_BYTES", 1000)
    assert _refused("advies.docx", word_document("Tekst " * 500)).code == "too_large"


@pytest.mark.parametrize(
    ("name", "content", "terms"),
    [
        ("advies.pdf", pdf_with_text("Beperkingen door de burn-out", "Geen oxazepam"), ("burn-out", "oxazepam")),
        ("advies.docx", word_document("Niet tillen", cell="Nekhernia"), ("Nekhernia",)),
        ("advies.docx", word_document("Niet tillen", header="Fysiotherapie"), ("Fysiotherapie",)),
        ("advies.docx", word_with_tab("Beperkingen", "griep"), ("griep",)),  # not "Beperkingengriep"
        ("uitslag hernia.png", PNG_BYTES, ("hernia",)),  # the name is typed text too
    ],
)
def test_refuses_medical_terms_naming_them(name: str, content: bytes, terms: tuple[str, ...]) -> None:
    refused = _refused(name, content)
    assert refused.code == "medical_terms" and refused.terms == terms
    for term in terms:
        assert f"'{term}'" in refused.message_nl and f"'{term}'" in refused.message_en


def test_a_name_is_kept_without_folders_or_control_characters_and_with_its_type() -> None:
    assert document_name("../../etc/pass\x00wd.pdf", PDF) == "passwd.pdf"
    assert document_name("C:\\Users\\hr\\Plan\u200b van aanpak.PDF", PDF) == "Plan van aanpak.PDF"
    assert document_name("evil.exe", PDF) == "evil.exe.pdf"  # the type the content has, so a reader opens it as that
    assert document_name("foto.jpeg", JPEG) == "foto.jpeg" and document_name("foto", JPEG) == "foto.jpg"
    assert document_name(" .. ", DOCX) == "document.docx"
    long = document_name("a" * 300 + ".pdf", PDF)
    assert len(long) == 200 and long.endswith(".pdf")


def test_the_upload_limit_and_the_employer_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "TEMPORAL_ADDRESS": "127.0.0.1:7233",
        "DATABASE_URL": "sqlite+aiosqlite:///x.db",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": "25",
        "SMTP_TLS": "none",
        "MAIL_FROM": "verzuim@example.nl",
    }.items():
        monkeypatch.setenv(f"REINTEGRATIE_{name}", value)
    for name in ("MAX_UPLOAD_BYTES", "EMPLOYER_NAME", "RETENTION_YEARS"):
        monkeypatch.delenv(f"REINTEGRATIE_{name}", raising=False)
    settings = load_settings()
    assert (settings.max_upload_bytes, settings.employer_name, settings.retention_years) == (20 * MB, "Werkgever", 2)

    monkeypatch.setenv("REINTEGRATIE_MAX_UPLOAD_BYTES", str(5 * MB))
    monkeypatch.setenv("REINTEGRATIE_EMPLOYER_NAME", "  Bakkerij  Jansen B.V. ")
    settings = load_settings()
    assert (settings.max_upload_bytes, settings.employer_name) == (5 * MB, "Bakkerij Jansen B.V.")

    monkeypatch.setenv("REINTEGRATIE_MAX_UPLOAD_BYTES", str(1024 * MB))
    monkeypatch.setenv("REINTEGRATIE_EMPLOYER_NAME", " ")
    with pytest.raises(SettingsError) as wrong:
        load_settings()
    assert "REINTEGRATIE_MAX_UPLOAD_BYTES: Value error, must be a number of bytes up to 200 MB" in str(wrong.value)
    assert "REINTEGRATIE_EMPLOYER_NAME: Value error, must be the employer's name" in str(wrong.value)


# --------------------------------------------------------------------------------------------------
# How it is kept


async def _store(database_url: str):
    engine = make_engine(database_url)
    await create_tables(engine)
    maker = make_sessionmaker(engine)
    for case_id in ("case-1", "case-2"):
        await CaseStore(maker).upsert_case(
            CaseRecord(
                case_id=case_id,
                employee_name="Sanne de Vries",
                employee_email="sanne@example.nl",
                manager_name="Mark Jansen",
                manager_email="mark@example.nl",
                org_unit=None,
                first_sick_day=date(2026, 1, 5),
                phase="plan_van_aanpak",
            )
        )
    return engine, maker


async def test_each_upload_is_a_new_version_with_its_sha256_and_audit_entry(database_url: str) -> None:
    engine, maker = await _store(database_url)
    try:
        first, second = pdf_with_text("Plan versie 1"), pdf_with_text("Plan versie 2")

        async def add(part: str, name: str, content: bytes, case_id: str = "case-1") -> object:
            return await add_document(
                maker,
                case_id=case_id,
                part=part,
                name=name,
                content=content,
                media_type=PDF,
                uploaded_by="hr@example.nl",
                at=AT,
            )

        one = await add("plan_van_aanpak", "plan.pdf", first)
        two = await add("plan_van_aanpak", "plan.pdf", second)
        await add("probleemanalyse", "plan.pdf", first)  # another part: its own versions
        await add("plan_van_aanpak", "plan.pdf", first, case_id="case-2")  # another case too

        kept = await documents(maker, "case-1")
        assert [(doc.part, doc.name, doc.version) for doc in kept] == [
            ("probleemanalyse", "plan.pdf", 1),  # in the RIV's order of parts
            ("plan_van_aanpak", "plan.pdf", 1),
            ("plan_van_aanpak", "plan.pdf", 2),
        ]
        assert kept[1] == one and kept[2] == two
        assert one.sha256 == hashlib.sha256(first).hexdigest() and two.sha256 == hashlib.sha256(second).hexdigest()
        assert (one.size, one.media_type, one.uploaded_by, one.uploaded_at) == (len(first), PDF, "hr@example.nl", AT)

        assert await document_content(maker, "case-1", one.id) == (one, first)  # never overwritten
        assert await document_content(maker, "case-1", two.id) == (two, second)
        assert await document_content(maker, "case-2", one.id) is None  # not another case's document

        async with maker() as session:
            trail = (await session.scalars(select(AuditRow).where(AuditRow.case_id == "case-1"))).all()
        assert {(row.event_key, row.action, row.actor) for row in trail} == {
            (f"document_uploaded:{doc.id}", "document_uploaded", "hr@example.nl") for doc in kept
        }
        audit_of_two = next(row for row in trail if row.event_key == f"document_uploaded:{two.id}")
        assert audit_of_two.detail == {
            "part": "plan_van_aanpak",
            "name": "plan.pdf",
            "version": 2,
            "sha256": two.sha256,
            "media_type": PDF,
            "size": len(second),
        }
    finally:
        await engine.dispose()


async def test_uploads_at_the_same_time_get_versions_one_after_the_other(database_url: str) -> None:
    engine, maker = await _store(database_url)
    try:
        added = await asyncio.gather(
            *(
                add_document(
                    maker,
                    case_id="case-1",
                    part="tweede_spoor",
                    name="rapport.docx",
                    content=word_document(f"Rapport {number}"),
                    media_type=DOCX,
                    uploaded_by="hr@example.nl",
                    at=AT,
                )
                for number in range(4)
            )
        )
        assert sorted(doc.version for doc in added) == [1, 2, 3, 4]
    finally:
        await engine.dispose()


async def test_an_upload_whose_audit_entry_fails_leaves_nothing(database_url: str) -> None:
    engine, maker = await _store(database_url)
    try:
        content = pdf_with_text("Plan")
        kwargs = {"part": "plan_van_aanpak", "name": "plan.pdf", "media_type": PDF, "uploaded_by": "hr@example.nl"}
        first = await add_document(maker, case_id="case-1", content=content, at=AT, **kwargs)
        # The next upload's audit entry cannot be written: its key is taken already.
        taken = {
            "case_id": "case-1",
            "event_key": f"document_uploaded:{first.id + 1}",
            "at": AT,
            "actor": "someone@example.nl",
            "action": "something_else",
            "detail": {},
        }
        await run_write(
            maker, lambda connection: connection.execute(insert(Base.metadata.tables["audit_trail"]), taken)
        )
        with pytest.raises(IntegrityError):
            await add_document(maker, case_id="case-1", content=content, at=AT, **kwargs)
        assert await documents(maker, "case-1") == [first]  # no version 2 without its audit entry
        async with maker() as session:
            actions = (await session.scalars(select(AuditRow.action).where(AuditRow.case_id == "case-1"))).all()
        assert sorted(actions) == ["document_uploaded", "something_else"]

        with pytest.raises(LookupError, match="no case 'case-404'"):
            await add_document(maker, case_id="case-404", content=content, at=AT, **kwargs)
        with pytest.raises(ValueError, match="'plan'"):
            await add_document(maker, case_id="case-1", content=content, at=AT, **{**kwargs, "part": "plan"})
        assert await documents(maker, "case-404") == [] and len(await documents(maker, "case-1")) == 1
    finally:
        await engine.dispose()


async def test_an_upload_sent_again_with_its_key_is_the_document_it_added(database_url: str) -> None:
    """The one-time key (a page's form, an API client's Idempotency-Key): the same upload again is the
    first document, unchanged and without a second audit entry, even when both arrive at once; the key
    with another file is refused; uploads without a key (NULL) never collide."""
    engine, maker = await _store(database_url)
    try:
        content = pdf_with_text("Plan")
        kwargs = {"part": "plan_van_aanpak", "name": "plan.pdf", "media_type": PDF, "uploaded_by": "hr@example.nl"}
        key = "0" * 31 + "1"
        first = await add_document(maker, case_id="case-1", content=content, at=AT, once=key, **kwargs)
        again = await add_document(maker, case_id="case-1", content=content, at=AT.replace(hour=10), once=key, **kwargs)
        assert again == first and first.version == 1
        at_once = await asyncio.gather(
            *(add_document(maker, case_id="case-1", content=content, at=AT, once="f" * 32, **kwargs) for _ in range(3))
        )
        assert len({doc.id for doc in at_once}) == 1 and at_once[0].version == 2
        for unkeyed in range(2):
            assert (
                await add_document(maker, case_id="case-1", content=content, at=AT, **kwargs)
            ).version == 3 + unkeyed
        with pytest.raises(UploadKeyUsed) as used:
            await add_document(maker, case_id="case-1", content=pdf_with_text("Ander plan"), at=AT, once=key, **kwargs)
        assert used.value.document == first
        with pytest.raises(UploadKeyUsed):
            await add_document(
                maker, case_id="case-1", content=content, at=AT, once=key, **{**kwargs, "uploaded_by": "x@example.nl"}
            )
        # Another case's key is its own.
        assert (await add_document(maker, case_id="case-2", content=content, at=AT, once=key, **kwargs)).version == 1

        assert [doc.version for doc in await documents(maker, "case-1")] == [1, 2, 3, 4]
        async with maker() as session:
            actions = (await session.scalars(select(AuditRow.action).where(AuditRow.case_id == "case-1"))).all()
        assert actions == ["document_uploaded"] * 4
    finally:
        await engine.dispose()
