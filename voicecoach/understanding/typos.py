"""Slips of the finger fixed before classifying: "pasue" -> pause, "stpo" -> stop.

Only a word that is not English is ever changed ("post" must not become "stop"), and only into
an English word the classifier knows. The English word
list is the pronouncing dictionary that ships inside the pocketsphinx wheel, read as a plain
data file (the recognizer is not loaded); without it, only very close slips are fixed.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

from rapidfuzz import fuzz, process

_HEAD = re.compile(r"^([^\s(]+)", re.M)  # "word" of "word(2) W ER D"
MIN_LEN = 4  # shorter words are too easy to "correct" into something else
CUTOFF = 80.0  # rapidfuzz ratio against a word the classifier knows
CUTOFF_NO_DICTIONARY = 88.0


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Words of the en-us dictionary, apostrophes dropped as in our normal form ("dont")."""
    spec = importlib.util.find_spec("pocketsphinx")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = (Path(list(spec.submodule_search_locations)[0]) / "model" / "en-us"
            / "cmudict-en-us.dict")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    return frozenset(_HEAD.findall(text.replace("'", "")))


@functools.lru_cache(maxsize=4)
def _index(vocabulary: frozenset[str], english: frozenset[str], preferred: frozenset[str]
           ) -> tuple[tuple[str, ...], dict[str, str]]:
    """The known words a slip may stand for (English ones, when the word list is there),
    and the same by their sorted letters; of two anagrams, a command word wins ("stpo" is
    stop, not post)."""
    words = tuple(sorted((w for w in vocabulary if len(w) >= MIN_LEN - 1 and w.isalpha()
                          and (not english or w in english)),
                         key=lambda w: (w not in preferred, w)))
    anagrams: dict[str, str] = {}
    for w in words:
        anagrams.setdefault("".join(sorted(w)), w)
    return words, anagrams


def fix(tokens: list[str], vocabulary: frozenset[str],
        preferred: frozenset[str] = frozenset()) -> list[str]:
    """Non-English words replaced by the known word they most likely meant. With no English
    word list, only unknown words, and only very close slips. `preferred`: the command
    templates' words."""
    if not vocabulary:
        return tokens
    out = []
    for w in tokens:
        # Command words are English: no need to read the word list for "stop" or "pause".
        if len(w) < MIN_LEN or not w.isalpha() or w in preferred:
            out.append(w)
            continue
        english = english_words()
        if w in english if english else w in vocabulary:
            out.append(w)
            continue
        words, anagrams = _index(vocabulary, english, preferred)
        swapped = anagrams.get("".join(sorted(w)))  # "stpo", "hlep": letters swapped
        if swapped is not None:
            out.append(swapped)
            continue
        cutoff = CUTOFF if english else CUTOFF_NO_DICTIONARY
        hit = process.extractOne(w, words, scorer=fuzz.ratio, score_cutoff=cutoff)
        out.append(hit[0] if hit is not None and hit[0][0] == w[0] else w)
    return out
