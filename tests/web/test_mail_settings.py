"""The mail preference: every role chooses for itself, on the settings page and in the API, between
each notice at once and one summary at 08:00; nobody sets someone else's; an auditor changes nothing."""

from __future__ import annotations

import uuid

import pytest

from integrations.preferences import MailMode, get_mode
from tests.web.conftest import WebApp, csrf_of

PAGE = "/settings/mail"
API = "/api/me/mail-preference"
PEOPLE = ("hr", "manager", "coach", "employee", "buddy")


def _email(role: str) -> str:
    return f"{role}-{uuid.uuid4().hex[:6]}@example.nl"


@pytest.mark.parametrize("role", PEOPLE)
async def test_each_role_chooses_the_daily_summary_on_the_page(web: WebApp, role: str) -> None:
    made = await web.user(role, _email(role), totp=role == "hr")
    other = await web.user("manager", _email("other"))
    http = await web.signed_in(made)
    page = await http.get(PAGE)
    assert page.status_code == 200
    assert 'value="direct" checked' in page.text and 'value="daily"' in page.text
    assert "08:00" in page.text and made.account.email in page.text
    assert f'href="{PAGE}"' in page.text  # in the menu

    answer = await http.post(PAGE, data={"mode": "daily", "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}?saved=daily"
    shown = await http.get(answer.headers["location"])
    assert 'value="daily" checked' in shown.text and 'id="mail-saved"' in shown.text
    sessionmaker = web.app.state.sessionmaker
    assert await get_mode(sessionmaker, made.account.email) == MailMode.daily
    assert await get_mode(sessionmaker, other.account.email) == MailMode.direct  # only their own


async def test_the_page_refuses_a_wrong_choice_and_a_form_without_its_token(web: WebApp) -> None:
    made = await web.user("manager", _email("manager"))
    http = await web.signed_in(made)
    page = await http.get(PAGE)
    wrong = await http.post(PAGE, data={"mode": "weekly", "csrf_token": csrf_of(page.text)})
    assert wrong.status_code == 422 and 'id="mail-error"' in wrong.text and 'value="direct" checked' in wrong.text
    forged = await http.post(PAGE, data={"mode": "daily"})
    assert forged.status_code == 403
    assert await get_mode(web.app.state.sessionmaker, made.account.email) == MailMode.direct


async def test_the_page_needs_a_signed_in_person(web: WebApp) -> None:
    answer = await web.client().get(PAGE)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


async def test_the_page_in_english(web: WebApp) -> None:
    made = await web.user("employee", _email("employee"))
    http = await web.signed_in(made)
    await http.get("/language/en")
    page = await http.get(PAGE)
    assert "One summary each working day, at 08:00" in page.text and "Meteen" not in page.text


@pytest.mark.parametrize("role", PEOPLE)
async def test_the_api_reads_and_sets_only_ones_own_preference(web: WebApp, role: str) -> None:
    made = await web.user(role, _email(role), totp=role == "hr")
    other = await web.user("coach", _email("other"))
    http = await web.token_client(made)
    assert (await http.get(API)).json() == {
        "email": made.account.email,
        "mode": "direct",
        "summary_at": "08:00 Europe/Amsterdam, Monday to Friday",
        "note": "Invitations, updates and cancellations of talks always go at once.",
    }
    answer = await http.put(API, json={"mode": "daily"})
    assert answer.status_code == 200 and answer.json()["mode"] == "daily"
    assert (await http.get(API)).json()["mode"] == "daily"

    # Someone else's address: refused, and theirs is unchanged.
    refused = await http.put(API, json={"mode": "daily", "email": other.account.email})
    assert refused.status_code == 403 and "your own" in refused.json()["detail"]
    assert await get_mode(web.app.state.sessionmaker, other.account.email) == MailMode.direct
    # One's own address, written another way, is fine.
    again = await http.put(API, json={"mode": "direct", "email": made.account.email.upper()})
    assert again.status_code == 200 and again.json()["mode"] == "direct"


async def test_the_api_says_what_is_wrong(web: WebApp) -> None:
    made = await web.user("manager", _email("manager"))
    http = await web.token_client(made)
    wrong = await http.put(API, json={"mode": "weekly"})
    assert wrong.status_code == 422
    (error,) = wrong.json()["errors"]
    assert error["field"] == "mode" and "direct" in error["message"] and "daily" in error["message"]
    unknown = await http.put(API, json={"mode": "daily", "who": "x"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "who"
    assert await get_mode(web.app.state.sessionmaker, made.account.email) == MailMode.direct


async def test_the_api_needs_a_token_and_an_auditor_changes_nothing(web: WebApp) -> None:
    assert (await web.client().get(API)).status_code == 401
    assert (await web.client().put(API, json={"mode": "daily"})).status_code == 401
    auditor = await web.user("auditor", _email("auditor"), totp=True)
    http = await web.token_client(auditor)
    assert (await http.get(API)).json()["mode"] == "direct"
    assert (await http.put(API, json={"mode": "daily"})).status_code == 403
    assert await get_mode(web.app.state.sessionmaker, auditor.account.email) == MailMode.direct
    page = await (await web.signed_in(auditor)).get(PAGE)
    assert page.status_code == 200 and 'name="mode"' not in page.text
