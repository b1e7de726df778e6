"""The pure parts of issue 18's finding 2: which series message goes to whom once people changed
(workflows.attendees), and one notice of several open signals for a new coach (workflows.briefing)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from contracts import Notice, Person, SeriesMessage
from workflows.attendees import follow_people
from workflows.briefing import merged
from workflows.dispatch import PlannedMessage

EMPLOYEE = Person("Sanne de Vries", "sanne@example.nl")
MANAGER = Person("Mark Jansen", "mark@example.nl")
COACH = Person("Cor Bakker", "cor@example.nl")
OTHER = Person("Olga de Wit", "Olga@Example.nl")
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _series(change: str, sequence: int, *attendees: Person) -> PlannedMessage:
    message = SeriesMessage(
        key=f"case-1:driegesprek:1:seq{sequence}",
        case_id="case-1",
        change=change,
        uid="uid-1",
        sequence=sequence,
        kind="driegesprek",
        summary="Driegesprek",
        location="Online",
        start=NOW,
        duration_minutes=60,
        interval_weeks=None,
        until=None,
        organizer_name="Carla Visser",
        attendees=attendees,
        dtstamp=NOW,
    )
    return PlannedMessage(message, f"{change} the driegesprek")


def _messages(planned: list[PlannedMessage]) -> list[SeriesMessage]:
    return [item.message for item in planned if isinstance(item.message, SeriesMessage)]


def test_an_update_without_someone_who_attended_cancels_it_for_them_alone() -> None:
    sent_to: dict[str, tuple[Person, ...]] = {}
    assert _messages(follow_people([_series("new", 0, EMPLOYEE, MANAGER)], sent_to))[0].change == "new"
    joined = _messages(follow_people([_series("update", 1, COACH, EMPLOYEE, MANAGER)], sent_to))
    assert [(m.change, m.removed, m.joined) for m in joined] == [("update", None, (COACH,))]  # nobody left

    replaced = _messages(follow_people([_series("update", 2, OTHER, EMPLOYEE, MANAGER)], sent_to))
    assert [(m.change, m.removed, m.sequence, m.joined) for m in replaced] == [("removed", COACH, 2, (OTHER,))]
    assert replaced[0].attendees == (OTHER, EMPLOYEE, MANAGER)
    assert sent_to["uid-1"] == (OTHER, EMPLOYEE, MANAGER)

    # The same person under another capitalisation did not leave.
    same = _messages(follow_people([_series("update", 3, replace(OTHER, email="olga@example.nl"), EMPLOYEE)], sent_to))
    assert [(m.change, m.removed) for m in same] == [("removed", MANAGER)]


def test_a_cancellation_goes_to_whoever_had_the_series() -> None:
    sent_to: dict[str, tuple[Person, ...]] = {"uid-1": (COACH, EMPLOYEE, MANAGER)}
    (cancel,) = _messages(follow_people([_series("cancelled", 4, OTHER, EMPLOYEE, MANAGER)], sent_to))
    assert cancel.attendees == (COACH, EMPLOYEE, MANAGER) and "uid-1" not in sent_to
    notice = PlannedMessage(Notice(key="k", case_id="case-1", kind="team_notice", recipients=(), context={}), "x")
    assert follow_people([notice], sent_to) == [notice]


def _signal_notice(headline: str, facts: list[str]) -> Notice:
    return Notice(
        key="case-1:coach_briefing:7",
        case_id="case-1",
        kind="coach_signal",
        recipients=(COACH,),
        context={"employee_name": "Sanne de Vries", "signals": facts},
        localized={"nl": {"headline": headline, "signals": facts}, "en": {"headline": headline, "signals": facts}},
        to_mailbox_if_nobody=True,
    )


def test_several_open_signals_make_one_notice_with_a_line_each() -> None:
    one = _signal_notice("Terugval", ["4 maart 2026: van 8 naar 4 uur per week"])
    assert merged([one]) is one
    two = merged([one, _signal_notice("Klachten houden aan", ["2 maart 2026: 8 dagen", "9 maart 2026: 9 dagen"])])
    assert two.localized["nl"]["signals"] == [
        "Terugval (4 maart 2026: van 8 naar 4 uur per week)",
        "Klachten houden aan (2 maart 2026: 8 dagen; 9 maart 2026: 9 dagen)",
    ]
    assert "headline" not in two.localized["nl"] and two.context["employee_name"] == "Sanne de Vries"
    assert two.context["signals"] == [
        "4 maart 2026: van 8 naar 4 uur per week",
        "2 maart 2026: 8 dagen",
        "9 maart 2026: 9 dagen",
    ]
