"""iMIP invitations (RFC 6047) and plain notices as e-mail messages.

An invitation is ``multipart/alternative``: text/plain, text/html, then
``text/calendar; charset=UTF-8; method=<METHOD>`` last, built from the calendar bytes (base64, so
icalendar's CRLF survives), with the method parameter equal to the calendar's METHOD (Outlook rejects
a mismatch). Texts come from the Jinja2 templates in ``integrations/templates/``: Dutch by default,
English when the recipient's language is ``en``.

Every message gets a deterministic Message-ID (and MIME boundary) from its ``message_key``, so a
retried send is the same message. Names and subjects lose control characters and ``=?`` before they
reach a header (CVE-2024-6923) and nothing else: a name comes out as it was entered, quoted or in
RFC 2047 encoded words by ``Address(display_name, ...)``; addresses are checked strictly first. Notices take only the context fields their kind declares, so no health data can ride
along by accident.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from email.headerregistry import Address, BaseHeader
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from contracts.wording import format_date, format_moment, format_time, weekday_name
from integrations import sanitize
from integrations.calendar import CalendarSeries, Participant, live_overrides
from integrations.smtp import HEADERS, WIRE_POLICY
from integrations.vtimezone import ZONE

# Cleaned with remembered results (integrations.sanitize), shared by mail and calendar.
_clean_line = sanitize.cached_one_line
_clean_name = sanitize.cached_display_name
_clean_address = sanitize.cached_address

TEMPLATES = Path(__file__).parent / "templates"
PRODUCT_NAME = {"nl": "Re-integratie", "en": "Re-integration"}

#: How an invitation changes the recipient's calendar; chooses the wording of the mail.
CHANGES = ("new", "update", "moved", "occurrence_cancelled", "ended", "cancelled", "removed", "counter_declined")

#: The iTIP methods an invitation carries, and the one each change needs when it is not REQUEST/CANCEL.
METHODS = ("REQUEST", "CANCEL", "DECLINECOUNTER")

#: The notices, with the context fields each one takes (required, optional). Nothing else passes.
#: ``case_ref`` is what older cases still send (the employee's name and the case id); the texts name
#: the employee (``employee_name``) and link to the page where the reader acts (``*_url``).
NOTICES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # to the team: present or not (presence: absent, present, full), from when, how many hours, and
    # that work questions go to the manager; no health data at all, and no "good news"
    "team_notice": (
        frozenset({"employee_name", "manager_name", "start_date"}),
        frozenset({"hours", "presence", "will_do", "not_yet"}),
    ),
    # to HR: a statutory step is coming up
    "hr_reminder": (frozenset({"step", "due"}), frozenset({"case_ref", "employee_name", "case_url", "action_url"})),
    # to HR: a statutory step is overdue
    "hr_overdue": (frozenset({"step", "due"}), frozenset({"case_ref", "employee_name", "case_url", "action_url"})),
    # to HR: a statutory deadline HR was told of moved (was -> due); overdue: the new date passed too
    "deadline_moved": (
        frozenset({"step", "was", "due"}),
        frozenset({"employee_name", "overdue", "case_url", "action_url"}),
    ),
    # to the manager: record the progress talk of talk_day by record_by, before the coach is called in
    "record_talk": (frozenset({"employee_name", "talk_day", "record_by"}), frozenset({"action_url"})),
    # to the coach: a signal (headline: what happened), the facts behind it
    "coach_signal": (
        frozenset({"signals"}),
        frozenset({"case_ref", "employee_name", "headline", "case_url", "signal_url", "manager_name"}),
    ),
    # to the employee: would you like a buddy?
    "buddy_request": (frozenset({"manager_name"}), frozenset({"answer_url"})),
    # to a colleague the employee agreed to: would you be the buddy? (practical help only)
    "buddy_invite": (frozenset({"employee_name", "manager_name"}), frozenset({"start_date", "case_url"})),
    # to the manager: prepare the first day back (reception, time, a workplace ready); ``workplace``
    # is where the employee works, ``place`` the plan's kind of place: never the contact place
    "first_day": (frozenset({"employee_name", "first_day"}), frozenset({"hours", "place", "workplace", "case_url"})),
    # to manager and employee: the build-up pauses for now (says nothing about why)
    "buildup_paused": (frozenset({"employee_name", "manager_name", "since"}), frozenset({"case_url"})),
    # to HR: an address bounced; ``gave_up``: not refused, but still failing on the last attempt
    "bounce_warning": (
        frozenset({"address"}),
        frozenset({"person_name", "message_subject", "reason", "case_ref", "case_url", "gave_up"}),
    ),
    # to HR: someone declined a talk the law asks for (evaluation, driegesprek); the next free slot
    "talk_declined": (
        frozenset({"employee_name", "person_name", "talk"}),
        frozenset({"talk_day", "talk_time", "proposed_day", "proposed_time", "case_url"}),
    ),
    # to HR: a part of the re-integratieverslag is missing or late (what, what to do, the facts, the form)
    "riv_gap": (
        frozenset({"headline", "what"}),
        frozenset({"employee_name", "signals", "case_url", "action_url"}),
    ),
    # to the employee: their copy of the re-integratieverslag is ready, behind the sign-in (no attachment)
    "riv_copy": (frozenset(), frozenset({"dossier_url"})),
}
SUBJECT_NAME_MAX = 60
"""A name in a subject longer than this is shortened at a word, so that the subject stays whole."""

_URL = re.compile(r"https?://[^\s<>\"']+")


# --------------------------------------------------------------------------------------------------
# Formatting (no locale module: the process locale is not ours to rely on)


def format_span(start: datetime, minutes: int, language: str) -> str:
    end = start + timedelta(minutes=minutes)
    return f"{format_date(start, language)}, {format_time(start)}–{format_time(end)}"


def format_rule(series: CalendarSeries, language: str) -> str:
    if not series.recurring:
        return ""
    day = weekday_name(series.start, language)
    n = series.interval_weeks or 1
    if language == "nl":
        text = f"elke week op {day}" if n == 1 else f"om de {n} weken op {day}"
        if series.until is not None:
            text += f", tot en met {format_date(series.until, language)}"
    else:
        text = f"every week on {day}" if n == 1 else f"every {n} weeks on {day}"
        if series.until is not None:
            text += f", until {format_date(series.until, language)}"
    return text


# --------------------------------------------------------------------------------------------------
# Templates


def _linkify(value: str) -> Markup:
    """Escape text for HTML and make its http(s) links clickable."""
    if "http" not in value:
        return escape(value)
    out = []
    last = 0
    for match in _URL.finditer(value):
        out.append(escape(value[last : match.start()]))
        url = escape(match.group(0))
        out.append(Markup(f'<a href="{url}">{url}</a>'))
        last = match.end()
    out.append(escape(value[last:]))
    return Markup("").join(out)


def _short(value: str, limit: int = SUBJECT_NAME_MAX) -> str:
    """A name or phrase for a subject line: whole up to ``limit``, else cut at a word with "…"."""
    text = str(value)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:-") + "…"


def _hours(value: Any, language: str) -> str:
    """Hours as people write them: 12, 12,5 (nl) or 12.5 (en)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:g}"
    return text.replace(".", ",") if language == "nl" else text


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates ship with the code: no stat() per message
    )
    env.filters["linkify"] = _linkify
    env.filters["short"] = _short
    env.filters["hours"] = _hours
    return env


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


