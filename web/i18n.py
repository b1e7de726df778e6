"""User-facing text in Dutch (the default) and English, looked up by key.

A missing English text falls back to Dutch; a missing key shows the key, so a gap is visible.
"""

from __future__ import annotations

from typing import Callable

from fastapi import Request

LANGUAGES = ("nl", "en")

TEXTS: dict[str, tuple[str, str]] = {
    # frame
    "app.name": ("reintegratie", "reintegratie"),
    "nav.home": ("Overzicht", "Overview"),
    "nav.new_case": ("Ziekmelding", "Sick report"),
    "nav.outbox": ("Verzonden berichten", "Sent messages"),
    "nav.logout": ("Afmelden", "Sign out"),
    "nav.language": ("English", "Nederlands"),
    "nav.signed_in_as": ("Aangemeld als", "Signed in as"),
    "role.hr": ("HR", "HR"),
    "role.manager": ("leidinggevende", "manager"),
    "role.coach": ("coach", "coach"),
    "role.employee": ("medewerker", "employee"),
    "role.buddy": ("buddy", "buddy"),
    "role.auditor": ("auditor (alleen lezen)", "auditor (read only)"),
    "demo.marker": ("Demo-account: alleen voor de lokale proefomgeving.", "Demo account: for the local trial stack only."),
    # sign-in
    "login.title": ("Aanmelden", "Sign in"),
    "login.email": ("E-mailadres", "E-mail address"),
    "login.password": ("Wachtwoord", "Password"),
    "login.submit": ("Aanmelden", "Sign in"),
    "login.bad": ("E-mailadres of wachtwoord klopt niet.", "E-mail address or password is not right."),
    "login.throttled": ("Te veel pogingen. Probeer het over een kwartier opnieuw.", "Too many attempts. Try again in a quarter of an hour."),
    "login.no_totp": ("Voor deze rol is tweestapsverificatie verplicht, maar die is niet ingesteld. Vraag de beheerder.", "This role requires two-step verification, which is not set up. Ask the administrator."),
    "totp.title": ("Tweestapsverificatie", "Two-step verification"),
    "totp.code": ("Code uit je authenticator-app", "Code from your authenticator app"),
    "totp.hint": ("Zes cijfers; de code wisselt elke 30 seconden.", "Six digits; the code changes every 30 seconds."),
    "totp.submit": ("Bevestigen", "Confirm"),
    "totp.bad": ("Deze code klopt niet of is al gebruikt. Wacht op de volgende code.", "This code is not right or was used already. Wait for the next code."),
    "totp.expired": ("Je aanmelding is verlopen. Begin opnieuw.", "Your sign-in expired. Start again."),
    "csrf.title": ("Formulier verlopen", "Form expired"),
    "csrf.body": ("Dit formulier is verlopen of kwam niet van deze site. Open de pagina opnieuw en probeer het nog eens.", "This form expired or did not come from this site. Open the page again and retry."),
    "forbidden.title": ("Geen toegang", "No access"),
    "forbidden.body": ("Je rol geeft geen toegang tot deze pagina.", "Your role gives no access to this page."),
    "notfound.title": ("Niet gevonden", "Not found"),
    "notfound.body": ("Deze pagina of casus bestaat niet, of je mag hem niet zien.", "This page or case does not exist, or you may not see it."),
    # home
    "home.title": ("Overzicht", "Overview"),
    "home.cases": ("Casussen", "Cases"),
    "home.my_cases": ("Mijn casussen", "My cases"),
    "home.none": ("Er zijn nog geen casussen die je mag zien.", "There are no cases you may see yet."),
    "home.new_case": ("Nieuwe ziekmelding", "New sick report"),
    "col.employee": ("Medewerker", "Employee"),
    "col.manager": ("Leidinggevende", "Manager"),
    "col.first_sick_day": ("Eerste ziektedag", "First sick day"),
    "col.phase": ("Fase", "Phase"),
    "col.next_deadline": ("Volgende termijn", "Next deadline"),
    # intake
    "intake.title": ("Ziekmelding: nieuwe casus", "Sick report: new case"),
    "intake.no_medical": ("Vul hier nooit medische informatie in: geen diagnose, oorzaak of behandeling. Die hoort alleen bij de bedrijfsarts.", "Never enter medical information here: no diagnosis, cause or treatment. That belongs with the company doctor only."),
    "intake.field_no_medical": ("Geen medische informatie.", "No medical information."),
    "intake.errors": ("Niet alles is goed ingevuld. Kijk bij de velden met een melding.", "Not everything is filled in correctly. See the fields with a message."),
    "intake.employee": ("Medewerker", "Employee"),
    "intake.manager": ("Leidinggevende", "Manager"),
    "intake.casemanager": ("Casemanager (optioneel)", "Casemanager (optional)"),
    "intake.absence": ("Verzuim en contract", "Absence and contract"),
    "intake.contact": ("Contact tijdens ziekte (de medewerker kiest)", "Contact while sick (the employee chooses)"),
    "intake.team": ("Team", "Team"),
    "intake.support": ("Buddy en coach (optioneel)", "Buddy and coach (optional)"),
    "intake.questions": ("Drie toegestane vragen", "Three allowed questions"),
    "intake.questions_hint": ("Alleen ja of nee; nooit welke vangnetregeling of wat er gebeurde.", "Only yes or no; never which safety-net provision or what happened."),
    "intake.submit": ("Casus starten", "Start case"),
    "f.name": ("Naam", "Name"),
    "f.email": ("E-mailadres", "E-mail address"),
    "f.language": ("Taal van berichten", "Language of messages"),
    "f.employee_phone": ("Telefoon tijdens ziekte", "Phone while sick"),
    "f.first_sick_day": ("Eerste ziektedag", "First sick day"),
    "f.first_sick_day.hint": ("Vandaag of eerder.", "Today or earlier."),
    "f.expected_duration_weeks": ("Verwachte duur in weken (als bekend)", "Expected duration in weeks (if known)"),
    "f.contract_hours_per_week": ("Contracturen per week", "Contract hours per week"),
    "f.contract_days_per_week": ("Werkdagen per week", "Working days per week"),
    "f.org_unit": ("Afdelingscode (optioneel)", "Department code (optional)"),
    "f.org_unit.hint": ("Letters, cijfers, punt, streepje.", "Letters, digits, dot, dash."),
    "f.team": ("Teamnaam (optioneel)", "Team name (optional)"),
    "f.team_notice_to": ("Teamleden of teamadres voor het korte bericht aan het team", "Team members or team address for the short notice to the team"),
    "f.team_notice_to.hint": ("E-mailadressen, gescheiden door komma's of regels. Het bericht noemt nooit iets over de gezondheid.", "E-mail addresses, separated by commas or lines. The notice never says anything about health."),
    "f.contact.weekday": ("Dag", "Day"),
    "f.contact.time": ("Tijd", "Time"),
    "f.contact.channel": ("Hoe", "How"),
    "f.contact.place": ("Waar", "Where"),
    "f.contact.location": ("Adres, neutrale plek of videolink", "Address, neutral place or video link"),
    "f.buddy": ("Buddy-kandidaat", "Buddy candidate"),
    "f.buddy.hint": ("Alleen in overleg met de medewerker; die geeft zelf toestemming.", "Only in consultation with the employee, who gives consent."),
    "f.coach": ("Coach", "Coach"),
    "f.arbodienst_email": ("E-mailadres van de arbodienst", "E-mail address of the occupational health service"),
    "f.work_accident": ("Is het een arbeidsongeval?", "Is it a work accident?"),
    "f.third_party_liable": ("Is een derde aansprakelijk?", "Is a third party liable?"),
    "f.safety_net_applies": ("Valt de medewerker onder een vangnetregeling?", "Does a safety-net provision apply?"),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    "unknown": ("nog niet bekend", "not known yet"),
    "weekday.0": ("maandag", "Monday"),
    "weekday.1": ("dinsdag", "Tuesday"),
    "weekday.2": ("woensdag", "Wednesday"),
    "weekday.3": ("donderdag", "Thursday"),
    "weekday.4": ("vrijdag", "Friday"),
    "channel.phone": ("telefoon", "phone"),
    "channel.video": ("video", "video"),
    "channel.in_person": ("persoonlijk", "in person"),
    "place.online": ("op afstand (telefoon of video)", "remote (phone or video)"),
    "place.office": ("op kantoor", "at the office"),
    "place.neutral": ("neutrale plek", "neutral place"),
    "place.home": ("bij de medewerker thuis", "at the employee's home"),
    "lang.nl": ("Nederlands", "Dutch"),
    "lang.en": ("Engels", "English"),
    # intake errors
    "err.required": ("Vul dit veld in.", "Fill in this field."),
    "err.email": ("Dit is geen geldig e-mailadres.", "This is not a valid e-mail address."),
    "err.emails": ("Een van deze adressen is geen geldig e-mailadres.", "One of these addresses is not a valid e-mail address."),
    "err.date": ("Geef een datum als JJJJ-MM-DD.", "Give a date as YYYY-MM-DD."),
    "err.sick_day": ("Kies vandaag of een eerdere dag, niet meer dan 104 weken geleden.", "Choose today or an earlier day, not more than 104 weeks ago."),
    "err.chars": ("Dit teken is hier niet toegestaan.", "This character is not allowed here."),
    "err.phone": ("Geef een telefoonnummer met alleen cijfers, spaties, +, - of haakjes.", "Give a phone number with only digits, spaces, +, - or brackets."),
    "err.number": ("Geef een getal.", "Give a number."),
    "err.range": ("Dit getal valt buiten wat kan.", "This number is out of range."),
    "err.time": ("Geef een tijd tussen 07:00 en 19:59, als UU:MM.", "Give a time between 07:00 and 19:59, as HH:MM."),
    "err.choice": ("Kies een van de mogelijkheden.", "Choose one of the options."),
    "err.too_many": ("Te veel adressen of personen.", "Too many addresses or people."),
    "err.same_person": ("Dit moet iemand anders zijn dan de medewerker.", "This must be someone other than the employee."),
    "err.hours_per_day": ("Meer dan 12 uur per dag: controleer uren en dagen.", "More than 12 hours a day: check hours and days."),
    "err.place_channel": ("Persoonlijk contact hoort op een plek; telefoon of video is op afstand.", "In-person contact needs a place; phone or video is remote."),
    "err.location_needed": ("Zeg waar de neutrale plek is.", "Say where the neutral place is."),
    "err.person_pair": ("Vul naam en e-mailadres allebei in, of laat beide leeg.", "Fill in both name and e-mail address, or leave both empty."),
    "err.too_long_text": ("Dit is te lang.", "This is too long."),
    "err.invalid": ("Dit klopt niet.", "This is not right."),
    # started
    "started.title": ("Casus gestart", "Case started"),
    "started.body": ("De casus loopt. De leidinggevende en de medewerker krijgen een uitnodiging voor een kort wekelijks contactmoment.", "The case is running. The manager and the employee receive an invitation for a short weekly contact moment."),
    "started.status": ("Status (JSON)", "Status (JSON)"),
    "recent.title": ("Eerder hersteld: dezelfde casus voortzetten?", "Recovered recently: continue the same case?"),
    "recent.body": ("Deze medewerker is minder dan 4 weken geleden hersteld gemeld. Dan telt de nieuwe ziekte mee met de vorige (samentelling): de termijnen lopen door.", "This employee was reported recovered less than 4 weeks ago. The new absence then adds up with the previous one: the deadlines carry on."),
    "recent.continue_soon": ("Voortzetten van de vorige casus kan hier binnenkort; tot dan kun je toch een nieuwe casus starten.", "Continuing the previous case will be possible here soon; until then you can start a new case anyway."),
    "recent.new_anyway": ("Toch een nieuwe casus starten", "Start a new case anyway"),
}


def translator(language: str) -> Callable[[str], str]:
    index = 1 if language == "en" else 0

    def t(key: str) -> str:
        pair = TEXTS.get(key)
        if pair is None:
            return key
        return pair[index] or pair[0]

    return t


def request_language(request: Request) -> str:
    """The switch in the session wins; then the signed-in person's language; Dutch by default."""
    chosen = request.session.get("lang") if "session" in request.scope else None
    if chosen in LANGUAGES:
        return str(chosen)
    principal = getattr(request.state, "principal", None)
    if principal is not None and principal.account.language in LANGUAGES:
        return str(principal.account.language)
    return "nl"
