"""The case page's forms take what the dossier needs (issue 19): the bedrijfsarts's advice, a talk's
verslag with who was there (check boxes), a revised plan. Each is a group of its own that, left empty,
sends nothing; filled in, it reaches the dossier as the API's would."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.support import SmtpSink
from web import command_forms
from web.command_models import COMMANDS

from .conftest import WebApp, command, csrf_of, eventually


def test_optional_objects_are_groups_without_defaults_and_an_empty_group_sends_nothing() -> None:
    model = COMMANDS["evaluation_held"].model
    fields = {field.name: field for field in command_forms.fields_of(model)}
    assert fields["report.present"].kind == "multi" and fields["report.present"].group == "group.report"
    assert set(fields["report.present"].choices) == {"manager", "employee", "coach", "buddy", "casemanager"}
    assert fields["revised_plan.place"].group == "group.revised_plan"
    # A choice inside an optional group has no default: it would send half a plan.
    assert fields["revised_plan.place"].default == "" and not fields["revised_plan.hours_per_week"].required
    assert fields["outcome"].group == "" and fields["outcome"].required

    assert command_forms.parse(model, {"outcome": "continue"}) == {"outcome": "continue"}
    posted = command_forms.form_values(
        [
            ("csrf_token", "x"),
            ("outcome", "adjust_plan"),
            ("report.present", "manager"),
            ("report.present", "employee"),
            ("report.agreed", "Minder uren"),
        ],
        leave_out=("csrf_token",),
    )
    assert command_forms.parse(model, posted) == {
        "outcome": "adjust_plan",
        "report": {"present": ["manager", "employee"], "agreed": "Minder uren"},
    }


async def test_a_verslag_and_a_revised_plan_given_on_the_page_reach_the_dossier(
    live_web: WebApp, smtp_sink: SmtpSink
) -> None:
    hr_account = await live_web.user("hr", totp=True)
    hr_api = await live_web.token_client(hr_account)
    hr_page = await live_web.signed_in(hr_account)
    created = await hr_api.post(
        "/api/cases",
        json={
            "employee": {"name": "Sanne de Vries", "email": "sanne.groups@example.nl"},
            "manager": {"name": "Mark Jansen", "email": "mark.groups@example.nl"},
            "first_sick_day": (date.today() - timedelta(days=30)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]

    await command(hr_api, case_id, "probleemanalyse_received", {})
    await command(hr_api, case_id, "plan_van_aanpak_signed", {"plan": {"hours_per_week": 8}})

    page = await hr_page.get(f"/cases/{case_id}?do=evaluation_held")
    form = page.text.split('id="cmd-evaluation_held"', 1)[1].split("</details>", 1)[0]
    assert "<legend>Verslag van het gesprek</legend>" in form
    assert 'type="checkbox" name="report.present" value="employee"' in form
    posted = await hr_page.post(
        f"/cases/{case_id}/commands/evaluation_held",
        data={
            "csrf_token": csrf_of(page.text),
            "outcome": "adjust_plan",
            "summary": "Het tempo past niet",
            "report.present": ["manager", "employee"],
            "report.agreed": "Minder uren",
            "revised_plan.hours_per_week": "6",
            "revised_plan.changes": "Zes uur in plaats van acht: het tempo was te hoog",
        },
    )
    assert posted.status_code in (200, 303), posted.text[:500]

    def stored(answer: Any) -> bool:
        return answer.status_code == 200 and len(answer.json()["records"]) >= 4

    dossier = (await eventually(lambda: hr_api.get(f"/api/cases/{case_id}/dossier"), stored)).json()
    by_part: dict[str, list[dict[str, Any]]] = {}
    for record in dossier["records"]:
        by_part.setdefault(record["part"], []).append(record)
    assert [record["version"] for record in by_part["plan_van_aanpak"]] == [1, 2]
    texts = str(dossier["records"])
    assert "Zes uur in plaats van acht" in texts and "Minder uren" in texts
    assert "Mark Jansen" in texts and "Sanne de Vries" in texts  # who was there, by name
