"""Sign-in: password, TOTP (required for hr and auditor), signed cookie, CSRF, throttling, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from integrations.sign_in_failures import SignInFailures
from tests.web.conftest import PASSWORD, WebApp, csrf_of


async def _login(http, email: str, password: str):  # type: ignore[no-untyped-def]
    page = await http.get("/login")
    return await http.post("/login", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)})


async def test_wrong_password_and_unknown_address_get_the_same_generic_answer(web: WebApp) -> None:
    made = await web.user("manager")
    wrong = await _login(web.client(), made.account.email, "not the password")
    unknown = await _login(web.client(), "nobody@example.nl", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert (
        "E-mailadres of wachtwoord klopt niet." in wrong.text
        and "E-mailadres of wachtwoord klopt niet." in unknown.text
    )


async def test_hr_needs_the_totp_code_and_a_code_works_once(web: WebApp) -> None:
    hr = await web.user("hr")
    assert hr.totp_secret is not None and hr.provisioning_uri().startswith("otpauth://totp/")
    http = web.client()
    answer = await _login(http, hr.account.email, PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/login/totp"
    # Password alone is not a session.
    assert (await http.get("/")).status_code == 303
    page = await http.get("/login/totp")
    assert (
        await http.post("/login/totp", data={"code": "000000", "csrf_token": csrf_of(page.text)})
    ).status_code == 401
    code = pyotp.TOTP(hr.totp_secret).now()
    answer = await http.post("/login/totp", data={"code": code, "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303
    assert (await http.get("/")).status_code == 200

    # The same code again, in another browser: spent.
    other = web.client()
    assert (await _login(other, hr.account.email, PASSWORD)).status_code == 303
    page = await other.get("/login/totp")
    assert (await other.post("/login/totp", data={"code": code, "csrf_token": csrf_of(page.text)})).status_code == 401


async def test_a_manager_without_totp_signs_in_with_the_password(web: WebApp) -> None:
    made = await web.user("manager")
    http = web.client()
    answer = await _login(http, made.account.email, PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert made.account.email not in answer.headers["set-cookie"]  # the cookie holds an id, not who
    assert (await http.get("/")).status_code == 200


async def test_an_employee_who_set_up_totp_is_asked_for_it(web: WebApp) -> None:
    made = await web.user("employee", totp=True)
    answer = await _login(web.client(), made.account.email, PASSWORD)
    assert answer.headers["location"] == "/login/totp"


async def test_sign_in_without_the_csrf_token_is_refused(web: WebApp) -> None:
    made = await web.user("manager")
    http = web.client()
    await http.get("/login")
    answer = await http.post("/login", data={"email": made.account.email, "password": PASSWORD})
    assert answer.status_code == 403 and "Formulier verlopen" in answer.text


async def test_repeated_failures_slow_that_account_down_for_a_while(web: WebApp) -> None:
    """A delay, not a lock: see tests/web/test_signin_limits.py for the rest."""
    now = [datetime(2026, 12, 4, 9, 0, tzinfo=UTC)]
    web.app.state.limit_account = SignInFailures(
        web.app.state.sessionmaker, limiter="account", delay_after=3, clock=lambda: now[0]
    )
    made = await web.user("manager")
    for _ in range(3):
        assert (await _login(web.client(), made.account.email, "wrong password!")).status_code == 401
    slowed = await _login(web.client(), made.account.email, PASSWORD)
    assert slowed.status_code == 429 and "Te veel mislukte pogingen" in slowed.text
    assert slowed.headers["retry-after"] == "1"
    now[0] += timedelta(seconds=1)
    assert (await _login(web.client(), made.account.email, PASSWORD)).status_code == 303


async def test_sign_out_ends_the_session(web: WebApp) -> None:
    made = await web.user("coach")
    http = await web.signed_in(made)
    home = await http.get("/")
    answer = await http.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert (await http.get("/")).status_code == 303


async def test_after_sign_in_only_a_local_path_is_followed(web: WebApp) -> None:
    made = await web.user("manager")
    http = web.client()
    page = await http.get("/login", params={"next": "//evil.example/steal"})
    answer = await http.post(
        "/login", data={"email": made.account.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert answer.headers["location"] == "/"
    http = web.client()
    page = await http.get("/login", params={"next": "/outbox"})
    answer = await http.post(
        "/login", data={"email": made.account.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert answer.headers["location"] == "/outbox"


async def test_english_is_one_click_away(web: WebApp) -> None:
    http = web.client()
    assert "Aanmelden" in (await http.get("/login")).text
    answer = await http.get("/language/en", params={"next": "/login"})
    assert answer.headers["location"] == "/login"
    page = await http.get("/login")
    assert '<html lang="en">' in page.text and "Sign in" in page.text


async def test_a_tampered_cookie_is_no_session(web: WebApp) -> None:
    made = await web.user("manager")
    http = await web.signed_in(made)
    value = http.cookies.get("reintegratie_session")
    assert value
    http.cookies.set("reintegratie_session", value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB"))
    assert (await http.get("/")).status_code == 303
