"""Plain words, in Dutch and English, for what the case records: actions, phases, statuses.

The workflow records an ``action`` (a stable snake_case name) with structured details; these tables
turn them into a sentence a person reads. An unknown action shows its name, so a gap is visible.
"""

from __future__ import annotations

from datetime import date, datetime

from contracts import wording
from states.facts import Signal

PHASES: dict[str, tuple[str, str]] = wording.PHASES

ACTIONS: dict[str, tuple[str, str]] = {
    # people's commands
    "case_opened": ("Ziekmelding: zaak geopend", "Sick report: case opened"),
    "probleemanalyse_received": ("Probleemanalyse ontvangen", "Probleemanalyse received"),
    "plan_van_aanpak_signed": ("Plan van aanpak ondertekend", "Plan van aanpak signed"),
    "therapeutic_work_started": ("Arbeidstherapeutisch werken begonnen", "Therapeutic work started"),
    "build_up_started": ("Opbouw van uren afgesproken", "Build-up of hours agreed"),
    "hours_reported": ("Gewerkte uren doorgegeven", "Hours worked reported"),
    "progress_talk_held": ("Voortgangsgesprek gehouden", "Progress talk held"),
    "employee_feedback": ("Medewerker gaf door hoe het gaat", "Employee said how it goes"),
    "complaints_reported": (
        "Aanhoudende klachten na werk gemeld (alleen de duur)",
        "Lasting complaints after work reported (duration only)",
    ),
    "build_up_resumed": ("Opbouw hervat", "Build-up resumed"),
    "evaluation_held": ("Evaluatie gehouden", "Evaluation held"),
    "eerstejaarsevaluatie_held": ("Eerstejaarsevaluatie gehouden", "Eerstejaarsevaluatie held"),
    "tweede_spoor_started": ("Tweede spoor gestart", "Second track started"),
    "recovered": ("Hersteld gemeld", "Reported recovered"),
    "relapse": ("Terugval gemeld", "Relapse reported"),
    "employment_ended": ("Dienstverband beëindigd", "Employment ended"),
    "withdrawn": ("Zaak ingetrokken", "Case withdrawn"),
    "step_recorded": ("Wettelijke stap vastgelegd", "Statutory step recorded"),
    "buddy_consent": ("Medewerker antwoordde op de buddyvraag", "Employee answered the buddy question"),
    "driegesprek_held": ("Driegesprek gehouden", "Three-way talk held"),
    "preference_changed": ("Voorkeur voor contact gewijzigd", "Contact preference changed"),
    "loonsanctie_imposed": ("Loonsanctie opgelegd", "Wage sanction imposed"),
    "signal_resolved": ("Signaal afgehandeld", "Signal resolved"),
    "coach_assigned": ("Coach toegewezen", "Coach assigned"),
    "buddy_chosen": ("Buddy gekozen", "Buddy chosen"),
    "coach_removed": ("Coach gestopt", "Coach removed"),
    "casemanager_changed": ("Andere casemanager", "Casemanager changed"),
    "manager_changed": ("Andere leidinggevende", "Manager changed"),
    "eindevaluatie_held": ("Eindevaluatie gehouden", "Final evaluation held"),
    "employee_view_given": ("Medewerker gaf zijn of haar mening", "Employee gave their view"),
    "tweede_spoor_activity_recorded": ("Activiteit in het tweede spoor vastgelegd", "Second-track activity recorded"),
    "document_uploaded": ("Document toegevoegd aan het dossier", "Document added to the dossier"),
    "case_imported": (
        "Lopende zaak ingebracht, met de stappen die al gedaan waren",
        "Running case brought in, with the steps already done",
    ),
    "invitations_released": (
        "HR bevestigde de zaak: uitnodigingen verstuurd",
        "HR confirmed the case: invitations sent",
    ),
    # what the case did
    "phase_changed": ("Fase gewijzigd", "Phase changed"),
    "send_series": ("Uitnodiging verstuurd", "Invitation sent"),
    "update_series": ("Uitnodiging bijgewerkt", "Invitation updated"),
    "cancel_series": ("Afspraken beëindigd", "Appointments cancelled"),
    "notify_team": ("Team geïnformeerd (zonder gezondheidsinformatie)", "Team informed (no health information)"),
    "ask_buddy_consent": ("Medewerker gevraagd naar een buddy", "Employee asked about a buddy"),
    "invite_buddy": ("Buddy uitgenodigd", "Buddy invited"),
    "prepare_first_day": ("Eerste werkdag voorbereid", "First working day prepared"),
    "loop_in_coach": ("Coach ingeschakeld", "Coach looped in"),
    "brief_coach": ("Nieuwe coach bijgepraat over de open signalen", "New coach told of the open signals"),
    "pause_build_up": ("Opbouw gepauzeerd", "Build-up paused"),
    "remind_h_r": ("HR herinnerd aan een termijn", "HR reminded of a deadline"),
    "alert_h_r_overdue": ("HR gewaarschuwd: termijn verstreken", "HR alerted: deadline passed"),
    "close_case": ("Zaak gesloten", "Case closed"),
    "invitation_replied": ("Antwoord op een uitnodiging", "Answer to an invitation"),
    "counter_answered": ("Voorstel voor een ander tijdstip beantwoord", "Proposal of another time answered"),
    "alert_h_r_riv_gap": (
        "HR gewaarschuwd: het re-integratieverslag is niet compleet",
        "HR alerted: the re-integration report is incomplete",
    ),
    "mail_refused": ("Mail geweigerd door de ontvangende server", "Mail refused by the receiving server"),
    "mail_not_sent": (
        "Mail niet verstuurd: de mailserver was te lang niet bereikbaar",
        "Mail not sent: the mail server could not be reached for too long",
    ),
    "delivery_failed": (
        "Verzending mislukt na herhaald proberen; de beheerder is gewaarschuwd",
        "Sending failed after repeated attempts; the operator was alerted",
    ),
}

