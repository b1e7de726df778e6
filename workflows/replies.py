"""Answers to invitations as the case hears them: what the history records, and HR's notice when
someone declines a talk the law asks for. Pure: it runs inside the workflow."""

from __future__ import annotations

from datetime import datetime

from contracts import Notice, Person
from states.clock import local
from workflows.commands import CounterAnswered, InvitationReplied
from workflows.dispatch import PlannedMessage

ANSWERS = ("accepted", "tentative", "declined", "counter")
STATUTORY_KINDS = ("evaluation", "driegesprek")
"""Talks the law asks for; the eerstejaarsevaluatie is held at an evaluation, not invited on its own."""


def _moment(value: datetime | None) -> str:
    return local(value).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def reply_detail(reply: InvitationReplied) -> dict[str, str]:
    """The audit entry's details (web.words makes the sentence in the reader's language)."""
    detail = {
        "person": reply.person.name,
        "talk": reply.kind,
        "answer": reply.answer,
        "talk_start": _moment(reply.talk_start),
    }
    if reply.proposed_start is not None:
        detail["proposed"] = _moment(reply.proposed_start)
    if reply.free_slot is not None:
        detail["free_slot"] = _moment(reply.free_slot)
    return detail


def reply_text(reply: InvitationReplied) -> str:
    """The timeline's line (Dutch, as the other timeline lines)."""
    words = {"accepted": "geaccepteerd", "tentative": "onder voorbehoud", "declined": "afgewezen"}
    if reply.answer == "counter":
        return f"{reply.person.name} stelt een ander tijdstip voor: {_moment(reply.proposed_start)}"
    return f"{reply.person.name}: uitnodiging {words.get(reply.answer, reply.answer)}"


def counter_detail(answer: CounterAnswered) -> dict[str, str]:
    return {
        "person": answer.person.name,
        "talk": answer.kind,
        "proposed": _moment(answer.proposed_start),
        "answer": "accepted" if answer.accepted else "declined",
    }


def declined_statutory(reply: InvitationReplied) -> bool:
    return reply.answer == "declined" and reply.kind in STATUTORY_KINDS


def decline_notice(
    reply: InvitationReplied,
    *,
    case_id: str,
    employee: Person,
    hr: tuple[Person, ...],
    case_url: str | None,
) -> PlannedMessage:
    """HR's notice that ``reply.person`` declined a statutory talk, with the next free slot.

    Sent to the product's own mailbox when no casemanager is recorded, so it is never dropped."""
    context: dict[str, str | list[str]] = {
        "employee_name": employee.name,
        "person_name": reply.person.name,
        "talk": reply.kind,
    }
    dates = {}
    if reply.talk_start is not None:
        dates["talk_day"] = local(reply.talk_start).date()
        context["talk_time"] = local(reply.talk_start).strftime("%H:%M")
    if reply.free_slot is not None:
        dates["proposed_day"] = local(reply.free_slot).date()
        context["proposed_time"] = local(reply.free_slot).strftime("%H:%M")
    if case_url:
        context["case_url"] = case_url
    notice = Notice(
        key=f"{case_id}:declined:{reply.key}",
        case_id=case_id,
        kind="talk_declined",
        recipients=hr,
        context=context,
        dates=dates,
        to_mailbox_if_nobody=True,
    )
    return PlannedMessage(notice, f"tell HR that {reply.person.name} declined the {reply.kind}")
