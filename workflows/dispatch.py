"""From the rules' effects to the messages of a delivery: who receives what, in which words. Pure, no I/O.

The rules (states/) speak of roles, series and keys; this module knows the people of the case and
the activities' payloads. Every message is written for people (``contracts.wording``): the
employee's name instead of a case id, a step's name instead of its deadline key, each fact behind a
signal as a sentence, in Dutch and English (each reader gets their own language), with a link to the
page where the reader acts on it. It runs inside the workflow, so it is deterministic: time comes in
as ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from contracts import ContactPreference, Notice, Person, SeriesMessage, SeriesWords
from contracts import wording as w
from states import effects as fx
from states.clock import at_local, local
from states.events import ContactPreference as RulesPreference
from states.facts import CaseFacts, SeriesState
from states.kinds import Channel, Place, SeriesChangeReason, SeriesKind, TeamNoticeKind
from workflows.people import CasePeople

LANGUAGES = w.LANGUAGES

#: The command that records each statutory step (the form on the case page a reminder links to).
STEP_COMMANDS = {
    "probleemanalyse": "probleemanalyse_received",
    "plan_van_aanpak": "plan_van_aanpak_signed",
    "evaluation": "evaluation_held",
    "eerstejaarsevaluatie": "eerstejaarsevaluatie_held",
    "tweede_spoor": "tweede_spoor_started",
    "arbodienst_report": "step_recorded",
    "uwv_42_week_report": "step_recorded",
    "actueel_oordeel": "step_recorded",
    "riv_to_employee": "step_recorded",
    "wia_application": "step_recorded",
}
#: The command that records a talk, and who gives it (the calendar's description says so).
TALK_RECORDS: dict[SeriesKind, tuple[str, w.Words]] = {
    SeriesKind.progress_talk: (
        "progress_talk_held",
        ("Na het gesprek legt de leidinggevende het vast", "After the talk, the manager records it"),
    ),
    SeriesKind.evaluation: (
        "evaluation_held",
        ("Na de evaluatie legt de leidinggevende die vast", "After the evaluation, the manager records it"),
    ),
    SeriesKind.driegesprek: (
        "driegesprek_held",
        ("Na het driegesprek legt de coach het vast", "After the three-way talk, the coach records it"),
    ),
}
SIGNALS_ANCHOR = "signals-title"
"""The signals section of the case page (web/templates/case.html)."""

#: Why a series changes or stops, by the rules' reason key; ``{talks}`` is the series ("De
#: voortgangsgesprekken"), ``{stop}`` its verb ("stoppen", "gaat niet door"), ``{name}`` the employee.
REASONS: dict[str, w.Words] = {
    SeriesChangeReason.recovered: ("{talks} {stop}: {name} is hersteld.", "{talks} {stop}: {name} has recovered."),
    SeriesChangeReason.back_at_work: (
        "{talks} {stop}: {name} werkt weer (deels); voortaan zijn er voortgangsgesprekken.",
        "{talks} {stop}: {name} is (partly) back at work; progress talks take their place.",
    ),
    SeriesChangeReason.not_working: (
        "{talks} {stop}: {name} werkt op dit moment niet; voortaan zijn er korte contactmomenten.",
        "{talks} {stop}: {name} is not working at the moment; short check-ins take their place.",
    ),
    SeriesChangeReason.held: (
        "{talks} {stop}: het gesprek is op een andere dag al gehouden.",
        "{talks} {stop}: the talk was already held on another day.",
    ),
    SeriesChangeReason.next_evaluation: (
        "De vorige evaluatie is eerder gehouden; deze afspraak is nu de volgende evaluatie.",
        "The previous evaluation was held earlier; this appointment is now the next evaluation.",
    ),
    SeriesChangeReason.rescheduled: (
        "De datum volgt het plan van aanpak en de wettelijke termijnen.",
        "The date follows the action plan and the statutory deadlines.",
    ),
    SeriesChangeReason.case_closed: (
        "{talks} {stop}: de re-integratie van {name} is afgesloten.",
        "{talks} {stop}: the return-to-work case of {name} has ended.",
    ),
    SeriesChangeReason.employment_ended: (
        "{talks} {stop}: het dienstverband van {name} is beëindigd.",
        "{talks} {stop}: the employment of {name} has ended.",
    ),
    SeriesChangeReason.withdrawn: (
        "{talks} {stop}: de ziekmelding van {name} is ingetrokken.",
        "{talks} {stop}: the sick report of {name} was withdrawn.",
    ),
    SeriesChangeReason.horizon_extended: (
        "De reeks loopt door: de nieuwe laatste afspraak staat hieronder.",
        "The series continues: its new last meeting is shown below.",
    ),
    SeriesChangeReason.preference_changed: (
        "{name} koos een andere dag, tijd of plek voor de gesprekken.",
        "{name} chose another day, time or place for the talks.",
    ),
    SeriesChangeReason.attendees_changed: ("Wie er aan deelneemt is gewijzigd.", "Who takes part has changed."),
    SeriesChangeReason.proposal_accepted: (
        "Er is een ander tijdstip voorgesteld, en dat is overgenomen.",
        "Another time was proposed, and it was accepted.",
    ),
}
#: What a team notice tells, by the rules' kind: present or not (never why).
TEAM_PRESENCE: dict[str, str] = {
    TeamNoticeKind.returns: "present",
    TeamNoticeKind.hours_change: "present",
    TeamNoticeKind.therapeutic: "present",
    TeamNoticeKind.absent_for_now: "absent",
    TeamNoticeKind.recovered: "full",
}


@dataclass(frozen=True)
class PlannedMessage:
    """One message of a delivery: the invitation or notice, and a readable summary of it."""

    message: SeriesMessage | Notice
    summary: str


def contact_preference(preference: RulesPreference) -> ContactPreference:
    """The rules' contact preference as the messages use it (the same fields)."""
    return ContactPreference(
        weekday=preference.weekday,
        hour=preference.hour,
        minute=preference.minute,
        channel=preference.channel,
        place=preference.place,
        location=preference.location,
    )


