"""The minimal HTML intake form (sign-in and the full form come with the people's-side work)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from temporalio.client import Client

from reintegratie.settings import Settings
from web import deps
from web.cases import new_case_id, start_case
from web.intake import IntakeRequest

router = APIRouter()

_FIELDS = ("employee.name", "employee.email", "manager.name", "manager.email", "first_sick_day", "org_unit")

# Pydantic's messages in Dutch for the errors a person can make in this form.
_DUTCH = {
    "missing": "Vul dit veld in.",
    "string_too_short": "Vul dit veld in.",
    "value_error": None,  # our own messages: shown as they are
    "date_from_datetime_parsing": "Geef een datum als JJJJ-MM-DD.",
    "date_parsing": "Geef een datum als JJJJ-MM-DD.",
    "date_type": "Geef een datum als JJJJ-MM-DD.",
    "string_pattern_mismatch": "Dit teken is hier niet toegestaan.",
}


def _nest(form: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in _FIELDS:
        value = form.get(name, "").strip()
        if not value:
            continue
        head, _, tail = name.partition(".")
        if tail:
            data.setdefault(head, {})[tail] = value
        else:
            data[head] = value
    return data


def _errors_by_field(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "body"
        if error["type"] == "missing" and field in ("employee", "manager"):
            for sub in ("name", "email"):
                errors.setdefault(f"{field}.{sub}", _DUTCH["missing"] or "")
            continue
        if field not in _FIELDS:
            field = "body"
        message = _DUTCH.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
        if "email" in field and error["type"] == "value_error":
            message = "Dit is geen geldig e-mailadres."
        elif field == "first_sick_day" and error["type"] == "value_error":
            message = "Kies vandaag of een eerdere dag, niet meer dan 104 weken geleden."
        errors.setdefault(field, message)
    return errors


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/", response_class=HTMLResponse)
async def intake_form(request: Request) -> Response:
    return deps.templates.TemplateResponse(request, "intake.html", {"values": {}, "errors": {}})


@router.post("/cases", response_class=HTMLResponse)
async def submit_intake(
    request: Request,
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items()}
    try:
        intake = IntakeRequest.model_validate(_nest(form))
    except ValidationError as exc:
        values = {name: form.get(name, "") for name in _FIELDS}
        return deps.templates.TemplateResponse(
            request, "intake.html", {"values": values, "errors": _errors_by_field(exc)}, status_code=422
        )
    case_id = new_case_id()
    await start_case(client, task_queue=settings.task_queue, intake=intake.to_intake(case_id=case_id, reported_by="intake-form"))
    return deps.templates.TemplateResponse(request, "case_started.html", {"case_id": case_id}, status_code=201)
