"""What the command classifier sees of a text, the same at training and at run time.

    "um can we do the brige pls" ─ words, synonyms ─► um can we do the brige please
                                  ─ exercise name ─► um can we do the <exercise> please
                                  ─ numbers      ─► ...  (number words and digits -> <num>)
                                  ─ features     ─► word 1-2-grams + character 2-5-grams

Word n-grams carry the phrasing; character n-grams carry typos and word endings ("pasue",
"quieter"/"quiter"). The exercise and the number are taken out first, so "do the plank" and
"do the dead bug" look alike to the classifier, and their values go to the slots.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

from text_to_num import alpha2digit

from voicecoach.core.errors import DataFileError
from voicecoach.understanding import typos
from voicecoach.understanding.datafile import read_yaml
from voicecoach.understanding.names import NameIndex, find_exercise
from voicecoach.understanding.text import words

SYNONYMS_PATH = Path(__file__).resolve().parents[1] / "data" / "nlu" / "synonyms.yaml"
EXERCISE = "<exercise>"
NUMBER = "<num>"
FEATURE_VERSION = "1"  # change when the features change: the shipped model is then stale
CHAR_N = (2, 5)
CHAR_WEIGHT = 0.5  # character n-grams are many; they should not drown the words
_DIGITS = re.compile(r"^\d+$")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$")
# text2num writes ordinals as digits too ("wait a second" -> "wait a 2nd"); a second of time
# and "the first one" must stay words.
_ORDINAL_WORDS = {"1": "first", "2": "second", "3": "third"}


@functools.lru_cache(maxsize=2)
def synonyms(path: str | Path = SYNONYMS_PATH) -> dict[str, tuple[str, ...]]:
    table = (read_yaml(path) or {}).get("synonyms")
    if not isinstance(table, dict):
        raise DataFileError(str(path), "expected 'synonyms:' with word: replacement")
    return {str(k): tuple(words(str(v))) for k, v in table.items()}


@dataclass(frozen=True)
class Prepared:
    tokens: tuple[str, ...]  # what the classifier reads
    exercise: str | None  # catalog id named in the text
    numbers: tuple[int, ...]  # every number said, in order
    pain_score: int | None  # the number that answers "from zero to ten" (0-10), if any
    guessed: bool = False  # a misspelt name or word was read as the nearest known one


def _numbers(ws: list[str]) -> tuple[list[str], list[int], int | None]:
    """Number words and digits -> <num> tokens, their values, and the 0-10 score."""
    if not ws:
        return ws, [], None
    converted = alpha2digit(" ".join(ws), "en", threshold=0).split()
    out: list[str] = []
    values: list[int] = []
    score: int | None = None
    for i, t in enumerate(converted):
        ordinal = _ORDINAL.match(t)
        if ordinal:
            t = _ORDINAL_WORDS.get(ordinal.group(1), "<ordinal>")
        if _DIGITS.match(t):
            n = int(t)
            values.append(n)
            # "seven out of ten": the ten is the scale, not the answer.
            scale = i >= 2 and converted[i - 2:i] == ["out", "of"]
            if score is None and n <= 10 and not scale:
                score = n
            out.append(NUMBER)
        else:
            out.append(t)
    return out, values, score


def prepare(text: str, names: NameIndex | None, vocabulary: frozenset[str] = frozenset(),
            preferred: frozenset[str] = frozenset()) -> Prepared:
    """`vocabulary`: the words the classifier knows; other words may be typos of them (of
    the `preferred` ones first)."""
    table = synonyms()
    ws: list[str] = []
    for w in words(text):
        ws.extend(table.get(w, (w,)))
    exercise = None
    guessed = False
    if names is not None:  # before typos: a misspelt name is the name matcher's to find
        found = find_exercise(ws, names)
        if found is not None:
            exercise = found.exercise
            guessed = found.score < 100
            ws = ws[:found.start] + [EXERCISE] + ws[found.end:]
    fixed = typos.fix(ws, vocabulary, preferred)
    guessed = guessed or fixed != ws
    ws = [t for w in fixed for t in table.get(w, (w,))]
    # Numbers inside a name ("figure four") are gone by now: the name took them.
    ws, values, score = _numbers(ws)
    return Prepared(tuple(ws), exercise, tuple(values), score, guessed)


def features(tokens: tuple[str, ...]) -> dict[str, float]:
    """Feature -> weight, L2-normalised."""
    feats: dict[str, float] = {}
    padded = ("<s>", *tokens, "</s>")
    for t in tokens:
        feats["w " + t] = 1.0
    for a, b in zip(padded, padded[1:]):
        feats["b " + a + " " + b] = 1.0
    lo, hi = CHAR_N
    for t in tokens:
        if t in (EXERCISE, NUMBER):
            continue
        s = f" {t} "
        for n in range(lo, hi + 1):
            for i in range(len(s) - n + 1):
                feats["c " + s[i:i + n]] = CHAR_WEIGHT
    if not tokens:
        feats["<empty>"] = 1.0
    norm = math.sqrt(sum(v * v for v in feats.values()))
    return {k: v / norm for k, v in feats.items()}