def location(channel: Channel, place: Place, contact: ContactPreference, language: str = "nl") -> str:
    """Where the talk is, as the employee chose: a phone call, a video link, or a place."""
    detail = contact.location.strip()
    if channel == Channel.phone:
        return w.pick(w.CHANNELS[channel], language)
    if channel == Channel.video:
        return detail or w.pick(w.CHANNELS[channel], language)
    return detail or w.pick(w.PLACES[place], language)


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


def page(case_url: str | None, anchor: str = "") -> str:
    """A link to the case page; ``anchor`` a part of it. A command's form (``cmd-<command>``) is
    opened there too (``?do=<command>``), so the reader lands on the form to fill in. "" without a page."""
    if not case_url:
        return ""
    if anchor.startswith("cmd-"):
        return f"{case_url}?do={anchor.removeprefix('cmd-')}#{anchor}"
    return f"{case_url}#{anchor}" if anchor else case_url


def _description(kind: SeriesKind, case_url: str | None, language: str, *, record: bool = True) -> str:
    """The calendar's DESCRIPTION: the link to the case, and (``record``) where the talk is recorded
    afterwards."""
    if not case_url:
        return ""
    lines = [f"{w.pick(('Dossier', 'Case'), language)}: {case_url}"]
    if record and kind in TALK_RECORDS:
        command, words = TALK_RECORDS[kind]
        lines.append(f"{w.pick(words, language)}: {page(case_url, 'cmd-' + command)}")
    return "\n".join(lines)


def _note(kind: SeriesKind, reason_key: str, name: str, fallback: w.Words, language: str) -> str:
    """Why a series changes or stops, with the employee's name; the rules' own text where no key is given."""
    words = REASONS.get(reason_key)
    if words is None:
        return w.pick(fallback, language)
    return w.pick(words, language).format(
        talks=w.pick(w.TALKS_PLURAL[kind], language), stop=w.pick(w.TALKS_STOP[kind], language), name=name
    )


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
    case_url: str | None,
    now: datetime,
    note: w.Words = ("", ""),
    previous_start: datetime | None = None,
) -> SeriesMessage:
    kind = SeriesKind(series.kind)
    name = people.employee.name
    words = {
        language: SeriesWords(
            summary=f"{w.pick(w.TALK_TITLES[kind], language)}: {name}",
            location=location(series.channel, series.place, contact, language),
            description=_description(kind, case_url, language, record=change not in ("cancelled", "counter_declined")),
            note=w.pick(note, language),
        )
        for language in LANGUAGES
    }
    dutch = words["nl"]
    return SeriesMessage(
        key=key,
        case_id=case_id,
        change=change,
        uid=series.series_id,
        sequence=sequence,
        kind=str(kind),
        summary=dutch.summary,
        location=dutch.location,
        start=series.start,
        duration_minutes=series.duration_minutes,
        interval_weeks=series.interval_weeks,
        until=until,
        organizer_name=people.organizer_name(),
        attendees=people.for_roles(tuple(series.attendees)),
        dtstamp=now,
        description=dutch.description,
        words=words,
        previous_start=previous_start,
    )


