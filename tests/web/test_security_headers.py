"""Every answer carries the security headers; personal answers are not cached; cookies are Secure
behind https; the API docs need no third-party origin and only signed-in people read them.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.web.conftest import WebApp, web_settings
from tests.web.test_browser import _shot, browser_page  # noqa: F401 - the fixture
from tests.web.test_browser_roles import _sign_in
from tests.web.test_dossier_browser import DossierStack, dossier_stack  # noqa: F401 - the fixture
from web.app import create_app

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def csp_of(answer: httpx.Response) -> dict[str, str]:
    header = answer.headers.get("content-security-policy", "")
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {parts[0]: (parts[1] if len(parts) > 1 else "") for parts in directives}


def assert_security_headers(answer: httpx.Response) -> None:
    csp = csp_of(answer)
    for directive, value in CSP_DIRECTIVES.items():
        assert csp.get(directive) == value, f"{directive}: {csp.get(directive)!r} in {answer.request.url}"
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] in ("no-referrer", "same-origin")
    assert answer.headers["x-frame-options"] == "DENY"


def assert_not_stored(answer: httpx.Response) -> None:
    assert "no-store" in answer.headers.get("cache-control", ""), answer.request.url


async def test_headers_on_pages_api_answers_and_errors(web: WebApp) -> None:
    hr = await web.user("hr")
    browser = await web.signed_in(hr)
    api = await web.token_client(hr)
    anonymous = web.client()
    case_id = await web.case(employee="sanne@example.nl", manager="mark@example.nl")

    answers = {
        "home page": await browser.get("/"),
        "case page": await browser.get(f"/cases/{case_id}"),
        "API list": await api.get("/api/cases"),
        "API 404": await api.get("/api/cases/case-that-does-not-exist"),
        "API 422": await api.post("/api/cases", json={"employee": "not an object"}),
        "page 404": await browser.get("/no-such-page", headers={"accept": "text/html"}),
        "sign-in page": await anonymous.get("/login"),
        "API 401": await anonymous.get("/api/cases"),
    }
    assert [name for name, answer in answers.items() if answer.status_code >= 500] == []
    assert answers["API 404"].status_code == 404
    assert answers["API 422"].status_code == 422
    assert answers["page 404"].status_code == 404
    assert answers["API 401"].status_code == 401
    for answer in answers.values():
        assert_security_headers(answer)
        assert_not_stored(answer)


async def test_pages_load_no_inline_style_or_script(web: WebApp) -> None:
    """The CSP allows no inline <style> or <script>: the pages take their style from /static."""
    browser = await web.signed_in(await web.user("hr"))
    page = await browser.get("/")
    assert "<style" not in page.text
    assert "<script>" not in page.text and " on" + "click=" not in page.text
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert stylesheets, "the page links no stylesheet"
    for href in stylesheets:
        assert href.startswith("/static/")
        asset = await web.client().get(href)  # static assets need no sign-in and may be cached
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith("text/css")
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert "no-store" not in asset.headers.get("cache-control", "")


async def test_calendar_feed_is_not_stored(web: WebApp) -> None:
    """The feed lists a person's talks: no cache keeps it, whatever the feed itself asks for."""
    api = await web.token_client(await web.user("manager"))
    address = (await api.post("/api/me/feed")).json()["url"]
    feed = await web.client().get(address.removeprefix(web.settings.public_url))
    assert feed.status_code == 200
    assert feed.headers["cache-control"] == "no-store"
    assert_security_headers(feed)


async def test_health_check_is_not_personal(web: WebApp) -> None:
    answer = await web.client().get("/healthz")
    assert answer.status_code == 200
    assert_security_headers(answer)


def _session_cookie_line(answer: httpx.Response) -> str:
    lines = [line for line in answer.headers.get_list("set-cookie") if line.startswith("reintegratie_session=")]
    assert lines, "no session cookie set"
    return lines[-1].lower()


