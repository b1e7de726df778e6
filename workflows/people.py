"""Who holds which role in a case: the rules address roles, the workflow maps them to people."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from contracts import CaseIntake, Person
from states.kinds import Role


@dataclass(frozen=True)
class CasePeople:
    manager: Person
    employee: Person
    casemanager: Person | None = None
    coach: Person | None = None
    buddy: Person | None = None
    team_notice_to: tuple[str, ...] = ()
    buddy_candidates: tuple[Person, ...] = field(default_factory=tuple)

    @classmethod
    def from_intake(cls, intake: CaseIntake) -> CasePeople:
        return cls(
            manager=intake.manager,
            employee=intake.employee,
            casemanager=intake.casemanager,
            coach=intake.coach,
            team_notice_to=intake.team_notice_to,
            buddy_candidates=intake.buddy_candidates,
        )

    def holder(self, role: Role) -> Person | None:
        return {
            Role.manager: self.manager,
            Role.employee: self.employee,
            Role.casemanager: self.casemanager,
            Role.coach: self.coach,
            Role.buddy: self.buddy,
        }[role]

    def for_roles(self, roles: tuple[Role, ...]) -> tuple[Person, ...]:
        """The people holding these roles, each once, in the order given; unassigned roles are skipped."""
        people: list[Person] = []
        for role in roles:
            person = self.holder(role)
            if person is not None and all(person.email != known.email for known in people):
                people.append(person)
        return tuple(people)

    def with_coach(self, coach: Person | None) -> CasePeople:
        return replace(self, coach=coach)

    def with_buddy(self, buddy: Person | None) -> CasePeople:
        return replace(self, buddy=buddy)

    def with_holder(self, role: Role, person: Person | None) -> CasePeople:
        """The people with ``person`` in ``role`` (None: nobody; the employee and the manager always have one)."""
        if role == Role.coach:
            return replace(self, coach=person)
        if role == Role.buddy:
            return replace(self, buddy=person)
        if role == Role.casemanager:
            return replace(self, casemanager=person)
        if person is None:
            raise ValueError(f"the {role} cannot be left out")
        return replace(self, manager=person) if role == Role.manager else replace(self, employee=person)

    def changes(self, role: Role, person: Person | None) -> bool:
        """Whether ``person`` in ``role`` is someone else than who holds it now (addresses compared)."""
        return not same_person(self.holder(role), person)

    def organizer_name(self) -> str:
        return self.casemanager.name if self.casemanager else "Verzuimbegeleiding"


def same_person(one: Person | None, other: Person | None) -> bool:
    """The same person (or both nobody): e-mail addresses compared without case."""
    if one is None or other is None:
        return one is other
    return one.email.lower() == other.email.lower()
