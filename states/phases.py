"""The phases of a case as a ``transitions`` state machine: which trigger may fire in which phase.

The machine is the one table of allowed (phase, trigger, destination) combinations. It knows only
the phase; rules that need the facts (no plan van aanpak without a probleemanalyse when the phase
does not already say so, a build-up schedule that may not grow during a pause, ...) live in
:mod:`states.rules` and give their reason in words.

A plain ``Machine`` with ``auto_transitions=False`` and synchronous conditions only (no
``LockedMachine``, no ``Timeout`` states: neither can run inside a Temporal workflow). A trigger may
lead to different phases (a relapse goes back to the phase the facts allow); the caller names the
wanted destination and the machine checks it is one of the allowed ones. ``dest=None`` is an
internal transition: the event is recorded, the phase stays.

Every question about moves goes to the machine: :func:`destinations` and :func:`allowed_triggers`
read its transitions (``Machine.get_transitions`` / ``get_triggers``), :func:`fire` runs its trigger.
:data:`ROWS` only feeds the machine; nothing else reads it to decide a move.

Building a ``Machine`` per decision cost 88 ms of a 580 ms cProfile of the two_year_wia replay
(bench/RESULTS.md, "Where it goes (profiles)"), so no call builds one: each thread builds its own
once (Temporal runs workflow tasks in a thread pool, and a machine holds its model's state, so one
machine must never serve two threads at once) and puts it in the phase before every trigger.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from transitions import EventData, Machine, MachineError

from states.kinds import OPEN_PHASES, PHASE_ORDER, RETURN_PHASES, SICK_PHASES, Phase

P = Phase
_OPEN = sorted(OPEN_PHASES, key=PHASE_ORDER.index)
_WITH_PLAN = [P.plan_van_aanpak, P.arbeidstherapeutisch, P.opbouw, P.evaluatie, P.tweede_spoor]
_SICK = sorted(SICK_PHASES, key=PHASE_ORDER.index)
_RETURN = sorted(RETURN_PHASES, key=PHASE_ORDER.index)


def _rows() -> list[tuple[str, list[Phase], Phase | None]]:
    """(trigger, sources, dest) rows; dest None = internal transition."""
    rows: list[tuple[str, list[Phase], Phase | None]] = [
        ("probleemanalyse_received", [P.ziekgemeld], P.probleemanalyse),
        ("probleemanalyse_received", [p for p in _OPEN if p is not P.ziekgemeld], None),
        ("plan_van_aanpak_signed", [P.probleemanalyse], P.plan_van_aanpak),
        ("plan_van_aanpak_signed", [P.arbeidstherapeutisch, P.opbouw, P.evaluatie], None),
        ("therapeutic_work_started", [P.probleemanalyse, P.plan_van_aanpak, P.evaluatie], P.arbeidstherapeutisch),
        ("therapeutic_work_started", [P.tweede_spoor], None),
        ("build_up_started", [P.probleemanalyse, P.plan_van_aanpak, P.arbeidstherapeutisch, P.evaluatie], P.opbouw),
        ("build_up_started", [P.opbouw, P.tweede_spoor], None),
        ("hours_reported", [*_RETURN, P.tweede_spoor], None),
        ("build_up_resumed", [*_RETURN, P.tweede_spoor], None),
        ("evaluation_held", _WITH_PLAN, None),
        ("evaluation_held", [P.plan_van_aanpak, P.arbeidstherapeutisch, P.opbouw], P.evaluatie),
        ("evaluation_held", _WITH_PLAN, P.hersteld),
        ("eerstejaarsevaluatie_held", _WITH_PLAN, None),
        ("tweede_spoor_started", [P.plan_van_aanpak, P.arbeidstherapeutisch, P.opbouw, P.evaluatie], P.tweede_spoor),
        ("recovered", _OPEN, P.hersteld),
        ("recovered", [*_SICK, P.arbeidstherapeutisch], P.opbouw),
        ("recovered", [P.opbouw, P.evaluatie, P.tweede_spoor], None),
        ("relapse", [P.arbeidstherapeutisch, P.opbouw, P.evaluatie, P.tweede_spoor], None),
        ("employment_ended", [*_OPEN, P.hersteld], P.uit_dienst),
        ("withdrawn", [*_OPEN, P.hersteld], P.ingetrokken),
        ("wage_continuation_ended", _OPEN, P.wia),
    ]
    # Samentelling: sick again within 4 weeks of recovery continues in the phase the facts allow.
    for dest in (*_SICK, P.tweede_spoor):
        rows.append(("relapse", [P.hersteld], dest))
    # A relapse in a running case goes back to an earlier phase.
    for source in (P.arbeidstherapeutisch, P.opbouw, P.evaluatie):
        for dest in PHASE_ORDER[: PHASE_ORDER.index(source)]:
            rows.append(("relapse", [source], dest))
    for trigger in (
        "progress_talk_held",
        "employee_feedback",
        "complaints_reported",
        "step_recorded",
        "buddy_consent",
        "driegesprek_held",
        "preference_changed",
        "loonsanctie_imposed",
        "signal_resolved",
        "eindevaluatie_held",
        "employee_view_given",
        "tweede_spoor_activity_recorded",
    ):
        rows.append((trigger, list(_OPEN), None))
    return rows


ROWS = _rows()
TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(trigger for trigger, _, _ in ROWS))


def _aims_at(dest: Phase | None) -> Callable[[EventData], bool]:
    """The condition of a row: the caller aims at this row's destination."""

    def condition(event: EventData) -> bool:
        return event.kwargs.get("dest") == dest

    condition.__name__ = f"aims_at_{dest or 'internal'}"
    return condition


