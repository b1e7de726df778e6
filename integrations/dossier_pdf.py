"""The dossier's generated PDFs: one record (the plan van aanpak ready to sign, a gespreksverslag, the
eerstejaarsevaluatie, the eindevaluatie, ...) and the re-integratieverslag (RIV) bundle for UWV.

HTML from the Jinja2 templates in ``templates/pdf/`` (autoescaped: names and free text appear as they
were entered, never as markup) becomes PDF through WeasyPrint, whose URL fetcher takes ``data:`` URLs
only: no network, no local files. Dutch, or English when the language is ``en``; the words come from
:mod:`contracts.wording` and, for what only these documents say, from :data:`WORDS` here.

The bundle is one WeasyPrint document: the cover (in the structure of UWV's RIV form), the table of
contents, the completeness table and every part in RIV order, each part followed by its uploaded
documents. An image gets a page of its own, a Word document its text. Each page of an uploaded PDF
takes an empty placeholder page, so that the table of contents (CSS ``target-counter``) and "Pagina X
van Y" (``counter(pages)``) count the final pages in that one pass. pypdf then puts the uploaded pages
in their placeholders' places and stamps their page numbers with an overlay page that WeasyPrint makes
(``PageObject.merge_transformed_page``). An uploaded PDF that cannot be read is named in its place,
it never breaks the bundle.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import docx
import jinja2
import weasyprint
from pypdf import PageObject, PasswordType, PdfReader, PdfWriter, Transformation

from contracts.dossier import DossierDocument, DossierRecord, PartStatus, RivBundleInput, StepStatus
from contracts.wording import (
    DEADLINES,
    DOSSIER_KINDS,
    DOSSIER_PART_STATUS,
    DOSSIER_STEP_STATUS,
    Words,
    dossier_field,
    dossier_part,
    dossier_value,
    format_day,
    format_moment,
    pick,
)
from integrations.vtimezone import ZONE
from states.kinds import DossierPart

PDF_TEMPLATES = Path(__file__).parent / "templates" / "pdf"

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

PART_ORDER: tuple[str, ...] = tuple(part.value for part in DossierPart)
"""The parts in the order of UWV's RIV."""

