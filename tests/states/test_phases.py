import pytest
from transitions import MachineError

from states.kinds import END_PHASES, OPEN_PHASES, Phase
from states.phases import ROWS, TRIGGERS, allowed_triggers, build_machine, destinations, fire

P = Phase

EXPECTED_TRIGGERS = {
    P.ziekgemeld: {"probleemanalyse_received", "recovered"},
    P.probleemanalyse: {
        "probleemanalyse_received",
        "plan_van_aanpak_signed",
        "therapeutic_work_started",
        "build_up_started",
        "recovered",
    },
    P.plan_van_aanpak: {
        "probleemanalyse_received",
        "therapeutic_work_started",
        "build_up_started",
        "evaluation_held",
        "eerstejaarsevaluatie_held",
        "tweede_spoor_started",
        "recovered",
    },
    P.arbeidstherapeutisch: {
        "probleemanalyse_received",
        "plan_van_aanpak_signed",
        "build_up_started",
        "hours_reported",
        "build_up_resumed",
        "evaluation_held",
        "eerstejaarsevaluatie_held",
        "tweede_spoor_started",
        "recovered",
        "relapse",
    },
    P.opbouw: {
        "probleemanalyse_received",
        "plan_van_aanpak_signed",
        "build_up_started",
        "hours_reported",
        "build_up_resumed",
        "evaluation_held",
        "eerstejaarsevaluatie_held",
        "tweede_spoor_started",
        "recovered",
        "relapse",
    },
    P.evaluatie: {
        "probleemanalyse_received",
        "plan_van_aanpak_signed",
        "therapeutic_work_started",
        "build_up_started",
        "hours_reported",
        "build_up_resumed",
        "evaluation_held",
        "eerstejaarsevaluatie_held",
        "tweede_spoor_started",
        "recovered",
        "relapse",
    },
    P.tweede_spoor: {
        "probleemanalyse_received",
        "therapeutic_work_started",
        "build_up_started",
        "hours_reported",
        "build_up_resumed",
        "evaluation_held",
        "eerstejaarsevaluatie_held",
        "recovered",
        "relapse",
    },
    P.hersteld: {"relapse", "employment_ended", "withdrawn"},
    P.wia: set(),
    P.uit_dienst: set(),
    P.ingetrokken: set(),
}
EVERYWHERE_OPEN = {
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
    "employment_ended",
    "withdrawn",
    "wage_continuation_ended",
}


@pytest.mark.parametrize("phase", list(Phase))
def test_allowed_triggers_per_phase(phase: Phase) -> None:
    expected = set(EXPECTED_TRIGGERS[phase])
    if phase in OPEN_PHASES:
        expected |= EVERYWHERE_OPEN
    assert set(allowed_triggers(phase)) == expected


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("trigger", TRIGGERS)
def test_every_trigger_fires_or_raises(phase: Phase, trigger: str) -> None:
    targets = destinations(phase, trigger)
    if not targets:
        with pytest.raises(MachineError):
            fire(phase, trigger, None)
        return
    for dest in targets:
        assert fire(phase, trigger, dest) == (dest or phase)
    wrong = next(p for p in [*Phase, None] if p not in targets)
    with pytest.raises(ValueError):
        fire(phase, trigger, wrong)


def test_end_states_have_no_way_out_except_hersteld() -> None:
    for phase in END_PHASES - {P.hersteld}:
        assert allowed_triggers(phase) == []
    assert {dest for dest in destinations(P.hersteld, "relapse")} == {
        P.ziekgemeld,
        P.probleemanalyse,
        P.plan_van_aanpak,
        P.tweede_spoor,
    }
    for phase in END_PHASES:
        assert not destinations(phase, "recovered")


def test_relapse_only_goes_back() -> None:
    order = list(Phase)[:7]
    for phase in (P.arbeidstherapeutisch, P.opbouw, P.evaluatie):
        for dest in destinations(phase, "relapse"):
            assert dest is None or order.index(dest) < order.index(phase)


def test_plain_machine_without_auto_transitions() -> None:
    model, machine = build_machine("opbouw")
    assert model.state == "opbouw"
    assert not hasattr(model, "to_hersteld")
    assert type(machine).__name__ == "Machine"
    with pytest.raises(ValueError):
        build_machine("onbekend")


def test_destinations_are_what_the_machine_fires() -> None:
    """One source of truth: a destination is listed exactly when the machine moves there."""
    for phase in Phase:
        for trigger in TRIGGERS:
            listed = destinations(phase, trigger)
            for dest in [*Phase, None]:
                try:
                    fire(phase, trigger, dest)
                    fired = True
                except (MachineError, ValueError):
                    fired = False
                assert fired == (dest in listed), (phase, trigger, dest)


def test_only_the_machine_reads_the_rows() -> None:
    """No second table of moves: no function but the machine's builder reads ROWS (TRIGGERS only
    names the triggers), and no other module of ``states`` reads it at all."""
    import inspect
    import pkgutil

    import states
    from states import phases

    for info in pkgutil.iter_modules(states.__path__):
        source = inspect.getsource(__import__(f"states.{info.name}", fromlist=["_"]))
        if info.name != "phases":
            assert "ROWS" not in source, info.name
    readers = [
        name for name, value in vars(phases).items() if inspect.isfunction(value) and "ROWS" in value.__code__.co_names
    ]
    assert readers == ["build_machine"]


def test_nothing_is_a_destination_of_a_non_phase_or_non_trigger() -> None:
    assert (
        destinations("*", "relapse") == []
        and destinations("opbouw", "") == []
        and destinations("opbouw", "onbekend") == []
    )
    assert destinations(["opbouw"], "relapse") == []  # type: ignore[arg-type]


def test_rows_only_name_known_phases() -> None:
    for trigger, sources, dest in ROWS:
        assert trigger in TRIGGERS
        assert all(isinstance(s, Phase) for s in sources)
        assert dest is None or isinstance(dest, Phase)
