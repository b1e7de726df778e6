"""A revoked API token stops working at the very next request, also when another process (the command
line, a second web process) revoked it: no process may keep a valid answer for it in memory."""

from __future__ import annotations

import asyncio

from tests.web.conftest import WebApp
from tests.web.test_users_cli import users


async def test_a_token_revoked_from_the_command_line_fails_on_the_next_request(web: WebApp) -> None:
    hr = await web.user("hr")
    token = await web.accounts.issue_token(hr.account.id)
    api = web.client(Authorization=f"Bearer {token}")
    case = await web.case(employee="e@example.nl", manager="m@example.nl")
    assert (await api.get(f"/api/cases/{case}")).status_code == 200  # the token is known to this process now

    revoked = await asyncio.to_thread(
        users, "revoke-tokens", "--database-url", web.settings.database_url, "--email", hr.account.email
    )
    assert revoked.returncode == 0 and revoked.stdout.startswith("1 token(s) revoked"), revoked.stderr

    answer = await api.get(f"/api/cases/{case}")
    assert answer.status_code == 401
    assert (await api.get("/api/cases")).status_code == 401


async def test_a_second_process_store_sees_a_revocation_at_once(web: WebApp) -> None:
    """Two stores on one database stand for two web processes: a revocation through one ends the
    token in the other on its next lookup."""
    from integrations.accounts import AccountStore

    hr = await web.user("hr")
    token = await web.accounts.issue_token(hr.account.id)
    other = AccountStore(web.app.state.sessionmaker)
    assert await web.accounts.account_for_token(token) is not None
    assert await other.account_for_token(token) is not None
    assert await other.revoke_token(token)
    assert await web.accounts.account_for_token(token) is None
