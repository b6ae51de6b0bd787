"""The exercise catalog: data a physiotherapist can edit (voicecoach/data/exercises.yaml).

This module holds the data types; loading and validation live below them.
"""

from __future__ import annotations

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

    @property
    def is_hold(self) -> bool:
        return self.hold_seconds is not None

    @property
    def two_sided(self) -> bool:
        return self.sides == "both"
