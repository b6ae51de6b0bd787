"""The intents a person can express, by voice or keyboard.

The names are a public contract (`voicecoach parse --json`, `voicecoach recognize --json`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Commands that work in every state of the workout.
COMMANDS: tuple[str, ...] = (
    "start", "stop", "pause", "resume", "next", "previous", "repeat", "help", "time_left",
    "slower", "faster", "goto", "explain", "yes", "no", "number", "pain", "red_flag",
    # Added by the voice-out and history issues.
    "louder", "quieter", "easy", "progress",
    # "this is too hard": the easier variant now (`easy` is "too easy": harder next time).
    "easier",
)
NONE = "none"


@dataclass(frozen=True)
class Intent:
    """What the person meant. `slots` holds e.g. {"exercise": "bird-dog"} or {"value": 4}."""

    name: str
    slots: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return {"intent": self.name, "slots": dict(self.slots)}

    @property
    def is_none(self) -> bool:
        return self.name == NONE


def no_intent(text: str = "") -> Intent:
    return Intent(NONE, {}, text, 0.0)
