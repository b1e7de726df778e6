"""The work queue, "te doen" (issue 21), on the home page, its own page and the API, for each role:
HR and the auditor every case's items (the auditor without forms), a manager and a coach their own
cases' (never another manager's), an employee only what they do themselves, a buddy none. Served
from the read model: the cases here have no workflow at all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from contracts import WorkItem
from integrations.accounts import NewAccount
from integrations.db import run_write
from integrations.store import CaseRecord, write_progress
from tests.web.conftest import WebApp
from web.case_data import today


@dataclass(frozen=True)
class World:
    users: dict[str, NewAccount]
    other_manager: NewAccount
    first: str
    second: str


def _visible_text(html: str) -> str:
    """The page as read: no tags, no attributes."""
    return re.sub(r"<[^>]+>", " ", html)


async def _case(web: WebApp, case_id: str, name: str, people: dict[str, str], items: list[WorkItem]) -> None:
    record = CaseRecord(
        case_id=case_id,
        employee_name=name,
        employee_email=people["employee"],
        manager_name=f"Manager of {name}",
        manager_email=people["manager"],
        org_unit=None,
        first_sick_day=date(2026, 1, 5),
        phase="probleemanalyse",
        open_signals=sum(item.kind == "signal" for item in items),
    )
    roles = {role: [email] for role, email in people.items()}
    await run_write(web.app.state.sessionmaker, lambda c: write_progress(c, record, roles, [], items))


async def _world(web: WebApp) -> World:
    day = today()
    users = {role: await web.user(role) for role in ("hr", "auditor", "manager", "coach", "employee", "buddy")}
    other_manager = await web.user("manager")
    first = "case-" + "a" * 32
    second = "case-" + "b" * 32
    await _case(
        web,
        first,
        "Sanne de Vries",
        {
            "employee": users["employee"].account.email,
            "manager": users["manager"].account.email,
            "coach": users["coach"].account.email,
            "buddy": users["buddy"].account.email,
        },
        [
            WorkItem(
                kind="step",
                key="probleemanalyse",
                label_nl="Probleemanalyse",
                label_en="Probleemanalyse (problem analysis)",
                actor_role="hr",
                due=day - timedelta(days=3),
                command="probleemanalyse_received",
            ),
            WorkItem(
                kind="signal",
                key="hours_not_increased:2026-11-02",
                label_nl="De opbouw staat stil",
                label_en="The build-up has stalled",
                actor_role="coach",
                command="signal_resolved",
                since=day - timedelta(days=10),
            ),
            WorkItem(
                kind="talk",
                key="series-1:2026-11-30",
                label_nl="Voortgangsgesprek vastleggen",
                label_en="Record the progress talk",
                actor_role="manager",
                due=day - timedelta(days=1),
                command="progress_talk_held",
            ),
            WorkItem(
                kind="riv_gap",
                key="riv_gap:mening_werknemer",
                label_nl="RIV: mening werknemer ontbreekt",
                label_en="RIV: employee's view missing",
                actor_role="employee",
                command="employee_view_given",
                since=day - timedelta(days=2),
            ),
        ],
    )
    await _case(
        web,
        second,
        "Jan Bakker",
        {"employee": "jan@example.nl", "manager": other_manager.account.email},
        [
            WorkItem(
                kind="step",
                key="evaluation",
                label_nl="Evaluatie van het plan van aanpak",
                label_en="Evaluation of the plan van aanpak",
                actor_role="manager",
                due=day + timedelta(days=2),
                command="evaluation_held",
            )
        ],
    )
    return World(users, other_manager, first, second)


async def test_hr_home_shows_the_queue_first_most_urgent_first_with_links_to_the_forms(web: WebApp) -> None:
    world = await _world(web)
    first = world.first
    http = await web.signed_in(world.users["hr"])
    page = (await http.get("/")).text
    assert page.index('id="work-queue"') < page.index("<h1>")  # the queue comes first
    text = _visible_text(page)
    assert "Te doen" in text and "Te laat" in text and "Probleemanalyse" in text
    assert "Jan Bakker" in text and "Sanne de Vries" in text
    assert "Leidinggevende (Manager of Jan Bakker)" in text
    assert f'href="/cases/{first}?do=probleemanalyse_received#cmd-probleemanalyse_received"' in page
    assert f'href="/cases/{first}/dossier#views"' in page  # the employee's view is given on the dossier page
    assert 'href="/cases"' in page  # the whole overview
    # most urgent first: the overdue step, what is open (signal, talk, RIV gap), then what comes
    rows = re.findall(r'<tr class="queue-(\w+)">', page)
    assert rows == ["overdue", "open", "open", "open", "coming"]
    # plain words: no keys or ids on the page
    for internal in ("hours_not_increased", "series-1", "riv_gap", "mening_werknemer", "probleemanalyse_received"):
        assert internal not in text


async def test_the_queue_in_english(web: WebApp) -> None:
    world = await _world(web)
    http = await web.signed_in(world.users["hr"])
    await http.get("/language/en?next=/work-queue")
    text = _visible_text((await http.get("/work-queue")).text)
    assert "To do" in text and "Overdue" in text and "The build-up has stalled" in text and "Open the form" in text


async def test_a_manager_sees_only_their_own_cases_and_a_coach_theirs(web: WebApp) -> None:
    world = await _world(web)
    users = world.users
    first, second = world.first, world.second
    manager = _visible_text((await (await web.signed_in(users["manager"])).get("/")).text)
    assert "Sanne de Vries" in manager and "Voortgangsgesprek vastleggen" in manager
    assert "Jan Bakker" not in manager
    other = (await (await web.signed_in(world.other_manager)).get("/work-queue")).text
    assert "Jan Bakker" in other and "Sanne de Vries" not in other and str(first) not in other
    assert f"/cases/{second}?do=evaluation_held#cmd-evaluation_held" in other  # a manager records the evaluation
    coach_page = (await (await web.signed_in(users["coach"])).get("/")).text
    assert "De opbouw staat stil" in coach_page and "Jan Bakker" not in coach_page
    assert f"/cases/{first}?do=signal_resolved#cmd-signal_resolved" in coach_page
    # the coach may not record the probleemanalyse: that line opens the case
    assert "probleemanalyse_received" not in coach_page


async def test_the_auditor_reads_the_queue_without_forms_the_employee_sees_their_own_and_a_buddy_none(
    web: WebApp,
) -> None:
    world = await _world(web)
    users = world.users
    first = world.first
    auditor = (await (await web.signed_in(users["auditor"])).get("/work-queue")).text
    assert "Sanne de Vries" in auditor and "Jan Bakker" in auditor
    assert "?do=" not in auditor and "#views" not in auditor
    employee = _visible_text((await (await web.signed_in(users["employee"])).get("/")).text)
    assert "RIV: mening werknemer ontbreekt" in employee
    assert "Probleemanalyse" not in employee and "De opbouw staat stil" not in employee
    buddy = (await (await web.signed_in(users["buddy"])).get("/")).text
    assert 'id="work-queue"' not in buddy
    buddy_api = await (await web.token_client(users["buddy"])).get("/api/work-queue")
    assert buddy_api.status_code == 200 and buddy_api.json()["items"] == []
    assert first  # the first case exists for everyone above


async def test_the_api_answers_the_queue_and_401_without_sign_in(web: WebApp) -> None:
    world = await _world(web)
    users = world.users
    answer = await web.client().get("/api/work-queue")
    assert answer.status_code == 401
    hr = (await (await web.token_client(users["hr"])).get("/api/work-queue")).json()
    assert hr["today"] == today().isoformat()
    assert [(item["employee_name"], item["kind"], item["status"]) for item in hr["items"]] == [
        ("Sanne de Vries", "step", "overdue"),
        ("Sanne de Vries", "signal", "open"),
        ("Sanne de Vries", "riv_gap", "open"),
        ("Sanne de Vries", "talk", "open"),
        ("Jan Bakker", "step", "coming"),
    ]
    assert hr["items"][0]["url"].endswith("?do=probleemanalyse_received#cmd-probleemanalyse_received")
    assert hr["items"][0]["label"] == "Probleemanalyse" and hr["items"][0]["actor"] == "HR"
    other = (await (await web.token_client(world.other_manager)).get("/api/work-queue")).json()
    assert [item["employee_name"] for item in other["items"]] == ["Jan Bakker"]
    schema = web.app.openapi()
    operation = schema["paths"]["/api/work-queue"]["get"]
    assert "401" in operation["responses"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("WorkQueueAnswer")
