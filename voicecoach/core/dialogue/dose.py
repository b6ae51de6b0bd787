"""Plan arithmetic the dialogue needs: a default plan item for an exercise asked for by name,
time under work, and how much is left."""

from __future__ import annotations

from dataclasses import replace

from voicecoach.core import timing
from voicecoach.core.catalog import Exercise
from voicecoach.core.plan import PlanItem
from voicecoach.core.dialogue.state import State


def default_item(ex: Exercise) -> PlanItem:
    """A plan item with the catalog's own dose, for an exercise asked for by name."""
    sides = ("left", "right") if ex.two_sided else ()
    item = PlanItem(
        exercise_id=ex.id, variant="standard", hold_seconds=ex.hold_seconds, reps=ex.reps,
        tempo_seconds=ex.tempo_seconds, sets=1, sides=sides, rest_seconds=ex.rest_seconds,
        est_seconds=0.0,
    )
    return replace(item, est_seconds=work_seconds(item) + ex.rest_seconds + 30.0)


def with_item(items: tuple[PlanItem, ...], at: int, ex: Exercise) -> tuple[tuple[PlanItem, ...], int]:
    """Insert a plan item for `ex` at position `at` (default dose from the catalog)."""
    item = default_item(ex)
    return items[:at] + (item,) + items[at:], at


def rep_interval(item: PlanItem, tempo: float = 1.0) -> float:
    """Seconds per repetition at this tempo factor (never quicker than 1.5 s)."""
    return max(1.5, item.tempo_seconds * tempo)


def work_seconds(item: PlanItem, tempo: float = 1.0) -> float:
    """Time under work (holds/reps) of a plan item, all sides and sets, with switches and rests."""
    per_side = item.hold_seconds if item.hold_seconds else (item.reps or 0) * rep_interval(item, tempo)
    sides = max(1, len(item.sides))
    per_set = per_side * sides + timing.SWITCH_SIDES_SECONDS * (sides - 1) + timing.GET_READY_SECONDS
    return per_set * item.sets + timing.SET_REST_SECONDS * (item.sets - 1)


def time_left(s: State, now: float) -> tuple[float, float]:
    """(seconds left in this exercise, seconds left in the session), estimated."""
    if s.index >= len(s.items):
        return 0.0, 0.0
    item = s.items[s.index]
    total = work_seconds(item, s.tempo)
    interval = 1.0 if item.hold_seconds else rep_interval(item, s.tempo)
    per_side = (item.hold_seconds or (item.reps or 0) * interval)
    sides = max(1, len(item.sides))
    done_sets = (s.set_no - 1) * (per_side * sides + timing.SWITCH_SIDES_SECONDS * (sides - 1) + timing.GET_READY_SECONDS + timing.SET_REST_SECONDS)
    done_sides = s.side * (per_side + timing.SWITCH_SIDES_SECONDS)
    done_now = s.done * interval if s.phase in ("holding", "reps") else 0.0
    if s.phase == "rest":
        ex_left = 0.0
    else:
        ex_left = max(0.0, total - done_sets - done_sides - done_now)
    rest_after = item.rest_seconds
    later = sum(i.est_seconds for i in s.items[s.index + 1:])
    return ex_left, ex_left + rest_after + later
