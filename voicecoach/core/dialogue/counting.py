"""Counting on the clock: the count-in, holds, reps and sides, as a coach would count for
someone lying on a mat.

- The count-in is "three, two, one, go" (for reps the first "lift" is the go), after the side
  and round are named ("Round 2 of 2, on the left side.").
- A hold is not counted second by second: a few lines say what is left ("halfway", "ten
  seconds left", "twenty seconds to go", a reminder to breathe), then "three left, two, one,
  and relax". Never a count-up that turns into a countdown.
- A rep is two lines in the exercise's own words, the number last: "lift", "and lower, 3".

Counts keep to a grid: each count's due time is the previous one plus the interval, never "now
plus the interval", so late events never make them drift. Counts yield to the coach's other
speech (a reply, a cue): a count that is due while something is being said waits, and the grid
goes on from when the speech has ended. Optional lines of a hold are left out instead, so the
hold keeps its length; its final "three left, two, one, and relax" waits.
"""

from __future__ import annotations

from functools import lru_cache

from voicecoach.core import timing
from voicecoach.core.plan import PlanItem
from voicecoach.core.prompts import Prompts
from voicecoach.core.dialogue import flow
from voicecoach.core.dialogue.dose import rep_interval
from voicecoach.core.dialogue.state import STEP
from voicecoach.core.dialogue.turn import Turn

GAP = 0.5  # a count after the coach's other speech starts this long after it ended
HALF_MIN = 1.2  # reps get two lines ("lift", "and lower, 3") when each half is this long
BREATHE_AFTER = 5  # seconds into a hold for the reminder to breathe
SPACING = 5  # seconds at least between two lines of a hold


def schedule(t: Turn, delay: float = GAP) -> None:
    """The next count `delay` from now; while the coach is talking, `delay` after that."""
    if t.busy():
        t.set(yielded=True)
        return
    t.set(yielded=False, next_due=t.now + delay)
    t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)


def _then(t: Turn, seconds: float) -> None:
    t.set(next_due=t.s.next_due + seconds)
    t.timer(STEP, t.s.next_due - timing.COUNT_LEAD)


def get_ready(t: Turn, header: bool = False) -> None:
    """Count in: name the round and side (when `header`), then three, two, one, go."""
    t.set(phase="get_ready", countdown=3, half=False)
    line = count_in_header(t) if header else None
    if line:
        t.say_text(line, "cue")
    schedule(t)


def count_in_header(t: Turn) -> str | None:
    """"Round 2 of 3, on the left side." / "On the right side." / "Round 2 of 3." / nothing."""
    item = t.item()
    assert item is not None
    later_round = item.sets > 1 and t.s.set_no > 1
    if item.sides:
        side = side_name(t, item, t.s.side)
        if later_round:
            return t.text("count_in_round_side", n=t.s.set_no, sets=item.sets, side=side)
        return t.text("count_in_side", side=side)
    if later_round:
        return t.text("count_in_round", n=t.s.set_no, sets=item.sets)
    return None


def side_name(t: Turn, item: PlanItem, index: int) -> str:
    return t.ctx.prompts.render(f"side_{item.sides[index]}")


def countdown_tick(t: Turn) -> None:
    if t.busy():
        t.set(yielded=True)
        return
    n = t.s.countdown
    due = t.s.next_due
    if n > 0:
        t.count(f"countdown_{n}", due)
        t.set(countdown=n - 1)
        _then(t, 1.0)
        return
    item = t.item()
    assert item is not None
    if item.hold_seconds:
        t.count("go", due)
        t.set(phase="holding")
        _then(t, 1.0)
    else:
        t.set(phase="reps", half=False)
        rep_tick(t)  # the first "lift" is the go


def hold_tick(t: Turn) -> None:
    item = t.item()
    assert item is not None and item.hold_seconds
    total = item.hold_seconds
    n = t.s.done + 1
    due = t.s.next_due
    left = total - n
    if left <= 3:  # the end, and what is left before it: these wait for the coach's speech
        if t.busy():
            t.set(yielded=True)
            return
        if left <= 0:
            t.count("relax", due)
            t.set(done=n)
            flow.after_work(t)
            return
        t.count("left_3" if left == 3 else f"countdown_{left}", due)
    else:
        line = hold_script(total).get(left)
        if line is not None and not t.busy():  # else left out: the hold keeps its length
            t.count(line[0], due, **dict(line[1]))
    t.set(done=n)
    _then(t, 1.0)


