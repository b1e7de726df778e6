"""Attendees are people: whom each calendar series was last sent to, and whom a change must reach.

The rules keep a series' attendees as roles (``SeriesState.attendees``); the people holding those
roles change (a coach assigned, replaced or removed, another manager or casemanager). When one does,
the rules raise the SEQUENCE of every open series that role attends and return an update
(:func:`states.rules.role_holder_changed`, rules version 3). From version 3 the workflow remembers,
per series, the people its last message went to (``CaseMemory.sent_to``), so that

- an update goes to the people who hold the roles now and, as the iTIP "removed" change, a CANCEL
  of its own to each person who attended before and no longer does (RFC 5546 3.2.5: the attendee is
  taken off, the series goes on; the CANCEL carries the update's SEQUENCE);
- a person who joins gets that update worded as an invitation (``SeriesMessage.joined``);
- a cancellation goes to the people who have the series in their calendar.

Pure and deterministic: it runs inside the workflow.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from contracts import Person, SeriesMessage
from states.case import Decision
from states.events import RoleHolderChanged
from states.facts import CaseFacts, private_copy
from states.kinds import Role
from states.rules import role_holder_changed
from workflows.dispatch import PlannedMessage
from workflows.people import same_person

SentTo = dict[str, tuple[Person, ...]]
"""A series' UID -> the people its last message went to."""


def role_change(facts: CaseFacts, role: Role, *, held: bool, actor: str, at: datetime, now: datetime) -> Decision:
    """The rules' decision on another holder of ``role`` (no effects before rules version 3)."""
    new = private_copy(facts)
    effects = role_holder_changed(new, RoleHolderChanged(actor=actor, at=at, role=role, held=held), now)
    return Decision(facts=new, effects=effects)


def follow_people(planned: list[PlannedMessage], sent_to: SentTo) -> list[PlannedMessage]:
    """The series messages addressed to people as they are now, and ``sent_to`` brought up to date.

    An update of a series whose earlier attendees include someone who no longer attends becomes a
    "removed" change naming that person; a cancellation goes to whoever had the series. Notices pass
    as they are.
    """
    result: list[PlannedMessage] = []
    for item in planned:
        message = item.message
        if not isinstance(message, SeriesMessage):
            result.append(item)
            continue
        before = sent_to.get(message.uid, ())
        if message.change == "cancelled":
            if before:
                message = replace(message, attendees=before)
            sent_to.pop(message.uid, None)
        else:
            sent_to[message.uid] = message.attendees
            joined = tuple(person for person in message.attendees if before and not _among(person, before))
            if joined and message.change == "update":
                message = replace(message, joined=joined)
            left = [person for person in before if not _among(person, message.attendees)]
            if left and message.change == "update":
                # One message per person who left: each a CANCEL of their own; the update to the
                # attendees is the same in each (the same SEQUENCE), and the outbox sends it once.
                result += [
                    PlannedMessage(replace(message, change="removed", removed=person), f"{item.summary} without one")
                    for person in left
                ]
                continue
        result.append(replace(item, message=message))
    return result


def _among(person: Person, people: tuple[Person, ...]) -> bool:
    return any(same_person(person, other) for other in people)
