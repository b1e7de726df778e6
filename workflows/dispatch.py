"""From the rules' effects to the messages of a delivery: who receives what, in which words. Pure, no I/O.

The rules (states/) speak of roles and series; this module knows the people of the case and the
activities' payloads. It runs inside the workflow, so it is deterministic: time comes in as ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from contracts import ContactPreference, Notice, Person, SeriesMessage
from states import effects as fx
from states.case import case_timeline
from states.clock import at_local, local
from states.facts import CaseFacts, SeriesState
from states.kinds import Channel, Place, SeriesKind
from workflows.people import CasePeople

_PLACE_NL = {Place.office: "Op kantoor", Place.neutral: "Neutrale plek", Place.home: "Thuis", Place.online: "Online"}
_CHANNEL_NL = {Channel.phone: "Telefonisch", Channel.video: "Videogesprek", Channel.in_person: "In persoon"}
_TITLES = {
    SeriesKind.checkin: "Kort contactmoment",
    SeriesKind.progress_talk: "Voortgangsgesprek re-integratie",
    SeriesKind.evaluation: "Evaluatie plan van aanpak",
    SeriesKind.driegesprek: "Driegesprek met de coach",
}


@dataclass(frozen=True)
class PlannedMessage:
    """One message of a delivery: the invitation or notice, and a readable summary of it."""

    message: SeriesMessage | Notice
    summary: str


def location(channel: Channel, place: Place, contact: ContactPreference) -> str:
    """Where the talk is, as the employee chose: a phone call, a video link, or a place."""
    detail = contact.location.strip()
    if channel == Channel.phone:
        return _CHANNEL_NL[channel]
    if channel == Channel.video:
        return detail or _CHANNEL_NL[channel]
    return detail or _PLACE_NL[place]


def last_start_before(series: SeriesState, moment: datetime) -> datetime | None:
    """The last occurrence of a recurring series that starts before ``moment`` (wall-clock weekly steps)."""
    first = local(series.start)
    if first >= moment or not series.interval_weeks:
        return None
    weeks = ((moment - first).days // 7 // series.interval_weeks) * series.interval_weeks
    candidate = at_local(first.date() + timedelta(weeks=weeks), first.hour, first.minute)
    while candidate >= moment:
        weeks -= series.interval_weeks
        candidate = at_local(first.date() + timedelta(weeks=weeks), first.hour, first.minute)
    return candidate


def _until(series_start: datetime, until: date | None) -> datetime | None:
    if until is None:
        return None
    start = local(series_start)
    return at_local(until, start.hour, start.minute)


def _series_message(
    *,
    key: str,
    case_id: str,
    change: str,
    series: SeriesState | fx.SendSeries | fx.UpdateSeries,
    sequence: int,
    until: datetime | None,
    people: CasePeople,
    contact: ContactPreference,
    now: datetime,
) -> SeriesMessage:
    kind = SeriesKind(series.kind)
    return SeriesMessage(
        key=key,
        case_id=case_id,
        change=change,
        uid=series.series_id,
        sequence=sequence,
        kind=str(kind),
        summary=f"{_TITLES[kind]}: {people.employee.name}",
        location=location(series.channel, series.place, contact),
        start=series.start,
        duration_minutes=series.duration_minutes,
        interval_weeks=series.interval_weeks,
        until=until,
        organizer_name=people.organizer_name(),
        attendees=people.for_roles(tuple(series.attendees)),
        dtstamp=now,
    )


def _cancel(
    effect: fx.CancelSeries, facts: CaseFacts, people: CasePeople, contact: ContactPreference, now: datetime
) -> PlannedMessage | None:
    series = next((s for s in facts.series if s.series_id == effect.series_id), None)
    if series is None:
        return None
    kept_until = last_start_before(series, effect.effective_from)
    if kept_until is None:
        # Nothing of it has happened yet: cancel the whole series.
        message = _series_message(
            key=effect.key,
            case_id=effect.case_id,
            change="cancelled",
            series=series,
            sequence=effect.sequence,
            until=_until(series.start, series.until),
            people=people,
            contact=contact,
            now=now,
        )
        return PlannedMessage(message, f"cancel the {series.kind} series")
    # The past occurrences happened: end the series after the last one kept (RRULE UNTIL), not CANCEL.
    message = _series_message(
        key=effect.key,
        case_id=effect.case_id,
        change="ended",
        series=series,
        sequence=effect.sequence,
        until=kept_until,
        people=people,
        contact=contact,
        now=now,
    )
    return PlannedMessage(message, f"end the {series.kind} series")


def _notice(
    key: str,
    case_id: str,
    kind: str,
    to: tuple[Person, ...],
    summary: str,
    *,
    context: dict[str, str | list[str]],
    dates: dict[str, date] | None = None,
    hr: bool = False,
) -> PlannedMessage | None:
    if not to and not hr:
        return None
    notice = Notice(
        key=key, case_id=case_id, kind=kind, recipients=to, context=context, dates=dates or {}, to_mailbox_if_nobody=hr
    )
    return PlannedMessage(notice, summary)


def messages_for(
    effect: fx.Effect,
    *,
    facts: CaseFacts,
    people: CasePeople,
    contact: ContactPreference,
    case_ref: str,
    case_url: str | None,
    now: datetime,
) -> list[PlannedMessage]:
    """The messages that carry out one effect (none for effects that only change the record)."""
    if isinstance(effect, (fx.SendSeries, fx.UpdateSeries)):
        change = "new" if isinstance(effect, fx.SendSeries) else "update"
        message = _series_message(
            key=effect.key,
            case_id=effect.case_id,
            change=change,
            series=effect,
            sequence=effect.sequence,
            until=_until(effect.start, effect.until),
            people=people,
            contact=contact,
            now=now,
        )
        verb = "send" if change == "new" else "update"
        return [PlannedMessage(message, f"{verb} the {effect.kind} series")]
    urls: dict[str, str | list[str]] = {"case_url": case_url} if case_url else {}
    planned: PlannedMessage | None = None
    if isinstance(effect, fx.CancelSeries):
        planned = _cancel(effect, facts, people, contact, now)
    elif isinstance(effect, fx.NotifyTeam):
        team = tuple(Person(name="Team", email=address) for address in people.team_notice_to)
        planned = _notice(
            effect.key,
            effect.case_id,
            "team_notice",
            team,
            "tell the team",
            context={
                "employee_name": people.employee.name,
                "manager_name": people.manager.name,
                "hours": f"{effect.hours_per_week:g}",
            },
            dates={"start_date": effect.from_date},
        )
    elif isinstance(effect, fx.AskBuddyConsent):
        planned = _notice(
            effect.key,
            effect.case_id,
            "buddy_request",
            people.for_roles(effect.to),
            "ask the employee about a buddy",
            context={"manager_name": people.manager.name},
        )
    elif isinstance(effect, fx.InviteBuddy):
        planned = _notice(
            effect.key,
            effect.case_id,
            "buddy_invite",
            people.for_roles(effect.to),
            "invite the buddy",
            context={"employee_name": people.employee.name, "manager_name": people.manager.name},
            dates={"start_date": effect.starts_on} if effect.starts_on else {},
        )
    elif isinstance(effect, fx.PrepareFirstDay):
        planned = _notice(
            effect.key,
            effect.case_id,
            "first_day",
            people.for_roles(effect.to),
            "prepare the first day back",
            context={
                "employee_name": people.employee.name,
                "hours": f"{effect.hours_per_week:g}",
                "place": location(Channel.in_person, effect.place, contact),
            },
            dates={"first_day": effect.first_day},
        )
    elif isinstance(effect, fx.LoopInCoach):
        signals = [effect.signal.text_nl, *effect.signal.evidence]
        planned = _notice(
            effect.key,
            effect.case_id,
            "coach_signal",
            people.for_roles(effect.to),
            "loop in the coach",
            context={"case_ref": case_ref, "signals": signals, "manager_name": people.manager.name, **urls},
            hr=True,
        )
    elif isinstance(effect, fx.PauseBuildUp):
        planned = _notice(
            effect.key,
            effect.case_id,
            "buildup_paused",
            people.for_roles(effect.to),
            "pause the build-up",
            context={"employee_name": people.employee.name, "manager_name": people.manager.name},
            dates={"since": effect.since},
        )
    elif isinstance(effect, fx.RemindHR):
        planned = _notice(
            effect.key,
            effect.case_id,
            "hr_reminder",
            people.for_roles(effect.to),
            f"remind HR: {effect.deadline_key}",
            context={"step": _step_label(facts, effect.deadline_key), "case_ref": case_ref, **urls},
            dates={"due": effect.due},
            hr=True,
        )
    elif isinstance(effect, fx.AlertHROverdue):
        planned = _notice(
            effect.key,
            effect.case_id,
            "hr_overdue",
            people.for_roles(effect.to),
            f"alert HR: {effect.deadline_key} overdue",
            context={"step": _step_label(facts, effect.deadline_key), "case_ref": case_ref, **urls},
            dates={"due": effect.due},
            hr=True,
        )
    return [planned] if planned is not None else []


def _step_label(facts: CaseFacts, deadline_key: str) -> str:
    for case_deadline in case_timeline(facts):
        if str(case_deadline.key) == deadline_key:
            return case_deadline.deadline.label_nl
    return deadline_key
