"""The form a coach or HR resolves a signal with (issue 18, finding 6): they choose among the case's
open signals by what each says happened, never by typing its key. A real case runs behind it (the dev
server, a worker), so the signal is the rules' own."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

from states.workdays import working_day_on_or_before
from tests.support import SmtpSink

from .conftest import WebApp, command, csrf_of, eventually

SIGNAL_KEY = re.compile(r"\b[a-z_]+:\d{4}-\d{2}-\d{2}")


async def test_a_signal_is_resolved_by_choosing_what_happened_not_by_typing_its_key(
    live_web: WebApp, smtp_sink: SmtpSink
) -> None:
    hr_account = await live_web.user("hr", totp=True)
    hr_api = await live_web.token_client(hr_account)
    hr_page = await live_web.signed_in(hr_account)
    created = await hr_api.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": "sanne.signal@example.nl"},
            "manager": {"name": "Mark Jansen", "email": "mark.signal@example.nl"},
            "first_sick_day": (date.today() - timedelta(days=40)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]

    start = working_day_on_or_before(date.today()).isoformat()
    await command(hr_api, case_id, "probleemanalyse_received", {})
    await command(hr_api, case_id, "build_up_started", {"schedule": [{"from_date": start, "hours_per_week": 8}]})
    await command(hr_api, case_id, "relapse", {"back_to": "probleemanalyse"})

    async def form() -> str:
        page = (await hr_page.get(f"/cases/{case_id}?do=signal_resolved")).text
        return (
            page.split('id="cmd-signal_resolved"', 1)[1].split("</details>", 1)[0]
            if "cmd-signal_resolved" in page
            else ""
        )

    shown = await eventually(form, lambda text: 'value="relapse:' in text)
    select = shown.split('name="signal_key"', 1)[1].split("</select>", 1)[0]
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))
    (key,) = [value for value in options if value.startswith("relapse:")]
    assert options[key].startswith("Terugval"), options
    for value, label in options.items():
        assert value not in label and not SIGNAL_KEY.search(html.unescape(label)), label
    assert '<input id="signal_resolved-signal_key"' not in shown, "no field to type a key into"

    before = (await hr_api.get(f"/api/cases/{case_id}")).json()["signals"]
    assert key in {signal["key"] for signal in before}
    page = await hr_page.get(f"/cases/{case_id}")
    resolved = await hr_page.post(
        f"/cases/{case_id}/commands/signal_resolved",
        data={"csrf_token": csrf_of(page.text), "signal_key": key, "note": "Besproken met Mark"},
    )
    assert resolved.status_code in (200, 303), resolved.text[:500]
    await eventually(
        lambda: hr_api.get(f"/api/cases/{case_id}"),
        lambda answer: key not in {signal["key"] for signal in answer.json()["signals"]},
    )
