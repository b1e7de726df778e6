"""HR's intake form: every allowed field, no medical field, errors next to the field in Dutch, values kept."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

import states
from contracts import CaseIntake, Person
from states.kinds import Channel, Place
from tests.web.conftest import WebApp, csrf_of
from web import cases as web_cases
from web import intake_form
from web.intake import IntakeRequest

FIELDS = (
    "employee.name",
    "employee.email",
    "employee_phone",
    "employee.language",
    "manager.name",
    "manager.email",
    "manager.language",
    "casemanager.name",
    "casemanager.email",
    "first_sick_day",
    "expected_duration_weeks",
    "contract_hours_per_week",
    "contract_days_per_week",
    "arbodienst_email",
    "contact.weekday",
    "contact.time",
    "contact.channel",
    "contact.place",
    "contact.location",
    "team",
    "org_unit",
    "team_notice_to",
    "buddy_candidates.0.name",
    "buddy_candidates.0.email",
    "coach.name",
    "coach.email",
    "work_accident",
    "third_party_liable",
    "safety_net_applies",
)


def full_form(**changes: str) -> dict[str, str]:
    form = {
        "employee.name": "Sanne de Vries",
        "employee.email": "sanne@example.nl",
        "employee_phone": "+31 6 1234 5678",
        "employee.language": "en",
        "manager.name": "Mark Jansen",
        "manager.email": "mark@example.nl",
        "manager.language": "nl",
        "casemanager.name": "Carla HR",
        "casemanager.email": "carla@example.nl",
        "first_sick_day": (date.today() - timedelta(days=2)).isoformat(),
        "expected_duration_weeks": "6",
        "contract_hours_per_week": "32,5",
        "contract_days_per_week": "4",
        "arbodienst_email": "arbo@example.nl",
        "contact.weekday": "2",
        "contact.time": "09:30",
        "contact.channel": "in_person",
        "contact.place": "neutral",
        "contact.location": "Koffiehuis De Hoek, Utrecht",
        "team": "Zorg Noord",
        "org_unit": "team-zorg",
        "team_notice_to": "a@example.nl, b@example.nl\nA@example.nl",
        "buddy_candidates.0.name": "Bram",
        "buddy_candidates.0.email": "bram@example.nl",
        "coach.name": "Chris",
        "coach.email": "chris@example.nl",
        "work_accident": "no",
        "third_party_liable": "",
        "safety_net_applies": "yes",
    }
    return form | changes


def test_every_field_reaches_the_case_intake() -> None:
    data, errors = intake_form.parse(full_form())
    assert errors == {}
    intake = IntakeRequest.model_validate(data).to_intake(case_id="case-" + "0" * 32, reported_by="hr@example.nl")
    assert intake.employee.language == "en" and intake.employee_phone == "+31 6 1234 5678"
    assert intake.casemanager is not None and intake.casemanager.email == "carla@example.nl"
    assert intake.contract_hours_per_week == 32.5 and intake.contract_days_per_week == 4
    assert intake.expected_duration_weeks == 6 and intake.arbodienst_email == "arbo@example.nl"
    assert (intake.contact.weekday, intake.contact.hour, intake.contact.minute) == (2, 9, 30)
    assert intake.contact.channel == Channel.in_person and intake.contact.place == Place.neutral
    assert intake.contact.location == "Koffiehuis De Hoek, Utrecht"
    assert intake.team == "Zorg Noord" and intake.org_unit == "team-zorg"
    assert intake.team_notice_to == ("a@example.nl", "b@example.nl")
    assert [buddy.email for buddy in intake.buddy_candidates] == ["bram@example.nl"]
    assert intake.coach is not None and intake.coach.name == "Chris"
    assert (intake.work_accident, intake.third_party_liable, intake.safety_net_applies) == (False, None, True)


async def test_the_form_has_every_allowed_field_and_no_medical_one(web: WebApp) -> None:
    http = await web.signed_in(await web.user("hr"))
    page = (await http.get("/cases/new")).text
    names = set(re.findall(r'name="([^"]+)"', page))
    assert set(FIELDS) <= names
    assert not [
        name
        for name in names
        if re.search(r"diagnos|cause|oorzaak|treatment|behandel|illness|ziekte\b|medic", name, re.I)
    ]
    assert "Vul hier nooit medische informatie in" in page
    # Every free-text input points at a hint that says: no medical information; every input has a label.
    for match in re.finditer(
        r'<input id="([^"]+)" name="([^"]+)" type="(text|tel)"[^>]*aria-describedby="([^"]+)"', page
    ):
        hint_id = match.group(4).split()[0]
        hint = re.search(rf'id="{re.escape(hint_id)}">([^<]*)<', page)
        assert hint and "Geen medische informatie" in hint.group(1), match.group(2)
    for input_id in re.findall(r'<(?:input|select|textarea) id="([^"]+)"', page):
        assert f'<label for="{input_id}">' in page, input_id


async def test_a_mistake_shows_next_to_its_field_in_dutch_and_keeps_the_values(web: WebApp) -> None:
    http = await web.signed_in(await web.user("hr"))
    page = await http.get("/cases/new")
    form = full_form(**{"employee.email": "sanne-at-example", "contact.time": "23:00", "coach.email": ""})
    answer = await http.post("/cases", data=form | {"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 422
    text = answer.text
    assert '<div class="error" id="employee-email-error">Dit is geen geldig e-mailadres.</div>' in text
    assert re.search(
        r'id="employee-email"[^>]*value="sanne-at-example"[^>]*aria-describedby="employee-email-error" aria-invalid="true"',
        text,
    )
    assert 'id="contact-time-error">Geef een tijd tussen 07:00 en 19:59' in text
    assert 'id="coach-email-error">Vul naam en e-mailadres allebei in' in text
    assert 'value="Koffiehuis De Hoek, Utrecht"' in text and 'value="Sanne de Vries"' in text
    assert '<option value="2" selected>' in text and 'value="yes" checked' in text


async def test_errors_in_english_for_an_english_reader(web: WebApp) -> None:
    http = await web.signed_in(await web.user("hr"))
    await http.get("/language/en")
    page = await http.get("/cases/new")
    answer = await http.post(
        "/cases", data=full_form(**{"manager.email": "sanne@example.nl"}) | {"csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 422
    assert 'id="manager-email-error">This must be someone other than the employee.' in answer.text


async def test_markup_in_a_value_is_shown_as_text(web: WebApp) -> None:
    http = await web.signed_in(await web.user("hr"))
    page = await http.get("/cases/new")
    answer = await http.post(
        "/cases",
        data=full_form(**{"team": '"><script>alert(1)</script>', "employee.email": "x"})
        | {"csrf_token": csrf_of(page.text)},
    )
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;" in answer.text or "&#34;&gt;&lt;script&gt;" in answer.text


async def test_a_sick_report_soon_after_recovery_offers_to_continue_first(web: WebApp) -> None:
    employee = f"sanne-{uuid.uuid4().hex[:6]}@example.nl"
    earlier = await web.case(employee=employee, manager="mark@example.nl", phase="hersteld")
    http = await web.signed_in(await web.user("hr"))
    page = await http.get("/cases/new")
    form = full_form(**{"employee.email": employee})
    answer = await http.post("/cases", data=form | {"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 200 and 'id="recent-case"' in answer.text and earlier in answer.text
    assert 'name="new_case_confirmed" value="1"' in answer.text
    started = await http.post("/cases", data=form | {"csrf_token": csrf_of(page.text), "new_case_confirmed": "1"})
    assert started.status_code == 201 and "Casus gestart" in started.text


async def test_an_intake_the_rules_refuse_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sick report that passes the form but not the rules is refused before any workflow starts."""
    started: list[object] = []

    class RecordingClient:
        async def start_workflow(self, *args: object, **kwargs: object) -> None:
            started.append(args)

    def refuse(intake: object, now: object = None) -> None:
        raise states.Refused("Nee.", "No.", "test_refusal")

    monkeypatch.setattr(web_cases, "check_intake", refuse)
    intake = CaseIntake(
        case_id="case-x",
        employee=Person("A", "a@example.nl"),
        manager=Person("B", "b@example.nl"),
        first_sick_day=date.today(),
        reported_by="hr@example.nl",
    )
    with pytest.raises(states.Refused):
        await web_cases.start_case(RecordingClient(), task_queue="q", intake=intake)  # type: ignore[arg-type]
    assert started == []