WORDS: dict[str, Words] = {
    "title": ("Re-integratieverslag", "Re-integration report"),
    "subtitle": (
        "Verslag van de re-integratie-inspanningen bij de aanvraag van een WIA-uitkering",
        "Report of the re-integration efforts for the application for WIA benefit",
    ),
    "confidential": ("Vertrouwelijk", "Confidential"),
    "employer_section": ("Gegevens werkgever", "Employer"),
    "employee_section": ("Gegevens werknemer", "Employee"),
    "sickness_section": ("Gegevens ziekmelding", "Sick report"),
    "steps_section": ("Data van de re-integratiestappen", "Dates of the re-integration steps"),
    "completeness_section": ("Volledigheid van dit verslag", "Completeness of this report"),
    "employer_name": ("Naam werkgever", "Employer's name"),
    "employee_name": ("Naam werknemer", "Employee's name"),
    "employer": ("Werkgever", "Employer"),
    "employee": ("Werknemer", "Employee"),
    "first_sick_day": ("Eerste ziektedag", "First day of sickness"),
    "generated_on": ("Opgesteld op", "Drawn up on"),
    "complete": (
        "Compleet: alle onderdelen zijn aanwezig en alle wettelijke stappen zijn op tijd gezet.",
        "Complete: every part is present and every statutory step was taken in time.",
    ),
    "incomplete": (
        "Niet compleet: zie de volledigheidstabel op pagina",
        "Not complete: see the completeness table on page",
    ),
    "complete_short": ("Compleet", "Complete"),
    "contents": ("Inhoud", "Contents"),
    "completeness": ("Volledigheid", "Completeness"),
    "parts": ("Onderdelen", "Parts"),
    "statutory_steps": ("Wettelijke stappen", "Statutory steps"),
    "part": ("Onderdeel", "Part"),
    "status": ("Status", "Status"),
    "note": ("Toelichting", "Note"),
    "step": ("Stap", "Step"),
    "due": ("Uiterlijk", "Due"),
    "done_on": ("Gedaan op", "Done on"),
    "late_reason": ("Reden van de vertraging", "Reason for the delay"),
    "page": ("Pagina", "Page"),
    "of": ("van", "of"),
    "version": ("Versie", "Version"),
    "date": ("Datum", "Date"),
    "recorded_by": ("Vastgelegd door", "Recorded by"),
    "recorded_at": ("Vastgelegd op", "Recorded on"),
    "no_record_but_documents": (
        "Geen vastgelegde gegevens; zie de bijgevoegde documenten.",
        "Nothing recorded; see the attached documents.",
    ),
    "documents": ("Bijgevoegde documenten", "Attached documents"),
    "document": ("Document", "Document"),
    "added_by": ("Toegevoegd door", "Added by"),
    "added_on": ("Toegevoegd op", "Added on"),
    "from_page": ("Vanaf pagina", "From page"),
    "attachment": ("Bijlage", "Attachment"),
    "text_rendering": (
        "Tekstweergave van een Word-document: alleen de tekst is overgenomen, niet de opmaak of afbeeldingen. "
        "Het origineel staat in het dossier.",
        "Text rendering of a Word document: only its text is shown, not its layout or images. "
        "The original is in the dossier.",
    ),
    "docx_unreadable": (
        "Dit Word-document kon niet worden gelezen en is daarom niet opgenomen. Het origineel staat in het dossier.",
        "This Word document could not be read and is therefore not included. The original is in the dossier.",
    ),
    "pdf_unreadable": (
        "Dit document kon niet worden samengevoegd: het is geen leesbaar PDF-bestand. "
        "Het origineel staat in het dossier.",
        "This document could not be merged: it is not a readable PDF file. The original is in the dossier.",
    ),
    "image_unreadable": (
        "Deze afbeelding kon niet worden weergegeven. Het origineel staat in het dossier.",
        "This image could not be shown. The original is in the dossier.",
    ),
    "other_type": (
        "Dit soort bestand kan niet in het verslag worden opgenomen. Het origineel staat in het dossier.",
        "This kind of file cannot be included in the report. The original is in the dossier.",
    ),
    "not_included": ("niet opgenomen", "not included"),
    "earlier_copies": (
        "Eerder gemaakte versies van dit verslag staan in het dossier en zijn hier niet opgenomen.",
        "Earlier versions of this report are in the dossier and are not included here.",
    ),
    "no_earlier_copies": (
        "Er is nog geen eerdere versie van dit verslag gemaakt.",
        "No earlier version of this report has been made.",
    ),
    "talks_overview": ("Overzicht van de gesprekken", "Overview of the talks"),
    "talk": ("Gesprek", "Talk"),
    "weeks_since": ("Weken sinds het vorige gesprek", "Weeks since the previous talk"),
    "more_than_six": ("meer dan 6 weken", "more than 6 weeks"),
    "signatures": ("Ondertekening", "Signatures"),
    "signature": ("Handtekening", "Signature"),
    "name": ("Naam", "Name"),
    "on_behalf_of": ("Namens", "On behalf of"),
    "sign_statement": (
        "Werkgever en werknemer hebben dit plan van aanpak samen opgesteld en zijn het met de afspraken eens. "
        "Ieder heeft een eigen visie kunnen geven.",
        "The employer and the employee drew up this action plan together and agree with what it says. "
        "Each could give their own view.",
    ),
    "dossier_as_a_whole": ("Het dossier als geheel", "The dossier as a whole"),
    "another_record": ("Een ander stuk van het dossier", "Another record of the dossier"),
    "gespreksverslag_single": ("Gespreksverslag", "Report of a talk"),
}
"""What only the generated documents say, in Dutch and English."""


def _word(key: str, language: str) -> str:
    return pick(WORDS[key], language)


def _language(language: str) -> str:
    return "en" if language == "en" else "nl"


# --------------------------------------------------------------------------------------------------
# What the templates show (words only: no keys, no ids)


@dataclass(frozen=True)
class _Field:
    label: str
    lines: tuple[str, ...]
    as_list: bool


@dataclass(frozen=True)
class _Record:
    part: str
    kind: str
    version: int
    on: str
    author: str
    recorded_at: str
    fields: tuple[_Field, ...]


@dataclass(frozen=True)
class _Signature:
    side: str
    on_behalf_of: str
    name: str
    signed_on: str


