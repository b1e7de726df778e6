"""The web app in-process (httpx over ASGI, lifespan run) on a fresh SQLite store and the real dev server."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from integrations.accounts import AccountStore, NewAccount
from integrations.store import CaseRecord, CaseStore
from reintegratie.config.settings import Settings
from tests.support import TEST_SECRET_KEY, SmtpSink, bearer
from web.app import create_app
from worker import running_worker

PASSWORD = "correct horse battery staple"


def web_settings(env: WorkflowEnvironment, tmp_path: Path, *, port: int = 8000) -> Settings:
    return Settings(
        temporal_address=env.client.service_client.config.target_host,
        task_queue=f"web-{uuid.uuid4().hex[:8]}",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'store.db'}",
        smtp_host="127.0.0.1",
        smtp_port=25,
        smtp_tls="none",
        mail_from="verzuim@example.nl",
        web_port=port,
        public_url=f"http://127.0.0.1:{port}",
        data_dir=tmp_path,
        secret_key=TEST_SECRET_KEY,
    )


async def eventually(read: Callable[[], Awaitable[Any]], check: Callable[[Any], bool], timeout: float = 45.0) -> Any:
    """``read()`` again until ``check`` holds for its value (a case works asynchronously); that value."""
    async with asyncio.timeout(timeout):
        while True:
            value = await read()
            if check(value):
                return value
            await asyncio.sleep(0.1)


async def command(http: httpx.AsyncClient, case_id: str, name: str, body: dict[str, Any]) -> None:
    """Give a command; right after the intake the case may still be opening (409 not_ready): try again,
    as a person would."""
    answer = await eventually(
        lambda: http.post(f"/api/cases/{case_id}/commands/{name}", json=body),
        lambda answer: answer.status_code != 409 or answer.json().get("code") != "not_ready",
    )
    assert answer.status_code == 200, f"{name}: {answer.text}"


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


@dataclass
class WebApp:
    app: FastAPI
    settings: Settings
    accounts: AccountStore
    store: CaseStore
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self, **headers: str) -> httpx.AsyncClient:
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver", headers=headers
        )
        self.clients.append(http)
        return http

    async def user(self, role: str, email: str | None = None, *, totp: bool = False) -> NewAccount:
        return await self.accounts.add(
            email=email or f"{role}-{uuid.uuid4().hex[:6]}@example.nl", role=role, password=PASSWORD, totp=totp
        )

    async def token_client(self, made: NewAccount) -> httpx.AsyncClient:
        return self.client(**bearer(await self.accounts.issue_token(made.account.id)))

    async def signed_in(self, made: NewAccount) -> httpx.AsyncClient:
        """A browser-like client that went through /login (and the TOTP step when the account has one)."""
        http = self.client()
        page = await http.get("/login")
        answer = await http.post(
            "/login", data={"email": made.account.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
        )
        assert answer.status_code == 303, answer.text
        if made.totp_secret is not None:
            assert answer.headers["location"] == "/login/totp"
            page = await http.get("/login/totp")
            answer = await http.post(
                "/login/totp", data={"code": pyotp.TOTP(made.totp_secret).now(), "csrf_token": csrf_of(page.text)}
            )
            assert answer.status_code == 303, answer.text
        return http

    async def case(
        self,
        *,
        employee: str,
        manager: str,
        coach: str | None = None,
        buddy: str | None = None,
        phase: str = "ziekgemeld",
    ) -> str:
        """A case in the read model with its people, as the workflow's activity writes it."""
        case_id = f"case-{uuid.uuid4().hex}"
        await self.store.upsert_case(
            CaseRecord(
                case_id=case_id,
                employee_name="Sanne de Vries",
                employee_email=employee,
                manager_name="Mark Jansen",
                manager_email=manager,
                org_unit=None,
                first_sick_day=date(2026, 1, 5),
                phase=phase,
            )
        )
        for role, email in (("employee", employee), ("manager", manager), ("coach", coach), ("buddy", buddy)):
            if email:
                await self.store.set_people(case_id, role, [email])
        return case_id


@pytest.fixture
async def web(dev_server: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[WebApp]:
    settings = web_settings(dev_server, tmp_path)
    mail = tmp_path / "mail"
    mail.mkdir()
    app = create_app(settings, client=dev_server.client, mail_folder=mail)
    async with app.router.lifespan_context(app):
        web_app = WebApp(app, settings, app.state.accounts, app.state.store)
        try:
            yield web_app
        finally:
            for http in web_app.clients:
                await http.aclose()


@pytest.fixture
async def live_web(dev_server: WorkflowEnvironment, smtp_sink: SmtpSink, tmp_path: Path) -> AsyncIterator[WebApp]:
    """The web app in-process with a real worker behind it: cases run, commands reach the rules."""
    settings = web_settings(dev_server, tmp_path).model_copy(
        update={"smtp_host": smtp_sink.host, "smtp_port": smtp_sink.port}
    )
    app = create_app(settings, client=dev_server.client)
    async with app.router.lifespan_context(app), running_worker(settings, dev_server.client):
        web_app = WebApp(app, settings, app.state.accounts, app.state.store)
        try:
            yield web_app
        finally:
            for http in web_app.clients:
                await http.aclose()


async def sign_in_with_code(page: Any, url: str, email: str, secret: str, *, lands_on: str) -> None:
    """In the browser: open ``url``, sign in on the sign-in page it leads to (password, then the
    current TOTP code) and wait until the browser is back at ``lands_on`` (a URL pattern)."""
    await page.goto(url)
    await page.get_by_label("E-mailadres").fill(email)
    await page.get_by_label("Wachtwoord").fill(PASSWORD)
    await page.get_by_role("button", name="Aanmelden").click()
    await page.wait_for_url("**/login/totp")
    await page.get_by_label("Code uit je authenticator-app").fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Bevestigen").click()
    await page.wait_for_url(lands_on)


async def open_live_case(hr: httpx.AsyncClient, manager_email: str, *, days_ago: int = 3) -> str:
    """A new case through the API (as HR), once its workflow answers and its row is written."""
    from datetime import UTC, datetime, timedelta

    from states.clock import local_date

    today = local_date(datetime.now(UTC))
    created = await hr.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": f"sanne-{uuid.uuid4().hex[:6]}@example.nl"},
            "manager": {"name": "Mark Jansen", "email": manager_email},
            "first_sick_day": (today - timedelta(days=days_ago)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id = str(created.json()["case_id"])
    await eventually(
        lambda: hr.get(f"/api/cases/{case_id}"),
        lambda answer: answer.status_code == 200 and answer.json()["live"] and answer.json()["employee_name"],
    )
    return case_id