@functools.cache
def _text_template(filename: str) -> jinja2.Template:
    return _TEXT.get_template(filename)


@functools.cache
def _layout() -> jinja2.Template:
    return _HTML.get_template("layout.html")


def _render_text(name: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body) from ``<name>.<language>.txt``; the template sets ``subject``."""
    template = _text_template(f"{name}.{language}.txt")
    module = template.make_module(dict(context, language=language))
    body = str(module).strip() + "\n"
    body = re.sub(r"\n{3,}", "\n\n", body)
    subject = _clean_line(str(getattr(module, "subject", "")), limit=150)
    if not subject:
        raise ValueError(f"template {name}.{language}.txt sets no subject")
    return subject, body


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """Paragraphs ("p", lines) and lists ("ul", items) of a plain-text body, for the HTML part."""
    blocks: list[tuple[str, list[str]]] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [line.rstrip() for line in chunk.split("\n") if line.strip()]
        items = [line[2:] for line in lines if line.startswith("- ")]
        if items and len(items) == len(lines):
            blocks.append(("ul", items))
        elif items and not lines[0].startswith("- "):
            blocks.append(("p", [lines[0]]))
            blocks.append(("ul", [line[2:] if line.startswith("- ") else line for line in lines[1:]]))
        else:
            blocks.append(("p", lines))
    return blocks


def _render_html(subject: str, body: str, language: str) -> str:
    return _layout().render(language=language, title=subject, blocks=_blocks(body), product=PRODUCT_NAME[language])


# --------------------------------------------------------------------------------------------------
# Messages


def message_id(message_key: str, mail_from: str) -> str:
    """A deterministic Message-ID: the same key gives the same id on every retry."""
    domain = _clean_address(mail_from).rpartition("@")[2]
    digest = hashlib.sha256(message_key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{domain}>"


#: The default policy with a header registry that makes each header class once; every message and
#: part is made with it (the SMTP sender writes them with the same registry).
POLICY = WIRE_POLICY.clone(linesep="\n")


def _message() -> EmailMessage:
    return EmailMessage(policy=POLICY)


def _header(name: str, value: Any) -> BaseHeader:
    """A parsed header, ready to store: ``message[name] = header`` keeps it as it is."""
    return HEADERS(name, value)  # POLICY.header_factory (clone() keeps the registry)


@functools.lru_cache(maxsize=256)
def _fixed_header(name: str, value: str) -> BaseHeader:
    """A header whose value repeats from message to message (Content-Type, Date, Subject), parsed once.
    Header objects are immutable, so messages can share them."""
    return _header(name, value)


@functools.lru_cache(maxsize=256)
def _address_header(field: str, name: str, address: str) -> BaseHeader:
    """A From or To header, parsed (and, by the registry, folded) once: the sender repeats on every
    message, and a decision's messages go to the same few people.

    The name goes in as it was entered: ``Address`` quotes it or writes it as RFC 2047 encoded
    words. The address goes in as its parts, so that an internationalised one (RFC 6531, sent only
    with SMTPUTF8) is taken too: Python's ``addr_spec`` parsing refuses a non-ASCII local part."""
    username, _, domain = _clean_address(address).rpartition("@")
    return _header(field, Address(display_name=_clean_name(name), username=username, domain=domain))


