"""A case started from the web knows its page and the employee's workplace (issue 18, findings 5 and 9):
messages link to ``REINTEGRATIE_PUBLIC_URL/cases/<id>``, and the first day back names the workplace,
which is another field than the place of the contact talks."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from web import cases as web_cases
from web.intake import IntakeRequest
from workflows.memory import CaseInput


class RecordingClient:
    def __init__(self) -> None:
        self.started: list[tuple[Any, ...]] = []

    async def start_workflow(self, *args: Any, **kwargs: Any) -> None:
        self.started.append(args)


async def test_a_case_started_from_the_web_knows_its_page_and_its_workplace() -> None:
    intake = IntakeRequest.model_validate(
        {
            "employee": {"name": "Sanne de Vries", "email": "sanne@example.nl"},
            "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
            "first_sick_day": (date.today() - timedelta(days=1)).isoformat(),
            "contact": {"channel": "in_person", "place": "neutral", "location": "Café De Zwaan"},
            "workplace": "Kantoor Utrecht, Stationsplein 1",
        }
    ).to_intake(case_id="case-" + "0" * 32, reported_by="hr@example.nl")
    assert intake.workplace == "Kantoor Utrecht, Stationsplein 1" and intake.contact.location == "Café De Zwaan"
    client = RecordingClient()
    await web_cases.start_case(
        client,  # type: ignore[arg-type]
        task_queue="q",
        intake=intake,
        public_url="https://re-integratie.example.nl/",
    )
    (args,) = client.started
    start = args[1]
    assert isinstance(start, CaseInput)
    assert start.intake.case_url == "https://re-integratie.example.nl/cases/case-" + "0" * 32
    assert start.intake.workplace == "Kantoor Utrecht, Stationsplein 1"
