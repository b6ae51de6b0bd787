"""Today's session plan: which exercises, in which order, with what dose.

Rules (weights and priority orders live in data/routines.yaml, with their reasons):
- stretches first, then strengthening; the cause sets how much of the time goes to each;
- the level scales the dose (hold seconds / reps) and the sets;
- the plan's estimated length (timing.exercise_seconds, the same figure the dialogue uses) lands
  within 10% of the minutes asked: first by choosing how many exercises, then sets, then dose;
- within each phase, exercises are grouped by floor position so the person gets up and down as
  rarely as possible, and the two phases meet on a shared position when they have one;
- adaptation (issue 5) picks variants, scales doses and asks for gentle days.

Parts: estimates (seconds), dosing (plan items), fitting (the minutes), ordering (floor
positions); plan_session here puts them together.

Pure: same inputs, same plan. No randomness, no clock, no I/O apart from reading routines.yaml.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Mapping, Sequence

from voicecoach.core.catalog import Exercise
from voicecoach.core.errors import UserError
from voicecoach.core.plan import CAUSES, LEVELS, Adaptation, Plan, PlanItem, Profile
from voicecoach.core.planner.dosing import (  # noqa: F401 - re-exported
    DEFAULT_TEMPO,
    _bounded,
    _dose,
    _Dosing,
    _est,
    _max_sets,
    _round_half_up,
    _variant_name,
    make_item,
)
from voicecoach.core.planner.estimates import (  # noqa: F401 - re-exported
    estimate_item_seconds,
    intro_estimate,
    intro_lines,
    intro_text,
    work_seconds_per_side,
)
from voicecoach.core.planner.fitting import (  # noqa: F401 - re-exported
    DOSE_COST,
    FINE_TUNE,
    FIT_MARGIN,
    OUT_OF_MARGIN_COST,
    REPAIR_ABOVE,
    SHARE_COST,
    VARIETY_SLACK,
    _count_options,
    _fit,
    _fit_dose,
    _fit_sets,
    _grid,
    _grid_seconds,
    _neighbours,
    _nominal_sets,
    _phase_seconds,
    _Slot,
)
from voicecoach.core.planner.ordering import (  # noqa: F401 - re-exported
    PHASES,
    _index,
    _order_by_position,
    position_changes,
)
from voicecoach.core.routines import Routines, load_routines

MIN_MINUTES, MAX_MINUTES = 5, 30
TOLERANCE = 0.10  # the plan's estimate must be within 10% of the minutes asked
RELAX_ABOVE = FIT_MARGIN  # further off: relax the preferred limits (exercises, sets, dose)


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
