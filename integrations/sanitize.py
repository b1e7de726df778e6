"""Cleaning of what people type before it reaches a mail header or a calendar line.

Python before 3.11.10 / 3.12.5 lets a newline inside an RFC 2047 encoded word (``=?utf-8?q?=0A?=``)
become a new header (CVE-2024-6923), and ``parseaddr`` silently truncates bad addresses. So names
and subjects lose every control character and every ``=?``, and addresses are checked against a
strict pattern before anything is sent.

A person's name otherwise stays exactly as it was entered (``Zoë "Jo" van 't Hoff, jr.``): quotes,
commas and the like are the job of the format it is written into, not of this module. The mail
headers quote it or write it as RFC 2047 encoded words (``email.headerregistry.Address``), an
iCalendar CN parameter is a quoted-string with RFC 6868's ``^'`` for a double quote (icalendar), and
a text body holds the plain name. The edge (web/intake.py) refuses the characters this module would
have to remove, so what it accepts comes out as it went in.

An address is a plain ASCII one, or an internationalised one (RFC 6531: UTF-8 in the local part
and the domain), which only a server that offers SMTPUTF8 can take (:func:`needs_smtputf8`).
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
# The ASCII characters of an unquoted local part (RFC 5322 atext); RFC 6531 adds any UTF-8 character
# beyond ASCII, of which we take the visible ones (:func:`_visible`).
_ATEXT = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-")
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(" {2,}")

NAME_MAX = 200  # as long as the intake accepts
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
    """A person's name as it was entered, for a From/To header, an iCalendar CN parameter and the
    text: only control characters (each becomes a space), ``=?`` and the surrounding white space
    go, runs of spaces become one, and it is cut to :data:`NAME_MAX` characters. Quoting is left to
    the format it goes into."""
    text = "".join(" " if _is_control(char) else char for char in value)
    while "=?" in text:
        text = text.replace("=?", "= ?")
    text = _SPACES.sub(" ", text).strip()  # a mail header reads a run of spaces as one anyway
    if len(text) > NAME_MAX:
        text = text[: NAME_MAX - 1].rstrip() + "…"
    return text


def name_problem(value: str) -> str | None:
    """Why :func:`display_name` would change ``value`` (None: it comes out exactly as it is), for
    the edge to refuse such a name instead of sending another one."""
    if len(value) > NAME_MAX:
        return f"at most {NAME_MAX} characters"
    if any(_is_control(char) for char in value):
        return "no control or invisible formatting characters (line breaks, tabs, direction marks)"
    if "=?" in value:
        return "no '=?'"
    if value != value.strip() or "  " in value:
        return "no spaces at the start or end, nor two in a row"
    return None


def free_text(value: str, *, limit: int = 2000) -> str:
    """Multi-line text for a DESCRIPTION or a mail body: newlines kept (as LF), other control
    characters removed, length capped."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(one_line(line, limit=limit) for line in lines).strip("\n")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def address(value: str) -> str:
    """The address itself, lower-cased in the domain; raises :class:`InvalidAddressError`.

    ASCII addresses as RFC 5322 writes them without quoting, or internationalised ones (RFC 6531):
    the same shape with visible non-ASCII characters in the local part and letters of any script
    in the domain's labels (in Unicode normal form C, as email-validator gives them)."""
    if not isinstance(value, str) or len(value) > 254 or "=?" in value:
        raise InvalidAddressError(value if isinstance(value, str) else repr(value))
    if not (_ADDRESS.match(value) if value.isascii() else _international(value)):
        raise InvalidAddressError(value)
    local, _, domain = value.rpartition("@")
    if len(local.encode("utf-8")) > 64:
        raise InvalidAddressError(value)
    return f"{local}@{domain.lower()}"


def _international(value: str) -> bool:
    if not unicodedata.is_normalized("NFC", value) or value.count("@") != 1:
        return False
    local, _, domain = value.partition("@")
    atoms = local.split(".")
    if not all(atoms) or not all(char in _ATEXT or _visible(char) for atom in atoms for char in atom):
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(_label(label) for label in labels)


def _visible(char: str) -> bool:
    """A character beyond ASCII that shows: no control, format, space or separator character."""
    return not char.isascii() and not _is_control(char) and not unicodedata.category(char).startswith("Z")


def _label(label: str) -> bool:
    """A domain label: letters, digits (any script, with their combining marks) and inner hyphens."""
    if not label or len(label) > 63 or label.startswith("-") or label.endswith("-"):
        return False
    return all(char.isalnum() or char == "-" or unicodedata.category(char).startswith("M") for char in label)


def needs_smtputf8(value: str) -> bool:
    """Whether an address can only be sent to with SMTPUTF8 (RFC 6531): it is not plain ASCII."""
    return not value.isascii()


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
