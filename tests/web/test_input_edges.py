"""Input the edge used to accept and must refuse, with a 422 that names the field (issue 20):

- a date given as a number (``first_sick_day: 0`` was 1970-01-01), or as digits;
- contract hours of ``1e-9`` a week;
- dates outside 2000-01-01..2100-12-31, which /openapi.json now states;
- invisible control characters (direction overrides, line and paragraph separators, C1 controls) in
  names, one-line fields and free text;

and the 422 answer has the shape the OpenAPI document gives it; the command line's ``timeline``
refuses the dates the API refuses, with the same words.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import jsonschema_rs
import pytest
from pydantic import ValidationError

from reintegratie.app.cli import main as reintegratie
from tests.web.conftest import WebApp
from web.command_models import COMMANDS
from web.intake import IntakeRequest

CONTROLS = {
    "right-to-left override": "\u202e",
    "left-to-right embedding": "\u202a",
    "pop directional formatting": "\u202c",
    "left-to-right isolate": "\u2066",
    "pop directional isolate": "\u2069",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
    "C1 next line": "\u0085",
    "C1 control sequence introducer": "\u009b",
    "C1 first": "\u0080",
    "C1 last": "\u009f",
}
MONDAY = "2026-03-02"


def _intake(**changes: Any) -> dict[str, Any]:
    return {
        "employee": {"name": "Eva Bakker", "email": f"eva-{uuid.uuid4().hex[:6]}@example.nl"},
        "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
        "first_sick_day": (date.today() - timedelta(days=3)).isoformat(),
        **changes,
    }


def _fields(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [error["field"] for error in answer.json()["errors"]]


async def _hr(web: WebApp) -> tuple[httpx.AsyncClient, str]:
    http = await web.token_client(await web.user("hr"))
    case = await web.case(employee=f"e-{uuid.uuid4().hex[:6]}@example.nl", manager="mark@example.nl")
    return http, case


# -- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [0, 20260105, 1767571200, 1.5, True, "1767571200", "20260105"])
def test_a_date_is_text_in_iso_form_only(day: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        IntakeRequest.model_validate(_intake(first_sick_day=day))
    ((error,),) = [refused.value.errors()]
    assert error["loc"] == ("first_sick_day",) and "YYYY-MM-DD" in error["msg"], error
    week_of = COMMANDS["hours_reported"].model
    with pytest.raises(ValidationError) as refused:
        week_of.model_validate({"week_of": day, "hours": 8})
    assert [error["loc"] for error in refused.value.errors()] == [("week_of",)]


async def test_an_integer_first_sick_day_is_refused_by_the_api(web: WebApp) -> None:
    http = await web.token_client(await web.user("hr"))
    answer = await http.post("/api/cases", json=_intake(first_sick_day=0))
    assert _fields(answer) == ["first_sick_day"]
    assert "YYYY-MM-DD" in answer.json()["errors"][0]["message"]


@pytest.mark.parametrize("hours", [1e-9, 0.5, 0, -1, 61])
async def test_contract_hours_outside_1_to_60_are_refused(web: WebApp, hours: float) -> None:
    http = await web.token_client(await web.user("hr"))
    answer = await http.post("/api/cases", json=_intake(contract_hours_per_week=hours))
    assert _fields(answer) == ["contract_hours_per_week"]


def test_contract_hours_from_1_to_60_are_taken() -> None:
    for hours in (1, 36, 60):
        assert IntakeRequest.model_validate(_intake(contract_hours_per_week=hours)).contract_hours_per_week == hours


@pytest.mark.parametrize("day", ["1999-12-31", "1899-01-01", "2101-01-01", "9999-12-31"])
async def test_dates_outside_2000_to_2100_are_refused_naming_the_range(web: WebApp, day: str) -> None:
    http, case = await _hr(web)
    answer = await http.post(f"/api/cases/{case}/commands/hours_reported", json={"week_of": day, "hours": 8})
    assert _fields(answer) == ["week_of"]
    assert "2000-01-01 to 2100-12-31" in answer.json()["errors"][0]["message"]


async def test_the_openapi_document_states_the_date_bounds(web: WebApp) -> None:
    http = await web.token_client(await web.user("hr"))
    document = (await http.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    week_of = schemas["HoursReportedCommand"]["properties"]["week_of"]
    assert week_of["type"] == "string" and week_of["format"] == "date"
    assert (week_of["formatMinimum"], week_of["formatMaximum"]) == ("2000-01-01", "2100-12-31")
    assert "2000-01-01 to 2100-12-31" in week_of["description"]
    first = schemas["IntakeRequest"]["properties"]["first_sick_day"]
    assert first["format"] == "date" and "104 weeks" in first["description"]
    contract = schemas["IntakeRequest"]["properties"]["contract_hours_per_week"]
    assert (contract["minimum"], contract["maximum"]) == (1, 60)


# -- the 422 answer is what the document says ------------------------------------------------------


def _documented(document: dict[str, Any], path: str, method: str, status: str) -> jsonschema_rs.Validator:
    content = document["paths"][path][method]["responses"][status]["content"]["application/json"]
    return jsonschema_rs.validator_for({**content["schema"], "components": document["components"]})


async def test_a_422_answer_has_its_documented_shape(web: WebApp) -> None:
    http, case = await _hr(web)
    document = (await http.get("/openapi.json")).json()

    intake = await http.post("/api/cases", json=_intake(first_sick_day=0))
    assert isinstance(intake.json()["detail"], str)
    _documented(document, "/api/cases", "post", "422").validate(intake.json())

    command = await http.post(f"/api/cases/{case}/commands/hours_reported", json={"week_of": "1899-01-01"})
    assert command.status_code == 422
    path = "/api/cases/{case_id}/commands/hours_reported"
    _documented(document, path, "post", "422").validate(command.json())
    # and the refused shape would not pass: the schema says something
    assert not _documented(document, path, "post", "422").is_valid({"detail": [{"loc": ["body"], "msg": "x"}]})


def test_every_api_route_documents_its_error_answers_with_a_model(web: WebApp) -> None:
    document = web.app.openapi()
    missing = []
    for path, operations in document["paths"].items():
        if not path.startswith("/api/cases"):
            continue
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    schema = answer.get("content", {}).get("application/json", {}).get("schema")
                    if schema is None or schema.get("$ref", "").endswith("/HTTPValidationError"):
                        missing.append(f"{method.upper()} {path} {status}")
    assert not missing, missing


# -- the command line -----------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--first-sick-day", "1899-01-01"], ["--first-sick-day", "2101-01-01"]])
def test_the_timeline_command_refuses_what_the_api_refuses(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert reintegratie(["timeline", *argv]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""  # no timeline
    assert "--first-sick-day" in printed.err and "2000-01-01 to 2100-12-31" in printed.err


def test_the_timeline_command_refuses_an_out_of_range_on_and_period(capsys: pytest.CaptureFixture[str]) -> None:
    assert reintegratie(["timeline", "--first-sick-day", "2026-01-05", "--on", "3026-01-05"]) == 2
    assert "--on" in capsys.readouterr().err
    period = ["timeline", "--first-sick-day", "2026-01-05", "--period", "2026-01-05:1899-02-01"]
    assert reintegratie(period) == 2
    assert "--period" in capsys.readouterr().err


def test_the_timeline_command_still_prints_a_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    assert reintegratie(["timeline", "--first-sick-day", "2026-01-05", "--on", "2026-02-01"]) == 0
    assert "2026-01-05" in capsys.readouterr().out


# -- invisible control characters -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(CONTROLS))
async def test_a_control_character_is_refused_in_a_name(web: WebApp, name: str) -> None:
    http = await web.token_client(await web.user("hr"))
    char = CONTROLS[name]
    answer = await http.post(
        "/api/cases", json=_intake(employee={"name": f"Eva{char} Bakker", "email": "eva@example.nl"})
    )
    assert _fields(answer) == ["employee.name"]
    team = await http.post("/api/cases", json=_intake(team=f"Team{char} Noord"))
    assert _fields(team) == ["team"]
    workplace = await http.post("/api/cases", json=_intake(workplace=f"Kantoor{char} Utrecht"))
    assert _fields(workplace) == ["workplace"]
    assert "control character" in workplace.json()["errors"][0]["message"]


@pytest.mark.parametrize("name", list(CONTROLS))
async def test_a_control_character_is_refused_in_free_text_and_lines(web: WebApp, name: str) -> None:
    http, case = await _hr(web)
    char = CONTROLS[name]
    held = await http.post(
        f"/api/cases/{case}/commands/progress_talk_held",
        json={"went": "good", "summary": f"Goed gesprek.\nAfspraak{char} volgende week.", "on": MONDAY},
    )
    assert _fields(held) == ["summary"]
    message = held.json()["errors"][0]["message"]
    assert f"U+{ord(char):04X}" in message and "control character" in message
    view = await http.post(
        f"/api/cases/{case}/commands/employee_view_given",
        json={"about": f"pl{char}an", "agrees": True, "view": "Eens.", "on": MONDAY},
    )
    assert _fields(view) == ["about"]
    workplace = await http.post(
        f"/api/cases/{case}/commands/change_workplace", json={"workplace": f"Kantoor{char} Utrecht"}
    )
    assert _fields(workplace) == ["workplace"]


def test_ordinary_text_with_accents_emoji_and_new_lines_is_taken() -> None:
    held = COMMANDS["progress_talk_held"].model.model_validate(
        {"went": "good", "summary": "Zoë en José: goed gesprek 👍\nVolgende keer\tom 10:00.", "on": MONDAY}
    )
    assert "Zoë" in held.summary  # type: ignore[attr-defined]
