"""Sign-in limits (issue 20): a growing delay instead of a lock, a way past it, trusted proxies, one
count for every web process.

The counts are in the store (integrations.sign_in_failures, whose own tests are in
tests/integrations/test_sign_in_failures.py); they take their clock as a callable, and these tests
drive it by hand and never wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pyotp
import pytest
import uvicorn

from integrations.sign_in_failures import SignInFailures
from reintegratie.config.settings import SettingsError, load_settings
from tests.integrations.test_sign_in_failures import Clock
from tests.support import bearer
from tests.web.conftest import PASSWORD, WebApp, csrf_of
from web.app import create_app
from web.signin_limits import SERVER_OPTIONS

# Through the sign-in form.


def _driven(web: WebApp, clock: Clock) -> None:
    """Limiters as the app makes them, but on the test's clock."""
    sessionmaker = web.app.state.sessionmaker
    web.app.state.limit_account = SignInFailures(sessionmaker, limiter="account", delay_after=3, clock=clock)
    web.app.state.limit_client = SignInFailures(sessionmaker, limiter="client", delay_after=10, clock=clock)


def _from(web: WebApp, address: str, **headers: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web.app, client=(address, 40000)),
        base_url="http://testserver",
        headers=headers,
    )
    web.clients.append(http)
    return http