def _base_message(
    *, subject: str, recipient: Participant, mail_from: str, from_name: str, message_key: str, language: str
) -> EmailMessage:
    if not message_key:
        raise ValueError("message_key is required")
    message = _message()
    message["Subject"] = _fixed_header("Subject", _clean_line(subject, limit=150))  # the same for a batch
    message["From"] = _address_header("From", from_name, mail_from)
    message["To"] = _address_header("To", recipient.name, recipient.email)
    message["Date"] = _fixed_header("Date", format_datetime(datetime.now(UTC)))  # same for a second
    message["Message-ID"] = _header("Message-ID", message_id(message_key, mail_from))
    return message


def _quoted_printable(text: str) -> str:
    """UTF-8 text as quoted-printable (RFC 2045: lines of at most 76 characters, "=" always
    escaped, so the body can never hold the "=_" of our boundaries)."""
    data = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"  # as set_content normalises line ends
    return binascii.b2a_qp(data, istext=True).decode("ascii")


def _text_part(subtype: str, text: str) -> EmailMessage:
    """A text/plain or text/html part, as ``set_content(..., cte="quoted-printable")`` makes it but
    without parsing its own headers back (the header objects are shared, see :func:`_fixed_header`)."""
    part = _message()
    part["Content-Type"] = _fixed_header("Content-Type", f'text/{subtype}; charset="utf-8"')
    part["Content-Transfer-Encoding"] = _fixed_header("Content-Transfer-Encoding", "quoted-printable")
    part.set_payload(_quoted_printable(text))
    return part


