"""The case page's history, the auditor's history and the printable dossier in plain words (issue 18,
finding 6): what the case recorded (deadline keys, signals and their facts, series kinds, ISO
moments) is shown as sentences, and no case id, rule key or rule notation reaches the page."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import states
from integrations.store import AuditEntry
from states.kinds import Pace, Phase, TalkMood
from tests.states.helpers import at, ev, opened, run_until
from web import words
from workflows.describe import effect_detail, event_detail, snake

from .conftest import WebApp

CASE_ID = re.compile(r"case-[0-9a-f]{32}")
RULE_NOTATION = re.compile(r"\w=\w|->|\b[a-z]+_[a-z_0-9]+\b|\b\d{4}-\d{2}-\d{2}T")


def recorded() -> list[tuple[str, dict[str, str]]]:
    """(action, detail) as a case in build-up with a fast pace and then a relapse records them."""
    decision = opened(date(2026, 9, 7), at(2026, 9, 7, 9), case_id="case-" + "ab" * 16)
    facts, now = decision.facts, at(2026, 9, 7, 9)
    facts.rules_version = 3
    steps: list[tuple[str, dict[str, str]]] = [(snake(type(e).__name__), effect_detail(e)) for e in decision.effects]

    def do(event: object) -> None:
        nonlocal facts
        made = states.decide(facts, event, now)
        facts = made.facts
        steps.append((snake(type(event).__name__), event_detail(event)))
        steps.extend((snake(type(e).__name__), effect_detail(e)) for e in made.effects)

    facts, effects = run_until(facts, now + timedelta(days=10), now)
    steps.extend((snake(type(e).__name__), effect_detail(e)) for e in effects)
    now += timedelta(days=10)
    do(ev(states.ProbleemanalyseReceived, now))
    do(ev(states.BuildUpStarted, now, schedule=[states.BuildUpStep(from_date=date(2026, 9, 21), hours_per_week=8)]))
    facts, effects = run_until(facts, now + timedelta(days=21), now)
    steps.extend((snake(type(e).__name__), effect_detail(e)) for e in effects)
    now += timedelta(days=21)
    do(ev(states.ProgressTalkHeld, now, went=TalkMood.mixed, pace=Pace.too_fast))
    do(ev(states.Relapse, now, back_to=Phase.probleemanalyse))
    return steps


def test_every_recorded_step_reads_as_words() -> None:
    steps = recorded()
    actions = {action for action, _detail in steps}
    assert {"remind_h_r", "alert_h_r_overdue", "loop_in_coach", "cancel_series", "notify_team", "relapse"} <= actions
    for language in ("nl", "en"):
        for action, detail in steps:
            sentence = words.action(action, detail, language)
            assert not RULE_NOTATION.search(sentence), (action, sentence)
            assert not CASE_ID.search(sentence), sentence
    reminder = next(detail for action, detail in steps if action == "remind_h_r")
    assert words.action("remind_h_r", reminder, "nl").startswith("HR herinnerd aan een termijn (stap: ")
    signal = next(
        detail for action, detail in steps if action == "loop_in_coach" and "relapse" in detail["signal.kind"]
    )
    assert "signaal: terugval" in words.action("loop_in_coach", signal, "nl")


def _table(page: str, table_id: str) -> str:
    match = re.search(rf'<table id="{table_id}">(.*?)</table>', page, flags=re.S)
    assert match, f"no table {table_id}"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


async def test_the_pages_show_the_history_in_words(web: WebApp) -> None:
    hr = await web.user("hr")
    case_id = await web.case(employee="sanne@example.nl", manager="mark@example.nl", phase="probleemanalyse")
    moment = datetime(2026, 10, 1, 9, tzinfo=UTC)
    for number, (action, detail) in enumerate(recorded()):
        await web.store.append_audit(
            AuditEntry(case_id, f"{number:06d}:{action}", moment + timedelta(minutes=number), "system", action, detail)
        )
    await web.store.append_audit(
        AuditEntry(case_id, "999999:mail_refused", moment, "system", "mail_refused", {"addresses": "x@example.nl"})
    )
    http = await web.signed_in(hr)
    pages = {
        "case": ((await http.get(f"/cases/{case_id}")).text, "history"),
        "history": ((await http.get(f"/cases/{case_id}/history")).text, "full-history"),
        "dossier": ((await http.get(f"/cases/{case_id}/dossier")).text, "full-history"),
    }
    for name, (page, table_id) in pages.items():
        shown = _table(page, table_id)
        assert "plan van aanpak" in shown and "terugval" in shown, name
        assert not CASE_ID.search(shown), (name, CASE_ID.search(shown))
        assert not RULE_NOTATION.search(shown), (name, RULE_NOTATION.search(shown))
        assert "deadline key" not in shown and "signal.key" not in shown, name
    dossier = re.sub(r'href="[^"]*"', "", pages["dossier"][0])
    assert not CASE_ID.search(html.unescape(re.sub(r"<[^>]+>", " ", dossier))), "the dossier names the case by person"


async def test_a_link_from_a_message_opens_the_form_it_asks_for(web: WebApp) -> None:
    """Issue 18, finding 5: a reminder links to ``/cases/<id>?do=<command>#cmd-<command>``; the page
    opens that form (and only that one), so the reader lands where they act."""
    hr = await web.user("hr")
    case_id = await web.case(employee="sanne@example.nl", manager="mark@example.nl", phase="probleemanalyse")
    http = await web.signed_in(hr)
    page = (await http.get(f"/cases/{case_id}?do=step_recorded")).text
    assert '<details class="command" id="cmd-step_recorded" open>' in page
    assert len(re.findall(r'<details class="command" id="cmd-[a-z_]+" open>', page)) == 1
    plain = (await http.get(f"/cases/{case_id}")).text
    assert '<details class="command" id="cmd-step_recorded">' in plain
