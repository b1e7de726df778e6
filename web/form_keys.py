"""One-time keys of the pages' forms: each rendered form that changes something carries a fresh key
(the hidden field ``idempotency_key``), so a double click or a POST the browser sends again does what
the first did and nothing more. A command's key becomes its ``Idempotency-Key`` (web.commands); an
upload's is kept with the document (integrations.documents.add_document).

An API client sends its own as the ``Idempotency-Key`` header (:func:`idempotency_key_header`).

A form's key is what :func:`new_key` makes: 32 lowercase hexadecimal digits. A form sent without one (made
before the key, or by hand) or with anything else counts each time, as before.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import Header

_KEY = re.compile(r"[0-9a-f]{32}")
"""What a form's key looks like: a UUID's 32 hexadecimal digits, lowercase, without dashes (``uuid4().hex``)."""


def new_key() -> str:
    """A fresh key for one rendered form."""
    return uuid.uuid4().hex


def form_key(raw: object) -> str | None:
    """The key a form sent, or None when it sent none or one that is not a key (a form made by hand):
    such a form is taken, only without the promise of counting once."""
    return raw if isinstance(raw, str) and _KEY.fullmatch(raw) else None  # fullmatch: no newline after it


def idempotency_key_header(description: str) -> Any:
    """The ``Idempotency-Key`` header of an API call that adds something: any 1 to 200 visible ASCII
    characters (a UUID, with or without dashes), the same rule for every such call."""
    return Header(
        default=None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description=description,
    )
