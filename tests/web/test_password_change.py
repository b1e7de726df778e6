"""A new password ends every session of its person: `reintegratie users set-password` (the reset HR or
the operator gives) reads the password from a prompt or standard input, never from the command line."""

from __future__ import annotations

import asyncio
import subprocess

from tests.support import BIN
from tests.web.conftest import PASSWORD, WebApp, csrf_of
from tests.web.test_sessions import copy_of, signed_in_page

NEW_PASSWORD = "a brand new passphrase for sanne"


def set_password(web: WebApp, email: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(BIN / "reintegratie"),
            "users",
            "set-password",
            "--database-url",
            web.settings.database_url,
            "--email",
            email,
            "--password-stdin",
        ],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def password_works(web: WebApp, email: str, password: str) -> bool:
    http = web.client()
    page = await http.get("/login")
    answer = await http.post("/login", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)})
    assert answer.status_code in (200, 303, 401, 429), answer.text
    return answer.status_code == 303


async def test_a_new_password_ends_every_session_of_that_person(web: WebApp) -> None:
    made = await web.user("manager")
    other = await web.user("manager")
    first, someone_else = await web.signed_in(made), await web.signed_in(other)
    kept = copy_of(web, first)
    assert await signed_in_page(first) and await signed_in_page(kept)

    changed = await asyncio.to_thread(set_password, web, made.account.email.upper(), NEW_PASSWORD + "\n")
    assert changed.returncode == 0, changed.stderr
    assert "password set" in changed.stdout and "1 session(s) ended" in changed.stdout
    assert NEW_PASSWORD not in changed.stdout + changed.stderr

    assert not await signed_in_page(first)
    assert not await signed_in_page(kept)
    assert await signed_in_page(someone_else)
    assert not await password_works(web, made.account.email, PASSWORD)
    assert await password_works(web, made.account.email, NEW_PASSWORD)


async def test_a_short_password_or_an_unknown_address_changes_nothing(web: WebApp) -> None:
    made = await web.user("manager")
    http = await web.signed_in(made)
    short = await asyncio.to_thread(set_password, web, made.account.email, "short\n")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr and "Traceback" not in short.stderr
    unknown = await asyncio.to_thread(set_password, web, "nobody@example.nl", NEW_PASSWORD + "\n")
    assert unknown.returncode == 1 and "no account for nobody@example.nl" in unknown.stderr
    assert await signed_in_page(http)
    assert await password_works(web, made.account.email, PASSWORD)


def test_the_password_is_never_an_argument() -> None:
    answer = subprocess.run(
        [str(BIN / "reintegratie"), "users", "set-password", "--email", "a@example.nl", "--password", "x" * 20],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer.returncode == 2 and "unrecognized arguments" in answer.stderr


async def test_the_store_ends_the_sessions_with_the_change(web: WebApp) -> None:
    """Any way of setting a password (not only the command line) ends the sessions: the store does it."""
    made = await web.user("manager")
    http = await web.signed_in(made)
    assert await web.accounts.set_password(made.account.email, NEW_PASSWORD) == 1
    assert not await signed_in_page(http)
