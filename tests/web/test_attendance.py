"""Answers to invitations in the web app: who accepted shows on the case page, in the case API and in
the history; HR answers a proposal of another time in one click. A real case runs behind it (the dev
server and a worker); the replies reach it as the mailbox reader hands them over (worker.replies)."""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta
from typing import Any

import httpx
import icalendar

from tests.itip_replies import counter_mail, thunderbird_reply
from tests.support import SmtpSink
from tests.web.conftest import WebApp, csrf_of, eventually
from worker.replies import reply_handler

MARK = ("Mark Jansen", "mark.attendance@example.nl")
SANNE = ("Sanne de Vries", "sanne.attendance@example.nl")


def _invitation(sink: SmtpSink, recipient: str) -> icalendar.Event | None:
    for _sender, recipients, raw in sink.messages:
        if recipient not in recipients:
            continue
        message = email.message_from_bytes(raw, policy=email.policy.default)
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
                if str(calendar["METHOD"]) == "REQUEST":
                    event: icalendar.Event = calendar.walk("VEVENT")[0]
                    return event
    return None


async def test_answers_show_on_the_case_page_in_the_api_and_the_history_and_hr_answers_a_proposal(
    live_web: WebApp, smtp_sink: SmtpSink
) -> None:
    hr_account = await live_web.user("hr", totp=True)
    hr_api = await live_web.token_client(hr_account)
    hr_page = await live_web.signed_in(hr_account)
    manager_api = await live_web.token_client(await live_web.user("manager", MARK[1]))
    created = await hr_api.post(
        "/api/cases",
        json={
            "employee": {"name": SANNE[0], "email": SANNE[1]},
            "manager": {"name": MARK[0], "email": MARK[1]},
            "first_sick_day": (date.today() - timedelta(days=3)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]

    async def invitation() -> icalendar.Event | None:
        return _invitation(smtp_sink, MARK[1])

    event = await eventually(invitation, lambda found: found is not None)
    uid, start, sequence = str(event["UID"]), event.decoded("DTSTART"), int(event.get("SEQUENCE", 0))

    async def detail(http: httpx.AsyncClient) -> dict[str, Any]:
        answer = await http.get(f"/api/cases/{case_id}")
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    before = await eventually(lambda: detail(hr_api), lambda body: body["attendance"])
    assert {(p["name"], p["answer"], p["text"]) for p in before["attendance"][0]["people"]} == {
        (MARK[0], "no_answer", "nog geen antwoord"),
        (SANNE[0], "no_answer", "nog geen antwoord"),
    }

    handler = reply_handler(live_web.app.state.sessionmaker, live_web.app.state.temporal)
    accepted = thunderbird_reply(
        uid=uid,
        attendee=MARK,
        partstat="ACCEPTED",
        organizer=live_web.settings.mail_from,
        summary="x",
        start=start,
        sequence=sequence,
    )
    assert (await handler.handle_bytes(accepted)).done

    body = await detail(manager_api)
    people = {p["name"]: (p["answer"], p["text"]) for p in body["attendance"][0]["people"]}
    assert people == {MARK[0]: ("accepted", "geaccepteerd"), SANNE[0]: ("no_answer", "nog geen antwoord")}
    assert body["attendance"][0]["talk"] == "Kort contactmoment"
    page = await hr_page.get(f"/cases/{case_id}")
    section = page.text.split('id="attendance"', 1)[1].split("</table>", 1)[0]
    assert f"<td>{MARK[0]}</td><td>geaccepteerd</td>" in section
    history = await eventually(
        lambda: hr_api.get(f"/api/cases/{case_id}/timeline"),
        lambda answer: any(e["action"] == "invitation_replied" for e in answer.json()["entries"]),
    )
    (entry,) = [e for e in history.json()["entries"] if e["action"] == "invitation_replied"]
    assert entry["actor"] == MARK[1] and entry["source"] in ("workflow+store", "workflow")
    assert entry["what"].startswith(f"{MARK[0]} heeft de uitnodiging voor het korte contactmoment (")
    assert entry["what"].endswith(") geaccepteerd")

    # Sanne proposes another time; HR sees it with two buttons, the manager does not.
    proposed = start + timedelta(days=1, hours=4)
    counter = counter_mail(
        uid=uid,
        attendee=SANNE,
        organizer=live_web.settings.mail_from,
        summary="x",
        proposed_start=proposed,
        sequence=sequence,
    )
    assert (await handler.handle_bytes(counter)).done
    (proposal,) = (await detail(hr_api))["proposals"]
    assert (proposal["name"], proposal["status"]) == (SANNE[0], "open")
    assert (await detail(manager_api))["proposals"] == []
    page = await hr_page.get(f"/cases/{case_id}")
    assert f'action="/cases/{case_id}/proposals/{proposal["id"]}/accept"' in page.text
    refused = await manager_api.post(f"/api/cases/{case_id}/proposals/{proposal['id']}/accept")
    assert refused.status_code == 403
    wrong = await hr_api.post(f"/api/cases/{case_id}/proposals/{proposal['id']}/maybe")
    assert wrong.status_code == 422

    clicked = await hr_page.post(
        f"/cases/{case_id}/proposals/{proposal['id']}/accept", data={"csrf_token": csrf_of(page.text)}
    )
    assert clicked.status_code == 303 and clicked.headers["location"].endswith("?proposal=accepted#proposals")
    assert (await detail(hr_api))["proposals"] == []
    again = await hr_api.post(f"/api/cases/{case_id}/proposals/{proposal['id']}/decline")
    assert again.status_code == 404  # answered already
    history = await eventually(
        lambda: hr_api.get(f"/api/cases/{case_id}/timeline"),
        lambda answer: any(e["action"] == "counter_answered" for e in answer.json()["entries"]),
    )
    (decided,) = [e for e in history.json()["entries"] if e["action"] == "counter_answered"]
    assert decided["what"].startswith(f"Voorstel van {SANNE[0]} om het korte contactmoment op ")
    assert decided["what"].endswith(": geaccepteerd")
