"""The dossier's generated PDFs, read back with pypdf: the RIV bundle (cover, contents, every part in
RIV order with its records and the uploaded documents merged in, page numbers, completeness table)
and a single record (the plan van aanpak ready to sign)."""

from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import UTC, date, datetime

import docx
import pytest
import weasyprint
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import RectangleObject

from contracts.dossier import DossierDocument, DossierField, DossierRecord, PartStatus, RivBundleInput, StepStatus
from contracts.wording import DOSSIER_FIELDS, DOSSIER_PARTS, dossier_field, dossier_value
from integrations.dossier_pdf import DOCX, JPEG, PDF, PNG, record_pdf, riv_bundle_pdf
from states.kinds import DossierPart

FIRST_SICK_DAY = date(2024, 1, 8)
EMPLOYER = "Bakkerij De Korenaar B.V."
EMPLOYEE = "Sanne de Vries"
TRICKY = 'Anne "Annie" O\'Brien & <script>alert(1)</script>'
REPORT_FIRST_PAGE = "Arbeidsdeskundig onderzoek eerste blad 7Q4"
REPORT_SECOND_PAGE = "Conclusies van de arbeidsdeskundige 8R5"
SIGNED_PLAN_FIRST_PAGE = "Getekend plan van aanpak scan 3K9"
DOCX_TEXT = "Verslag re-integratiebureau Werkpad over de sollicitaties 5M2"
IMAGE_NAME = "foto-aangepaste-werkplek.png"
AT = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)


# --------------------------------------------------------------------------------------------------
# What a bundle is made of


def field(name: str, text: str) -> DossierField:
    return DossierField(name, text)


def record(
    part: DossierPart, version: int, on: date, *fields: DossierField, kind: str = "", about: str = "", key: str = ""
) -> DossierRecord:
    return DossierRecord(
        key=key or f"{part.value}:evt-{part.value}-{version}",
        part=part.value,
        kind=kind,
        version=version,
        on=on,
        recorded_by="Petra Jansen",
        recorded_at=datetime(on.year, on.month, on.day, 15, 30, tzinfo=UTC),
        fields=fields,
        participants=("petra@example.nl",),
        about=about,
    )


def pdf_with_pages(*texts: str) -> bytes:
    """A real PDF (made by WeasyPrint) with one recognisable text per page."""
    pages = "".join(f'<p style="break-before: page">{text}</p>' for text in texts)
    return bytes(weasyprint.HTML(string=f"<html><body>{pages}</body></html>").write_pdf())


