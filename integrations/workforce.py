"""The workforce register (issue 21): per month and org unit, the headcount and the staff in FTE.

Imported from CSV or from JSON rows (:func:`parse_csv`, :func:`parse_rows`), checked as a whole
first: every bad row gets its own :class:`RowError` (row number, column, what is wrong, how to fix
it, in Dutch and English) and then nothing is imported. A good import replaces every month it names,
in one transaction (:func:`import_rows`): all of it or none of it.

The CSV: a header ``month,org_unit,headcount,fte`` (any order; ``;`` as separator too, as Dutch
spreadsheets write it, with a decimal comma then), one row per org unit and month, ``month`` as
``2026-03``, ``headcount`` a whole number, ``fte`` a number (``12.5``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.absence_statistics import Staff
from integrations.db import run_write
from integrations.schema import Base, WorkforceRow

COLUMNS = ("month", "org_unit", "headcount", "fte")
MAX_ROWS = 10_000
MAX_HEADCOUNT = 1_000_000
ORG_UNIT_LENGTH = 100
_TABLE = Base.metadata.tables[WorkforceRow.__tablename__]
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row (1: the header; data rows from 2 in a CSV, from 1 in JSON rows)."""

    row: int
    column: str
    problem_nl: str
    problem_en: str
    fix_nl: str
    fix_en: str

    def text(self, language: str) -> str:
        return f"{self.problem_en} {self.fix_en}" if language == "en" else f"{self.problem_nl} {self.fix_nl}"


class WorkforceRejected(ValueError):
    """The file or rows were refused as a whole; ``errors`` names every bad row."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors


@dataclass(frozen=True)
class RegisterRow:
    month: date
    org_unit: str
    headcount: int
    fte: float


def _error(row: int, column: str, problem: tuple[str, str], fix: tuple[str, str]) -> RowError:
    return RowError(row, column, problem[0], problem[1], fix[0], fix[1])


def _number(text: str, decimal_comma: bool) -> float | None:
    cleaned = text.strip().replace(",", ".") if decimal_comma else text.strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _check(number: int, values: dict[str, Any], decimal_comma: bool, errors: list[RowError]) -> RegisterRow | None:
    found = len(errors)
    month_text = str(values.get("month") or "").strip()
    match = _MONTH.match(month_text)
    month: date | None = None
    if match and 1 <= int(match.group(2)) <= 12 and 1900 <= int(match.group(1)) <= 2200:
        month = date(int(match.group(1)), int(match.group(2)), 1)
    else:
        errors.append(
            _error(
                number,
                "month",
                (f"De maand '{month_text[:20]}' is geen maand.", f"The month '{month_text[:20]}' is not a month."),
                ("Schrijf jaar en maand als 2026-03.", "Write year and month as 2026-03."),
            )
        )
    org_unit = str(values.get("org_unit") or "").strip()
    if not org_unit:
        errors.append(
            _error(
                number,
                "org_unit",
                ("De afdeling is leeg.", "The org unit is empty."),
                (
                    "Vul de naam van de afdeling in, zoals bij de zaken.",
                    "Fill in the org unit's name, as in the cases.",
                ),
            )
        )
    elif len(org_unit) > ORG_UNIT_LENGTH:
        errors.append(
            _error(
                number,
                "org_unit",
                (
                    f"De afdeling is langer dan {ORG_UNIT_LENGTH} tekens.",
                    f"The org unit is over {ORG_UNIT_LENGTH} characters.",
                ),
                ("Kort de naam in.", "Shorten the name."),
            )
        )
    raw_headcount = values.get("headcount")
    headcount_text = str(raw_headcount if raw_headcount is not None else "").strip()
    headcount: int | None = None
    if isinstance(raw_headcount, int) and not isinstance(raw_headcount, bool):
        headcount = raw_headcount
    elif re.fullmatch(r"\d{1,7}", headcount_text):
        headcount = int(headcount_text)
    if headcount is None or not 0 <= headcount <= MAX_HEADCOUNT:
        headcount = None
        errors.append(
            _error(
                number,
                "headcount",
                (
                    f"Het aantal medewerkers '{headcount_text[:20]}' is geen heel getal van 0 of meer.",
                    f"The headcount '{headcount_text[:20]}' is not a whole number of 0 or more.",
                ),
                ("Vul het aantal mensen in dienst in, zoals 42.", "Fill in the number of people employed, such as 42."),
            )
        )
    raw_fte = values.get("fte")
    fte_text = str(raw_fte if raw_fte is not None else "").strip()
    fte = (
        float(raw_fte)
        if isinstance(raw_fte, int | float) and not isinstance(raw_fte, bool) and math.isfinite(raw_fte)
        else _number(fte_text, decimal_comma)
    )
    if fte is None or fte < 0:
        errors.append(
            _error(
                number,
                "fte",
                (
                    f"De fte '{fte_text[:20]}' is geen getal van 0 of meer.",
                    f"The FTE '{fte_text[:20]}' is not a number of 0 or more.",
                ),
                ("Vul de formatie in fte in, zoals 37.5.", "Fill in the staff in FTE, such as 37.5."),
            )
        )
    elif headcount is not None and fte > headcount * 1.5:
        errors.append(
            _error(
                number,
                "fte",
                (
                    f"De fte ({fte:g}) is meer dan anderhalf keer het aantal medewerkers ({headcount}).",
                    f"The FTE ({fte:g}) is more than one and a half times the headcount ({headcount}).",
                ),
                (
                    "Controleer of fte en aantal medewerkers niet verwisseld zijn.",
                    "Check that FTE and headcount are not swapped.",
                ),
            )
        )
    if len(errors) > found or month is None or headcount is None or fte is None:
        return None
    return RegisterRow(month=month, org_unit=org_unit, headcount=headcount, fte=round(fte, 2))


def _whole(items: list[tuple[int, dict[str, Any]]], decimal_comma: bool, errors: list[RowError]) -> list[RegisterRow]:
    if not items and not errors:
        errors.append(
            _error(
                1,
                "",
                ("Er staan geen rijen in.", "There are no rows."),
                (
                    "Zet onder de kopregel één rij per afdeling en maand.",
                    "Put one row per org unit and month under the header.",
                ),
            )
        )
    if len(items) > MAX_ROWS:
        errors.append(
            _error(
                MAX_ROWS + 2,
                "",
                (f"Er staan meer dan {MAX_ROWS} rijen in.", f"There are more than {MAX_ROWS} rows."),
                (
                    "Lever het register in delen aan, bijvoorbeeld per jaar.",
                    "Send the register in parts, for instance per year.",
                ),
            )
        )
        return []
    rows: list[RegisterRow] = []
    seen: dict[tuple[date, str], int] = {}
    for number, values in items:
        row = _check(number, values, decimal_comma, errors)
        if row is None:
            continue
        key = (row.month, row.org_unit.casefold())
        if key in seen:
            errors.append(
                _error(
                    number,
                    "org_unit",
                    (
                        f"{row.org_unit} staat voor {row.month:%Y-%m} ook al in rij {seen[key]}.",
                        f"{row.org_unit} for {row.month:%Y-%m} is also in row {seen[key]}.",
                    ),
                    ("Laat één van de twee rijen weg.", "Leave one of the two rows out."),
                )
            )
            continue
        seen[key] = number
        rows.append(row)
    if errors:
        raise WorkforceRejected(sorted(errors, key=lambda error: error.row))
    return rows


def parse_csv(data: bytes) -> list[RegisterRow]:
    """The rows of a CSV file, or :class:`WorkforceRejected` naming every bad row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WorkforceRejected(
            [
                _error(
                    1,
                    "",
                    ("Het bestand is geen UTF-8-tekst.", "The file is not UTF-8 text."),
                    ("Sla het op als CSV UTF-8.", "Save it as CSV UTF-8."),
                )
            ]
        ) from None
    lines = text.splitlines()
    header_line = lines[0] if lines else ""
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    errors: list[RowError] = []
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        raise WorkforceRejected(
            [
                _error(
                    1,
                    ", ".join(missing or unknown),
                    (
                        f"De kopregel mist {', '.join(missing)}."
                        if missing
                        else f"Onbekende kolom {', '.join(unknown)}.",
                        f"The header lacks {', '.join(missing)}."
                        if missing
                        else f"Unknown column {', '.join(unknown)}.",
                    ),
                    (f"De eerste regel is: {','.join(COLUMNS)}.", f"The first line is: {','.join(COLUMNS)}."),
                )
            ]
        )
    items: list[tuple[int, dict[str, Any]]] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            errors.append(
                _error(
                    number,
                    "",
                    (
                        f"De rij heeft {len(cells)} velden in plaats van {len(header)}.",
                        f"The row has {len(cells)} fields instead of {len(header)}.",
                    ),
                    (
                        "Geef elke rij precies de kolommen van de kopregel.",
                        "Give every row exactly the header's columns.",
                    ),
                )
            )
            continue
        items.append((number, dict(zip(header, cells, strict=True))))
    return _whole(items, delimiter == ";", errors)


