"""Another person in a role (issue 18, findings 2 and 14), as the rules see it: from rules version 3
every open series the role attends goes out again with a higher SEQUENCE, and the buddy is invited
only once HR chose one and the employee agreed, whichever came last. Version 1 and 2 cases go on as
they were."""

from __future__ import annotations

import copy
from datetime import date, datetime

from states import (
    BuddyConsent,
    BuildUpStarted,
    BuildUpStep,
    CaseFacts,
    InviteBuddy,
    ProbleemanalyseReceived,
    Relapse,
    Role,
    SeriesKind,
    TherapeuticWorkStarted,
    UpdateSeries,
    decide,
)
from states.events import RoleHolderChanged
from states.facts import private_copy
from states.kinds import SeriesChangeReason
from states.rules import role_holder_changed
from tests.states.helpers import at, ev, of_type, opened


def _working(version: int) -> tuple[CaseFacts, datetime]:
    """A case of ``version`` whose employee started therapeutic work (the buddy was asked)."""
    facts = opened().facts
    facts.rules_version = version
    now = at(2026, 2, 2)
    facts = decide(facts, ev(ProbleemanalyseReceived, now), now).facts
    now = at(2026, 2, 16)
    return decide(facts, ev(TherapeuticWorkStarted, now, hours_per_week=4), now).facts, now


def _changed(facts: CaseFacts, role: Role, now: datetime, *, held: bool = True) -> tuple[CaseFacts, list[object]]:
    new = private_copy(facts)
    effects = role_holder_changed(new, ev(RoleHolderChanged, now, role=role, held=held), now)
    return new, list(effects)


def _with_driegesprek(version: int) -> tuple[CaseFacts, datetime]:
    """A case in build-up whose relapse looped in the coach: a driegesprek is planned."""
    facts, _ = _working(version)
    now = at(2026, 3, 2)
    schedule = [BuildUpStep(from_date=date(2026, 3, 2), hours_per_week=8)]
    facts = decide(facts, ev(BuildUpStarted, now, schedule=schedule), now).facts
    now = at(2026, 3, 4)
    facts = decide(facts, ev(Relapse, now, hours_per_week=4), now).facts
    assert any(s.kind == SeriesKind.driegesprek and s.active for s in facts.series)
    return facts, now


def test_a_new_coach_raises_the_sequence_of_every_open_series_the_coach_attends() -> None:
    facts, now = _with_driegesprek(3)
    before = copy.deepcopy(facts)
    new, effects = _changed(facts, Role.coach, now)
    assert facts == before, "the facts passed in stay as they were"
    (update,) = of_type(effects, UpdateSeries)
    talk = next(s for s in facts.series if s.kind == SeriesKind.driegesprek and s.active)
    assert update.series_id == talk.series_id and update.sequence == talk.sequence + 1
    assert update.start == talk.start and update.reason_key == SeriesChangeReason.attendees_changed
    assert next(s for s in new.series if s.series_id == talk.series_id).sequence == talk.sequence + 1
    others = {s.series_id: s.sequence for s in facts.series if s.series_id != talk.series_id}
    assert {s.series_id: s.sequence for s in new.series if s.series_id != talk.series_id} == others

    _, effects = _changed(facts, Role.manager, now)  # the manager attends every series
    assert {e.series_id for e in of_type(effects, UpdateSeries)} == {s.series_id for s in facts.series if s.active}


def test_before_rules_version_3_another_person_in_a_role_changes_nothing() -> None:
    for version in (1, 2):
        facts, now = _with_driegesprek(version)
        new, effects = _changed(facts, Role.coach, now)
        assert effects == [] and new == facts


def test_consent_alone_invites_no_buddy_the_one_hr_chose_is_invited_whichever_came_last() -> None:
    facts, now = _working(3)
    consent = decide(facts, ev(BuddyConsent, now, actor="employee-1", given=True), now)
    assert not of_type(consent.effects, InviteBuddy)
    _, effects = _changed(consent.facts, Role.buddy, now)
    (invite,) = of_type(effects, InviteBuddy)
    assert invite.starts_on == date(2026, 2, 16)

    chosen, effects = _changed(facts, Role.buddy, now)  # HR chose first: nobody is asked yet
    assert effects == [] and chosen.buddy.chosen
    consent = decide(chosen, ev(BuddyConsent, now, actor="employee-1", given=True), now)
    assert len(of_type(consent.effects, InviteBuddy)) == 1


def test_a_version_1_case_still_invites_on_consent() -> None:
    facts, now = _working(1)
    consent = decide(facts, ev(BuddyConsent, now, actor="employee-1", given=True), now)
    assert len(of_type(consent.effects, InviteBuddy)) == 1
