"""The re-integratieverslag out of a real case: two years of the real workflow and activities under time
skipping (aiosmtpd, SQLite), documents uploaded to the dossier, and the RIV bundle the web app makes
of it. Its text is read back (pypdf): every part, the first page of each document, the completeness
table. A case with gaps names each missing part in HR's signals, in HR's mail and in that table."""

from __future__ import annotations

import email
import email.policy
import io
from datetime import datetime, timedelta
from pathlib import Path

import docx
import pypdf
import weasyprint
from temporalio.testing import WorkflowEnvironment

import states
from contracts.dossier import DossierDocument, RivBundleInput
from contracts.wording import DOSSIER_PARTS
from integrations.documents import add_document, document_content, documents
from integrations.dossier_pdf import riv_bundle_pdf
from integrations.dossier_records import records
from states.clock import local_date
from states.facts import CaseFacts
from states.kinds import DossierPart
from tests.support import SmtpSink
from tests.workflows.harness import CASEMANAGER, EMPLOYEE, MANAGER, CaseWorld, case_world
from tests.workflows.record_histories import riv_complete
from web.dossier_bundle import part_statuses, step_statuses
from workflows.case import ReintegrationCase

UPLOADS = {
    DossierPart.probleemanalyse: ("advies-bedrijfsarts.pdf", "Advies van de bedrijfsarts aan de werkgever"),
    DossierPart.plan_van_aanpak: ("plan-ondertekend.pdf", "Ondertekend plan van aanpak, beide handtekeningen"),
    DossierPart.arbeidsdeskundig_rapport: ("arbeidsdeskundig-rapport.pdf", "Rapport arbeidsdeskundig onderzoek"),
}
DOCX_UPLOAD = (DossierPart.tweede_spoor, "voortgang-tweede-spoor.docx", "Voortgangsrapport van het re-integratiebureau")


def _pdf(first_page: str) -> bytes:
    html = f"<h1>{first_page}</h1><p>Eerste pagina</p><p style='page-break-before: always'>Tweede pagina</p>"
    return weasyprint.HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _text(pdf: bytes) -> str:
    """The PDF's text with every run of white space as one space (a heading may wrap)."""
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())


async def _upload_documents(world: CaseWorld) -> None:
    at = await world.now()
    for part, (name, first_page) in UPLOADS.items():
        await add_document(
            world.sessionmaker,
            case_id=world.case_id,
            part=part.value,
            name=name,
            content=_pdf(first_page),
            media_type="application/pdf",
            uploaded_by=CASEMANAGER.email,
            at=at,
        )
    part, name, text = DOCX_UPLOAD
    await add_document(
        world.sessionmaker,
        case_id=world.case_id,
        part=part.value,
        name=name,
        content=_docx(text),
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        uploaded_by=CASEMANAGER.email,
        at=at,
    )


async def _bundle(world: CaseWorld, language: str) -> tuple[RivBundleInput, bytes]:
    """The bundle as the web app makes it (web.dossier_bundle), at the case's own moment."""
    handle = world.client.get_workflow_handle_for(ReintegrationCase.run, world.case_id)
    facts: CaseFacts = await handle.query(ReintegrationCase.facts)
    now: datetime = await world.now()
    check = states.riv_check(facts, now)
    stored = await records(world.sessionmaker, world.case_id)
    uploaded: list[tuple[DossierDocument, bytes]] = []
    for document in await documents(world.sessionmaker, world.case_id):
        found = await document_content(world.sessionmaker, world.case_id, document.id)
        assert found is not None
        uploaded.append(found)
    bundle = RivBundleInput(
        language=language,
        employer="Zorggroep De Linde",
        employee_name=EMPLOYEE.name,
        first_sick_day=facts.periods[0].start,
        generated_on=local_date(now),
        records=tuple(stored),
        documents=tuple(uploaded),
        steps=step_statuses(facts, now, language),
        parts=part_statuses(check, stored, [document for document, _ in uploaded], language),
        complete=check.complete,
    )
    return bundle, riv_bundle_pdf(bundle)


