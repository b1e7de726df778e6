"""Plain words, in Dutch and English, for what the case records: actions, phases, statuses.

The workflow records an ``action`` (a stable snake_case name) with structured details; these tables
turn them into a sentence a person reads. An unknown action shows its name, so a gap is visible.
"""

from __future__ import annotations

PHASES: dict[str, tuple[str, str]] = {
    "ziekgemeld": ("ziekgemeld", "reported sick"),
    "probleemanalyse": ("probleemanalyse", "probleemanalyse (problem analysis)"),
    "plan_van_aanpak": ("plan van aanpak", "plan van aanpak (action plan)"),
    "arbeidstherapeutisch": ("arbeidstherapeutisch werken", "therapeutic work"),
    "opbouw": ("opbouw van uren", "build-up of hours"),
    "evaluatie": ("evaluatie", "evaluation"),
    "tweede_spoor": ("tweede spoor", "second track"),
    "hersteld": ("hersteld", "recovered"),
    "wia": ("WIA (einde loondoorbetaling)", "WIA (end of wage continuation)"),
    "uit_dienst": ("uit dienst", "employment ended"),
    "ingetrokken": ("ingetrokken", "withdrawn"),
}

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
    "pause_build_up": ("Opbouw gepauzeerd", "Build-up paused"),
    "remind_h_r": ("HR herinnerd aan een termijn", "HR reminded of a deadline"),
    "alert_h_r_overdue": ("HR gewaarschuwd: termijn verstreken", "HR alerted: deadline passed"),
    "close_case": ("Zaak gesloten", "Case closed"),
    "mail_refused": ("Mail geweigerd door de ontvangende server", "Mail refused by the receiving server"),
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


def action(name: str, detail: dict[str, str], language: str) -> str:
    """One sentence for an action with its details."""
    if name == "phase_changed" and "to" in detail:
        before, after = phase(detail.get("from"), language), phase(detail["to"], language)
        return f"Fase: {before} → {after}" if language != "en" else f"Phase: {before} → {after}"
    words = pick(ACTIONS.get(name, (name.replace("_", " "), name.replace("_", " "))), language)
    facts = "; ".join(
        f"{key.replace('_', ' ')}: {phase(value, language) if key in ('back_to', 'from', 'to') else value}"
        for key, value in detail.items()
        if value != ""
    )
    return f"{words} ({facts})" if facts else words


def actor(name: str, language: str) -> str:
    return pick(SYSTEM_ACTOR, language) if name == "system" else name