@dataclass(frozen=True)
class _Attachment:
    anchor: str
    name: str
    version: int
    added_by: str
    added_on: str
    form: str
    """``pdf`` (pages merged in), ``image``, ``text`` (a Word document), ``notice`` (could not be
    included: ``notice`` says why) or ``listed`` (named, not included: an earlier RIV)."""
    placeholders: tuple[str, ...] = ()
    image_src: str = ""
    paragraphs: tuple[str, ...] = ()
    notice: str = ""

    @property
    def target(self) -> str:
        """Where it starts in the bundle (a PDF: its first page's placeholder)."""
        return self.placeholders[0] if self.placeholders else self.anchor


@dataclass(frozen=True)
class _Talk:
    on: str
    kind: str
    weeks_since: str
    too_long: bool


@dataclass(frozen=True)
class _Part:
    anchor: str
    number: int
    label: str
    records: tuple[_Record, ...]
    attachments: tuple[_Attachment, ...]
    empty: str
    talks: tuple[_Talk, ...]
    missing: bool


@dataclass(frozen=True)
class _StatusRow:
    label: str
    status: str
    tone: str
    note: str
    due: str = ""
    done_on: str = ""


_LIST_FIELDS = frozenset({"tasks", "evaluation_moments", "present"})
_TONE = {
    "present": "ok",
    "on_time": "ok",
    "missing": "bad",
    "late": "bad",
    "to_come": "later",
}


def _about(key: str, records: Sequence[DossierRecord], language: str) -> str:
    """The record a mening werknemer is about, in words (its key is internal)."""
    if not key:
        return _word("dossier_as_a_whole", language)
    for record in records:
        if record.key == key:
            return (
                f"{dossier_part(record.part, language)}, {_word('version', language).lower()} {record.version} "
                f"({format_day(record.on, language)})"
            )
    part = key.partition(":")[0]
    if part in PART_ORDER:
        return dossier_part(part, language)
    return _word("another_record", language)


def _record_view(record: DossierRecord, records: Sequence[DossierRecord], language: str) -> _Record:
    fields: list[_Field] = []
    for item in record.fields:
        if not item.text.strip():
            continue
        text = _about(item.text, records, language) if item.name == "about" else item.text
        shown = dossier_value(item.name, text, language)
        lines = tuple(line for line in shown.split("\n") if line.strip()) if item.name in _LIST_FIELDS else (shown,)
        fields.append(_Field(dossier_field(item.name, language), lines, item.name in _LIST_FIELDS and len(lines) > 1))
    if record.part == DossierPart.mening_werknemer and not any(item.name == "about" for item in record.fields):
        fields.insert(0, _Field(dossier_field("about", language), (_about(record.about, records, language),), False))
    kind = DOSSIER_KINDS.get(record.kind)
    return _Record(
        part=dossier_part(record.part, language),
        kind=pick(kind, language) if kind else "",
        version=record.version,
        on=format_day(record.on, language),
        author=record.recorded_by,
        recorded_at=format_moment(record.recorded_at, language),
        fields=tuple(fields),
    )


def _field_text(record: DossierRecord, name: str) -> str:
    return next((item.text for item in record.fields if item.name == name and item.text.strip()), "")


def _signatures(record: DossierRecord, *, employee_name: str, employer: str, language: str) -> tuple[_Signature, ...]:
    """The signature lines of a plan van aanpak: who signs for each side, and the date where it is known."""

    def signed_on(name: str) -> str:
        text = _field_text(record, name)
        return dossier_value(name, text, language) if text else ""

    return (
        _Signature(
            side=_word("employer", language),
            on_behalf_of=employer,
            name=_field_text(record, "casemanager"),
            signed_on=signed_on("signed_by_employer_on"),
        ),
        _Signature(
            side=_word("employee", language),
            on_behalf_of="",
            name=employee_name,
            signed_on=signed_on("signed_by_employee_on"),
        ),
    )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PDF_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_TEMPLATES = _environment()


def _render(template: str, language: str, **context: object) -> str:
    words: Callable[[str], str] = lambda key: _word(key, language)  # noqa: E731
    return _TEMPLATES.get_template(template).render(language=language, t=words, **context)


