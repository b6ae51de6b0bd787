"""The glance: one line for the person who looks up from the mat at the screen.

    Exercise 3 of 8: bridge | left side | set 1 of 2 | 4 of 10 reps | about 9 min left

The loop feeds it the dialogue state after every step. `glance()` reads that state into plain
facts, `status_text()` words them (every label comes from prompts/status.yaml); both are pure.
`StatusFeed` hands the text to the terminal's StatusLine (session/console.py), which redraws
only when the text changed, so an idle session costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicecoach.core.catalog import Catalog
from voicecoach.core.dialogue import QUESTION_PHASES
from voicecoach.core.dialogue.dose import time_left
from voicecoach.core.prompts import Prompts
from voicecoach.session.console import StatusLine

SEPARATOR = " | "  # layout, not words; plain ASCII for any terminal encoding


@dataclass(frozen=True)
class Glance:
    """Where the session is, as facts (no words)."""

    phase: str  # the dialogue's phase now ("paused", a question, ...)
    activity: str  # the phase of the workout it interrupts, or the same as `phase`
    n: int = 0  # exercise n of total (1-based); for a rest, the one coming next
    total: int = 0
    name: str = ""
    side: str | None = None
    set_no: int = 1
    sets: int = 1
    done: int = 0  # seconds held, or reps done, in this side and set
    target: int = 0  # seconds to hold, or reps to do
    holding: bool = True  # a hold (seconds) rather than reps
    seconds_left: float = 0.0  # in the whole session, estimated


def _workout_state(state: Any):
    """The workout's own state; None during the first-run questions (nothing to show yet)."""
    if hasattr(state, "onboarding"):  # first run: onboarding, then the workout
        return state.workout
    return state


def glance(state: Any, catalog: Catalog, now: float) -> Glance | None:
    """The facts for the status line, or None when there is nothing to show."""
    s = _workout_state(state)
    if s is None or s.ended or s.phase == "finished" or not s.items:
        return None
    # Paused, answering a question, hearing an explanation: show where the workout stands.
    base = s.saved if s.saved is not None else s
    index = base.index + 1 if base.phase == "rest" else base.index
    if not 0 <= index < len(base.items):
        return Glance(s.phase, base.phase, seconds_left=time_left(base, now)[1])
    item = base.items[index]
    side = item.sides[base.side] if item.sides and 0 <= base.side < len(item.sides) else None
    return Glance(
        phase=s.phase, activity=base.phase, n=index + 1, total=len(base.items),
        name=catalog.get(item.exercise_id).name,
        side=side, set_no=base.set_no, sets=item.sets, done=base.done,
        target=item.hold_seconds or item.reps or 0, holding=bool(item.hold_seconds),
        seconds_left=time_left(base, now)[1],
    )


def _left(g: Glance, p: Prompts) -> str:
    minutes = round(g.seconds_left / 60.0)
    return p.render("status.minutes_left", n=minutes) if minutes >= 1 else p.render(
        "status.under_a_minute")


# Before the first exercise and after the last one there is no exercise to show.
OUTSIDE_EXERCISES = {"welcome": "status.welcome", "pain_before": "status.question",
                     "pain_after": "status.question"}
# Phases that interrupt an exercise: said first, then where the exercise stands.
INTERJECTIONS = {"paused": "status.paused", "explaining": "status.explaining",
                 **{phase: "status.question" for phase in QUESTION_PHASES}}
# What the person is doing in the phases without a count.
DOING = {"intro": "status.instructions", "get_ready": "status.get_ready",
         "switch_sides": "status.switch_sides", "set_rest": "status.set_rest"}


def status_text(g: Glance | None, p: Prompts, width: int | None = None) -> str:
    """The status line's words for a glance ("" when there is nothing to show). Too wide for
    `width` columns, it says the exercise shorter ("3/8 bridge"), then drops the time left,
    and last of all is cut."""
    if g is None:
        return ""
    text = ""
    for short, with_left in ((False, True), (True, True), (True, False)):
        text = SEPARATOR.join(_parts(g, p, short, with_left))
        if width is None or len(text) <= width:
            return text
    return text[: max(0, width or 0)]


def _parts(g: Glance, p: Prompts, short: bool, with_left: bool) -> list[str]:
    head = [p.render(INTERJECTIONS[g.phase])] if (
        g.phase in INTERJECTIONS and g.phase != g.activity) else []
    left = [_left(g, p)] if with_left and g.activity != "pain_after" else []
    if g.activity in OUTSIDE_EXERCISES or g.n == 0:
        label = OUTSIDE_EXERCISES.get(g.activity)
        body = [p.render(label)] if label else []
        return list(dict.fromkeys(head + body)) + left
    exercise = p.render("status.exercise_short" if short else "status.exercise",
                        n=g.n, total=g.total, name=g.name)
    if g.activity == "rest":
        return head + [p.render("status.rest"), exercise] + left
    body = [exercise]
    if g.side:
        body.append(p.render("status.side", side=g.side))
    if g.sets > 1:
        body.append(p.render("status.set", set=g.set_no, sets=g.sets))
    return head + body + [_doing(g, p)] + left


def _doing(g: Glance, p: Prompts) -> str:
    """What the person is doing in this exercise (or was, before the interruption)."""
    if g.activity in DOING:
        return p.render(DOING[g.activity])
    if g.holding:
        return p.render("status.hold", done=g.done, target=g.target)
    return p.render("status.reps", done=g.done, target=g.target)


class StatusFeed:
    """Fed by the loop after each step (`loop.on_state`); draws the line on a terminal."""

    def __init__(self, catalog: Catalog, prompts: Prompts, line: StatusLine):
        self.catalog = catalog
        self.prompts = prompts
        self.line = line

    def __call__(self, state: Any, now: float) -> None:
        g = glance(state, self.catalog, now)
        self.line.show(status_text(g, self.prompts, self.line.width() - 1))

    def close(self) -> None:
        self.line.close()