def _cancel(
    effect: fx.CancelSeries,
    facts: CaseFacts,
    people: CasePeople,
    contact: ContactPreference,
    case_url: str | None,
    now: datetime,
) -> PlannedMessage | None:
    series = next((s for s in facts.series if s.series_id == effect.series_id), None)
    if series is None:
        return None
    kind = SeriesKind(series.kind)
    name = people.employee.name
    note = (
        _note(kind, effect.reason_key, name, (effect.reason_nl, effect.reason_en), "nl"),
        _note(kind, effect.reason_key, name, (effect.reason_nl, effect.reason_en), "en"),
    )
    kept_until = last_start_before(series, effect.effective_from)
    # Nothing of it has happened yet: cancel the whole series. Else the past occurrences happened:
    # end the series after the last one kept (RRULE UNTIL), not CANCEL.
    change = "cancelled" if kept_until is None else "ended"
    message = _series_message(
        key=effect.key,
        case_id=effect.case_id,
        change=change,
        series=series,
        sequence=effect.sequence,
        until=_until(series.start, series.until) if kept_until is None else kept_until,
        people=people,
        contact=contact,
        case_url=case_url,
        now=now,
        note=note,
    )
    return PlannedMessage(message, f"{'cancel' if kept_until is None else 'end'} the {series.kind} series")


def counter_declined(
    *,
    key: str,
    case_id: str,
    series_id: str,
    proposer: Person,
    proposed_start: datetime,
    recurrence_id: datetime | None,
    facts: CaseFacts,
    people: CasePeople,
    contact: ContactPreference,
    case_url: str | None,
    now: datetime,
) -> PlannedMessage | None:
    """The iTIP DECLINECOUNTER that tells ``proposer`` their proposed other time was not taken up, so
    their calendar keeps the talk where it is: the series as it stands now (its SEQUENCE, start and
    words), addressed to the proposer only. None when the talk is no longer planned or the proposer no
    longer attends it (a cancelled series, or someone who left got their CANCEL already)."""
    series = next((s for s in facts.series if s.series_id == series_id and s.active), None)
    if series is None:
        return None
    wanted = proposer.email.lower()
    attendee = next((p for p in people.for_roles(tuple(series.attendees)) if p.email.lower() == wanted), None)
    if attendee is None:
        return None
    message = _series_message(
        key=key,
        case_id=case_id,
        change="counter_declined",
        series=series,
        sequence=series.sequence,
        until=_until(series.start, series.until),
        people=people,
        contact=contact,
        case_url=case_url,
        now=now,
    )
    message = replace(message, attendees=(attendee,), proposed_start=proposed_start, recurrence_id=recurrence_id)
    return PlannedMessage(
        message, f"tell {attendee.name} the proposed other time for the {series.kind} was not taken up"
    )


def _notice(
    key: str,
    case_id: str,
    kind: str,
    to: tuple[Person, ...],
    summary: str,
    *,
    context: dict[str, str | list[str]],
    localized: dict[str, dict[str, str | list[str]]] | None = None,
    dates: dict[str, date] | None = None,
    hr: bool = False,
) -> PlannedMessage | None:
    if not to and not hr:
        return None
    # The Dutch words stand in the context too: what a reader of another language falls back on.
    context = {**context, **(localized or {}).get("nl", {})}
    notice = Notice(
        key=key,
        case_id=case_id,
        kind=kind,
        recipients=to,
        context={name: value for name, value in context.items() if value != ""},
        dates=dates or {},
        to_mailbox_if_nobody=hr,
        localized=localized or {},
    )
    return PlannedMessage(notice, summary)


def _per_language(make: dict[str, w.Words]) -> dict[str, dict[str, str | list[str]]]:
    """Context values that are words, by language: ``{"nl": {...}, "en": {...}}``."""
    return {language: {name: w.pick(pair, language) for name, pair in make.items()} for language in LANGUAGES}


def _hours(value: float) -> str:
    return f"{value:g}"


def _signal_facts(signal: fx.SignalView, language: str) -> list[str]:
    """The facts behind a signal as sentences (the structured ones, else the rules' "<on> <fact>=<value>")."""
    if signal.evidence_items:
        return [w.evidence(item.fact, item.value, item.on, language) for item in signal.evidence_items]
    return [w.evidence_from_text(text, language) for text in signal.evidence]