def _add_bodies(
    message: EmailMessage, subject: str, body: str, language: str, message_key: str, *extra: EmailMessage
) -> None:
    """Make ``message`` multipart/alternative of text/plain, text/html and the ``extra`` parts."""
    # A boundary from the key: the same message_key gives the same bytes apart from Date.
    # Quoted-printable and base64 bodies can never contain "=_".
    boundary = "=_r_" + hashlib.sha256(("boundary:" + message_key).encode()).hexdigest()[:32]
    message["MIME-Version"] = _fixed_header("MIME-Version", "1.0")
    message["Content-Type"] = _header("Content-Type", f'multipart/alternative; boundary="{boundary}"')
    message["Content-Language"] = _fixed_header("Content-Language", language)
    message.set_payload([_text_part("plain", body), _text_part("html", _render_html(subject, body, language)), *extra])


def _calendar_method(calendar: bytes) -> str:
    unfolded = calendar.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
    methods: list[bytes] = re.findall(rb"^METHOD:(.*)$", unfolded, flags=re.MULTILINE)
    if len(methods) != 1:
        raise ValueError("the calendar must carry exactly one METHOD")
    return methods[0].strip().decode("ascii")


def _default_change(series: CalendarSeries, method: str) -> str:
    if method == "CANCEL":
        return "cancelled"
    return "new" if series.sequence == 0 else "update"


def invitation_message(
    series: CalendarSeries,
    *,
    method: str,
    calendar: bytes,
    recipient: Participant,
    mail_from: str,
    message_key: str,
    change: str | None = None,
    occurrence: datetime | None = None,
    note: str = "",
    previous_start: datetime | None = None,
    proposed_start: datetime | None = None,
) -> EmailMessage:
    """The iMIP message carrying ``calendar`` (from :mod:`integrations.calendar`) to one recipient.

    ``change`` picks the wording: new, update, moved, occurrence_cancelled, ended, cancelled,
    removed, counter_declined (default: new/update for REQUEST by SEQUENCE, cancelled for CANCEL).
    ``occurrence`` is the RECURRENCE-ID for moved and occurrence_cancelled (and counter_declined about
    one occurrence). ``note`` says why (in the recipient's language), ``previous_start`` where an
    updated series started before ("moved from ... to ..."), ``proposed_start`` the time a declined
    proposal asked for (counter_declined, with METHOD:DECLINECOUNTER). The series' description (the
    link to the case) is in the text too."""
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if _calendar_method(calendar) != method:
        raise ValueError("the method parameter must equal the calendar's METHOD")
    if b"\r\n" not in calendar or b"\n" in calendar.replace(b"\r\n", b""):
        raise ValueError("the calendar must use CRLF line ends")
    unfolded = calendar.replace(b"\r\n ", b"").lower()
    if f"mailto:{recipient.email.lower()}".encode() not in unfolded:
        raise ValueError("the recipient is not an attendee of this calendar object")
    change = change or _default_change(series, method)
    if change not in CHANGES:
        raise ValueError(f"change must be one of {CHANGES}")
    if change in ("moved", "occurrence_cancelled") and occurrence is None:
        raise ValueError(f"change {change!r} needs the occurrence")
    if (change == "counter_declined") != (method == "DECLINECOUNTER"):
        raise ValueError("change counter_declined goes with METHOD:DECLINECOUNTER, and only it")
    if change == "counter_declined" and proposed_start is None:
        raise ValueError("change 'counter_declined' needs the proposed_start")

    language = recipient.language
    moved_to = None
    if occurrence is not None:
        for move in live_overrides(series):
            if move.recurrence_id == occurrence:
                moved_to = format_span(move.start, move.duration_minutes or series.duration_minutes, language)
    context = {
        "name": _clean_name(recipient.name),
        "organizer": _clean_name(series.organizer.name),
        "summary": _clean_line(series.summary),
        "kind": series.kind,
        "change": change,
        "when": format_span(series.start, series.duration_minutes, language),
        "rule": format_rule(series, language),
        "location": _clean_line(series.location, limit=500),
        "occurrence": format_span(occurrence, series.duration_minutes, language) if occurrence else "",
        "moved_to": moved_to or "",
        "role": recipient.role,
        "description": sanitize.free_text(series.description),
        "note": _clean_line(note, limit=500),
        **_moved(previous_start, series, language),
        **_declined(proposed_start, occurrence, series, language),
    }
    subject, body = _render_text("invitation", language, context)
    message = _base_message(
        subject=subject,
        recipient=recipient,
        mail_from=mail_from,
        from_name=series.organizer.name,
        message_key=message_key,
        language=language,
    )
    _add_bodies(message, subject, body, language, message_key, _calendar_part(calendar, method))
    return message


