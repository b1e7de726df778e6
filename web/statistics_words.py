"""The words of the statistics and workforce pages (web.statistics), in Dutch and English;
:mod:`web.i18n` takes them into its ``TEXTS``."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "nav.statistics": ("Verzuimcijfers", "Absence figures"),
    "nav.workforce": ("Personeelsbestand", "Workforce register"),
    "stats.title": ("Verzuimcijfers", "Absence figures"),
    "stats.intro": (
        "Berekend volgens de Standaard Berekening van Ziekteverzuim (1996), zoals het CBS die volgt: in "
        "kalenderdagen, deeltijders naar rato van hun contracturen ({hours:g} uur is een volledige week), "
        "gedeeltelijk verzuim naar het deel van de uren dat iemand niet werkt. Een terugval binnen 4 weken is een "
        "nieuwe melding. Ingetrokken ziekmeldingen tellen niet mee.",
        "Computed by the Dutch standard for absence figures (1996), as CBS follows it: in calendar days, "
        "part-timers in proportion to their contract hours ({hours:g} hours is a full week), partial absence by "
        "the share of hours someone does not work. A relapse within 4 weeks is a new report. Withdrawn reports do "
        "not count.",
    ),
    "stats.filters": ("Kies de periode", "Choose the period"),
    "stats.from": ("Van maand", "From month"),
    "stats.to": ("Tot en met maand", "Up to and including month"),
    "stats.month_hint": ("Zoals 2026-01", "Such as 2026-01"),
    "stats.granularity": ("Per", "Per"),
    "stats.granularity.month": ("maand", "month"),
    "stats.granularity.quarter": ("kwartaal", "quarter"),
    "stats.org_unit": ("Afdeling", "Org unit"),
    "stats.all_units": ("Alle afdelingen", "All org units"),
    "stats.show": ("Toon", "Show"),
    "stats.download": ("Download als CSV", "Download as CSV"),
    "stats.no_register": (
        "Voor een deel van de maanden staat er geen personeelsbestand: daar ontbreken het verzuimpercentage en de "
        "meldingsfrequentie. Vul het personeelsbestand aan.",
        "For some months there is no workforce register: the absence percentage and the report frequency are "
        "missing there. Complete the workforce register.",
    ),
    "stats.unknown": ("onbekend", "unknown"),
    "stats.total": ("Totaal", "Total"),
    "stats.period": ("Periode", "Period"),
    "stats.percentage": ("Verzuimpercentage", "Absence percentage"),
    "stats.percentage_chart": ("Verzuimpercentage per afdeling", "Absence percentage per org unit"),
    "stats.percentage_hint": (
        "Zieke fte-dagen gedeeld door beschikbare fte-dagen, in procenten.",
        "Sick FTE-days divided by available FTE-days, as a percentage.",
    ),
    "stats.key_figures": ("Kerncijfers", "Key figures"),
    "stats.sick_fte_days": ("Zieke fte-dagen", "Sick FTE-days"),
    "stats.available_fte_days": ("Beschikbare fte-dagen", "Available FTE-days"),
    "stats.reports": ("Ziekmeldingen", "Sick reports"),
    "stats.average_headcount": ("Gemiddeld aantal medewerkers", "Average headcount"),
    "stats.frequency": ("Meldingsfrequentie (per jaar)", "Report frequency (per year)"),
    "stats.ended_reports": ("Hersteld", "Recovered"),
    "stats.average_duration": ("Gemiddelde verzuimduur (dagen)", "Average length of absence (days)"),
    "stats.recovered_6_weeks": ("Hersteld binnen 6 weken", "Recovered within 6 weeks"),
    "stats.recovered_6_months": ("Hersteld binnen 6 maanden", "Recovered within 6 months"),
    "stats.recovered_1_year": ("Hersteld binnen 1 jaar", "Recovered within 1 year"),
    "stats.second_track_starts": ("Tweede spoor gestart", "Second track started"),
    "stats.phases_chart": (
        "Zieke medewerkers per fase, aan het eind van de periode",
        "Sick employees per phase, at the end of the period",
    ),
    "stats.steps_chart": (
        "Wettelijke stappen: op tijd, te laat of niet gedaan",
        "Statutory steps: on time, late or not done",
    ),
    "stats.steps_hint": (
        "Per periode de stappen waarvan de termijn erin viel.",
        "Per period the steps whose deadline fell in it.",
    ),
    "stats.steps_on_time": ("Op tijd", "On time"),
    "stats.steps_late": ("Te laat", "Late"),
    "stats.steps_missing": ("Niet gedaan", "Not done"),
    "stats.table_of": ("De cijfers van deze grafiek", "The numbers of this chart"),
    "stats.bad_month": (
        "De maand '{value}' bij '{field}' is geen maand. Schrijf jaar en maand als 2026-01.",
        "The month '{value}' in '{field}' is not a month. Write year and month as 2026-01.",
    ),
    "stats.order": (
        "De beginmaand ligt na de eindmaand. Kies een beginmaand vóór de eindmaand.",
        "The first month comes after the last. Choose a first month before the last.",
    ),
    "stats.too_long": (
        "Kies een periode van hoogstens {months} maanden.",
        "Choose a period of at most {months} months.",
    ),
    "stats.bad_granularity": ("Kies per maand of per kwartaal.", "Choose per month or per quarter."),
    "workforce.title": ("Personeelsbestand", "Workforce register"),
    "workforce.intro": (
        "Per maand en afdeling het aantal medewerkers en de formatie in fte: de noemer van de verzuimcijfers. "
        "Een bestand vervangt de maanden die erin staan; klopt één rij niet, dan wordt niets ingelezen.",
        "Per month and org unit the headcount and the staff in FTE: what the absence figures divide by. A file "
        "replaces the months it names; if one row is wrong, nothing is imported.",
    ),
    "workforce.format": (
        "Een CSV-bestand met de kopregel month,org_unit,headcount,fte (puntkomma mag ook) en per rij bijvoorbeeld "
        "2026-01,Logistiek,42,37.5.",
        "A CSV file with the header month,org_unit,headcount,fte (semicolons work too) and rows such as "
        "2026-01,Logistics,42,37.5.",
    ),
    "workforce.file": ("CSV-bestand", "CSV file"),
    "workforce.upload": ("Inlezen", "Import"),
    "workforce.no_file": ("Kies een CSV-bestand om in te lezen.", "Choose a CSV file to import."),
    "workforce.rejected": (
        "Er is niets ingelezen: {count} rij(en) kloppen niet. Verbeter ze en lees het bestand opnieuw in.",
        "Nothing was imported: {count} row(s) are wrong. Correct them and import the file again.",
    ),
    "workforce.row": ("Rij {row}", "Row {row}"),
    "workforce.column": ("kolom {column}", "column {column}"),
    "workforce.done": (
        "Ingelezen: {rows} rijen voor {months}. Die maanden zijn vervangen.",
        "Imported: {rows} rows for {months}. Those months were replaced.",
    ),
    "workforce.current": ("Wat er nu in staat", "What it holds now"),
    "workforce.empty": ("Het personeelsbestand is nog leeg.", "The workforce register is still empty."),
    "workforce.month": ("Maand", "Month"),
    "workforce.headcount": ("Medewerkers", "Headcount"),
    "workforce.fte": ("Fte", "FTE"),
}
"""Phases are named by :data:`web.words.PHASES`."""
