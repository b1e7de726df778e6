"""Who reaches which part of the re-integratiedossier: every role against every dossier route.

One case runs on the real dev server with a worker (rules version 4): a probleemanalyse, a signed
plan van aanpak, a progress talk the coach took part in and one without the coach, a plan document
and a probleemanalyse document. Then each role asks every route, and the answer must be exactly the
expected one: HR and the auditor everything (the auditor changes nothing), the employee the whole of
their own dossier, the manager the plan and the verslagen, the coach the verslagen of talks they took
part in, the buddy nothing (404, like a case they may not see), anyone else 404, and without sign-in
401 (API) or the sign-in page (pages). The "coach who did not take part" is the coach who takes over
afterwards: the case's coach now, who was at none of the talks.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
import weasyprint

from integrations.accounts import NewAccount
from states.workdays import working_day_on_or_before
from tests.web.conftest import WebApp, command, csrf_of, eventually

ROLES = (
    "anonymous",
    "hr",
    "auditor",
    "manager",
    "other_manager",
    "employee",
    "other_employee",
    "coach",  # took part in the first talk
    "new_coach",  # the coach after the talks: took part in none
    "buddy",
)
ACCOUNT_ROLE = {"other_manager": "manager", "other_employee": "employee", "new_coach": "coach"}


def pdf_bytes(text: str) -> bytes:
    """A real one-page PDF with ``text`` on it."""
    return bytes(weasyprint.HTML(string=f"<p>{text}</p>").write_pdf())


async def upload(http: httpx.AsyncClient, case_id: str, part: str, name: str, content: bytes) -> httpx.Response:
    return await http.post(
        f"/api/cases/{case_id}/documents",
        data={"part": part},
        files={"file": (name, io.BytesIO(content), "application/octet-stream")},
    )


@dataclass
class World:
    web: WebApp
    case_id: str
    emails: dict[str, str]
    accounts: dict[str, NewAccount] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    """Record numbers: probleemanalyse, plan, talk_with_coach, talk_without_coach."""
    plan_key: str = ""
    documents: dict[str, int] = field(default_factory=dict)
    """Document numbers: plan (part plan_van_aanpak), advice (part probleemanalyse)."""

    async def client(self, role: str) -> httpx.AsyncClient:
        if role == "anonymous":
            return self.web.client()
        return await self.web.token_client(self.accounts[role])


async def build_world(web: WebApp, *, first_sick_day: date | None = None) -> World:
    """A running rules-version-4 case with records of four parts and two documents, and an account
    for every role of the matrix."""
    emails = {role: f"{role}-{uuid.uuid4().hex[:6]}@example.nl" for role in ROLES if role != "anonymous"}
    world = World(web, "", emails)
    for role, email in emails.items():
        world.accounts[role] = await web.user(ACCOUNT_ROLE.get(role, role), email)
    hr = await world.client("hr")
    created = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": emails["employee"]},
            "manager": {"name": "Mark Jansen", "email": emails["manager"]},
            "coach": {"name": "Cor Coach", "email": emails["coach"]},
            "first_sick_day": (first_sick_day or date.today() - timedelta(days=30)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    world.case_id = case_id = created.json()["case_id"]
    # A case of another manager and another employee: they take part in the dossier of none here.
    other = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Otto Anders", "email": emails["other_employee"]},
            "manager": {"name": "Olga Anders", "email": emails["other_manager"]},
            "first_sick_day": date.today().isoformat(),
        },
    )
    assert other.status_code == 201, other.text

    await command(
        hr,
        case_id,
        "probleemanalyse_received",
        {
            "advice": {
                "limitations": "Kan niet lang achter elkaar staan.",
                "capabilities": "Kan zittend werk doen, vier uur per dag.",
                "expected_duration": "Ongeveer drie maanden.",
                "work_advice": "Begin met twee uur per dag en bouw op.",
            }
        },
    )
    await command(
        hr,
        case_id,
        "plan_van_aanpak_signed",
        {
            "plan": {
                "hours_per_week": 8,
                "tasks": ["administratie", "telefoon"],
                "employer_view": "Rustig opbouwen.",
                "employee_view": "Eens, in mijn tempo.",
            }
        },
    )
    await command(
        hr,
        case_id,
        "progress_talk_held",
        {
            "went": "good",
            "summary": "Gesprek met de coach erbij.",
            "report": {
                "present": ["manager", "employee", "coach"],
                "agreed": "Twee uur per dag.",
                "next_steps": "Over twee weken weer.",
            },
        },
    )
    await command(
        hr,
        case_id,
        "progress_talk_held",
        {
            "went": "mixed",
            "summary": "Gesprek zonder de coach.",
            "report": {
                "present": ["manager", "employee"],
                "agreed": "Taken blijven gelijk.",
                "next_steps": "Evaluatie.",
            },
        },
    )
    # The actueel oordeel: the rules take the employee's copy of the RIV only after it.
    await command(
        hr,
        case_id,
        "step_recorded",
        {"step": "actueel_oordeel", "advice": {"capabilities": "Kan eigen werk doen, 20 uur per week."}},
    )
    start = working_day_on_or_before(date.today()).isoformat()
    await command(hr, case_id, "build_up_started", {"schedule": [{"from_date": start, "hours_per_week": 8}]})
    await command(hr, case_id, "buddy_consent", {"given": True})
    await command(hr, case_id, "choose_buddy", {"buddy": {"name": "Bo Buddy", "email": emails["buddy"]}})

    listed = await eventually(
        lambda: hr.get(f"/api/cases/{case_id}/dossier"),
        lambda answer: answer.status_code == 200 and len(answer.json()["records"]) >= 5,
    )
    for record in listed.json()["records"]:
        texts = " ".join(item["text"] for item in record["fields"])
        if record["part"] == "probleemanalyse":
            world.records["probleemanalyse"] = record["number"]
        elif record["part"] == "plan_van_aanpak":
            world.records["plan"] = record["number"]
            world.plan_key = record["key"]
        elif "met de coach erbij" in texts:
            world.records["talk_with_coach"] = record["number"]
        elif "zonder de coach" in texts:
            world.records["talk_without_coach"] = record["number"]
    assert set(world.records) == {"probleemanalyse", "plan", "talk_with_coach", "talk_without_coach"}, listed.text
    await eventually(lambda: web.store.roles_in_case(case_id, emails["buddy"]), lambda roles: "buddy" in roles)

    for name, part, file_name in (
        ("plan", "plan_van_aanpak", "plan-getekend.pdf"),
        ("advice", "probleemanalyse", "advies-bedrijfsarts.pdf"),
    ):
        answer = await upload(hr, case_id, part, file_name, pdf_bytes(f"Document {file_name}"))
        assert answer.status_code == 201, answer.text
        world.documents[name] = answer.json()["number"]
    return world


# What each role gets. Numbers are status codes; 303 is the sign-in page (pages without sign-in) or,
# after a form, the dossier again.
# fmt: off
EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": {
        "list": 401, "upload": 401, "download_plan": 401, "download_advice": 401, "riv_pdf": 303,
        "record_plan": 303, "record_talk_with_coach": 303, "record_talk_without_coach": 303,
        "record_probleemanalyse": 303, "page": 303, "page_upload": 303, "view": 303, "copy": 303,
    },
    "hr": {
        "list": 200, "upload": 201, "download_plan": 200, "download_advice": 200, "riv_pdf": 200,
        "record_plan": 200, "record_talk_with_coach": 200, "record_talk_without_coach": 200,
        "record_probleemanalyse": 200, "page": 200, "page_upload": 303, "view": 303, "copy": 303,
    },
    "auditor": {
        "list": 200, "upload": 403, "download_plan": 200, "download_advice": 200, "riv_pdf": 200,
        "record_plan": 200, "record_talk_with_coach": 200, "record_talk_without_coach": 200,
        "record_probleemanalyse": 200, "page": 200, "page_upload": 403, "view": 403, "copy": 403,
    },
    "manager": {
        "list": 200, "upload": 403, "download_plan": 200, "download_advice": 404, "riv_pdf": 403,
        "record_plan": 200, "record_talk_with_coach": 200, "record_talk_without_coach": 200,
        "record_probleemanalyse": 404, "page": 200, "page_upload": 403, "view": 403, "copy": 403,
    },
    "other_manager": {
        "list": 404, "upload": 403, "download_plan": 404, "download_advice": 404, "riv_pdf": 404,
        "record_plan": 404, "record_talk_with_coach": 404, "record_talk_without_coach": 404,
        "record_probleemanalyse": 404, "page": 404, "page_upload": 403, "view": 404, "copy": 403,
    },
    "employee": {
        "list": 200, "upload": 403, "download_plan": 200, "download_advice": 200, "riv_pdf": 200,
        "record_plan": 200, "record_talk_with_coach": 200, "record_talk_without_coach": 200,
        "record_probleemanalyse": 200, "page": 200, "page_upload": 403, "view": 303, "copy": 403,
    },
    "other_employee": {
        "list": 404, "upload": 403, "download_plan": 404, "download_advice": 404, "riv_pdf": 404,
        "record_plan": 404, "record_talk_with_coach": 404, "record_talk_without_coach": 404,
        "record_probleemanalyse": 404, "page": 404, "page_upload": 403, "view": 404, "copy": 403,
    },
    "coach": {
        "list": 200, "upload": 403, "download_plan": 404, "download_advice": 404, "riv_pdf": 403,
        "record_plan": 404, "record_talk_with_coach": 200, "record_talk_without_coach": 404,
        "record_probleemanalyse": 404, "page": 200, "page_upload": 403, "view": 403, "copy": 403,
    },
    "new_coach": {
        "list": 200, "upload": 403, "download_plan": 404, "download_advice": 404, "riv_pdf": 403,
        "record_plan": 404, "record_talk_with_coach": 404, "record_talk_without_coach": 404,
        "record_probleemanalyse": 404, "page": 200, "page_upload": 403, "view": 403, "copy": 403,
    },
    "buddy": {
        "list": 404, "upload": 403, "download_plan": 404, "download_advice": 404, "riv_pdf": 404,
        "record_plan": 404, "record_talk_with_coach": 404, "record_talk_without_coach": 404,
        "record_probleemanalyse": 404, "page": 404, "page_upload": 403, "view": 404, "copy": 403,
    },
}
# fmt: on

# What each role's list holds: the records (by name) and documents (by name) it shows.
SEES: dict[str, tuple[set[str], set[str]]] = {
    "hr": ({"probleemanalyse", "plan", "talk_with_coach", "talk_without_coach"}, {"plan", "advice"}),
    "auditor": ({"probleemanalyse", "plan", "talk_with_coach", "talk_without_coach"}, {"plan", "advice"}),
    "employee": ({"probleemanalyse", "plan", "talk_with_coach", "talk_without_coach"}, {"plan", "advice"}),
    "manager": ({"plan", "talk_with_coach", "talk_without_coach"}, {"plan"}),
    "coach": ({"talk_with_coach"}, set()),
    "new_coach": (set(), set()),
}
READS_RIV = {"hr", "auditor", "employee"}


async def _answers(world: World, role: str) -> dict[str, httpx.Response]:
    """Every dossier route, asked by ``role`` (the changes last, so the reads see the world as built)."""
    http = await world.client(role)
    case = world.case_id
    base = f"/cases/{case}/dossier"
    answers = {"list": await http.get(f"/api/cases/{case}/dossier")}
    for name, number in world.documents.items():
        answers[f"download_{name}"] = await http.get(f"/api/cases/{case}/documents/{number}")
    answers["riv_pdf"] = await http.get(f"{base}/riv.pdf?language=nl")
    for name, number in world.records.items():
        answers[f"record_{name}"] = await http.get(f"{base}/records/{number}.pdf")
    answers["page"] = await http.get(base)
    answers["upload"] = await upload(
        http, case, "tweede_spoor", "rapport.pdf", pdf_bytes("Rapport re-integratiebureau")
    )
    answers["page_upload"] = await http.post(
        f"{base}/documents",
        data={"part": "arbeidsdeskundig_rapport"},
        files={"file": ("ad-rapport.pdf", io.BytesIO(pdf_bytes("Arbeidsdeskundig rapport")), "application/pdf")},
    )
    answers["view"] = await http.post(
        f"{base}/views", data={"about": world.plan_key, "agrees": "yes", "view": f"Gezien door {role}."}
    )
    answers["copy"] = await http.post(f"{base}/employee-copy")
    return answers


def _problems(world: World, role: str, answers: dict[str, httpx.Response]) -> list[str]:
    problems = [
        f"{route}: {answers[route].status_code}, expected {expected}"
        for route, expected in EXPECTED[role].items()
        if answers[route].status_code != expected
    ]
    if role == "anonymous":
        problems += [
            f"{route}: not sent to the sign-in page"
            for route, answer in answers.items()
            if answer.status_code == 303 and not answer.headers["location"].startswith("/login?next=")
        ]
    if role in SEES and answers["list"].status_code == 200:
        body = answers["list"].json()
        records = {name for name, number in world.records.items() if number in {r["number"] for r in body["records"]}}
        documents = {
            name for name, number in world.documents.items() if number in {d["number"] for d in body["documents"]}
        }
        if (records, documents) != SEES[role]:
            problems.append(f"list shows records {sorted(records)} and documents {sorted(documents)}")
        if (body["riv"] is not None) != (role in READS_RIV):
            problems.append(f"list {'shows' if body['riv'] else 'hides'} the RIV check")
        if role != "hr" and any(d["uploaded_by"] == world.emails[role] for d in body["documents"]):
            problems.append("an upload by someone other than HR was stored")
    for route in ("riv_pdf", *(f"record_{name}" for name in world.records)):
        answer = answers[route]
        if answer.status_code == 200 and not answer.content.startswith(b"%PDF-"):
            problems.append(f"{route}: 200 but not a PDF")
    for route in ("download_plan", "download_advice"):
        if answers[route].status_code == 200 and not answers[route].content.startswith(b"%PDF-"):
            problems.append(f"{route}: 200 but not the document")
    return problems


async def test_every_role_against_every_dossier_route(live_web: WebApp) -> None:
    world = await build_world(live_web)
    problems: list[str] = []
    for role in ROLES:
        if role == "new_coach":
            continue  # asked once the coach changed, below
        problems += [f"{role}: {problem}" for problem in _problems(world, role, await _answers(world, role))]

    # The coach changes: the new coach took part in no talk (sees no verslag), the one who left sees nothing.
    hr = await world.client("hr")
    await command(
        hr, world.case_id, "assign_coach", {"coach": {"name": "Nina Nieuw", "email": world.emails["new_coach"]}}
    )
    await eventually(
        lambda: live_web.store.roles_in_case(world.case_id, world.emails["new_coach"]), lambda roles: "coach" in roles
    )
    problems += [
        f"new_coach: {problem}" for problem in _problems(world, "new_coach", await _answers(world, "new_coach"))
    ]
    gone = await _answers(world, "coach")
    problems += [
        f"coach who left: {route}: {gone[route].status_code}, expected 404"
        for route in ("list", "page", "record_talk_with_coach")
        if gone[route].status_code != 404
    ]
    assert not problems, "\n".join(problems)


async def test_a_page_form_without_the_csrf_token_changes_nothing(live_web: WebApp) -> None:
    """Signed in by cookie, the upload, the view and the copy need the session's CSRF token."""
    web = live_web
    hr = await web.user("hr", totp=True)
    case_id = await web.case(employee="e@example.nl", manager="m@example.nl")
    http = await web.signed_in(hr)
    base = f"/cases/{case_id}/dossier"
    files = {"file": ("plan.pdf", io.BytesIO(pdf_bytes("Plan")), "application/pdf")}
    assert (await http.post(f"{base}/documents", data={"part": "plan_van_aanpak"}, files=files)).status_code == 403
    assert (
        await http.post(f"/api/cases/{case_id}/documents", data={"part": "plan_van_aanpak"}, files=files)
    ).status_code == 403
    assert (await http.post(f"{base}/views", data={"view": "x"})).status_code == 403
    assert (await http.post(f"{base}/employee-copy")).status_code == 403
    listed = await http.get(f"/api/cases/{case_id}/dossier")
    assert listed.status_code == 200 and listed.json()["documents"] == []
    # With the token from the page, the same upload is taken.
    csrf = csrf_of((await http.get(base)).text)
    files = {"file": ("plan.pdf", io.BytesIO(pdf_bytes("Plan")), "application/pdf")}
    taken = await http.post(f"{base}/documents", data={"part": "plan_van_aanpak", "csrf_token": csrf}, files=files)
    assert taken.status_code == 303 and taken.headers["location"].startswith(f"{base}?uploaded=1")
    assert [d["name"] for d in (await http.get(f"/api/cases/{case_id}/dossier")).json()["documents"]] == ["plan.pdf"]
