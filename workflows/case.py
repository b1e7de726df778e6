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
from temporalio.exceptions import ActivityError, ApplicationError, RetryState

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
    import states.placement
    import states.refusals
    import states.rules
    import states.signals
    import states.slots
    import states.timeline
    import states.workdays
    from contracts import (
        BusyQuery,
        BusyTimes,
        CaseIntake,
        ContactPreference,
        Delivery,
        Notice,
        Person,
        RecordAudit,
        RecordCase,
        RecordProgress,
        RolePeople,
        SeriesMessage,
    )
    from contracts.absence import AbsenceRecord
    from contracts.dossier import DossierEntry
    from states import effects as fx
    from states.case import UpcomingItem
    from states.events import ContactPreference as RulesPreference
    from states.events import TalkMoved
    from states.facts import CaseFacts, Signal, private_copy
    from states.kinds import Role
    from states.rules import talk_moved
    from workflows import search_attributes
    from workflows.absence import absence_record
    from workflows.attendees import follow_people, role_change
    from workflows.briefing import BriefCoach, briefing, briefing_messages, note_told
    from workflows.commands import (
        AssignCoach,
        CaseSummary,
        ChangeCasemanager,
        ChangeManager,
        ChangeWorkplace,
        ChooseBuddy,
        CommandResult,
        CounterAnswered,
        InvitationReplied,
        RemoveCoach,
        TimelineEntry,
    )
    from workflows.describe import effect_detail, effect_text, event_detail, snake
    from workflows.dispatch import PlannedMessage, contact_preference, counter_declined, messages_for, riv_copy_notice
    from workflows.dossier import entries_for, sends_riv_copy
    from workflows.history_import import (
        IMPORTED_ACTION,
        RELEASED_ACTION,
        ReleaseInvitations,
        imported_detail,
        open_decision,
        release_effects,
    )
    from workflows.idempotency import admitted, once
    from workflows.memory import CaseInput, CaseMemory
    from workflows.people import CasePeople
    from workflows.replies import ANSWERS, counter_detail, decline_notice, declined_statutory, reply_detail, reply_text
    from workflows.work_items import case_work

ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=30,
    non_retryable_error_types=["PermanentMailError"],
)
"""Both activities (``deliver``, ``busy_times``): a mail server or store away for about two hours
(1 s doubling to 5 min between attempts: 30 attempts) is waited for; then the activity stops. On its
last attempt ``deliver`` gives up the messages that still fail, writes the read model and says so
(a PermanentMailError: HR is told, the operator's log has an error); an attempt that cannot even
do that (the store away, a timeout) ends in :meth:`ReintegrationCase._delivery_failed`. Either way
the case goes on. A changed RetryPolicy replays: it is not part of what a replay compares."""
ACTIVITY_TIMEOUT = timedelta(minutes=1)  # also how long a crashed worker delays its activity
GAVE_UP = frozenset({RetryState.MAXIMUM_ATTEMPTS_REACHED, RetryState.TIMEOUT, RetryState.NON_RETRYABLE_FAILURE})
"""How an activity ends when its retries are over (not cancelled): the case records it and goes on."""
SYSTEM = "system"
MIN_AGENDA_WAIT = timedelta(minutes=1)
DECLINE_COUNTER_PATCH = "decline-counter"
"""From rules version 3 a declined proposal sends the proposer an iTIP DECLINECOUNTER: a patch, so that
histories made before it replay as they were."""
PLACING_PATCH = "place-talks-in-free-slots"
"""From rules version 3 the workflow reads the attendees' other events before it sends a talk with a
new start (the ``busy_times`` activity): a patch, so that histories made before it replay as they were."""

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
        weekday=contact.weekday,
        hour=contact.hour,
        minute=contact.minute,
        channel=contact.channel,
        place=contact.place,
        location=contact.location,
    )


