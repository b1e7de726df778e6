"""Plain words, in Dutch and English, for what the rules name with keys: the statutory steps (deadline
keys), the kinds of signals and the facts behind them, phases, talks, channels and places; and dates
as people write them.

One table for every reader: the messages (``workflows.dispatch``, ``integrations.mail``) and the
pages (``web.words``) take their words from here, so that a key such as ``plan_van_aanpak`` or a fact
such as ``pace_from_progress_talk=too_fast`` never reaches a person as it is. Pure: no clock, no I/O
(the case workflow imports it).
"""

from __future__ import annotations

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
        return f"{deadline(value, language)}: uiterlijk {day}" if nl else f"{deadline(value, language)}: due {day}"
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
