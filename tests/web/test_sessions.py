"""Server-side sessions: signing out, the absolute expiry and "end all sessions" end a session for
every copy of its cookie; changing the language never revives or extends one."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
from datetime import UTC, datetime, timedelta

import httpx

from integrations.web_sessions import SESSION_SECONDS, WebSessionStore
from tests.support import BIN
from tests.web.conftest import WebApp, csrf_of


def copy_of(web: WebApp, http: httpx.AsyncClient) -> httpx.AsyncClient:
    """A second client with the same cookie, as someone who kept (or stole) it."""
    other = web.client()
    other.cookies.update(http.cookies)
    return other


async def signed_in_page(http: httpx.AsyncClient) -> bool:
    answer = await http.get("/")
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


async def sign_out(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    answer = await http.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


async def test_a_normal_sign_in_works_and_the_cookie_holds_no_user(web: WebApp) -> None:
    made = await web.user("manager")
    http = await web.signed_in(made)
    assert await signed_in_page(http)
    assert await signed_in_page(copy_of(web, http))  # the same cookie is the same session
    # Starlette's session cookie is signed, not encrypted: its data is base64 JSON before the signature.
    data = json.loads(base64.b64decode(http.cookies["reintegratie_session"].split(".")[0] + "=="))
    assert set(data) <= {"sid", "csrf", "lang", "next"} and "uid" not in data and len(data["sid"]) >= 40


async def test_a_cookie_kept_from_before_logout_no_longer_works(web: WebApp) -> None:
    made = await web.user("manager")
    http = await web.signed_in(made)
    kept = copy_of(web, http)
    await sign_out(http)
    assert not await signed_in_page(http)
    assert not await signed_in_page(kept)
    # Changing the language re-signs the cookie, but does not revive the session.
    assert (await kept.get("/language/nl")).status_code == 303
    assert not await signed_in_page(kept)
    assert (await kept.get("/api/cases/case-x/timeline")).status_code == 401


async def test_the_language_switch_keeps_the_session_and_cannot_extend_it(web: WebApp) -> None:
    now = [datetime(2026, 12, 3, 8, 0, tzinfo=UTC)]
    web.app.state.web_sessions = WebSessionStore(web.app.state.sessionmaker, clock=lambda: now[0])
    made = await web.user("manager")
    http = await web.signed_in(made)
    # Used all day long, and the language switched every hour: still ends at its absolute expiry.
    for _hour in range(SESSION_SECONDS // 3600):
        assert (await http.get("/language/en")).status_code == 303
        assert await signed_in_page(http)
        now[0] += timedelta(hours=1) - timedelta(seconds=1)
    now[0] += timedelta(seconds=SESSION_SECONDS)  # well past the start + SESSION_SECONDS
    assert (await http.get("/language/nl")).status_code == 303
    assert not await signed_in_page(http)


async def test_a_session_past_its_absolute_expiry_is_refused(web: WebApp) -> None:
    now = [datetime(2026, 12, 3, 8, 0, tzinfo=UTC)]
    web.app.state.web_sessions = WebSessionStore(web.app.state.sessionmaker, clock=lambda: now[0])
    made = await web.user("manager")
    http = await web.signed_in(made)
    now[0] += timedelta(seconds=SESSION_SECONDS - 1)
    assert await signed_in_page(http)
    now[0] += timedelta(seconds=1)
    assert not await signed_in_page(http)


async def test_end_all_sessions_ends_a_second_browsers_session(web: WebApp) -> None:
    made = await web.user("manager")
    other = await web.user("manager")
    first, second, someone_else = await web.signed_in(made), await web.signed_in(made), await web.signed_in(other)
    ended = await asyncio.to_thread(
        subprocess.run,
        [
            str(BIN / "reintegratie"),
            "users",
            "end-sessions",
            "--database-url",
            web.settings.database_url,
            "--email",
            made.account.email.upper(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ended.returncode == 0, ended.stderr
    assert ended.stdout.startswith("2 session(s) ended")
    assert not await signed_in_page(first)
    assert not await signed_in_page(second)
    assert await signed_in_page(someone_else)
    # Signing in again afterwards works.
    assert await signed_in_page(await web.signed_in(made))


async def test_end_sessions_for_an_unknown_address_says_so_and_changes_nothing(web: WebApp) -> None:
    made = await web.user("manager")
    http = await web.signed_in(made)
    answer = await asyncio.to_thread(
        subprocess.run,
        [
            str(BIN / "reintegratie"),
            "users",
            "end-sessions",
            "--database-url",
            web.settings.database_url,
            "--email",
            "nobody@example.nl",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer.returncode == 1 and "no account for nobody@example.nl" in answer.stderr
    assert await signed_in_page(http)