@pytest.mark.parametrize(
    ("public_url", "secure"), [("https://verzuim.example.nl", True), ("http://127.0.0.1:8000", False)]
)
async def test_cookies_are_secure_behind_https(
    dev_server: WorkflowEnvironment, tmp_path: Path, public_url: str, secure: bool
) -> None:
    settings = web_settings(dev_server, tmp_path).model_copy(update={"public_url": public_url})
    app = create_app(settings, client=dev_server.client)
    async with app.router.lifespan_context(app):
        web = WebApp(app, settings, app.state.accounts, app.state.store)
        try:
            anonymous = web.client()
            sign_in_page = await anonymous.get("/login")  # the session holds the CSRF token
            language = await anonymous.get("/language/en", follow_redirects=False)
            for answer in (sign_in_page, language):
                cookie = _session_cookie_line(answer)
                assert ("; secure" in cookie) is secure, cookie
                assert "; httponly" in cookie
            assert ("strict-transport-security" in sign_in_page.headers) is secure
        finally:
            for http in web.clients:
                await http.aclose()


async def test_api_docs_for_signed_in_people_without_third_party_origins(web: WebApp) -> None:
    manager = await web.user("manager")
    browser = await web.signed_in(manager)
    docs = await browser.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assert_security_headers(docs)
    assert_not_stored(docs)
    assert re.findall(r"(?:src|href)=\"(?:https?:)?//", docs.text) == []  # nothing from another origin
    assert "<script" not in docs.text and "<style" not in docs.text
    assert "/api/cases" in docs.text  # the operations are listed
    assert 'id="schema-' in docs.text and "maxLength" in docs.text  # and the schemas with their limits
    assert 'href="/openapi.json"' in docs.text

    document = await browser.get("/openapi.json")
    assert document.status_code == 200
    assert "/api/cases" in document.json()["paths"]
    assert_not_stored(document)
    token_reader = await (await web.token_client(manager)).get("/openapi.json")
    assert token_reader.status_code == 200


async def test_api_docs_in_english_for_an_english_reader(web: WebApp) -> None:
    browser = await web.signed_in(await web.user("hr"))
    await browser.get("/language/en")
    docs = await browser.get("/docs")
    assert "API documentation" in docs.text
    await browser.get("/language/nl")
    assert "API-documentatie" in (await browser.get("/docs")).text


async def test_api_docs_refused_to_anonymous(web: WebApp) -> None:
    anonymous = web.client()
    docs = await anonymous.get("/docs", follow_redirects=False)
    assert docs.status_code == 303
    assert docs.headers["location"].startswith("/login")
    document = await anonymous.get("/openapi.json", follow_redirects=False)
    assert document.status_code == 401
    assert "paths" not in document.text
    assert (await anonymous.get("/redoc", follow_redirects=False)).status_code in (303, 404)


async def test_pages_work_under_the_policy_in_a_real_browser(browser_page, dossier_stack: DossierStack) -> None:  # type: ignore[no-untyped-def]  # noqa: F811 - pytest passes the imported fixtures by their names
    """Chromium enforces the CSP: the pages keep their style, the print button works, nothing is refused."""
    page = browser_page
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    stack = dossier_stack
    await _sign_in(page, stack.base, stack.hr, stack.hr_secret)
    width = await page.evaluate("getComputedStyle(document.body).maxWidth")
    assert width == "960px"  # 60rem from /static/site.css

    await page.goto(f"{stack.base}/cases/{stack.case_id}/dossier")
    await page.get_by_role("heading", name="Re-integratiedossier").wait_for()
    record_border = await page.evaluate("getComputedStyle(document.querySelector('.record')).borderTopStyle")
    assert record_border == "solid"  # from /static/dossier.css
    await page.evaluate("window.print = () => { window.printed = true; }")
    await page.locator("[data-print]").click()
    assert await page.evaluate("window.printed === true")

    await page.goto(f"{stack.base}/docs")
    await page.get_by_role("heading", name="API-documentatie").wait_for()
    assert await page.locator("section.api-operation").count() > 10
    await _shot(page, "40-api-docs")
    assert refused == []
