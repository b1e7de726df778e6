"""Starting and reading cases: the one place where the web app talks to the workflow."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from datetime import UTC, datetime

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy

import states
from contracts import CaseIntake
from workflows import search_attributes
from workflows.case import ReintegrationCase, rules_preference
from workflows.memory import CaseInput


def new_case_id() -> str:
    """A case id carries no personal data: a random UUID."""
    return f"case-{uuid.uuid4().hex}"


def case_id_for(person: str, idempotency_key: str) -> str:
    """The case id a person's ``Idempotency-Key`` names: the same key starts one case, however often sent."""
    digest = hashlib.sha256(f"{person.lower()}\x00{idempotency_key}".encode()).hexdigest()
    return f"case-{digest[:32]}"


def check_intake(intake: CaseIntake, now: datetime | None = None) -> states.Decision:
    """Ask the rules whether this case can open, before starting it; raises :class:`states.Refused`."""
    now = now or datetime.now(UTC)
    opened = states.CaseOpened(
        actor=intake.reported_by,
        at=now,
        case_id=intake.case_id,
        first_sick_day=intake.first_sick_day,
        contract_hours_per_week=intake.contract_hours_per_week,
        preference=rules_preference(intake),
    )
    return states.open_case(opened, now, rules_version=states.RULES_VERSION)  # the version the case starts with


def case_url(public_url: str, case_id: str) -> str:
    """The case page as people reach it (REINTEGRATIE_PUBLIC_URL): every message about the case links here."""
    return f"{public_url.rstrip('/')}/cases/{case_id}"


async def start_case(
    client: Client,
    *,
    task_queue: str,
    intake: CaseIntake,
    now: datetime | None = None,
    public_url: str | None = None,
) -> None:
    """Start the case's workflow; returns once the server has accepted it.

    Raises :class:`states.Refused` (nothing started) when the rules would not open the case, so a
    sick report the workflow would refuse never becomes a failed workflow. With ``public_url`` the
    case knows its page (``CaseIntake.case_url``), and its messages link to it.
    """
    now = now or datetime.now(UTC)  # the server's clock where it is not the wall clock (time-skipping tests)
    if public_url and not intake.case_url:
        intake = dataclasses.replace(intake, case_url=case_url(public_url, intake.case_id))
    decision = check_intake(intake, now)
    # Every search attribute is set at the start, so the case's first workflow task has nothing
    # to upsert (an upsert is a billable action and a write on the server); the workflow says which.
    attributes = search_attributes.at_start(decision.facts, now, intake.org_unit)
    await client.start_workflow(
        ReintegrationCase.run,
        CaseInput(intake=intake, rules_version=states.RULES_VERSION),
        id=intake.case_id,
        task_queue=task_queue,
        search_attributes=attributes,
        # a case id is never used twice, not even after its case closed (case_id_for: a repeated key)
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        static_summary=f"Case opened; first sick day {intake.first_sick_day.isoformat()}",
    )
