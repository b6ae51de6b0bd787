"""Events in, actions out: the vocabulary between the pure dialogue and the shell.

Every event carries nothing about wall time: the loop passes the session clock's `now` to the
dialogue with it. Every action is a plain description; the loop carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from voicecoach.core.intents import Intent

Kind = Literal["cue", "count", "question", "safety", "info"]
Expects = Literal["yes_no", "number"] | None


# ---------------------------------------------------------------- speech


@dataclass(frozen=True)
class Utterance:
    """One line the coach speaks.

    `due` is the session-clock time it should start (counts land on a grid); `interrupt` cuts
    whatever is playing before it starts (counts, safety lines).
    """

    id: int
    text: str
    kind: Kind = "info"
    exercise: str | None = None
    expects: Expects = None
    due: float | None = None
    interrupt: bool = False


# ---------------------------------------------------------------- events


@dataclass(frozen=True)
class Began:
    """The session has started (first event)."""


@dataclass(frozen=True)
class Heard:
    """The person said or typed something; `source` is "voice" or "text"."""

    intent: Intent
    source: str = "text"


@dataclass(frozen=True)
class Tick:
    """A timer the dialogue set has come due."""

    name: str


@dataclass(frozen=True)
class SpeechStarted:
    utterance_id: int
    played: float  # session-clock time of the first sample


@dataclass(frozen=True)
class SpeechDone:
    utterance_id: int
    cut: bool = False


@dataclass(frozen=True)
class InputEnded:
    """The keyboard input reached end-of-file."""


@dataclass(frozen=True)
class DeviceChanged:
    """An audio device was lost (`ok=False`) or came back (`ok=True`)."""

    device: Literal["microphone", "speaker"]
    ok: bool


@dataclass(frozen=True)
class Interrupted:
    """Ctrl-C or a signal: end now, keep everything."""


Event = Began | Heard | Tick | SpeechStarted | SpeechDone | InputEnded | DeviceChanged | Interrupted


# ---------------------------------------------------------------- actions


@dataclass(frozen=True)
class Say:
    utterance: Utterance


@dataclass(frozen=True)
class StopSpeech:
    """Cut the current sound at once and drop anything queued."""


@dataclass(frozen=True)
class SetTimer:
    """Fire Tick(name) at session time `at`; a timer of the same name is replaced."""

    name: str
    at: float


@dataclass(frozen=True)
class CancelTimers:
    """Cancel the named timers, or all of them when `names` is empty."""

    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listen:
    """Tell the recognizer which grammar fits now: "command", "yes_no", "number", "start"."""

    grammar: str


@dataclass(frozen=True)
class AdjustVoice:
    """Change speech rate/volume by a factor (1.0 = unchanged)."""

    rate: float = 1.0
    volume: float = 1.0


@dataclass(frozen=True)
class Record:
    """Something for the history: kind is e.g. "pain_before", "exercise_done", "pain",
    "red_flag", "easy", "pain_after"; data is JSON-able."""

    kind: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class End:
    """The session is over; `finished` is False when it ended early. `minutes`: the workout's
    own length (from "start", without time paused), when the dialogue knows it."""

    finished: bool
    reason: str = ""
    minutes: float | None = None


Action = Say | StopSpeech | SetTimer | CancelTimers | Listen | AdjustVoice | Record | End
