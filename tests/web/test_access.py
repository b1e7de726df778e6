"""The access matrix: every route, for every role, by token and by session, including guessed case ids.

A case someone may not see must answer exactly like a case that does not exist (404), so ids cannot
be probed; an auditor changes nothing; only HR starts cases and reads the dev outbox.
"""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from tests.web.conftest import WebApp, csrf_of

ROLES = ("hr", "auditor", "manager", "coach", "employee", "buddy", "other_manager")
ACCOUNT_ROLE = {"other_manager": "manager"}

INTAKE = {
    "employee": {"name": "Eva Bakker", "email": "eva@example.nl"},
    "manager": {"name": "Mark Jansen", "email": "mark@example.nl"},
    "first_sick_day": date.today().isoformat(),
}

# GET /api/cases/{own case}: what each role gets. "full" and "practical" are 200s.
OWN_CASE = {
    "hr": "full",
    "auditor": "full",
    "manager": "full",
    "coach": "full",
    "employee": "full",
    "buddy": "practical",
    "other_manager": 404,
}
OTHER_CASE = {
    "hr": "full",
    "auditor": "full",
    "manager": 404,
    "coach": 404,
    "employee": 404,
    "buddy": 404,
    "other_manager": "full",
}
STARTS_CASES = {"hr"}
READS_OUTBOX = {"hr"}


async def _world(web: WebApp, role: str) -> tuple[object, str, str]:
    """Accounts for the case's people; returns the account of ``role``, its case and someone else's case."""
    emails = {name: f"{name}-{uuid.uuid4().hex[:6]}@example.nl" for name in ROLES}
    made = await web.user(ACCOUNT_ROLE.get(role, role), emails[role])
    case = await web.case(
        employee=emails["employee"], manager=emails["manager"], coach=emails["coach"], buddy=emails["buddy"]
    )
    other = await web.case(employee=f"x-{uuid.uuid4().hex[:6]}@example.nl", manager=emails["other_manager"])
    return made, case, other


def _check(expected: object, response: httpx.Response, problems: list[str], what: str) -> None:
    if expected in ("full", "practical"):
        if response.status_code != 200:
            problems.append(f"{what}: {response.status_code}, expected 200")
            return
        body = response.json()
        if expected == "full" and "phase" not in body:
            problems.append(f"{what}: expected the full view, got {body}")
        if expected == "practical" and ({"phase", "first_sick_day", "next_deadline"} & set(body)):
            problems.append(f"{what}: a buddy sees only the practical part, got {sorted(body)}")
    elif response.status_code != expected:
        problems.append(f"{what}: {response.status_code}, expected {expected}")


@pytest.mark.parametrize("role", ROLES)
async def test_json_api_by_token(web: WebApp, role: str) -> None:
    made, case, other = await _world(web, role)
    http = await web.token_client(made)
    problems: list[str] = []
    _check(OWN_CASE[role], await http.get(f"/api/cases/{case}"), problems, "GET own case")
    _check(OTHER_CASE[role], await http.get(f"/api/cases/{other}"), problems, "GET other case")
    guessed = f"case-{uuid.uuid4().hex}"
    missing = await http.get(f"/api/cases/{guessed}")
    _check(404, missing, problems, "GET guessed id")
    for forbidden in (case, other):
        answer = await http.get(f"/api/cases/{forbidden}")
        if (
            answer.status_code == 404
            and answer.json()["detail"].replace(forbidden, guessed) != missing.json()["detail"]
        ):
            problems.append("a forbidden case answers differently from a missing one")
    _check(404, await http.get("/api/cases/not-a-case-id"), problems, "GET malformed id")
    created = await http.post("/api/cases", json=INTAKE)
    _check(201 if role in STARTS_CASES else 403, created, problems, "POST /api/cases")
    _check(200 if role in READS_OUTBOX else 403, await http.get("/outbox"), problems, "GET /outbox")
    _check(200, await http.get("/healthz"), problems, "GET /healthz")
    assert not problems, f"{role}: " + "; ".join(problems)


@pytest.mark.parametrize("role", ROLES)
async def test_pages_by_session(web: WebApp, role: str) -> None:
    made, case, other = await _world(web, role)
    http = await web.signed_in(made)
    problems: list[str] = []
    home = await http.get("/")
    _check(200, home, problems, "GET /")
    sees = {"own": OWN_CASE[role] != 404, "other": OTHER_CASE[role] != 404}
    for name, case_id in (("own", case), ("other", other)):
        if (case_id in home.text) != sees[name]:
            problems.append(f"overview lists the {name} case: {case_id in home.text}, expected {sees[name]}")
    _check(OWN_CASE[role], await http.get(f"/api/cases/{case}"), problems, "GET own case (cookie)")
    _check(OTHER_CASE[role], await http.get(f"/api/cases/{other}"), problems, "GET other case (cookie)")
    _check(200 if role in STARTS_CASES else 403, await http.get("/cases/new"), problems, "GET /cases/new")
    csrf = csrf_of(home.text)
    posted = await http.post("/cases", data={"csrf_token": csrf, "employee.name": "X"})
    _check(422 if role in STARTS_CASES else 403, posted, problems, "POST /cases")
    _check(200 if role in READS_OUTBOX else 403, await http.get("/outbox"), problems, "GET /outbox")
    # A cookie-authenticated change without the session's CSRF token is refused, whoever sends it.
    _check(403, await http.post("/cases", data={"employee.name": "X"}), problems, "POST /cases without CSRF")
    _check(403, await http.post("/api/cases", json=INTAKE), problems, "POST /api/cases by cookie without CSRF")
    assert not problems, f"{role}: " + "; ".join(problems)


