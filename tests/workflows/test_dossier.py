"""The records an accepted event makes in the re-integratiedossier (``workflows.dossier``), and what
the employee reads when HR records their copy of the re-integratieverslag."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

import states
from contracts import Notice, Person
from contracts.dossier import DossierEntry
from states import effects as fx
from states.kinds import EvaluationOutcome, Place, Role, StepKey, TalkMood
from tests.workflows.test_dispatch import CASE_ID_PATTERN, RULE_NOTATION, URL, deliver, world
from tests.workflows.test_dispatch import CASE_URL as CASE_URL_OF_WORLD
from workflows.dispatch import riv_copy_notice
from workflows.dossier import entries_for, sends_riv_copy
from workflows.people import CasePeople

CASE_ID = "case-" + "ab" * 16
CASE_URL = f"https://re-integratie.example.nl/cases/{CASE_ID}"
AT = datetime(2027, 3, 1, 14, 30, tzinfo=UTC)
HR = "carla@example.nl"
PEOPLE = CasePeople(
    manager=Person("Mark Jansen", "Mark@Example.nl"),
    employee=Person("Sanne de Vries", "sanne@example.nl"),
    casemanager=Person("Carla Visser", HR),
    coach=Person("Cor Bakker", "cor@example.nl"),
)
REPORT = states.events.TalkReport(
    present=[Role.manager, Role.employee, Role.coach, Role.buddy],  # nobody is the buddy: left out
    agreed="Uren naar 16 per week",
    next_steps="Evaluatie over zes weken",
)
ADVICE = states.events.OccupationalAdvice(
    limitations="Niet langer dan een uur achter elkaar staan",
    capabilities="Kantoorwerk, vier uur per dag",
    expected_duration="Drie maanden",
    work_advice="Opbouw in stappen van vier uur",
)


def facts(rules_version: int = 4, *, probleemanalyse_on: date | None = None) -> states.CaseFacts:
    """The facts of a case sick since 4 January 2027, as the rules decide an event on them."""
    opened = states.CaseOpened(
        actor=HR, at=AT, case_id=CASE_ID, first_sick_day=date(2027, 1, 4), contract_hours_per_week=36
    )
    made = states.open_case(opened, AT, rules_version=rules_version).facts
    made.probleemanalyse_on = probleemanalyse_on
    return made


def entries(
    event: states.Event, *, before: states.CaseFacts | None = None, key: str = "000042:x"
) -> tuple[DossierEntry, ...]:
    return entries_for(event, before=before or facts(), event_key=key, people=PEOPLE)


def fields_of(entry: DossierEntry) -> dict[str, str]:
    return {field.name: field.text for field in entry.fields}


def test_a_case_before_rules_version_4_keeps_no_records() -> None:
    event = states.ProbleemanalyseReceived(actor=HR, at=AT, advice=ADVICE)
    assert entries(event, before=facts(3)) == ()
    assert entries(states.Recovered(actor=HR, at=AT)) == ()  # no part of the RIV


def test_a_probleemanalyse_keeps_the_advice_dated_by_when_it_was_received() -> None:
    event = states.ProbleemanalyseReceived(actor=HR, at=AT, on=date(2027, 2, 26), advice=ADVICE)
    (entry,) = entries(event, key="000042:probleemanalyse_received")
    assert (entry.case_id, entry.key, entry.part, entry.kind, entry.on, entry.recorded_by, entry.recorded_at) == (
        CASE_ID,
        "probleemanalyse:000042:probleemanalyse_received",
        "probleemanalyse",
        "",
        date(2027, 2, 26),
        HR,
        AT,
    )
    assert fields_of(entry) == {
        "limitations": "Niet langer dan een uur achter elkaar staan",
        "capabilities": "Kantoorwerk, vier uur per dag",
        "expected_duration": "Drie maanden",
        "work_advice": "Opbouw in stappen van vier uur",
    }
    (bare,) = entries(states.ProbleemanalyseReceived(actor=HR, at=AT))  # received, content uploaded
    assert bare.fields == () and bare.on == date(2027, 3, 1)
    (update,) = entries(event, before=facts(probleemanalyse_on=date(2027, 2, 1)))
    assert update.kind == "update"


def test_a_signed_plan_and_its_bijstelling_in_an_evaluation() -> None:
    plan = states.PlanVanAanpak(
        hours_per_week=12.5,
        tasks=["Administratie", "Telefoon"],
        evaluation_moments=[date(2027, 4, 12), date(2027, 5, 24)],
        contact_person="Mark Jansen",
        casemanager="Carla Visser",
        employer_view="Goed haalbaar",
        employee_view="Ik wil eerst rustig beginnen",
        place=Place.home,
        signed_by_employer_on=date(2027, 3, 1),
        signed_by_employee_on=date(2027, 3, 2),
    )
    (signed,) = entries(states.PlanVanAanpakSigned(actor=HR, at=AT, plan=plan), key="000010:plan_van_aanpak_signed")
    assert (signed.key, signed.kind) == ("plan_van_aanpak:000010:plan_van_aanpak_signed", "signed")
    assert fields_of(signed) == {
        "hours_per_week": "12.5",
        "tasks": "Administratie\nTelefoon",
        "evaluation_moments": "2027-04-12\n2027-05-24",
        "place": "home",
        "contact_person": "Mark Jansen",
        "casemanager": "Carla Visser",
        "employer_view": "Goed haalbaar",
        "employee_view": "Ik wil eerst rustig beginnen",
        "signed_by_employer_on": "2027-03-01",
        "signed_by_employee_on": "2027-03-02",
    }

    revised = states.PlanVanAanpak(hours_per_week=16, changes="Meer uren: de opbouw gaat goed")
    event = states.EvaluationHeld(
        actor=HR, at=AT, outcome=EvaluationOutcome.adjust_plan, summary="Gaat goed", revised_plan=revised, report=REPORT
    )
    verslag, bijstelling = entries(event, key="000020:evaluation_held")
    assert (verslag.key, verslag.part, verslag.kind) == (
        "gespreksverslag:000020:evaluation_held",
        "gespreksverslag",
        "evaluation",
    )
    assert (bijstelling.key, bijstelling.part, bijstelling.kind) == (
        "plan_van_aanpak:000020:evaluation_held",
        "plan_van_aanpak",
        "revised",
    )
    assert fields_of(bijstelling)["changes"] == "Meer uren: de opbouw gaat goed"
    assert fields_of(bijstelling)["hours_per_week"] == "16"


def test_a_verslag_names_who_was_there_and_keeps_their_addresses_for_access() -> None:
    event = states.ProgressTalkHeld(actor="mark@example.nl", at=AT, went=TalkMood.good, summary="Prima", report=REPORT)
    (entry,) = entries(event)
    assert (entry.part, entry.kind) == ("gespreksverslag", "progress_talk")
    assert fields_of(entry) == {
        "went": "good",
        "summary": "Prima",
        "present": "Mark Jansen\nSanne de Vries\nCor Bakker",
        "agreed": "Uren naar 16 per week",
        "next_steps": "Evaluatie over zes weken",
    }
    assert entry.participants == ("mark@example.nl", "sanne@example.nl", "cor@example.nl")
    (without,) = entries(states.DriegesprekHeld(actor=HR, at=AT, summary="Afspraken gemaakt"))
    assert (without.kind, fields_of(without), without.participants) == (
        "driegesprek",
        {"summary": "Afspraken gemaakt"},
        (),
    )


@pytest.mark.parametrize(("expected", "decision"), [(True, "first_track"), (False, "second_track")])
def test_the_eerstejaarsevaluatie_keeps_its_decision_and_reason(expected: bool, decision: str) -> None:
    event = states.EerstejaarsevaluatieHeld(
        actor=HR, at=AT, structural_return_expected=expected, reason="Passend werk in eigen huis", report=REPORT
    )
    (entry,) = entries(event)
    assert entry.part == "eerstejaarsevaluatie"
    assert fields_of(entry)["decision"] == decision
    assert fields_of(entry)["reason"] == "Passend werk in eigen huis"
    assert entry.participants == ("mark@example.nl", "sanne@example.nl", "cor@example.nl")


def test_steps_of_the_riv_keep_their_content() -> None:
    (oordeel,) = entries(states.StepRecorded(actor=HR, at=AT, step=StepKey.actueel_oordeel, advice=ADVICE))
    assert oordeel.part == "actueel_oordeel" and fields_of(oordeel)["capabilities"] == "Kantoorwerk, vier uur per dag"
    melding = states.StepRecorded(
        actor=HR, at=AT, step=StepKey.uwv_42_week_report, reference="UWV-2027-0042", late_reason="Ziekte HR"
    )
    (entry,) = entries(melding)
    assert (entry.part, fields_of(entry)) == ("melding_42e_week", {"reference": "UWV-2027-0042", "reason": "Ziekte HR"})
    assert entries(states.StepRecorded(actor=HR, at=AT, step=StepKey.wia_application)) == ()
    assert entries(states.StepRecorded(actor=HR, at=AT, step=StepKey.riv_to_employee)) == ()


def test_a_step_recorded_again_is_an_update_of_that_days_record() -> None:
    before = facts()
    before.steps.append(states.facts.StepRecord(key=StepKey.uwv_42_week_report, on=date(2027, 2, 1), actor=HR, at=AT))
    later = states.StepRecorded(actor=HR, at=AT, step=StepKey.uwv_42_week_report, reference="UWV-2027-0042")
    (entry,) = entries(later, before=before)
    assert (entry.part, entry.kind, entry.on, fields_of(entry)) == (
        "melding_42e_week",
        "update",
        date(2027, 2, 1),
        {"reference": "UWV-2027-0042"},
    )


def test_the_employee_is_told_of_each_new_copy_of_the_riv_not_of_a_late_reason() -> None:
    copy = states.StepRecorded(actor=HR, at=AT, step=StepKey.riv_to_employee, reference="versie 1")
    assert sends_riv_copy(copy, facts()) and not sends_riv_copy(copy, facts(3))
    assert not sends_riv_copy(states.StepRecorded(actor=HR, at=AT, step=StepKey.actueel_oordeel), facts())
    sent = facts()
    sent.steps.append(
        states.facts.StepRecord(key=StepKey.riv_to_employee, on=date(2027, 2, 1), actor=HR, at=AT, reference="versie 1")
    )
    assert not sends_riv_copy(copy, sent)  # the same copy recorded again
    assert sends_riv_copy(replace(copy, reference="versie 2"), sent)
    assert not sends_riv_copy(replace(copy, reference="", late_reason="Vakantie"), sent)


def test_the_end_the_employees_view_and_the_second_track() -> None:
    (end,) = entries(states.events.EindevaluatieHeld(actor=HR, at=AT, summary="Afgerond", report=REPORT))
    assert end.part == "eindevaluatie" and fields_of(end)["present"] == "Mark Jansen\nSanne de Vries\nCor Bakker"
    view = states.events.EmployeeViewGiven(
        actor="sanne@example.nl",
        at=AT,
        about="plan_van_aanpak:000010:plan_van_aanpak_signed",
        agrees=False,
        view="Te snel",
    )
    (mening,) = entries(view)
    assert (mening.part, mening.about, fields_of(mening)) == (
        "mening_werknemer",
        "plan_van_aanpak:000010:plan_van_aanpak_signed",
        {"agrees": "false", "view": "Te snel"},
    )
    (seen,) = entries(states.events.EmployeeViewGiven(actor="sanne@example.nl", at=AT))
    assert seen.about == "" and fields_of(seen) == {"agrees": "seen"}
    (started,) = entries(states.TweedeSpoorStarted(actor=HR, at=AT))
    assert (started.part, started.kind) == ("tweede_spoor", "started")
    activity = states.events.TweedeSpoorActivityRecorded(
        actor=HR, at=AT, activity="Arbeidsdeskundig onderzoek", by="Bureau Werkt"
    )
    (done,) = entries(activity)
    assert (done.kind, fields_of(done)) == (
        "activity",
        {"activity": "Arbeidsdeskundig onderzoek", "by": "Bureau Werkt"},
    )


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_employee_reads_that_their_copy_is_ready_and_where(language: str) -> None:
    employee = Person("Sanne de Vries", "sanne@example.nl", language)
    planned = riv_copy_notice(key="k", case_id=CASE_ID, employee=employee, case_url=CASE_URL)
    (read,) = deliver(planned.message)
    assert read.to == "sanne@example.nl"
    expected = {
        "nl": "Je kopie van het re-integratieverslag staat klaar",
        "en": "Your copy of the re-integration report is ready",
    }
    assert read.subject == expected[language]
    assert URL.findall(read.text) == [f"{CASE_URL}/dossier"]
    assert f'href="{CASE_URL}/dossier"' in read.html
    assert ("Beste Sanne de Vries" if language == "nl" else "Dear Sanne de Vries") in read.text
    assert not CASE_ID_PATTERN.search(read.words()) and not RULE_NOTATION.search(read.words())
    assert "Content-Disposition: attachment" not in read.text  # the copy stays behind the sign-in
    (no_page,) = deliver(riv_copy_notice(key="k", case_id=CASE_ID, employee=employee, case_url=None).message)
    assert "http" not in no_page.text


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("language", ["nl", "en"])
def test_hr_reads_each_gap_of_the_riv_in_words_with_the_form_that_fills_it(language: str) -> None:
    hr = Person("Hanna Bakker", "hanna@example.nl", language)
    case = world(rules_version=4, casemanager=hr)
    case.wait(40)
    case.do(states.ProbleemanalyseReceived)
    case.wait(1)
    case.do(states.PlanVanAanpakSigned, plan=states.PlanVanAanpak(hours_per_week=0))
    gaps = [effect for effect in case.wait(7 * 82) if isinstance(effect, fx.AlertHRRivGap)]
    assert {gap.signal.key.split(":")[1] for gap in gaps} == {
        "eerstejaarsevaluatie",
        "evaluation_gap",
        "melding_42e_week",
        "tweede_spoor",
    }
    reads = {gap.signal.key.split(":")[1]: deliver(message) for gap in gaps for message in case.messages([gap])}
    for (read,) in reads.values():
        assert read.to == hr.email
        shown = read.words()
        assert not CASE_ID_PATTERN.search(shown) and not RULE_NOTATION.search(shown), shown
        assert not ISO_DATE.search(shown), shown  # the rules' dates, in words
        assert "Sanne de Vries" in read.subject
    (melding,) = reads["melding_42e_week"]
    (evaluation,) = reads["evaluation_gap"]
    if language == "nl":
        assert melding.subject == "RIV: 42e-weekmelding ontbreekt – Sanne de Vries"
        assert "Doe de melding en leg haar vast, met het kenmerk van UWV." in melding.text
        assert "loonsanctie" in melding.text
        assert evaluation.subject == "RIV: meer dan 6 weken zonder evaluatie – Sanne de Vries"
        assert "- 18 oktober 2026: het plan van aanpak voor het laatst vastgesteld of geëvalueerd" in evaluation.text
    else:
        assert melding.subject == "RIV: 42nd-week report missing – Sanne de Vries"
        assert "Make the report and record it, with UWV's reference." in melding.text
        assert evaluation.subject == "RIV: more than 6 weeks without an evaluation – Sanne de Vries"
        assert "- 18 October 2026: the plan van aanpak last set or evaluated" in evaluation.text
    assert URL.findall(melding.text) == [f"{CASE_URL_OF_WORLD}?do=step_recorded#cmd-step_recorded"]
    assert URL.findall(evaluation.text) == [f"{CASE_URL_OF_WORLD}?do=evaluation_held#cmd-evaluation_held"]


def test_a_gap_without_a_casemanager_reaches_the_products_mailbox() -> None:
    case = world(rules_version=4, casemanager=None)
    case.wait(40)
    case.do(states.ProbleemanalyseReceived)
    gaps = [effect for effect in case.wait(7 * 82) if isinstance(effect, fx.AlertHRRivGap)]
    assert gaps
    notices = [message for message in case.messages(gaps) if isinstance(message, Notice)]
    assert notices and all(n.recipients == () and n.to_mailbox_if_nobody for n in notices)