def _moved(previous: datetime | None, series: CalendarSeries, language: str) -> dict[str, str]:
    """``moved_from`` and ``moved_new`` when an update moved the series: a weekly series by its
    weekday and time ("dinsdag 10:00"), a single talk (or a series that keeps its weekday and time but
    starts on another day) by its date and time."""
    if previous is None or previous == series.start:
        return {"moved_from": "", "moved_new": ""}
    before, after = previous.astimezone(ZONE), series.start.astimezone(ZONE)
    if series.recurring and (before.weekday(), before.time()) != (after.weekday(), after.time()):
        return {
            "moved_from": f"{weekday_name(before, language)} {format_time(before)}",
            "moved_new": f"{weekday_name(after, language)} {format_time(after)}",
        }
    return {
        "moved_from": f"{format_date(before, language)} {format_time(before)}",
        "moved_new": f"{format_date(after, language)} {format_time(after)}",
    }


def _declined(
    proposed: datetime | None, occurrence: datetime | None, series: CalendarSeries, language: str
) -> dict[str, str]:
    """``proposed`` (the time a declined proposal asked for) and ``stays`` (the talk as it stays: the
    occurrence the proposal was about, or the series' start), for counter_declined."""
    if proposed is None:
        return {"proposed": "", "stays": ""}
    stays = series.start if occurrence is None else occurrence
    for move in live_overrides(series):
        if move.recurrence_id == occurrence:
            stays = move.start
    return {
        "proposed": format_moment(proposed, language),
        "stays": format_span(stays.astimezone(ZONE), series.duration_minutes, language),
    }


def _calendar_part(calendar: bytes, method: str) -> EmailMessage:
    """The text/calendar part: the header exactly ``text/calendar; charset=UTF-8; method=REQUEST``
    and the body base64 of the bytes as given (CRLF intact)."""
    part = _message()
    part["Content-Type"] = _calendar_content_type(method)
    part["Content-Transfer-Encoding"] = _fixed_header("Content-Transfer-Encoding", "base64")
    part.set_payload(base64.encodebytes(calendar).decode("ascii"))
    return part


@functools.cache
def _calendar_content_type(method: str) -> BaseHeader:
    """The Content-Type of the calendar part, written as given: unquoted, as Outlook and Google
    write it (a parsed header is written back as ``charset="UTF-8"; method="REQUEST"``)."""
    value = f"text/calendar; charset=UTF-8; method={method}"
    parsed = HEADERS["Content-Type"]  # POLICY.header_factory (clone() keeps the registry)

    class VerbatimContentType(parsed):  # type: ignore[valid-type,misc]  # email's header classes are made at run time
        def fold(self, *, policy: Any) -> str:
            return f"Content-Type: {value}{policy.linesep}"

    return VerbatimContentType("Content-Type", value)


