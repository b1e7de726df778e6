"""Pages of one case: what happens next, the plan, the talks, the history, and the commands the
signed-in role may give as short forms (the rules' refusal shown next to the form); for HR and the
auditor the full history with the compliance table. The RIV status (complete, or what is missing)
comes from web.dossier_status; the dossier itself is web.dossier's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from temporalio.client import Client

from contracts import wording
from integrations.store import CaseStore
from reintegratie.config.settings import Settings
from states import phases
from states.facts import Signal
from web import command_forms, deps, words
from web.access import READS_HISTORY, CaseView, commands_for, require_role
from web.attendance import attendance_for
from web.auth import Principal, current_principal, safe_next
from web.case_client import CommandRefused
from web.case_data import CaseData, case_record, load_case, today
from web.case_import_pages import import_held
from web.command_forms import FormField
from web.command_models import CASE_UPDATES, COMMANDS, PEOPLE_UPDATES
from web.commands import give
from web.dossier_access import sees_dossier
from web.dossier_status import VIEW_COMMAND, case_riv_status
from web.form_keys import form_key, new_key
from web.i18n import request_language
from web.words import phase as phase_words

router = APIRouter(include_in_schema=False)

_PEOPLE_COMMANDS = (*PEOPLE_UPDATES, *CASE_UPDATES)  # open to every phase of an open case


def possible_now(data: CaseData, principal: Principal) -> list[str]:
    """The commands the person may give in this case that its phase allows at all."""
    phase = data.phase
    closed = bool(data.live and data.live.status.closed)
    names = [
        name
        for name in COMMANDS
        if (name in _PEOPLE_COMMANDS and not closed)
        or (name not in _PEOPLE_COMMANDS and phases.destinations(phase, name))
    ]
    return commands_for(principal, data.access, names)


def open_signal_choices(signals: list[Signal], language: str) -> FormField:
    """The signal a coach resolves, chosen from the case's open signals by what each says happened,
    never typed as its key."""
    open_ones = [signal for signal in signals if signal.is_open]
    return FormField(
        name="signal_key",
        label_key="field.signal_key",
        kind="choice",
        required=True,
        choices=tuple(signal.key for signal in open_ones),
        choice_labels=tuple(
            f"{words.signal_title(signal, language)} ({wording.format_day(signal.since, language)})"
            for signal in open_ones
        ),
    )


def command_forms_for(
    names: list[str],
    *,
    signals: FormField | None = None,
    failed: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    refusal: str | None = None,
    opened: str | None = None,
) -> list[dict[str, Any]]:
    """The forms of ``names``; ``opened``: the one a message's link asks the reader to fill in (open)."""
    forms = []
    for name in names:
        mine = name == failed
        forms.append(
            {
                "name": name,
                "fields": [
                    signals if signals is not None and field.name == "signal_key" else field
                    for field in command_forms.fields_of(COMMANDS[name].model)
                ],
                "values": (values or {}) if mine else {},
                "errors": (errors or {}) if mine else {},
                "refusal": refusal if mine else None,
                "open": name == opened,
                # one key per rendered form: a second click (or a resent POST) gives the same command
                # again, which the case answers as the first time (web.commands: Idempotency-Key)
                "once": new_key(),
            }
        )
    return forms


