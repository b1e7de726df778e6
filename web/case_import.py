"""Bringing in running cases (issue 21): rows of a CSV file or of JSON, each a case already running.

Every row is checked on its own, as the intake checks a sick report (:class:`web.intake.IntakeRequest`:
names, addresses, dates, contract hours, medical terms, invisible controls) and as the rules check
the steps already done (:func:`states.running.open_running_case`). A row with an error starts
nothing and says, per column, what is wrong and how to fix it (Dutch and English); the good rows go
on. A row's case id is derived from its external reference (:func:`integrations.case_imports.case_id_for`)
and Temporal refuses a second workflow with that id: a second import of a reference opens nothing and
says "already imported".

A row's columns (CSV: the header names them; JSON: the same keys) are :data:`COLUMNS`. Several
evaluations or earlier periods go in one cell, separated by spaces: ``2026-03-02 2026-04-13``;
an earlier period is ``start/end`` (``2025-10-01/2025-10-20``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

import states
from contracts import CaseIntake
from contracts.imports import EVALUATION_OUTCOMES, DoneStep, EarlierPeriod, RunningCaseImport
from integrations.case_imports import CaseImports, case_id_for
from states.clock import local_date
from states.running import HistoryRefused
from web import intake_form
from web.cases import case_url
from web.i18n import translator
from web.intake import IntakeRequest, no_invisible_controls
from workflows import search_attributes
from workflows.case import ReintegrationCase, rules_preference
from workflows.history_import import open_decision
from workflows.memory import CaseInput

MAX_ROWS = 1000
"""Rows per import (the request's body limit, 1 MB, holds about as many)."""

# The steps a row can bring, by column, in the order of the law's process.
STEP_COLUMNS: tuple[str, ...] = (
    "probleemanalyse",
    "arbodienst_report",
    "plan_van_aanpak",
    "evaluations",
    "uwv_42_week_report",
    "eerstejaarsevaluatie",
    "tweede_spoor",
    "actueel_oordeel",
    "riv_to_employee",
    "wia_application",
)
PEOPLE = ("employee", "manager", "casemanager")
INTAKE_COLUMNS: tuple[str, ...] = (
    "employee_name",
    "employee_email",
    "employee_language",
    "manager_name",
    "manager_email",
    "manager_language",
    "casemanager_name",
    "casemanager_email",
    "first_sick_day",
    "contract_hours_per_week",
    "contract_days_per_week",
    "org_unit",
    "team",
    "workplace",
)
COLUMNS: tuple[str, ...] = (
    "external_ref",
    *INTAKE_COLUMNS,
    "earlier_periods",
    *STEP_COLUMNS,
    "plan_hours_per_week",
    "evaluation_outcome",
    "uwv_42_week_reference",
)
"""Every column a row may have; :data:`REQUIRED` must be there."""
REQUIRED: tuple[str, ...] = (
    "external_ref",
    "employee_name",
    "employee_email",
    "manager_name",
    "manager_email",
    "first_sick_day",
)

_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPLIT = re.compile(r"[\s|;,]+")


# ------------------------------------------------------------------------------------------ models


class CellError(BaseModel):
    """What is wrong in one cell, and how to fix it."""

    column: str = Field(description="the column (CSV) or key (JSON) of the row; 'row' for the row as a whole")
    nl: str = Field(description="what is wrong and how to fix it, in Dutch")
    en: str = Field(description="what is wrong and how to fix it, in English")


RowStatus = Literal["started", "already_imported", "refused"]


class RowResult(BaseModel):
    """One row's outcome. ``refused``: nothing of the row was started; ``errors`` says why."""

    row: int = Field(
        description="the row's number: its row in the CSV file as a spreadsheet shows it (the header is row 1), or 1 + its index in JSON"
    )
    external_ref: str = Field(description="the row's external reference, as given")
    status: RowStatus
    case_id: str | None = Field(default=None, description="the case the row opened (or opened before)")
    url: str | None = Field(default=None, description="the case page")
    invitations_held: bool = Field(default=False, description="the case's invitations wait until HR confirms it")
    errors: list[CellError] = Field(default_factory=list)


class ImportReport(BaseModel):
    """What an import did, row by row."""

    invitations: Literal["all", "hold"]
    started: int = Field(description="rows that opened a case now")
    already_imported: int = Field(description="rows whose reference was imported before: nothing opened again")
    refused: int = Field(description="rows with an error: nothing of them was started")
    rows: list[RowResult]


@dataclasses.dataclass(frozen=True)
class CheckedRow:
    """A row that passed every check: what starts its case."""

    intake: CaseIntake
    imported: RunningCaseImport
    decision: states.Decision


class FileProblem(Exception):
    """The file as a whole cannot be read (no header, unknown columns): nothing is started."""

    def __init__(self, nl: str, en: str) -> None:
        super().__init__(en)
        self.nl = nl
        self.en = en


# ------------------------------------------------------------------------------------ reading CSV


def read_csv(text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file (comma or semicolon separated, a header first) with their line numbers."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    if not header:
        raise FileProblem(
            "Het bestand is leeg. Zet op de eerste regel de kolomnamen, daaronder één zaak per regel.",
            "The file is empty. Put the column names on the first line, one case per line below it.",
        )
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter, restkey="_extra")
    names = [name.strip() for name in reader.fieldnames or []]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in names]
    if unknown or missing:
        problems_nl, problems_en = [], []
        if unknown:
            problems_nl.append(f"onbekende kolom(men): {', '.join(unknown)}")
            problems_en.append(f"unknown column(s): {', '.join(unknown)}")
        if missing:
            problems_nl.append(f"verplichte kolom(men) ontbreken: {', '.join(missing)}")
            problems_en.append(f"required column(s) missing: {', '.join(missing)}")
        raise FileProblem(
            f"De eerste regel van het bestand klopt niet: {'; '.join(problems_nl)}. "
            f"Gebruik deze kolomnamen: {', '.join(COLUMNS)}.",
            f"The first line of the file is not right: {'; '.join(problems_en)}. "
            f"Use these column names: {', '.join(COLUMNS)}.",
        )
    reader.fieldnames = names
    rows: list[tuple[int, dict[str, str]]] = []
    for record in reader:
        if not any(
            (value or "").strip() for key, value in record.items() if key != "_extra" and isinstance(value, str)
        ):
            continue  # an empty line
        row = {key: (value or "").strip() for key, value in record.items() if isinstance(value, str)}
        if record.get("_extra"):
            row["_extra"] = "x"
        rows.append((reader.line_num, row))
    if len(rows) > MAX_ROWS:
        raise FileProblem(
            f"Het bestand heeft {len(rows)} zaken; breng er hoogstens {MAX_ROWS} per keer in. Splits het bestand.",
            f"The file has {len(rows)} cases; bring in at most {MAX_ROWS} at a time. Split the file.",
        )
    return rows


