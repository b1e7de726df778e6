"""Accessibility in the real browser (Debian's headless Chromium, driven by playwright): axe-core
(bundled by axe-playwright-python) checks every page against WCAG 2.1 A and AA, signed in as each
role, and finds no serious or critical violation. The intake form and a command form work with the
keyboard alone (Tab, typing, arrows, Space and Enter; no mouse).

One stack for the module: the real Temporal dev server, a worker, the web app on a free port with the
local mail catcher (aiosmtpd) behind /outbox, SQLite, and one browser with a signed-in context per role.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from temporalio.testing import WorkflowEnvironment

from integrations.accounts import AccountStore
from integrations.db import make_engine, make_sessionmaker
from integrations.mailcatcher import MailCatcher, list_caught
from reintegratie.config.settings import Settings
from states.workdays import working_day_on_or_before
from tests.support import create_tables, free_port, missing_peer
from tests.web.conftest import PASSWORD, command, eventually, web_settings
from tests.web.test_browser import CHROMIUM, CHROMIUM_FLAGS

# WCAG 2.1 level A and AA; a page fails on a violation of these impacts.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
FIRST_SICK_DAY = date.today() - timedelta(days=30)
ROLES = ("hr", "manager", "coach", "employee", "buddy", "auditor")


@dataclass
class A11yStack:
    base: str
    settings: Settings
    token: str  # HR's API token
    emails: dict[str, str]
    secrets: dict[str, str]  # TOTP secrets of the roles that need one
    case_id: str = ""
    message: str = ""  # one message's name in the outbox
    contexts: dict[str, Any] = field(default_factory=dict)  # role -> signed-in browser context


@asynccontextmanager
async def _serve(settings: Settings, env: WorkflowEnvironment, mail_folder: Path) -> AsyncIterator[None]:
    """A worker and the web app (with the mail catcher's folder as its outbox) on ``settings.web_port``."""
    import uvicorn

    from reintegratie.app.devstack import _QuietServer
    from web.app import create_app
    from worker import running_worker

    async with running_worker(settings, env.client):
        app = create_app(settings, client=env.client, mail_folder=mail_folder)
        server = _QuietServer(uvicorn.Config(app, host="127.0.0.1", port=settings.web_port, log_level="warning"))
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            server.should_exit = True
            await serving


@pytest.fixture(scope="module")
async def a11y_stack(
    dev_server: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[A11yStack]:
    tmp_path = tmp_path_factory.mktemp("a11y")
    folder = tmp_path / "mail"
    catcher = MailCatcher(folder, port=free_port())
    catcher.start()
    port = free_port()
    settings = web_settings(dev_server, tmp_path, port=port).model_copy(
        update={"smtp_host": catcher.host, "smtp_port": catcher.port}
    )
    engine = make_engine(settings.database_url)
    await create_tables(engine)
    accounts = AccountStore(make_sessionmaker(engine))
    names = {
        "hr": "Hanna HR",
        "manager": "Mark Jansen",
        "coach": "Carla Coach",
        "employee": "Sanne de Vries",
        "buddy": "Bram Buddy",
        "auditor": "Anouk Audit",
    }
    emails = {role: f"{role}-{uuid.uuid4().hex[:6]}@example.nl" for role in ROLES}
    secrets: dict[str, str] = {}
    ids: dict[str, int] = {}
    for role in ROLES:
        made = await accounts.add(email=emails[role], role=role, name=names[role], password=PASSWORD)
        if made.totp_secret is not None:
            secrets[role] = made.totp_secret
        ids[role] = made.account.id
    token = await accounts.issue_token(ids["hr"])
    buddy_token = await accounts.issue_token(ids["buddy"])
    await engine.dispose()
    stack = A11yStack(settings.public_url, settings, token, emails, secrets)
    try:
        async with _serve(settings, dev_server, folder):
            async with httpx.AsyncClient(
                base_url=stack.base, headers={"Authorization": f"Bearer {token}"}, timeout=30
            ) as api:
                created = await api.post(
                    "/api/cases",
                    json={
                        "employee": {"name": names["employee"], "email": emails["employee"]},
                        "manager": {"name": names["manager"], "email": emails["manager"]},
                        "coach": {"name": names["coach"], "email": emails["coach"]},
                        "first_sick_day": FIRST_SICK_DAY.isoformat(),
                        "org_unit": "Logistiek",
                    },
                )
                assert created.status_code == 201, created.text
                months = sorted({(date.today() - timedelta(days=days)).strftime("%Y-%m") for days in (0, 31, 62)})
                register = "month,org_unit,headcount,fte\n" + "".join(f"{m},Logistiek,10,9\n" for m in months)
                imported = await api.post(  # the workforce register: the statistics page draws its charts
                    "/api/workforce", content=register.encode(), headers={"content-type": "text/csv"}
                )
                assert imported.is_success, imported.text
                stack.case_id = created.json()["case_id"]
                await command(api, stack.case_id, "probleemanalyse_received", {})
                await command(
                    api,
                    stack.case_id,
                    "plan_van_aanpak_signed",
                    {"plan": {"hours_per_week": 8, "tasks": ["administratie"], "employer_view": "Rustig opbouwen."}},
                )
                await command(
                    api,
                    stack.case_id,
                    "progress_talk_held",
                    {"went": "good", "summary": "Opbouw besproken.", "report": {"agreed": "Vier uur per dag."}},
                )
                start = working_day_on_or_before(date.today()).isoformat()
                schedule = {"schedule": [{"from_date": start, "hours_per_week": 8}]}
                await command(api, stack.case_id, "build_up_started", schedule)
                await command(api, stack.case_id, "buddy_consent", {"given": True})
                chosen = {"buddy": {"name": names["buddy"], "email": emails["buddy"]}}
                await command(api, stack.case_id, "choose_buddy", chosen)
                await eventually(
                    lambda: api.get(f"/api/cases/{stack.case_id}/dossier"),
                    lambda answer: any(r["part"] == "gespreksverslag" for r in answer.json()["records"]),
                )
            async with httpx.AsyncClient(
                base_url=stack.base, headers={"Authorization": f"Bearer {buddy_token}"}
            ) as buddy:
                await eventually(  # the read model knows the buddy: the practical view is theirs
                    lambda: buddy.get(f"/api/cases/{stack.case_id}"), lambda answer: answer.status_code == 200
                )
            messages = await eventually(lambda: _caught(folder), bool)
            stack.message = messages[0].name
            yield stack
    finally:
        catcher.stop()


async def _caught(folder: Path) -> list[Any]:
    return list_caught(folder)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        missing_peer(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        missing_peer("playwright is missing: install the test extras (pip install -e '.[test]')")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()


async def _context(browser: Any) -> Any:
    context = await browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 800})
    context.set_default_timeout(30_000)
    return context


async def _fill_sign_in(page: Any, stack: A11yStack, role: str, password: str = PASSWORD) -> None:
    await page.goto(f"{stack.base}/login")
    await page.get_by_label("E-mailadres").fill(stack.emails[role])
    await page.get_by_label("Wachtwoord").fill(password)
    await page.get_by_role("button", name="Aanmelden").click()


async def signed_in(browser: Any, stack: A11yStack, role: str) -> Any:
    """The role's browser context, signed in once for the module (TOTP for HR and the auditor)."""
    if role not in stack.contexts:
        context = await _context(browser)
        page = await context.new_page()
        await _fill_sign_in(page, stack, role)
        if role in stack.secrets:
            await page.wait_for_url("**/login/totp")
            await page.get_by_label("Code uit je authenticator-app").fill(pyotp.TOTP(stack.secrets[role]).now())
            await page.get_by_role("button", name="Bevestigen").click()
        await page.wait_for_url(f"{stack.base}/")
        await page.goto(f"{stack.base}/language/nl?next=/")  # the pages in Dutch, whatever the account says
        await page.close()
        stack.contexts[role] = context
    return stack.contexts[role]


# --- The pages: (id, role or None for a fresh anonymous browser, what to do to get there) ---------------

Visit = Callable[[Any, A11yStack], Awaitable[None]]


def go(path: str, status: int = 200) -> Visit:
    async def visit(page: Any, stack: A11yStack) -> None:
        answer = await page.goto(stack.base + path.format(case=stack.case_id, message=stack.message))
        assert answer.status == status, f"{path}: {answer.status}"

    return visit


async def _sign_in_refused(page: Any, stack: A11yStack) -> None:
    await _fill_sign_in(page, stack, "manager", password="not the password")
    await page.locator("#login-error").wait_for()
    for control in ("#email", "#password"):  # the error is told with each field it is about
        assert "login-error" in (await page.locator(control).get_attribute("aria-describedby") or "")


async def _totp(page: Any, stack: A11yStack) -> None:
    await _fill_sign_in(page, stack, "hr")
    await page.wait_for_url("**/login/totp")


async def _totp_refused(page: Any, stack: A11yStack) -> None:
    await _totp(page, stack)
    await page.get_by_label("Code uit je authenticator-app").fill("000000")
    await page.get_by_role("button", name="Bevestigen").click()
    await page.locator(".error").first.wait_for()


async def _intake_errors(page: Any, stack: A11yStack) -> None:
    await page.goto(f"{stack.base}/cases/new")
    await page.fill("#employee-email", "sanne-at-example.nl")
    await page.fill("#first_sick_day", (date.today() + timedelta(days=400)).isoformat())
    await page.get_by_role("button", name="Casus starten").click()
    await page.locator("#form-errors").wait_for()


async def _command_opened(page: Any, stack: A11yStack) -> None:
    await go("/cases/{case}?do=progress_talk_held")(page, stack)
    assert await page.locator("#cmd-progress_talk_held").get_attribute("open") is not None  # `?do=` opens it


async def _command_refused(page: Any, stack: A11yStack) -> None:
    await page.goto(f"{stack.base}/cases/{stack.case_id}?do=progress_talk_held")
    form = page.locator("#cmd-progress_talk_held")
    await form.get_by_label("Op (datum; leeg is vandaag)").fill((FIRST_SICK_DAY - timedelta(days=7)).isoformat())
    await form.get_by_role("button").click()
    await page.locator("#progress_talk_held-refusal").wait_for()


async def _upload_refused(page: Any, stack: A11yStack) -> None:
    await page.goto(f"{stack.base}/cases/{stack.case_id}/dossier")
    await page.get_by_label("Onderdeel van het dossier").select_option("tweede_spoor")
    program = {"name": "rapport.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00" + b"\x00" * 512}
    await page.locator("#upload-file").set_input_files(files=[program])
    await page.get_by_role("button", name="Toevoegen").click()
    await page.locator("#upload-error").wait_for()


async def _statistics(page: Any, stack: A11yStack) -> None:
    answer = await page.goto(f"{stack.base}/statistics")
    assert answer.status == 200
    assert await page.locator("main svg").count() >= 3  # the charts (each with its table of numbers)


def _bad_csv(path: str, file_field: str, content: bytes) -> Visit:
    """``path``'s upload form with a CSV it refuses: the page with its errors."""

    async def visit(page: Any, stack: A11yStack) -> None:
        await page.goto(stack.base + path)
        upload = {"name": "fout.csv", "mimeType": "text/csv", "buffer": content}
        await page.locator(file_field).set_input_files(files=[upload])
        await page.locator(f"form:has({file_field}) button[type=submit]").click()
        await page.locator("main .error").first.wait_for()

    return visit


async def _feed_url(page: Any, stack: A11yStack) -> None:
    await page.goto(f"{stack.base}/feed")
    await page.get_by_role("button", name="Nieuw adres maken").click()
    await page.locator("#feed-url").wait_for()


PAGES: list[tuple[str, str | None, Visit]] = [
    ("sign-in", None, go("/login")),
    ("sign-in-refused", None, _sign_in_refused),
    ("sign-in-english", None, go("/language/en?next=/login")),
    ("totp", None, _totp),
    ("totp-refused", None, _totp_refused),
    *((f"home-{role}", role, go("/")) for role in ROLES),
    ("intake", "hr", go("/cases/new")),
    ("intake-errors", "hr", _intake_errors),
    ("case-hr", "hr", go("/cases/{case}")),
    ("case-manager", "manager", go("/cases/{case}")),
    ("case-coach", "coach", go("/cases/{case}")),
    ("case-employee", "employee", go("/cases/{case}")),
    ("case-buddy", "buddy", go("/cases/{case}")),
    ("case-auditor", "auditor", go("/cases/{case}")),
    ("case-do-form", "manager", _command_opened),
    ("case-command-refused", "manager", _command_refused),
    ("history", "auditor", go("/cases/{case}/history")),
    ("dossier-hr", "hr", go("/cases/{case}/dossier")),
    ("dossier-upload-refused", "hr", _upload_refused),
    ("dossier-employee", "employee", go("/cases/{case}/dossier")),
    ("retention", "hr", go("/retention")),
    ("mail-settings", "employee", go("/settings/mail")),
    ("feed", "manager", go("/feed")),
    ("feed-url", "manager", _feed_url),
    ("outbox", "hr", go("/outbox")),
    ("outbox-message", "hr", go("/outbox/{message}")),
    ("docs", "hr", go("/docs")),
    # The caseload pages (issue 21): the work queue, the case list with its search, statistics, the
    # workforce register and the import of running cases.
    ("work-queue-hr", "hr", go("/work-queue")),
    ("work-queue-manager", "manager", go("/work-queue")),
    ("cases-hr", "hr", go("/cases")),
    ("cases-search", "hr", go("/cases?q=Sanne&overdue=false")),
    ("cases-search-errors", "hr", go("/cases?sick_from=gisteren", 422)),
    ("cases-manager", "manager", go("/cases")),
    ("statistics-hr", "hr", _statistics),
    ("statistics-auditor", "auditor", _statistics),
    ("workforce", "hr", go("/workforce")),
    (
        "workforce-errors",
        "hr",
        _bad_csv("/workforce", "#workforce-file", b"month,org_unit,headcount,fte\n2026-13,,-1,veel\n"),
    ),
    ("case-import", "hr", go("/cases/import")),
    ("case-import-errors", "hr", _bad_csv("/cases/import", "#import-file", b"wie,wat\nSanne,ziek\n")),
    ("not-found", "hr", go("/no-such-page", 404)),
    ("forbidden", "manager", go("/cases/new", 403)),
]


def _report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"  {', '.join(map(str, node['target']))}: {node.get('html', '')[:160]} | {summary[:300]}")
    return "\n".join(lines)


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe-core finds on the page as it is now."""
    from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]  # ships no py.typed

    results = await Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    )
    violations: list[dict[str, Any]] = results.response["violations"]
    return violations


@pytest.mark.parametrize(("role", "visit"), [pytest.param(role, visit, id=name) for name, role, visit in PAGES])
async def test_page_has_no_serious_accessibility_violation(
    browser: Any, a11y_stack: A11yStack, role: str | None, visit: Visit
) -> None:
    context = await (_context(browser) if role is None else signed_in(browser, a11y_stack, role))
    page = await context.new_page()
    try:
        await visit(page, a11y_stack)
        await page.wait_for_load_state("load")
        assert await page.locator("html").get_attribute("lang") in ("nl", "en")
        violations = await axe_violations(page)
    finally:
        await page.close()
        if role is None:
            await context.close()
    if violations:
        print(f"axe on {page.url}:\n{_report(violations)}")
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe-core on {page.url}:\n{_report(failing)}"


# --- The keyboard alone ---------------------------------------------------------------------------------


async def _focused(page: Any, selector: str) -> bool:
    return bool(await page.locator(selector).evaluate("element => element === document.activeElement"))


async def tab_to(page: Any, selector: str, *, most: int = 80) -> None:
    """Press Tab until ``selector`` has the focus (it must be reachable by Tab, after the current focus)."""
    for _ in range(most):
        await page.keyboard.press("Tab")
        if await _focused(page, selector):
            # Whoever tabs must see where they are: the focused control shows an outline.
            outline = await page.locator(selector).evaluate("element => getComputedStyle(element).outlineStyle")
            assert outline != "none", f"{selector} has the focus but shows no outline"
            return
    raise AssertionError(f"{selector} was not reached with {most} presses of Tab")


async def test_the_intake_form_works_with_the_keyboard_alone(browser: Any, a11y_stack: A11yStack) -> None:
    page = await (await signed_in(browser, a11y_stack, "hr")).new_page()
    employee = f"kees-{uuid.uuid4().hex[:6]}@example.nl"
    # A day whose day and month are the same number: the date field takes the digits typed in the
    # browser's own order (dd-mm-jjjj or mm/dd/yyyy), and either order gives this day.
    sick = next(day for day in (date.today() - timedelta(days=n) for n in range(1, 400)) if day.day == day.month)
    try:
        await page.goto(f"{a11y_stack.base}/cases/new")
        await tab_to(page, "#employee-name")
        await page.keyboard.type("Kees Toetsenbord")
        await page.keyboard.press("Tab")  # the next field in reading order
        assert await _focused(page, "#employee-email")
        await page.keyboard.type(employee)
        await tab_to(page, "#manager-name")
        await page.keyboard.type("Mark Jansen")
        await page.keyboard.press("Tab")
        await page.keyboard.type(a11y_stack.emails["manager"])
        await tab_to(page, "#first_sick_day")
        await page.keyboard.type(sick.strftime("%d%m%Y"))  # typed segment by segment
        assert await page.locator("#first_sick_day").input_value() == sick.isoformat()
        await tab_to(page, "#contact-channel")
        await page.keyboard.press("ArrowDown")  # telefoon -> video
        assert await page.locator("#contact-channel").input_value() == "video"
        await tab_to(page, "input[name=work_accident]:checked")  # the group's chosen answer: "onbekend"
        await page.keyboard.press("ArrowLeft")  # -> "nee"
        assert await page.locator("input[name=work_accident][value=no]").is_checked()
        await tab_to(page, "#intake-form button[type=submit]")
        await page.keyboard.press("Enter")
        await page.get_by_role("heading", name="Casus gestart").wait_for()
        case_id = str(await page.locator("#case-link").get_attribute("href")).rsplit("/", 1)[-1]
        failing = [v for v in await axe_violations(page) if v["impact"] in FAILING_IMPACTS]
        assert not failing, f"axe-core on {page.url}:\n{_report(failing)}"
    finally:
        await page.close()

    async with httpx.AsyncClient(
        base_url=a11y_stack.base, headers={"Authorization": f"Bearer {a11y_stack.token}"}
    ) as api:
        made = await eventually(
            lambda: api.get(f"/api/cases/{case_id}"), lambda answer: answer.json().get("employee_name")
        )
    assert made.json()["employee_name"] == "Kees Toetsenbord"
    assert made.json()["first_sick_day"] == sick.isoformat()


async def test_a_command_form_works_with_the_keyboard_alone(browser: Any, a11y_stack: A11yStack) -> None:
    page = await (await signed_in(browser, a11y_stack, "manager")).new_page()
    try:
        await page.goto(f"{a11y_stack.base}/cases/{a11y_stack.case_id}")
        form = "#cmd-progress_talk_held"
        await tab_to(page, f"{form} > summary")
        await page.keyboard.press("Enter")  # opens the short form
        assert await page.locator(form).get_attribute("open") is not None
        await tab_to(page, "#progress_talk_held-went")
        await page.keyboard.press("ArrowDown")  # the first answer after the empty one
        went = await page.locator("#progress_talk_held-went").input_value()
        assert went
        await tab_to(page, "#progress_talk_held-summary")
        await page.keyboard.type("Met het toetsenbord vastgelegd.")
        await tab_to(page, f"{form} button[type=submit]")
        await page.keyboard.press("Space")
        await page.locator("#done").wait_for()
        assert "Voortgangsgesprek gehouden" in await page.locator("#done").inner_text()
        assert "Met het toetsenbord vastgelegd." in await page.locator("#talks").inner_text()
    finally:
        await page.close()


async def test_the_first_tab_offers_a_way_past_the_menu(browser: Any, a11y_stack: A11yStack) -> None:
    page = await (await signed_in(browser, a11y_stack, "hr")).new_page()
    try:
        await page.goto(f"{a11y_stack.base}/cases/{a11y_stack.case_id}")
        await page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Naar de inhoud")
        assert await skip.evaluate("element => element === document.activeElement")
        assert await skip.is_visible()  # shown while it has the focus
        await page.keyboard.press("Enter")
        assert await _focused(page, "main")
        await page.keyboard.press("Tab")  # the next stop is in the page's own content, not the menu
        assert await page.evaluate("document.querySelector('main').contains(document.activeElement)")
    finally:
        await page.close()