def _html(markup: str) -> weasyprint.HTML:
    """A WeasyPrint document that fetches nothing but ``data:`` URLs (the images placed in the bundle)."""
    return weasyprint.HTML(string=markup, url_fetcher=weasyprint.URLFetcher(allowed_protocols=["data"]))


# --------------------------------------------------------------------------------------------------
# One record


def record_pdf(
    record: DossierRecord, *, employee_name: str, first_sick_day: date, employer: str, language: str
) -> bytes:
    """One record of the dossier as a document of its own: a plan van aanpak ready to sign (both
    sides' views, a signature line with name and date for employer and employee), a gespreksverslag,
    the eerstejaarsevaluatie, the eindevaluatie, or any other part."""
    language = _language(language)
    view = _record_view(record, (), language)
    title = (
        _word("gespreksverslag_single", language)
        if record.part == DossierPart.gespreksverslag
        else dossier_part(record.part, language)
    )
    signatures = (
        _signatures(record, employee_name=employee_name, employer=employer, language=language)
        if record.part == DossierPart.plan_van_aanpak
        else ()
    )
    markup = _render(
        "record.html",
        language,
        title=title,
        record=view,
        employee_name=employee_name,
        employer=employer,
        first_sick_day=format_day(first_sick_day, language),
        signatures=signatures,
        footer=_word("confidential", language),
    )
    return bytes(_html(markup).write_pdf())


# --------------------------------------------------------------------------------------------------
# The RIV bundle


def _readable_pages(content: bytes) -> list[PageObject] | None:
    """The pages of an uploaded PDF, or None when it cannot be merged (damaged, locked, empty).

    The document is written once on its own first, so that whatever is wrong with it shows here and
    not halfway through writing the bundle."""
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return None
        copy = PdfWriter()
        for page in reader.pages:
            copy.add_page(page)
        buffer = io.BytesIO()
        copy.write(buffer)
        pages = list(PdfReader(io.BytesIO(buffer.getvalue())).pages)
        for page in pages:
            _ = page.cropbox.width, page.cropbox.height
    # A damaged file fails in many ways (pypdf's errors, ValueError, KeyError ...): each means "cannot be merged".
    except Exception:
        return None
    return pages or None


