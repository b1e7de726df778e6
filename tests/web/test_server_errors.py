"""An unhandled error's 500 carries the security headers too, and says nothing of what went wrong:
no stack trace, no exception text (which may hold a name or an address)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter

from tests.web.conftest import WebApp
from tests.web.test_security_headers import assert_not_stored, assert_security_headers

SECRET_IN_THE_ERROR = "sanne.devries@example.nl"


def _failing_routes() -> APIRouter:
    """Test-only routes that fail as a bug would: an exception nobody handles."""
    router = APIRouter()

    @router.get("/api/test-only/fails")
    async def api_fails() -> dict[str, str]:
        raise RuntimeError(f"lookup failed for {SECRET_IN_THE_ERROR}")

    @router.get("/test-only/fails")
    async def page_fails() -> dict[str, str]:
        raise KeyError(SECRET_IN_THE_ERROR)

    return router


@pytest.mark.parametrize(
    ("path", "accept"), [("/api/test-only/fails", "application/json"), ("/test-only/fails", "text/html")]
)
async def test_a_500_carries_the_headers_and_no_details(web: WebApp, path: str, accept: str) -> None:
    web.app.include_router(_failing_routes())
    hr = await web.user("hr")
    token = await web.accounts.issue_token(hr.account.id)
    transport = httpx.ASGITransport(app=web.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"authorization": f"Bearer {token}", "accept": accept},
    ) as http:
        answer = await http.get(path)
    assert answer.status_code == 500
    assert_security_headers(answer)
    assert_not_stored(answer)
    assert SECRET_IN_THE_ERROR not in answer.text
    assert "Traceback" not in answer.text and "RuntimeError" not in answer.text and "KeyError" not in answer.text
    if path.startswith("/api/"):
        assert answer.headers["content-type"].startswith("application/json")
        assert "try again" in answer.json()["detail"].lower()
    else:
        assert "opnieuw" in answer.text.lower() and "try again" in answer.text.lower()
