"""How long an exercise takes as planned: the intro the coach says and the item's seconds, the
same figures (timing.exercise_seconds) the dialogue uses."""

from __future__ import annotations

from voicecoach.core import timing
from voicecoach.core.catalog import Exercise
from voicecoach.core.plan import PlanItem


def intro_lines(exercise: Exercise, variant: str = "standard") -> list[str]:
    """The exercise's own lines the coach says to introduce it: name, setup, each cue,
    breathing, and the variant's change when it is not the standard one."""
    lines = [exercise.name, exercise.setup, *exercise.cues, exercise.breathing]
    if variant in ("easier", "harder"):
        lines.append(getattr(exercise, variant).how)
    return [line for line in lines if line]


def intro_text(exercise: Exercise, variant: str = "standard") -> str:
    """intro_lines as one text."""
    return " ".join(intro_lines(exercise, variant))


def intro_estimate(exercise: Exercise, variant: str = "standard") -> float:
    """Seconds of speech before the first count: the exercise's own lines, each timed with
    timing.speech_seconds, plus the dialogue's framing lines (timing.INTRO_FRAME_SECONDS)."""
    return timing.lines_seconds(intro_lines(exercise, variant)) + timing.INTRO_FRAME_SECONDS


def work_seconds_per_side(item: PlanItem) -> float:
    """One side of one set: the hold, or reps x tempo."""
    if item.hold_seconds is not None:
        return float(item.hold_seconds)
    return float(item.reps or 0) * item.tempo_seconds


def estimate_item_seconds(exercise: Exercise, item: PlanItem) -> float:
    """Planned seconds for one plan item: intro speech (from the exercise's real text) +
    per set get-ready and the work on each side with a switch between sides, a rest between
    sets, and the rest after. See timing.exercise_seconds."""
    return timing.exercise_seconds(
        intro=intro_estimate(exercise, item.variant),
        work_per_side=work_seconds_per_side(item),
        n_sides=len(item.sides),
        sets=item.sets,
        rest_after=item.rest_seconds,
    )