def parse_rows(rows: list[dict[str, Any]]) -> list[RegisterRow]:
    """JSON rows (numbered from 1), or :class:`WorkforceRejected` naming every bad row."""
    return _whole(list(enumerate(rows, start=1)), False, [])


def _replace(connection: Connection, rows: list[RegisterRow], by: str) -> None:
    now = datetime.now(UTC)
    months = sorted({row.month for row in rows})
    connection.execute(delete(_TABLE).where(_TABLE.c.month.in_(months)))
    connection.execute(
        insert(_TABLE),
        [
            {
                "month": row.month,
                "org_unit": row.org_unit,
                "headcount": row.headcount,
                "fte": row.fte,
                "imported_by": by,
                "imported_at": now,
            }
            for row in rows
        ],
    )


async def import_rows(
    sessionmaker: async_sessionmaker[AsyncSession], rows: list[RegisterRow], *, by: str
) -> list[date]:
    """Replace every month named in ``rows`` by them, in one transaction; the months replaced."""
    await run_write(sessionmaker, lambda connection: _replace(connection, rows, by))
    return sorted({row.month for row in rows})


async def staff_between(sessionmaker: async_sessionmaker[AsyncSession], first: date, last: date) -> list[Staff]:
    query = select(_TABLE).where(_TABLE.c.month >= first.replace(day=1), _TABLE.c.month <= last)
    async with sessionmaker() as session:
        rows = (await session.execute(query.order_by(_TABLE.c.month, _TABLE.c.org_unit))).all()
    return [Staff(month=r.month, org_unit=r.org_unit, headcount=r.headcount, fte=float(r.fte)) for r in rows]


async def register(sessionmaker: async_sessionmaker[AsyncSession], limit: int = 240) -> list[RegisterRow]:
    """The newest rows of the register (for its page), newest month first."""
    query = select(_TABLE).order_by(_TABLE.c.month.desc(), _TABLE.c.org_unit).limit(limit)
    async with sessionmaker() as session:
        rows = (await session.execute(query)).all()
    return [RegisterRow(month=r.month, org_unit=r.org_unit, headcount=r.headcount, fte=float(r.fte)) for r in rows]