def png(width: int = 120, height: int = 80) -> bytes:
    """A PNG made by hand (8-bit RGB, a blue-grey surface with a stripe)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(bytes((200, 60, 60)) if 30 <= y < 40 else bytes((70, 90, 120)) for _ in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def word_document(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def document(
    number: int, part: DossierPart, name: str, media_type: str, content: bytes
) -> tuple[DossierDocument, bytes]:
    return (
        DossierDocument(
            id=number,
            part=part.value,
            name=name,
            version=1,
            media_type=media_type,
            size=len(content),
            sha256="0" * 64,
            uploaded_by="Petra Jansen",
            uploaded_at=datetime(2025, 6, 2, 10, number, tzinfo=UTC),
        ),
        content,
    )


def all_records() -> list[DossierRecord]:
    plan_key = "plan_van_aanpak:evt-0042"
    return [
        record(
            DossierPart.probleemanalyse,
            1,
            date(2024, 2, 12),
            field("limitations", "Kan niet lang achter elkaar staan"),
            field("capabilities", "Zittend werk, 4 uur per dag"),
            field("expected_duration", "Ongeveer drie maanden"),
            field("work_advice", "Opbouwen met 2 uur per week"),
        ),
        record(
            DossierPart.probleemanalyse,
            2,
            date(2024, 5, 6),
            field("limitations", "Niet tillen boven 10 kilo"),
            kind="update",
        ),
        record(
            DossierPart.plan_van_aanpak,
            1,
            date(2024, 2, 22),
            field("hours_per_week", "12.5"),
            field("tasks", "Kassa\nBestellingen verwerken"),
            field("evaluation_moments", "2024-04-01\n2024-05-13"),
            field("contact_person", "Karin Bos"),
            field("casemanager", "Petra Jansen"),
            field("employer_view", "We bouwen rustig op"),
            field("employee_view", "Ik wil graag in de winkel blijven"),
            field("place", "office"),
            field("signed_by_employer_on", "2024-02-22"),
            field("signed_by_employee_on", "2024-02-23"),
            kind="signed",
            key=plan_key,
        ),
        record(
            DossierPart.plan_van_aanpak,
            2,
            date(2024, 5, 13),
            field("hours_per_week", "20"),
            field("changes", "Meer uren: de opbouw gaat goed"),
            kind="revised",
        ),
        record(
            DossierPart.gespreksverslag,
            1,
            date(2024, 3, 4),
            field("went", "good"),
            field("present", "Karin Bos\nSanne de Vries"),
            field("agreed", "Volgende week een uur erbij"),
            field("next_steps", "Gesprek over vier weken"),
            kind="progress_talk",
        ),
        record(
            DossierPart.gespreksverslag,
            2,
            date(2024, 5, 13),
            field("outcome", "adjust_plan"),
            field("summary", "Het plan wordt bijgesteld"),
            kind="evaluation",
        ),
        record(
            DossierPart.eerstejaarsevaluatie,
            1,
            date(2024, 12, 2),
            field("decision", "second_track"),
            field("reason", "Terugkeer in eigen werk niet binnen drie maanden te verwachten"),
        ),
        record(
            DossierPart.melding_42e_week,
            1,
            date(2024, 10, 25),
            field("step", "uwv_42_week_report"),
            field("reference", "UWV-42-981273"),
        ),
        record(DossierPart.tweede_spoor, 1, date(2025, 1, 6), kind="started"),
        record(
            DossierPart.tweede_spoor,
            2,
            date(2025, 2, 3),
            field("activity", "Intake bij het re-integratiebureau"),
            field("by", "Werkpad B.V."),
            kind="activity",
        ),
        record(DossierPart.arbeidsdeskundig_rapport, 1, date(2025, 3, 3), field("summary", "Rapport ontvangen")),
        record(
            DossierPart.actueel_oordeel,
            1,
            date(2025, 9, 29),
            field("step", "actueel_oordeel"),
            field("limitations", "Geen zwaar tilwerk"),
        ),
        record(
            DossierPart.eindevaluatie,
            1,
            date(2025, 10, 6),
            field("summary", "De re-integratie is volgens plan verlopen"),
        ),
        record(
            DossierPart.mening_werknemer,
            1,
            date(2024, 2, 24),
            field("about", plan_key),
            field("agrees", "true"),
            field("view", "Ik kan me in het plan vinden"),
            about=plan_key,
        ),
    ]


def all_documents() -> list[tuple[DossierDocument, bytes]]:
    return [
        document(
            1, DossierPart.plan_van_aanpak, "plan-van-aanpak-getekend.pdf", PDF, pdf_with_pages(SIGNED_PLAN_FIRST_PAGE)
        ),
        document(
            2,
            DossierPart.arbeidsdeskundig_rapport,
            "rapport-arbeidsdeskundige.pdf",
            PDF,
            pdf_with_pages(REPORT_FIRST_PAGE, REPORT_SECOND_PAGE),
        ),
        document(
            3, DossierPart.tweede_spoor, "voortgang-werkpad.docx", DOCX, word_document(DOCX_TEXT, "Tweede alinea")
        ),
        document(4, DossierPart.tweede_spoor, IMAGE_NAME, PNG, png()),
    ]


STEPS = (
    StepStatus("probleemanalyse", "", date(2024, 2, 18), date(2024, 2, 12), "on_time"),
    StepStatus("plan_van_aanpak", "", date(2024, 3, 4), date(2024, 2, 22), "on_time"),
    StepStatus("uwv_42_week_report", "", date(2024, 10, 28), date(2024, 10, 25), "on_time"),
    StepStatus(
        "eerstejaarsevaluatie",
        "",
        date(2024, 12, 29),
        date(2025, 1, 10),
        "late",
        late_reason="De bedrijfsarts was pas in januari beschikbaar",
    ),
    StepStatus("actueel_oordeel", "", date(2025, 10, 12), None, "missing"),
    StepStatus("riv_to_employee", "", date(2025, 10, 12), None, "to_come"),
)


def bundle(
    *,
    steps: tuple[StepStatus, ...] = STEPS,
    language: str = "nl",
    without: frozenset[DossierPart] = frozenset(),
    employee: str = EMPLOYEE,
    documents: list[tuple[DossierDocument, bytes]] | None = None,
) -> RivBundleInput:
    records = tuple(item for item in all_records() if DossierPart(item.part) not in without)
    parts = tuple(
        PartStatus(
            part.value, "", "missing" if part in without else "present", "Nog vastleggen" if part in without else ""
        )
        for part in DossierPart
        if part != DossierPart.re_integratieverslag
    )
    return RivBundleInput(
        language=language,
        employer=EMPLOYER,
        employee_name=employee,
        first_sick_day=FIRST_SICK_DAY,
        generated_on=date(2025, 10, 8),
        records=records,
        documents=tuple(all_documents() if documents is None else documents),
        steps=steps,
        parts=parts,
        complete=not without and all(step.status in ("on_time", "to_come") for step in steps),
    )


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def where_text_is(page: PageObject, wanted: str) -> list[tuple[float, float]]:
    """Where on the page (x, y in its user space) each piece of text holding ``wanted`` starts."""
    found: list[tuple[float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if wanted in text:
            found.append((tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def page_of(pages: list[str], text: str, start: int = 0) -> int:
    """The index of the first page from ``start`` that holds ``text`` (spaces as pypdf gives them)."""
    for index in range(start, len(pages)):
        if text in " ".join(pages[index].split()):
            return index
    raise AssertionError(f"{text!r} is on no page from {start + 1} on")


# --------------------------------------------------------------------------------------------------
# The bundle


@pytest.fixture(scope="module")
def dutch_pdf() -> bytes:
    return riv_bundle_pdf(bundle())


@pytest.fixture(scope="module")
def dutch(dutch_pdf: bytes) -> list[str]:
    return pages_text(dutch_pdf)


def test_cover_has_the_data_of_the_riv_form(dutch: list[str]) -> None:
    cover = " ".join(dutch[0].split())
    for text in (
        "Re-integratieverslag",
        "Gegevens werkgever",
        EMPLOYER,
        "Gegevens werknemer",
        EMPLOYEE,
        "Eerste ziektedag 8 januari 2024",
        "42e-weekmelding aan UWV 28 oktober 2024 25 oktober 2024",
        "Eerstejaarsevaluatie 29 december 2024 10 januari 2025",
        "Opgesteld op 8 oktober 2025",
        "Niet compleet: zie de volledigheidstabel op pagina 3",
    ):
        assert text in cover, text


def test_every_part_in_riv_order_with_its_records(dutch: list[str]) -> None:
    start = page_of(dutch, "Inhoud") + 1
    at = start
    for number, part in enumerate(DossierPart, start=1):
        at = page_of(dutch, f"{number} {DOSSIER_PARTS[part.value][0]}", at)
    text = " ".join(" ".join(dutch).split())
    assert text.index("Versie 1 · Ondertekend plan") < text.index("Versie 2 · Bijstelling")
    for shown in (
        "Functionele beperkingen Kan niet lang achter elkaar staan",
        "Uren per week 12,5",
        "Evaluatiemomenten 1 april 2024 13 mei 2024",
        "Plaats Op kantoor",
        "Ondertekend door de werknemer op 23 februari 2024",
        "Hoe het ging Goed",
        "Uitkomst Plan bijstellen",
        "Besluit Het tweede spoor start",
        "Kenmerk UWV-42-981273",
        "Uitgevoerd door Werkpad B.V.",
        "Akkoord Akkoord",
        "Over Plan van aanpak, versie 1 (22 februari 2024)",
        "Vastgelegd door Petra Jansen",
    ):
        assert shown in text, shown


def test_uploaded_documents_are_merged_in_after_their_part(dutch: list[str]) -> None:
    plan = page_of(dutch, "2 Plan van aanpak")
    talks = page_of(dutch, "3 Gespreksverslagen")
    assert plan < page_of(dutch, SIGNED_PLAN_FIRST_PAGE) < talks
    second_track = page_of(dutch, "6 Tweede spoor")
    report = page_of(dutch, "7 Arbeidsdeskundig rapport")
    assert second_track < page_of(dutch, DOCX_TEXT) < report
    assert "Tekstweergave van een Word-document" in dutch[page_of(dutch, DOCX_TEXT)]
    image_page = page_of(dutch, f"Bijlage: {IMAGE_NAME}", second_track + 1)
    assert image_page < report
    first = page_of(dutch, REPORT_FIRST_PAGE)
    assert report < first and page_of(dutch, REPORT_SECOND_PAGE) == first + 1
    assert first < page_of(dutch, "8 Actueel oordeel bedrijfsarts")


def test_an_image_is_placed_on_a_page_of_its_own(dutch_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(dutch_pdf))
    pages = [page.extract_text() for page in reader.pages]
    image_page = reader.pages[page_of(pages, f"Bijlage: {IMAGE_NAME}", page_of(pages, "6 Tweede spoor") + 1)]
    images = list(image_page.images)
    assert len(images) == 1
    assert (images[0].image.width, images[0].image.height) == (120, 80)


def test_every_page_is_numbered_including_the_merged_ones(dutch: list[str]) -> None:
    total = len(dutch)
    for number, text in enumerate(dutch, start=1):
        assert f"Pagina {number} van {total}" in text, number
    assert page_of(dutch, REPORT_FIRST_PAGE) == page_of(
        dutch, f"Pagina {page_of(dutch, REPORT_FIRST_PAGE) + 1} van {total}"
    )


def test_merged_pages_of_any_size_or_turn_are_numbered_upright_at_their_foot() -> None:
    landscape = bytes(
        weasyprint.HTML(string="<style>@page { size: letter landscape }</style><p>Liggend blad 2W8</p>").write_pdf()
    )
    turned = PdfWriter()
    turned.add_page(PdfReader(io.BytesIO(pdf_with_pages("Gedraaid blad 4X1"))).pages[0])
    turned.pages[0].rotate(90)
    shifted = PdfWriter()
    shifted.add_page(PdfReader(io.BytesIO(pdf_with_pages("Verschoven blad 9Z3"))).pages[0])
    shifted.pages[0].mediabox = RectangleObject([100, 200, 695.28, 1041.89])
    uploads = []
    for number, (name, writer) in enumerate((("gedraaid.pdf", turned), ("verschoven.pdf", shifted)), start=2):
        buffer = io.BytesIO()
        writer.write(buffer)
        uploads.append(document(number, DossierPart.tweede_spoor, name, PDF, buffer.getvalue()))
    pdf = riv_bundle_pdf(
        bundle(documents=[document(1, DossierPart.tweede_spoor, "liggend.pdf", PDF, landscape), *uploads])
    )
    reader = PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    for marker in ("Liggend blad 2W8", "Gedraaid blad 4X1", "Verschoven blad 9Z3"):
        index = next(index for index, page in enumerate(reader.pages) if marker in page.extract_text())
        page = reader.pages[index]
        found = where_text_is(page, f"Pagina {index + 1} van {total}")
        assert len(found) == 1, marker
        x, y = found[0]
        box = page.cropbox
        assert float(box.left) + float(box.width) / 2 < x < float(box.right), marker
        assert float(box.bottom) < y < float(box.bottom) + 60, marker
        if marker == "Gedraaid blad 4X1":  # the turn is in the content now: the page lies, unturned
            assert page.get("/Rotate", 0) == 0 and float(box.width) > float(box.height)


def test_contents_give_the_page_each_part_and_document_starts_on(dutch: list[str]) -> None:
    contents = dutch[page_of(dutch, "Inhoud")]
    entries = {}
    for line in contents.splitlines():
        match = re.match(r"^(.*?)[\s.]*?(\d+)$", line.strip())
        if match and "Pagina" not in line:
            entries[match.group(1).rstrip(" .")] = int(match.group(2))
    for number, part in enumerate(DossierPart, start=1):
        label = f"{number}. {DOSSIER_PARTS[part.value][0]}"
        assert label in entries, label
        assert f"{number} {DOSSIER_PARTS[part.value][0]}" in " ".join(dutch[entries[label] - 1].split()), label
    report = "Bijlage: rapport-arbeidsdeskundige.pdf (versie 1)"
    assert REPORT_FIRST_PAGE in dutch[entries[report] - 1]
    assert "Volledigheid" in dutch[entries["Volledigheid"] - 1]


def test_completeness_table_names_the_missing_part_and_the_late_step() -> None:
    pages = pages_text(riv_bundle_pdf(bundle(without=frozenset({DossierPart.eindevaluatie}))))
    cover = " ".join(pages[0].split())
    assert "Niet compleet: zie de volledigheidstabel op pagina 3" in cover
    table = " ".join(pages[2].split())
    assert table.startswith("Volledigheid") or "Volledigheid Onderdelen" in table
    assert "Eindevaluatie Ontbreekt Nog vastleggen" in table
    assert "Probleemanalyse Aanwezig" in table
    assert (
        "Eerstejaarsevaluatie 29 december 2024 10 januari 2025 Te laat De bedrijfsarts was pas in januari beschikbaar"
        in table
    )
    assert "Actueel oordeel van de bedrijfsarts 12 oktober 2025 Ontbreekt" in table
    assert "Re-integratieverslag in kopie aan de medewerker 12 oktober 2025 Volgt nog" in table
    section = " ".join(pages[page_of(pages, "9 Eindevaluatie", 3)].split())
    assert "9 Eindevaluatie Ontbreekt" in section


def test_no_internal_keys_or_ids(dutch: list[str]) -> None:
    text = " ".join(dutch)
    assert not re.findall(r"\b[a-z0-9]+_[a-z0-9_]+\b", text)
    assert "evt-" not in text and "plan_van_aanpak:" not in text
    assert "d1p0" not in text and "petra@example.nl" not in text


def test_an_english_copy_has_english_words() -> None:
    pages = pages_text(riv_bundle_pdf(bundle(language="en", without=frozenset({DossierPart.mening_werknemer}))))
    total = len(pages)
    assert f"Page 1 of {total}" in pages[0] and f"Page {total} of {total}" in pages[-1]
    text = " ".join(" ".join(pages).split())
    for shown in (
        "Re-integration report",
        "First day of sickness 8 January 2024",
        "Contents",
        "1 Problem analysis",
        "2 Action plan",
        "3 Reports of talks",
        "5 42nd-week report",
        "7 Labour expert's report",
        "8 Current judgement of the company doctor",
        "10 Employee's view Missing",
        "Employee's view Missing Nog vastleggen",
        "Functional limitations",
        "Text rendering of a Word document",
        "Version 2 · Revision",
        "Late",
    ):
        assert shown in text, shown
    assert "Ontbreekt" not in text and "Pagina" not in text


def test_a_complete_riv_says_so_on_the_cover_and_in_the_table() -> None:
    on_time = tuple(
        StepStatus(step.key, "", step.due, step.done_on or step.due, "on_time") for step in STEPS if step.due
    )
    pages = pages_text(riv_bundle_pdf(bundle(steps=on_time, documents=[])))
    statement = "Compleet: alle onderdelen zijn aanwezig en alle wettelijke stappen zijn op tijd gezet."
    assert statement in " ".join(pages[0].split())
    assert statement in " ".join(pages[page_of(pages, "Wettelijke stappen")].split())
    assert "Ontbreekt" not in " ".join(pages)


def test_a_broken_pdf_upload_is_named_not_fatal() -> None:
    broken = document(
        9,
        DossierPart.eindevaluatie,
        "eindevaluatie-scan.pdf",
        PDF,
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nthis is not a pdf\n%%EOF",
    )
    readable = document(
        8, DossierPart.eindevaluatie, "eindevaluatie.pdf", PDF, pdf_with_pages("Eindevaluatie getekend 6T1")
    )
    pages = pages_text(riv_bundle_pdf(bundle(documents=[*all_documents(), readable, broken])))
    final = page_of(pages, "9 Eindevaluatie")
    signed = page_of(pages, "Eindevaluatie getekend 6T1", final)
    where = page_of(pages, "Bijlage: eindevaluatie-scan.pdf", final)
    assert "kon niet worden samengevoegd" in pages[where]
    assert signed < where < page_of(pages, "10 Mening werknemer")
    assert page_of(pages, REPORT_FIRST_PAGE)
    assert f"Pagina {len(pages)} van {len(pages)}" in pages[-1]


def test_a_damaged_image_or_word_document_is_named_not_fatal() -> None:
    image = document(10, DossierPart.tweede_spoor, "kapot.png", PNG, b"\x89PNG\r\n\x1a\nnot really")
    photo = document(11, DossierPart.tweede_spoor, "kapot.jpg", JPEG, b"\xff\xd8\xff\xe0broken")
    word = document(12, DossierPart.tweede_spoor, "kapot.docx", DOCX, b"PK\x03\x04 not a zip")
    pages = pages_text(riv_bundle_pdf(bundle(documents=[image, photo, word])))
    text = " ".join(" ".join(pages).split())
    assert text.count("Deze afbeelding kon niet worden weergegeven") == 2
    assert "Dit Word-document kon niet worden gelezen" in text


def test_names_are_shown_as_written_never_as_markup() -> None:
    tricky_documents = [
        document(
            1, DossierPart.plan_van_aanpak, '<b>plan</b> & "scan".pdf', PDF, pdf_with_pages(SIGNED_PLAN_FIRST_PAGE)
        )
    ]
    pages = pages_text(riv_bundle_pdf(bundle(employee=TRICKY, documents=tricky_documents)))
    assert TRICKY in " ".join(pages[0].split())
    assert TRICKY in pages[1]  # the running header
    assert 'Bijlage: <b>plan</b> & "scan".pdf' in " ".join(" ".join(pages).split())


def test_the_words_cover_every_part_and_field() -> None:
    assert set(DOSSIER_PARTS) == {part.value for part in DossierPart}
    assert set(DOSSIER_FIELDS) == set(
        "limitations capabilities expected_duration work_advice hours_per_week tasks evaluation_moments "
        "contact_person casemanager employer_view employee_view place changes signed_by_employer_on "
        "signed_by_employee_on went summary present agreed next_steps outcome decision reason reference "
        "activity by about agrees view step".split()
    )
    assert dossier_value("went", "difficult", "en") == "Difficult"
    assert dossier_value("agrees", "false", "nl") == "Niet akkoord"
    assert dossier_value("step", "uwv_42_week_report", "nl") == "42e-weekmelding aan UWV"
    assert dossier_value("hours_per_week", "12.5", "nl") == "12,5"
    assert dossier_value("evaluation_moments", "2024-04-01\n2024-05-13", "en") == "1 April 2024\n13 May 2024"
    assert dossier_value("summary", "2024-04-01 gesproken", "nl") == "2024-04-01 gesproken"
    assert dossier_field("late_reason", "nl") == "Late reason"


# --------------------------------------------------------------------------------------------------
# One record


def test_a_plan_van_aanpak_is_ready_to_sign() -> None:
    plan = next(item for item in all_records() if item.part == "plan_van_aanpak")
    pages = pages_text(
        record_pdf(plan, employee_name=EMPLOYEE, first_sick_day=FIRST_SICK_DAY, employer=EMPLOYER, language="nl")
    )
    text = " ".join(" ".join(pages).split())
    assert "Plan van aanpak" in text and "Versie 1 · Ondertekend plan" in text
    assert "Visie van de werkgever We bouwen rustig op" in text
    assert "Visie van de werknemer Ik wil graag in de winkel blijven" in text
    assert f"Werkgever Namens {EMPLOYER} Naam Petra Jansen Datum 22 februari 2024 Handtekening" in text
    assert f"Werknemer Naam {EMPLOYEE} Datum 23 februari 2024 Handtekening" in text
    assert text.count("Handtekening") == 2
    assert "Pagina 1 van" in pages[0]


def test_an_unsigned_plan_leaves_the_dates_to_fill_in_and_speaks_english() -> None:
    plan = record(DossierPart.plan_van_aanpak, 3, date(2024, 8, 5), field("hours_per_week", "24"), kind="revised")
    text = " ".join(
        " ".join(
            pages_text(
                record_pdf(
                    plan, employee_name=EMPLOYEE, first_sick_day=FIRST_SICK_DAY, employer=EMPLOYER, language="en"
                )
            )
        ).split()
    )
    assert "Action plan" in text and "Version 3 · Revision" in text and "Hours per week 24" in text
    assert f"Employer On behalf of {EMPLOYER} Name Date Signature" in text
    assert f"Employee Name {EMPLOYEE} Date Signature" in text


def test_a_talk_report_record() -> None:
    talk = next(item for item in all_records() if item.part == "gespreksverslag")
    text = " ".join(
        " ".join(
            pages_text(
                record_pdf(talk, employee_name=TRICKY, first_sick_day=FIRST_SICK_DAY, employer=EMPLOYER, language="nl")
            )
        ).split()
    )
    assert "Gespreksverslag" in text and "Voortgangsgesprek re-integratie" in text
    assert "Aanwezig Karin Bos Sanne de Vries" in text
    assert "Afspraken Volgende week een uur erbij" in text
    assert TRICKY in text
    assert "Handtekening" not in text