async def test_an_auditor_changes_nothing_even_with_a_valid_csrf_token(web: WebApp) -> None:
    auditor = await web.user("auditor")
    http = await web.signed_in(auditor)
    csrf = csrf_of((await http.get("/")).text)
    assert (await http.post("/cases", data={"csrf_token": csrf})).status_code == 403
    assert (await http.post("/api/cases", json=INTAKE, headers={"X-CSRF-Token": csrf})).status_code == 403
    # Signing out is not a change to a case.
    assert (await http.post("/logout", data={"csrf_token": csrf})).status_code == 303


async def test_without_sign_in_pages_redirect_and_the_api_says_401(web: WebApp) -> None:
    case = await web.case(employee="e@example.nl", manager="m@example.nl")
    http = web.client()
    for path in ("/", "/cases/new", "/outbox"):
        answer = await http.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path
    answer = await http.get(f"/api/cases/{case}")
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
    assert (await http.post("/api/cases", json=INTAKE)).status_code == 401
    assert (
        await http.get(f"/api/cases/{case}", headers={"Authorization": "Bearer rit_not-a-token"})
    ).status_code == 401
    assert (await http.get("/healthz")).status_code == 200
    assert (await http.get("/login")).status_code == 200


async def test_a_revoked_token_no_longer_works(web: WebApp) -> None:
    hr = await web.user("hr")
    token = await web.accounts.issue_token(hr.account.id)
    http = web.client(Authorization=f"Bearer {token}")
    assert (await http.get("/healthz")).status_code == 200
    case = await web.case(employee="e@example.nl", manager="m@example.nl")
    assert (await http.get(f"/api/cases/{case}")).status_code == 200
    assert await web.accounts.revoke_token(token)
    assert (await http.get(f"/api/cases/{case}")).status_code == 401


