"""`/statistics` (HR and the auditor): absence figures by the 1996 standard, with charts; and
`/workforce` (HR): the workforce register they divide by.

- ``GET /statistics``: the filters (from/to month, per month or quarter, org unit), three charts as
  SVG made on the server (web.charts) each with the table of its numbers, and the key figures.
- ``GET /statistics.csv`` and ``GET /api/statistics``: the same numbers to export.
- ``GET /workforce`` and ``POST /workforce`` (a CSV upload), ``POST /api/workforce`` (a CSV body or
  JSON rows): the register; a bad row names itself and nothing is imported.

The arithmetic is :mod:`integrations.absence_statistics`'s, summed by the SQL store over the read
model (:mod:`integrations.absence_figures`: ``absence_records`` and its rows, written by the
workflow), never from Temporal.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import UploadFile

from integrations.absence_figures import case_org_units, table_from_store
from integrations.absence_statistics import (
    FULL_TIME_HOURS,
    RECOVERY_WITHIN,
    SICK_PHASES_ORDER,
    Figures,
    Granularity,
    next_month,
    periods,
)
from integrations.accounts import AccountRole
from integrations.workforce import (
    RowError,
    WorkforceRejected,
    import_rows,
    parse_csv,
    parse_rows,
    register,
    staff_between,
)
from states.clock import local_date
from web import charts, deps, words
from web.access import require_role
from web.auth import Principal
from web.error_answers import API_ERRORS, page, problem
from web.i18n import request_language, translator

SEES_STATISTICS = (AccountRole.hr, AccountRole.auditor)
KEEPS_REGISTER = (AccountRole.hr,)
PAGE = "/statistics"
CSV_PATH = "/statistics.csv"
API_PATH = "/api/statistics"
REGISTER_PAGE = "/workforce"
REGISTER_API = "/api/workforce"
MAX_MONTHS = 60
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")

router = APIRouter(dependencies=[Depends(require_role(*SEES_STATISTICS))])
register_router = APIRouter()


# ------------------------------------------------------------------------------------------ filters


class FilterProblem(ValueError):
    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def text(self, language: str) -> str:
        return translator(language)(self.key).format(**self.values)


@dataclass(frozen=True)
class Selection:
    first_month: date
    last_month: date
    granularity: Granularity
    org_unit: str | None


def _month(value: str, field: str) -> date:
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2200:
        raise FilterProblem("stats.bad_month", value=value[:20], field=field)
    return date(int(match.group(1)), int(match.group(2)), 1)


def selection(
    today: date, from_month: str | None, to_month: str | None, granularity: str | None, org_unit: str | None
) -> Selection:
    """The filters as asked, or :class:`FilterProblem`; by default the last 12 months, per month."""
    last = _month(to_month, "to") if to_month else today.replace(day=1)
    if from_month:
        first = _month(from_month, "from")
    else:
        first = date(last.year - 1, last.month, 1)
        first = next_month(first)
    if first > last:
        raise FilterProblem("stats.order")
    if (last.year - first.year) * 12 + last.month - first.month + 1 > MAX_MONTHS:
        raise FilterProblem("stats.too_long", months=MAX_MONTHS)
    if granularity not in (None, "", *Granularity.__members__):
        raise FilterProblem("stats.bad_granularity")
    unit = (org_unit or "").strip() or None
    return Selection(first, last, Granularity(granularity or "month"), unit)


# ------------------------------------------------------------------------------------------ figures


class FiguresOut(BaseModel):
    period: str = Field(description="2026-03 (a month) or 2026-Q1 (a quarter)")
    first_day: date
    last_day: date
    org_unit: str | None = Field(description="None: all org units together")
    days: int = Field(description="calendar days counted (a period is cut at today; 0: still to come)")
    percentage: float | None = Field(
        description="verzuimpercentage: sick / available FTE-days x 100; None: no register"
    )
    sick_fte_days: float = Field(description="sick calendar days x absence fraction x part-time factor")
    available_fte_days: float | None = Field(description="the register's FTE x calendar days; None: a month lacks it")
    reports: int = Field(description="new sick reports (a relapse within 4 weeks included)")
    average_headcount: float | None
    frequency: float | None = Field(description="meldingsfrequentie: reports / average headcount x 365 / days")
    ended_reports: int = Field(description="reports that ended by full recovery in the period")
    average_duration_days: float | None = Field(description="gemiddelde verzuimduur of the ended reports")
    recovered_within_6_weeks: int
    recovered_within_6_months: int
    recovered_within_1_year: int
    phases: dict[str, int] = Field(description="employees sick at the end of the period, per phase")
    steps_on_time: int = Field(description="statutory steps due in the period and done by their deadline")
    steps_late: int = Field(description="done after their deadline")
    steps_missing: int = Field(description="not done, and the deadline has passed")
    second_track_starts: int


class StatisticsOut(BaseModel):
    from_month: str
    to_month: str
    granularity: Literal["month", "quarter"]
    org_unit: str | None
    today: date
    day_basis: Literal["calendar"] = "calendar"
    full_time_hours: float = Field(description="a part-timer's factor is contract hours / this")
    org_units: list[str] = Field(description="the org units in the register or in the cases")
    totals: list[FiguresOut] = Field(description="per period, all org units together (or the chosen one)")
    per_org_unit: list[FiguresOut] = Field(description="per org unit and period (empty when one is chosen)")


def _out(item: Figures) -> FiguresOut:
    def rounded(value: float | None, digits: int = 2) -> float | None:
        return None if value is None else round(value, digits)

    return FiguresOut(
        period=item.period.label,
        first_day=item.period.first,
        last_day=item.period.last,
        org_unit=item.org_unit,
        days=item.days,
        percentage=rounded(item.percentage),
        sick_fte_days=round(item.sick_fte_days, 2),
        available_fte_days=rounded(item.available_fte_days),
        reports=item.reports,
        average_headcount=rounded(item.average_headcount),
        frequency=rounded(item.frequency),
        ended_reports=item.ended_reports,
        average_duration_days=rounded(item.average_duration, 1),
        recovered_within_6_weeks=item.recovered_within["6_weeks"],
        recovered_within_6_months=item.recovered_within["6_months"],
        recovered_within_1_year=item.recovered_within["1_year"],
        phases=dict(item.phases),
        steps_on_time=item.steps_on_time,
        steps_late=item.steps_late,
        steps_missing=item.steps_missing,
        second_track_starts=item.second_track_starts,
    )


async def compute(sessionmaker: async_sessionmaker[AsyncSession], chosen: Selection, today: date) -> StatisticsOut:
    chosen_periods = periods(chosen.first_month, chosen.last_month, chosen.granularity)
    first, last = chosen_periods[0].first, chosen_periods[-1].last
    case_units = await case_org_units(sessionmaker, first, min(last, today))
    staff = await staff_between(sessionmaker, first, last)
    units = sorted({row.org_unit for row in staff} | set(case_units))
    totals, per_unit = await table_from_store(
        sessionmaker, chosen_periods, staff, today, case_units=case_units, org_unit=chosen.org_unit
    )
    return StatisticsOut(
        from_month=f"{chosen.first_month:%Y-%m}",
        to_month=f"{chosen.last_month:%Y-%m}",
        granularity=chosen.granularity.value,
        org_unit=chosen.org_unit,
        today=today,
        full_time_hours=FULL_TIME_HOURS,
        org_units=units,
        totals=[_out(item) for item in totals],
        per_org_unit=[_out(item) for item in per_unit],
    )


def _today() -> date:
    return local_date(datetime.now(UTC))


CSV_COLUMNS = [name for name in FiguresOut.model_fields if name != "phases"] + [
    f"phase_{phase}" for phase in SICK_PHASES_ORDER
]


def as_csv(data: StatisticsOut) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in [*data.totals, *data.per_org_unit]:
        values = item.model_dump()
        phases = values.pop("phases")
        cells = [values[name] for name in CSV_COLUMNS if not name.startswith("phase_")]
        cells = ["" if value is None else (value.isoformat() if isinstance(value, date) else value) for value in cells]
        cells[CSV_COLUMNS.index("org_unit")] = item.org_unit or "all"
        cells += [phases.get(phase, 0) for phase in SICK_PHASES_ORDER]
        writer.writerow([_cell(cell) for cell in cells])
    return out.getvalue()


def _cell(value: object) -> str:
    """A cell no spreadsheet runs as a formula (an org unit is typed by people)."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _problem_answer(exc: FilterProblem) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "detail": f"Invalid input. {exc.text('en')}",
            "errors": [{"field": "query", "message": exc.text("en"), "nl": exc.text("nl")}],
        },
    )


