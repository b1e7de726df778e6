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

    def with_coach(self, coach: Person) -> CasePeople:
        return replace(self, coach=coach)

    def with_buddy(self, buddy: Person | None) -> CasePeople:
        return replace(self, buddy=buddy)

    def organizer_name(self) -> str:
        return self.casemanager.name if self.casemanager else "Verzuimbegeleiding"
