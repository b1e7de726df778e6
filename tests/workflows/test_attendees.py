"""Attendees are people (issue 18, findings 2 and 14): whoever holds a role now gets the open
invitations, whoever left gets a CANCEL, each with the right SEQUENCE; a coach who joins hears of the
open signals once; the buddy is invited only once HR chose one and the employee agreed.

Real workflow and activities under time skipping, aiosmtpd for the mail, SQLite for the read model
and the calendar feeds."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

import states
from contracts import Person
from integrations.feeds import feed_for_token, issue_feed_token
from tests.support import SmtpSink
from tests.workflows.harness import BUDDY, CASEMANAGER, COACH, EMPLOYEE, MANAGER, CaseWorld, SentMessage, case_world
from workflows.case import ReintegrationCase
from workflows.commands import AssignCoach, ChangeCasemanager, ChangeManager, ChooseBuddy, RemoveCoach

OTHER_COACH = Person("Olga de Wit", "olga@example.nl")
NEW_MANAGER = Person("Nina Bos", "nina@example.nl")
NEW_CASEMANAGER = Person("Hans Kok", "hans@example.nl")


def _of(messages: list[SentMessage], uid: str) -> list[tuple[str | None, int | None]]:
    return [(m.method, m.sequence) for m in messages if m.uid == uid]


async def _in_feed(world: CaseWorld, person: Person, uid: str) -> bool:
    token = await issue_feed_token(world.sessionmaker, person=person.email)
    body = await feed_for_token(world.sessionmaker, token)
    assert body is not None
    return f"UID:{uid}".encode() in body


async def _coach_notices(world: CaseWorld, person: Person) -> list[str]:
    return [e.key for e in await world.outbox() if e.kind == "coach_signal" and e.recipient == person.email]


async def _relapse_plans_a_driegesprek(world: CaseWorld, **start: Any) -> str:
    """A case in build-up without a coach; a relapse loops in the coach and plans a driegesprek."""
    await world.open(days_ago=60, **start)
    await world.command(
        "probleemanalyse_received", states.ProbleemanalyseReceived, on=(await world.today()) - timedelta(days=30)
    )
    await world.command(
        "build_up_started",
        states.BuildUpStarted,
        schedule=[states.BuildUpStep(from_date=await world.today(), hours_per_week=8)],
    )
    await world.command("relapse", states.Relapse, hours_per_week=4)
    talks = [m for m in world.invitations(MANAGER.email) if (m.summary or "").startswith("Driegesprek")]
    assert [(m.method, m.sequence) for m in talks] == [("REQUEST", 0)]
    return str(talks[0].uid)


async def test_a_coach_assigned_after_the_driegesprek_was_planned_is_invited_and_a_replaced_one_cancelled(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        uid = await _relapse_plans_a_driegesprek(world)
        assert world.invitations(COACH.email) == []  # no coach yet: only the employee and the manager
        assert await _coach_notices(world, CASEMANAGER), "HR hears of the signal"

        await world.command("assign_coach", AssignCoach, coach=COACH)
        assert _of(world.invitations(COACH.email), uid) == [("REQUEST", 1)]
        assert _of(world.invitations(MANAGER.email), uid) == [("REQUEST", 0), ("REQUEST", 1)]
        assert _of(world.invitations(EMPLOYEE.email), uid) == [("REQUEST", 0), ("REQUEST", 1)]
        assert await _in_feed(world, COACH, uid), "the coach's calendar feed shows the driegesprek"
        invitation = next(m for m in world.invitations(COACH.email) if m.uid == uid)
        assert invitation.subject.startswith("Uitnodiging"), "their first mail of it is an invitation"
        update = next(m for m in reversed(world.invitations(MANAGER.email)) if m.uid == uid)
        assert update.subject.startswith("Gewijzigd")
        briefing = world.notices(COACH.email)
        assert len(briefing) == 1, "the new coach hears of the open signal, in one notice"
        assert "4" in briefing[0].raw.decode(errors="replace")  # the relapse to 4 hours a week
        timeline = await world.handle.query(ReintegrationCase.timeline)  # type: ignore[union-attr]
        assert [entry.text for entry in timeline if entry.action == "brief_coach"] == ["Coach ingeschakeld"]

        await world.command("assign_coach", AssignCoach, coach=OTHER_COACH)
        assert _of(world.invitations(COACH.email), uid) == [("REQUEST", 1), ("CANCEL", 2)]
        assert _of(world.invitations(OTHER_COACH.email), uid) == [("REQUEST", 2)]
        assert _of(world.invitations(MANAGER.email), uid)[-1] == ("REQUEST", 2)
        farewell = next(m for m in world.invitations(COACH.email) if m.method == "CANCEL")
        assert b"STATUS:CANCELLED" not in farewell.raw  # the talk goes on, without them
        assert not await _in_feed(world, COACH, uid)
        assert await _in_feed(world, OTHER_COACH, uid)
        assert len(world.notices(OTHER_COACH.email)) == 1

        await world.command("remove_coach", RemoveCoach)
        assert _of(world.invitations(OTHER_COACH.email), uid) == [("REQUEST", 2), ("CANCEL", 3)]
        assert _of(world.invitations(MANAGER.email), uid)[-1] == ("REQUEST", 3)
        assert (await world.handle.query(ReintegrationCase.people)).coach is None  # type: ignore[union-attr]

        await world.command("assign_coach", AssignCoach, coach=COACH)  # back again
        assert _of(world.invitations(COACH.email), uid)[-1] == ("REQUEST", 4)
        assert len(world.notices(COACH.email)) == 1, "a coach hears of a signal once"
        # Every person got every (UID, SEQUENCE, method) once.
        delivered = [(m.recipient, m.uid, m.sequence, m.method) for m in world.invitations()]
        assert len(delivered) == len(set(delivered))
        facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
        assert next(s.sequence for s in facts.series if s.series_id == uid) == 4


async def test_who_had_each_series_is_remembered_across_continue_as_new(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        uid = await _relapse_plans_a_driegesprek(world, history_limit=60)
        first_run = (await world.describe()).workflow_execution_info.execution.run_id
        await world.command("assign_coach", AssignCoach, coach=COACH)
        for _ in range(8):
            await world.command("employee_feedback", states.EmployeeFeedback)
        await world.advance(timedelta(hours=1))
        assert (await world.describe()).workflow_execution_info.execution.run_id != first_run, "continued as new"

        await world.command("assign_coach", AssignCoach, coach=OTHER_COACH)
        assert _of(world.invitations(COACH.email), uid) == [("REQUEST", 1), ("CANCEL", 2)]
        assert _of(world.invitations(OTHER_COACH.email), uid) == [("REQUEST", 2)]


async def test_a_new_manager_and_casemanager_take_over_the_invitations_and_the_case(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(days_ago=40)
        await world.command(
            "probleemanalyse_received", states.ProbleemanalyseReceived, on=(await world.today()) - timedelta(days=3)
        )
        await world.command(
            "plan_van_aanpak_signed", states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=0)
        )
        by_kind = {(m.summary or "").split(":")[0]: str(m.uid) for m in world.invitations(MANAGER.email)}
        checkin, evaluation = by_kind["Kort contactmoment"], by_kind["Evaluatie plan van aanpak"]
        assert _of(world.invitations(CASEMANAGER.email), evaluation) == [("REQUEST", 0)]
        before = {uid: _of(world.invitations(MANAGER.email), uid)[-1][1] or 0 for uid in (checkin, evaluation)}

        await world.command("change_manager", ChangeManager, manager=NEW_MANAGER)
        for uid, sequence in before.items():
            assert _of(world.invitations(MANAGER.email), uid)[-1] == ("CANCEL", sequence + 1)
            assert _of(world.invitations(NEW_MANAGER.email), uid) == [("REQUEST", sequence + 1)]
            assert _of(world.invitations(EMPLOYEE.email), uid)[-1] == ("REQUEST", sequence + 1)
        store = await world.store()
        assert [row.case_id for row in await store.list_cases(manager_email=NEW_MANAGER.email)] == [world.case_id]
        assert await store.list_cases(manager_email=MANAGER.email) == []
        assert await store.roles_in_case(world.case_id, NEW_MANAGER.email) == {"manager"}
        assert await store.roles_in_case(world.case_id, MANAGER.email) == set()

        await world.command("change_casemanager", ChangeCasemanager, casemanager=NEW_CASEMANAGER)
        sequence = before[evaluation] + 2
        assert _of(world.invitations(CASEMANAGER.email), evaluation)[-1] == ("CANCEL", sequence)
        assert _of(world.invitations(NEW_CASEMANAGER.email), evaluation) == [("REQUEST", sequence)]
        assert _of(world.invitations(NEW_MANAGER.email), evaluation)[-1] == ("REQUEST", sequence)
        assert len(_of(world.invitations(NEW_MANAGER.email), checkin)) == 1  # the casemanager is not in it
        assert await store.roles_in_case(world.case_id, NEW_CASEMANAGER.email) == {"casemanager"}

        refusal = await world.refused("change_manager", ChangeManager, manager=EMPLOYEE)
        assert "own manager" in refusal


async def test_the_buddy_is_invited_only_once_hr_chose_one_after_the_employee_agreed(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(days_ago=40)  # the intake names a buddy candidate (the harness's BUDDY)
        await world.command(
            "probleemanalyse_received", states.ProbleemanalyseReceived, on=(await world.today()) - timedelta(days=3)
        )
        await world.command("therapeutic_work_started", states.TherapeuticWorkStarted, hours_per_week=6)
        await world.command("buddy_consent", states.BuddyConsent, given=True)
        assert world.notices(BUDDY.email) == [], "consent alone invites nobody"
        assert (await world.handle.query(ReintegrationCase.people)).buddy is None  # type: ignore[union-attr]

        await world.command("choose_buddy", ChooseBuddy, buddy=BUDDY)
        invited = world.notices(BUDDY.email)
        assert len(invited) == 1 and "buddy" in invited[0].subject.lower()
        await world.command("choose_buddy", ChooseBuddy, buddy=BUDDY)  # the same buddy again: nothing new
        assert len(world.notices(BUDDY.email)) == 1
        facts = await world.handle.query(ReintegrationCase.facts)  # type: ignore[union-attr]
        assert facts.buddy.chosen and facts.buddy.invited_on is not None
        assert await (await world.store()).roles_in_case(world.case_id, BUDDY.email) == {"buddy"}


async def test_a_case_on_rules_version_2_still_invites_the_first_candidate_on_consent(
    time_skipping_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    async with case_world(time_skipping_server, smtp_sink, tmp_path) as world:
        await world.open(days_ago=40, rules_version=2)
        await world.command(
            "probleemanalyse_received", states.ProbleemanalyseReceived, on=(await world.today()) - timedelta(days=3)
        )
        await world.command("therapeutic_work_started", states.TherapeuticWorkStarted, hours_per_week=6)
        checkins = {m.uid for m in world.invitations(MANAGER.email)}
        await world.command("buddy_consent", states.BuddyConsent, given=True)
        assert len(world.notices(BUDDY.email)) == 1
        sent = len(world.invitations())
        await world.command("change_manager", ChangeManager, manager=NEW_MANAGER)
        assert len(world.invitations()) == sent, "a version 2 case sends no invitation for a new manager"
        assert checkins