@router.get(
    API_PATH,
    response_model=StatisticsOut,
    tags=["statistics"],
    responses=API_ERRORS | problem(403, "Only HR and the auditor see the absence figures."),
)
async def statistics_api(
    from_month: str | None = Query(default=None, alias="from", description="first month, 2026-01"),
    to_month: str | None = Query(default=None, alias="to", description="last month, 2026-12"),
    granularity: str | None = Query(default=None, description="month or quarter"),
    org_unit: str | None = Query(default=None, max_length=100, description="one org unit (none: all)"),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response | StatisticsOut:
    """The absence figures by the 1996 standard, per period and org unit (HR, auditor)."""
    today = _today()
    try:
        chosen = selection(today, from_month, to_month, granularity, org_unit)
    except FilterProblem as exc:
        return _problem_answer(exc)
    return await compute(sessionmaker, chosen, today)


@router.get(
    CSV_PATH,
    response_class=Response,
    responses=API_ERRORS
    | problem(403, "Only HR and the auditor see the absence figures.")
    | {200: {"content": {"text/csv": {}}, "description": "one row per period and org unit ('all': together)"}},
)
async def statistics_csv(
    from_month: str | None = Query(default=None, alias="from"),
    to_month: str | None = Query(default=None, alias="to"),
    granularity: str | None = None,
    org_unit: str | None = Query(default=None, max_length=100),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    today = _today()
    try:
        chosen = selection(today, from_month, to_month, granularity, org_unit)
    except FilterProblem as exc:
        return _problem_answer(exc)
    data = await compute(sessionmaker, chosen, today)
    name = f"absence-{data.from_month}-{data.to_month}.csv"
    return Response(
        as_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _charts(data: StatisticsOut, language: str) -> dict[str, Any]:
    t = translator(language)
    labels = [item.period for item in data.totals]
    lines = [charts.Series(data.org_unit or t("stats.total"), [item.percentage for item in data.totals])]
    for unit in data.org_units if data.org_unit is None else []:
        lines.append(charts.Series(unit, [item.percentage for item in data.per_org_unit if item.org_unit == unit]))
    phases = [
        charts.Series(words.phase(phase, language), [float(item.phases.get(phase, 0)) for item in data.totals])
        for phase in SICK_PHASES_ORDER
    ]
    steps = [
        charts.Series(t("stats.steps_on_time"), [float(item.steps_on_time) for item in data.totals]),
        charts.Series(t("stats.steps_late"), [float(item.steps_late) for item in data.totals]),
        charts.Series(t("stats.steps_missing"), [float(item.steps_missing) for item in data.totals]),
    ]
    return {
        "labels": labels,
        "lines": lines,
        "phases": phases,
        "steps": steps,
        "percentage_svg": charts.line_chart("chart-percentage", t("stats.percentage_chart"), labels, lines, "%"),
        "phases_svg": charts.stacked_bars("chart-phases", t("stats.phases_chart"), labels, phases),
        "steps_svg": charts.stacked_bars("chart-steps", t("stats.steps_chart"), labels, steps),
    }


def _number(value: float | None, language: str, digits: int = 1) -> str:
    if value is None:
        return translator(language)("stats.unknown")
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if language == "nl" else text


@router.get(PAGE, response_class=HTMLResponse, responses=page(422, "A filter is wrong: the page says which."))
async def statistics_page(
    request: Request,
    from_month: str | None = Query(default=None, alias="from"),
    to_month: str | None = Query(default=None, alias="to"),
    granularity: str | None = None,
    org_unit: str | None = Query(default=None, max_length=100),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    language = request_language(request)
    today = _today()
    context: dict[str, Any] = {
        "form": {
            "from": from_month or "",
            "to": to_month or "",
            "granularity": granularity or "month",
            "org_unit": org_unit or "",
        },
        "number": lambda value, digits=1: _number(value, language, digits),
        "phase_name": lambda phase: words.phase(phase, language),
        "sick_phases": SICK_PHASES_ORDER,
        "recovery": [name for name, _ in RECOVERY_WITHIN],
        "csv_query": str(request.url.query),
    }
    try:
        chosen = selection(today, from_month, to_month, granularity, org_unit)
    except FilterProblem as exc:
        return deps.render(request, "statistics.html", context | {"error": exc.text(language)}, status_code=422)
    data = await compute(sessionmaker, chosen, today)
    context["form"] |= {"from": data.from_month, "to": data.to_month, "granularity": data.granularity}
    missing_register = any(item.days and item.available_fte_days is None for item in data.totals)
    return deps.render(
        request,
        "statistics.html",
        context | {"data": data, "missing_register": missing_register} | _charts(data, language),
    )


# ------------------------------------------------------------------------------------ the register


class RowErrorOut(BaseModel):
    row: int = Field(description="the row: 1 is a CSV's header, data from 2; JSON rows count from 1")
    column: str = Field(description="the column, '' for the whole row")
    message: str = Field(description="what is wrong and how to fix it (English)")
    nl: str = Field(description="the same in Dutch")


class RegisterRejectedOut(BaseModel):
    detail: str
    errors: list[RowErrorOut]


class RegisterRowIn(BaseModel):
    month: str = Field(description="2026-03")
    org_unit: str
    headcount: int | str
    fte: float | str


class RegisterImportedOut(BaseModel):
    rows: int
    months_replaced: list[str] = Field(description="every month named was replaced as a whole")


NOT_ROWS = RowError(
    0,
    "",
    "De JSON is geen lijst van rijen.",
    "The JSON is not an array of rows.",
    'Stuur [{"month": "2026-03", "org_unit": "...", "headcount": 42, "fte": 37.5}, ...] of een CSV.',
    'Send [{"month": "2026-03", "org_unit": "...", "headcount": 42, "fte": 37.5}, ...] or a CSV body.',
)


def _rejected(errors: list[RowError]) -> JSONResponse:
    body = RegisterRejectedOut(
        detail=f"Nothing was imported: {len(errors)} row(s) are wrong. Correct them and send the whole register again.",
        errors=[RowErrorOut(row=e.row, column=e.column, message=e.text("en"), nl=e.text("nl")) for e in errors],
    )
    return JSONResponse(status_code=422, content=body.model_dump())


@register_router.post(
    REGISTER_API,
    response_model=RegisterImportedOut,
    tags=["statistics"],
    responses=API_ERRORS
    | problem(403, "Only HR keeps the workforce register.")
    | {422: {"model": RegisterRejectedOut, "description": "Bad rows, each named; nothing was imported."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": RegisterRowIn.model_json_schema()}},
            },
        }
    },
)
async def register_api(
    request: Request,
    principal: Principal = Depends(require_role(*KEEPS_REGISTER)),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response | RegisterImportedOut:
    """Import the workforce register: a CSV body (``month,org_unit,headcount,fte``) or a JSON array of
    rows. Every month named replaces that month; one bad row and nothing is imported (HR)."""
    body = await request.body()
    try:
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                rows = json.loads(body)
            except ValueError:
                rows = None
            if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
                return _rejected([NOT_ROWS])
            parsed = parse_rows(rows)
        else:
            parsed = parse_csv(body)
    except WorkforceRejected as exc:
        return _rejected(exc.errors)
    months = await import_rows(sessionmaker, parsed, by=principal.email)
    return RegisterImportedOut(rows=len(parsed), months_replaced=[f"{month:%Y-%m}" for month in months])


async def _register_page(
    request: Request,
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    status_code: int = 200,
    **context: object,
) -> Response:
    return deps.render(
        request,
        "workforce.html",
        {"rows": await register(sessionmaker), "action": REGISTER_PAGE, **context},
        status_code=status_code,
    )


@register_router.get(REGISTER_PAGE, response_class=HTMLResponse)
async def register_page(
    request: Request,
    _: Principal = Depends(require_role(*KEEPS_REGISTER)),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    return await _register_page(request, sessionmaker)


@register_router.post(
    REGISTER_PAGE,
    response_class=HTMLResponse,
    responses=page(422, "Bad rows: the page names each; nothing was imported."),
)
async def register_upload(
    request: Request,
    principal: Principal = Depends(require_role(*KEEPS_REGISTER)),
    sessionmaker: async_sessionmaker[AsyncSession] = Depends(deps.sessionmaker),
) -> Response:
    language = request_language(request)
    upload = (await request.form()).get("file")
    content = await upload.read() if isinstance(upload, UploadFile) else b""
    if not content:
        return await _register_page(
            request, sessionmaker, status_code=422, error=translator(language)("workforce.no_file")
        )
    try:
        parsed = parse_csv(content)
    except WorkforceRejected as exc:
        return await _register_page(
            request,
            sessionmaker,
            status_code=422,
            error=translator(language)("workforce.rejected").format(count=len({e.row for e in exc.errors})),
            row_errors=[(e.row, e.column, e.text(language)) for e in exc.errors],
        )
    months = await import_rows(sessionmaker, parsed, by=principal.email)
    done = translator(language)("workforce.done").format(
        rows=len(parsed), months=", ".join(f"{month:%Y-%m}" for month in months)
    )
    return await _register_page(request, sessionmaker, done=done)
