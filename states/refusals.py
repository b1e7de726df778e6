"""The one exception the rules raise when they refuse an event."""

from __future__ import annotations


class Refused(Exception):
    """The rules refuse the event; nothing changed. ``str()`` is the Dutch reason.

    ``code`` is a stable machine-readable name of the rule (for the UI and tests).
    """

    def __init__(self, reason_nl: str, reason_en: str, code: str = "refused") -> None:
        super().__init__(reason_nl, reason_en, code)
        self.reason_nl = reason_nl
        self.reason_en = reason_en
        self.code = code

    def __str__(self) -> str:
        return self.reason_nl

    def __repr__(self) -> str:
        return f"Refused({self.code!r}: {self.reason_en!r})"
