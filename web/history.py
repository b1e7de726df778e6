"""The auditor's record of a case: the workflow's timeline merged with the SQL audit trail, the
compliance table of the statutory steps, and their export as JSON and CSV.

The workflow records every step twice at the same moment: in its own timeline (a query) and, through
an activity, in the SQL audit trail with the step's structured details. The merge pairs them by
(when, who, what); a step only one side knows is kept and says so (``source``), so a gap between
the authoritative history and the mirror is visible instead of hidden. Free text (talk summaries,
views) is in neither: it stays in the workflow's history only.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import states
from states.clock import local, local_date
from states.facts import CaseFacts
from web import words
from workflows.commands import TimelineEntry

Source = Literal["workflow+store", "workflow", "store"]
_HIDDEN_DETAIL = frozenset(
    {
        "key",
        "case_id",
        "series_id",
        "sequence",
        "duration_minutes",
        "interval_weeks",
        "title_nl",
        "title_en",
        "text_nl",
        "text_en",
    }
)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime  # aware, UTC
    actor: str
    action: str
    detail: dict[str, str]
    source: Source

    def what(self, language: str) -> str:
        return words.action(self.action, self.detail, language)

    def who(self, language: str) -> str:
        return words.actor(self.actor, language)

    def local_time(self) -> str:
        return local(self.at).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ComplianceRow:
    key: str
    label_nl: str
    label_en: str
    responsible: str
    due: date
    window_start: date | None
    done_on: date | None
    status: Literal["on_time", "late", "missing", "open"]

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_nl

    def status_text(self, language: str) -> str:
        return words.pick(words.COMPLIANCE[self.status], language)

    def responsible_text(self, language: str) -> str:
        return words.pick(words.RESPONSIBLE.get(self.responsible, (self.responsible, self.responsible)), language)


@dataclass
class CaseRecordView:
    """Everything the auditor's pages and exports show for one case."""

    case_id: str
    entries: list[HistoryEntry]
    compliance: list[ComplianceRow] | None  # None: the workflow could not answer now
    live: bool
    case: dict[str, Any] = field(default_factory=dict)


def _utc(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back: they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _shown(detail: dict[str, Any] | None) -> dict[str, str]:
    return {str(key): str(value) for key, value in (detail or {}).items() if key not in _HIDDEN_DETAIL}


def merge(timeline: Iterable[TimelineEntry], audit: Iterable[Any]) -> list[HistoryEntry]:
    """The workflow's timeline and the audit rows (``at, actor, action, detail``) as one history."""
    mirrored: dict[tuple[datetime, str, str], list[Any]] = defaultdict(list)
    for row in audit:
        mirrored[(_utc(row.at), row.actor, row.action)].append(row)
    entries: list[HistoryEntry] = []
    for step in timeline:
        key = (_utc(step.at), step.actor, step.action)
        rows = mirrored.get(key)
        if rows:
            row = rows.pop(0)
            entries.append(HistoryEntry(key[0], step.actor, step.action, _shown(row.detail), "workflow+store"))
        else:
            entries.append(HistoryEntry(key[0], step.actor, step.action, {}, "workflow"))
    for (at, who, action), rows in mirrored.items():
        entries.extend(HistoryEntry(at, who, action, _shown(row.detail), "store") for row in rows)
    order = {id(entry): index for index, entry in enumerate(entries)}
    entries.sort(key=lambda entry: (entry.at, order[id(entry)]))
    return entries


def compliance(facts: CaseFacts, now: datetime) -> list[ComplianceRow]:
    """Each statutory step of the case: due, done on, and on time / late / missing / not due yet."""
    today = local_date(now)
    rows: list[ComplianceRow] = []
    for item in states.case_timeline(facts):
        deadline = item.deadline
        if item.done_on is not None:
            status: Literal["on_time", "late", "missing", "open"] = (
                "on_time" if item.done_on <= deadline.due else "late"
            )
        elif deadline.due < today:
            status = "missing"
        else:
            status = "open"
        rows.append(
            ComplianceRow(
                key=str(deadline.key),
                label_nl=deadline.label_nl,
                label_en=deadline.label_en,
                responsible=str(deadline.responsible),
                due=deadline.due,
                window_start=deadline.window_start,
                done_on=item.done_on,
                status=status,
            )
        )
    return rows


def as_json(record: CaseRecordView, *, exported_by: str, exported_at: datetime) -> dict[str, Any]:
    return {
        "case_id": record.case_id,
        "exported_at": exported_at.isoformat(),
        "exported_by": exported_by,
        "live": record.live,
        "case": record.case,
        "history": [
            {
                "at": entry.at.isoformat(),
                "actor": entry.actor,
                "action": entry.action,
                "what_nl": entry.what("nl"),
                "what_en": entry.what("en"),
                "detail": entry.detail,
                "source": entry.source,
            }
            for entry in record.entries
        ],
        "compliance": None
        if record.compliance is None
        else [
            {
                "key": row.key,
                "label_nl": row.label_nl,
                "label_en": row.label_en,
                "responsible": row.responsible,
                "due": row.due.isoformat(),
                "window_start": row.window_start.isoformat() if row.window_start else None,
                "done_on": row.done_on.isoformat() if row.done_on else None,
                "status": row.status,
            }
            for row in record.compliance
        ],
    }


def _cell(value: object) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def history_csv(record: CaseRecordView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["case_id", "at_utc", "at_local", "actor", "action", "what_nl", "what_en", "detail", "source"])
    for entry in record.entries:
        detail = "; ".join(f"{key}={value}" for key, value in entry.detail.items())
        writer.writerow(
            [
                _cell(v)
                for v in (
                    record.case_id,
                    entry.at.isoformat(),
                    entry.local_time(),
                    entry.actor,
                    entry.action,
                    entry.what("nl"),
                    entry.what("en"),
                    detail,
                    entry.source,
                )
            ]
        )
    return out.getvalue()


def compliance_csv(record: CaseRecordView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["case_id", "step", "label_nl", "label_en", "responsible", "due", "done_on", "status"])
    for row in record.compliance or []:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    record.case_id,
                    row.key,
                    row.label_nl,
                    row.label_en,
                    row.responsible,
                    row.due.isoformat(),
                    row.done_on.isoformat() if row.done_on else "",
                    row.status,
                )
            ]
        )
    return out.getvalue()