async def _case_page(
    request: Request, data: CaseData, store: CaseStore, principal: Principal, *, status_code: int = 200, **failure: Any
) -> Response:
    language = request_language(request)
    if data.access.view == CaseView.practical:
        return deps.render(
            request, "case_practical.html", {"data": data, "talks": data.buddy_talks()}, status_code=status_code
        )
    record = await case_record(store, data)
    facts = data.live.facts if data.live else None
    talks, proposals = await attendance_for(await deps.sessionmaker(request), data.case_id, principal)
    forms = possible_now(data, principal)
    context = {
        "riv": case_riv_status(data, principal, language, datetime.now(UTC), commands=forms),
        "riv_dossier_link": True,
        "sees_dossier": sees_dossier(principal, data.access),
        "attendance": talks,
        "proposals": proposals,
        "proposal_done": _proposal_done(request),
        "answer_words": words.answer,
        "signal_title": words.signal_title,
        "evidence_words": words.evidence,
        "talk_words": words.talk,
        "data": data,
        "phase_text": phase_words(data.phase, language),
        "overdue": data.overdue(today()),
        "facts": facts,
        "upcoming": data.live.upcoming if data.live else [],
        "signals": data.signals,
        "entries": record.entries,
        # a message's link (?do=<command>#cmd-<command>) opens the form it asks the reader to fill in
        "forms": command_forms_for(
            [name for name in forms if name != VIEW_COMMAND],  # given next to what it is about: the dossier
            signals=open_signal_choices(data.signals, language),
            opened=request.query_params.get("do"),
            **failure,
        ),
        "done": request.query_params.get("done") if request.query_params.get("done") in COMMANDS else None,
        "reads_history": principal.role in READS_HISTORY,
        "import_held": await import_held(request, data.case_id, principal),  # web.case_import_pages
    }
    return deps.render(request, "case.html", context, status_code=status_code)


def _proposal_done(request: Request) -> str | None:
    """After HR's click on a proposal: ``accepted`` or ``declined`` (the notice at the top of the page)."""
    done = request.query_params.get("proposal")
    return done if done in ("accepted", "declined") else None


@router.get("/cases/{case_id}", response_class=HTMLResponse)
async def case_page(
    request: Request,
    case_id: str,
    principal: Principal = Depends(current_principal),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
) -> Response:
    data = await load_case(store, client, principal, case_id)
    return await _case_page(request, data, store, principal)


@router.post("/cases/{case_id}/commands/{name}", response_class=HTMLResponse)
async def command_form(
    request: Request,
    case_id: str,
    name: str,
    principal: Principal = Depends(current_principal),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
    settings: Settings = Depends(deps.settings),
) -> Response:
    data = await load_case(store, client, principal, case_id)
    spec = COMMANDS.get(name)
    if spec is None:
        raise HTTPException(status_code=404, detail=f"No command {name!r}.")
    if name not in commands_for(principal, data.access, [name]):
        raise HTTPException(status_code=403, detail="Your role may not give this command here.")
    form = command_forms.form_values(
        (await request.form()).multi_items(), leave_out=("csrf_token", "back", "idempotency_key")
    )
    back = safe_next(str((await request.form()).get("back") or f"/cases/{case_id}"))
    key = form_key((await request.form()).get("idempotency_key"))  # a form from before the key, or made by hand: none
    try:
        body = spec.model.model_validate(command_forms.parse(spec.model, form))
    except ValidationError as exc:
        errors = command_forms.errors_by_field(spec.model, exc)
        return await _case_page(
            request, data, store, principal, status_code=422, failed=name, values=form, errors=errors
        )
    try:
        await give(
            spec,
            body,
            case_id=case_id,
            principal=principal,
            client=client,
            key=key,
            timeout=settings.command_timeout_seconds,
        )
    except CommandRefused as refused:
        reason = refused.reason(request_language(request))
        return await _case_page(
            request, data, store, principal, status_code=refused.status, failed=name, values=form, refusal=reason
        )
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}done={name}", status_code=303)


@router.get("/cases/{case_id}/history", response_class=HTMLResponse)
async def history_page(
    request: Request,
    case_id: str,
    principal: Principal = Depends(require_role(*READS_HISTORY)),
    store: CaseStore = Depends(deps.store),
    client: Client = Depends(deps.temporal),
) -> Response:
    data = await load_case(store, client, principal, case_id)
    record = await case_record(store, data)
    return deps.render(
        request,
        "history.html",
        {"data": data, "record": record, "phase_text": phase_words(data.phase, request_language(request))},
    )


# The re-integratiedossier's page (/cases/{id}/dossier) is web.dossier's.
