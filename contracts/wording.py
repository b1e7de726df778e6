"""Plain words, in Dutch and English, for what the rules name with keys: the statutory steps (deadline
keys), the kinds of signals and the facts behind them, phases, talks, channels and places; and dates
as people write them.

One table for every reader: the messages (``workflows.dispatch``, ``integrations.mail``) and the
pages (``web.words``) take their words from here, so that a key such as ``plan_van_aanpak`` or a fact
such as ``pace_from_progress_talk=too_fast`` never reaches a person as it is. Pure: no clock, no I/O
(the case workflow imports it).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("nl", "en")
_ZONE = ZoneInfo("Europe/Amsterdam")

Words = tuple[str, str]
"""(Dutch, English)."""


def pick(pair: Words, language: str) -> str:
    return pair[1] if language == "en" else pair[0]


def both(pair: Words) -> dict[str, str]:
    """The pair by language: ``{"nl": ..., "en": ...}``."""
    return {"nl": pair[0], "en": pair[1]}


# --------------------------------------------------------------------------------------------------
# Dates and times (no locale module: the process locale is not ours to rely on)

_MONTHS: dict[str, tuple[str, ...]] = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
_DAYS: dict[str, tuple[str, ...]] = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(_ZONE)
    return value


def weekday_name(value: date | datetime, language: str) -> str:
    return _DAYS[_language(language)][_local(value).weekday()]


def day_name(number: int, language: str) -> str:
    """The name of weekday ``number`` (0 = Monday)."""
    return _DAYS[_language(language)][number]


def format_date(value: date | datetime, language: str) -> str:
    """``maandag 2 maart 2026`` / ``Monday 2 March 2026`` (a moment in Dutch time)."""
    value = _local(value)
    language = _language(language)
    return f"{_DAYS[language][value.weekday()]} {value.day} {_MONTHS[language][value.month - 1]} {value.year}"


def format_time(value: datetime) -> str:
    """``14:30`` in Dutch time."""
    return _local(value).strftime("%H:%M")


def format_moment(value: datetime, language: str) -> str:
    """``dinsdag 10 maart 2026 10:00`` / ``Tuesday 10 March 2026 10:00`` (Dutch time)."""
    return f"{format_date(value, language)} {format_time(value)}"


def format_day(value: date, language: str) -> str:
    """A date as a short phrase in a sentence or a list: ``2 maart 2026`` / ``2 March 2026``."""
    language = _language(language)
    return f"{value.day} {_MONTHS[language][value.month - 1]} {value.year}"


def _language(language: str) -> str:
    return language if language in LANGUAGES else "nl"


# --------------------------------------------------------------------------------------------------
# Phases, talks, channels, places

PHASES: dict[str, Words] = {
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


def phase(name: str, language: str) -> str:
    return pick(PHASES.get(name, (name.replace("_", " "), name.replace("_", " "))), language)


TALK_TITLES: dict[str, Words] = {
    "checkin": ("Kort contactmoment", "Short check-in"),
    "progress_talk": ("Voortgangsgesprek re-integratie", "Progress talk (return to work)"),
    "evaluation": ("Evaluatie plan van aanpak", "Evaluation of the action plan"),
    "driegesprek": ("Driegesprek met de coach", "Three-way talk with the coach"),
}
"""The title of a talk in a calendar (SUMMARY, followed by the employee's name)."""

TALKS_PLURAL: dict[str, Words] = {
    "checkin": ("De korte contactmomenten", "The short check-ins"),
    "progress_talk": ("De voortgangsgesprekken", "The progress talks"),
    "evaluation": ("De evaluatie van het plan van aanpak", "The evaluation of the action plan"),
    "driegesprek": ("Het driegesprek met de coach", "The three-way talk with the coach"),
}
"""A series as the subject of a sentence: "De voortgangsgesprekken stoppen: ..."."""

TALKS_STOP: dict[str, Words] = {
    "checkin": ("stoppen", "stop"),
    "progress_talk": ("stoppen", "stop"),
    "evaluation": ("gaat niet door", "will not take place"),
    "driegesprek": ("gaat niet door", "will not take place"),
}

CHANNELS: dict[str, Words] = {
    "phone": ("Telefonisch", "By phone"),
    "video": ("Videogesprek", "Video call"),
    "in_person": ("In persoon", "In person"),
}
PLACES: dict[str, Words] = {
    "office": ("Op kantoor", "At the office"),
    "neutral": ("Neutrale plek", "A neutral place"),
    "home": ("Thuis", "At home"),
    "online": ("Online", "Online"),
}


# --------------------------------------------------------------------------------------------------
# Statutory steps (deadline keys)

DEADLINES: dict[str, Words] = {
    "arbodienst_report": ("ziekmelding bij de arbodienst", "sick report to the arbodienst (occupational health)"),
    "probleemanalyse": ("probleemanalyse", "probleemanalyse (problem analysis)"),
    "plan_van_aanpak": ("plan van aanpak", "plan van aanpak (action plan)"),
    "evaluation": ("evaluatie van het plan van aanpak", "evaluation of the action plan"),
    "uwv_42_week_report": ("42e-weekmelding aan UWV", "42nd-week report to UWV"),
    "eerstejaarsevaluatie": ("eerstejaarsevaluatie", "eerstejaarsevaluatie (first-year evaluation)"),
    "tweede_spoor": ("tweede spoor", "tweede spoor (second track)"),
    "actueel_oordeel": ("actueel oordeel van de bedrijfsarts", "current judgement of the company doctor"),
    "riv_to_employee": (
        "re-integratieverslag in kopie aan de medewerker",
        "copy of the re-integration report to the employee",
    ),
    "wia_application": ("WIA-aanvraag bij UWV", "WIA application to UWV"),
    "end_of_wage_continuation": ("einde van de loondoorbetaling", "end of wage continuation"),
}
"""Each statutory step by its deadline key, short enough for a subject line."""


def deadline(key: str, language: str) -> str:
    return pick(DEADLINES.get(key, ("een wettelijke stap", "a statutory step")), language)


# --------------------------------------------------------------------------------------------------
# Signals: what happened, per kind, and the facts behind them

SIGNAL_KINDS: dict[str, Words] = {
    "hours_not_increased": ("De uren gaan niet omhoog", "The hours are not going up"),
    "hours_decreasing": ("Minder uren dan eerder", "Fewer hours than before"),
    "complaints_lasting": ("De opbouw staat op de plaats", "The build-up is on hold"),
    "talk_not_recorded": ("Voortgangsgesprek niet vastgelegd", "Progress talk not recorded"),
    "deadline_overdue": ("Wettelijke termijn verstreken", "Statutory deadline passed"),
    "pace_wrong": ("Het tempo past niet", "The pace does not fit"),
    "conflict_at_work": ("Conflict op het werk", "Conflict at work"),
    "relapse": ("Terugval", "Setback"),
    "riv_gap": ("Het re-integratieverslag is niet compleet", "The re-integration report is not complete"),
}
"""What a signal of each kind says happened, in a few words (where the rules give no headline)."""


def signal_kind(kind: str, language: str) -> str:
    return pick(SIGNAL_KINDS.get(kind, ("Signaal", "Signal")), language)


_PACE: dict[str, Words] = {
    "too_fast": ("te snel", "too fast"),
    "too_slow": ("te langzaam", "too slow"),
    "ok": ("goed", "right"),
}
_SOURCE: dict[str, Words] = {
    "progress_talk": ("in het voortgangsgesprek", "in the progress talk"),
    "employee": ("door de medewerker zelf", "by the employee"),
}


def _number(value: str) -> str:
    return value.replace(".", ",") if value.replace(".", "", 1).isdigit() else value


def evidence(fact: str, value: str, on: date, language: str) -> str:
    """One fact behind a signal as a sentence: ``2 november 2026: in het voortgangsgesprek vond de
    medewerker het tempo te snel``. A fact this table does not know keeps its words, not its key."""
    nl = language != "en"
    day = format_day(on, language)
    if fact in ("hours_reported", "hours_agreed"):
        hours = _number(value) if nl else value
        if fact == "hours_reported":
            return f"week van {day}: {hours} uur gewerkt" if nl else f"week of {day}: {hours} hours worked"
        return f"week van {day}: {hours} uur afgesproken" if nl else f"week of {day}: {hours} hours agreed"
    if fact == "build_up_since":
        return f"{day}: begin van {phase(value, language)}" if nl else f"{day}: start of {phase(value, language)}"
    if fact == "complaints_lasting_days":
        return (
            f"{day}: gemeld dat klachten na het werk {value} dagen aanhouden"
            if nl
            else f"{day}: reported that complaints after work last {value} days"
        )
    if fact == "progress_talk_planned":
        return (
            f"{day}: voortgangsgesprek gepland, niet vastgelegd"
            if nl
            else f"{day}: progress talk planned, not recorded"
        )
    if fact == "deadline":
        step = _step_or_part(value, language)
        return f"{step}: uiterlijk {day}" if nl else f"{step}: due {day}"
    if fact == "riv_done":  # a part of the re-integratieverslag that came late
        step = _step_or_part(value, language)
        return f"{step}: vastgelegd op {day}" if nl else f"{step}: recorded on {day}"
    if fact == "last_evaluation":  # where a gap of more than 6 weeks between evaluations began
        return (
            f"{day}: het plan van aanpak voor het laatst vastgesteld of geëvalueerd"
            if nl
            else f"{day}: the plan van aanpak last set or evaluated"
        )
    if fact.startswith("pace_from_"):
        source = pick(_SOURCE.get(fact.removeprefix("pace_from_"), ("", "")), language)
        pace = pick(_PACE.get(value, (value, value)), language)
        return f"{day}: tempo {pace} (gemeld {source})" if nl else f"{day}: pace {pace} (said {source})"
    if fact.startswith("conflict_from_"):
        source = pick(_SOURCE.get(fact.removeprefix("conflict_from_"), ("", "")), language)
        return f"{day}: conflict op het werk gemeld {source}" if nl else f"{day}: conflict at work reported {source}"
    if fact == "relapse":
        before, _, after = value.partition("->")
        if after and after != before:
            return (
                f"{day}: terug van {phase(before, language)} naar {phase(after, language)}"
                if nl
                else f"{day}: back from {phase(before, language)} to {phase(after, language)}"
            )
        return (
            f"{day}: minder uren in {phase(before, language)}"
            if nl
            else f"{day}: fewer hours in {phase(before, language)}"
        )
    return f"{day}: {fact.replace('_', ' ')} {value.replace('_', ' ')}".rstrip()


_RIV_PARTS: dict[str, Words] = {
    "eindevaluatie": ("eindevaluatie", "final evaluation"),
    "mening_werknemer": ("mening van de werknemer", "the employee's view"),
}
"""Parts of the re-integratieverslag that are no statutory step of their own (the RIV check's evidence
names them where it names a step)."""


def _step_or_part(key: str, language: str) -> str:
    """A statutory step by its deadline key, or a part of the re-integratieverslag without one."""
    if key in DEADLINES or key not in _RIV_PARTS:
        return deadline(key, language)
    return pick(_RIV_PARTS[key], language)


_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def dates_in_words(text: str, language: str) -> str:
    """``text`` with every ISO date in it (``2028-03-02``) as people write it (``2 maart 2028``): the
    rules' texts (the RIV check's) name days as dates; a reader gets them in words."""

    def in_words(match: re.Match[str]) -> str:
        try:
            return format_day(date(int(match[1]), int(match[2]), int(match[3])), language)
        except ValueError:
            return match[0]

    return _ISO_DAY.sub(in_words, text)


def evidence_from_text(text: str, language: str) -> str:
    """A fact written as the rules' ``SignalView.evidence`` writes it (``2026-11-02 fact=value``) in
    words; text in another form is returned as it is."""
    day_text, _, rest = text.partition(" ")
    fact, sep, value = rest.partition("=")
    try:
        on = date.fromisoformat(day_text)
    except ValueError:
        return text
    if not sep:
        return text
    return evidence(fact, value, on, language)


# --------------------------------------------------------------------------------------------------
# The re-integratiedossier: its parts, the fields of its records and their values, the completeness table

DOSSIER_PARTS: dict[str, Words] = {
    "probleemanalyse": ("Probleemanalyse", "Problem analysis"),
    "plan_van_aanpak": ("Plan van aanpak", "Action plan"),
    "gespreksverslag": ("Gespreksverslagen", "Reports of talks"),
    "eerstejaarsevaluatie": ("Eerstejaarsevaluatie", "First-year evaluation"),
    "melding_42e_week": ("42e-weeksmelding", "42nd-week report"),
    "tweede_spoor": ("Tweede spoor", "Second track"),
    "arbeidsdeskundig_rapport": ("Arbeidsdeskundig rapport", "Labour expert's report"),
    "actueel_oordeel": ("Actueel oordeel bedrijfsarts", "Current judgement of the company doctor"),
    "eindevaluatie": ("Eindevaluatie", "Final evaluation"),
    "mening_werknemer": ("Mening werknemer", "Employee's view"),
    "re_integratieverslag": ("Re-integratieverslag", "Re-integration report"),
}
"""Each part of the RIV (``states.kinds.DossierPart``), as a heading."""

DOSSIER_KINDS: dict[str, Words] = {
    "signed": ("Ondertekend plan", "Signed plan"),
    "revised": ("Bijstelling", "Revision"),
    "update": ("Bijgewerkt", "Update"),
    "started": ("Start van het tweede spoor", "Start of the second track"),
    "activity": ("Activiteit", "Activity"),
    **TALK_TITLES,
}
"""What tells records of one part apart (``DossierRecord.kind``); a kind not here is not shown."""

DOSSIER_FIELDS: dict[str, Words] = {
    "limitations": ("Functionele beperkingen", "Functional limitations"),
    "capabilities": ("Benutbare mogelijkheden", "Remaining capabilities"),
    "expected_duration": ("Verwachte duur", "Expected duration"),
    "work_advice": ("Advies over werk en uren", "Advice on work and hours"),
    "hours_per_week": ("Uren per week", "Hours per week"),
    "tasks": ("Taken", "Tasks"),
    "evaluation_moments": ("Evaluatiemomenten", "Evaluation moments"),
    "contact_person": ("Contactpersoon", "Contact person"),
    "casemanager": ("Casemanager", "Case manager"),
    "employer_view": ("Visie van de werkgever", "Employer's view"),
    "employee_view": ("Visie van de werknemer", "Employee's view"),
    "place": ("Plaats", "Place"),
    "changes": ("Wat is gewijzigd en waarom", "What changed and why"),
    "signed_by_employer_on": ("Ondertekend door de werkgever op", "Signed by the employer on"),
    "signed_by_employee_on": ("Ondertekend door de werknemer op", "Signed by the employee on"),
    "went": ("Hoe het ging", "How it went"),
    "summary": ("Samenvatting", "Summary"),
    "present": ("Aanwezig", "Present"),
    "agreed": ("Afspraken", "What was agreed"),
    "next_steps": ("Volgende stappen", "Next steps"),
    "outcome": ("Uitkomst", "Outcome"),
    "decision": ("Besluit", "Decision"),
    "reason": ("Reden", "Reason"),
    "reference": ("Kenmerk", "Reference"),
    "activity": ("Activiteit", "Activity"),
    "by": ("Uitgevoerd door", "Carried out by"),
    "about": ("Over", "About"),
    "agrees": ("Akkoord", "Agrees"),
    "view": ("Mening", "View"),
    "step": ("Stap", "Step"),
}
"""The label of each field of a record's content (``DossierField.name``)."""

DOSSIER_VALUES: dict[str, dict[str, Words]] = {
    "went": {"good": ("Goed", "Good"), "mixed": ("Wisselend", "Mixed"), "difficult": ("Moeizaam", "Difficult")},
    "outcome": {
        "continue": ("Plan voortzetten", "Continue the plan"),
        "adjust_plan": ("Plan bijstellen", "Adjust the plan"),
        "second_track": ("Tweede spoor", "Second track"),
        "recovered": ("Hersteld", "Recovered"),
    },
    "agrees": {
        "true": ("Akkoord", "Agrees"),
        "false": ("Niet akkoord", "Does not agree"),
        "seen": ("Gezien, zonder oordeel", "Seen, no opinion given"),
    },
    "decision": {
        "first_track": ("Het eerste spoor gaat door", "The first track continues"),
        "second_track": ("Het tweede spoor start", "The second track starts"),
    },
    "place": PLACES,
    "step": {
        key: (words[0][:1].upper() + words[0][1:], words[1][:1].upper() + words[1][1:])
        for key, words in DEADLINES.items()
    },
}
"""The words of a field whose value is a key (``went``: ``good`` ...); other values are the words entered."""

DOSSIER_PART_STATUS: dict[str, Words] = {
    "present": ("Aanwezig", "Present"),
    "missing": ("Ontbreekt", "Missing"),
    "late": ("Te laat", "Late"),
    "to_come": ("Volgt nog", "To come"),
}
DOSSIER_STEP_STATUS: dict[str, Words] = {
    "on_time": ("Op tijd", "On time"),
    "late": ("Te laat", "Late"),
    "missing": ("Ontbreekt", "Missing"),
    "to_come": ("Volgt nog", "To come"),
}
"""The status words of the RIV's completeness table (``PartStatus.status``, ``StepStatus.status``)."""


def dossier_part(part: str, language: str) -> str:
    return pick(DOSSIER_PARTS.get(part, (part.replace("_", " "), part.replace("_", " "))), language)


def dossier_field(name: str, language: str) -> str:
    """The label of a record's field; a name this table does not know keeps its words, not its key."""
    fallback = name.replace("_", " ").capitalize()
    return pick(DOSSIER_FIELDS.get(name, (fallback, fallback)), language)


def dossier_value(name: str, text: str, language: str) -> str:
    """A field's value as a person reads it: a key in words (``good`` -> ``Goed``), a date as
    ``2 maart 2026`` (each line of a list of dates), hours with a decimal comma in Dutch; what was
    entered stays as it was."""
    words = DOSSIER_VALUES.get(name, {}).get(text)
    if words is not None:
        return pick(words, language)
    if name == "hours_per_week":
        try:
            hours = float(text)
        except ValueError:
            return text
        shown = f"{hours:g}"
        return shown.replace(".", ",") if _language(language) == "nl" else shown
    return "\n".join(_dossier_line(line, language) for line in text.split("\n"))


def _dossier_line(line: str, language: str) -> str:
    if len(line) == 10:
        try:
            return format_day(date.fromisoformat(line), language)
        except ValueError:
            return line
    return line