async def test_the_outbox_exists_only_in_the_dev_stack(dev_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.web.conftest import web_settings
    from web.app import create_app

    settings = web_settings(dev_server, tmp_path)
    app = create_app(settings, client=dev_server.client)  # no mail folder: a production-like app
    async with app.router.lifespan_context(app):
        made = await app.state.accounts.add(email="hr@example.nl", role="hr")
        token = await app.state.accounts.issue_token(made.account.id)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            assert (await http.get("/outbox", headers={"Authorization": f"Bearer {token}"})).status_code == 404


# ---------------------------------------------------------------- case views, commands and pages
# Each row: what each role gets for its own case, someone else's case, and a guessed id.
# "full"/"practical" are 200s with that view; numbers are status codes.
FULL_ROLES = {"hr", "auditor", "manager", "coach", "employee"}


def _own_view(role: str, full_only: bool) -> object:
    if role == "other_manager":
        return 404
    if role == "buddy":
        return 403 if full_only else 200
    return 200


def _other_view(role: str) -> object:
    return 200 if role in ("hr", "auditor", "other_manager") else 404


# Commands: (name, a body of the right shape but a wrong value, the roles that may give it).
# A wrong value shows how far a request got: 403 (role), 404 (case out of sight), 422 (reached the body).
COMMAND_PROBES = (
    ("progress_talk_held", {"went": "splendid"}, {"hr", "manager", "other_manager"}),
    ("employee_feedback", {"pace": "warp"}, {"hr", "employee"}),
    ("signal_resolved", {"signal_key": ""}, {"hr", "coach"}),
    ("probleemanalyse_received", {"on": "not-a-date"}, {"hr"}),
    ("buddy_consent", {"given": "perhaps"}, {"hr", "employee"}),
)


def _command_expected(role: str, allowed: set[str], sees: bool, takes_part: bool) -> int:
    if role not in allowed:
        return 403
    if not sees:
        return 404
    return 422 if takes_part or role == "hr" else 403


@pytest.mark.parametrize("role", ROLES)
async def test_case_views_and_commands_by_token(web: WebApp, role: str) -> None:
    made, case, other = await _world(web, role)
    http = await web.token_client(made)
    guessed = f"case-{uuid.uuid4().hex}"
    problems: list[str] = []
    listed = await http.get("/api/cases")
    _check(200, listed, problems, "GET /api/cases")
    ids = {item["case_id"] for item in listed.json()["items"]} if listed.status_code == 200 else set()
    if (case in ids) != (OWN_CASE[role] != 404) or (other in ids) != (OTHER_CASE[role] != 404):
        problems.append(f"GET /api/cases lists {ids & {case, other}}")
    for suffix in ("timeline", "deadlines"):
        _check(_own_view(role, True), await http.get(f"/api/cases/{case}/{suffix}"), problems, f"GET own {suffix}")
        _check(_other_view(role), await http.get(f"/api/cases/{other}/{suffix}"), problems, f"GET other {suffix}")
        _check(404, await http.get(f"/api/cases/{guessed}/{suffix}"), problems, f"GET guessed {suffix}")
    for suffix in ("history", "history.csv", "compliance.csv"):
        expected = 200 if role in ("hr", "auditor") else 403
        _check(expected, await http.get(f"/api/cases/{case}/{suffix}"), problems, f"GET own {suffix}")
        _check(
            404 if role in ("hr", "auditor") else 403,
            await http.get(f"/api/cases/{guessed}/{suffix}"),
            problems,
            f"GET guessed {suffix}",
        )
    _check(
        OWN_CASE[role] != 404 and 200 or 404,
        await http.get(f"/api/cases/{case}/commands"),
        problems,
        "GET own commands",
    )
    for name, body, allowed in COMMAND_PROBES:
        account_role = ACCOUNT_ROLE.get(role, role)
        for label, case_id, sees, takes_part in (
            ("own", case, OWN_CASE[role] != 404, role in ("manager", "employee", "coach")),
            ("other", other, OTHER_CASE[role] != 404, role == "other_manager"),
        ):
            takes = takes_part and (name != "progress_talk_held" or account_role == "manager")
            expected = _command_expected(role, allowed, sees, takes)
            _check(
                expected,
                await http.post(f"/api/cases/{case_id}/commands/{name}", json=body),
                problems,
                f"POST {name} ({label})",
            )
        if role not in allowed:
            _check(
                403,
                await http.post(f"/api/cases/{guessed}/commands/{name}", json=body),
                problems,
                f"POST {name} (guessed)",
            )
        elif role != "hr":
            _check(
                404,
                await http.post(f"/api/cases/{guessed}/commands/{name}", json=body),
                problems,
                f"POST {name} (guessed)",
            )
    assert not problems, f"{role}: " + "; ".join(problems)


@pytest.mark.parametrize("role", ROLES)
async def test_case_pages_by_session(web: WebApp, role: str) -> None:
    made, case, other = await _world(web, role)
    http = await web.signed_in(made)
    csrf = csrf_of((await http.get("/")).text)
    guessed = f"case-{uuid.uuid4().hex}"
    problems: list[str] = []
    _check(_own_view(role, False), await http.get(f"/cases/{case}"), problems, "GET own case page")
    _check(_other_view(role), await http.get(f"/cases/{other}"), problems, "GET other case page")
    _check(404, await http.get(f"/cases/{guessed}"), problems, "GET guessed case page")
    _check(
        200 if role in ("hr", "auditor") else 403, await http.get(f"/cases/{case}/history"), problems, "GET own history"
    )
    # The dossier: what each role may read of it is tested in test_dossier_access.py; here, who gets the page.
    _check(
        404 if role in ("buddy", "other_manager") else 200,
        await http.get(f"/cases/{case}/dossier"),
        problems,
        "GET own dossier",
    )
    form = {"csrf_token": csrf, "went": "splendid"}
    if role == "auditor":
        expected: int = 403
    else:
        expected = 404 if OWN_CASE[role] == 404 else (422 if role in ("hr", "manager") else 403)
    _check(
        expected,
        await http.post(f"/cases/{case}/commands/progress_talk_held", data=form),
        problems,
        "POST progress talk form",
    )
    _check(
        403,
        await http.post(f"/cases/{case}/commands/progress_talk_held", data={"went": "good"}),
        problems,
        "POST form without CSRF",
    )
    assert not problems, f"{role}: " + "; ".join(problems)


async def test_nothing_an_auditor_can_click_changes_anything(web: WebApp) -> None:
    """Every form on every page an auditor reaches is a GET (a filter) or signing out."""
    import re

    auditor = await web.user("auditor")
    http = await web.signed_in(auditor)
    case = await web.case(employee="e@example.nl", manager="m@example.nl")
    seen: set[str] = set()
    queue = ["/", f"/cases/{case}", f"/cases/{case}/history", f"/cases/{case}/dossier"]
    while queue:
        path = queue.pop()
        if path in seen or not path.startswith("/") or path.startswith(("/logout", "/language", "/api/")):
            continue
        seen.add(path)
        page = await http.get(path)
        assert page.status_code == 200, path
        for method, action in re.findall(r'<form[^>]*method="(\w+)"[^>]*action="([^"]*)"', page.text):
            assert method.lower() == "get" or action == "/logout", f"{path}: a {method} form to {action}"
        queue.extend(link for link in re.findall(r'href="([^"#?]+)', page.text) if link.startswith("/"))
    assert {f"/cases/{case}/history", f"/cases/{case}/dossier"} <= seen
