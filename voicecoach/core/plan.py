"""Data types of a session plan and of the person's profile (shared by planner, dialogue,
adaptation and history). Pure data: no I/O here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal, Mapping

Cause = Literal["tight", "weak", "posture", "general"]
Level = Literal["beginner", "intermediate", "advanced"]
VariantName = Literal["easier", "standard", "harder"]
CAUSES: tuple[str, ...] = ("tight", "weak", "posture", "general")
LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")


@dataclass(frozen=True)
class Profile:
    cause: Cause = "general"
    level: Level = "beginner"
    minutes: int = 15  # today's target length (5-30)
    goal_minutes: int = 20  # where adaptation grows the session to, week by week


@dataclass(frozen=True)
class ExerciseAdjustment:
    """What adaptation changes for one exercise: which version, and a dose factor that
    multiplies its hold seconds or reps (1.0 = as in the catalog)."""

    variant: VariantName = "standard"
    dose: float = 1.0


@dataclass(frozen=True)
class Adaptation:
    """The result of the adaptation rules for today's session."""

    minutes: int | None = None  # overrides Profile.minutes when set
    adjustments: Mapping[str, ExerciseAdjustment] = field(default_factory=dict)
    notices: tuple[tuple[str, Mapping], ...] = ()  # (prompt key, data) said before the session
    gentle: bool = False  # returning after a break: start gentler


@dataclass(frozen=True)
class PlanItem:
    exercise_id: str
    variant: VariantName
    hold_seconds: int | None  # per side, per set (holds)
    reps: int | None  # per side, per set (reps)
    tempo_seconds: float
    sets: int
    sides: tuple[str, ...]  # () for none, ("left", "right") for both
    rest_seconds: int
    est_seconds: float  # planned duration, intro speech + get-ready + work + rest


@dataclass(frozen=True)
class Plan:
    items: tuple[PlanItem, ...]
    minutes: int  # what was asked for
    cause: str = "general"

    @property
    def est_seconds(self) -> float:
        return sum(i.est_seconds for i in self.items)

    def index_of(self, exercise_id: str) -> int | None:
        for i, item in enumerate(self.items):
            if item.exercise_id == exercise_id:
                return i
        return None


COUNTS = ("voice", "tick")
MINUTES_RANGE = (5, 30)
RATE_RANGE = (60, 400)


@dataclass(frozen=True)
class Settings:
    """What the profile file holds (read and written by store/profile.py)."""

    cause: str = "general"
    level: str = "beginner"
    minutes: int = 15
    goal_minutes: int = 20
    voice: str | None = None
    rate: int | None = None
    volume: float | None = None
    counts: str = "voice"
    created: date | None = None
    disclaimer_heard: bool = False

    @property
    def profile(self) -> Profile:
        return Profile(self.cause, self.level, self.minutes, self.goal_minutes)  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["created"] = self.created.isoformat() if self.created else None
        return d
