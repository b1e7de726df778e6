"""What people have to do in a case now, for the work queue in the read model (issue 21).

Pure: the rules' facts, the deadlines still to come and ``now`` in; the case row's "next step", the
number of open signals and the case's :class:`contracts.WorkItem` out. The workflow computes it once
per write of its read-model row (:meth:`workflows.case.ReintegrationCase._progress`); the SQL side is
:mod:`integrations.work_items`. What depends on the day (a step overdue, a talk whose day has come)
is left to the reader: every item carries its date, and the queue compares it with today.

- ``step``: every statutory step not done yet that a form records (the end of wage continuation is
  a date, not a step), with who records it: the manager the evaluation, HR the rest.
- ``signal``: every open signal (a stalled build-up, a relapse ...), for the coach when there is one,
  else for HR; not an overdue deadline, which is its step already.
- ``talk``: a progress talk not recorded: the first occurrence of the series that no recorded talk
  covers (from a week before it until the next one), for the manager; while the rules' own
  ``talk_not_recorded`` signal is open, that signal. And a planned driegesprek not recorded as held,
  for the coach, from its day.
- ``riv_gap``: an open gap of the re-integratieverslag (rules version 4, from week 80), for HR (the
  employee's own view: for the employee), with the form that fills it (the RIV check is asked only
  when such a gap is open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from contracts import WorkItem
from states.cadence import next_occurrence
from states.case import UpcomingItem
from states.clock import at_local, local_date
from states.facts import CaseFacts, Signal
from states.kinds import SeriesKind, SignalKind
from states.riv import riv_check
from states.signals import HEADLINES
from states.timeline import SHORT_LABELS, DeadlineKey
from workflows.dispatch import STEP_COMMANDS

STEP_ACTORS: dict[str, str] = {"evaluation": "manager"}
"""Who records a step, where it is not HR (the manager holds the evaluations)."""

RECORD_TALK = "progress_talk_held"
TALK_WORDS = ("Voortgangsgesprek vastleggen", "Record the progress talk")
RECORD_DRIEGESPREK = "driegesprek_held"
DRIEGESPREK_WORDS = ("Driegesprek vastleggen", "Record the three-way talk")
RIV_PREFIX = "riv_gap:"
GIVES_VIEW = "employee_view_given"
"""The one gap of the RIV the employee fills: their own view on the dossier."""


@dataclass(frozen=True)
class CaseWork:
    """The case row's next step (its key and words; None: none) and open signals, and the items."""

    next_step: str | None
    next_step_label_nl: str | None
    next_step_label_en: str | None
    open_signals: int
    items: tuple[WorkItem, ...]


def case_work(
    facts: CaseFacts, deadlines: list[UpcomingItem], signals: list[Signal], now: datetime, *, has_coach: bool
) -> CaseWork:
    """``deadlines``: :func:`states.upcoming_deadlines` at ``now``; ``signals``: :func:`states.open_signals`."""
    first = deadlines[0] if deadlines else None
    nl, en = _step_words(first.key, first) if first else (None, None)
    items = [
        *_steps(deadlines),
        *_signals(facts, signals, now, has_coach=has_coach),
        *_talk(facts, signals),
        *_driegesprekken(facts),
    ]
    return CaseWork(
        next_step=first.key if first else None,
        next_step_label_nl=nl,
        next_step_label_en=en,
        open_signals=len(signals),
        items=tuple(items),
    )


def _step_words(key: str, item: UpcomingItem) -> tuple[str, str]:
    try:
        return SHORT_LABELS[DeadlineKey(key)]
    except ValueError:
        return item.label_nl[:200], item.label_en[:200]


def _steps(deadlines: list[UpcomingItem]) -> list[WorkItem]:
    items = []
    for deadline in deadlines:
        command = STEP_COMMANDS.get(deadline.key)
        if command is None:
            continue
        nl, en = _step_words(deadline.key, deadline)
        items.append(
            WorkItem(
                kind="step",
                key=deadline.key,
                label_nl=nl,
                label_en=en,
                actor_role=STEP_ACTORS.get(deadline.key, "hr"),
                due=deadline.due,
                command=command,
                since=deadline.window_start,
            )
        )
    return items


