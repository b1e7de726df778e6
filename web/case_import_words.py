"""The words of the import of running cases (web/templates/case_import.html), Dutch and English;
web.i18n takes them into its table."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "nav.import": ("Lopende zaken inbrengen", "Bring in running cases"),
    "import.title": ("Lopende zaken inbrengen", "Bring in running cases"),
    "import.intro": (
        "Breng zaken in die al liepen voordat u dit programma gebruikte: met de eerste ziektedag, eerdere "
        "ziekteperiodes en de stappen die al gedaan zijn, elk met de datum. Gedane stappen geven geen "
        "herinnering of waarschuwing; stappen die niet gedaan zijn en te laat, wel.",
        "Bring in cases that were running before you used this product: with the first sick day, earlier "
        "sick periods and the steps already done, each with its date. Steps done give no reminder or "
        "warning; steps not done and overdue do.",
    ),
    "import.file": ("CSV-bestand", "CSV file"),
    "import.file_hint": (
        "UTF-8, kolommen gescheiden door komma of puntkomma, de kolomnamen op de eerste regel. "
        "Een voorbeeld staat in docs/import/running-cases.csv.",
        "UTF-8, columns separated by commas or semicolons, the column names on the first line. "
        "There is a sample in docs/import/running-cases.csv.",
    ),
    "import.invitations": ("Uitnodigingen voor de gesprekken die komen", "Invitations for the talks to come"),
    "import.invitations.all": ("Meteen versturen", "Send them at once"),
    "import.invitations.hold": (
        "Nog niets versturen: ik bevestig elke zaak eerst",
        "Send nothing yet: I confirm each case first",
    ),
    "import.submit": ("Inbrengen", "Bring in"),
    "import.report": ("Resultaat", "Result"),
    "import.counts": (
        "Geopend: {started}. Al eerder ingebracht: {already}. Met een fout: {refused}.",
        "Opened: {started}. Brought in before: {already}. With an error: {refused}.",
    ),
    "import.refused_hint": (
        "Van een rij met een fout is niets geopend. Verbeter de genoemde kolommen en breng het bestand "
        "opnieuw in: wat al geopend is, wordt niet nog eens geopend.",
        "Nothing of a row with an error was opened. Correct the columns named and bring the file in "
        "again: what was opened already is not opened twice.",
    ),
    "import.col.row": ("Rij", "Row"),
    "import.col.ref": ("Kenmerk", "Reference"),
    "import.col.status": ("Uitkomst", "Outcome"),
    "import.col.what": ("Toelichting", "Details"),
    "import.status.started": ("geopend", "opened"),
    "import.status.held": ("(uitnodigingen wachten op u)", "(invitations wait for you)"),
    "import.status.already_imported": ("al ingebracht", "brought in before"),
    "import.status.refused": ("fout: niets geopend", "error: nothing opened"),
    "import.started_hint": ("De zaak loopt.", "The case is running."),
    "import.already_hint": (
        "Deze zaak is al eerder ingebracht; er is niets opnieuw geopend.",
        "This case was brought in before; nothing was opened again.",
    ),
    "import.columns": ("Kolommen", "Columns"),
    "import.columns_hint": (
        "Datums als JJJJ-MM-DD. Meer evaluaties of eerdere periodes in één cel, met een spatie ertussen; "
        "een eerdere periode is begin/eind (2025-10-01/2025-10-20). Laat een stap die niet gedaan is leeg.",
        "Dates as YYYY-MM-DD. Several evaluations or earlier periods in one cell, separated by a space; an "
        "earlier period is start/end (2025-10-01/2025-10-20). Leave a step that was not done empty.",
    ),
    "import.required": ("verplicht", "required"),
    "import.held": ("Zaken die op uw bevestiging wachten", "Cases waiting for your confirmation"),
    "import.held_none": (
        "Er wachten geen ingebrachte zaken op uw bevestiging.",
        "No case brought in waits for your confirmation.",
    ),
    "import.held_hint": (
        "Van deze zaken zijn nog geen uitnodigingen verstuurd. Controleer de zaak en verstuur ze dan.",
        "These cases have sent no invitations yet. Check the case, then send them.",
    ),
    "import.release": ("Uitnodigingen versturen", "Send the invitations"),
    "import.case_held": ("Uitnodigingen wachten op uw bevestiging", "Invitations wait for your confirmation"),
    "import.case_held_hint": (
        "Deze zaak is ingebracht terwijl hij al liep. Er zijn nog geen uitnodigingen voor de gesprekken "
        "verstuurd. Controleer de stappen en datums hieronder en verstuur ze dan.",
        "This case was brought in while it was already running. No invitations for the talks have been "
        "sent yet. Check the steps and dates below, then send them.",
    ),
    "import.released": ("De uitnodigingen zijn verstuurd.", "The invitations were sent."),
}
