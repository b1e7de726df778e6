"""`ReintegrationCase`: one durable workflow per sickness case (workflow id = case id).

The workflow holds the facts of the case and feeds every command and every due moment to the rules
(``states``), then carries out the effects the rules return through activities. Its main loop is an
agenda: ask the rules when the next thing is due, wait for that moment or for a command, apply,
repeat, until the case is closed. People talk to it through validated updates (one per trigger of
the rules); a refused command writes nothing. Before its history grows large it continues as new,
carrying the facts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

# Workers run this workflow unsandboxed (reintegratie.config.temporal.WORKFLOW_RUNNER); the replay
# test also runs it under the SDK's sandbox, which imports this module anew for every run. Our pure
# modules are passed through there (imported once, outside the sandbox; SANDBOXED_RUNNER names them
# too, and tests/workflows/test_sandbox.py checks that they are all of them), every module that
# defines a payload type among them, so that pydantic finds it there.
with workflow.unsafe.imports_passed_through():
    import states
    import states.agenda
    import states.cadence
    import states.case
    import states.clock
    import states.config
    import states.effects
    import states.events
    import states.facts
    import states.kinds
    import states.phases
    import states.refusals
    import states.rules
    import states.signals
    import states.timeline
    import states.workdays
    from contracts import (
        CaseIntake,
        Delivery,
        Notice,
        RecordAudit,
        RecordCase,
        RecordProgress,
        RolePeople,
        SeriesMessage,
    )
    from states import effects as fx
    from states.case import UpcomingItem
    from states.events import ContactPreference as RulesPreference
    from states.facts import CaseFacts, Signal
    from states.kinds import Role
    from workflows import search_attributes
    from workflows.commands import AssignCoach, CaseSummary, ChooseBuddy, CommandResult, TimelineEntry
    from workflows.describe import effect_detail, effect_text, event_detail, snake
    from workflows.dispatch import PlannedMessage, messages_for
    from workflows.memory import CaseInput, CaseMemory
    from workflows.people import CasePeople

ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["PermanentMailError"],
)
ACTIVITY_TIMEOUT = timedelta(minutes=1)  # also how long a crashed worker delays its activity
SYSTEM = "system"
MIN_AGENDA_WAIT = timedelta(minutes=1)

# One update per trigger of the rules: update name -> the rules' event type (its payload).
RULE_UPDATES: dict[str, type] = {snake(event_type.__name__): event_type for event_type in states.events.EVENT_TYPES}


def _refusal(exc: states.Refused) -> ApplicationError:
    return ApplicationError(
        f"{exc.reason_en} ({exc.reason_nl})",
        {"code": exc.code, "nl": exc.reason_nl, "en": exc.reason_en},
        type="Refused",
        non_retryable=True,
    )


def rules_preference(intake: CaseIntake) -> RulesPreference:
    contact = intake.contact
    return RulesPreference(
        weekday=contact.weekday, hour=contact.hour, minute=contact.minute, channel=contact.channel, place=contact.place
    )


class ReintegrationCase:
    """See the module docstring. Rule-bound updates are added below the class, one per event type."""

    @workflow.init
    def __init__(self, input: CaseInput) -> None:
        self._intake = input.intake
        self._history_limit = input.history_limit
        self._rules_version = input.rules_version
        self._memory: CaseMemory | None = input.memory
        self._pending: list[fx.Effect] = []  # decided, not yet carried out
        self._audit: list[RecordAudit] = []  # not yet written to the read model
        self._people_changed = input.memory is None
        self._last_tick: datetime | None = None
        self._alarm: asyncio.Task[None] | None = None  # the one agenda timer, kept while its moment stays
        self._alarm_at: datetime | None = None
        self._alarm_rang = False
        self._upcoming_memo: tuple[CaseFacts, date, list[UpcomingItem]] | None = None

    # ------------------------------------------------------------------------------------ the loop

    @workflow.run
    async def run(self, input: CaseInput) -> CaseSummary:
        if self._memory is None:
            self._open()
        while True:
            await self._carry_out()
            memory = self._mem
            if memory.facts.closed:
                break
            if self._time_to_continue_as_new():
                await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._pending)
                if not self._audit:
                    memory.runs += 1
                    self._set_alarm(None)
                    workflow.continue_as_new(
                        CaseInput(intake=self._intake, memory=memory, history_limit=self._history_limit)
                    )
                continue
            now = workflow.now()
            due = states.next_due(memory.facts, now)
            if due is not None and due <= now and now != self._last_tick:
                self._last_tick = now
                self._apply(states.tick(memory.facts, now), None)
                continue
            self._set_alarm(max(due, now + MIN_AGENDA_WAIT) if due is not None else None)
            await workflow.wait_condition(lambda: bool(self._pending or self._audit or self._alarm_rang))
            self._alarm_rang = False  # the moment came (the loop ticks) or a command arrived
        self._set_alarm(None)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    @property
    def _mem(self) -> CaseMemory:
        assert self._memory is not None, "the case is not open yet"
        return self._memory

    def _open(self) -> None:
        if self._rules_version > states.RULES_VERSION:
            # Not a failure of the case: its workflow task fails and is tried again, until a worker
            # that knows these rules (a newer deployment) takes it.
            raise RuntimeError(
                f"This case follows rules version {self._rules_version}; this worker knows versions up to "
                f"{states.RULES_VERSION}. Deploy the newer worker."
            )
        intake = self._intake
        now = workflow.now()
        opened = states.CaseOpened(
            actor=intake.reported_by,
            at=now,
            case_id=intake.case_id,
            first_sick_day=intake.first_sick_day,
            contract_hours_per_week=intake.contract_hours_per_week,
            preference=rules_preference(intake),
        )
        try:
            decision = states.open_case(opened, now)
        except states.Refused as exc:
            raise _refusal(exc) from None  # the web checks the intake with the same rules first
        decision.facts.rules_version = self._rules_version
        # The start set the search attributes (search_attributes.at_start); upsert only what differs.
        search = search_attributes.started_with(workflow.info().typed_search_attributes)
        self._memory = CaseMemory(facts=decision.facts, people=CasePeople.from_intake(intake), search=search)
        self._record(
            intake.reported_by,
            now,
            "case_opened",
            "Ziekmelding: zaak geopend",
            {"first_sick_day": intake.first_sick_day.isoformat()},
        )
        self._pending.extend(decision.effects)

    def _apply(self, decision: states.Decision, command: tuple[str, datetime, str, dict[str, str]] | None) -> list[str]:
        memory = self._mem
        before = memory.facts.phase
        memory.facts = decision.facts
        if command is not None:
            actor, at, action, detail = command
            self._record(actor, at, action, action.replace("_", " "), detail)
        if memory.facts.phase != before:
            self._record(
                SYSTEM,
                workflow.now(),
                "phase_changed",
                f"Fase: {before} → {memory.facts.phase}",
                {"from": before, "to": memory.facts.phase},
            )
        self._pending.extend(decision.effects)
        return [effect_text(effect) for effect in decision.effects]

    def _record(self, actor: str, at: datetime, action: str, text: str, detail: dict[str, str]) -> None:
        memory = self._mem
        memory.audit_counter += 1
        memory.timeline.append(TimelineEntry(at=at, actor=actor, action=action, text=text))
        self._audit.append(
            RecordAudit(
                case_id=self._intake.case_id,
                event_key=f"{memory.audit_counter:06d}:{action}",
                at=at,
                actor=actor,
                action=action,
                detail=detail,
            )
        )

    def _time_to_continue_as_new(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() >= self._history_limit

    def _set_alarm(self, at: datetime | None) -> None:
        """Wake the loop at ``at``, keeping the running timer when the moment did not change.

        A command does not move the agenda in most cases; restarting the timer after each one
        would cost a timer (a billable action and two history events) per command.
        """
        if self._alarm is not None and not self._alarm.done() and at == self._alarm_at:
            return
        if self._alarm is not None and not self._alarm.done():
            self._alarm.cancel()
        self._alarm, self._alarm_at = None, at
        if at is not None:
            self._alarm = asyncio.create_task(self._ring_at(at))

    async def _ring_at(self, at: datetime) -> None:
        await workflow.sleep(at - workflow.now(), summary="next agenda item")
        self._alarm_rang = True

    # --------------------------------------------------------------------------- carrying out effects

    async def _carry_out(self) -> None:
        """Carry out the decided effects, one ``deliver`` activity per decision, then the search attributes.

        The read-model write rides along with each delivery; a decision without mail has a delivery
        of its own only when there is something to write.
        """
        while self._pending:
            batch, self._pending = self._pending, []
            messages: list[PlannedMessage] = []
            for effect in batch:
                messages += self._messages(effect)
                self._record(
                    SYSTEM, workflow.now(), snake(type(effect).__name__), effect_text(effect), effect_detail(effect)
                )
            if messages:
                await self._deliver(messages)
        if self._audit or self._people_changed:
            await self._deliver([])
        self._update_search_attributes()
        self._upcoming_memo = None  # a cached case waits for weeks: keep only what it needs

    def _messages(self, effect: fx.Effect) -> list[PlannedMessage]:
        memory = self._mem
        if isinstance(effect, fx.InviteBuddy) and memory.people.buddy is None:
            candidates = memory.people.buddy_candidates
            if not candidates:
                memory.buddy_invite_waiting = effect  # sent once HR chooses the buddy (choose_buddy)
                return []
            # HR named the candidates at intake and the employee agreed: the first one is asked.
            memory.people = memory.people.with_buddy(candidates[0])
            self._people_changed = True
            self._record(
                SYSTEM, workflow.now(), "buddy_chosen", f"Buddy: {candidates[0].name}", {"buddy": candidates[0].email}
            )
        return messages_for(
            effect,
            facts=memory.facts,
            people=memory.people,
            contact=self._intake.contact,
            case_ref=self._case_ref(),
            case_url=self._intake.case_url,
            now=workflow.now(),
        )

    async def _deliver(self, messages: list[PlannedMessage]) -> None:
        """One activity: the messages (invitations first), then the read-model write."""
        progress = self._progress()
        delivery = Delivery(
            case_id=self._intake.case_id,
            invitations=tuple(m.message for m in messages if isinstance(m.message, SeriesMessage)),
            notices=tuple(m.message for m in messages if isinstance(m.message, Notice)),
            progress=progress,
        )
        summary = "; ".join(m.summary for m in messages) or "update the read model and audit trail"
        try:
            await workflow.execute_activity(
                "deliver",
                delivery,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=summary[:200],
            )
        except ActivityError as exc:
            cause = exc.cause
            if not (isinstance(cause, ApplicationError) and cause.type == "PermanentMailError"):
                raise
            self._written(progress)  # everything else was sent and written before the error
            await self._after_refusal(list(cause.details[0]) if cause.details else [])
            return
        self._written(progress)

    async def _after_refusal(self, refusals: list[dict[str, Any]]) -> None:
        """Record each refused address and tell HR, unless the refused mail was already that warning."""
        people = self._mem.people
        hr = people.for_roles((Role.casemanager,))
        warnings: list[PlannedMessage] = []
        for refusal in refusals:
            addresses = [str(address) for address in refusal.get("addresses", [])]
            self._record(
                SYSTEM,
                workflow.now(),
                "mail_refused",
                f"Mail geweigerd: {', '.join(addresses)}",
                {"addresses": ", ".join(addresses)},
            )
            if refusal.get("kind") == "bounce_warning":
                continue
            for address in addresses:
                notice = Notice(
                    key=f"{refusal.get('key')}:bounce:{address}",
                    case_id=self._intake.case_id,
                    kind="bounce_warning",
                    recipients=hr,
                    context={"address": address, "case_ref": self._case_ref()},
                    to_mailbox_if_nobody=True,
                )
                warnings.append(PlannedMessage(notice, f"tell HR that mail to {address} bounced"))
        if warnings:
            await self._deliver(warnings)

    def _progress(self) -> RecordProgress:
        """What the read model learns now: the case row, the unwritten audit entries, the people."""
        memory = self._mem
        intake = self._intake
        upcoming = self._deadlines_ahead()
        people = memory.people
        return RecordProgress(
            case=RecordCase(
                case_id=intake.case_id,
                employee=people.employee,
                manager=people.manager,
                first_sick_day=memory.facts.periods[0].start,
                phase=memory.facts.phase,
                org_unit=intake.org_unit,
                next_deadline=upcoming[0].due if upcoming else None,
            ),
            audit=tuple(self._audit),
            people=self._role_people() if self._people_changed else (),  # only what changed is written
        )

    def _role_people(self) -> tuple[RolePeople, ...]:
        people = self._mem.people
        return tuple(
            RolePeople(role=str(role), emails=tuple(p.email for p in people.for_roles((role,))))
            for role in (Role.casemanager, Role.coach, Role.buddy)
        )

    def _written(self, progress: RecordProgress) -> None:
        """Forget what an activity wrote; what changed meanwhile (a command, a bounce) stays to write."""
        del self._audit[: len(progress.audit)]
        self._people_changed = bool(self._people_changed and progress.people != self._role_people())

    def _deadlines_ahead(self) -> list[UpcomingItem]:
        """The deadlines still to come; asked twice per decision (read model, search attributes), computed once."""
        facts, now = self._mem.facts, workflow.now()
        today = states.clock.local_date(now)
        memo = self._upcoming_memo
        if memo is None or memo[0] is not facts or memo[1] != today:
            memo = self._upcoming_memo = (facts, today, states.upcoming_deadlines(facts, now))
        return memo[2]

    def _update_search_attributes(self) -> None:
        memory = self._mem
        wanted = search_attributes.search_values(memory.facts, self._deadlines_ahead())
        if wanted == memory.search:
            return
        workflow.upsert_search_attributes(search_attributes.changes(memory.search, wanted))
        memory.search = wanted

    def _case_ref(self) -> str:
        return f"{self._mem.people.employee.name} ({self._intake.case_id})"

    # ------------------------------------------------------------------------------------- commands

    def _check(self, event: Any) -> None:
        """Validator: refuse what the rules refuse, before anything is written."""
        if self._memory is None:
            raise ApplicationError(
                "The case is still opening; try again in a moment.", type="NotReady", non_retryable=True
            )
        try:
            states.check(self._memory.facts, event, workflow.now())
        except states.Refused as exc:
            raise _refusal(exc) from None

    def _command(self, event: Any) -> CommandResult:
        try:
            decision = states.decide(self._mem.facts, event, workflow.now())
        except states.Refused as exc:  # the facts changed between validation and handling
            raise _refusal(exc) from None
        action = snake(type(event).__name__)
        effects = self._apply(decision, (event.actor, event.at, action, event_detail(event)))
        return CommandResult(phase=self._mem.facts.phase, effects=effects)

    @workflow.update
    def assign_coach(self, command: AssignCoach) -> CommandResult:
        memory = self._mem
        memory.people = memory.people.with_coach(command.coach)
        self._people_changed = True
        self._record(
            command.actor, command.at, "coach_assigned", f"Coach: {command.coach.name}", {"coach": command.coach.email}
        )
        return CommandResult(phase=memory.facts.phase)

    @assign_coach.validator
    def _validate_assign_coach(self, command: AssignCoach) -> None:
        self._require_open()

    @workflow.update
    def choose_buddy(self, command: ChooseBuddy) -> CommandResult:
        memory = self._mem
        memory.people = memory.people.with_buddy(command.buddy)
        self._people_changed = True
        name = command.buddy.name if command.buddy else "geen"
        self._record(
            command.actor,
            command.at,
            "buddy_chosen",
            f"Buddy: {name}",
            {"buddy": command.buddy.email if command.buddy else ""},
        )
        if command.buddy is not None and memory.buddy_invite_waiting is not None:
            self._pending.append(memory.buddy_invite_waiting)
            memory.buddy_invite_waiting = None
        return CommandResult(phase=memory.facts.phase)

    @choose_buddy.validator
    def _validate_choose_buddy(self, command: ChooseBuddy) -> None:
        self._require_open()
        if command.buddy is not None and self._mem.facts.buddy.consent is not True:
            raise ApplicationError(
                "A buddy can only be chosen after the employee agreed to have one. (Een buddy kan pas gekozen worden als de medewerker daarmee instemt.)",
                {"code": "buddy_without_consent"},
                type="Refused",
                non_retryable=True,
            )

    def _require_open(self) -> None:
        if self._memory is None or self._memory.facts.closed:
            raise ApplicationError(
                "The case is closed. (De zaak is gesloten.)",
                {"code": "case_closed"},
                type="Refused",
                non_retryable=True,
            )

    # --------------------------------------------------------------------------------------- queries

    @workflow.query
    def status(self) -> CaseSummary:
        intake = self._intake
        if self._memory is None:
            return CaseSummary(
                case_id=intake.case_id,
                phase="ziekgemeld",
                first_sick_day=intake.first_sick_day,
                closed=False,
                outcome=None,
                next_deadline=None,
                overdue=False,
                stagnation=False,
            )
        search = self._memory.search
        return CaseSummary(
            case_id=intake.case_id,
            phase=self._memory.facts.phase,
            first_sick_day=self._memory.facts.periods[0].start,
            closed=self._memory.facts.closed,
            outcome=self._memory.facts.outcome,
            next_deadline=deadlines[0].due if (deadlines := self._deadlines_ahead()) else None,
            overdue=bool(search.overdue),
            stagnation=bool(search.stagnation),
            work_pending=len(self._pending) + len(self._audit),
        )

    @workflow.query
    def facts(self) -> CaseFacts:
        return self._mem.facts

    @workflow.query
    def upcoming(self) -> list[UpcomingItem]:
        return states.upcoming(self._mem.facts, workflow.now())

    @workflow.query
    def signals(self) -> list[Signal]:
        return states.open_signals(self._mem.facts)

    @workflow.query
    def timeline(self) -> list[TimelineEntry]:
        return list(self._mem.timeline)

    @workflow.query
    def people(self) -> CasePeople:
        return self._mem.people


def _rule_update(name: str, event_type: type) -> Callable[..., Any]:
    """An update handler for one trigger of the rules, with its validator."""

    def handler(self: ReintegrationCase, event: Any) -> CommandResult:
        return self._command(event)

    def validator(self: ReintegrationCase, event: Any) -> None:
        self._check(event)

    for function in (handler, validator):
        function.__name__ = name
        function.__qualname__ = f"ReintegrationCase.{name}"
    handler.__annotations__ = {"event": event_type, "return": CommandResult}
    validator.__annotations__ = {"event": event_type, "return": None}
    update = workflow.update(name=name)(handler)
    update.validator(validator)
    return update


for _name, _event_type in RULE_UPDATES.items():
    setattr(ReintegrationCase, _name, _rule_update(_name, _event_type))

# Decorated only now, once the rule-bound updates are on the class (mypy sees a class assigned to a type).
ReintegrationCase = workflow.defn(ReintegrationCase)  # type: ignore[misc]
