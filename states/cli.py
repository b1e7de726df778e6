"""`reintegratie timeline`: the statutory calendar of a case, for HR.

The only module of ``states`` that reads arguments and prints; the lead wires these two functions
into the main command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from typing import TextIO

from states.config import TZ
from states.timeline import PeriodError, SickPeriod, counted_days, statutory_timeline

_RESPONSIBLE_NL = {
    "employer": "werkgever",
    "employee": "werknemer",
    "bedrijfsarts": "bedrijfsarts",
    "employer_and_employee": "werkgever en werknemer",
}


def add_timeline_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``reintegratie timeline`` to ``parser``."""
    parser.add_argument(
        "--first-sick-day",
        required=True,
        metavar="YYYY-MM-DD",
        help="day 1 of the case: the first sick day",
    )
    parser.add_argument(
        "--period",
        action="append",
        default=[],
        metavar="START:END",
        help=(
            "a sick period, both days inclusive (repeatable); the first must start on the first sick "
            "day; END may be left empty for the running period (e.g. 2026-03-02:). Without --period "
            "the case is one running period from the first sick day"
        ),
    )
    parser.add_argument(
        "--on",
        metavar="YYYY-MM-DD",
        default=None,
        help="count the sick days up to this day (default: today in Europe/Amsterdam)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


class _UsageError(Exception):
    pass


def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _UsageError(
            f"{what}: '{text}' is geen geldige datum; gebruik JJJJ-MM-DD, bijvoorbeeld 2026-01-05. / "
            f"'{text}' is not a valid date; use YYYY-MM-DD, for example 2026-01-05."
        ) from None


def _parse_periods(first_sick_day: date, raw: list[str]) -> list[SickPeriod]:
    if not raw:
        return [SickPeriod(start=first_sick_day)]
    periods = []
    for text in raw:
        start_text, sep, end_text = text.partition(":")
        if not sep:
            raise _UsageError(
                f"--period: '{text}' moet de vorm START:END hebben (END mag leeg zijn). / "
                f"'{text}' must look like START:END (END may be empty)."
            )
        start = _parse_date(start_text, "--period")
        end = _parse_date(end_text, "--period") if end_text.strip() else None
        periods.append(SickPeriod(start=start, end=end))
    periods.sort(key=lambda p: p.start)
    if periods[0].start != first_sick_day:
        raise _UsageError(
            f"--period: de eerste periode begint op {periods[0].start}, niet op de eerste ziektedag "
            f"{first_sick_day}. / The first period starts on {periods[0].start}, not on the first sick "
            f"day {first_sick_day}."
        )
    return periods


def run_timeline(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print the timeline; 0 on success, 2 (with a message on stderr) on bad input."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        first = _parse_date(args.first_sick_day, "--first-sick-day")
        periods = _parse_periods(first, list(args.period or []))
        on = _parse_date(args.on, "--on") if args.on else datetime.now(TZ).date()
        deadlines = statutory_timeline(periods)
    except (_UsageError, PeriodError) as exc:
        print(f"reintegratie timeline: {exc}", file=err)
        return 2
    counted = counted_days(periods, on)

    if args.json:
        document = {
            "first_sick_day": first.isoformat(),
            "counted_sick_days": counted,
            "deadlines": [
                {
                    "key": str(d.key),
                    "due": d.due.isoformat(),
                    **({"window_start": d.window_start.isoformat()} if d.window_start else {}),
                    "responsible": str(d.responsible),
                    "label_nl": d.label_nl,
                    "label_en": d.label_en,
                }
                for d in deadlines
            ],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2), file=out)
        return 0

    print(f"Eerste ziektedag / first sick day: {first.isoformat()}", file=out)
    print(f"Getelde ziektedagen op / counted sick days on {on.isoformat()}: {counted}", file=out)
    if len(periods) > 1 or periods[0].end is not None:
        shown = ", ".join(f"{p.start}:{p.end or ''}" for p in periods)
        print(f"Ziekteperioden / sick periods: {shown}", file=out)
    print(file=out)
    rows = [("uiterlijk / due", "vanaf / from", "wie / who", "stap / step")]
    for d in deadlines:
        rows.append(
            (
                d.due.isoformat(),
                d.window_start.isoformat() if d.window_start else "",
                _RESPONSIBLE_NL[str(d.responsible)],
                f"{d.label_nl} [{d.key}]",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for index, row in enumerate(rows):
        line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
        print(line.rstrip(), file=out)
        if index == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * len(row[3]), file=out)
    return 0
