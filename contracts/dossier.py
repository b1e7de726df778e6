"""The re-integratiedossier: its records as the workflow writes them, and as the documents read them.

:class:`DossierEntry` crosses from the workflow to the ``deliver`` activity (in
:class:`contracts.RecordProgress`), which writes it in the same transaction as its audit entry. The
other classes carry a case's dossier from the store to the generated documents (the plan van aanpak,
a gespreksverslag, the eerstejaarsevaluatie, the eindevaluatie and the RIV bundle); they never cross
Temporal. No health data: the content is what the rules accepted and the edge checked for medical terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class DossierField:
    """One field of a record's content: ``name`` is a key of :data:`contracts.wording.DOSSIER_FIELDS`
    ("limitations", "agreed", "employer_view" ...), ``text`` what was entered (lists joined by new lines)."""

    name: str
    text: str


@dataclass(frozen=True)
class DossierEntry:
    """One record of a part of the RIV, as the rules accepted it (rules version 4).

    ``key`` is made by the workflow and unique per case (``<part>:<event key>``), so a retried write
    is a no-op; the store numbers the versions of a part in the order the records arrive.
    ``kind`` tells records of one part apart where that matters (a gespreksverslag of a
    ``progress_talk``, ``evaluation`` or ``driegesprek``; a plan's ``signed`` or ``revised``).
    ``participants``: lower-case addresses of who was there (a coach reads the verslagen of the talks
    they took part in). ``about``: a mening werknemer's record key ("" for the dossier as a whole)."""

    case_id: str
    key: str
    part: str  # states.kinds.DossierPart
    on: date
    recorded_by: str
    recorded_at: datetime
    kind: str = ""
    fields: tuple[DossierField, ...] = ()
    participants: tuple[str, ...] = ()
    about: str = ""


@dataclass(frozen=True)
class DossierRecord:
    """A record as the store keeps it: the entry, its version within its part, the author's name."""

    key: str
    part: str
    kind: str
    version: int
    on: date
    recorded_by: str  # the author's name where known, else their address
    recorded_at: datetime
    fields: tuple[DossierField, ...]
    participants: tuple[str, ...]
    about: str


@dataclass(frozen=True)
class DossierDocument:
    """An uploaded document: never overwritten, a new upload of the same name is the next version."""

    id: int
    part: str
    name: str
    version: int
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class StepStatus:
    """A statutory step as the completeness table shows it: ``status`` is on_time, late, missing or
    to_come; ``late_reason`` what was recorded for a late step."""

    key: str
    label: str
    due: date | None
    done_on: date | None
    status: str
    late_reason: str = ""


@dataclass(frozen=True)
class PartStatus:
    """A part of the RIV as the completeness table shows it: present, missing, late or to_come, with
    what is wrong in the reader's words (``note``)."""

    part: str
    label: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class RivBundleInput:
    """Everything the RIV bundle shows, in ``language`` (nl, or en for an English-speaking employee's copy).

    ``documents`` pairs each uploaded document's description with its bytes (merged into the bundle
    after its part)."""

    language: str
    employer: str
    employee_name: str
    first_sick_day: date
    generated_on: date
    records: tuple[DossierRecord, ...]
    documents: tuple[tuple[DossierDocument, bytes], ...]
    steps: tuple[StepStatus, ...]
    parts: tuple[PartStatus, ...]
    complete: bool
