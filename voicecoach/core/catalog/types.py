"""The catalog's data types - Exercise and its Variants, the kinds and floor positions - and
normalise_name, the one way spoken or typed names are compared."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["stretch", "strengthen"]
Position = Literal["back", "hands-and-knees", "front", "side", "kneeling", "standing"]
POSITIONS: tuple[str, ...] = ("standing", "kneeling", "hands-and-knees", "back", "side", "front")
KINDS: tuple[str, ...] = ("stretch", "strengthen")


@dataclass(frozen=True)
class Variant:
    """An easier or harder version: how it differs, and its own dose when that differs."""

    name: str
    how: str  # one or two spoken sentences: what to change
    hold_seconds: int | None = None
    reps: int | None = None
    # Its own instructions, said instead of the standard ones (which could contradict it).
    setup: str | None = None
    cues: tuple[str, ...] = ()
    rep_words: tuple[str, str] | None = None


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str  # spoken name, e.g. "child's pose"
    aliases: tuple[str, ...]  # other spoken names, e.g. ("child pose", "childs pose")
    kind: Kind
    muscles: tuple[str, ...]
    position: Position
    hold_seconds: int | None  # a hold ...
    reps: int | None  # ... or reps (exactly one of the two)
    tempo_seconds: float  # seconds per rep (reps), ignored for holds
    sets: int
    sides: Literal["none", "both"]  # "both": done left, then right
    rest_seconds: int  # rest between sets and after the exercise
    setup: str
    cues: tuple[str, ...]
    breathing: str
    mistakes: tuple[str, ...]
    safety: str
    easier: Variant
    harder: Variant
    rep_words: tuple[str, str] | None = None  # the two halves of a rep: ("lift", "and lower")

    @property
    def is_hold(self) -> bool:
        return self.hold_seconds is not None

    @property
    def two_sided(self) -> bool:
        return self.sides == "both"


def normalise_name(text: str) -> str:
    """How spoken or typed names are compared: lower case, apostrophes dropped, hyphens and
    other punctuation turned into spaces, runs of spaces collapsed ("Child's-Pose" -> "childs
    pose")."""
    t = text.lower().replace("'", "").replace("\u2019", "").replace("`", "")
    t = re.sub(r"[^\w\s]|_", " ", t)
    return " ".join(t.split())
