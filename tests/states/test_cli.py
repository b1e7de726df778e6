import argparse
import io
import json

import pytest

from states.cli import add_timeline_arguments, run_timeline


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="reintegratie timeline")
    add_timeline_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run_timeline(parser.parse_args(list(argv)), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_json_output() -> None:
    code, out, err = run("--first-sick-day", "2026-01-05", "--on", "2026-02-01", "--json")
    assert code == 0 and not err
    document = json.loads(out)
    assert document["first_sick_day"] == "2026-01-05"
    assert document["counted_sick_days"] == 28
    keys = [d["key"] for d in document["deadlines"]]
    assert keys[0] == "arbodienst_report" and keys[-1] == "end_of_wage_continuation" and len(keys) == 11
    eje = next(d for d in document["deadlines"] if d["key"] == "eerstejaarsevaluatie")
    assert eje == {
        "key": "eerstejaarsevaluatie",
        "due": "2027-01-03",
        "window_start": "2026-11-16",
        "responsible": "employer_and_employee",
        "label_nl": eje["label_nl"],
        "label_en": eje["label_en"],
    }
    assert all("window_start" not in d for d in document["deadlines"] if d["key"] != "eerstejaarsevaluatie")


def test_periods_move_the_deadlines() -> None:
    code, out, _ = run(
        "--first-sick-day",
        "2026-01-05",
        "--period",
        "2026-01-05:2026-01-20",
        "--period",
        "2026-02-01:",
        "--on",
        "2026-03-01",
        "--json",
    )
    assert code == 0
    document = json.loads(out)
    assert document["counted_sick_days"] == 45
    due = {d["key"]: d["due"] for d in document["deadlines"]}
    assert due["probleemanalyse"] == "2026-02-26"  # 11 days later than without the gap


def test_table_output() -> None:
    code, out, _ = run("--first-sick-day", "2026-01-05", "--on", "2026-01-05")
    assert code == 0
    assert "2026-10-26" in out and "uwv_42_week_report" in out and "Eerste ziektedag" in out
    assert "Getelde ziektedagen" in out and ": 1" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--first-sick-day", "2026-13-05"], "2026-13-05"),
        (["--first-sick-day", "5-1-2026"], "JJJJ-MM-DD"),
        (["--first-sick-day", "2026-01-05", "--period", "2026-01-05"], "START:END"),
        (["--first-sick-day", "2026-01-05", "--period", "2026-01-06:"], "eerste periode"),
        (["--first-sick-day", "2026-01-05", "--period", "2026-01-05:2026-01-01"], "eindigt voor"),
        (
            ["--first-sick-day", "2026-01-05", "--period", "2026-01-05:2026-01-20", "--period", "2026-03-01:"],
            "nieuwe zaak",
        ),
        (["--first-sick-day", "2026-01-05", "--on", "gisteren"], "gisteren"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_code_2(argv: list[str], message: str) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert err.startswith("reintegratie timeline: ")
