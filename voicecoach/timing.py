"""How long things take, in session seconds: shared by the planner (to fit the minutes asked)
and the dialogue / muted speaker (to run the session), so plans and sessions agree."""

from __future__ import annotations

WORDS_PER_SECOND = 2.6  # espeak-ng at its default 175 wpm is ~2.9; people pause between lines
LINE_GAP = 0.3  # pause between two spoken lines
GET_READY_SECONDS = 3  # "three, two, one"
SWITCH_SIDES_SECONDS = 4  # "switch sides" + settle
SET_REST_SECONDS = 10  # rest between two sets of the same exercise
QUESTION_TIMEOUT = 10.0  # seconds of silence before a question is asked again / gives up


def speech_seconds(text: str) -> float:
    """Estimated time to say `text` aloud."""
    words = len(text.split())
    return LINE_GAP + words / WORDS_PER_SECOND


def intro_seconds(n_words: int) -> float:
    """Estimated time of an exercise introduction of `n_words` words."""
    return n_words / WORDS_PER_SECOND + 4 * LINE_GAP
