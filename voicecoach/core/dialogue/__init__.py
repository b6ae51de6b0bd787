"""The dialogue manager: a pure state machine, `step(state, event, now) -> (state, actions)`.

No audio, no clock, no I/O in here. Time comes in as `now` (session seconds); speech goes out as
`Say` actions; waiting is a `SetTimer` action whose `Tick` comes back later. So every state and
every command can be tested with text alone, and a whole session runs in milliseconds on a fake
clock.

The parts, by what they do:
  state.py          Context (fixed for a session), State (replaced each step), the phases
  turn.py           Turn: one step in the making (say, count, cut, timers, records)
  machine.py        Dialogue.step: each event to the part that handles it
  flow.py           the workout: welcome, introductions, after the work, rests, the end
  counting.py       the countdown, holds, reps, sides, on a grid that never drifts
  questions.py      asking, asking again, and the answers
  commands.py       what was heard, dispatched; start / resume / yes / no / stop
  interjections.py  pause, help, explain, time left, voice, "easy", "how am I doing"
  navigation.py     next, previous, "do the …", repeat
  safety.py         pain and red flags
  dose.py           plan arithmetic: default dose, time under work, time left
"""

from voicecoach.core.dialogue.counting import counting_lines
from voicecoach.core.dialogue.dose import default_item, work_seconds
from voicecoach.core.dialogue.machine import Dialogue
from voicecoach.core.dialogue.state import (
    COUNTING_PHASES, EXERCISE_PHASES, PHASES, QUESTION_PHASES, Context, Phase, State,
)

__all__ = [
    "COUNTING_PHASES", "EXERCISE_PHASES", "PHASES", "QUESTION_PHASES", "Context", "Dialogue",
    "Phase", "State", "counting_lines", "default_item", "work_seconds",
]
