"""A manager's home lists this week's talks of their own cases from the calendar state in SQL: no
case is asked (bench/scale.py measured 0.75 s for a manager with 30 cases while every case was
queried), and another manager's talks never show."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta

from integrations.calendar import CalendarSeries, Participant
from integrations.feeds import save_series
from integrations.vtimezone import ZONE
from tests.integrations.test_replies import MAILBOX, evaluation
from tests.web.conftest import WebApp
from web.case_data import today


def _series(kind: str, start: datetime, people: tuple[str, ...], *, weekly: bool) -> CalendarSeries:
    return dataclasses.replace(
        evaluation(),
        kind=kind,
        summary="Gesprek",
        start=start,
        interval_weeks=1 if weekly else None,
        attendees=tuple(Participant(email, email.split("@")[0]) for email in people),
        organizer=Participant(MAILBOX, "HR"),
    )


async def test_a_manager_s_home_shows_this_week_s_talks_of_their_own_cases_from_sql(web: WebApp) -> None:
    manager = await web.user("manager")
    other = await web.user("manager")
    mine = await web.case(employee="sanne@example.nl", manager=manager.account.email)
    theirs = await web.case(employee="piet@example.nl", manager=other.account.email)
    monday = datetime.combine(today() - timedelta(days=today().weekday()), time(10, 0), ZONE)
    sessionmaker = web.app.state.sessionmaker
    # Weekly check-ins since four weeks ago: this week's occurrence shows; a progress talk next week does not.
    await save_series(
        sessionmaker,
        case_id=mine,
        series=_series(
            "checkin", monday - timedelta(weeks=4), (manager.account.email, "sanne@example.nl"), weekly=True
        ),
    )
    await save_series(
        sessionmaker,
        case_id=mine,
        series=_series("progress_talk", monday + timedelta(weeks=1, days=1), (manager.account.email,), weekly=False),
    )
    await save_series(
        sessionmaker,
        case_id=theirs,
        series=_series(
            "evaluation", monday + timedelta(days=2), (other.account.email, "piet@example.nl"), weekly=False
        ),
    )

    page = await (await web.signed_in(manager)).get("/")

    assert page.status_code == 200
    week = page.text.split('id="week"', 1)[1].split("</ul>", 1)[0]
    assert f"{monday.date().isoformat()} 10:00: Kort contactmoment" in week
    assert f'href="/cases/{mine}"' in week and "Voortgangsgesprek" not in week
    assert "Evaluatie" not in week and theirs not in week