async def test_two_years_with_every_part_make_a_complete_riv_with_every_document(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await riv_complete(world)
        await _upload_documents(world)
        bundle, pdf = await _bundle(world, "nl")

    assert bundle.complete, [part for part in bundle.parts if part.status != "present"]
    stored_parts = {record.part for record in bundle.records}
    expected = {part.value for part in DossierPart} - {
        DossierPart.arbeidsdeskundig_rapport.value,  # uploaded only
        DossierPart.re_integratieverslag.value,  # the bundle itself
    }
    assert expected <= stored_parts, expected - stored_parts
    text = _text(pdf)
    for part in DossierPart:
        if part != DossierPart.re_integratieverslag:
            assert DOSSIER_PARTS[part.value][0] in text, part
    for _, first_page in UPLOADS.values():
        assert first_page in text
    assert DOCX_UPLOAD[2] in text
    # The content of the parts, as the people recorded it.
    for words in ("Niet langer dan een uur achter elkaar staan", "UWV-42-000123", EMPLOYEE.name, MANAGER.name):
        assert words in text, words
    assert "Ontbreekt" not in text
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert f"Pagina {pages} van {pages}" in text


async def test_a_case_with_gaps_names_each_missing_part_to_hr_and_in_the_completeness_table(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """Probleemanalyse and plan on time, one evaluation, then nothing: from week 80 HR hears of each gap."""
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(case_url=f"https://verzuim.example.nl/cases/{world.case_id}")
        first = await world.today()
        await world.advance(timedelta(weeks=4))
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        await world.advance(timedelta(weeks=1))
        today = await world.today()
        plan = states.PlanVanAanpak(hours_per_week=4, evaluation_moments=[today + timedelta(weeks=4)])
        await world.command("plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=plan)
        await world.advance(timedelta(weeks=4))
        await world.command("evaluation_held", states.EvaluationHeld, outcome=states.EvaluationOutcome.continue_plan)
        before = len(smtp_sink.messages)
        week_80 = first + timedelta(weeks=79)  # week 80 begins on its sick day 554
        await world.advance(timedelta(days=(week_80 - await world.today()).days - 1))
        handle = world.client.get_workflow_handle_for(ReintegrationCase.run, world.case_id)
        assert not [s for s in await handle.query(ReintegrationCase.signals) if s.kind == states.SignalKind.riv_gap]
        await world.advance(timedelta(days=8))
        gaps = [s for s in await handle.query(ReintegrationCase.signals) if s.kind == states.SignalKind.riv_gap]
        bundle, pdf = await _bundle(world, "nl")
        to_hr = [
            email.message_from_bytes(raw, policy=email.policy.default)
            for _, recipients, raw in smtp_sink.messages[before:]
            if CASEMANAGER.email in recipients
        ]

    missing = {"evaluation_gap", "eerstejaarsevaluatie", "tweede_spoor", "melding_42e_week"}
    found = {signal.key.split(":")[1] for signal in gaps}
    assert missing <= found, (missing, found)
    headlines = " | ".join(signal.headline_nl for signal in gaps)
    for words in ("eerstejaarsevaluatie", "42e-week", "tweede spoor", "zonder evaluatie"):
        assert words in headlines.lower(), (words, headlines)
    # HR reads the gaps, in words, with a link to the form that fills each one.
    bodies = "\n".join(message.get_body(preferencelist=("plain",)).get_content() for message in to_hr)  # type: ignore[union-attr]
    assert "eerstejaarsevaluatie" in bodies.lower() and "?do=eerstejaarsevaluatie_held" in bodies
    assert "riv_gap" not in bodies and "evaluation_gap" not in bodies
    # The completeness table names every missing part, and the RIV is not complete.
    assert not bundle.complete
    by_part = {status.part: status for status in bundle.parts}
    for part in ("eerstejaarsevaluatie", "tweede_spoor", "melding_42e_week", "gespreksverslag"):
        assert by_part[part].status in ("missing", "late"), (part, by_part[part])
    pages = [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    table = next(page for page in pages if page.startswith("Volledigheid") and "Onderdeel Status" in page)
    for part in ("eerstejaarsevaluatie", "tweede_spoor", "melding_42e_week"):
        assert DOSSIER_PARTS[part][0] in table, part
    assert "ontbreekt" in table.lower()
