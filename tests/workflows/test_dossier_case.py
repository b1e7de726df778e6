"""A case of rules version 4 keeps its re-integratiedossier: the real workflow and activities under time
skipping (aiosmtpd, SQLite) record each part with its content and versions in the SQL store, with the
audit entry of the command that made it; a retried delivery adds nothing."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

import states
from contracts import Delivery
from integrations.db import run_write
from integrations.dossier_records import records, write_entries
from reintegratie.config.temporal import DATA_CONVERTER
from states.kinds import DossierPart
from tests.support import SmtpSink
from tests.workflows.harness import CASEMANAGER, EMPLOYEE, HR_ACTOR, MANAGER, case_world

ADVICE = states.events.OccupationalAdvice(
    limitations="Niet tillen",
    capabilities="Kantoorwerk, vier uur per dag",
    expected_duration="Drie maanden",
    work_advice="Opbouw in stappen van vier uur",
)
REPORT = states.events.TalkReport(
    present=[states.Role.manager, states.Role.employee], agreed="Minder uren", next_steps="Evaluatie over vijf weken"
)


async def _deliveries(world: object) -> list[Delivery]:
    """The input of every ``deliver`` activity the case scheduled, as its history holds it."""
    handle = world.client.get_workflow_handle(world.case_id)  # type: ignore[attr-defined]
    found: list[Delivery] = []
    async for event in handle.fetch_history_events():
        if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            continue
        attributes = event.activity_task_scheduled_event_attributes
        if attributes.activity_type.name == "deliver":
            (delivery,) = DATA_CONVERTER.payload_converter.from_payloads(attributes.input.payloads, [Delivery])
            found.append(delivery)
    return found


async def test_a_case_of_rules_version_4_keeps_each_part_with_its_versions(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        case_url = f"https://re-integratie.example.nl/cases/{world.case_id}"
        await world.open(rules_version=4, case_url=case_url)
        await world.advance(timedelta(weeks=4, days=3))
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived, advice=ADVICE)
        await world.advance(timedelta(weeks=2))
        today = await world.today()
        plan = states.PlanVanAanpak(
            hours_per_week=8,
            tasks=["Administratie"],
            evaluation_moments=[today + timedelta(weeks=4)],
            contact_person=MANAGER.name,
            casemanager=CASEMANAGER.name,
            employer_view="Haalbaar",
            employee_view="Ik begin graag",
            signed_by_employer_on=today,
            signed_by_employee_on=today,
        )
        await world.command("plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=plan)
        await world.advance(timedelta(weeks=3))
        revised = states.PlanVanAanpak(hours_per_week=6, changes="Minder uren: het tempo was te hoog")
        await world.command(
            "evaluation_held",
            states.EvaluationHeld,
            outcome=states.EvaluationOutcome.adjust_plan,
            summary="Bijgesteld",
            revised_plan=revised,
            report=REPORT,
        )

        found = await records(world.sessionmaker, world.case_id)
        assert [(r.part, r.kind, r.version) for r in found] == [
            ("probleemanalyse", "", 1),
            ("plan_van_aanpak", "signed", 1),
            ("plan_van_aanpak", "revised", 2),
            ("gespreksverslag", "evaluation", 1),
        ]
        analysis, signed, bijstelling, verslag = found
        assert dict((f.name, f.text) for f in analysis.fields)["limitations"] == "Niet tillen"
        signed_fields = dict((f.name, f.text) for f in signed.fields)
        assert (signed_fields["employee_view"], signed_fields["signed_by_employee_on"]) == (
            "Ik begin graag",
            today.isoformat(),
        )
        assert dict((f.name, f.text) for f in bijstelling.fields)["changes"] == "Minder uren: het tempo was te hoog"
        assert dict((f.name, f.text) for f in verslag.fields)["present"] == f"{MANAGER.name}\n{EMPLOYEE.name}"
        assert verslag.participants == (MANAGER.email, EMPLOYEE.email)
        assert {r.recorded_by for r in found} == {HR_ACTOR}  # no account in this store: the address

        # Each record is keyed by the audit entry of the command that made it, written with it.
        trail = {row.event_key: row.action for row in await (await world.store()).audit_trail(world.case_id)}
        for record in found:
            part, _, event_key = record.key.partition(":")
            assert part == record.part and event_key in trail, record.key
        assert trail[bijstelling.key.partition(":")[2]] == "evaluation_held"
        assert bijstelling.key.partition(":")[2] == verslag.key.partition(":")[2]

        # A retried delivery (the same inputs again) adds nothing and moves no version.
        deliveries = await _deliveries(world)
        entries = [entry for delivery in deliveries if delivery.progress for entry in delivery.progress.dossier]
        assert len(entries) == 4
        assert await run_write(world.sessionmaker, lambda connection: write_entries(connection, entries)) == 0
        assert await records(world.sessionmaker, world.case_id) == found

        # The employee's copy of the RIV: a notice to the employee with the link to the dossier.
        await world.command("step_recorded", states.StepRecorded, step=states.StepKey.actueel_oordeel, advice=ADVICE)
        before = len(world.notices(EMPLOYEE.email))
        await world.command("step_recorded", states.StepRecorded, step=states.StepKey.riv_to_employee)
        (copy,) = world.notices(EMPLOYEE.email)[before:]
        assert copy.subject == "Je kopie van het re-integratieverslag staat klaar"
        body = email.message_from_bytes(copy.raw, policy=email.policy.default).get_body(("plain",))
        assert body is not None and f"{case_url}/dossier" in body.get_content()
        assert [r.part for r in await records(world.sessionmaker, world.case_id)][-1] == "actueel_oordeel"

        store = await world.store()
        row = await store.get_case(world.case_id)
        assert row is not None and row.closed_on is None
        await world.command("withdrawn", states.Withdrawn)
        row = await store.get_case(world.case_id)
        assert row is not None and row.closed_on == await world.today()


async def test_a_case_of_an_earlier_rules_version_keeps_no_records_and_sends_no_copy(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(rules_version=3)
        await world.advance(timedelta(weeks=4, days=3))
        await world.command("probleemanalyse_received", states.ProbleemanalyseReceived)
        await world.command("step_recorded", states.StepRecorded, step=states.StepKey.actueel_oordeel)
        before = len(world.notices(EMPLOYEE.email))
        await world.command("step_recorded", states.StepRecorded, step=states.StepKey.riv_to_employee)
        assert world.notices(EMPLOYEE.email)[before:] == []
        assert await records(world.sessionmaker, world.case_id) == []
        assert all(not delivery.progress or not delivery.progress.dossier for delivery in await _deliveries(world))


def test_the_stored_two_years_of_rules_version_4_record_every_part_of_the_riv() -> None:
    """The history ``riv_complete`` (tests/workflows/record_histories.py) that the replay test guards
    carries a record of every part the workflow records, and the employee's notice of the copy."""
    path = Path(__file__).resolve().parent / "histories" / "riv_complete.run1.json"
    history = WorkflowHistory.from_json("riv_complete", path.read_text())
    deliveries: list[Delivery] = []
    for event in history.events:
        attributes = event.activity_task_scheduled_event_attributes
        if (
            event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            and attributes.activity_type.name == "deliver"
        ):
            deliveries += DATA_CONVERTER.payload_converter.from_payloads(attributes.input.payloads, [Delivery])
    entries = [entry for delivery in deliveries if delivery.progress for entry in delivery.progress.dossier]
    recorded = {part for part in DossierPart} - {DossierPart.arbeidsdeskundig_rapport, DossierPart.re_integratieverslag}
    assert {entry.part for entry in entries} == {str(part) for part in recorded}
    kinds = {(entry.part, entry.kind) for entry in entries}
    assert {("plan_van_aanpak", "signed"), ("plan_van_aanpak", "revised"), ("probleemanalyse", "update")} <= kinds
    assert {("gespreksverslag", kind) for kind in ("progress_talk", "evaluation", "driegesprek")} <= kinds
    assert {("tweede_spoor", "started"), ("tweede_spoor", "activity")} <= kinds
    assert len({entry.key for entry in entries}) == len(entries)
    notices = [notice for delivery in deliveries for notice in delivery.notices]
    assert [n.kind for n in notices if n.kind in ("riv_copy", "riv_gap")] == ["riv_copy"]  # complete: no gap
    closing = deliveries[-1].progress
    assert closing is not None and closing.case.closed_on is not None and closing.case.phase == "wia"
