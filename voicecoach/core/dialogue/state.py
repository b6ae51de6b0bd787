"""What the dialogue knows: the fixed Context of a session, the State that each step replaces,
and the names of the phases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from voicecoach.core.agenda import Line
from voicecoach.core.catalog import Catalog
from voicecoach.core.intents import Intent
from voicecoach.core.plan import Plan, PlanItem
from voicecoach.core.prompts import Prompts

Phase = Literal[
    "welcome", "pain_before", "intro", "get_ready", "holding", "reps", "switch_sides",
    "set_rest", "rest", "paused", "explaining", "confirm_stop", "confirm_command", "pain_rating",
    "pain_offer", "pain_after", "finished",
]
PHASES: tuple[str, ...] = Phase.__args__  # type: ignore[attr-defined]
QUESTION_PHASES = {"pain_before": "number", "pain_after": "number", "confirm_stop": "yes_no",
                   "confirm_command": "yes_no", "pain_rating": "number", "pain_offer": "yes_no"}
# Intents that answer a question; said before the question has begun to play they are no answer.
ANSWER_INTENTS = ("number", "yes", "no")
# A spoken command that is costly to get wrong and was heard with little confidence is
# confirmed first ("Did you say next?"). Safety intents never are: a missed "it hurts" costs more.
CONFIRM_INTENTS = ("next", "previous", "goto")
CONFIRM_BELOW = 0.75
# Phases in which the person is doing an exercise: pain here stops that exercise.
EXERCISE_PHASES = {"intro", "get_ready", "holding", "reps", "switch_sides", "set_rest"}
# Phases in which counts run on the clock.
COUNTING_PHASES = {"get_ready", "holding", "reps", "switch_sides"}
# Phases in which the work of the current exercise has begun ("that was easy" is about it).
WORKING_PHASES = {"holding", "reps", "switch_sides", "set_rest"}

STEP = "step"  # the one timer that moves the workout on
QUESTION = "question"  # a question's answering time (and the welcome's / a pause's reminder)
TEMPO_MIN, TEMPO_MAX, TEMPO_STEP = 0.6, 1.8, 1.25
WELCOME_REMINDER = 45.0  # seconds of quiet at the welcome before "whenever you are ready"
PAUSE_REMINDER = 120.0


@dataclass(frozen=True)
class Context:
    """What the dialogue knows that does not change during a session."""

    plan: Plan
    catalog: Catalog
    prompts: Prompts
    first_session: bool = True  # says the disclaimer
    brief_safety: bool = False  # after the first sessions: the short safety statement
    notices: tuple[str, ...] = ()  # rendered adaptation notices, said after the welcome
    progress: tuple[str, ...] = ()  # rendered "how am I doing" answer
    only: bool = False  # the person picked the exercises (--only)
    online: bool = False  # an online recognizer was chosen: say that audio leaves the machine
    greeted: bool = False  # the first-run questions already said hello: greet once
    sessions_before: int = 0  # sessions in the history ("welcome back"; the tip in turn)
    recent: frozenset[str] = frozenset()  # exercises done lately: short instructions
    checks: tuple[str, ...] = ()  # rendered safety checks said first (a red flag last time)
    history_kept: bool = True  # False with --no-history: no claims about the history


@dataclass(frozen=True)
class State:
    phase: Phase = "welcome"
    items: tuple[PlanItem, ...] = ()
    index: int = 0
    side: int = 0  # index into items[index].sides
    set_no: int = 1
    done: int = 0  # seconds held / reps done in this side and set
    half: bool = False  # reps: the next rep line is the second half ("and lower")
    next_due: float = 0.0  # when the next count or countdown step is due
    countdown: int = 0  # get-ready steps left (3, 2, 1)
    yielded: bool = False  # a count waited for the coach's speech to end: go on after it
    armed: bool = False  # this phase's wait (a rest, the welcome's reminder) has started
    saved: "State | None" = None  # where to go back to after pause / explain / a question
    reprompted: bool = False
    no_match: int = 0
    tempo: float = 1.0  # rep tempo factor (slower > 1)
    last_lines: tuple[tuple[str, str, str | None], ...] = ()  # (text, kind, expects) for repeat
    next_id: int = 1
    # What is being said (see core/agenda.py).
    agenda: tuple[Line, ...] = ()
    in_air: int | None = None
    in_air_tag: str = ""
    asked: int | None = None  # the open question's line, once it has gone to the speaker
    question_open: bool = False  # the question has begun to play: answers count from now
    pain_before: int | None = None
    pain_after: int | None = None
    completed: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    started_at: float | None = None
    idle: float = 0.0  # seconds spent paused (not workout time)
    paused_at: float | None = None
    input_ended: bool = False
    turn: int = 0  # picks prompt variants in turn
    pending: Intent | None = None  # a command waiting for "yes" (confirm_command)
    ending: tuple[bool, str] | None = None  # (finished, reason): End once the last line played
    ended: bool = False
