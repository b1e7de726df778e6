"""The normalized text the case list searches (issue 21): lower case, accents folded, spaces collapsed.

Made in Python, the same on SQLite and PostgreSQL (SQLite's ``lower()`` folds only ASCII, PostgreSQL's
depends on the collation), and stored with the case row on every write (``cases.search_text``), so a
search compares like with like: "Özil" finds "ozil", "ÖZIL" and "Özil". The search term goes through
the same :func:`fold`.
"""

from __future__ import annotations

import unicodedata

SEARCH_TEXT_LENGTH = 600


def fold(text: str) -> str:
    """``text`` in lower case, without accents (é -> e, ß -> ss), single-spaced."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())


def case_search_text(employee_name: str, employee_email: str) -> str:
    """What a search by name or e-mail looks in: the employee's name and address, folded."""
    return fold(f"{employee_name} {employee_email}")[:SEARCH_TEXT_LENGTH]