@lru_cache(maxsize=64)
def hold_script(total: int) -> dict[int, tuple[str, tuple]]:
    """What is said during a hold of `total` seconds, by seconds left: (prompt key, data).

    Candidates in order of importance ("ten seconds left", "halfway", "twenty seconds to go",
    a reminder to breathe); each is kept when it is at least SPACING seconds from the ones
    kept before, from the start and from the final "three left"."""
    candidates: list[tuple[int, tuple[str, tuple]]] = []
    if total >= 15:
        candidates.append((10, ("ten_left", ())))
    if total >= 20:
        candidates.append((round(total / 2), ("halfway", ())))
    if total >= 40:
        candidates += [(n, ("to_go", (("n", n),))) for n in range(20, total - 9, 10)]
    if total >= 12:
        candidates.append((total - BREATHE_AFTER, ("breathe", ())))
    chosen: dict[int, tuple[str, tuple]] = {}
    for left, line in candidates:
        if 3 + SPACING - 1 <= left <= total - 4 and all(abs(left - c) >= SPACING for c in chosen):
            chosen[left] = line
    return chosen


def rep_tick(t: Turn) -> None:
    if t.busy():
        t.set(yielded=True)
        return
    item = t.item()
    assert item is not None and item.reps
    interval = rep_interval(item, t.s.tempo)
    due = t.s.next_due
    n = t.s.done + 1
    last = n == item.reps and item.reps > 1
    up, down = rep_words(t, item)
    if not t.s.half:
        if n > item.reps:
            t.count("reps_done", due)
            flow.after_work(t)
            return
        if interval / 2 >= HALF_MIN:
            t.count("rep_last_up" if last else "rep_up", due, up=up)
            t.set(half=True)
            _then(t, interval / 2)
        else:  # too quick for words: the number alone
            t.count("rep_last" if last else "count", due, n=n)
            t.set(done=n)
            _then(t, interval)
        return
    t.count("rep_down_last" if last else "rep_down", due, down=down, n=n)
    t.set(done=n, half=False)
    _then(t, interval / 2)


def rep_words(t: Turn, item: PlanItem) -> tuple[str, str]:
    """The two halves of a rep in the exercise's words ("lift", "and lower")."""
    ex = t.ctx.catalog.get(item.exercise_id)
    variant = ex.easier if item.variant == "easier" else ex.harder if item.variant == "harder" else None
    words = (variant.rep_words if variant is not None else None) or ex.rep_words
    if words:
        return words[0], words[1]
    return t.ctx.prompts.render("rep_up_default"), t.ctx.prompts.render("rep_down_default")


def counting_lines(p: Prompts, longest: int = 60) -> list[str]:
    """Every line the coach says while counting (up to a count of `longest`), for the speaker
    to render before it is needed; an exercise's own rep words come from Dialogue.prerender."""
    lines = [p.render(k) for k in ("countdown_3", "countdown_2", "countdown_1", "go", "left_3",
                                   "halfway", "ten_left", "rep_last", "get_ready")]
    for key in ("relax", "reps_done", "breathe", "not_understood"):
        lines += [p.render(key, turn=i) for i in range(p.variants(key))]
    lines += [p.render("to_go", n=n) for n in range(20, max(20, longest - 9), 10)]
    return lines + [p.render("count", n=n) for n in range(1, longest + 1)]


def rep_lines(p: Prompts, up: str, down: str, reps: int) -> list[str]:
    """The lines of one set of reps in these words (for rendering ahead)."""
    lines = [p.render("rep_up", up=up), p.render("rep_last_up", up=up),
             p.render("rep_down_last", down=down)]
    return lines + [p.render("rep_down", down=down, n=n) for n in range(1, reps + 1)]
