"""Who comes to each talk, as people answered in their calendars, and HR's answer to a proposal of
another time (an iTIP COUNTER), in one click.

The answers are read from the mailbox by integrations.replies; here they become the case page's
table and the case API's ``attendance`` and ``proposals`` (in the reader's language). HR accepts or
declines a proposal with ``POST /cases/{id}/proposals/{n}/accept|decline`` (a form button) or the same
path under ``/api``: the case records the answer in its history (the ``counter_answered`` update)
and the proposal is closed. Moving the talk itself is left to HR for now (see the answer's text):
the rules have no event yet that moves a single talk to a time a person chose.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client

from contracts import Person
from integrations.accounts import AccountRole
from integrations.replies import Counter, TalkAttendance, attendance_of_case, counters_of_case, decide_counter
from integrations.store import CaseStore
from web import deps, words
from web.access import require_case, require_role
from web.auth import Principal
from web.case_client import CaseGone, CommandRefused, run_command
from web.error_answers import API_ERRORS, problem
from web.i18n import request_language
from workflows.commands import CounterAnswered

DECIDES_PROPOSALS = (AccountRole.hr,)

router = APIRouter(tags=["cases"], responses=API_ERRORS)

Decision = Literal["accept", "decline"]


class AnswerOut(BaseModel):
    name: str
    answer: Literal["accepted", "tentative", "declined", "no_answer"]
    text: str  # the answer in the reader's language


class OccurrenceAnswerOut(AnswerOut):
    occurrence: datetime  # the original start of the one occurrence the answer is about


class TalkAttendanceOut(BaseModel):
    kind: str
    talk: str  # the talk's name in the reader's language
    start: datetime
    recurring: bool
    people: list[AnswerOut]
    occurrences: list[OccurrenceAnswerOut] = []


class ProposalOut(BaseModel):
    id: int
    kind: str
    talk: str
    name: str  # who proposes it
    talk_start: datetime
    proposed_start: datetime
    proposed_end: datetime | None
    status: Literal["open", "accepted", "declined", "superseded"]


def _answer(name: str, value: str | None, language: str) -> AnswerOut:
    code = value if value in ("accepted", "tentative", "declined") else "no_answer"
    return AnswerOut(name=name, answer=code, text=words.answer(value, language))  # type: ignore[arg-type]


def attendance_out(talks: list[TalkAttendance], language: str) -> list[TalkAttendanceOut]:
    return [
        TalkAttendanceOut(
            kind=talk.kind,
            talk=words.talk(talk.kind, language),
            start=talk.start,
            recurring=talk.recurring,
            people=[_answer(person.name, person.answer, language) for person in talk.people],
            occurrences=[
                OccurrenceAnswerOut(occurrence=moment, **_answer(person.name, person.answer, language).model_dump())
                for moment, person in talk.occurrences
            ],
        )
        for talk in talks
    ]


def proposals_out(proposals: list[Counter], language: str) -> list[ProposalOut]:
    return [
        ProposalOut(
            id=item.id,
            kind=item.kind,
            talk=words.talk(item.kind, language),
            name=item.name,
            talk_start=item.talk_start,
            proposed_start=item.proposed_start,
            proposed_end=item.proposed_end,
            status=item.status,  # type: ignore[arg-type]
        )
        for item in proposals
    ]


async def attendance_for(
    sessionmaker: async_sessionmaker[AsyncSession], case_id: str, principal: Principal
) -> tuple[list[TalkAttendance], list[Counter]]:
    """The talks with everyone's answer; the open proposals only for HR, who decides them."""
    talks = await attendance_of_case(sessionmaker, case_id)
    proposals = await counters_of_case(sessionmaker, case_id) if principal.role in DECIDES_PROPOSALS else []
    return talks, proposals


async def decide(
    *,
    case_id: str,
    proposal_id: int,
    decision: Decision,
    principal: Principal,
    store: CaseStore,
    sessionmaker: async_sessionmaker[AsyncSession],
    client: Client,
) -> Counter:
    """Record HR's answer to an open proposal (404 when there is none): first in the case's history,
    then in the store. A case that is closed or gone keeps its history; the proposal is closed anyway."""
    await require_case(store, principal, case_id)
    found = next((c for c in await counters_of_case(sessionmaker, case_id) if c.id == proposal_id), None)
    if found is None:
        raise HTTPException(status_code=404, detail=f"No open proposal {proposal_id} in this case.")
    accepted = decision == "accept"
    answer = CounterAnswered(
        actor=principal.email,
        at=datetime.now(UTC),
        series_id=found.uid,
        kind=found.kind,
        person=Person(name=found.name, email=found.email, language=found.language),
        proposed_start=found.proposed_start,
        accepted=accepted,
        recurrence_id=found.recurrence_id,
    )
    try:
        await run_command(client, case_id, "counter_answered", answer)
    except CommandRefused as refused:
        if refused.status == 503:  # no answer in time: nothing recorded, and the proposal stays open
            raise HTTPException(status_code=503, detail=refused.en, headers={"Retry-After": "5"}) from None
        # a closed case takes no more history; the proposal is closed all the same
    except CaseGone:
        pass  # a case that is gone keeps no history; the proposal is closed all the same
    decided = await decide_counter(
        sessionmaker, case_id=case_id, counter_id=proposal_id, accept=accepted, by=principal.email
    )
    if decided is None:  # answered meanwhile, in another window
        raise HTTPException(status_code=404, detail=f"No open proposal {proposal_id} in this case.")
    return decided


@router.post("/cases/{case_id}/proposals/{proposal_id}/{decision}", include_in_schema=False)
async def decide_in_page(
    case_id: str,
    proposal_id: int,
    decision: Decision,
    principal: Principal = Depends(require_role(*DECIDES_PROPOSALS)),
    store: CaseStore = Depends(deps.store),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
    client: Client = Depends(deps.temporal),
) -> Response:
    """The case page's one-click buttons (HR)."""
    decided = await decide(
        case_id=case_id,
        proposal_id=proposal_id,
        decision=decision,
        principal=principal,
        store=store,
        sessionmaker=sessionmaker,
        client=client,
    )
    return RedirectResponse(f"/cases/{case_id}?proposal={decided.status}#proposals", status_code=303)


@router.post(
    "/api/cases/{case_id}/proposals/{proposal_id}/{decision}",
    response_model=ProposalOut,
    responses=problem(403, "Only HR answers a proposal.")
    | problem(404, "No such case or open proposal, or not one you may see.")
    | problem(503, "The case is busy or the service is down: nothing recorded, the proposal stays open; try again."),
)
async def decide_in_api(
    request: Request,
    case_id: str,
    proposal_id: int,
    decision: Decision,
    principal: Principal = Depends(require_role(*DECIDES_PROPOSALS)),
    store: CaseStore = Depends(deps.store),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
    client: Client = Depends(deps.temporal),
) -> ProposalOut:
    """Accept or decline a proposed new time for a talk (HR): recorded in the case's history."""
    decided = await decide(
        case_id=case_id,
        proposal_id=proposal_id,
        decision=decision,
        principal=principal,
        store=store,
        sessionmaker=sessionmaker,
        client=client,
    )
    return proposals_out([decided], request_language(request))[0]