# --------------------------------------------------------------------------------- checking a row


def _t(key: str) -> tuple[str, str]:
    return translator("nl")(key), translator("en")(key)


def _cell(column: str, nl: str, en: str) -> CellError:
    return CellError(column=column, nl=nl, en=en)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return str(value).strip()


def _words(value: Any) -> list[str]:
    """A cell of several values (space separated), or a JSON list."""
    if isinstance(value, list):
        return [_text(item) for item in value if _text(item)]
    return [part for part in _SPLIT.split(_text(value)) if part]


def _day(column: str, text: str, errors: list[CellError]) -> date | None:
    try:
        if not _ISO.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
        if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
            raise ValueError(text)
        return day
    except ValueError:
        errors.append(
            _cell(
                column,
                f"'{text}' is geen datum: schrijf hem als JJJJ-MM-DD, bijvoorbeeld 2026-03-02.",
                f"'{text}' is not a date: write it as YYYY-MM-DD, for example 2026-03-02.",
            )
        )
        return None


def _intake_data(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row's intake columns as :class:`IntakeRequest` takes them (the form's parser's shape)."""
    form: dict[str, str] = {}
    for group in PEOPLE:
        for part in ("name", "email", "language"):
            value = _text(row.get(f"{group}_{part}"))
            if value:
                form[f"{group}.{part}"] = value
    for name in (
        "first_sick_day",
        "contract_hours_per_week",
        "contract_days_per_week",
        "org_unit",
        "team",
        "workplace",
    ):
        value = _text(row.get(name))
        if value:
            form[name] = value
    data, _ = intake_form.parse(form)
    return data


def _column(field: str) -> str:
    """The row's column of an intake field (``employee.email`` -> ``employee_email``)."""
    head, _, rest = field.partition(".")
    if head in PEOPLE and rest:
        return f"{head}_{rest}"
    return head


def _intake_errors(row: Mapping[str, Any]) -> tuple[IntakeRequest | None, list[CellError]]:
    data = _intake_data(row)
    errors: list[CellError] = []
    for group in ("casemanager",):
        name, address = _text(row.get(f"{group}_name")), _text(row.get(f"{group}_email"))
        if bool(name) != bool(address):
            missing = f"{group}_name" if not name else f"{group}_email"
            errors.append(
                _cell(
                    missing,
                    "Vul naam én e-mailadres van de casemanager in, of laat beide leeg.",
                    "Fill in both the casemanager's name and e-mail address, or leave both empty.",
                )
            )
            data.pop(group, None)
    try:
        return IntakeRequest.model_validate(data), errors
    except ValidationError as exc:
        for field, key in intake_form.errors_by_field(exc).items():
            column = _column(field)
            if key.startswith("err."):
                nl, en = _t(key)
                if key == "err.sick_day":
                    nl = "De eerste ziektedag ligt in de toekomst of meer dan 104 weken terug."
                    en = "The first sick day lies in the future or more than 104 weeks back."
            else:  # a message of its own (medical terms, web.intake): "Dutch (English)"
                nl, _, en = key.partition(" (Do not")
                en = f"Do not{en[:-1]}" if en.endswith(")") else key
            errors.append(_cell(column, nl, en))
        return None, errors


def _history(
    row: Mapping[str, Any], errors: list[CellError], today: date
) -> tuple[list[DoneStep], list[str], list[EarlierPeriod]]:
    """The row's steps (with the column of each) and earlier periods; wrong cells are added to ``errors``."""
    steps: list[DoneStep] = []
    columns: list[str] = []
    outcome = _text(row.get("evaluation_outcome")) or "continue"
    if outcome not in EVALUATION_OUTCOMES:
        errors.append(
            _cell(
                "evaluation_outcome",
                f"'{outcome}' kan niet: kies continue, adjust_plan of second_track (of laat leeg).",
                f"'{outcome}' is not possible: choose continue, adjust_plan or second_track (or leave it empty).",
            )
        )
        outcome = "continue"
    plan_hours = 0.0
    hours_text = _text(row.get("plan_hours_per_week")).replace(",", ".")
    if hours_text:
        try:
            plan_hours = float(hours_text)
            if not 0 <= plan_hours <= 80:
                raise ValueError(hours_text)
        except ValueError:
            errors.append(
                _cell(
                    "plan_hours_per_week",
                    "Geef de uren per week van het plan van aanpak als getal, 0 tot en met de contracturen.",
                    "Give the plan van aanpak's hours a week as a number, 0 up to the contract hours.",
                )
            )
            plan_hours = 0.0
    reference = _text(row.get("uwv_42_week_reference"))
    if reference:
        try:
            no_invisible_controls(reference)
            if len(reference) > 64 or not _REF.match(reference):
                raise ValueError(reference)
        except ValueError:
            errors.append(
                _cell(
                    "uwv_42_week_reference",
                    "Het kenmerk mag alleen letters, cijfers en . _ : / - bevatten (hoogstens 64 tekens).",
                    "The reference may hold only letters, digits and . _ : / - (at most 64 characters).",
                )
            )
            reference = ""
    for column in STEP_COLUMNS:
        days = _words(row.get(column))
        if column != "evaluations" and len(days) > 1:
            errors.append(
                _cell(
                    column,
                    "Geef hier één datum. Alleen bij evaluations kunnen meer datums, met een spatie ertussen.",
                    "Give one date here. Only evaluations takes several dates, separated by a space.",
                )
            )
            continue
        dated = [day for text in days if (day := _day(column, text, errors)) is not None]
        for day in dated:
            if day > today:
                errors.append(
                    _cell(
                        column,
                        f"{day.isoformat()} ligt in de toekomst: breng alleen stappen in die al gedaan zijn.",
                        f"{day.isoformat()} lies in the future: bring in only steps already done.",
                    )
                )
        if any(day > today for day in dated):
            continue
        for index, day in enumerate(dated):
            kind = "evaluation" if column == "evaluations" else column
            last_evaluation = column == "evaluations" and index == len(dated) - 1
            steps.append(
                DoneStep(
                    kind=kind,
                    on=day,
                    outcome=outcome if last_evaluation else "",
                    reference=reference if column == "uwv_42_week_report" else "",
                    hours_per_week=plan_hours if column == "plan_van_aanpak" else 0.0,
                )
            )
            columns.append(column)
    periods: list[EarlierPeriod] = []
    raw = row.get("earlier_periods")
    items: Iterable[Any] = raw if isinstance(raw, list) else _words(raw)
    for item in items:
        if isinstance(item, Mapping):
            start_text, end_text = _text(item.get("start")), _text(item.get("end"))
        else:
            start_text, _, end_text = _text(item).partition("/")
        if not start_text or not end_text:
            errors.append(
                _cell(
                    "earlier_periods",
                    f"'{_text(item)}' is geen periode: schrijf begin/eind, bijvoorbeeld 2025-10-01/2025-10-20.",
                    f"'{_text(item)}' is not a period: write start/end, for example 2025-10-01/2025-10-20.",
                )
            )
            continue
        start, end = _day("earlier_periods", start_text, errors), _day("earlier_periods", end_text, errors)
        if start is not None and end is not None:
            periods.append(EarlierPeriod(start=start, end=end))
    return steps, columns, periods


def check_row(
    row: Mapping[str, Any], *, reported_by: str, now: datetime, public_url: str | None, hold: bool
) -> CheckedRow | list[CellError]:
    """The row's case, ready to start, or what is wrong with it (nothing is started for it)."""
    errors: list[CellError] = []
    unknown = sorted(key for key in row if key not in COLUMNS)
    for key in unknown:
        errors.append(
            _cell(
                "row" if key == "_extra" else key,
                "Deze rij heeft meer cellen dan er kolommen zijn." if key == "_extra" else "Deze kolom bestaat niet.",
                "This row has more cells than there are columns." if key == "_extra" else "This column does not exist.",
            )
        )
    reference = _text(row.get("external_ref"))
    if not reference:
        errors.append(
            _cell(
                "external_ref",
                "Vul het eigen kenmerk van de zaak in (bijvoorbeeld het dossiernummer): het maakt de import herhaalbaar.",
                "Fill in the case's own reference (its file number, say): it makes the import safe to repeat.",
            )
        )
    elif not _REF.match(reference):
        errors.append(
            _cell(
                "external_ref",
                "Het kenmerk begint met een letter of cijfer en bevat alleen letters, cijfers en . _ : / - "
                "(hoogstens 64 tekens); geen namen.",
                "The reference starts with a letter or digit and holds only letters, digits and . _ : / - "
                "(at most 64 characters); no names.",
            )
        )
    request, intake_errors = _intake_errors(row)
    errors += intake_errors
    steps, columns, periods = _history(row, errors, local_date(now))
    if errors or request is None:
        return errors + _history_errors(row, steps, columns, periods, errors, now)
    case_id = case_id_for(reference)
    intake = request.to_intake(case_id=case_id, reported_by=reported_by)
    if public_url:
        intake = dataclasses.replace(intake, case_url=case_url(public_url, case_id))
    imported = RunningCaseImport(
        external_ref=reference, steps=tuple(steps), earlier_periods=tuple(periods), hold_invitations=hold
    )
    opened = states.CaseOpened(
        actor=reported_by,
        at=now,
        case_id=case_id,
        first_sick_day=intake.first_sick_day,
        contract_hours_per_week=intake.contract_hours_per_week,
        preference=rules_preference(intake),
    )
    try:
        decision = open_decision(opened, imported, now, rules_version=states.RULES_VERSION)
    except HistoryRefused as refused:
        return [_cell(_refused_column(columns[refused.index], refused), refused.reason_nl, refused.reason_en)]
    except states.Refused as refused:
        column = "earlier_periods" if refused.code == "earlier_period_invalid" else "first_sick_day"
        if refused.code == "hours_invalid":
            column = "contract_hours_per_week"
        return [_cell(column, refused.reason_nl, refused.reason_en)]
    return CheckedRow(intake=intake, imported=imported, decision=decision)


def _refused_column(column: str, refused: states.Refused) -> str:
    """The column a refusal of the rules is about: a plan's hours have a column of their own."""
    if column == "plan_van_aanpak" and refused.code in ("hours_above_contract", "hours_invalid"):
        return "plan_hours_per_week"
    return column


def _history_errors(
    row: Mapping[str, Any],
    steps: list[DoneStep],
    columns: list[str],
    periods: list[EarlierPeriod],
    errors: list[CellError],
    now: datetime,
) -> list[CellError]:
    """What the rules say of the steps of a row with errors elsewhere, so HR sees every error at once
    (only when the first sick day and the steps themselves are readable)."""
    wrong = {error.column for error in errors}
    text = _text(row.get("first_sick_day"))
    if wrong & {"first_sick_day", "earlier_periods", *STEP_COLUMNS} or not _ISO.match(text):
        return []
    opened = states.CaseOpened(
        actor="import",
        at=now,
        case_id="case-import",
        first_sick_day=date.fromisoformat(text),
        contract_hours_per_week=80,  # the contract's own check is the intake's; here only the steps
    )
    imported = RunningCaseImport(external_ref="", steps=tuple(steps), earlier_periods=tuple(periods))
    try:
        open_decision(opened, imported, now, rules_version=states.RULES_VERSION)
    except HistoryRefused as refused:
        return [_cell(_refused_column(columns[refused.index], refused), refused.reason_nl, refused.reason_en)]
    except states.Refused:
        return []  # the first sick day: the intake's own error says it
    return []


# ---------------------------------------------------------------------------------------- running


async def start_imported(client: Client, *, task_queue: str, checked: CheckedRow, now: datetime) -> bool:
    """Start the row's case; False when a case with its id was started before (imported already)."""
    intake = checked.intake
    try:
        await client.start_workflow(
            ReintegrationCase.run,
            CaseInput(intake=intake, rules_version=states.RULES_VERSION, imported=checked.imported),
            id=intake.case_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            search_attributes=search_attributes.at_start(checked.decision.facts, now, intake.org_unit),
            static_summary=f"Running case imported; first sick day {intake.first_sick_day.isoformat()}",
        )
    except WorkflowAlreadyStartedError:
        return False
    return True


async def run_import(
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    client: Client,
    imports: CaseImports,
    task_queue: str,
    reported_by: str,
    public_url: str | None,
    hold: bool,
    now: datetime | None = None,
) -> ImportReport:
    """Check every row and start the good ones, each on its own; a row that fails starts nothing."""
    now = now or datetime.now(UTC)
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        reference = _text(row.get("external_ref"))
        key = reference.lower()
        if key and key in seen:
            results.append(
                RowResult(
                    row=line,
                    external_ref=reference,
                    status="refused",
                    errors=[
                        _cell(
                            "external_ref",
                            f"Dit kenmerk staat al in rij {seen[key]}: elke zaak heeft een eigen kenmerk.",
                            f"This reference is in row {seen[key]} already: every case has a reference of its own.",
                        )
                    ],
                )
            )
            continue
        if key:
            seen[key] = line
        checked = check_row(row, reported_by=reported_by, now=now, public_url=public_url, hold=hold)
        if isinstance(checked, list):
            results.append(RowResult(row=line, external_ref=reference, status="refused", errors=checked))
            continue
        case_id = checked.intake.case_id
        url = checked.intake.case_url
        known = await imports.by_case(case_id)
        started = known is None and await start_imported(client, task_queue=task_queue, checked=checked, now=now)
        if started:
            await imports.record(checked.imported.external_ref, case_id, by=reported_by, invitations_held=hold)
            results.append(
                RowResult(
                    row=line, external_ref=reference, status="started", case_id=case_id, url=url, invitations_held=hold
                )
            )
            continue
        if known is None:  # started before, not recorded (a crash between the two): record it now
            await imports.record(checked.imported.external_ref, case_id, by=reported_by, invitations_held=hold)
            known = await imports.by_case(case_id)
        results.append(
            RowResult(
                row=line,
                external_ref=reference,
                status="already_imported",
                case_id=case_id,
                url=url,
                invitations_held=bool(known and known.invitations_held),
                errors=[
                    _cell(
                        "external_ref",
                        "Deze zaak is al eerder ingebracht; er is niets opnieuw geopend.",
                        "This case was brought in before; nothing was opened again.",
                    )
                ],
            )
        )
    return ImportReport(
        invitations="hold" if hold else "all",
        started=sum(result.status == "started" for result in results),
        already_imported=sum(result.status == "already_imported" for result in results),
        refused=sum(result.status == "refused" for result in results),
        rows=results,
    )
