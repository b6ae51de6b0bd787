"""Turning an exercise into a plan item: its variant, and the dose scaled by level, adaptation
and the fitting factor, rounded and bounded (memoised, as the fitting asks many times)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Mapping

from voicecoach.core import timing
from voicecoach.core.catalog import Exercise
from voicecoach.core.plan import ExerciseAdjustment, PlanItem
from voicecoach.core.planner.estimates import estimate_item_seconds, intro_estimate

DEFAULT_TEMPO = 3.0  # seconds per rep when a variant turns a hold into reps without a tempo


@dataclass(frozen=True)
class _Dosing:
    """Everything that turns an exercise into a plan item, apart from the fitted sets/factor."""

    level_dose: float
    sets: int  # starting sets
    extra_sets: int  # above the catalog's sets
    max_sets: int
    hold_range: tuple[int, int]
    reps_range: tuple[int, int]
    adjustments: Mapping[str, ExerciseAdjustment]
    gentle: bool
    # doses, intro and item estimates by exercise id (and fit factor, sets): the fitting asks
    # for the same ones many times
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def _max_sets(ex: Exercise, dosing: _Dosing, cap: int) -> int:
    """The most sets this exercise may get: its catalog sets plus the level's extra, capped."""
    return max(1, min(cap, ex.sets + dosing.extra_sets))


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def _bounded(value: float, base: int, rng: tuple[int, int], step: int) -> int:
    """Round to `step` and keep within the limits (widened to include the catalog's own value,
    so a catalog dose outside the limits is never pushed further out)."""
    lo, hi = min(base, rng[0]), max(base, rng[1])
    return max(lo, min(hi, step * _round_half_up(value / step)))


def _variant_name(ex: Exercise, dosing: _Dosing) -> str:
    adj = dosing.adjustments.get(ex.id)
    variant = adj.variant if adj is not None else "standard"
    if dosing.gentle and variant == "harder":
        variant = "standard"  # a gentle day keeps to beginner choices
    return variant


def _dose(ex: Exercise, fit: float,
          dosing: _Dosing) -> tuple[str, int | None, int | None, float, float]:
    """(variant, hold seconds, reps, tempo, intro seconds): the exercise or its variant, the
    dose scaled by level, adaptation and the fitting factor, rounded (holds to 5 s, reps to
    whole numbers) and bounded."""
    key = (ex.id, fit)
    if key in dosing.memo:
        return dosing.memo[key]
    variant = _variant_name(ex, dosing)
    adj = dosing.adjustments.get(ex.id)
    hold, reps, tempo = ex.hold_seconds, ex.reps, ex.tempo_seconds
    if variant in ("easier", "harder"):
        v = getattr(ex, variant)
        if v.hold_seconds is not None:
            hold, reps = v.hold_seconds, None
        elif v.reps is not None:
            hold, reps = None, v.reps
            if tempo <= 0:
                tempo = DEFAULT_TEMPO
    factor = dosing.level_dose * fit * (adj.dose if adj is not None else 1.0)
    if hold is not None:
        hold = _bounded(hold * factor, hold, dosing.hold_range, 5)
    else:
        reps = _bounded((reps or 0) * factor, reps or 0, dosing.reps_range, 1)
    intro_key = ("intro", ex.id, variant)
    if intro_key not in dosing.memo:
        dosing.memo[intro_key] = intro_estimate(ex, variant)
    dosing.memo[key] = out = (variant, hold, reps, float(tempo), dosing.memo[intro_key])
    return out


def _est(ex: Exercise, sets: int, fit: float, dosing: _Dosing) -> float:
    """est_seconds of make_item(ex, sets, fit, dosing), without building the item."""
    key = ("est", ex.id, sets, fit)
    if key in dosing.memo:
        return dosing.memo[key]
    _, hold, reps, tempo, intro = _dose(ex, fit, dosing)
    work = float(hold) if hold is not None else float(reps or 0) * tempo
    dosing.memo[key] = out = round(timing.exercise_seconds(
        intro=intro,
        work_per_side=work,
        n_sides=2 if ex.two_sided else 1,
        sets=sets,
        rest_after=ex.rest_seconds,
    ), 1)
    return out


def make_item(ex: Exercise, sets: int, fit: float, dosing: _Dosing) -> PlanItem:
    """One plan item: `sets` sets of the exercise (or its adapted variant) at the dose that
    level, adaptation and the fitting factor `fit` give (see _dose)."""
    variant, hold, reps, tempo, _ = _dose(ex, fit, dosing)
    item = PlanItem(
        exercise_id=ex.id,
        variant=variant,  # type: ignore[arg-type]
        hold_seconds=hold,
        reps=reps,
        tempo_seconds=tempo,
        sets=sets,
        sides=("left", "right") if ex.two_sided else (),
        rest_seconds=ex.rest_seconds,
        est_seconds=0.0,
    )
    return replace(item, est_seconds=round(estimate_item_seconds(ex, item), 1))