class ReintegrationCase:
    """See the module docstring. Rule-bound updates are added below the class, one per event type."""

    @workflow.init
    def __init__(self, input: CaseInput) -> None:
        self._intake = input.intake
        self._history_limit = input.history_limit
        self._rules_version = input.rules_version
        self._imported = input.imported  # a running case brought in with its history (workflows.history_import)
        self._memory: CaseMemory | None = input.memory
        self._pending: list[fx.Effect] = []  # decided, not yet carried out
        self._audit: list[RecordAudit] = []  # not yet written to the read model
        self._dossier: list[DossierEntry] = []  # rules version 4: records written with their audit entries
        self._people_changed = input.memory is None
        self._absence_sent: AbsenceRecord | None = (
            None  # what the statistics last got (sent again after continue-as-new)
        )
        self._last_tick: datetime | None = None
        self._alarm: asyncio.Task[None] | None = None  # the one agenda timer, kept while its moment stays
        self._alarm_at: datetime | None = None
        self._alarm_rang = False
        self._upcoming_memo: tuple[CaseFacts, date, list[UpcomingItem]] | None = None
        self._work_sent: int | None = None  # hash of the work queue last written (a hash: bench.worker_memory)
        self._reply_notices: list[PlannedMessage] = []  # asked for by commands (a reply, a proposal, the RIV's copy)
        self._to_place: list[str] = []  # series with a new start, to place among other cases' events

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
            decision = open_decision(opened, self._imported, now, rules_version=self._rules_version)
        except states.Refused as exc:
            raise _refusal(exc) from None  # the web checks the intake with the same rules first
        decision.facts.rules_version = self._rules_version
        self._to_place = states.placement.to_place(None, decision.facts)
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
        if self._imported is not None:
            self._memory.invitations_held = self._imported.hold_invitations
            detail = imported_detail(self._imported)
            self._record(intake.reported_by, now, IMPORTED_ACTION, "Lopende zaak ingebracht", detail)
        self._pending.extend(decision.effects)

    def _apply(
        self,
        decision: states.Decision,
        command: tuple[str, datetime, str, dict[str, str]] | None,
        event: states.Event | None = None,
    ) -> list[str]:
        """Take the rules' decision: its facts, its effects to carry out, the command's audit entry
        and (rules version 4) the dossier records the command's ``event`` makes, keyed by that entry."""
        memory = self._mem
        decided_on = memory.facts
        before = decided_on.phase
        self._to_place += [
            i for i in states.placement.to_place(memory.facts, decision.facts) if i not in self._to_place
        ]
        memory.facts = decision.facts
        if command is not None:
            actor, at, action, detail = command
            event_key = self._record(actor, at, action, action.replace("_", " "), detail)
            if event is not None:
                self._dossier_records(event, decided_on, event_key)
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

    def _dossier_records(self, event: states.Event, decided_on: CaseFacts, event_key: str) -> None:
        """Rules version 4: the dossier records an event makes that the rules accepted on the facts
        ``decided_on`` (written with its audit entry, ``event_key``); the RIV's copy to the employee
        (``step_recorded`` ``riv_to_employee``) also tells the employee where to read it."""
        memory = self._mem
        case_id = self._intake.case_id
        self._dossier += entries_for(event, before=decided_on, event_key=event_key, people=memory.people)
        if sends_riv_copy(event, decided_on):
            planned = riv_copy_notice(
                key=f"{case_id}:riv_copy:{event_key}",
                case_id=case_id,
                employee=memory.people.employee,
                case_url=self._intake.case_url,
            )
            self._reply_notices.append(planned)

    def _record(self, actor: str, at: datetime, action: str, text: str, detail: dict[str, str]) -> str:
        """Add a step to the timeline and the audit trail; its audit key (stable on replay)."""
        memory = self._mem
        memory.audit_counter += 1
        memory.timeline.append(TimelineEntry(at=at, actor=actor, action=action, text=text))
        event_key = f"{memory.audit_counter:06d}:{action}"
        self._audit.append(
            RecordAudit(
                case_id=self._intake.case_id,
                event_key=event_key,
                at=at,
                actor=actor,
                action=action,
                detail=detail,
            )
        )
        return event_key

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
            if self._to_place:
                batch = await self._placed(batch)
            messages: list[PlannedMessage] = []
            for effect in batch:
                messages += self._messages(effect)
                self._record(
                    SYSTEM, workflow.now(), snake(type(effect).__name__), effect_text(effect), effect_detail(effect)
                )
            if messages:
                await self._deliver(messages)
        notices, self._reply_notices = self._reply_notices, []
        if notices or self._audit or self._people_changed:
            await self._deliver(notices)
        self._update_search_attributes()
        self._upcoming_memo = None  # a cached case waits for weeks: keep only what it needs

    async def _placed(self, batch: list[fx.Effect]) -> list[fx.Effect]:
        """The batch with each talk that got a new start moved off its attendees' other events.

        The rules placed it among the case's own talks; the events of the attendees' other cases
        come from the store (the ``busy_times`` activity, whose answer the history keeps), and the
        rules move the talk to the nearest free slot (:func:`states.placement.place`) before
        anything is sent. Only for rules version 3 (``to_place`` is empty before it) and behind a
        patch. Commands that arrive meanwhile may change a talk again: it is then placed with the
        effect of that later decision."""
        ids, self._to_place = self._to_place, []
        if not workflow.patched(PLACING_PATCH):
            return batch
        attendees = {
            series.series_id: self._attendee_emails(series)
            for series in self._mem.facts.series
            if series.active and series.series_id in ids
        }
        if not attendees:
            return batch
        query = BusyQuery(
            case_id=self._intake.case_id,
            emails=tuple(sorted({email for emails in attendees.values() for email in emails})),
            since=workflow.now(),
        )
        try:
            found = await workflow.execute_activity(
                "busy_times",
                query,
                result_type=BusyTimes,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary="read the attendees' other events",
            )
        except ActivityError as exc:
            if exc.retry_state not in GAVE_UP:
                raise
            # The store stayed away past the last attempt: the talks are placed among the case's
            # own (the rules did that already), not beside other cases' events. Only on a failure.
            workflow.logger.error("case %s: other cases' events unreadable; talks placed without them", query.case_id)
            found = BusyTimes(intervals=())
        busy = {
            series_id: [item for item in found.intervals if set(item.people) & set(emails)]
            for series_id, emails in attendees.items()
        }
        placed = states.placement.place(self._mem.facts, batch, busy, workflow.now())
        self._mem.facts = placed.facts
        self._to_place += [i for i in placed.deferred if i not in self._to_place]
        return placed.effects

    def _attendee_emails(self, series: states.facts.SeriesState) -> tuple[str, ...]:
        """The lower-case addresses of the people who attend ``series`` now."""
        return tuple(sorted({person.email.lower() for person in self._mem.people.for_roles(tuple(series.attendees))}))

    def _messages(self, effect: fx.Effect) -> list[PlannedMessage]:
        memory = self._mem
        follows_people = memory.facts.rules_version >= 3  # attendees are people (workflows.attendees)
        if isinstance(effect, fx.InviteBuddy) and memory.people.buddy is None and follows_people:
            return []  # the rules invite only the buddy HR chose; never a candidate on their own
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
        if isinstance(effect, BriefCoach):
            note_told(memory.coach_told, memory.people.coach, [s.key for s in (effect.signal, *effect.more)])
            return briefing_messages(effect, self._render)
        if isinstance(effect, fx.LoopInCoach):
            note_told(memory.coach_told, memory.people.coach, [effect.signal.key])
        planned = self._render(effect)
        if memory.invitations_held:  # an imported case: no invitation until HR confirms it
            planned = [item for item in planned if not isinstance(item.message, SeriesMessage)]
        return follow_people(planned, memory.sent_to) if follows_people else planned

    def _render(self, effect: fx.Effect) -> list[PlannedMessage]:
        """The messages of one effect, to the people who hold its roles now."""
        memory = self._mem
        return messages_for(
            effect,
            facts=memory.facts,
            people=memory.people,
            contact=self._contact(),
            case_url=self._intake.case_url,
            now=workflow.now(),
            workplace=self._workplace(),
        )

    def _contact(self) -> ContactPreference:
        """The employee's contact preference now: from rules version 3 as last changed
        (preference_changed can change its location), before it the intake's, as it always was."""
        facts = self._mem.facts
        if facts.rules_version < 3:
            return self._intake.contact
        return contact_preference(facts.preference)

    def _workplace(self) -> str:
        """Where the employee works: as last changed (change_workplace), else as the intake said."""
        changed = self._mem.workplace
        return self._intake.workplace if changed is None else changed

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
                if exc.retry_state not in GAVE_UP:
                    raise
                await self._delivery_failed(delivery, retry=bool(messages))
                return
            self._written(progress)  # everything else was sent and written before the error
            await self._after_refusal(list(cause.details[0]) if cause.details else [])
            return
        self._written(progress)

    async def _delivery_failed(self, delivery: Delivery, *, retry: bool) -> None:
        """The delivery failed on its last attempt before it could say what it gave up (the store
        away, an attempt that timed out): recorded in the case's history, an error in the log for
        the operator, and once more without messages, so the read model learns the case (and the
        record); the case goes on. Only on a failure: no history of a delivery that succeeded
        takes this path."""
        count = len(delivery.invitations) + len(delivery.notices)
        workflow.logger.error(
            "delivery of case %s failed after its last attempt (%d message(s)); the case goes on",
            self._intake.case_id,
            count,
        )
        self._record(SYSTEM, workflow.now(), "delivery_failed", "Verzending mislukt", {"messages": str(count)})
        if retry:
            await self._deliver([])

    async def _after_refusal(self, refusals: list[dict[str, Any]]) -> None:
        """Record each refused address and tell HR, unless the refused mail was already that warning."""
        people = self._mem.people
        hr = people.for_roles((Role.casemanager,))
        warnings: list[PlannedMessage] = []
        for refusal in refusals:
            addresses = [str(address) for address in refusal.get("addresses", [])]
            reasons = {str(k): str(v) for k, v in dict(refusal.get("reasons") or {}).items()}
            gave_up = {str(address) for address in refusal.get("gave_up", [])}
            refused = [address for address in addresses if address not in gave_up]
            if refused:
                self._record(
                    SYSTEM,
                    workflow.now(),
                    "mail_refused",
                    f"Mail geweigerd: {', '.join(refused)}",
                    {"addresses": ", ".join(refused)},
                )
            if gave_up:  # not refused: the mail server stayed away (or kept deferring) until the last attempt
                self._record(
                    SYSTEM,
                    workflow.now(),
                    "mail_not_sent",
                    f"Mail niet verstuurd: {', '.join(sorted(gave_up))}",
                    {"addresses": ", ".join(sorted(gave_up))},
                )
            if refusal.get("kind") == "bounce_warning":
                continue
            for address in addresses:
                context: dict[str, str | list[str]] = {
                    "address": address,
                    "case_ref": self._case_ref(),
                    **self._case_link(),
                }
                if address in reasons:  # what the server or the mail library said (delivery ids never)
                    context["reason"] = reasons[address][:300]
                if address in gave_up:
                    context["gave_up"] = "yes"
                notice = Notice(
                    key=f"{refusal.get('key')}:bounce:{address}",
                    case_id=self._intake.case_id,
                    kind="bounce_warning",
                    recipients=hr,
                    context=context,
                    to_mailbox_if_nobody=True,
                )
                warnings.append(PlannedMessage(notice, f"tell HR that mail to {address} bounced"))
        if warnings:
            await self._deliver(warnings)

    def _progress(self) -> RecordProgress:
        """What the read model learns now: the case row, the unwritten audit entries and dossier
        records, the people."""
        memory = self._mem
        intake = self._intake
        upcoming = self._deadlines_ahead()
        people = memory.people
        facts = memory.facts
        work = case_work(
            facts, upcoming, states.open_signals(facts), workflow.now(), has_coach=people.coach is not None
        )
        return RecordProgress(
            case=RecordCase(
                case_id=intake.case_id,
                employee=people.employee,
                manager=people.manager,
                first_sick_day=memory.facts.periods[0].start,
                phase=memory.facts.phase,
                org_unit=intake.org_unit,
                next_deadline=upcoming[0].due if upcoming else None,
                closed_on=memory.facts.ended_on if memory.facts.closed else None,
                next_step=work.next_step,
                next_step_label_nl=work.next_step_label_nl,
                next_step_label_en=work.next_step_label_en,
                open_signals=work.open_signals,
                work_items=None if hash(work.items) == self._work_sent else work.items,  # only when it changed
            ),
            audit=tuple(self._audit),
            people=self._role_people() if self._people_changed else (),  # only what changed is written
            dossier=tuple(self._dossier),
            absence=self._absence_news(),
        )

    def _absence_news(self) -> AbsenceRecord | None:
        """What the absence statistics know of the case now, when it changed since it was last written."""
        record = absence_record(self._mem.facts, self._mem.people.employee.email)
        return None if record == self._absence_sent else record

    def _role_people(self) -> tuple[RolePeople, ...]:
        people = self._mem.people
        return tuple(
            RolePeople(role=str(role), emails=tuple(p.email for p in people.for_roles((role,))))
            for role in (Role.casemanager, Role.coach, Role.buddy)
        )

    def _written(self, progress: RecordProgress) -> None:
        """Forget what an activity wrote; what changed meanwhile (a command, a bounce) stays to write."""
        del self._audit[: len(progress.audit)]
        del self._dossier[: len(progress.dossier)]
        self._absence_sent = progress.absence or self._absence_sent
        self._work_sent = self._work_sent if progress.case.work_items is None else hash(progress.case.work_items)
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
        """How messages name the case: by the employee's name (never the case id)."""
        return self._mem.people.employee.name

    def _case_link(self) -> dict[str, str | list[str]]:
        """The case page for a notice's context (none for a case started without one)."""
        return {"case_url": self._intake.case_url} if self._intake.case_url else {}

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
        effects = self._apply(decision, (event.actor, event.at, action, event_detail(event)), event)
        return CommandResult(phase=self._mem.facts.phase, effects=effects)

    def _change_holder(
        self, role: Role, person: Person | None, command: Any, action: str, text: str, detail: dict[str, str]
    ) -> CommandResult:
        """``person`` holds ``role`` now (None: nobody). From rules version 3 every open invitation
        follows: an update to the people who attend now, a CANCEL to the one who left."""
        memory = self._mem
        changed = memory.people.changes(role, person)
        memory.people = memory.people.with_holder(role, person)
        self._people_changed = True
        self._record(command.actor, command.at, action, text, detail)
        effects: list[str] = []
        if changed and memory.facts.rules_version >= 3:
            decision = role_change(
                memory.facts, role, held=person is not None, actor=command.actor, at=command.at, now=workflow.now()
            )
            effects = self._apply(decision, None)
        if changed and role == Role.coach and person is not None:
            self._brief_coach(person)
        return CommandResult(phase=memory.facts.phase, effects=effects)

    def _brief_coach(self, coach: Person) -> None:
        """Tell a coach who joins of the open signals that called for them, once (workflows.briefing)."""
        memory = self._mem
        key = f"{self._intake.case_id}:coach_briefing:{memory.audit_counter}"
        effect = briefing(memory.facts, coach, memory.coach_told, key=key)
        if effect is not None and workflow.patched("coach-briefing"):
            self._pending.append(effect)

    @workflow.update
    @once
    def assign_coach(self, command: AssignCoach) -> CommandResult:
        coach = command.coach
        return self._change_holder(
            Role.coach, coach, command, "coach_assigned", f"Coach: {coach.name}", {"coach": coach.email}
        )

    @assign_coach.validator
    @admitted
    def _validate_assign_coach(self, command: AssignCoach) -> None:
        self._require_open()
        self._require_not_employee(command.coach, "coach")

    @workflow.update
    @once
    def remove_coach(self, command: RemoveCoach) -> CommandResult:
        return self._change_holder(Role.coach, None, command, "coach_removed", "Coach: geen", {"coach": ""})

    @remove_coach.validator
    @admitted
    def _validate_remove_coach(self, command: RemoveCoach) -> None:
        self._require_open()
        if self._mem.people.coach is None:
            raise ApplicationError(
                "The case has no coach to remove. (Deze zaak heeft geen coach.)",
                {"code": "no_coach", "nl": "Deze zaak heeft geen coach.", "en": "The case has no coach to remove."},
                type="Refused",
                non_retryable=True,
            )

    @workflow.update
    @once
    def change_casemanager(self, command: ChangeCasemanager) -> CommandResult:
        person = command.casemanager
        text = f"Casemanager: {person.name}"
        return self._change_holder(
            Role.casemanager, person, command, "casemanager_changed", text, {"casemanager": person.email}
        )

    @change_casemanager.validator
    @admitted
    def _validate_change_casemanager(self, command: ChangeCasemanager) -> None:
        self._require_open()
        self._require_not_employee(command.casemanager, "casemanager")

    @workflow.update
    @once
    def change_manager(self, command: ChangeManager) -> CommandResult:
        person = command.manager
        text = f"Leidinggevende: {person.name}"
        return self._change_holder(Role.manager, person, command, "manager_changed", text, {"manager": person.email})

    @change_manager.validator
    @admitted
    def _validate_change_manager(self, command: ChangeManager) -> None:
        self._require_open()
        self._require_not_employee(command.manager, "manager")

    @workflow.update
    @once
    def choose_buddy(self, command: ChooseBuddy) -> CommandResult:
        memory = self._mem
        if memory.facts.rules_version >= 3:  # the rules invite the buddy once chosen and agreed to
            buddy = command.buddy
            text = f"Buddy: {buddy.name if buddy else 'geen'}"
            return self._change_holder(
                Role.buddy, buddy, command, "buddy_chosen", text, {"buddy": buddy.email if buddy else ""}
            )
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
    @admitted
    def _validate_choose_buddy(self, command: ChooseBuddy) -> None:
        self._require_open()
        if command.buddy is not None and self._mem.facts.buddy.consent is not True:
            raise ApplicationError(
                "A buddy can only be chosen after the employee agreed to have one. (Een buddy kan pas gekozen worden als de medewerker daarmee instemt.)",
                {"code": "buddy_without_consent"},
                type="Refused",
                non_retryable=True,
            )

    @workflow.update
    @once
    def change_workplace(self, command: ChangeWorkplace) -> CommandResult:
        """Where the employee works from now on (the first-day notice names it); the rules need not know."""
        memory = self._mem
        memory.workplace = command.workplace.strip()
        self._record(
            command.actor, command.at, "workplace_changed", "Werkplek gewijzigd", {"workplace": memory.workplace}
        )
        return CommandResult(phase=memory.facts.phase)

    @change_workplace.validator
    @admitted
    def _validate_change_workplace(self, command: ChangeWorkplace) -> None:
        self._require_open()

    @workflow.update
    @once
    def release_invitations(self, command: ReleaseInvitations) -> CommandResult:
        """HR confirms an imported case whose invitations were held: every open series goes out now."""
        memory = self._mem
        memory.invitations_held = False
        self._record(command.actor, command.at, RELEASED_ACTION, "Uitnodigingen verstuurd", {})
        effects = release_effects(memory.facts)
        self._pending.extend(effects)
        return CommandResult(phase=memory.facts.phase, effects=[effect_text(effect) for effect in effects])

    @release_invitations.validator
    @admitted
    def _validate_release_invitations(self, command: ReleaseInvitations) -> None:
        self._require_open()
        if not self._mem.invitations_held:
            raise ApplicationError(
                "The invitations of this case were sent already. (De uitnodigingen van deze zaak zijn al verstuurd.)",
                {
                    "code": "invitations_not_held",
                    "nl": "De uitnodigingen van deze zaak zijn al verstuurd.",
                    "en": "The invitations of this case were sent already.",
                },
                type="Refused",
                non_retryable=True,
            )

    def _require_not_employee(self, person: Person, part: str) -> None:
        if person.email.lower() == self._mem.people.employee.email.lower():
            raise ApplicationError(
                f"The employee cannot be their own {part}. (De medewerker kan niet de eigen {part} zijn.)",
                {
                    "code": "employee_in_own_case",
                    "nl": f"De medewerker kan niet de eigen {part} zijn.",
                    "en": f"The employee cannot be their own {part}.",
                },
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

    # ------------------------------------------------------------------- answers to the invitations

    @workflow.update
    @once
    def invitation_replied(self, reply: InvitationReplied) -> CommandResult:
        """Someone accepted, declined or proposed another time in their calendar (read from the
        mailbox): recorded in the history; a declined statutory talk tells HR, with the next free slot."""
        memory = self._mem
        self._record(reply.actor, reply.at, "invitation_replied", reply_text(reply), reply_detail(reply))
        if declined_statutory(reply):
            self._reply_notices.append(
                decline_notice(
                    reply,
                    case_id=self._intake.case_id,
                    employee=memory.people.employee,
                    hr=memory.people.for_roles((Role.casemanager,)),
                    case_url=self._intake.case_url,
                )
            )
        return CommandResult(phase=memory.facts.phase)

    @invitation_replied.validator
    @admitted
    def _validate_invitation_replied(self, reply: InvitationReplied) -> None:
        self._require_open()
        if reply.answer not in ANSWERS:
            raise ApplicationError(
                f"Unknown answer {reply.answer!r}.", {"code": "unknown_answer"}, type="Refused", non_retryable=True
            )

    @workflow.update
    @once
    def counter_answered(self, answer: CounterAnswered) -> CommandResult:
        """HR accepted or declined a proposed new time for a talk: recorded in the history. Accepted, a
        one-off talk moves there from rules version 3 (:func:`states.rules.talk_moved`): one update to
        everyone, saying from when to when. Where it cannot move (a series, a time that passed), the
        history says why, and HR agrees the time with the people. Declined, from rules version 3 the
        proposer gets an iTIP DECLINECOUNTER (their calendar keeps the talk where it is), nobody else
        anything."""
        memory = self._mem
        verb = "geaccepteerd" if answer.accepted else "afgewezen"
        text = f"Voorstel van {answer.person.name} voor een ander tijdstip {verb}"
        self._record(answer.actor, answer.at, "counter_answered", text, counter_detail(answer))
        if not answer.accepted:
            if memory.facts.rules_version >= 3 and workflow.patched(DECLINE_COUNTER_PATCH):
                self._decline_counter(answer)
            return CommandResult(phase=memory.facts.phase)
        facts = private_copy(memory.facts)
        moved = TalkMoved(actor=answer.actor, at=answer.at, series_id=answer.series_id, start=answer.proposed_start)
        try:
            effects = talk_moved(facts, moved, workflow.now())
        except states.Refused as exc:
            self._record(SYSTEM, workflow.now(), "talk_not_moved", f"Niet verplaatst: {exc.reason_nl}", {})
            return CommandResult(phase=memory.facts.phase)
        memory.facts = facts
        self._pending.extend(effects)
        return CommandResult(phase=memory.facts.phase, effects=[effect_text(effect) for effect in effects])

    @counter_answered.validator
    @admitted
    def _validate_counter_answered(self, answer: CounterAnswered) -> None:
        self._require_open()

    def _decline_counter(self, answer: CounterAnswered) -> None:
        """Queue the DECLINECOUNTER to the proposer; it goes with the next delivery (the audit entry's).
        The key names the proposal: the outbox sends each proposal's answer once, a repeated decision
        nothing, a second declined proposal its own."""
        memory = self._mem
        case_id = self._intake.case_id
        planned = counter_declined(
            key=f"{case_id}:counter_declined:{answer.series_id}:{answer.proposed_start.isoformat()}",
            case_id=case_id,
            series_id=answer.series_id,
            proposer=answer.person,
            proposed_start=answer.proposed_start,
            recurrence_id=answer.recurrence_id,
            facts=memory.facts,
            people=memory.people,
            contact=self._contact(),
            case_url=self._intake.case_url,
            now=workflow.now(),
        )
        if planned is not None:
            self._reply_notices.append(planned)

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
    update = workflow.update(name=name)(once(handler))  # a repeat answers as the first time (workflows.idempotency)
    update.validator(admitted(validator))  # and a command that came too late is refused
    return update


for _name, _event_type in RULE_UPDATES.items():
    setattr(ReintegrationCase, _name, _rule_update(_name, _event_type))

# Decorated only now, once the rule-bound updates are on the class (mypy sees a class assigned to a type).
ReintegrationCase = workflow.defn(ReintegrationCase)  # type: ignore[misc]