def _docx_paragraphs(content: bytes) -> tuple[str, ...] | None:
    """The text of a Word document, paragraph by paragraph (tables row by row), or None if unreadable."""
    try:
        document = docx.Document(io.BytesIO(content))
        paragraphs = [paragraph.text for paragraph in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                paragraphs.append(" | ".join(cell.text for cell in row.cells))
    # A damaged file fails in many ways (zip, XML, missing parts): each means "cannot be read".
    except Exception:
        return None
    return tuple(text for text in paragraphs if text.strip())


def _dutch_day(moment: datetime) -> date:
    """The day of a moment in Dutch time (a naive moment is taken as it is)."""
    return moment.astimezone(ZONE).date() if moment.tzinfo is not None else moment.date()


def _attachment(
    number: int, document: DossierDocument, content: bytes, language: str, pages: dict[str, PageObject]
) -> _Attachment:
    """How an uploaded document goes into the bundle; the pages of a PDF go into ``pages`` by placeholder."""
    named = _Attachment(
        anchor=f"d{number}",
        name=document.name,
        version=document.version,
        added_by=document.uploaded_by,
        added_on=format_day(_dutch_day(document.uploaded_at), language),
        form="listed",
    )
    if document.part == DossierPart.re_integratieverslag:
        return named  # an earlier bundle: named, not merged (each copy would hold all the ones before it)
    if document.media_type == PDF:
        readable = _readable_pages(content)
        if readable is None:
            return replace(named, form="notice", notice=_word("pdf_unreadable", language))
        placeholders = tuple(f"{named.anchor}p{index}" for index in range(len(readable)))
        pages.update(zip(placeholders, readable, strict=True))
        return replace(named, form="pdf", placeholders=placeholders)
    if document.media_type in (PNG, JPEG):
        source = f"data:{document.media_type};base64,{base64.b64encode(content).decode('ascii')}"
        return replace(named, form="image", image_src=source, notice=_word("image_unreadable", language))
    if document.media_type == DOCX:
        paragraphs = _docx_paragraphs(content)
        if paragraphs is None:
            return replace(named, form="notice", notice=_word("docx_unreadable", language))
        return replace(named, form="text", paragraphs=paragraphs, notice=_word("text_rendering", language))
    return replace(named, form="notice", notice=_word("other_type", language))


def _weeks(days: int, language: str) -> str:
    shown = f"{days / 7:.1f}"
    return shown.replace(".", ",") if language == "nl" else shown


def _talks(records: Sequence[DossierRecord], language: str) -> tuple[_Talk, ...]:
    """The gespreksverslagen by date, with the weeks since the one before: the 6-week rhythm at a glance."""
    talks: list[_Talk] = []
    previous: date | None = None
    for record in sorted(records, key=lambda item: (item.on, item.version)):
        kind = DOSSIER_KINDS.get(record.kind)
        days = (record.on - previous).days if previous is not None else None
        talks.append(
            _Talk(
                on=format_day(record.on, language),
                kind=pick(kind, language) if kind else "",
                weeks_since=_weeks(days, language) if days is not None else "",
                too_long=days is not None and days > 42,
            )
        )
        previous = record.on
    return tuple(talks)


def _part_rank(part: str) -> int:
    return PART_ORDER.index(part) if part in PART_ORDER else len(PART_ORDER)


def _parts(bundle: RivBundleInput, language: str, pages: dict[str, PageObject]) -> tuple[_Part, ...]:
    statuses = {status.part: status.status for status in bundle.parts}
    seen = {item.part for item in bundle.records} | {document.part for document, _ in bundle.documents}
    names = list(PART_ORDER) + sorted(seen - set(PART_ORDER))
    documents = sorted(
        bundle.documents,
        key=lambda pair: (_part_rank(pair[0].part), pair[0].uploaded_at, pair[0].name, pair[0].version),
    )
    attachments: dict[str, list[_Attachment]] = {}
    for number, (document, content) in enumerate(documents, start=1):
        attachments.setdefault(document.part, []).append(_attachment(number, document, content, language, pages))
    parts: list[_Part] = []
    for number, name in enumerate(names, start=1):
        records = sorted((item for item in bundle.records if item.part == name), key=lambda item: item.version)
        own = tuple(attachments.get(name, ()))
        missing = False
        if name == DossierPart.re_integratieverslag:
            empty = _word("earlier_copies" if own else "no_earlier_copies", language)
        elif records:
            empty = ""
        elif own:
            empty = _word("no_record_but_documents", language)
        else:
            missing = statuses.get(name) != "to_come"
            empty = pick(DOSSIER_PART_STATUS["missing" if missing else "to_come"], language)
        parts.append(
            _Part(
                anchor=f"s{number}",
                number=number,
                label=dossier_part(name, language),
                records=tuple(_record_view(item, bundle.records, language) for item in records),
                attachments=own,
                empty=empty,
                talks=_talks(records, language) if name == DossierPart.gespreksverslag and len(records) > 1 else (),
                missing=missing,
            )
        )
    return tuple(parts)


def _part_rows(parts: Iterable[PartStatus], language: str) -> tuple[_StatusRow, ...]:
    return tuple(
        _StatusRow(
            label=item.label or dossier_part(item.part, language),
            status=pick(DOSSIER_PART_STATUS.get(item.status, ("", "")), language),
            tone=_TONE.get(item.status, ""),
            note=item.note,
        )
        for item in parts
    )


def _step_label(step: StepStatus, language: str) -> str:
    if step.label:
        return step.label
    words = DEADLINES.get(step.key)
    return (pick(words, language)[:1].upper() + pick(words, language)[1:]) if words else ""


def _step_rows(steps: Iterable[StepStatus], language: str) -> tuple[_StatusRow, ...]:
    return tuple(
        _StatusRow(
            label=_step_label(step, language),
            status=pick(DOSSIER_STEP_STATUS.get(step.status, ("", "")), language),
            tone=_TONE.get(step.status, ""),
            note=step.late_reason if step.status == "late" else "",
            due=format_day(step.due, language) if step.due else "",
            done_on=format_day(step.done_on, language) if step.done_on else "",
        )
        for step in steps
    )


@dataclass(frozen=True)
class _Stamp:
    sheet: int
    label: str
    number: int


def _stamp_pages(
    writer: PdfWriter, stamped: Sequence[tuple[int, str]], *, total: int, employee_name: str, language: str
) -> None:
    """Number the merged pages as WeasyPrint numbers the bundle's own ("Pagina X van Y"): an overlay
    page of each page's own size, merged onto it at its visible box (pages turned by /Rotate are
    turned in their content first, so that the numbers stand upright)."""
    if not stamped:
        return
    sizes: list[tuple[float, float]] = []
    stamps: list[_Stamp] = []
    for index, label in stamped:
        page = writer.pages[index]
        page.transfer_rotation_to_content()
        size = (round(float(page.cropbox.width), 2), round(float(page.cropbox.height), 2))
        if size not in sizes:
            sizes.append(size)
        stamps.append(_Stamp(sheet=sizes.index(size), label=label, number=index + 1))
    markup = _render("stamp.html", language, sizes=sizes, stamps=stamps, total=total, employee_name=employee_name)
    overlay = PdfReader(io.BytesIO(_html(markup).write_pdf()))
    for (index, _), sheet in zip(stamped, overlay.pages, strict=True):
        page = writer.pages[index]
        page.merge_transformed_page(
            sheet, Transformation().translate(float(page.cropbox.left), float(page.cropbox.bottom))
        )


def riv_bundle_pdf(bundle: RivBundleInput) -> bytes:
    """The re-integratieverslag as one PDF: cover, contents, completeness table and every part in RIV
    order with its records (all versions, newest last) and its uploaded documents merged in after it."""
    language = _language(bundle.language)
    pages: dict[str, PageObject] = {}
    parts = _parts(bundle, language, pages)
    title = f"{_word('title', language)} – {bundle.employee_name}"
    markup = _render(
        "bundle.html",
        language,
        title=title,
        employer=bundle.employer,
        employee_name=bundle.employee_name,
        first_sick_day=format_day(bundle.first_sick_day, language),
        generated_on=format_day(bundle.generated_on, language),
        complete=bundle.complete,
        parts=parts,
        part_rows=_part_rows(bundle.parts, language),
        step_rows=_step_rows(bundle.steps, language),
        footer=f"{_word('confidential', language)} · {_word('generated_on', language).lower()} "
        f"{format_day(bundle.generated_on, language)}",
    )
    document = _html(markup).render()
    where: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            where.setdefault(anchor, index)
    own = PdfReader(io.BytesIO(document.write_pdf()))
    placeholder_at = {where[anchor]: anchor for anchor in pages if anchor in where}
    if len(placeholder_at) != len(pages):
        raise RuntimeError("each page of an uploaded PDF needs a placeholder page of its own (templates/pdf)")
    labels = {
        placeholder: f"{_word('attachment', language)}: {attachment.name} ({_word('version', language).lower()} "
        f"{attachment.version})"
        for part in parts
        for attachment in part.attachments
        for placeholder in attachment.placeholders
    }
    writer = PdfWriter()
    stamped: list[tuple[int, str]] = []
    for index, page in enumerate(own.pages):
        anchor = placeholder_at.get(index)
        if anchor is None:
            writer.add_page(page)
        else:
            writer.add_page(pages[anchor])
            stamped.append((index, labels[anchor]))
    _stamp_pages(writer, stamped, total=len(own.pages), employee_name=bundle.employee_name, language=language)
    _outline(writer, parts, where, language)
    writer.add_metadata({"/Title": title, "/Author": bundle.employer})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _outline(writer: PdfWriter, parts: Sequence[_Part], where: dict[str, int], language: str) -> None:
    """Bookmarks (the PDF's own table of contents in a viewer): contents, completeness, each part and
    each document merged in."""
    for anchor, key in (("contents", "contents"), ("completeness", "completeness")):
        if anchor in where:
            writer.add_outline_item(title=_word(key, language), page_number=where[anchor])
    for part in parts:
        if part.anchor not in where:
            continue
        parent = writer.add_outline_item(title=f"{part.number}. {part.label}", page_number=where[part.anchor])
        for attachment in part.attachments:
            if attachment.target in where:
                writer.add_outline_item(
                    title=f"{_word('attachment', language)}: {attachment.name}",
                    page_number=where[attachment.target],
                    parent=parent,
                )
