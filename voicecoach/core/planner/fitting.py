"""Fitting a plan to the minutes asked: how many exercises, then sets, then a dose factor per
phase, with a search one step around when whole exercises and sets leave a gap."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np

from voicecoach.core.catalog import Exercise
from voicecoach.core.plan import PlanItem
from voicecoach.core.planner.dosing import _Dosing, _est, _max_sets, make_item
from voicecoach.core.planner.ordering import PHASES

# Fit cost weights: 1 per second off the minutes; SHARE_COST per second the stretching is off
# its share; DOSE_COST per unit a dose factor moves from 1.0 (0.1 = 4 s).
SHARE_COST = 1.0
DOSE_COST = 40.0
FIT_MARGIN = 0.07  # a plan further off than this is close to the 10% limit ...
OUT_OF_MARGIN_COST = 1000.0  # ... so it only wins when nothing else is nearer
VARIETY_SLACK = 0.02  # a plan with more exercises wins if its cost is within 2% of the minutes
FINE_TUNE = 0.1  # ... and its doses stay within 10% of the level's
REPAIR_ABOVE = 0.03  # fit cost past 3% of the minutes: look for a closer plan one step away


@dataclass
class _Slot:
    ex: Exercise
    phase: str
    sets: int


def _nominal_sets(ex: Exercise, dosing: _Dosing) -> int:
    return min(dosing.sets, _max_sets(ex, dosing, dosing.max_sets))


def _count_options(cands: list[Exercise], budget: float, dosing: _Dosing) -> list[int]:
    """Step 1 candidates: how many of the phase's top exercises. The count whose time comes
    nearest the phase's share without passing it, one fewer and one more; counted both at the
    starting sets and at one set each (the sets are fitted next)."""
    if not cands:
        return [0]
    options: set[int] = set()
    for one_set in (False, True):
        spent, fit = 0.0, 1
        for n, ex in enumerate(cands, 1):
            spent += _est(ex, 1 if one_set else _nominal_sets(ex, dosing), 1.0, dosing)
            if spent <= budget:
                fit = n
        options.update(n for n in (fit - 1, fit, fit + 1) if 1 <= n <= len(cands))
    return sorted(options)


def _phase_seconds(slots: list[_Slot], fit: Mapping[str, float], dosing: _Dosing) -> dict:
    out = {p: 0.0 for p in PHASES}
    for s in slots:
        out[s.phase] += _est(s.ex, s.sets, fit[s.phase], dosing)
    return out


def _fit_sets(slots: list[_Slot], budget: Mapping[str, float], dosing: _Dosing,
              max_sets: int) -> None:
    """Step 2: sets (1..max). Where a phase is below its share, add a set (highest priority,
    fewest sets first); where above, take one away (lowest priority, most sets first); only
    while that brings the phase closer to its share. Every step shrinks an error: it ends."""
    unit = {p: 1.0 for p in PHASES}
    while True:
        spent = _phase_seconds(slots, unit, dosing)
        changed = False
        for p in sorted(PHASES, key=lambda p: -abs(budget[p] - spent[p])):
            gap = budget[p] - spent[p]
            grow = gap > 0
            mine = [s for s in slots if s.phase == p]
            if grow:
                pool = [s for s in mine if s.sets < _max_sets(s.ex, dosing, max_sets)]
                pick = min(pool, key=lambda s: s.sets, default=None)  # first of the fewest
            else:
                pool = [s for s in reversed(mine) if s.sets > 1]
                pick = max(pool, key=lambda s: s.sets, default=None)  # last of the most
            if pick is None:
                continue
            before = _est(pick.ex, pick.sets, 1.0, dosing)
            after = _est(pick.ex, pick.sets + (1 if grow else -1), 1.0, dosing)
            if abs(gap + before - after) < abs(gap):
                pick.sets += 1 if grow else -1
                changed = True
                break
        if not changed:
            return


@functools.lru_cache(maxsize=8)
def _grid(fit_range: tuple[float, float]) -> tuple[float, ...]:
    """Dose factors to try, nearest 1.0 first (so the first of equal outcomes is the mildest)."""
    lo, hi = fit_range
    steps = {round(lo + 0.02 * i, 2) for i in range(int(round((hi - lo) / 0.02)) + 1)}
    return tuple(sorted(steps | {1.0}, key=lambda f: (abs(f - 1.0), f)))


def _grid_seconds(ex: Exercise, sets: int, fit_range: tuple[float, float],
                  dosing: _Dosing) -> np.ndarray:
    key = ("grid", ex.id, sets, fit_range)
    if key not in dosing.memo:
        dosing.memo[key] = np.array([_est(ex, sets, f, dosing) for f in _grid(fit_range)])
    return dosing.memo[key]


def _fit_dose(slots: Sequence[_Slot], budget: Mapping[str, float], target: float,
              dosing: _Dosing, fit_range: tuple[float, float]) -> tuple[dict[str, float], float]:
    """Step 3: dose. One factor per phase from a grid within the limits, chosen to land the
    total on the target first (a plan near the tolerance is as good as rejected), the stretch
    share second, and to stay near 1.0 third. Returns the factors and the cost."""
    grid = _grid(fit_range)
    # phase seconds -> the factor nearest 1.0 that gives them (rounding makes many factors
    # give the same doses; only distinct outcomes need comparing)
    options: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for p in PHASES:
        total = np.zeros(len(grid))
        for s in slots:
            if s.phase == p:
                total += _grid_seconds(s.ex, s.sets, fit_range, dosing)
        by_seconds: dict[float, float] = {}
        for sec, f in zip(np.round(total, 1).tolist(), grid):
            by_seconds.setdefault(sec, f)
        options[p] = (np.array(list(by_seconds)), np.array(list(by_seconds.values())))
    s_sec, fs = options["stretch"]
    k_sec, fk = options["strengthen"]
    off = np.abs(s_sec[:, None] + k_sec[None, :] - target)
    cost = (off
            + (off > FIT_MARGIN * target) * OUT_OF_MARGIN_COST
            + SHARE_COST * np.abs(s_sec - budget["stretch"])[:, None]
            + DOSE_COST * (np.abs(fs - 1.0)[:, None] + np.abs(fk - 1.0)[None, :]))
    i, j = np.unravel_index(int(np.argmin(cost)), cost.shape)  # first minimum: deterministic
    return {"stretch": float(fs[i]), "strengthen": float(fk[j])}, float(cost[i, j])


def _neighbours(slots: list[_Slot], cands: Mapping[str, list[Exercise]], dosing: _Dosing,
                max_exercises: int, max_sets: int) -> Iterable[list[_Slot]]:
    """Plans one step away: a set more or less on one exercise, the phase's next exercise
    added, or its last one dropped (each phase keeps at least one)."""
    for i, s in enumerate(slots):
        for d in (1, -1):
            if 1 <= s.sets + d <= _max_sets(s.ex, dosing, max_sets):
                yield slots[:i] + [_Slot(s.ex, s.phase, s.sets + d)] + slots[i + 1:]
    for p in PHASES:
        mine = [s for s in slots if s.phase == p]
        if len(slots) < max_exercises and len(mine) < len(cands[p]):
            ex = cands[p][len(mine)]
            for sets in sorted({1, _nominal_sets(ex, dosing)}):
                yield slots + [_Slot(ex, p, sets)]
        if len(mine) > 1:
            last = mine[-1]
            yield [s for s in slots if s is not last]


def _fit(cands: Mapping[str, list[Exercise]], share: float, target: float,
         dosing: _Dosing, max_exercises: int, max_sets: int,
         fit_range: tuple[float, float]) -> list[PlanItem]:
    """Exercises, then sets, then dose: for each phase a few counts of top exercises (step 1),
    each with its sets fitted per phase (step 2) and the doses fitted (step 3); of those that
    fit about equally well the one with most exercises wins; deterministic throughout."""
    budget = {"stretch": share * target, "strengthen": (1.0 - share) * target}
    counts: list[tuple[int, int]] = []
    for s_opt in _count_options(cands["stretch"], budget["stretch"], dosing):
        for k_opt in _count_options(cands["strengthen"], budget["strengthen"], dosing):
            n_s, n_k = s_opt, k_opt
            if n_s + n_k > max_exercises:  # over the cap: share the cap by the time share
                n_s = min(n_s, max(1, round(max_exercises * share)))
                n_k = min(n_k, max(1, max_exercises - n_s))
                n_s = min(n_s, max(1, max_exercises - n_k))
            if (n_s, n_k) not in counts:
                counts.append((n_s, n_k))
    tried = []
    for n_s, n_k in counts:
        slots = [_Slot(ex, p, _nominal_sets(ex, dosing))
                 for p, n in (("stretch", n_s), ("strengthen", n_k))
                 for ex in cands[p][:n]]
        _fit_sets(slots, budget, dosing, max_sets)
        fit, cost = _fit_dose(slots, budget, target, dosing, fit_range)
        tried.append((cost, n_s, n_k, slots, fit))
    # Exercises first: of the plans that fit about as well as the best without leaning on the
    # dose (only a fine tune, so the level still shows), the one with the most exercises
    # (then the lowest cost, then fewer stretches).
    best = min(tried, key=lambda t: (t[0], t[1] + t[2], t[1]))
    good = [t for t in tried if t[0] <= best[0] + VARIETY_SLACK * target
            and all(abs(f - 1.0) <= FINE_TUNE + 1e-9 for f in t[4].values())]
    cost, _, _, slots, fit = min(good or [best], key=lambda t: (-(t[1] + t[2]), t[0], t[1]))
    # The steps work in whole exercises and sets; when the dose cannot close the remaining gap
    # (doses at their limits), look one step around for a closer plan.
    for _ in range(6):
        if cost <= REPAIR_ABOVE * target:
            break
        found = None
        for cand in _neighbours(slots, cands, dosing, max_exercises, max_sets):
            f, c = _fit_dose(cand, budget, target, dosing, fit_range)
            if c < cost and (found is None or c < found[2]):
                found = (cand, f, c)
        if found is None:
            break
        slots, fit, cost = found
    return [make_item(s.ex, s.sets, fit[s.phase], dosing) for s in slots]
