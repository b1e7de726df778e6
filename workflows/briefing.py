"""A coach who joins a case hears of the open signals that called for them: one notice, once.

The rules loop in the coach when a signal is raised (``LoopInCoach``, to the coach and HR); a case
without a coach then tells only HR. When a coach is assigned later, or another one takes over, the
workflow sends them one ``coach_signal`` notice with the open signals they were not told of yet, in
the words the dispatch gives each signal's own notice. ``CaseMemory.coach_told`` remembers, per
coach, the signals they heard of, so nobody hears of one twice.

Pure and deterministic: it runs inside the workflow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from contracts import Notice, Person
from states import effects as fx
from states.facts import CaseFacts
from states.kinds import Role, SignalKind
from states.signals import view
from workflows.dispatch import PlannedMessage

CoachTold = dict[str, list[str]]
"""A coach's address (lower case) -> the keys of the signals they were told of."""


@dataclass(frozen=True, kw_only=True)
class BriefCoach(fx.LoopInCoach):
    """Tell a newly assigned coach of the open signals (``signal`` and ``more``) in one notice."""

    more: tuple[fx.SignalView, ...] = ()
    to: tuple[Role, ...] = (Role.coach,)


def note_told(told: CoachTold, coach: Person | None, keys: list[str]) -> None:
    """Remember that ``coach`` heard of these signals."""
    if coach is None or not keys:
        return
    known = told.setdefault(coach.email.lower(), [])
    known.extend(key for key in keys if key not in known)


def briefing(facts: CaseFacts, coach: Person, told: CoachTold, *, key: str) -> BriefCoach | None:
    """The open signals that call for a coach and that ``coach`` has not heard of (None: there are none)."""
    known = set(told.get(coach.email.lower(), ()))
    signals = [
        view(signal)
        for signal in facts.signals
        if signal.is_open and signal.kind != SignalKind.deadline_overdue and signal.key not in known
    ]
    if not signals:
        return None
    first, *more = signals
    return BriefCoach(
        key=key,
        case_id=facts.case_id,
        signal=first,
        more=tuple(more),
        text_nl=f"Signalen voor de nieuwe coach: {len(signals)}",
        text_en=f"Signals for the new coach: {len(signals)}",
    )


def briefing_messages(effect: BriefCoach, render: Callable[[fx.Effect], list[PlannedMessage]]) -> list[PlannedMessage]:
    """One notice to the coach: each signal rendered as its own ``LoopInCoach`` would be, then put
    together (:func:`merged`)."""
    notices: list[Notice] = []
    for signal in (effect.signal, *effect.more):
        single = fx.LoopInCoach(
            key=effect.key,
            case_id=effect.case_id,
            signal=signal,
            text_nl=f"Signaal voor de coach: {signal.text_nl}",
            text_en=f"Signal for the coach: {signal.text_en}",
            to=effect.to,
        )
        notices += [planned.message for planned in render(single) if isinstance(planned.message, Notice)]
    if not notices:
        return []
    notice = replace(merged(notices), to_mailbox_if_nobody=False)
    return [PlannedMessage(notice, f"tell the new coach of {len(notices)} open signal(s)")]


def merged(notices: list[Notice]) -> Notice:
    """The ``coach_signal`` notices of several signals as one: one line per signal, its headline and
    its facts, in each language; the notice of one signal as it is."""
    first = notices[0]
    if len(notices) == 1:
        return first
    languages = dict.fromkeys(language for notice in notices for language in notice.localized)
    return replace(
        first,
        context=_lines([notice.context for notice in notices]),
        localized={language: _lines([n.localized.get(language, {}) for n in notices]) for language in languages},
    )


Context = dict[str, str | list[str]]


def _lines(parts: list[Context]) -> Context:
    """The first part's values, with ``signals``: per part one line, its headline (its facts)."""
    result = dict(parts[0])
    lines: list[str] = []
    for part in parts:
        found = part.get("signals", [])
        facts = [found] if isinstance(found, str) else list(found)
        headline = part.get("headline")
        if isinstance(headline, str) and headline:
            lines.append(f"{headline} ({'; '.join(facts)})" if facts else headline)
        else:
            lines += facts
    result["signals"] = lines
    result.pop("headline", None)  # more than one: the subject names none of them
    return result
