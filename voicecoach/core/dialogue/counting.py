"""Counting on the clock: the get-ready countdown, holds, reps and the "go" after switching
sides.

Counting keeps to a grid: each count's due time is the previous due time plus the interval, never
"now plus the interval", so late events never make the counts drift.
"""

from __future__ import annotations

from voicecoach.core import timing
from voicecoach.core.prompts import Prompts
from voicecoach.core.dialogue import flow
from voicecoach.core.dialogue.dose import rep_interval
from voicecoach.core.dialogue.state import STEP
from voicecoach.core.dialogue.turn import Turn


def get_ready(t: Turn) -> None:
    """Three, two, one, go: then the work starts on the count grid."""
    t.set(phase="get_ready", countdown=3, next_due=t.now + 0.5, awaiting=None)
    t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)


def countdown_tick(t: Turn) -> None:
    n = t.s.countdown
    due = t.s.next_due
    if n > 0:
        t.count(f"countdown_{n}", due)
        t.set(countdown=n - 1, next_due=due + 1.0)
        t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)
        return
    t.say_text(t.text("go"), "count", due=due, interrupt=True)
    item = t.item()
    assert item is not None
    phase = "holding" if item.hold_seconds else "reps"
    interval = 1.0 if item.hold_seconds else rep_interval(item, t.s.tempo)
    # A resumed hold goes on from the count it had reached.
    t.set(phase=phase, next_due=due + (interval if item.hold_seconds else 0.6))
    t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)


def hold_tick(t: Turn) -> None:
    item = t.item()
    assert item is not None and item.hold_seconds
    total = item.hold_seconds
    n = t.s.done + 1
    due = t.s.next_due
    left = total - n
    if left <= 0:
        t.count("relax", due)
        t.set(done=n)
        flow.after_work(t)
        return
    if left <= 3:
        t.count(f"countdown_{left}", due)
    elif total >= 10 and n == total // 2:
        t.count("halfway", due)
    elif total >= 25 and left == 10:
        t.count("ten_left", due)
    elif t.s.overlay is None:
        t.count("count", due, n=n)
    t.set(done=n, next_due=due + 1.0)
    t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)


def rep_tick(t: Turn) -> None:
    item = t.item()
    assert item is not None and item.reps
    n = t.s.done + 1
    due = t.s.next_due
    if n > item.reps:
        t.count("reps_done", due)
        flow.after_work(t)
        return
    if n == item.reps and item.reps > 1:
        t.count("rep_last", due)
    elif t.s.overlay is None:
        t.count("count", due, n=n)
    t.set(done=n, next_due=due + rep_interval(item, t.s.tempo))
    t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)


def switched_sides(t: Turn) -> None:
    """The pause for switching sides is over: go, and count the new side from the start."""
    t.say("go", "count", interrupt=True)
    item = t.item()
    assert item is not None
    interval = 1.0 if item.hold_seconds else rep_interval(item, t.s.tempo)
    t.set(phase="holding" if item.hold_seconds else "reps", done=0,
          next_due=t.now + (interval if item.hold_seconds else 0.6))
    t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)


def counting_lines(p: Prompts, longest: int = 60) -> list[str]:
    """Every line the coach says while counting, up to a count of `longest`."""
    lines = [p.render(k) for k in ("countdown_3", "countdown_2", "countdown_1", "go",
                                   "halfway", "ten_left", "rep_last", "switch_sides",
                                   "get_ready", "resuming")]
    for key in ("relax", "reps_done", "not_understood"):
        lines += [p.render(key, turn=i) for i in range(p.variants(key))]
    return lines + [p.render("count", n=n) for n in range(1, longest + 1)]