COMPLIANCE: dict[str, tuple[str, str]] = {
    "on_time": ("op tijd", "on time"),
    "late": ("te laat", "late"),
    "missing": ("ontbreekt", "missing"),
    "open": ("nog niet aan de beurt", "not due yet"),
}

RESPONSIBLE: dict[str, tuple[str, str]] = {
    "employer": ("werkgever", "employer"),
    "employee": ("medewerker", "employee"),
    "bedrijfsarts": ("bedrijfsarts", "company doctor"),
    "employer_and_employee": ("werkgever en medewerker", "employer and employee"),
}

SYSTEM_ACTOR = ("het systeem", "the system")


def pick(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language == "en" else pair[0]


def phase(name: str | None, language: str) -> str:
    if not name:
        return ""
    return pick(PHASES.get(name, (name, name)), language)


ANSWERS: dict[str | None, tuple[str, str]] = {
    "accepted": ("geaccepteerd", "accepted"),
    "tentative": ("onder voorbehoud", "tentative"),
    "declined": ("afgewezen", "declined"),
    None: ("nog geen antwoord", "no answer yet"),
}

TALKS: dict[str, tuple[str, str]] = {
    "checkin": ("Kort contactmoment", "Short check-in"),
    "progress_talk": ("Voortgangsgesprek", "Progress talk"),
    "evaluation": ("Evaluatie plan van aanpak", "Evaluation of the plan van aanpak"),
    "driegesprek": ("Driegesprek met de coach", "Three-way talk with the coach"),
}


_TALKS_IN_A_SENTENCE: dict[str, tuple[str, str]] = {
    "checkin": ("het korte contactmoment", "the short check-in"),
    "progress_talk": ("het voortgangsgesprek", "the progress talk"),
    "evaluation": ("de evaluatie van het plan van aanpak", "the evaluation of the plan van aanpak"),
    "driegesprek": ("het driegesprek met de coach", "the three-way talk with the coach"),
}


def answer(value: str | None, language: str) -> str:
    """A person's answer to an invitation, in words (None: no answer yet)."""
    return pick(ANSWERS.get(value, (str(value), str(value))), language)


def talk(kind: str, language: str) -> str:
    return pick(TALKS.get(kind, (kind, kind)), language)


def _reply_sentence(name: str, detail: dict[str, str], language: str) -> str:
    """An answer to an invitation (``invitation_replied``) or HR's answer to a proposal (``counter_answered``)."""
    person, kind, given = detail.get("person", ""), detail.get("talk", ""), detail.get("answer", "")
    title = pick(_TALKS_IN_A_SENTENCE.get(kind, (kind, kind)), language)
    when = f" ({detail['talk_start']})" if detail.get("talk_start") else ""
    en = language == "en"
    if name == "counter_answered":
        verb = answer(given, language)
        proposed = detail.get("proposed", "")
        if en:
            return f"Proposal by {person} to hold {title} at {proposed}: {verb}"
        return f"Voorstel van {person} om {title} op {proposed} te houden: {verb}"
    if given == "counter":
        proposed = detail.get("proposed", "")
        if en:
            return f"{person} proposes another time for {title}{when}: {proposed}"
        return f"{person} stelt een ander tijdstip voor {title}{when} voor: {proposed}"
    text = (
        f"{person} answered the invitation to {title}{when}: {answer(given, language)}"
        if en
        else f"{person} heeft de uitnodiging voor {title}{when} {answer(given, language)}"
    )
    if detail.get("free_slot"):
        text += (
            f"; HR was told, first free time: {detail['free_slot']}"
            if en
            else f"; HR is ingelicht, eerstvolgende vrije moment: {detail['free_slot']}"
        )
    return text


def action(name: str, detail: dict[str, str], language: str) -> str:
    """One sentence for an action with its details."""
    if name in ("invitation_replied", "counter_answered") and "person" in detail:
        return _reply_sentence(name, detail, language)
    if name == "phase_changed" and "to" in detail:
        before, after = phase(detail.get("from"), language), phase(detail["to"], language)
        return f"Fase: {before} → {after}" if language != "en" else f"Phase: {before} → {after}"
    words = pick(ACTIONS.get(name, (name.replace("_", " "), name.replace("_", " "))), language)
    facts = "; ".join(text for key, value in detail.items() if value != "" and (text := fact(key, value, language)))
    return f"{words} ({facts})" if facts else words


def fact(key: str, value: str, language: str) -> str:
    """One recorded detail in words ("uiterlijk 1 oktober 2026", "stap: plan van aanpak"), or "" for
    a detail that people do not read (keys, ids, the rules' own notation): the exports keep those."""
    entry = _DETAILS.get(key)
    if entry is None:
        return ""
    sentence, kind = entry
    text = _value(kind, value, language)
    return pick(sentence, language).format(text) if text else ""


def _value(kind: str, value: str, language: str) -> str:
    """A detail's value in words, by its kind (see :data:`_DETAILS`)."""
    try:
        if kind == "date":
            return wording.format_day(date.fromisoformat(value[:10]), language)
        if kind == "moment":
            return wording.format_moment(datetime.fromisoformat(value), language)
        if kind == "hours":
            hours = f"{float(value):g}"
            return hours.replace(".", ",") if language == "nl" else hours
    except ValueError:
        return ""
    if kind == "phase":
        return phase(value, language)
    if kind == "step":
        return wording.deadline(value, language)
    if kind == "talk":
        return pick(TALKS.get(value, _NONE), language)
    if kind == "choice":
        return pick(_CHOICES.get(value, (value.replace("_", " "), value.replace("_", " "))), language)
    if kind == "yes_no":
        return pick(("ja", "yes") if value in ("True", "true", "yes") else ("nee", "no"), language)
    if kind == "signal":
        kind_of = value.split(":", 1)[0]
        return wording.signal_kind(kind_of, language).lower() if kind_of in wording.SIGNAL_KINDS else ""
    if kind == "reason":
        return pick(_REASONS.get(value, _NONE), language)
    if kind == "part":
        return wording.dossier_part(value, language).lower() if value in wording.DOSSIER_PARTS else ""
    if kind == "weekday":
        return wording.day_name(int(value), language) if value.isdigit() and int(value) < 7 else ""
    return value  # text: a person's address, a number, a workplace


_NONE = ("", "")
#: The details people read, by the key the case records them under: (the words, with ``{}`` for the
#: value; the kind of value). A key not here is not shown in the sentence (the exports keep it).
_DETAILS: dict[str, tuple[tuple[str, str], str]] = {
    "first_sick_day": (("eerste ziektedag {}", "first sick day {}"), "date"),
    "deadline_key": (("stap: {}", "step: {}"), "step"),
    "step": (("stap: {}", "step: {}"), "step"),
    "due": (("uiterlijk {}", "due {}"), "date"),
    "was": (("was uiterlijk {}", "was due {}"), "date"),
    "now_due": (("nu uiterlijk {}", "now due {}"), "date"),
    "days_left": (("nog {} dagen", "{} days left"), "text"),
    "days_overdue": (("{} dagen te laat", "{} days late"), "text"),
    "kind": (("{}", "{}"), "talk"),
    "start": (("vanaf {}", "from {}"), "moment"),
    "previous_start": (("was {}", "was {}"), "moment"),
    "until": (("tot en met {}", "until {}"), "date"),
    "effective_from": (("vanaf {}", "from {}"), "date"),
    "from_date": (("vanaf {}", "from {}"), "date"),
    "first_day": (("eerste dag {}", "first day {}"), "date"),
    "starts_on": (("vanaf {}", "from {}"), "date"),
    "since": (("sinds {}", "since {}"), "date"),
    "on": (("op {}", "on {}"), "date"),
    "week_of": (("week van {}", "week of {}"), "date"),
    "occurrence": (("gesprek van {}", "talk of {}"), "date"),
    "record_by": (("vastleggen uiterlijk {}", "record by {}"), "date"),
    "hours_per_week": (("{} uur per week", "{} hours a week"), "hours"),
    "hours": (("{} uur", "{} hours"), "hours"),
    "present": (("aanwezig: {}", "at work: {}"), "yes_no"),
    "channel": (("{}", "{}"), "choice"),
    "place": (("{}", "{}"), "choice"),
    "went": (("gesprek: {}", "talk: {}"), "choice"),
    "pace": (("tempo: {}", "pace: {}"), "choice"),
    "conflict_at_work": (("conflict op het werk: {}", "conflict at work: {}"), "yes_no"),
    "lasting_days": (("{} dagen", "{} days"), "text"),
    "outcome": (("uitkomst: {}", "outcome: {}"), "choice"),
    "full": (("volledig: {}", "fully: {}"), "yes_no"),
    "back_to": (("terug naar {}", "back to {}"), "phase"),
    "from": (("van {}", "from {}"), "phase"),
    "to": (("naar {}", "to {}"), "phase"),
    "given": (("antwoord: {}", "answer: {}"), "yes_no"),
    "structural_return_expected": (("terugkeer verwacht: {}", "return expected: {}"), "yes_no"),
    "weeks": (("{} weken", "{} weeks"), "text"),
    "signal.kind": (("signaal: {}", "signal: {}"), "signal"),
    "signal.since": (("sinds {}", "since {}"), "date"),
    "signal_key": (("signaal: {}", "signal: {}"), "signal"),
    "reason_key": (("reden: {}", "reason: {}"), "reason"),
    "coach": (("coach: {}", "coach: {}"), "text"),
    "part": (("onderdeel: {}", "part: {}"), "part"),
    "version": (("versie {}", "version {}"), "text"),
    "buddy": (("buddy: {}", "buddy: {}"), "text"),
    "casemanager": (("casemanager: {}", "casemanager: {}"), "text"),
    "manager": (("leidinggevende: {}", "manager: {}"), "text"),
    "addresses": (("adressen: {}", "addresses: {}"), "text"),
    "workplace": (("werkplek: {}", "workplace: {}"), "text"),
    "preference.weekday": (("dag: {}", "day: {}"), "weekday"),
    "preference.hour": (("uur: {}", "hour: {}"), "text"),
    "preference.channel": (("{}", "{}"), "choice"),
    "preference.place": (("{}", "{}"), "choice"),
    "preference.location": (("waar: {}", "where: {}"), "text"),
    "plan.hours_per_week": (("{} uur per week", "{} hours a week"), "hours"),
    "revised_plan.hours_per_week": (("nieuw: {} uur per week", "new: {} hours a week"), "hours"),
}
_CHOICES: dict[str, tuple[str, str]] = {
    **{key: (pair[0].lower(), pair[1].lower()) for key, pair in wording.CHANNELS.items()},
    **{key: (pair[0].lower(), pair[1].lower()) for key, pair in wording.PLACES.items()},
    "good": ("goed", "good"),
    "mixed": ("wisselend", "mixed"),
    "difficult": ("moeizaam", "difficult"),
    "ok": ("goed", "right"),
    "too_slow": ("te langzaam", "too slow"),
    "too_fast": ("te snel", "too fast"),
    "continue": ("plan voortzetten", "continue the plan"),
    "adjust_plan": ("plan bijstellen", "adjust the plan"),
    "second_track": ("tweede spoor", "second track"),
    "recovered": ("hersteld", "recovered"),
}
_REASONS: dict[str, tuple[str, str]] = {
    "recovered": ("hersteld", "recovered"),
    "back_at_work": ("weer (deels) aan het werk", "(partly) back at work"),
    "not_working": ("werkt op dit moment niet", "not working at the moment"),
    "held": ("al gehouden", "already held"),
    "next_evaluation": ("de volgende evaluatie", "the next evaluation"),
    "rescheduled": ("nieuwe datum", "new date"),
    "case_closed": ("zaak afgesloten", "case closed"),
    "employment_ended": ("dienstverband beëindigd", "employment ended"),
    "withdrawn": ("ingetrokken", "withdrawn"),
    "horizon_extended": ("reeks verlengd", "series extended"),
    "preference_changed": ("andere voorkeur voor contact", "another contact preference"),
    "attendees_changed": ("andere deelnemers", "other attendees"),
}


def evidence(fact: str, value: str, on: date, language: str) -> str:
    """One fact behind a signal as a sentence (never ``fact=value``)."""
    return wording.evidence(fact, value, on, language)


def signal_title(signal: Signal, language: str) -> str:
    """What a signal says happened: its headline, or the words for its kind (facts from before headlines)."""
    headline = pick((signal.headline_nl, signal.headline_en), language)
    return headline or wording.signal_kind(str(signal.kind), language)


def actor(name: str, language: str) -> str:
    return pick(SYSTEM_ACTOR, language) if name == "system" else name