async def _login(http: httpx.AsyncClient, email: str, password: str, code: str | None = None) -> httpx.Response:
    page = await http.get("/login")
    form = {"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    if code is not None:
        form["code"] = code
    return await http.post("/login", data=form)


async def test_an_attacker_slows_the_account_but_cannot_lock_it(web: WebApp) -> None:
    clock = Clock()
    _driven(web, clock)
    made = await web.user("manager")
    attacker = _from(web, "198.51.100.66")
    for _ in range(3):
        assert (await _login(attacker, made.account.email, "wrong password!")).status_code == 401
    slowed = await _login(_from(web, "192.0.2.10"), made.account.email, PASSWORD)
    assert slowed.status_code == 429 and slowed.headers["retry-after"] == "1"
    assert "Probeer het over 1 seconde opnieuw." in slowed.text
    clock.now += 1
    owner = _from(web, "192.0.2.10")
    assert (await _login(owner, made.account.email, PASSWORD)).status_code == 303
    assert (await owner.get("/")).status_code == 200


async def test_the_owner_gets_past_the_delay_with_password_and_totp(web: WebApp) -> None:
    clock = Clock()
    _driven(web, clock)
    made = await web.user("hr")
    assert made.totp_secret is not None
    attacker = _from(web, "198.51.100.66")
    for _ in range(9):
        clock.now += 300  # each try after the delay has passed
        await _login(attacker, made.account.email, "wrong password!")
    owner = _from(web, "192.0.2.10")
    delayed = await _login(owner, made.account.email, PASSWORD)
    assert delayed.status_code == 429 and delayed.headers["retry-after"] == "64"
    assert 'name="code"' in delayed.text and "authenticator" in delayed.text
    # A wrong code with the right password does not pass, and answers just like a wrong password.
    wrong_code = await _login(owner, made.account.email, PASSWORD, "000000")
    wrong_password = await _login(_from(web, "192.0.2.11"), made.account.email, "wrong password!", "123456")
    assert wrong_code.status_code == wrong_password.status_code == 429
    answer = await _login(owner, made.account.email, PASSWORD, pyotp.TOTP(made.totp_secret).now())
    assert answer.status_code == 303
    assert (await owner.get("/")).status_code == 200
    # A success ends the account's delay: the next sign-in is as usual.
    assert (await _login(_from(web, "192.0.2.12"), made.account.email, PASSWORD)).status_code == 303


async def test_a_correct_code_at_the_totp_step_passes_a_delay_that_began_meanwhile(web: WebApp) -> None:
    clock = Clock()
    _driven(web, clock)
    made = await web.user("hr")
    assert made.totp_secret is not None
    owner = _from(web, "192.0.2.10")
    assert (await _login(owner, made.account.email, PASSWORD)).headers["location"] == "/login/totp"
    for _ in range(5):
        clock.now += 300
        await _login(_from(web, "198.51.100.66"), made.account.email, "wrong password!")
    assert (await _login(_from(web, "192.0.2.11"), made.account.email, PASSWORD)).status_code == 429
    page = await owner.get("/login/totp")
    code = pyotp.TOTP(made.totp_secret).now()
    answer = await owner.post("/login/totp", data={"code": code, "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303


async def test_wrong_codes_after_a_right_password_slow_every_way_in(web: WebApp) -> None:
    """Only who knows the password can make these failures, so neither a right code nor the other form passes them."""
    clock = Clock()
    _driven(web, clock)
    made = await web.user("hr")
    assert made.totp_secret is not None
    knows_password = _from(web, "198.51.100.66")
    assert (await _login(knows_password, made.account.email, PASSWORD)).headers["location"] == "/login/totp"
    page = await knows_password.get("/login/totp")
    for _ in range(3):
        wrong = await knows_password.post("/login/totp", data={"code": "000000", "csrf_token": csrf_of(page.text)})
        assert wrong.status_code == 401
    right = await knows_password.post(
        "/login/totp", data={"code": pyotp.TOTP(made.totp_secret).now(), "csrf_token": csrf_of(page.text)}
    )
    assert right.status_code == 429 and right.headers["retry-after"] == "1"
    # Wrong passwords from elsewhere delay the account; password and code together do not pass the code's delay.
    for _ in range(3):
        await _login(_from(web, "192.0.2.50"), made.account.email, "wrong password!")
    combined = await _login(_from(web, "192.0.2.51"), made.account.email, PASSWORD, pyotp.TOTP(made.totp_secret).now())
    assert combined.status_code == 429
    hr_api = await web.token_client(await web.user("hr"))
    ended = await hr_api.post("/api/sign-in-delays/end", json={"email": made.account.email})
    assert ended.json()["was_delayed"] is True
    assert (await _login(_from(web, "192.0.2.52"), made.account.email, PASSWORD)).headers["location"] == "/login/totp"


async def test_the_client_that_failed_is_slowed_whatever_account_it_tries(web: WebApp) -> None:
    clock = Clock()
    _driven(web, clock)
    made = await web.user("hr")
    assert made.totp_secret is not None
    attacker = _from(web, "198.51.100.66")
    for number in range(10):
        await _login(attacker, f"guess-{number}@example.nl", "wrong password!")
    answer = await _login(attacker, made.account.email, PASSWORD, pyotp.TOTP(made.totp_secret).now())
    assert answer.status_code == 429 and answer.headers["retry-after"] == "1"
    assert 'name="code"' not in answer.text
    assert (await _login(_from(web, "192.0.2.10"), made.account.email, PASSWORD)).status_code == 303


async def test_the_page_says_when_to_try_again_in_english_too(web: WebApp) -> None:
    clock = Clock()
    _driven(web, clock)
    made = await web.user("manager")
    http = _from(web, "192.0.2.10")
    await http.get("/language/en")
    for _ in range(10):
        clock.now += 300
        await _login(_from(web, "198.51.100.66"), made.account.email, "wrong password!")
    answer = await _login(http, made.account.email, PASSWORD)
    assert answer.status_code == 429 and answer.headers["retry-after"] == "128"
    assert "Try again in 3 minutes." in answer.text


async def test_hr_ends_an_account_delay(web: WebApp) -> None:
    clock = Clock()
    _driven(web, clock)
    made = await web.user("manager")
    for _ in range(12):
        clock.now += 300
        await _login(_from(web, "198.51.100.66"), made.account.email, "wrong password!")
    assert (await _login(_from(web, "192.0.2.10"), made.account.email, PASSWORD)).status_code == 429

    manager_api = await web.token_client(await web.user("manager"))
    refused = await manager_api.post("/api/sign-in-delays/end", json={"email": made.account.email})
    assert refused.status_code == 403
    hr_api = await web.token_client(await web.user("hr"))
    ended = await hr_api.post("/api/sign-in-delays/end", json={"email": made.account.email.upper()})
    assert ended.status_code == 200 and ended.json() == {"email": made.account.email, "was_delayed": True}
    assert (await _login(_from(web, "192.0.2.10"), made.account.email, PASSWORD)).status_code == 303
    again = await hr_api.post("/api/sign-in-delays/end", json={"email": made.account.email})
    assert again.json()["was_delayed"] is False
    bad = await hr_api.post("/api/sign-in-delays/end", json={"email": "not an address"})
    assert bad.status_code == 422


# Every web process.


@pytest.fixture
async def second_process(web: WebApp) -> AsyncIterator[WebApp]:
    """Another app on the same settings and database, with its own engine: a second web process."""
    app = create_app(web.settings, client=web.app.state.temporal)
    async with app.router.lifespan_context(app):
        other = WebApp(app, web.settings, app.state.accounts, app.state.store)
        try:
            yield other
        finally:
            for http in other.clients:
                await http.aclose()


async def test_every_web_process_counts_the_same_failures(web: WebApp, second_process: WebApp) -> None:
    """Two web apps on one store count the same failures: the app's limiters are kept in the store
    (here on the test's clock, so that no assertion depends on how fast the requests go)."""
    for process in (web, second_process):
        assert isinstance(process.app.state.limit_account, SignInFailures)
        assert isinstance(process.app.state.limit_client, SignInFailures)
    clock = Clock()
    _driven(web, clock)
    _driven(second_process, clock)
    made = await web.user("manager")
    hr_api = await second_process.token_client(await web.user("hr"))
    for process in (web, second_process, web):
        failed = await _login(_from(process, "198.51.100.66"), made.account.email, "wrong password!")
        assert failed.status_code == 401
    slowed = await _login(_from(second_process, "192.0.2.10"), made.account.email, PASSWORD)
    assert slowed.status_code == 429 and slowed.headers["retry-after"] == "1"
    ended = await hr_api.post("/api/sign-in-delays/end", json={"email": made.account.email})
    assert ended.json()["was_delayed"] is True
    assert (await _login(_from(web, "192.0.2.10"), made.account.email, PASSWORD)).status_code == 303


# Whose address counts.


async def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(web: WebApp) -> None:
    clock = Clock()
    _driven(web, clock)
    for number in range(10):
        spoofed = _from(web, "198.51.100.66", **{"X-Forwarded-For": f"203.0.113.{number}"})
        await _login(spoofed, f"guess-{number}@example.nl", "wrong password!")
    other = _from(web, "198.51.100.66", **{"X-Forwarded-For": "203.0.113.200"})
    assert (await _login(other, "guess-x@example.nl", "wrong password!")).status_code == 429


async def test_a_forwarded_address_from_a_trusted_proxy_is_used(web: WebApp) -> None:
    clock = Clock()
    _driven(web, clock)
    web.app.state.settings = web.settings.model_copy(update={"trusted_proxies": "10.0.0.0/8, 192.0.2.1"})
    for number in range(10):
        via_proxy = _from(web, "10.1.2.3", **{"X-Forwarded-For": "203.0.113.9"})
        await _login(via_proxy, f"guess-{number}@example.nl", "wrong password!")
    # The proxy's other clients are not slowed; the one that failed is, also through a second proxy.
    fresh = _from(web, "10.1.2.3", **{"X-Forwarded-For": "203.0.113.10"})
    assert (await _login(fresh, "guess-x@example.nl", "wrong password!")).status_code == 401
    chained = _from(web, "192.0.2.1", **{"X-Forwarded-For": "1.2.3.4, 203.0.113.9, 10.9.9.9"})
    assert (await _login(chained, "guess-y@example.nl", "wrong password!")).status_code == 429


async def test_the_trusted_proxies_setting_is_checked() -> None:
    base: dict[str, Any] = {
        "temporal_address": "127.0.0.1:7233",
        "database_url": "sqlite+aiosqlite:///x.db",
        "smtp_host": "127.0.0.1",
        "smtp_port": 25,
        "smtp_tls": "none",
        "mail_from": "verzuim@example.nl",
    }
    assert load_settings(**base).trusted_proxy_networks == ()
    settings = load_settings(**base, trusted_proxies=" 10.0.0.0/8 ,::1,192.0.2.7")
    assert [str(network) for network in settings.trusted_proxy_networks] == ["10.0.0.0/8", "::1/128", "192.0.2.7/32"]
    for wrong in ("*", "proxy.example.nl", "10.0.0.1/8"):
        with pytest.raises(SettingsError, match="REINTEGRATIE_TRUSTED_PROXIES"):
            load_settings(**base, trusted_proxies=wrong)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: pytest keeps Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@pytest.fixture
async def served(web: WebApp) -> AsyncIterator[str]:
    """The app behind a real uvicorn with the options `reintegratie web` and the dev stack use."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = _QuietServer(uvicorn.Config(web.app, log_level="warning", lifespan="off", **SERVER_OPTIONS))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving
        listener.close()


async def test_the_server_itself_does_not_trust_forwarded_headers(web: WebApp, served: str) -> None:
    clock = Clock()
    _driven(web, clock)
    async with httpx.AsyncClient(base_url=served) as http:
        for number in range(10):
            http.headers["X-Forwarded-For"] = f"203.0.113.{number}"
            await _login(http, f"guess-{number}@example.nl", "wrong password!")
        http.headers["X-Forwarded-For"] = "203.0.113.200"
        assert (await _login(http, "guess-x@example.nl", "wrong password!")).status_code == 429


async def test_api_tokens_are_not_slowed_by_sign_in_failures(web: WebApp) -> None:
    """The API has no sign-in route of its own: tokens come from the command line, long and random."""
    clock = Clock()
    _driven(web, clock)
    made = await web.user("manager")
    for _ in range(12):
        clock.now += 300
        await _login(_from(web, "127.0.0.1"), made.account.email, "wrong password!")
    api = _from(web, "127.0.0.1", **bearer(await web.accounts.issue_token(made.account.id)))
    assert (await api.get("/api/cases")).status_code == 200
