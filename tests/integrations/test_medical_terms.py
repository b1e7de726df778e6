"""The medical-term check: it finds diagnoses, conditions, medicines and treatments as they were
written, in Dutch and English, also in compounds the list marks; and it leaves ordinary words alone,
including the traps the word list names (a word inside a word, a short code that is a common word)."""

from __future__ import annotations

import pytest

from integrations.medical_terms import medical_terms_in, parse_terms, quoted


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Ze heeft een burn-out.", ["burn-out"]),
        ("Burn out, BURNOUT en Burn-Out", ["Burn out", "BURNOUT"]),  # one term: the first spelling, each once
        ("burn-outklachten sinds maart", ["burn-outklachten"]),
        ("depressie; ze is depressief", ["depressie", "depressief"]),
        ("Depression and anxiety disorder", ["Depression", "anxiety disorder"]),
        ("een hernia, een nekhernia en twee rughernia's", ["hernia", "nekhernia", "rughernia"]),
        ("borstkanker, longkanker; cancer", ["borstkanker", "longkanker", "cancer"]),
        ("diabetes type 2", ["diabetes"]),
        ("migraineaanvallen, migraine", ["migraineaanvallen", "migraine"]),
        ("angststoornis en PTSS", ["angststoornis", "PTSS"]),
        ("PTSD after the accident", ["PTSD"]),
        ("griep, covid-19 en long covid", ["griep", "covid", "long covid"]),
        ("Long-COVID", ["Long-COVID"]),
        ("fysiotherapie twee keer per week", ["fysiotherapie"]),
        ("chemotherapie en bestralingen", ["chemotherapie", "bestralingen"]),
        ("slikt antidepressiva en oxazepam", ["antidepressiva", "oxazepam"]),
        ("Paracetamol of ibuprofen", ["Paracetamol", "ibuprofen"]),
        ("twee operaties, een knieoperatie", ["operaties", "knieoperatie"]),
        ("bij de psycholoog, onder behandeling", ["psycholoog", "onder behandeling"]),
        ("Reumatoïde artritis", ["Reumatoïde", "artritis"]),  # accents: "reuma*"
        ("codeïne", ["codeïne"]),
        ("rugklachten en hoofdpijn", ["rugklachten", "hoofdpijn"]),
        ("zwanger", ["zwanger"]),
        ("fysio\u00adtherapie", ["fysiotherapie"]),  # a soft hyphen from a PDF, dropped in what is shown
        ("ziekte   van\nParkinson", ["ziekte van Parkinson"]),  # a phrase across spaces, shown with one
        ("Parkinson's disease", ["Parkinson's disease"]),
        ("tumoren, psychosen", ["tumoren", "psychosen"]),  # plural endings
    ],
)
def test_finds_the_terms_as_written(text: str, found: list[str]) -> None:
    assert medical_terms_in(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Hij komt terug op de afdeling; er is een goede kans op herstel.",  # rug in terug; KANS
        "Als het lukt, belt ze me dinsdag.",  # ALS, ME
        "She can add tasks in MS Teams.",  # ADD, MS
        "De coöperatie en de afdeling Operations; operationeel werk.",  # operatie inside a word
        "Vertrouwensbreuk en contractbreuk besproken; klantklachten afhandelen.",  # not *breuk, not *klachten
        "Arbeidstherapeutisch werken, therapeutisch werken vanaf maandag; therapeutic work.",
        "Psychologische veiligheid in het team; fysiologie.",  # not psycho*, not fysio*
        "Spreekuur bij de bedrijfsarts; de arts adviseert 4 uur per dag.",
        "Werkt in Ziekenhuis Rijnstate, afdeling Oncologie.",  # a workplace
        "De aanvraag is in behandeling; opgenomen in het plan; scan van het formulier.",
        "Vocational rehabilitation with a re-integratiebureau.",
        "Kan 4 uur per dag werken, niet tillen boven 10 kg, korte pauzes; stress en tijdsdruk vermijden.",
        "Tijdens corona werkte hij thuis.",
        "Lithium batterijen in het magazijn.",
        "Zwangerschapsverlof tot juni.",
        "Het officiële dementi van de directie.",
        "",
    ],
)
def test_leaves_ordinary_words_alone(text: str) -> None:
    assert medical_terms_in(text) == []


def test_the_list_loads_and_marks_are_bounded() -> None:
    (term,) = parse_terms(["*kanker  # borstkanker, longkanker"])
    assert term.words == ("kanker",) and term.as_end and not term.as_start
    (phrase,) = parse_terms(["burn-out*"])
    assert phrase.words == ("burn", "out") and phrase.as_start  # a phrase's last word may be short
    with pytest.raises(ValueError, match="line 2: '\\*rug': a compound mark"):
        parse_terms(["# a comment", "*rug"])
    with pytest.raises(ValueError, match="holds no word"):
        parse_terms(["- -"])


def test_quoted_for_a_message() -> None:
    assert quoted(["burn-out", "oxazepam"]) == "'burn-out', 'oxazepam'"
