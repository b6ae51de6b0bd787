"""Today's session plan: which exercises, in which order, with what dose.

Rules (weights and priority orders live in data/routines.yaml, with their reasons):
- stretches first, then strengthening; the cause sets how much of the time goes to each;
- the level scales the dose (hold seconds / reps) and the sets;
- the plan's estimated length (timing.exercise_seconds, the same figure the dialogue uses) lands
  within 10% of the minutes asked: first by choosing how many exercises, then sets, then dose;
- within each phase, exercises are grouped by floor position so the person gets up and down as
  rarely as possible, and the two phases meet on a shared position when they have one;
- adaptation (issue 5) picks variants, scales doses and asks for gentle days.

Pure: same inputs, same plan. No randomness, no clock, no I/O apart from reading routines.yaml.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from voicecoach.core import timing
from voicecoach.core.catalog import POSITIONS, Exercise
from voicecoach.core.errors import UserError
from voicecoach.core.plan import (
    CAUSES,
    LEVELS,
    Adaptation,
    ExerciseAdjustment,
    Plan,
    PlanItem,
    Profile,
)
from voicecoach.core.routines import Routines, load_routines

MIN_MINUTES, MAX_MINUTES = 5, 30
TOLERANCE = 0.10  # the plan's estimate must be within 10% of the minutes asked
# Fit cost weights: 1 per second off the minutes; SHARE_COST per second the stretching is off
# its share; DOSE_COST per unit a dose factor moves from 1.0 (0.1 = 4 s).
SHARE_COST = 1.0
DOSE_COST = 40.0
FIT_MARGIN = 0.07  # a plan further off than this is close to the 10% limit ...
OUT_OF_MARGIN_COST = 1000.0  # ... so it only wins when nothing else is nearer
VARIETY_SLACK = 0.02  # a plan with more exercises wins if its cost is within 2% of the minutes
FINE_TUNE = 0.1  # ... and its doses stay within 10% of the level's
REPAIR_ABOVE = 0.03  # fit cost past 3% of the minutes: look for a closer plan one step away
RELAX_ABOVE = FIT_MARGIN  # further off: relax the preferred limits (exercises, sets, dose)
DEFAULT_TEMPO = 3.0  # seconds per rep when a variant turns a hold into reps without a tempo
PHASES = ("stretch", "strengthen")


# ---------------------------------------------------------------- time estimate


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


# ---------------------------------------------------------------- dosing


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


# ---------------------------------------------------------------- fitting the minutes


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


# ---------------------------------------------------------------- floor positions


def _order_by_position(phases: Mapping[str, list[PlanItem]],
                       exercises: Mapping[str, Exercise]) -> list[PlanItem]:
    """Group each phase by floor position (fewest changes), groups in a natural getting-down
    order (standing, kneeling, hands-and-knees, back, side, front), except that a position both
    phases use ends the stretches and starts the strengthening, saving one more change."""
    def rank(pos: str) -> int:
        return POSITIONS.index(pos) if pos in POSITIONS else len(POSITIONS)

    orders: dict[str, list[str]] = {}
    for p in PHASES:
        seen: list[str] = []
        for item in phases[p]:
            pos = exercises[item.exercise_id].position
            if pos not in seen:
                seen.append(pos)
        orders[p] = sorted(seen, key=lambda pos: (rank(pos), pos))
    shared = [pos for pos in orders["stretch"] if pos in orders["strengthen"]]
    if shared:
        meet = shared[-1]  # the latest in the natural order disturbs the stretch order least
        orders["stretch"].remove(meet)
        orders["stretch"].append(meet)
        orders["strengthen"].remove(meet)
        orders["strengthen"].insert(0, meet)
    out: list[PlanItem] = []
    for p in PHASES:
        for pos in orders[p]:
            # within a position, the priority order the items were chosen in
            out.extend(i for i in phases[p] if exercises[i.exercise_id].position == pos)
    return out


def position_changes(plan: Plan, catalog: Any) -> int:
    """How many times the person changes floor position between consecutive exercises."""
    exercises = _index(catalog)
    positions = [exercises[i.exercise_id].position for i in plan.items]
    return sum(1 for a, b in zip(positions, positions[1:]) if a != b)


# ---------------------------------------------------------------- the plan


def _index(catalog: Any) -> dict[str, Exercise]:
    """id -> Exercise in catalog order, from a mapping, an object with `.exercises`, or a
    sequence of exercises."""
    if isinstance(catalog, Mapping):
        return {ex.id: ex for ex in catalog.values()}
    inner = getattr(catalog, "exercises", None)
    if inner is not None and inner is not catalog:
        return _index(inner)
    return {ex.id: ex for ex in catalog}


def _candidates(kind: str, priority: Iterable[str], exercises: Mapping[str, Exercise],
                level: str, routines: Routines) -> list[Exercise]:
    """The phase's exercises in priority order: listed ones first, then the rest of the
    catalog's exercises of that kind in catalog order; without those above the level."""
    ids = list(priority) + [i for i, ex in exercises.items() if ex.kind == kind]
    out: list[Exercise] = []
    for ex_id in dict.fromkeys(ids):
        ex = exercises[ex_id]
        need = routines.min_level.get(ex_id, LEVELS[0])
        if ex.kind == kind and LEVELS.index(need) <= LEVELS.index(level):
            out.append(ex)
    return out


