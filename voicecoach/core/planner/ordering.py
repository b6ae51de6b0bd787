"""The order of a plan: stretches, then strengthening, each grouped by floor position so the
person gets up and down as rarely as possible; and counting those position changes."""

from __future__ import annotations

from typing import Any, Mapping

from voicecoach.core.catalog import POSITIONS, Exercise
from voicecoach.core.plan import Plan, PlanItem

PHASES = ("stretch", "strengthen")


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
