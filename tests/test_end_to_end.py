"""End to end on real parts: intake over HTTP -> workflow on the dev server -> invitation at an SMTP server."""

from __future__ import annotations

import asyncio
import email
import email.policy
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
import icalendar
import pytest
from temporalio.testing import WorkflowEnvironment

from reintegratie.config.settings import Settings
from tests.support import (
    TEST_SECRET_KEY,
    SmtpSink,
    api_token,
    bearer,
    free_port,
    serving_stack,
)
from workflows import search_attributes


def _settings(env: WorkflowEnvironment, smtp: SmtpSink, tmp_path: Path, web_port: int) -> Settings:
    return Settings(
        temporal_address=env.client.service_client.config.target_host,
        task_queue=f"e2e-{uuid.uuid4().hex[:8]}",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
        web_port=web_port,
        public_url=f"http://127.0.0.1:{web_port}",
        data_dir=tmp_path,
        secret_key=TEST_SECRET_KEY,
    )


def _intake(first_sick_day: date) -> dict[str, object]:
    return {
        "employee": {"name": "Sanne de Vries", "email": "sanne@example.nl"},
        "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
        "first_sick_day": first_sick_day.isoformat(),
        "org_unit": "team-zorg",
    }


@pytest.fixture
async def running_stack(dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    settings = _settings(dev_server, smtp_sink, tmp_path, port)
    async with serving_stack(settings, dev_server.client):
        # Signed in as HR with a personal API token, as an HR system would be.
        token = await api_token(settings.database_url, role="hr")
        async with httpx.AsyncClient(base_url=settings.public_url, timeout=30, headers=bearer(token)) as http:
            yield http, settings


async def test_intake_over_http_sends_the_manager_a_checkin_invitation(
    running_stack, smtp_sink: SmtpSink, dev_server: WorkflowEnvironment
) -> None:  # type: ignore[no-untyped-def]
    http, settings = running_stack
    response = await http.post("/api/cases", json=_intake(date.today() - timedelta(days=1)))
    assert response.status_code == 201, response.text
    created = response.json()
    case_id = created["case_id"]
    assert created["url"] == f"{settings.public_url}/api/cases/{case_id}"

    def invitations() -> dict[str, bytes]:
        return {rcpts[0]: raw for _sender, rcpts, raw in smtp_sink.messages if b"text/calendar" in raw}

    async with asyncio.timeout(30):  # manager and employee; HR's reminders come as plain notices
        while len(invitations()) < 2:
            await asyncio.sleep(0.05)
    by_recipient = invitations()
    assert set(by_recipient) == {"mark@example.nl", "sanne@example.nl"}

    message = email.message_from_bytes(by_recipient["mark@example.nl"], policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html", "text/calendar"]
    calendar_part = list(message.iter_parts())[2]
    assert calendar_part.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(calendar_part.get_payload(decode=True))
    assert calendar["METHOD"] == "REQUEST"
    assert any(
        component.name == "VTIMEZONE" and str(component["TZID"]) == "Europe/Amsterdam" for component in calendar.walk()
    )
    event = next(component for component in calendar.walk("VEVENT"))
    attendees = [
        str(value).lower()
        for value in (event.get("ATTENDEE") if isinstance(event.get("ATTENDEE"), list) else [event.get("ATTENDEE")])
    ]
    assert "mailto:mark@example.nl" in attendees
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event.decoded("DTSTART").tzinfo is not None

    # The case is in the read model with its phase, and Temporal lists it by phase.
    async with asyncio.timeout(30):
        while True:
            shown = await http.get(f"/api/cases/{case_id}")
            if shown.status_code == 200 and shown.json().get("employee_name"):
                break
            await asyncio.sleep(0.1)
    assert shown.json()["phase"] == "ziekgemeld"
    assert shown.json()["first_sick_day"] == (date.today() - timedelta(days=1)).isoformat()
    description = await dev_server.client.get_workflow_handle(case_id).describe()
    assert description.typed_search_attributes.get(search_attributes.CASE_PHASE) == "ziekgemeld"
    assert description.typed_search_attributes.get(search_attributes.ORG_UNIT) == "team-zorg"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"employee": {"name": "Sanne", "email": "not-an-address"}}, "employee.email"),
        ({"first_sick_day": "2026-02-30"}, "first_sick_day"),
        ({"first_sick_day": (date.today() + timedelta(days=3)).isoformat()}, "first_sick_day"),
        ({"manager": {"name": "Mark\r\nBcc: x@example.nl", "email": "mark@example.nl"}}, "manager.name"),
        ({"diagnosis": "anything"}, "diagnosis"),
    ],
)
async def test_bad_intake_gets_a_422_naming_the_field_and_starts_nothing(
    running_stack, smtp_sink: SmtpSink, change: dict[str, object], field: str
) -> None:  # type: ignore[no-untyped-def]
    http, _settings = running_stack
    body = _intake(date.today()) | change
    response = await http.post("/api/cases", json=body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert field in response.json()["detail"]
    await asyncio.sleep(0.3)
    assert smtp_sink.messages == []


async def test_an_unknown_case_is_a_404(running_stack) -> None:  # type: ignore[no-untyped-def]
    http, _settings = running_stack
    assert (await http.get(f"/api/cases/case-{uuid.uuid4().hex}")).status_code == 404
    assert (await http.get("/api/cases/../../etc/passwd")).status_code == 404
