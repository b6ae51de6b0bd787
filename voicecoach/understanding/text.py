"""Typed or transcribed text -> the words everything else looks at.

One normal form for typed text, template expansions, training examples and speech transcripts:
lower case, curly quotes straightened, apostrophes dropped ("can't" -> "cant", "child's" ->
"childs"), hyphens and other punctuation as spaces ("bird-dog" -> "bird dog"), and "7/10" as
"7 out of 10". Clause breaks (, . ; ! ? and "but") are kept apart for the safety layer, where
"no, my leg is numb" must not read as "no ... numb".
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = re.compile(r"[\u2018\u2019\u02bc`\u00b4]")
_OUT_OF_TEN = re.compile(r"\b(\d{1,2})\s*/\s*10\b")
_BREAK = re.compile(r"[.,;:!?()\[\]\"\u2026\u2013\u2014]+|\s-\s")
_NON_WORD = re.compile(r"[^a-z0-9']+")
# Words that start a new clause for negation's scope ("no numbness but my foot tingles").
CLAUSE_WORDS = frozenset({"but", "although", "though", "except"})


def clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _QUOTES.sub("'", text)
    text = text.replace("&", " and ")
    return _OUT_OF_TEN.sub(r"\1 out of 10", text)


def _words(chunk: str) -> list[str]:
    out = []
    for w in _NON_WORD.sub(" ", chunk).split():
        w = w.replace("'", "")
        if w:
            out.append(w)
    return out


def words(text: str) -> list[str]:
    """"Um, let's do the Child's-Pose!" -> [um, lets, do, the, childs, pose]."""
    return _words(clean(text))


def clauses(text: str) -> list[list[str]]:
    """The words split where punctuation or "but" starts a new clause (empty ones dropped)."""
    out: list[list[str]] = []
    for chunk in _BREAK.split(clean(text)):
        current: list[str] = []
        for w in _words(chunk):
            if w in CLAUSE_WORDS and current:
                out.append(current)
                current = []
            elif w not in CLAUSE_WORDS:
                current.append(w)
        if current:
            out.append(current)
    return out


def key(text: str) -> str:
    """The lookup key of a text: its words joined by single spaces."""
    return " ".join(words(text))
