"""Medical terms in what people type are refused at the edge, naming the words and saying what to
write instead: every free-text field of every command (the API's 422, and the page's form, next to
the field), and the intake's places and team. Names and keys are not checked."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from tests.web.conftest import WebApp, csrf_of
from web.command_models import COMMANDS
from web.intake import IntakeRequest

INTAKE = {
    "employee": {"name": "Eva Bakker", "email": "eva@example.nl"},
    "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
    "first_sick_day": date.today().isoformat(),
}
SAYS_WHAT_TO_DO = "Beschrijf wat de werknemer wel en niet kan."


def _errors(command: str, body: dict[str, Any]) -> dict[str, str]:
    try:
        COMMANDS[command].model.model_validate(body)
    except ValidationError as exc:
        return {".".join(str(part) for part in error["loc"]): error["msg"] for error in exc.errors()}
    return {}


@pytest.mark.parametrize(
    ("command", "body", "field"),
    [
        ("progress_talk_held", {"went": "good", "summary": "Gaat goed ondanks de burn-out"}, "summary"),
        ("progress_talk_held", {"went": "good", "report": {"next_steps": "Minder oxazepam"}}, "report.next_steps"),
        ("evaluation_held", {"outcome": "continue", "report": {"agreed": "Fysiotherapie blijft"}}, "report.agreed"),
        ("probleemanalyse_received", {"advice": {"limitations": "Door de hernia niet tillen"}}, "advice.limitations"),
        ("probleemanalyse_received", {"advice": {"expected_duration": "Na de chemo"}}, "advice.expected_duration"),
        ("plan_van_aanpak_signed", {"plan": {"hours_per_week": 8, "tasks": ["Post", "Geen diabetes"]}}, "plan.tasks.1"),
        ("plan_van_aanpak_signed", {"plan": {"hours_per_week": 8, "changes": "Na de operatie"}}, "plan.changes"),
        ("eerstejaarsevaluatie_held", {"reason": "Depressie duurt voort"}, "reason"),
        ("step_recorded", {"step": "uwv_42_week_report", "late_reason": "Ziekenhuisopname"}, "late_reason"),
        ("employee_view_given", {"view": "Ik heb PTSS"}, "view"),
        ("tweede_spoor_activity_recorded", {"activity": "Psycholoog bezocht"}, "activity"),
        ("withdrawn", {"reason": "kanker"}, "reason"),
    ],
)
def test_every_kind_of_free_text_is_checked(command: str, body: dict[str, Any], field: str) -> None:
    errors = _errors(command, body)
    assert list(errors) == [field], errors
    assert errors[field].startswith("Noem geen diagnose, oorzaak of behandeling: '")
    assert SAYS_WHAT_TO_DO in errors[field] and "Do not name a diagnosis" in errors[field]


def test_names_keys_and_ordinary_words_pass() -> None:
    plan = {
        "hours_per_week": 8,
        "contact_person": "Mark Jansen",
        "casemanager": "Carla de Casemanager",
        "tasks": ["Terug op de afdeling", "Operations-overleg"],
        "employer_view": "Goede kans op herstel als de opbouw lukt.",
    }
    assert _errors("plan_van_aanpak_signed", {"plan": plan}) == {}
    assert _errors("employee_view_given", {"about": "plan_van_aanpak:evt-1", "view": "Akkoord."}) == {}
    free_text = COMMANDS["probleemanalyse_received"].model.model_validate(
        {"advice": {"limitations": "Niet tillen boven 10 kg.\nGeen nachtdiensten.", "capabilities": "4 uur per dag"}}
    )
    assert free_text.advice.limitations == "Niet tillen boven 10 kg.\nGeen nachtdiensten."  # new lines kept


def test_the_intake_checks_its_places_and_team() -> None:
    with pytest.raises(ValidationError) as refused:
        IntakeRequest.model_validate(
            {
                **INTAKE,
                "contact": {"channel": "in_person", "place": "neutral", "location": "Praktijk voor fysiotherapie"},
                "workplace": "Ziekenhuis Rijnstate, afdeling Oncologie",  # a workplace, not health data
                "team": "Burn-outpreventie",
            }
        )
    errors = {".".join(str(part) for part in error["loc"]): error["msg"] for error in refused.value.errors()}
    assert set(errors) == {"contact.location", "team"}
    assert (
        "'fysiotherapie'" in errors["contact.location"]
        and "Noem alleen het adres of de plek." in errors["contact.location"]
    )
    assert "'Burn-outpreventie'" in errors["team"] and "Noem alleen de naam van het team." in errors["team"]


async def _hr(web: WebApp, phase: str = "ziekgemeld") -> tuple[httpx.AsyncClient, str]:
    http = await web.token_client(await web.user("hr"))
    case = await web.case(employee=f"e-{uuid.uuid4().hex[:6]}@example.nl", manager="mark@example.nl", phase=phase)
    return http, case


async def test_the_api_answers_422_naming_the_words(web: WebApp) -> None:
    http, case = await _hr(web)
    answer = await http.post(
        f"/api/cases/{case}/commands/progress_talk_held",
        json={"went": "good", "summary": "Burn-out, slikt oxazepam", "report": {"agreed": "Geen migraine meer"}},
    )
    assert answer.status_code == 422
    errors = {error["field"]: error["message"] for error in answer.json()["errors"]}
    assert set(errors) == {"summary", "report.agreed"}
    assert errors["summary"].startswith(
        "Noem geen diagnose, oorzaak of behandeling: 'Burn-out', 'oxazepam'. Beschrijf wat de werknemer wel en niet kan."
    )
    assert "'migraine'" in errors["report.agreed"]

    place = await http.post(
        f"/api/cases/{case}/commands/change_workplace", json={"workplace": "Revalidatie De Hoogstraat"}
    )
    assert place.status_code == 422
    assert place.json()["errors"][0]["field"] == "workplace" and "'Revalidatie'" in place.json()["errors"][0]["message"]

    intake = await http.post("/api/cases", json={**INTAKE, "workplace": "Afdeling na de knieoperatie"})
    assert intake.status_code == 422
    ((field, message),) = [(error["field"], error["message"]) for error in intake.json()["errors"]]
    assert field == "workplace" and "'knieoperatie'" in message


async def test_the_form_shows_the_refusal_next_to_the_field(web: WebApp) -> None:
    account = await web.user("hr", totp=True)
    page_client = await web.signed_in(account)
    case = await web.case(employee=f"e-{uuid.uuid4().hex[:6]}@example.nl", manager="mark@example.nl")
    page = await page_client.get(f"/cases/{case}")
    assert 'id="cmd-withdrawn"' in page.text
    answer = await page_client.post(
        f"/cases/{case}/commands/withdrawn",
        data={"csrf_token": csrf_of(page.text), "reason": "Langdurig ziek door kanker"},
    )
    assert answer.status_code == 422
    form = answer.text.split('id="cmd-withdrawn"', 1)[1].split("</details>", 1)[0]
    field = re.search(r'<textarea id="withdrawn-reason"[^>]*>([^<]*)</textarea>', form)
    assert field is not None and 'aria-invalid="true"' in field.group(0) and "withdrawn-reason-error" in field.group(0)
    assert html.unescape(field.group(1)) == "Langdurig ziek door kanker"  # the text is kept to change
    error = re.search(r'<div class="error" id="withdrawn-reason-error">([^<]*)</div>', form)
    assert error is not None
    assert html.unescape(error.group(1)).startswith(
        "Noem geen diagnose, oorzaak of behandeling: 'kanker'. Beschrijf wat de werknemer wel en niet kan."
    )
