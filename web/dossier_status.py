"""The RIV check as a reader sees it at the top of the dossier and on the case page: "RIV compleet",
or what is missing, late or still to come, each with what to do and a link to the form that records it.

The check itself is the rules' (:func:`states.riv.riv_check`); this only puts it in the reader's
words and links, for the readers who see the whole dossier (:mod:`web.dossier_access`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from contracts.wording import dossier_part, format_day
from states.riv import RivCheck, riv_check
from web.auth import Principal
from web.case_data import CaseData
from web.dossier_access import dossier_scope
from web.dossier_bundle import item_text

_ORDER = ("missing", "late", "to_come")
VIEW_COMMAND = "employee_view_given"
"""The employee gives their view on the dossier page, next to what it is about, not on the case page."""


@dataclass(frozen=True)
class RivLine:
    status: str  # missing, late or to_come
    part: str
    text: str
    due: date | None
    due_text: str
    """The due day in the reader's words ("" without one)."""
    late_reason: str
    """Why a late part came late, as recorded ("": none; a late part without one is a gap)."""
    command: str
    link: str | None
    """Where the reader records it (``?do=<command>#cmd-<command>`` on the case page); None when the
    reader may not record it."""


@dataclass(frozen=True)
class RivStatus:
    complete: bool
    lines: tuple[RivLine, ...]
    """What is missing first, then what came late, then what is still to come."""
    dossier_url: str

    @property
    def open_lines(self) -> tuple[RivLine, ...]:
        """What needs doing now (missing or late)."""
        return tuple(line for line in self.lines if line.status != "to_come")

    @property
    def coming_lines(self) -> tuple[RivLine, ...]:
        """What is not due yet."""
        return tuple(line for line in self.lines if line.status == "to_come")


def riv_status(case_id: str, check: RivCheck, language: str, *, commands: Collection[str]) -> RivStatus:
    """The check in words; ``commands``: what the reader may record on the case page now (they get a link)."""
    dossier_url = f"/cases/{case_id}/dossier"
    lines = []
    for item in sorted(
        (item for item in check.items if item.status in _ORDER), key=lambda item: _ORDER.index(item.status)
    ):
        if item.command == VIEW_COMMAND and VIEW_COMMAND in commands:
            link: str | None = f"{dossier_url}#views"
        elif item.command in commands and item.command != VIEW_COMMAND:
            link = f"/cases/{case_id}?do={item.command}#cmd-{item.command}"
        else:
            link = None
        lines.append(
            RivLine(
                status=item.status,
                part=dossier_part(str(item.part), language),
                text=item_text(item, language),
                due=item.due,
                due_text=format_day(item.due, language) if item.due else "",
                late_reason=item.late_reason,
                command=item.command,
                link=link if item.is_gap else None,
            )
        )
    return RivStatus(complete=check.complete, lines=tuple(lines), dossier_url=dossier_url)


def case_riv_status(
    data: CaseData, principal: Principal, language: str, now: datetime, *, commands: Collection[str]
) -> RivStatus | None:
    """The case page's RIV status: for a reader of the whole dossier, of a case that answers now."""
    scope = dossier_scope(principal, data.access)
    if scope is None or not scope.reads_riv or data.live is None:
        return None
    return riv_status(data.case_id, riv_check(data.live.facts, now), language, commands=commands)
