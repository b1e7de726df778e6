"""Medical terms in what people type or upload: the words an employer may not keep.

The product never asks for a diagnosis, a cause or a treatment, but a free-text field or an uploaded
letter can still hold one. :func:`medical_terms_in` finds the terms of the maintained list
``integrations/data/medical_terms.txt`` (diagnoses, named conditions, medicines, treatments; Dutch and
English; how a line is read is explained at its top) so the edge can refuse the text and name the
words. It is a guard against mistakes, not proof that a text is free of health data.

Matching is by whole words, so ordinary words that contain a term are not hit ("terug" holds "rug",
"coöperatie" holds "operatie"): case, accents and the marks between words do not matter, a plural
ending on the last word is allowed, and Dutch compounds match only where the list marks a term for
it ("*kanker" matches "borstkanker"; "*breuk" is not marked, because of "vertrouwensbreuk").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

#: Plural endings allowed on a term's last word ("operaties", "tumoren", "psychosen").
_PLURAL_ENDINGS = ("s", "es", "n", "en")
_SHORTEST_STEM = 3
#: The shortest one-word term that may match as part of a compound (``*kanker``, ``migraine*``); a
#: term of more words may be shorter there, its other words keep it apart ("burn-out*").
SHORTEST_AFFIX = 5
# A word: letters and digits, and the invisible characters a PDF or a word processor puts inside
# words (soft hyphen, zero-width joiners), which are dropped before comparing.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060"
_WORD = re.compile(rf"[^\W_](?:[^\W_]|[{_INVISIBLE}])*")
_SPACE = re.compile(r"\s+")
_DROP_INVISIBLE = str.maketrans("", "", _INVISIBLE)


def _normal(word: str) -> str:
    """A word as the list compares it: without invisible characters and accents, case-folded."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_DROP_INVISIBLE))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@dataclass(frozen=True)
class Term:
    """One line of the list: its words (compared normalised), and whether its first word may be the
    end of a compound (``*kanker``) or its last word the start of one (``migraine*``)."""

    words: tuple[str, ...]
    as_end: bool = False
    as_start: bool = False

    def matches(self, words: list[str], at: int) -> bool:
        """Whether this term starts at ``words[at]`` (normalised words of a text)."""
        if at + len(self.words) > len(words):
            return False
        last = len(self.words) - 1
        for index, mine in enumerate(self.words):
            theirs = words[at + index]
            end = index == 0 and self.as_end
            start = index == last and self.as_start
            if end and start:
                found = mine in theirs
            elif start:
                found = theirs.startswith(mine)
            elif end:
                found = any(form.endswith(mine) for form in _forms(theirs, plural=index == last))
            else:
                found = mine in _forms(theirs, plural=index == last)
            if not found:
                return False
        return True


def _forms(word: str, *, plural: bool) -> tuple[str, ...]:
    """The word, and (for a term's last word) the word without a plural ending."""
    if not plural:
        return (word,)
    stems = tuple(
        word[: -len(ending)]
        for ending in _PLURAL_ENDINGS
        if word.endswith(ending) and len(word) - len(ending) >= _SHORTEST_STEM
    )
    return (word, *stems)


def parse_terms(lines: Iterable[str]) -> tuple[Term, ...]:
    """The terms of a list in the file's format; a line that cannot be a term is a ValueError naming it."""
    terms: list[Term] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        as_end, as_start = line.startswith("*"), line.endswith("*")
        words = tuple(_normal(word) for word in _WORD.findall(line.strip("*")))
        if not words:
            raise ValueError(f"line {number}: {raw.strip()!r} holds no word")
        if len(words) == 1 and (as_end or as_start) and len(words[0]) < SHORTEST_AFFIX:
            raise ValueError(
                f"line {number}: {raw.strip()!r}: a compound mark (*) needs a word of {SHORTEST_AFFIX} letters or more"
            )
        terms.append(Term(words, as_end=as_end, as_start=as_start))
    return tuple(terms)


class _Index:
    """The terms by their first word, and the few that match inside a compound (checked by pattern)."""

    def __init__(self, terms: tuple[Term, ...]) -> None:
        self.by_first: dict[str, list[Term]] = {}
        self.compounds: list[Term] = []
        for term in terms:
            if term.as_end or (term.as_start and len(term.words) == 1):
                self.compounds.append(term)
            else:
                self.by_first.setdefault(term.words[0], []).append(term)
        affixes = [re.escape(term.words[0]) for term in self.compounds]
        self._may_be_compound = re.compile("|".join(affixes)) if affixes else None

    def candidates(self, word: str) -> list[Term]:
        found: list[Term] = []
        for form in _forms(word, plural=True):
            found.extend(self.by_first.get(form, ()))
        if self._may_be_compound is not None and self._may_be_compound.search(word):
            found.extend(self.compounds)
        return found


@functools.cache
def _index() -> _Index:
    text = resources.files("integrations").joinpath("data/medical_terms.txt").read_text(encoding="utf-8")
    return _Index(parse_terms(text.splitlines()))


def medical_terms_in(text: str) -> list[str]:
    """The medical terms in ``text`` as they were written there ("Burn-out", "borstkanker"), each
    once (the first spelling of the same words), in the order they first appear; empty when there are none."""
    spans = [(match.start(), match.end()) for match in _WORD.finditer(text)]
    words = [_normal(text[start:end]) for start, end in spans]
    index = _index()
    found: dict[tuple[str, ...], str] = {}
    at = 0
    while at < len(words):
        longest = max((len(term.words) for term in index.candidates(words[at]) if term.matches(words, at)), default=0)
        if longest:
            written = _SPACE.sub(" ", text[spans[at][0] : spans[at + longest - 1][1]]).translate(_DROP_INVISIBLE)
            found.setdefault(tuple(words[at : at + longest]), written)
            at += longest
        else:
            at += 1
    return list(found.values())


def quoted(words: Iterable[str]) -> str:
    """The words for a message: ``'burn-out', 'oxazepam'``."""
    return ", ".join(f"'{word}'" for word in words)