def _dosing(profile: Profile, adaptation: Adaptation, routines: Routines) -> tuple[_Dosing, str]:
    level = LEVELS[0] if adaptation.gentle else profile.level
    rule = routines.levels[level]
    dose, sets, extra, max_sets = rule.dose, rule.sets, rule.extra_sets, rule.max_sets
    if adaptation.gentle:
        dose *= routines.gentle_dose
        sets = max(1, sets - routines.gentle_fewer_sets)
        max_sets = max(1, max_sets - routines.gentle_fewer_sets)
    return _Dosing(dose, sets, extra, max_sets, routines.hold_range, routines.reps_range,
                   dict(adaptation.adjustments), adaptation.gentle), level


def _error(items: Sequence[PlanItem], target: float) -> float:
    return abs(sum(i.est_seconds for i in items) - target)


def plan_session(
    catalog: Any,
    profile: Profile,
    adaptation: Adaptation | None = None,
    only: Sequence[str] | None = None,
    *,
    routines: Routines | None = None,
) -> Plan:
    """Today's plan for `profile` (cause, level, minutes), adjusted by `adaptation`.

    `only` gives just those exercises in that order (minutes are then ignored). Raises
    UserError for an unknown id, cause, level or minutes outside 5-30, DataFileError for a bad
    routines file.
    """
    routines = routines or load_routines()
    exercises = _index(catalog)
    routines.check_against(exercises)
    adaptation = adaptation or Adaptation()
    if profile.cause not in CAUSES:
        raise UserError(f"unknown cause {profile.cause!r}; choose one of {', '.join(CAUSES)}")
    if profile.level not in LEVELS:
        raise UserError(f"unknown level {profile.level!r}; choose one of {', '.join(LEVELS)}")
    minutes = adaptation.minutes if adaptation.minutes is not None else profile.minutes
    dosing, level = _dosing(profile, adaptation, routines)

    if only is not None:
        ids = list(dict.fromkeys(only))
        if not ids:
            raise UserError("no exercises given; name at least one exercise id")
        for ex_id in ids:
            if ex_id not in exercises:
                raise UserError(f"unknown exercise {ex_id!r}; valid ids: "
                                f"{', '.join(sorted(exercises))}")
        items = tuple(make_item(exercises[i], _nominal_sets(exercises[i], dosing), 1.0, dosing)
                      for i in ids)
        return Plan(items=items, minutes=minutes, cause=profile.cause)

    if not isinstance(minutes, int) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise UserError(f"minutes must be between {MIN_MINUTES} and {MAX_MINUTES}, got {minutes}")
    target = minutes * 60.0
    routine = routines.causes[profile.cause]
    cands = {p: _candidates(p, getattr(routine, p), exercises, level, routines) for p in PHASES}

    items = _fit(cands, routine.stretch_share, target, dosing, routines.max_exercises,
                 dosing.max_sets, routines.fit_dose_range)
    # When the preferred limits cannot come near the minutes (e.g. a 30-minute gentle day at
    # one set each), relax them one at a time - every exercise may be used, then up to 3 sets,
    # then a wider dose range - rather than miss the time.
    lo, hi = routines.fit_dose_range
    loose = replace(dosing, extra_sets=3, max_sets=3, memo={})
    stages = (
        (dosing, len(exercises), dosing.max_sets, (lo, hi)),
        (loose, len(exercises), 3, (lo, hi)),
        (loose, len(exercises), 3, (min(lo, 0.5), max(hi, 2.0))),
    )
    for d, n, sets, rng in stages:
        if _error(items, target) <= RELAX_ABOVE * target:
            break
        relaxed = _fit(cands, routine.stretch_share, target, d, n, sets, rng)
        if _error(relaxed, target) < _error(items, target):
            items = relaxed

    by_phase = {p: [i for i in items if exercises[i.exercise_id].kind == p] for p in PHASES}
    ordered = _order_by_position(by_phase, exercises)
    return Plan(items=tuple(ordered), minutes=minutes, cause=profile.cause)
