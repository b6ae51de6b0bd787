"""How long things take, in session seconds: shared by the planner (to fit the minutes asked)
and the dialogue / muted speaker (to run the session), so plans and sessions agree."""

from __future__ import annotations

WORDS_PER_SECOND = 2.6  # espeak-ng at its default 175 wpm is ~2.9; people pause between lines
LINE_GAP = 0.3  # pause between two spoken lines
GET_READY_SECONDS = 3  # "three, two, one"
SWITCH_SIDES_SECONDS = 4  # "switch sides" + settle (the count-in after it takes ~1.5 s more)
SET_REST_SECONDS = 10  # rest between two sets of the same exercise
COUNT_LEAD = 0.15  # a count is handed to the speaker this long before it is due, so it sounds
#                    exactly on time (the speaker waits for the due time; measured: <1 ms late)
QUESTION_TIMEOUT = 10.0  # seconds of silence before a question is asked again / gives up


def speech_seconds(text: str) -> float:
    """Estimated time to say `text` aloud."""
    words = len(text.split())
    return LINE_GAP + words / WORDS_PER_SECOND


def intro_seconds(n_words: int) -> float:
    """Estimated time of an exercise introduction of `n_words` words."""
    return n_words / WORDS_PER_SECOND + 4 * LINE_GAP


# What the dialogue says around an exercise's own lines (prompts/coach.yaml): "Exercise 3 of 9:"
# before the name, the dose ("Hold for 30 seconds on each side, starting with the left.") and
# "Get ready.": about 15 words in 2 more lines. Measured on the fake-clock session: without it
# every exercise ran ~8 s longer than planned.
INTRO_FRAME_SECONDS = 2 * LINE_GAP + 15 / WORDS_PER_SECOND


def lines_seconds(lines) -> float:
    """Estimated time to say these lines one after another."""
    return sum(speech_seconds(line) for line in lines)


def exercise_seconds(
    intro: float,
    work_per_side: float,
    n_sides: int,
    sets: int,
    rest_after: float,
) -> float:
    """Estimated length of one exercise as the coach runs it (planner and dialogue agree on it).

    `intro` seconds of speech (see lines_seconds, INTRO_FRAME_SECONDS), then per set: get-ready
    and the work on each side with a switch between sides; SET_REST_SECONDS between sets;
    `rest_after` once at the end. `work_per_side` is the hold in seconds, or reps x tempo.
    """
    n_sides = max(1, n_sides)
    per_set = GET_READY_SECONDS + work_per_side * n_sides + SWITCH_SIDES_SECONDS * (n_sides - 1)
    return intro + per_set * sets + SET_REST_SECONDS * (sets - 1) + rest_after
