"""Free answers to the first-run questions, read from clues (voicecoach/data/answer_clues.yaml).

The parser knows the answers as phrases ("tight muscles", "intermediate"); people say "I sit at
a desk all day and my back gets stiff" or "I exercise now and then". When the parser finds no
answer, the onboarding asks `match(question, text)`: the choice whose clue words and phrases
cover most of the answer's words, or None when nothing fits or two choices tie.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from voicecoach.core.errors import DataFileError

PATH = Path(__file__).resolve().parents[1] / "data" / "answer_clues.yaml"


def _words(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'")
    return re.findall(r"[a-z]+(?:'[a-z]+)?", text)


@lru_cache(maxsize=2)
def load(path: Path = PATH) -> dict[str, dict[str, tuple[tuple[str, ...], ...]]]:
    """question -> choice -> clue phrases (each a tuple of words)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise DataFileError(str(path), f"cannot read the answer clues ({err})") from None
    if not isinstance(raw, dict):
        raise DataFileError(str(path), "expected question: {choice: [clues]}")
    out: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {}
    for question, choices in raw.items():
        if not isinstance(choices, dict):
            raise DataFileError(str(path), "expected a map of choices", field=str(question))
        out[question] = {}
        for choice, clues in choices.items():
            if not isinstance(clues, list) or not all(isinstance(c, str) for c in clues):
                raise DataFileError(str(path), "expected a list of clues",
                                    field=f"{question}.{choice}")
            out[question][choice] = tuple(tuple(_words(c)) for c in clues if _words(c))
    return out


def match(question: str, text: str) -> str | None:
    """The choice the answer points to, or None (no clue, or a tie)."""
    words = _words(text)
    scores: dict[str, int] = {}
    for choice, clues in load().get(question, {}).items():
        covered: set[int] = set()
        for clue in clues:
            n = len(clue)
            for i in range(len(words) - n + 1):
                if tuple(words[i:i + n]) == clue:
                    covered.update(range(i, i + n))
        if covered:
            scores[choice] = len(covered)
    if not scores:
        return None
    best = max(scores.values())
    top = [c for c, s in scores.items() if s == best]
    return top[0] if len(top) == 1 else None
