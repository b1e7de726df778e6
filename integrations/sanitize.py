"""Cleaning of what people type before it reaches a mail header or a calendar line.

Python before 3.11.10 / 3.12.5 lets a newline inside an RFC 2047 encoded word (``=?utf-8?q?=0A?=``)
become a new header (CVE-2024-6923), and ``parseaddr`` silently truncates bad addresses. So names
and subjects lose every control character and every ``=?``, and addresses are checked against a
strict pattern before anything is sent.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Plain ASCII addresses only: local part without quoting, a dotted host name with a TLD.
_ADDRESS = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_WHITESPACE = re.compile(r"\s+")
# Characters that quote or separate in a MIME display name (and an iCalendar parameter) become
# lookalikes. A name with an RFC 5322 special is written as a quoted-string, and Python's folder
# (3.11) splits a quoted-string that does not fit on the line without its quotes: "Jansen, Mark
# van der Berg-..." then reads as two addresses, and a colon starts a group. The period stays:
# unquoted it is still part of the name.
_NAME_SPECIALS = str.maketrans(
    {
        '"': "'",
        "\\": "/",
        ",": "\u201a",
        ";": "\u201a",
        ":": "\ua789",
        "<": "\u2039",
        ">": "\u203a",
        "@": "\uff20",
        "(": "\uff08",
        ")": "\uff09",
        "[": "\uff3b",
        "]": "\uff3d",
    }
)

NAME_MAX = 100
LINE_MAX = 200


class InvalidAddressError(ValueError):
    """An e-mail address that cannot be sent to safely."""

    def __init__(self, address: str) -> None:
        super().__init__(f"not a valid e-mail address: {address!r}")
        self.address = address


def _is_control(char: str) -> bool:
    # Cc: C0/C1 controls (CR, LF, TAB, NUL, ...); Cf: format characters (bidi overrides, zero width);
    # Zl/Zp: the Unicode line and paragraph separators that str.splitlines() also breaks on.
    return unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def one_line(value: str, *, limit: int = LINE_MAX) -> str:
    """One line of text: control characters become spaces, ``=?`` is broken up, runs of spaces
    collapse, and the result is cut to ``limit`` characters."""
    text = "".join(" " if _is_control(char) else char for char in value)
    while "=?" in text:
        text = text.replace("=?", "= ?")
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def display_name(value: str) -> str:
    """A person's name fit for a From/To header and an iCalendar CN parameter."""
    return one_line(value.translate(_NAME_SPECIALS), limit=NAME_MAX)


def free_text(value: str, *, limit: int = 2000) -> str:
    """Multi-line text for a DESCRIPTION or a mail body: newlines kept (as LF), other control
    characters removed, length capped."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(one_line(line, limit=limit) for line in lines).strip("\n")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def address(value: str) -> str:
    """The address itself, lower-cased in the domain; raises :class:`InvalidAddressError`."""
    if not isinstance(value, str) or len(value) > 254 or "=?" in value or not _ADDRESS.match(value):
        raise InvalidAddressError(value if isinstance(value, str) else repr(value))
    local, _, domain = value.rpartition("@")
    if len(local) > 64:
        raise InvalidAddressError(value)
    return f"{local}@{domain.lower()}"


def is_address(value: str) -> bool:
    try:
        address(value)
    except InvalidAddressError:
        return False
    return True


# What people typed is cleaned again and again while messages are built (per message, per line,
# per recipient of the same delivery): the cleaning is pure, so the builders share these remembered
# results. The reuse is close together in time, so a few hundred entries serve it; a bound that
# grew with the number of cases would only hold every name the worker ever wrote (bench.worker_memory).
CLEANED_CACHE_SIZE = 512
cached_one_line = functools.lru_cache(maxsize=CLEANED_CACHE_SIZE)(one_line)
cached_display_name = functools.lru_cache(maxsize=CLEANED_CACHE_SIZE)(display_name)
cached_address = functools.lru_cache(maxsize=CLEANED_CACHE_SIZE)(address)