def _headline(signal: Signal) -> tuple[str, str]:
    fallback = HEADLINES.get(signal.kind, ("Signaal", "Signal"))
    return (signal.headline_nl or fallback[0])[:300], (signal.headline_en or fallback[1])[:300]


def _signals(facts: CaseFacts, signals: list[Signal], now: datetime, *, has_coach: bool) -> list[WorkItem]:
    gaps = [signal for signal in signals if signal.kind == SignalKind.riv_gap]
    riv = {RIV_PREFIX + item.key: item for item in riv_check(facts, now).items} if gaps else {}
    items = []
    for signal in signals:
        nl, en = _headline(signal)
        if signal.kind == SignalKind.deadline_overdue:
            continue  # the overdue step is on the queue itself
        if signal.kind == SignalKind.riv_gap:
            found = riv.get(signal.key)
            items.append(
                WorkItem(
                    kind="riv_gap",
                    key=signal.key[:200],
                    label_nl=nl,
                    label_en=en,
                    actor_role="employee" if found and found.command == GIVES_VIEW else "hr",
                    due=found.due if found else None,
                    command=(found.command or None) if found else None,
                    since=signal.since,
                )
            )
        elif signal.kind == SignalKind.talk_not_recorded:
            items.append(
                WorkItem(
                    kind="talk",
                    key=signal.key[:200],
                    label_nl=TALK_WORDS[0],
                    label_en=TALK_WORDS[1],
                    actor_role="manager",
                    due=signal.since,
                    command=RECORD_TALK,
                    since=signal.since,
                )
            )
        else:
            items.append(
                WorkItem(
                    kind="signal",
                    key=signal.key[:200],
                    label_nl=nl,
                    label_en=en,
                    actor_role="coach" if has_coach else "hr",
                    command="signal_resolved",
                    since=signal.since,
                )
            )
    return items


def _talk(facts: CaseFacts, signals: list[Signal]) -> list[WorkItem]:
    """The first progress talk no recorded talk covers (the queue shows it once its day has come)."""
    if any(signal.kind == SignalKind.talk_not_recorded for signal in signals):
        return []  # the rules' signal says it already
    series = next((s for s in facts.series if s.active and s.kind == SeriesKind.progress_talk), None)
    if series is None or not series.interval_weeks:
        return []
    last = max((talk.on for talk in facts.talks), default=None)
    after = series.start - timedelta(seconds=1) if last is None else at_local(last + timedelta(days=6), 23, 59)
    moment = next_occurrence(series, max(after, series.start - timedelta(seconds=1)))
    if moment is None:
        return []
    return [_talk_to_record(series.series_id, moment.date(), TALK_WORDS, "manager", RECORD_TALK)]


def _driegesprekken(facts: CaseFacts) -> list[WorkItem]:
    """Each planned driegesprek not recorded as held, for the coach (shown once its day has come)."""
    items: list[WorkItem] = []
    for number, talk in enumerate(facts.driegesprekken, start=1):
        series = next((s for s in facts.series if s.active and s.slot == f"driegesprek:{number}"), None)
        if talk.held_on is not None or series is None:
            continue
        items.append(
            _talk_to_record(series.series_id, local_date(series.start), DRIEGESPREK_WORDS, "coach", RECORD_DRIEGESPREK)
        )
    return items


def _talk_to_record(series_id: str, day: date, words: tuple[str, str], actor: str, command: str) -> WorkItem:
    """A talk of ``day`` to record with ``command``, by ``actor`` (the queue shows it from that day)."""
    return WorkItem(
        kind="talk",
        key=f"{series_id}:{day.isoformat()}"[:200],
        label_nl=words[0],
        label_en=words[1],
        actor_role=actor,
        due=day,
        command=command,
        since=day,
    )