def _signal_headline(signal: fx.SignalView, language: str) -> str:
    """What happened: the rules' headline, else the words for the signal's kind."""
    return w.pick((signal.headline_nl, signal.headline_en), language) or w.signal_kind(str(signal.kind), language)


def messages_for(
    effect: fx.Effect,
    *,
    facts: CaseFacts,
    people: CasePeople,
    contact: ContactPreference,
    case_url: str | None,
    now: datetime,
    workplace: str = "",
) -> list[PlannedMessage]:
    """The messages that carry out one effect (none for effects that only change the record).

    ``contact`` is the employee's contact preference now (its location is where the talks are);
    ``workplace`` where the employee works (the first day back); ``case_url`` the case page."""
    name = people.employee.name
    manager = people.manager.name
    if isinstance(effect, (fx.SendSeries, fx.UpdateSeries)):
        update = isinstance(effect, fx.UpdateSeries)
        note: w.Words = ("", "")
        previous: datetime | None = None
        if isinstance(effect, fx.UpdateSeries):
            kind = SeriesKind(effect.kind)
            note = (_note(kind, effect.reason_key, name, note, "nl"), _note(kind, effect.reason_key, name, note, "en"))
            previous = effect.previous_start
        message = _series_message(
            key=effect.key,
            case_id=effect.case_id,
            change="update" if update else "new",
            series=effect,
            sequence=effect.sequence,
            until=_until(effect.start, effect.until),
            people=people,
            contact=contact,
            case_url=case_url,
            now=now,
            note=note,
            previous_start=previous,
        )
        return [PlannedMessage(message, f"{'update' if update else 'send'} the {effect.kind} series")]
    planned: PlannedMessage | None = None
    if isinstance(effect, fx.CancelSeries):
        planned = _cancel(effect, facts, people, contact, case_url, now)
    elif isinstance(effect, fx.NotifyTeam):
        team = tuple(Person(name="Team", email=address) for address in people.team_notice_to)
        presence = TEAM_PRESENCE.get(effect.kind, "present")
        if not effect.present or effect.hours_per_week == 0:
            presence = "absent"
        context: dict[str, str | list[str]] = {
            "employee_name": name,
            "manager_name": manager,
            "presence": presence,
        }
        if presence != "absent":
            context["hours"] = _hours(effect.hours_per_week)
        planned = _notice(
            effect.key,
            effect.case_id,
            "team_notice",
            team,
            "tell the team",
            context=context,
            dates={"start_date": effect.from_date},
        )
    elif isinstance(effect, fx.AskBuddyConsent):
        planned = _notice(
            effect.key,
            effect.case_id,
            "buddy_request",
            people.for_roles(effect.to),
            "ask the employee about a buddy",
            context={"manager_name": manager, "answer_url": page(case_url, "cmd-buddy_consent")},
        )
    elif isinstance(effect, fx.InviteBuddy):
        planned = _notice(
            effect.key,
            effect.case_id,
            "buddy_invite",
            people.for_roles(effect.to),
            "invite the buddy",
            context={"employee_name": name, "manager_name": manager, "case_url": page(case_url)},
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
                "employee_name": name,
                "hours": _hours(effect.hours_per_week),
                "workplace": _workplace(facts, workplace),
                "case_url": page(case_url),
            },
            localized=_per_language({"place": w.PLACES[facts.plan.place]} if facts.plan is not None else {}),
            dates={"first_day": effect.first_day},
        )
    elif isinstance(effect, fx.LoopInCoach):
        signal = effect.signal
        planned = _notice(
            effect.key,
            effect.case_id,
            "coach_signal",
            people.for_roles(effect.to),
            "loop in the coach",
            context={
                "employee_name": name,
                "signals": _signal_facts(signal, "nl"),
                "manager_name": manager,
                "case_url": page(case_url),
                "signal_url": page(case_url, SIGNALS_ANCHOR),
            },
            localized={
                language: {
                    "headline": _signal_headline(signal, language),
                    "signals": _signal_facts(signal, language),
                }
                for language in LANGUAGES
            },
            hr=True,
        )
    elif isinstance(effect, fx.PauseBuildUp):
        planned = _notice(
            effect.key,
            effect.case_id,
            "buildup_paused",
            people.for_roles(effect.to),
            "pause the build-up",
            context={"employee_name": name, "manager_name": manager, "case_url": page(case_url)},
            dates={"since": effect.since},
        )
    elif isinstance(effect, (fx.RemindHR, fx.AlertHROverdue)):
        reminder = isinstance(effect, fx.RemindHR)
        planned = _notice(
            effect.key,
            effect.case_id,
            "hr_reminder" if reminder else "hr_overdue",
            people.for_roles(effect.to),
            f"remind HR: {effect.deadline_key}" if reminder else f"alert HR: {effect.deadline_key} overdue",
            context={
                "employee_name": name,
                "case_url": page(case_url),
                "action_url": page(case_url, _step_anchor(effect.deadline_key)),
            },
            localized=_per_language({"step": _step_words(effect.deadline_key)}),
            dates={"due": effect.due},
            hr=True,
        )
    elif isinstance(effect, fx.DeadlineMoved):
        planned = _notice(
            effect.key,
            effect.case_id,
            "deadline_moved",
            people.for_roles(effect.to),
            f"tell HR: {effect.deadline_key} moved",
            context={
                "employee_name": name,
                "overdue": "yes" if effect.overdue else "",
                "case_url": page(case_url),
                "action_url": page(case_url, _step_anchor(effect.deadline_key)),
            },
            localized=_per_language({"step": _step_words(effect.deadline_key)}),
            dates={"was": effect.was, "due": effect.now_due},
            hr=True,
        )
    elif isinstance(effect, fx.AlertHRRivGap):
        planned = _riv_gap(effect, people.for_roles(effect.to), name, case_url)
    elif isinstance(effect, fx.RemindManagerToRecord):
        planned = _notice(
            effect.key,
            effect.case_id,
            "record_talk",
            people.for_roles(effect.to),
            "remind the manager to record the talk",
            context={"employee_name": name, "action_url": page(case_url, "cmd-progress_talk_held")},
            dates={"talk_day": effect.occurrence, "record_by": effect.record_by},
        )
    return [planned] if planned is not None else []


