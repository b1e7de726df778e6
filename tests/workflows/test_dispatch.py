"""What people read (issue 18, findings 1, 5, 6, 7, 9, 10 and 13): the rules' effects of realistic
cases, turned into messages by ``workflows.dispatch`` and written out by ``integrations.mail`` exactly
as the ``deliver`` activity does it (each recipient in their own language, the calendar per language),
then parsed back and read as their recipients would."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import icalendar
import pytest

import states
from activities.case_activities import _participant, _texts
from contracts import CaseIntake, ContactPreference, Notice, Person, SeriesMessage
from integrations.calendar import CalendarSeries, Participant
from integrations.invitations import plan
from integrations.mail import invitation_message, notice_message
from integrations.smtp import message_bytes
from states import effects as fx
from states.clock import local_date
from states.kinds import Channel, Pace, Phase, Place, TalkMood
from tests.states.helpers import at, ev, run_until
from workflows.dispatch import contact_preference, messages_for
from workflows.people import CasePeople

FROM = "verzuim@example.nl"
CASE_ID = "case-" + "4f" * 16
CASE_URL = f"https://re-integratie.example.nl/cases/{CASE_ID}"
EMPLOYEE = Person("Sanne de Vries", "sanne@example.nl")
MANAGER = Person("Mark Jansen", "mark@example.nl")
HR = Person("Hanna Bakker", "hanna@example.nl")
COACH = Person("Cora Smith", "cora@example.nl", "en")
TEAM = "team-inkoop@example.nl"
CAFE = "Café De Zwaan, Oudegracht 12"
OFFICE = "Kantoor Utrecht, Stationsplein 1, 3e verdieping"

CASE_ID_PATTERN = re.compile(r"case-[0-9a-f]{32}")
URL = re.compile(r"https?://\S+")
RULE_NOTATION = re.compile(r"\w=\w|->|\b[a-z]+_[a-z_0-9]+\b")
"""``pace_from_progress_talk=too_fast``, ``relapse=opbouw->probleemanalyse``, ``plan_van_aanpak``."""


@dataclass(frozen=True)
class Read:
    """One message as its recipient reads it."""

    to: str
    subject: str
    text: str
    html: str
    calendar: icalendar.Event | None = None
    method: str | None = None

    def words(self) -> str:
        """What the reader sees, links left out (a link names the case page, and so the case id)."""
        shown = "\n".join([self.subject, self.text])
        if self.calendar is not None:
            shown += "\n" + "\n".join(
                str(self.calendar.get(name, "")) for name in ("SUMMARY", "LOCATION", "DESCRIPTION")
            )
        return URL.sub("<link>", shown)


@dataclass
class World:
    """A case driven through the rules: the effects it decided and the messages they became."""

    intake: CaseIntake
    facts: states.CaseFacts
    now: datetime
    effects: list[Any] = field(default_factory=list)
    workplace: str = OFFICE

    @property
    def people(self) -> CasePeople:
        return CasePeople.from_intake(self.intake)

    def contact(self) -> ContactPreference:
        return contact_preference(self.facts.preference)

    def do(self, event_type: type, **fields: Any) -> list[Any]:
        decision = states.decide(self.facts, ev(event_type, self.now, **fields), self.now)
        self.facts = decision.facts
        self.effects += decision.effects
        return list(decision.effects)

    def wait(self, days: int) -> list[Any]:
        until = self.now + timedelta(days=days)
        self.facts, effects = run_until(self.facts, until, self.now)
        self.effects += effects
        self.now = until
        return effects

    def messages(self, effects: list[Any] | None = None) -> list[SeriesMessage | Notice]:
        found: list[SeriesMessage | Notice] = []
        for effect in self.effects if effects is None else effects:
            found += [
                planned.message
                for planned in messages_for(
                    effect,
                    facts=self.facts,
                    people=self.people,
                    contact=self.contact(),
                    case_url=self.intake.case_url,
                    now=self.now,
                    workplace=self.workplace,
                )
            ]
        return found

    def read(self, effects: list[Any] | None = None) -> list[Read]:
        return [read for message in self.messages(effects) for read in deliver(message)]


def world(*, rules_version: int = 3, first_sick_day: date = date(2026, 9, 7), **intake: Any) -> World:
    fields: dict[str, Any] = {
        "case_id": CASE_ID,
        "employee": EMPLOYEE,
        "manager": MANAGER,
        "first_sick_day": first_sick_day,
        "reported_by": HR.email,
        "casemanager": HR,
        "coach": COACH,
        "team_notice_to": (TEAM,),
        "contact": ContactPreference(channel=Channel.in_person, place=Place.neutral, location=CAFE),
        "case_url": CASE_URL,
        "workplace": OFFICE,
    }
    fields.update(intake)
    made = CaseIntake(**fields)
    contact = made.contact
    preference = states.ContactPreference(
        weekday=contact.weekday,
        hour=contact.hour,
        minute=contact.minute,
        channel=contact.channel,
        place=contact.place,
        location=contact.location,
    )
    start = at(first_sick_day.year, first_sick_day.month, first_sick_day.day, 9)
    opening = states.CaseOpened(
        actor=HR.email,
        at=start,
        case_id=CASE_ID,
        first_sick_day=first_sick_day,
        contract_hours_per_week=36.0,
        preference=preference,
    )
    decision = states.open_case(opening, start, rules_version=rules_version)
    return World(made, decision.facts, start, list(decision.effects), made.workplace)


def deliver(message: SeriesMessage | Notice) -> list[Read]:
    """The mail each recipient gets, as the ``deliver`` activity builds it, parsed back from its bytes."""
    built: list[EmailMessage] = []
    if isinstance(message, SeriesMessage):
        series = CalendarSeries(
            uid=message.uid,
            sequence=message.sequence,
            kind=message.kind,
            summary=message.summary,
            location=message.location,
            start=message.start,
            duration_minutes=message.duration_minutes,
            interval_weeks=message.interval_weeks,
            until=message.until,
            organizer=Participant(email=FROM, name=message.organizer_name),
            attendees=tuple(_participant(person) for person in message.attendees),
            description=message.description,
        )
        outgoing = plan(
            series,
            change=message.change,
            dtstamp=message.dtstamp,
            texts=_texts(message),
            previous_start=message.previous_start,
        )
        for item in outgoing:
            built.append(
                invitation_message(
                    item.series or series,
                    method=item.method,
                    calendar=item.calendar,
                    recipient=item.recipient,
                    mail_from=FROM,
                    message_key=f"{message.key}:{item.recipient.email}",
                    change=item.change,
                    note=item.note,
                    previous_start=item.previous_start,
                )
            )
    else:
        recipients = [_participant(person) for person in message.recipients]
        for person in recipients or [Participant(email=FROM, name="Verzuimbegeleiding")]:
            context = {**message.context, **message.localized.get(person.language, {}), **message.dates}
            built.append(
                notice_message(
                    kind=message.kind,
                    recipient=person,
                    mail_from=FROM,
                    message_key=f"{message.key}:{person.email}",
                    context=context,
                )
            )
    return [_parse(message_bytes(item)) for item in built]


def _parse(data: bytes) -> Read:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    event = method = None
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            method = str(calendar["METHOD"])
            event = calendar.walk("VEVENT")[0]
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    return Read(
        to=message["To"].addresses[0].addr_spec,
        subject=str(message["Subject"]).strip(),  # a folded subject keeps the fold's space
        text=plain.get_content().replace("\r\n", "\n"),
        html=html.get_content().replace("\r\n", "\n"),
        calendar=event,
        method=method,
    )


def of_kind(reads: list[Read], words: str) -> list[Read]:
    return [read for read in reads if words in read.subject]


# ------------------------------------------------------------------------------ the worlds we read


def building_up(**intake: Any) -> World:
    """Sick on Monday 7 September 2026; probleemanalyse after 10 days; a build-up of 8, then 16 hours."""
    case = world(**intake)
    case.wait(10)
    case.do(states.ProbleemanalyseReceived)
    case.wait(3)
    today = local_date(case.now)
    case.do(
        states.BuildUpStarted,
        schedule=[
            states.BuildUpStep(from_date=today + timedelta(days=3), hours_per_week=8),
            states.BuildUpStep(from_date=today + timedelta(days=17), hours_per_week=16),
        ],
    )
    case.wait(20)
    return case


# ------------------------------------------------------------------------ finding 1: the team notice


def test_the_team_hears_after_a_relapse_that_the_colleague_is_not_present_and_nothing_more() -> None:
    case = building_up()
    effects = case.do(states.Relapse, back_to=Phase.probleemanalyse)
    (notice,) = [read for read in case.read(effects) if read.to == TEAM]
    assert notice.subject == "Sanne de Vries: vanaf zaterdag 10 oktober 2026 voorlopig niet aanwezig"
    assert "Vanaf zaterdag 10 oktober 2026 is Sanne de Vries voorlopig niet aanwezig." in notice.text
    assert "Vragen over het werk en de planning stel je aan Mark Jansen." in notice.text
    for wrong in ("Goed nieuws", "goed nieuws", "begint weer", "0 uur", "terugval", "Terugval", "ziek"):
        assert wrong not in notice.text and wrong not in notice.subject, wrong


def test_a_team_notice_of_a_build_up_step_or_therapeutic_work_says_present_for_hours_never_begins_again() -> None:
    case = building_up()
    steps = of_kind([read for read in case.read() if read.to == TEAM], "aanwezig")
    assert [read.subject for read in steps] == [
        "Sanne de Vries: vanaf woensdag 23 september 2026 8 uur per week aanwezig",
        "Sanne de Vries: vanaf woensdag 7 oktober 2026 16 uur per week aanwezig",
    ]
    therapeutic = world()
    therapeutic.wait(10)
    therapeutic.do(states.ProbleemanalyseReceived)
    therapeutic.do(states.TherapeuticWorkStarted, hours_per_week=4, on=local_date(therapeutic.now) + timedelta(days=7))
    therapeutic.wait(10)
    reads = [read for read in therapeutic.read() if read.to == TEAM]
    assert reads, "the team hears of the therapeutic work"
    for read in [*steps, *reads]:
        assert "begint weer" not in read.text + read.subject and "Goed nieuws" not in read.text
        assert "aanwezig" in read.text and "uur per week" in read.text
        assert "Vragen over het werk en de planning stel je aan Mark Jansen, niet aan Sanne de Vries." in read.text


def test_an_english_team_reads_english() -> None:
    case = building_up()
    effects = case.do(states.Relapse, back_to=Phase.probleemanalyse)
    message = next(m for m in case.messages(effects) if isinstance(m, Notice) and m.kind == "team_notice")
    (read,) = deliver(replace(message, recipients=(Person("Team", TEAM, "en"),)))
    assert read.subject == "Sanne de Vries: not at work for now, from Saturday 10 October 2026"
    assert "From Saturday 10 October 2026, Sanne de Vries is not at work for the time being." in read.text
    assert "Good news" not in read.text


# ------------------------------------------------- finding 6: no ids, keys or rule notation; subjects whole


def test_no_message_shows_a_case_id_a_rule_key_or_a_cut_subject() -> None:
    case = building_up()
    case.do(states.ProgressTalkHeld, went=TalkMood.mixed, pace=Pace.too_fast)
    case.wait(2)
    case.do(states.Relapse, back_to=Phase.probleemanalyse)
    case.wait(60)
    reads = case.read()
    kinds = {read.subject.split(":")[0] for read in reads}
    assert {"Herinnering", "Te laat", "Reminder", "Uitnodiging", "Invitation", "Geannuleerd"} & kinds
    for read in reads:
        shown = read.words()
        assert not CASE_ID_PATTERN.search(shown), (read.subject, shown)
        assert not RULE_NOTATION.search(shown), (read.subject, RULE_NOTATION.search(shown))
        assert "…" not in read.subject and len(read.subject) <= 120, read.subject
        assert "(" not in read.subject or read.subject.count("(") == read.subject.count(")"), read.subject
        assert "Sanne de Vries" in read.subject + read.text, read.subject


def test_a_long_name_shortens_only_the_name_in_a_subject() -> None:
    long_name = "Anouk Maria Josephina de Graaf-van den Heuvel tot Oud-Beijerland en Zuid-Holland"
    case = world(employee=Person(long_name, "anouk@example.nl"))
    reads = [read for read in case.read() if read.subject.startswith("Herinnering")]
    assert reads
    for read in reads:
        assert read.subject.startswith("Herinnering: ziekmelding bij de arbodienst voor Anouk Maria")
        assert read.subject.endswith(", uiterlijk zondag 13 september 2026"), read.subject
        assert long_name in read.text  # the body names the employee in full


# ----------------------------------------------------------------------------------- finding 5: links


def test_every_message_that_asks_something_links_to_the_page_where_it_is_done() -> None:
    case = building_up()
    case.do(states.ProgressTalkHeld, went=TalkMood.mixed, pace=Pace.too_fast)
    reads = case.read()

    def links(subject_start: str) -> list[str]:
        found = [URL.findall(read.text) for read in reads if read.subject.startswith(subject_start)]
        assert found, subject_start
        return [link for each in found for link in each]

    assert f"{CASE_URL}?do=step_recorded#cmd-step_recorded" in links("Herinnering: ziekmelding bij de arbodienst")
    assert f"{CASE_URL}?do=plan_van_aanpak_signed#cmd-plan_van_aanpak_signed" in links("Te laat: plan van aanpak")
    assert f"{CASE_URL}?do=buddy_consent#cmd-buddy_consent" in links("Wil je een buddy")
    assert f"{CASE_URL}#signals-title" in links("Signaal voor Sanne de Vries")
    assert f"{CASE_URL}#signals-title" in links("Signal for Sanne de Vries")  # the coach reads English
    assert CASE_URL in links("De eerste dag van Sanne de Vries")
    invitations = [read for read in reads if read.calendar is not None]
    assert invitations
    for read in invitations:
        assert CASE_URL in str(read.calendar["DESCRIPTION"]), read.subject
        assert CASE_URL in read.text and f'href="{CASE_URL}"' in read.html, read.subject
    progress = [read for read in invitations if "Voortgangsgesprek" in read.subject]
    assert progress and all(
        f"{CASE_URL}?do=progress_talk_held#cmd-progress_talk_held" in read.text for read in progress
    )


def test_without_a_public_url_messages_have_no_broken_links() -> None:
    case = world(case_url=None)
    for read in case.read():
        assert "http" not in read.text and "#cmd" not in read.text
        assert read.calendar is None or "DESCRIPTION" not in read.calendar


def test_the_manager_who_did_not_record_a_talk_is_asked_with_a_link_to_the_form() -> None:
    reminder = fx.RemindManagerToRecord(
        key="k",
        case_id=CASE_ID,
        series_id="s",
        occurrence=date(2026, 10, 12),
        record_by=date(2026, 10, 16),
        text_nl="",
        text_en="",
    )
    case = world()
    (read,) = deliver(case.messages([reminder])[0])
    assert read.to == MANAGER.email
    assert read.subject == "Leg het voortgangsgesprek met Sanne de Vries vast"
    assert "van maandag 12 oktober 2026 is nog niet vastgelegd" in read.text
    assert f"{CASE_URL}?do=progress_talk_held#cmd-progress_talk_held" in read.text


def test_a_moved_deadline_is_one_notice_with_both_dates() -> None:
    moved = fx.DeadlineMoved(
        key="k",
        case_id=CASE_ID,
        deadline_key="plan_van_aanpak",
        was=date(2026, 12, 7),
        now_due=date(2026, 12, 4),
        overdue=False,
        text_nl="",
        text_en="",
    )
    (read,) = deliver(world().messages([moved])[0])
    assert read.subject == "Verschoven: plan van aanpak voor Sanne de Vries, nu uiterlijk vrijdag 4 december 2026"
    assert "niet meer uiterlijk maandag 7 december 2026, maar uiterlijk vrijdag 4 december 2026" in read.text
    assert f"{CASE_URL}?do=plan_van_aanpak_signed#cmd-plan_van_aanpak_signed" in read.text


# -------------------------------------------------------------------------- finding 7: the headline


def test_a_relapse_without_any_build_up_is_reported_as_a_relapse_not_as_stagnation() -> None:
    case = world()
    case.wait(10)
    case.do(states.ProbleemanalyseReceived)
    case.do(states.TherapeuticWorkStarted, hours_per_week=4)
    case.wait(7)
    effects = case.do(states.Relapse, back_to=Phase.probleemanalyse)
    signals = [read for read in case.read(effects) if "Signaal" in read.subject or "Signal" in read.subject]
    assert {read.to for read in signals} == {COACH.email, HR.email}
    for read in signals:
        assert "stagn" not in (read.subject + read.text).lower()
    dutch = next(read for read in signals if read.to == HR.email)
    assert dutch.subject == "Signaal voor Sanne de Vries – Terugval: werkt voorlopig niet"
    assert "- 24 september 2026: terug van arbeidstherapeutisch werken naar probleemanalyse" in dutch.text


def test_each_kind_of_signal_says_what_happened() -> None:
    case = building_up()
    effects = case.do(states.ProgressTalkHeld, went=TalkMood.mixed, pace=Pace.too_fast)
    (coach,) = [read for read in case.read(effects) if read.to == COACH.email and read.calendar is None]
    assert coach.subject == "Signal for Sanne de Vries – The pace is too fast"
    assert "- 10 October 2026: pace too fast (said in the progress talk)" in coach.text


# ---------------------------------------------------------------- finding 9: workplace and contact place


def test_the_first_day_names_the_workplace_never_the_contact_place() -> None:
    case = building_up()
    (read,) = of_kind(case.read(), "De eerste dag")
    assert "Werkplek: " + OFFICE in read.text
    assert "Zwaan" not in read.text + read.subject
    talks = [read for read in case.read() if read.calendar is not None]
    assert talks and all(str(read.calendar["LOCATION"]) == CAFE for read in talks)


def test_without_a_workplace_the_first_day_names_no_place_rather_than_the_cafe() -> None:
    case = building_up(workplace="")
    (read,) = of_kind(case.read(), "De eerste dag")
    assert "Zwaan" not in read.text and "Neutrale plek" not in read.text and "Werkplek" not in read.text


def test_a_new_contact_location_reaches_the_open_talks_from_rules_version_3() -> None:
    case = building_up()
    pref = case.facts.preference
    new = states.ContactPreference(
        weekday=pref.weekday,
        hour=pref.hour,
        minute=pref.minute,
        channel=pref.channel,
        place=pref.place,
        location="Bibliotheek Utrecht, Neude 11",
    )
    effects = case.do(states.PreferenceChanged, preference=new)
    updates = [read for read in case.read(effects) if read.calendar is not None]
    assert updates and {read.method for read in updates} == {"REQUEST"}
    for read in updates:
        assert str(read.calendar["LOCATION"]) == "Bibliotheek Utrecht, Neude 11"
        assert read.subject.startswith(("Gewijzigd", "Updated"))
    dutch = next(read for read in updates if read.to == MANAGER.email)
    assert "Sanne de Vries koos een andere dag, tijd of plek voor de gesprekken." in dutch.text
    # a case under rules version 2 decides as it always did: the location alone changes nothing
    old = building_up(rules_version=2)
    assert old.do(states.PreferenceChanged, preference=new) == []


# ----------------------------------------------------------------- finding 10: the reader's language


def test_an_english_attendee_reads_english_in_subject_body_summary_and_location() -> None:
    case = world(
        employee=Person("Sanne de Vries", "sanne@example.nl", "en"),
        contact=ContactPreference(channel=Channel.phone, place=Place.online),
    )
    reads = [read for read in case.read() if read.calendar is not None and read.subject.startswith(("Uitn", "Invit"))]
    english = next(read for read in reads if read.to == "sanne@example.nl")
    dutch = next(read for read in reads if read.to == MANAGER.email)
    assert english.subject == "Invitation: Short check-in: Sanne de Vries"
    assert str(english.calendar["SUMMARY"]) == "Short check-in: Sanne de Vries"
    assert str(english.calendar["LOCATION"]) == "By phone"
    assert "Where: By phone" in english.text and "Telefonisch" not in english.text
    assert str(english.calendar["DESCRIPTION"]).startswith(f"Case: {CASE_URL}")
    assert dutch.subject == "Uitnodiging: Kort contactmoment: Sanne de Vries"
    assert str(dutch.calendar["SUMMARY"]) == "Kort contactmoment: Sanne de Vries"
    assert str(dutch.calendar["LOCATION"]) == "Telefonisch"
    # one series: the same UID and SEQUENCE for both languages
    assert english.calendar["UID"] == dutch.calendar["UID"]
    assert english.calendar["SEQUENCE"] == dutch.calendar["SEQUENCE"]


# ------------------------------------------------------------------- finding 13: why, and what changed


def test_a_cancellation_says_why() -> None:
    case = building_up()
    effects = case.do(states.Recovered, full=True)
    stops = [read for read in case.read(effects) if read.calendar is not None and read.to == MANAGER.email]
    assert stops
    for read in stops:
        assert "De voortgangsgesprekken stoppen: Sanne de Vries is hersteld." in read.text, read.text
    english = [read for read in case.read(effects) if read.to == COACH.email and read.calendar is not None]
    assert all("Sanne de Vries has recovered." in read.text for read in english)


def test_an_update_says_what_moved_from_when_to_when() -> None:
    case = building_up(employee=Person("Sanne de Vries", "sanne@example.nl", "en"))
    pref = case.facts.preference
    later = states.ContactPreference(
        weekday=3, hour=14, minute=30, channel=pref.channel, place=pref.place, location=pref.location
    )
    effects = case.do(states.PreferenceChanged, preference=later)
    updates = [read for read in case.read(effects) if read.to == MANAGER.email and read.subject.startswith("Gewijzigd")]
    progress = next(read for read in updates if "Voortgangsgesprek" in read.subject)
    assert "is gewijzigd: verplaatst van maandag 10:00 naar donderdag 14:30." in progress.text, progress.text
    english = next(read for read in case.read(effects) if read.to == "sanne@example.nl")
    assert english.subject == "Updated: Progress talk (return to work): Sanne de Vries"
    assert "has changed: moved from Monday 10:00 to Thursday 14:30." in english.text, english.text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_word_of_a_notice_follows_its_reader(language: str) -> None:
    case = building_up(casemanager=Person("Hanna Bakker", "hanna@example.nl", language))
    reminders = [read for read in case.read() if read.to == "hanna@example.nl" and read.calendar is None]
    assert reminders
    for read in reminders:
        if language == "en":
            assert not re.search(r"\b(Beste|uiterlijk|dossier|voor Sanne)\b", read.text + read.subject), read.subject
        else:
            assert not re.search(r"\b(Dear|due|the case)\b", read.text + read.subject), read.subject
