"""`ReintegrationCase`: one durable workflow per sickness case (workflow id = case id).

This is the walking skeleton: the case opens in phase ``ziekgemeld``, is recorded in the read model
and sends the weekly check-in series. The rules of later phases come from ``states/``.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

# Passed through: imported once, outside the sandbox (no side effects; zoneinfo objects stay real).
with workflow.unsafe.imports_passed_through():
    from activities.case_activities import CaseActivities
    from activities.inputs import RecordAudit, RecordCase, SendSeries
    from workflows import search_attributes
    from workflows.inputs import CaseInput, CaseStatus
    from workflows.schedule import CHECKIN_MINUTES, CHECKIN_WEEKS, first_checkin

ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["PermanentMailError"],
)
ACTIVITY_TIMEOUT = timedelta(minutes=1)


@workflow.defn
class ReintegrationCase:
    @workflow.init
    def __init__(self, input: CaseInput) -> None:
        self._intake = input.intake
        self._phase = "ziekgemeld"
        self._closed = False

    @workflow.run
    async def run(self, input: CaseInput) -> str:
        intake = self._intake
        workflow.upsert_search_attributes([search_attributes.CASE_PHASE.value_set(self._phase)])
        await workflow.execute_activity_method(
            CaseActivities.record_case,
            RecordCase(
                case_id=intake.case_id,
                employee=intake.employee,
                manager=intake.manager,
                first_sick_day=intake.first_sick_day,
                phase=self._phase,
                org_unit=intake.org_unit,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary="record the case in the read model",
        )
        await workflow.execute_activity_method(
            CaseActivities.record_audit,
            RecordAudit(
                case_id=intake.case_id,
                event_key="opened",
                at=workflow.now(),
                actor=intake.reported_by,
                action="case_opened",
                detail={"first_sick_day": intake.first_sick_day.isoformat()},
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary="audit: case opened",
        )
        start = first_checkin(workflow.now())
        organizer = intake.casemanager.name if intake.casemanager else "Verzuimbegeleiding"
        await workflow.execute_activity_method(
            CaseActivities.send_series,
            SendSeries(
                case_id=intake.case_id,
                uid=str(workflow.uuid4()),
                sequence=0,
                kind="checkin",
                summary=f"Kort contactmoment {intake.employee.name} en {intake.manager.name}",
                location="Telefonisch",
                start=start,
                duration_minutes=CHECKIN_MINUTES,
                interval_weeks=1,
                until=start + timedelta(weeks=CHECKIN_WEEKS - 1),
                organizer_name=organizer,
                attendees=(intake.manager, intake.employee),
                dtstamp=workflow.now(),
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary="send the weekly check-in series",
        )
        await workflow.wait_condition(lambda: self._closed)
        return self._phase

    @workflow.query
    def status(self) -> CaseStatus:
        return CaseStatus(
            case_id=self._intake.case_id,
            phase=self._phase,
            first_sick_day=self._intake.first_sick_day,
        )