def _riv_gap(
    effect: fx.AlertHRRivGap, hr: tuple[Person, ...], name: str, case_url: str | None
) -> PlannedMessage | None:
    """Rules version 4: a part of the re-integratieverslag is missing or late (a ``riv_gap`` signal).
    HR reads what is wrong and what to do (the RIV check's words, its dates in words), the facts
    behind it, and the link to the form that fills it; with no command for it (a case opened before
    the dossier existed), the link to the dossier, where the part is added as a document."""
    signal = effect.signal
    action_url = page(case_url, f"cmd-{effect.command}") if effect.command else dossier_page(case_url)
    return _notice(
        effect.key,
        effect.case_id,
        "riv_gap",
        hr,
        f"alert HR: {signal.key}",
        context={"employee_name": name, "case_url": page(case_url), "action_url": action_url},
        localized={
            language: {
                "headline": _signal_headline(signal, language),
                "what": w.dates_in_words(w.pick((effect.text_nl, effect.text_en), language), language),
                "signals": _signal_facts(signal, language),
            }
            for language in LANGUAGES
        },
        hr=True,
    )


def dossier_page(case_url: str | None) -> str:
    """The case's dossier page (``<case_url>/dossier``), behind the sign-in; "" without a case page."""
    return f"{case_url.rstrip('/')}/dossier" if case_url else ""


def riv_copy_notice(*, key: str, case_id: str, employee: Person, case_url: str | None) -> PlannedMessage:
    """Rules version 4: HR recorded the employee's copy of the re-integratieverslag (``step_recorded``
    ``riv_to_employee``). The employee is told it is ready, with the link to their dossier; the copy
    itself stays behind the sign-in (no attachment: it holds the whole dossier)."""
    context: dict[str, str | list[str]] = {"dossier_url": dossier_page(case_url)} if case_url else {}
    notice = Notice(key=key, case_id=case_id, kind="riv_copy", recipients=(employee,), context=context)
    return PlannedMessage(notice, "tell the employee their copy of the re-integratieverslag is ready")


def _workplace(facts: CaseFacts, workplace: str) -> str:
    """Where the employee works on the first day back: the workplace recorded for the case, unless the
    plan has the work elsewhere (at home). Never the place the employee chose for the contact talks
    (``PrepareFirstDay.place`` is that contact place when no plan was signed)."""
    if facts.plan is not None and facts.plan.place != Place.office:
        return ""
    return workplace.strip()


def _step_words(deadline_key: str) -> w.Words:
    return w.DEADLINES.get(deadline_key, ("een wettelijke stap", "a statutory step"))


def _step_anchor(deadline_key: str) -> str:
    command = STEP_COMMANDS.get(deadline_key)
    return f"cmd-{command}" if command else ""
