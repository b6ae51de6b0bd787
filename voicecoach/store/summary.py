"""The read side of the history: a session's events folded into its summary (pure, no SQLite)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from voicecoach.core.plan import Profile


@dataclass(frozen=True)
class Event:
    t: float
    kind: str
    data: dict


@dataclass(frozen=True)
class PainReport:
    exercise: str | None
    variant: str | None
    t: float


@dataclass(frozen=True)
class RedFlag:
    urgent: bool
    text: str
    exercise: str | None
    t: float


@dataclass(frozen=True)
class SessionSummary:
    id: int
    started: datetime
    minutes: float  # as ended, or up to the last event when never ended
    finished: bool  # False: stopped early, or never ended (Ctrl-C, kill -9, power loss)
    ended: bool  # end_session ran (False: the process died mid-session)
    minutes_planned: int
    plan: tuple[str, ...]
    profile: Profile
    exercises: tuple[str, ...] = ()  # ids done, in order, each once
    done: tuple[dict, ...] = ()  # what was done of each: {exercise, variant, sets, ...}
    variants: dict = field(default_factory=dict)  # exercise id -> variant it was done in
    skipped: tuple[str, ...] = ()
    pain_before: int | None = None
    pain_after: int | None = None
    pain_reports: tuple[PainReport, ...] = ()
    easy: tuple[str, ...] = ()  # exercises the person called easy
    too_hard: tuple[PainReport, ...] = ()  # "this is too hard": (exercise, variant it was in)
    red_flags: tuple[RedFlag, ...] = ()
    events: tuple[Event, ...] = ()

    @property
    def day(self):
        return self.started.date()

    @property
    def practised(self) -> bool:
        """At least one exercise was done (an opened-and-abandoned session doesn't count)."""
        return bool(self.exercises)


def summarize(row: dict, events: Iterable[Event]) -> SessionSummary:
    """Fold a session's events into its summary (pure: used by History.sessions and tests)."""
    events = tuple(events)
    exercises: list[str] = []
    done: dict[str, dict] = {}
    variants: dict[str, str] = {}
    too_hard: list[PainReport] = []
    skipped: list[str] = []
    pain_reports: list[PainReport] = []
    easy: list[str] = []
    red_flags: list[RedFlag] = []
    pain_before = pain_after = None
    for ev in events:
        d = ev.data
        if ev.kind == "exercise_done" and d.get("exercise"):
            ex = d["exercise"]
            if ex not in done:  # done twice ("do the bridge" again): one entry, counted
                exercises.append(ex)
            entry = {k: v for k, v in d.items() if k != "t"}
            entry["variant"] = d.get("variant") or "standard"
            entry["times"] = done.get(ex, {}).get("times", 0) + 1
            done[ex] = entry
            variants[ex] = entry["variant"]
        elif ev.kind == "easier" and d.get("exercise"):
            too_hard.append(PainReport(d["exercise"], d.get("variant"), ev.t))
        elif ev.kind == "exercise_skipped" and d.get("exercise"):
            skipped.append(d["exercise"])
        elif ev.kind == "pain":
            pain_reports.append(PainReport(d.get("exercise"), d.get("variant"), ev.t))
        elif ev.kind == "easy" and d.get("exercise"):
            easy.append(d["exercise"])
        elif ev.kind == "red_flag":
            red_flags.append(
                RedFlag(bool(d.get("urgent")), str(d.get("text", "")), d.get("exercise"), ev.t)
            )
        elif ev.kind == "pain_before" and isinstance(d.get("value"), (int, float)):
            pain_before = int(d["value"])
        elif ev.kind == "pain_after" and isinstance(d.get("value"), (int, float)):
            pain_after = int(d["value"])
    ended = bool(row["ended"])
    if ended and row["minutes"] is not None:
        minutes = float(row["minutes"])
    else:
        minutes = max((ev.t for ev in events), default=0.0) / 60.0
    profile_minutes = row.get("profile_minutes") or row["minutes_planned"]
    goal = row.get("goal_minutes") or Profile().goal_minutes
    return SessionSummary(
        id=row["id"],
        started=datetime.fromisoformat(row["started"]),
        minutes=round(minutes, 2),
        finished=ended and bool(row["finished"]),
        ended=ended,
        minutes_planned=row["minutes_planned"],
        plan=tuple(json.loads(row["plan"] or "[]")),
        profile=Profile(row["cause"], row["level"], profile_minutes, goal),
        exercises=tuple(exercises),
        done=tuple(done[e] for e in exercises),
        variants=variants,
        skipped=tuple(skipped),
        pain_before=pain_before,
        pain_after=pain_after,
        pain_reports=tuple(pain_reports),
        easy=tuple(easy),
        too_hard=tuple(too_hard),
        red_flags=tuple(red_flags),
        events=events,
    )


def _sort_key(s: SessionSummary):
    # Aware and naive datetimes can't be compared; compare aware ones in local time.
    started = s.started
    if started.tzinfo is not None:
        started = started.astimezone().replace(tzinfo=None)
    return (started, s.id)
