"""The JSON API's commands: ``POST /api/cases/{case_id}/commands/{name}``, one route per command.

The body is the command's fields (its pydantic model, derived from the workflow's payload); the web
adds who gives it (the signed-in person) and when (now, UTC). Answers: 200 with the phase and what
the case does next; 401 without sign-in; 403 when the caller's role may not give this command (an
auditor or a buddy: none); 404 for a case the caller may not see (the same as for no case); 409 with
the rules' reason in Dutch and English when the case says no; 422 naming a wrong field; 503 when the
case gave no answer within the bound (``REINTEGRATIE_COMMAND_TIMEOUT_SECONDS``): nothing was
recorded, try again. An ``Idempotency-Key`` header makes a repeat safe: the same key (same person,
case and command) gets the first answer again and changes nothing.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the generated endpoints' annotations.

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from temporalio.client import Client

from integrations.store import CaseStore
from reintegratie.config.settings import Settings
from web import deps
from web.access import CaseAccess, may_command, not_found, require_case, role_may_give
from web.auth import Principal, current_principal
from web.case_client import COMMAND_TIMEOUT_SECONDS, CaseGone, CommandRefused, run_command
from web.command_models import COMMANDS, CommandSpec, to_payload
from web.error_answers import API_ERRORS, problem
from web.form_keys import idempotency_key_header
from web.i18n import request_language
from workflows.commands import CommandResult

router = APIRouter(prefix="/api", tags=["commands"], responses=API_ERRORS)


class CommandDone(BaseModel):
    case_id: str
    command: str
    phase: str
    effects: list[str]


class Refusal(BaseModel):
    detail: str
    code: str
    nl: str
    en: str


class CommandList(BaseModel):
    case_id: str
    commands: list[str]


RESPONSES: dict[int | str, dict[str, Any]] = {
    **problem(403, "Your role may not give this command (or not in this case)."),
    **problem(404, "No such case, or not one you may see (the same answer)."),
    409: {"model": Refusal, "description": "The case refused the command; the rules' reason in Dutch and English."},
    503: {
        "model": Refusal,
        "description": "The case is busy or the service is down: no answer within the bound. Nothing was "
        "recorded; try again (with the same Idempotency-Key, a command is applied once).",
        "headers": {
            "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}
        },
    },
}
IDEMPOTENCY_KEY = idempotency_key_header(
    "Any text of 1 to 200 visible ASCII characters, new for each command you mean (a UUID). "
    "Sent again with the same command, the case answers as the first time and changes nothing; it "
    "remembers its last 50 such commands."
)
RETRY_AFTER = "5"


async def give(
    spec: CommandSpec,
    body: BaseModel,
    *,
    case_id: str,
    principal: Principal,
    client: Client,
    key: str | None = None,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> CommandResult:
    """Run one command for ``principal``; raises CommandRefused (503: no answer within ``timeout``
    seconds, nothing recorded), or 404 when the case is gone. ``key``: the idempotency key."""
    payload = to_payload(spec, body, actor=principal.email, at=datetime.now(UTC))
    try:
        return await run_command(client, case_id, spec.name, payload, key=key, timeout=timeout)
    except CaseGone:
        raise not_found(case_id) from None


def _access_for(name: str) -> Callable[..., Any]:
    """Dependency: 403 for a role that never gives ``name``, 404 for a case out of sight, 403 when
    the caller's part in this case does not allow it. Runs before the body is looked at."""

    async def dependency(
        case_id: str = Path(max_length=100),
        principal: Principal = Depends(current_principal),
        store: CaseStore = Depends(deps.store),
    ) -> CaseAccess:
        if not role_may_give(principal.role, name):
            raise HTTPException(status_code=403, detail=f"Your role may not give the command {name!r}.")
        access = await require_case(store, principal, case_id)
        if not may_command(principal, access, name):
            raise HTTPException(status_code=403, detail=f"Your part in this case does not allow the command {name!r}.")
        return access

    return dependency


def _endpoint(spec: CommandSpec) -> Callable[..., Any]:
    model = spec.model

    async def endpoint(
        request: Request,
        body: model,  # type: ignore[valid-type]  # FastAPI reads the body model made at run time
        case_id: str = Path(max_length=100),
        access: CaseAccess = Depends(_access_for(spec.name)),  # noqa: B008 - made once per route, as FastAPI expects
        client: Client = Depends(deps.temporal),
        settings: Settings = Depends(deps.settings),
        idempotency_key: str | None = IDEMPOTENCY_KEY,
    ) -> Any:
        principal: Principal = request.state.principal
        try:
            result = await give(
                spec,
                body,
                case_id=case_id,
                principal=principal,
                client=client,
                key=idempotency_key,
                timeout=settings.command_timeout_seconds,
            )
        except CommandRefused as refused:
            headers = {"Retry-After": RETRY_AFTER} if refused.status == 503 else None
            content = refused.as_json(request_language(request))
            return JSONResponse(status_code=refused.status, content=content, headers=headers)
        return CommandDone(case_id=case_id, command=spec.name, phase=result.phase, effects=result.effects)

    endpoint.__name__ = f"command_{spec.name}"
    endpoint.__doc__ = (model.__doc__ or "").strip() or f"Give the case the command {spec.name}."
    return endpoint


for _name, _spec in COMMANDS.items():
    router.add_api_route(
        f"/cases/{{case_id}}/commands/{_name}",
        _endpoint(_spec),
        methods=["POST"],
        response_model=CommandDone,
        responses=RESPONSES,
        summary=_name.replace("_", " "),
        operation_id=f"command_{_name}",
    )


@router.get("/cases/{case_id}/commands", response_model=CommandList, responses={404: RESPONSES[404]})
async def my_commands(
    case_id: str = Path(max_length=100),
    principal: Principal = Depends(current_principal),
    store: CaseStore = Depends(deps.store),
) -> CommandList:
    """The commands the caller may give in this case (empty for an auditor and a buddy)."""
    access = await require_case(store, principal, case_id)
    return CommandList(case_id=case_id, commands=[name for name in COMMANDS if may_command(principal, access, name)])
