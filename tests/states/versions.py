"""Builders for cases that follow a given rules version (``CaseFacts.rules_version``), to show that a
version-3 change leaves the cases of versions 1 and 2 as they were: :mod:`tests.states.helpers`'
builders, with the version first."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from states import CaseFacts, ContactPreference, Decision
from tests.states.helpers import case_in, opened


def opened_as(
    version: int,
    first_sick_day: date = date(2026, 1, 5),
    now: datetime | None = None,
    *,
    preference: ContactPreference | None = None,
    **fields: Any,
) -> Decision:
    """A case opened under rules ``version``."""
    return opened(first_sick_day, now, preference=preference, rules_version=version, **fields)


def case_as(version: int, phase: str) -> tuple[CaseFacts, datetime]:
    """A case under rules ``version`` standing in ``phase`` (:func:`tests.states.helpers.case_in`)."""
    return case_in(phase, version)
