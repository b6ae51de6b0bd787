"""What the dialogue knows: the fixed Context of a session, the State that each step replaces,
and the names of the phases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voicecoach.core.catalog import Catalog
from voicecoach.core.intents import Intent
from voicecoach.core.plan import Plan, PlanItem
from voicecoach.core.prompts import Prompts

Phase = Literal[
    "welcome", "pain_before", "intro", "get_ready", "holding", "reps", "switch_sides",
    "set_rest", "rest", "paused", "explaining", "confirm_stop", "confirm_command", "pain_offer",
    "pain_after", "finished",
]
PHASES: tuple[str, ...] = Phase.__args__  # type: ignore[attr-defined]
QUESTION_PHASES = {"pain_before": "number", "pain_after": "number", "confirm_stop": "yes_no",
                   "confirm_command": "yes_no", "pain_offer": "yes_no"}
# A spoken command that is costly to get wrong and was heard with little confidence is
# confirmed first ("Did you say next?"). Safety intents never are: a missed "it hurts" costs more.
CONFIRM_INTENTS = ("next", "previous", "goto")
CONFIRM_BELOW = 0.75
# Phases in which the person is doing an exercise: pain here stops that exercise.
EXERCISE_PHASES = {"intro", "get_ready", "holding", "reps", "switch_sides", "set_rest"}
# Phases in which counts run on the clock: interjections here freeze the count and resume later.
COUNTING_PHASES = {"get_ready", "holding", "reps", "switch_sides"}

STEP = "step"  # the one timer that moves the workout on
QUESTION = "question"  # a question's timeout
TEMPO_MIN, TEMPO_MAX, TEMPO_STEP = 0.6, 1.8, 1.25


@dataclass(frozen=True)
class Context:
    """What the dialogue knows that does not change during a session."""

    plan: Plan
    catalog: Catalog
    prompts: Prompts
    first_session: bool = True  # says the disclaimer and the full safety statement
    brief_safety: bool = False  # after the first week: the short form
    notices: tuple[str, ...] = ()  # rendered adaptation notices, said after the welcome
    progress: tuple[str, ...] = ()  # rendered "how am I doing" answer
    only: bool = False  # the person picked the exercises (--only)
    online: bool = False  # an online recognizer was chosen: say that audio leaves the machine


@dataclass(frozen=True)
class State:
    phase: Phase = "welcome"
    items: tuple[PlanItem, ...] = ()
    index: int = 0
    side: int = 0  # index into items[index].sides
    set_no: int = 1
    done: int = 0  # counts/reps done in this side and set
    next_due: float = 0.0  # when the next count or countdown step is due
    countdown: int = 0  # get-ready steps left (3, 2, 1)
    saved: "State | None" = None  # where to go back to after pause / explain / a question
    reprompted: bool = False
    no_match: int = 0
    tempo: float = 1.0  # rep tempo factor (slower > 1)
    awaiting: int | None = None  # the utterance whose end moves us on
    overlay: int | None = None  # a short line spoken over a count: plain counts wait for it
    last_lines: tuple[tuple[str, str, str | None], ...] = ()  # (text, kind, expects) for repeat
    next_id: int = 1
    pain_before: int | None = None
    pain_after: int | None = None
    completed: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    started_at: float | None = None
    input_ended: bool = False
    turn: int = 0  # picks prompt variants in turn
    safety_id: int | None = None  # the safety statement, until it has been heard in full
    pending: Intent | None = None  # a command waiting for "yes" (confirm_command)
    ended: bool = False
