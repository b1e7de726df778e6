"""The work queue's words (web.work_queue), Dutch and English; web.i18n adds them to its texts."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "queue.title": ("Te doen", "To do"),
    "queue.intro": (
        "Alles wat nu iemands actie vraagt, het dringendste eerst.",
        "Everything that needs someone's action now, most urgent first.",
    ),
    "queue.intro_mine": (
        "Wat er in jouw casussen nu te doen is, het dringendste eerst.",
        "What needs doing in your cases now, most urgent first.",
    ),
    "queue.none": ("Er is nu niets te doen.", "There is nothing to do right now."),
    "queue.caption": ("Te doen, het dringendste eerst", "To do, most urgent first"),
    "queue.col.case": ("Medewerker", "Employee"),
    "queue.col.what": ("Wat", "What"),
    "queue.col.status": ("Hoe dringend", "How urgent"),
    "queue.col.due": ("Datum", "Date"),
    "queue.col.who": ("Wie is aan zet", "Who acts"),
    "queue.col.action": ("Actie", "Action"),
    "queue.status.overdue": ("Te laat", "Overdue"),
    "queue.status.open": ("Open", "Open"),
    "queue.status.coming": ("Binnenkort", "Coming up"),
    "queue.open_form": ("Naar het formulier", "Open the form"),
    "queue.open_case": ("Naar de casus", "Open the case"),
    "queue.open_dossier": ("Naar het dossier", "Open the dossier"),
    "queue.all": ("Alles te doen bekijken", "See everything to do"),
    "queue.overview": ("Naar het overzicht van alle casussen", "To the overview of all cases"),
    "queue.more": (
        "Hier staan de {n} dringendste. Bekijk de hele lijst.",
        "These are the {n} most urgent. See the whole list.",
    ),
    "queue.actor.hr": ("HR", "HR"),
    "queue.actor.manager": ("Leidinggevende", "Manager"),
    "queue.actor.coach": ("Coach", "Coach"),
    "queue.actor.employee": ("Medewerker", "Employee"),
    "queue.declined": ("{who} heeft de uitnodiging afgeslagen: {talk}", "{who} declined the invitation: {talk}"),
    "queue.declined.employee": ("De medewerker", "The employee"),
    "queue.declined.manager": ("De leidinggevende", "The manager"),
    "queue.declined.other": ("Een genodigde", "Someone invited"),
    "queue.since": ("sinds {day}", "since {day}"),
    "retention.count.case_work_items": ("Punten op de werklijst", "Items of the work queue"),
}