def notice_message(
    *, kind: str, recipient: Participant, mail_from: str, message_key: str, context: dict[str, Any]
) -> EmailMessage:
    """A plain notice (no calendar). ``kind`` is one of :data:`NOTICES`; ``context`` must hold the
    kind's required fields and may hold its optional ones, nothing else."""
    if kind not in NOTICES:
        raise ValueError(f"unknown notice kind {kind!r}")
    required, optional = NOTICES[kind]
    missing = required - context.keys()
    unknown = context.keys() - required - optional
    if missing:
        raise ValueError(f"notice {kind} needs {sorted(missing)}")
    if unknown:
        raise ValueError(f"notice {kind} does not take {sorted(unknown)}")
    language = recipient.language
    values: dict[str, Any] = {name: None for name in optional}
    for key, value in context.items():
        values[key] = _clean_value(value, language)
    values["name"] = _clean_name(recipient.name)
    subject, body = _render_text(f"notice_{kind}", language, values)
    return _from_the_product(subject, body, recipient, mail_from=mail_from, message_key=message_key)


def _from_the_product(
    subject: str, body: str, recipient: Participant, *, mail_from: str, message_key: str
) -> EmailMessage:
    """A message the product writes itself (a notice, a summary): from the product's name, marked
    auto-generated (RFC 3834) so that out-of-office replies stay away, in the reader's language."""
    language = recipient.language
    message = _base_message(
        subject=subject,
        recipient=recipient,
        mail_from=mail_from,
        from_name=PRODUCT_NAME[language],
        message_key=message_key,
        language=language,
    )
    message["Auto-Submitted"] = _fixed_header("Auto-Submitted", "auto-generated")
    _add_bodies(message, subject, body, language, message_key)
    return message


def _clean_value(value: Any, language: str) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        return format_date(value, language)
    if isinstance(value, date):
        return format_date(value, language)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return [_clean_line(str(item)) for item in value if _clean_line(str(item))]
    if isinstance(value, str):
        return _clean_line(value, limit=500)
    raise ValueError(f"notice context values are text, numbers, dates or lists, not {type(value).__name__}")


def summary_message(
    *,
    recipient: Participant,
    mail_from: str,
    message_key: str,
    reason: str,
    items: Sequence[tuple[str, str, str | None]],
    kinds: Collection[str] = (),
    settings_url: str | None = None,
) -> EmailMessage:
    """Several notices as one message (integrations.digest): ``items`` are (subject, gist, link) of
    each notice as it would have gone out, in the recipient's language (the gist: its first
    sentences, what happened and by when); ``reason`` is ``daily`` (the
    summary at 08:00) or ``batch`` (alerts that came at once); ``kinds`` the notices' kinds (an
    HR-only batch gets a subject that says so); ``settings_url`` the page where the reader changes
    how they get mail."""
    if reason not in ("daily", "batch"):
        raise ValueError(f"reason must be daily or batch, not {reason!r}")
    if not items:
        raise ValueError("a summary needs at least one item")
    language = recipient.language
    context = {
        "name": _clean_name(recipient.name),
        "reason": reason,
        "count": len(items),
        "items": [
            {
                "subject": _clean_line(subject),
                "gist": _clean_line(gist, limit=500) if _clean_line(gist) != _clean_line(subject) else "",
                "url": _clean_line(url or "", limit=2000),
            }
            for subject, gist, url in items
        ],
        "only": next(iter(kinds)) if len(set(kinds)) == 1 else "",
        "settings_url": _clean_line(settings_url or "", limit=2000),
    }
    subject, body = _render_text("digest", language, context)
    return _from_the_product(subject, body, recipient, mail_from=mail_from, message_key=message_key)


def text_notice(*, recipient: Participant, mail_from: str, message_key: str, subject: str, body: str) -> EmailMessage:
    """A notice again from its subject and plain text, as :func:`notice_message` made them (a notice
    that waited for a batch and then went alone)."""
    subject = _clean_line(subject, limit=150)
    return _from_the_product(subject, body, recipient, mail_from=mail_from, message_key=message_key)


__all__ = ["CHANGES", "METHODS", "NOTICES", "invitation_message", "message_id", "notice_message"]