class PhaseModel:
    """The model the machine drives; holds nothing but the phase.

    The annotations only tell the type checker what the machine adds: ``state`` and one method per
    trigger, all of which go through ``trigger(name, **kwargs)``.
    """

    state: str
    trigger: Callable[..., bool]


def build_machine(phase: str) -> tuple[PhaseModel, Machine]:
    """A fresh machine standing in ``phase``."""
    if phase not in Phase.__members__:
        raise ValueError(f"unknown phase {phase!r}")
    model = PhaseModel()
    transitions: list[dict[str, Any]] = []
    for trigger, sources, dest in ROWS:
        transitions.append(
            {
                "trigger": trigger,
                "source": [str(s) for s in sources],
                "dest": str(dest) if dest is not None else None,
                "conditions": [_aims_at(dest)],
            }
        )
    machine = Machine(
        model=model,
        states=[str(p) for p in Phase],
        transitions=transitions,
        initial=str(phase),
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )
    return model, machine


_THREAD = threading.local()


def _thread_machine() -> tuple[PhaseModel, Machine]:
    """This thread's machine (built on first use; never shared between threads)."""
    pair: tuple[PhaseModel, Machine] | None = getattr(_THREAD, "machine", None)
    if pair is None:
        pair = build_machine(str(Phase.ziekgemeld))
        _THREAD.machine = pair
    return pair


def _is_phase(phase: object) -> bool:
    return isinstance(phase, str) and phase in Phase.__members__


def destinations(phase: str, trigger: str) -> list[Phase | None]:
    """Where ``trigger`` may lead from ``phase`` (None = stays), in the order of :data:`ROWS`;
    empty when the machine has no such transition. Asks the machine, never a table of its own."""
    if not _is_phase(phase) or not isinstance(trigger, str) or not trigger:
        return []  # not a phase or trigger: the machine's wildcards ("*", "") must not match
    _, machine = _thread_machine()
    return [
        Phase(transition.dest) if transition.dest is not None else None
        for transition in machine.get_transitions(trigger=trigger, source=str(phase))
    ]


def allowed_triggers(phase: str) -> list[str]:
    """The triggers the machine has a transition for from ``phase``, sorted by name."""
    if not _is_phase(phase):
        raise ValueError(f"unknown phase {phase!r}")
    _, machine = _thread_machine()
    return sorted(machine.get_triggers(str(phase)))


def fire(phase: str, trigger: str, dest: Phase | None) -> Phase:
    """Run ``trigger`` on a machine in ``phase`` aiming at ``dest``; return the new phase.

    Raises :class:`transitions.MachineError` when the trigger is not allowed there, and
    ``ValueError`` when it is allowed but not towards ``dest`` (or ``phase`` is not a phase).
    """
    if not _is_phase(phase):
        raise ValueError(f"unknown phase {phase!r}")
    model, machine = _thread_machine()
    machine.set_state(str(phase), model)
    if not model.trigger(trigger, dest=dest):
        raise ValueError(f"{trigger} from {phase} cannot lead to {dest}")
    return Phase(model.state)


def is_back(source: str, dest: str) -> bool:
    return (
        dest in PHASE_ORDER
        and source in PHASE_ORDER
        and PHASE_ORDER.index(Phase(dest)) < PHASE_ORDER.index(Phase(source))
    )


__all__ = [
    "MachineError",
    "PhaseModel",
    "ROWS",
    "TRIGGERS",
    "allowed_triggers",
    "build_machine",
    "destinations",
    "fire",
    "is_back",
]
