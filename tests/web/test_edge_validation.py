"""What the edge refuses before a case sees it, with a 422 that names the field and what is allowed:

- a contact moment outside working days and hours, by one definition for the intake and for
  ``preference_changed`` (web.intake);
- a first day of work (back) on a weekend or a public holiday: a build-up step, arbeidstherapeutisch
  werken, a recovery;
- names and addresses that mail could not carry as they were entered.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from tests.web.conftest import WebApp
from web.command_models import COMMANDS
from web.intake import ContactIn, IntakeRequest

SUNDAY = date(2026, 4, 5)
SATURDAY = date(2026, 4, 11)
KINGS_DAY = date(2026, 4, 27)  # a Monday, a public holiday
TUESDAY = date(2026, 4, 28)
HOURS = "choose a time from 07:00 to 19:59"
INTAKE = {
    "employee": {"name": "Eva Bakker", "email": "eva@example.nl"},
    "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
    "first_sick_day": date.today().isoformat(),
}


def _accepts(model: type[BaseModel], data: dict[str, Any]) -> bool:
    try:
        model.model_validate(data)
    except ValidationError:
        return False
    return True


def test_the_intake_and_preference_changed_allow_the_same_moments_working_days_and_hours() -> None:
    command = COMMANDS["preference_changed"].model
    for weekday in range(7):
        for hour in range(24):
            for minute in (0, 30, 59):
                moment = {"weekday": weekday, "hour": hour, "minute": minute}
                at_intake = _accepts(ContactIn, moment)
                assert at_intake == _accepts(command, {"preference": moment}), moment
                assert at_intake == (weekday < 5 and 7 <= hour <= 19), moment


async def _hr(web: WebApp) -> tuple[httpx.AsyncClient, str]:
    http = await web.token_client(await web.user("hr"))
    case = await web.case(employee=f"e-{uuid.uuid4().hex[:6]}@example.nl", manager="mark@example.nl")
    return http, case


async def test_out_of_hours_is_refused_alike_at_the_intake_and_in_preference_changed(web: WebApp) -> None:
    http, case = await _hr(web)

    async def preference(**moment: int) -> httpx.Response:
        return await http.post(f"/api/cases/{case}/commands/preference_changed", json={"preference": moment})

    sunday_night = await preference(weekday=6, hour=23, minute=30)
    assert sunday_night.status_code == 422
    assert sunday_night.json()["errors"] == [
        {"field": "preference.weekday", "message": "Sunday is not a working day: choose 0 (Monday) to 4 (Friday)"}
    ]
    late = await preference(weekday=2, hour=23, minute=30)
    assert late.status_code == 422
    ((field, message),) = [(e["field"], e["message"]) for e in late.json()["errors"]]
    assert field == "preference" and f"23:30 is outside working hours: {HOURS}" in message

    weekend = await http.post("/api/cases", json={**INTAKE, "contact": {"weekday": 6, "hour": 10}})
    assert weekend.status_code == 422
    assert weekend.json()["errors"] == [
        {"field": "contact.weekday", "message": "Sunday is not a working day: choose 0 (Monday) to 4 (Friday)"}
    ]
    evening = await http.post("/api/cases", json={**INTAKE, "contact": {"weekday": 2, "hour": 23, "minute": 30}})
    assert evening.status_code == 422
    ((field, message),) = [(e["field"], e["message"]) for e in evening.json()["errors"]]
    assert field == "contact" and f"23:30 is outside working hours: {HOURS}" in message


@pytest.mark.parametrize(
    ("name", "body", "field", "what"),
    [
        ("recovered", {"on": SUNDAY.isoformat()}, "on", "a Sunday"),
        ("recovered", {"full": False, "hours_per_week": 12, "on": KINGS_DAY.isoformat()}, "on", "a public holiday"),
        ("therapeutic_work_started", {"hours_per_week": 4, "on": SATURDAY.isoformat()}, "on", "a Saturday"),
        (
            "build_up_started",
            {
                "schedule": [
                    {"from_date": TUESDAY.isoformat(), "hours_per_week": 8},
                    {"from_date": SUNDAY.isoformat(), "hours_per_week": 12},
                ]
            },
            "schedule.1.from_date",
            "a Sunday",
        ),
    ],
)
async def test_a_first_day_of_work_on_a_weekend_or_holiday_is_refused(
    web: WebApp, name: str, body: dict[str, Any], field: str, what: str
) -> None:
    http, case = await _hr(web)
    answer = await http.post(f"/api/cases/{case}/commands/{name}", json=body)
    assert answer.status_code == 422, answer.text
    (error,) = answer.json()["errors"]
    assert error["field"] == field
    assert error["message"].endswith(
        f"is {what}, not a working day: choose a working day (Monday to Friday, not a public holiday)"
    )


def test_a_first_day_of_work_on_a_working_day_passes_the_edge() -> None:
    assert _accepts(COMMANDS["recovered"].model, {"on": TUESDAY.isoformat()})
    assert _accepts(COMMANDS["recovered"].model, {})  # no date: the day the command is given, as the rules read it
    assert _accepts(COMMANDS["therapeutic_work_started"].model, {"hours_per_week": 4, "on": TUESDAY.isoformat()})
    schedule = [{"from_date": TUESDAY.isoformat(), "hours_per_week": 8}]
    assert _accepts(COMMANDS["build_up_started"].model, {"schedule": schedule})
    # a relapse is when it happened, any day; a week of hours starts on its Monday as before
    assert _accepts(COMMANDS["relapse"].model, {"on": SUNDAY.isoformat()})


def test_names_and_addresses_are_taken_as_mail_can_carry_them() -> None:
    def intake(employee: dict[str, str]) -> IntakeRequest:
        return IntakeRequest.model_validate({**INTAKE, "employee": employee})

    exact = 'Zoë "Jo" van \'t Hoff, jr.'
    assert intake({"name": exact, "email": "zoe@example.nl"}).employee.name == exact
    assert intake({"name": "Zoë  van  Hoff", "email": "zoe@example.nl"}).employee.name == "Zoë van Hoff"
    for hidden in ("Zoë\u202eJo", "Zoë\u200bJo", "Zoë =?utf-8?q?x?="):
        with pytest.raises(ValidationError) as refused:
            intake({"name": hidden, "email": "zoe@example.nl"})
        assert refused.value.errors()[0]["loc"] == ("employee", "name")
    # an internationalised address: the local part as it is (sent with SMTPUTF8), the domain as IDNA
    assert intake({"name": "Jörg", "email": "jörg@example.nl"}).employee.email == "jörg@example.nl"
    assert (
        intake({"name": "Jan", "email": "jan@bücher.de"})
        .to_intake(case_id="case-0", reported_by="hr@example.nl")
        .employee.email
        == "jan@xn--bcher-kva.de"
    )
